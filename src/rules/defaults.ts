// A starter rule set for the built-in marketplace feature set (src/features/catalog.ts) and the fraud
// the simulator plays (src/sim/README.md): hard list rules, a few well-understood review rules, and
// the riskier ideas in shadow, where they are counted but never act until a backtest and some weeks
// of shadow hits say they are worth it. Every feature read goes through `.?x.orValue(…)`, so a
// missing feature reads as the harmless default rather than failing the rule.
import { DEFAULT_PRIORITIES as P, type RuleInput } from './rule.js';

export const DEFAULT_RULES: readonly RuleInput[] = [
  // Lists: block lists outrank the allow list, which outranks every ordinary rule.
  {
    id: 'stolen_card',
    name: 'Card on the stolen-cards list',
    expression: "in_list('stolen_cards', request.entities.card)",
    action: 'block',
    priority: P.blockList,
  },
  {
    id: 'blocked_device_or_ip',
    name: 'Device or IP address on a block list',
    expression: "in_list('blocked_devices', request.entities.device) || in_list('blocked_ips', request.entities.ip)",
    action: 'block',
    priority: P.blockList,
  },
  {
    id: 'blocked_account_or_email',
    name: 'Account or e-mail address on a block list',
    expression: "in_list('blocked_users', request.entities.user) || in_list('blocked_emails', request.entities.email)",
    action: 'block',
    priority: P.blockList,
  },
  {
    id: 'sanctioned_name',
    name: 'Name resembles an entry on the sanctions list',
    description: 'The account holder or cardholder name is at least 0.9 similar (Jaro–Winkler, normalised) to a sanctioned name: a compliance review, which the allow list cannot skip.',
    expression:
      "(has(request.payload.name) && name_matches('sanctioned_names', request.payload.name, 0.9)) || (has(request.payload.cardholder_name) && name_matches('sanctioned_names', request.payload.cardholder_name, 0.9))",
    action: 'review',
    priority: P.blockList,
  },
  {
    id: 'allowed_user',
    name: 'Trusted account',
    description: 'Accounts on allowed_users skip ordinary block and review rules (not the block lists).',
    expression: "in_list('allowed_users', request.entities.user)",
    action: 'allow',
    priority: P.allowList,
  },

  // Card testing: a burst of declines, then a booking on the card that went through.
  {
    id: 'failed_payment_burst',
    name: '3+ failed payments within 10 minutes',
    description: 'The velocity feature user_failed_payment_burst: at least 3 declined or failed payments by the user in any 10 minutes.',
    expression: 'features.?user_failed_payment_burst.orValue(0.0) == 1.0',
    action: 'review',
    priority: P.review + 100,
  },
  {
    id: 'card_testing_device',
    name: 'Many cards and declines from one device',
    expression: 'features.?device_distinct_cards_24h.orValue(0.0) >= 5.0 && features.?device_failed_payments_1h.orValue(0.0) >= 3.0',
    action: 'block',
    priority: P.block,
  },

  // Stolen cards and account takeover: a foreign card on a device the user never used, for a lot of money.
  {
    id: 'foreign_card_new_device_high_amount',
    name: "Card from another country than the IP, on a new device, high amount",
    expression:
      'features.?card_country_mismatch.orValue(0.0) == 1.0 && features.?first_use_of_device.orValue(0.0) == 1.0 && ' +
      'request.type == "booking_attempted" && request.payload.amount >= 500.0',
    action: 'review',
    priority: P.review + 50,
  },
  {
    id: 'new_device_after_profile_change',
    name: 'New device within a day of an e-mail, phone or password change',
    expression: 'features.?first_use_of_device.orValue(0.0) == 1.0 && features.?user_since_profile_change.orValue(1e12) < 86400.0',
    action: 'review',
    priority: P.review + 50,
  },

  // Promo abuse and review rings: many accounts behind one device.
  {
    id: 'shared_device',
    name: '4+ accounts on one device in 24 hours',
    expression: 'features.?device_distinct_users_24h.orValue(0.0) >= 4.0',
    action: 'review',
    priority: P.review,
  },

  // Off-platform payment requests in the booking message.
  {
    id: 'off_platform_payment_request',
    name: 'Booking message asks to pay or talk off-platform',
    expression: 'features.?message_off_platform.orValue(0.0) == 1.0',
    action: 'review',
    priority: P.review,
  },

  // Shadow: counted, never acted on, until they have proven themselves.
  {
    id: 'new_account_expensive_booking',
    name: 'Account less than a day old books for 800 or more',
    expression: 'features.?account_age_days.orValue(1e6) < 1.0 && request.type == "booking_attempted" && request.payload.amount >= 800.0',
    action: 'review',
    priority: P.review,
    shadow: true,
  },
  {
    id: 'card_shared_by_accounts',
    name: 'Card used by 3+ accounts in 30 days',
    expression: 'features.?card_distinct_users_30d.orValue(0.0) >= 3.0',
    action: 'block',
    priority: P.block,
    shadow: true,
  },
  {
    id: 'promo_on_shared_device',
    name: 'Promo code from a device that created 3+ accounts this week',
    expression: 'features.?has_promo_code.orValue(0.0) == 1.0 && features.?device_accounts_created_7d.orValue(0.0) >= 3.0',
    action: 'review',
    priority: P.review,
    shadow: true,
  },

  // Tags: context for reviewers, no effect on the verdict.
  {
    id: 'foreign_ip',
    name: "IP country differs from the user's country",
    expression: 'features.?ip_country_mismatch.orValue(0.0) == 1.0',
    action: 'tag',
    priority: P.tag,
  },
];
