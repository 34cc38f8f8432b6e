// The built-in feature set for a stays/rentals marketplace: the signals the fraud patterns of DESIGN.md
// leave behind (velocity, new devices and cards, shared devices, mismatched countries, label history,
// off-platform messages). Teams copy it and edit; any change yields a new version.
import type { FeatureDefinition } from './definition.js';
import type { FeatureSetSpec } from './featureset.js';

const FAILED = { 'payload.status': { in: ['declined', 'failed'] } } as const;

const features: FeatureDefinition[] = [
  // user: activity, money, velocity
  { name: 'user_bookings_1h', description: 'booking attempts by the user in the last hour', entity: 'user', events: ['booking_attempted'], agg: 'count', window: '1h', ttl: '90d' },
  { name: 'user_bookings_24h', description: 'booking attempts by the user in the last 24 hours', entity: 'user', events: ['booking_attempted'], agg: 'count', window: '24h', ttl: '90d' },
  { name: 'user_bookings_30d', description: 'booking attempts by the user in the last 30 days', entity: 'user', events: ['booking_attempted'], agg: 'count', window: '30d', ttl: '90d' },
  { name: 'user_amount_sum_24h', description: 'amount the user tried to book in 24 hours', entity: 'user', events: ['booking_attempted'], agg: 'sum', field: 'payload.amount', window: '24h', ttl: '90d' },
  { name: 'user_amount_mean_30d', description: "the user's usual booking amount (30-day mean)", entity: 'user', events: ['booking_attempted'], agg: 'mean', field: 'payload.amount', window: '30d', ttl: '90d' },
  { name: 'user_amount_max_30d', description: "the user's largest booking amount in 30 days", entity: 'user', events: ['booking_attempted'], agg: 'max', field: 'payload.amount', window: '30d', ttl: '90d' },
  { name: 'user_payments_24h', description: 'payment attempts by the user in 24 hours', entity: 'user', events: ['payment_attempted'], agg: 'count', window: '24h', ttl: '90d' },
  { name: 'user_failed_payments_10m', description: 'declined or failed payments by the user in 10 minutes', entity: 'user', events: ['payment_attempted'], where: FAILED, agg: 'count', window: '10m', ttl: '90d' },
  { name: 'user_failed_payments_24h', description: 'declined or failed payments by the user in 24 hours', entity: 'user', events: ['payment_attempted'], where: FAILED, agg: 'count', window: '24h', ttl: '90d' },
  { name: 'user_failed_payment_burst', description: 'at least 3 declined or failed payments by the user within any 10 minutes', entity: 'user', events: ['payment_attempted'], where: FAILED, agg: 'velocity', k: 3, window: '10m', ttl: '90d' },
  { name: 'user_distinct_cards_7d', description: 'different cards the user used in 7 days', entity: 'user', events: ['booking_attempted', 'payment_attempted'], agg: 'distinct', field: 'entities.card', window: '7d', ttl: '90d' },
  { name: 'user_distinct_devices_7d', description: 'different devices the user used in 7 days', entity: 'user', events: ['login', 'booking_attempted'], agg: 'distinct', field: 'entities.device', window: '7d', ttl: '90d' },
  { name: 'user_distinct_ips_24h', description: 'different IP addresses of the user in 24 hours', entity: 'user', events: ['login', 'booking_attempted'], agg: 'distinct', field: 'entities.ip', window: '24h', ttl: '90d' },
  { name: 'user_distinct_ip_countries_7d', description: 'countries the user connected from in 7 days', entity: 'user', events: ['login', 'booking_attempted'], agg: 'distinct', field: 'context.ip_country', window: '7d', ttl: '90d' },
  { name: 'user_failed_logins_1h', description: 'failed logins of the user in the last hour', entity: 'user', events: ['login'], where: { 'payload.success': false }, agg: 'count', window: '1h', ttl: '90d' },
  { name: 'user_since_last_login', description: "seconds since the user's previous login", entity: 'user', events: ['login'], agg: 'since_last', ttl: '180d' },
  { name: 'user_since_profile_change', description: 'seconds since the user last changed e-mail, phone, password or payout details', entity: 'user', events: ['profile_updated'], agg: 'since_last', ttl: '90d' },
  { name: 'user_account_age', description: 'seconds since the account was created', entity: 'user', events: ['account_created'], agg: 'since_first', ttl: '3650d' },
  { name: 'user_messages_24h', description: 'messages sent by the user in 24 hours', entity: 'user', events: ['message_sent'], agg: 'count', window: '24h', ttl: '90d' },
  { name: 'user_offplatform_messages_7d', description: 'messages by the user asking to pay or talk off-platform, 7 days', entity: 'user', events: ['message_sent', 'booking_attempted'], where: { '$text.off_platform': 1 }, agg: 'count', window: '7d', ttl: '90d' },
  { name: 'user_reviews_7d', description: 'reviews posted by the user in 7 days', entity: 'user', events: ['review_posted'], agg: 'count', window: '7d', ttl: '90d' },
  { name: 'user_chargebacks_30d', description: 'chargebacks on the user in 30 days (counted from their arrival)', entity: 'user', events: ['chargeback'], agg: 'count', window: '30d', ttl: '180d' },
  { name: 'user_fraud_verdicts_30d', description: 'reviewer fraud verdicts on the user in 30 days', entity: 'user', events: ['reviewer_verdict'], where: { 'payload.verdict': 'fraud' }, agg: 'count', window: '30d', ttl: '180d' },

  // device: sharing and card testing
  { name: 'device_distinct_users_24h', description: 'accounts using the device in 24 hours', entity: 'device', events: ['login', 'booking_attempted', 'account_created'], agg: 'distinct', field: 'entities.user', window: '24h', ttl: '90d' },
  { name: 'device_distinct_users_30d', description: 'accounts using the device in 30 days', entity: 'device', events: ['login', 'booking_attempted', 'account_created'], agg: 'distinct', field: 'entities.user', window: '30d', ttl: '90d' },
  { name: 'device_distinct_cards_24h', description: 'cards tried from the device in 24 hours', entity: 'device', events: ['payment_attempted', 'booking_attempted'], agg: 'distinct', field: 'entities.card', window: '24h', ttl: '90d' },
  { name: 'device_failed_payments_1h', description: 'declined or failed payments from the device in an hour', entity: 'device', events: ['payment_attempted'], where: FAILED, agg: 'count', window: '1h', ttl: '90d' },
  { name: 'device_accounts_created_7d', description: 'accounts created from the device in 7 days', entity: 'device', events: ['account_created'], agg: 'count', window: '7d', ttl: '90d' },
  { name: 'device_since_first', description: 'seconds since the device was first seen', entity: 'device', events: ['login', 'booking_attempted', 'account_created'], agg: 'since_first', ttl: '365d' },

  // card
  { name: 'card_distinct_users_30d', description: 'accounts using the card in 30 days', entity: 'card', events: ['booking_attempted', 'payment_attempted'], agg: 'distinct', field: 'entities.user', window: '30d', ttl: '180d' },
  { name: 'card_payments_1h', description: 'payment attempts with the card in an hour', entity: 'card', events: ['payment_attempted'], agg: 'count', window: '1h', ttl: '180d' },
  { name: 'card_failed_payments_1h', description: 'declined or failed payments with the card in an hour', entity: 'card', events: ['payment_attempted'], where: FAILED, agg: 'count', window: '1h', ttl: '180d' },
  { name: 'card_bookings_24h', description: 'bookings with the card in 24 hours', entity: 'card', events: ['booking_attempted'], agg: 'count', window: '24h', ttl: '180d' },
  { name: 'card_chargebacks_30d', description: 'chargebacks on the card in 30 days (counted from their arrival)', entity: 'card', events: ['chargeback'], agg: 'count', window: '30d', ttl: '180d' },
  { name: 'card_since_first', description: 'seconds since the card was first seen on the platform', entity: 'card', events: ['booking_attempted', 'payment_attempted'], agg: 'since_first', ttl: '365d' },

  // ip, email
  { name: 'ip_distinct_users_24h', description: 'accounts seen on the IP address in 24 hours', entity: 'ip', events: ['login', 'booking_attempted', 'account_created'], agg: 'distinct', field: 'entities.user', window: '24h', ttl: '30d' },
  { name: 'ip_bookings_1h', description: 'bookings from the IP address in an hour', entity: 'ip', events: ['booking_attempted'], agg: 'count', window: '1h', ttl: '30d' },
  { name: 'ip_failed_payments_1h', description: 'declined or failed payments from the IP address in an hour', entity: 'ip', events: ['payment_attempted'], where: FAILED, agg: 'count', window: '1h', ttl: '30d' },
  { name: 'email_distinct_users_30d', description: 'accounts using the (normalised) e-mail address in 30 days', entity: 'email', events: ['account_created', 'booking_attempted'], agg: 'distinct', field: 'entities.user', window: '30d', ttl: '180d' },

  // listing and host: label history, review patterns
  { name: 'listing_bookings_30d', description: 'booking attempts on the listing in 30 days', entity: 'listing', events: ['booking_attempted'], agg: 'count', window: '30d', ttl: '365d' },
  { name: 'listing_chargebacks_30d', description: 'chargebacks on the listing in 30 days (counted from their arrival)', entity: 'listing', events: ['chargeback'], agg: 'count', window: '30d', ttl: '365d' },
  { name: 'listing_since_first', description: 'seconds since the listing was first seen', entity: 'listing', events: ['listing_created', 'booking_attempted'], agg: 'since_first', ttl: '3650d' },
  { name: 'host_chargebacks_30d', description: "chargebacks on the host's listings in 30 days", entity: 'host', events: ['chargeback'], agg: 'count', window: '30d', ttl: '365d' },
  { name: 'host_bookings_30d', description: "booking attempts on the host's listings in 30 days", entity: 'host', events: ['booking_attempted'], agg: 'count', window: '30d', ttl: '365d' },
  { name: 'host_five_star_reviews_7d', description: 'five-star reviews the host received in 7 days', entity: 'host', events: ['review_posted'], where: { 'payload.rating': 5 }, agg: 'count', window: '7d', ttl: '365d' },
  { name: 'host_distinct_reviewers_30d', description: 'different guests reviewing the host in 30 days', entity: 'host', events: ['review_posted'], agg: 'distinct', field: 'entities.user', window: '30d', ttl: '365d' },
  { name: 'host_offplatform_messages_7d', description: 'messages about the host asking to pay off-platform, 7 days', entity: 'host', events: ['message_sent'], where: { '$text.off_platform': 1 }, agg: 'count', window: '7d', ttl: '365d' },

  // user × device, user × card: first use
  { name: 'user_device_uses_30d', description: 'times the user used this device in 30 days', entity: ['user', 'device'], events: ['login', 'booking_attempted'], agg: 'count', window: '30d', ttl: '180d' },
  { name: 'user_card_uses_30d', description: 'times the user used this card in 30 days', entity: ['user', 'card'], events: ['booking_attempted', 'payment_attempted'], agg: 'count', window: '30d', ttl: '180d' },

  // ratios
  { kind: 'ratio', name: 'user_decline_ratio_24h', description: "share of the user's payments in 24 hours that failed", numerator: 'user_failed_payments_24h', denominator: 'user_payments_24h' },
  { kind: 'ratio', name: 'listing_chargeback_rate_30d', description: "chargebacks per booking on the listing, 30 days", numerator: 'listing_chargebacks_30d', denominator: 'listing_bookings_30d' },
  { kind: 'ratio', name: 'host_chargeback_rate_30d', description: "chargebacks per booking on the host's listings, 30 days", numerator: 'host_chargebacks_30d', denominator: 'host_bookings_30d' },

  // request time
  { kind: 'on_demand', name: 'amount', description: 'amount of this booking', op: 'value', args: ['$event.payload.amount'] },
  { kind: 'on_demand', name: 'amount_vs_user_mean', description: "this amount ÷ the user's 30-day mean amount", op: 'div', args: ['$event.payload.amount', 'user_amount_mean_30d'] },
  { kind: 'on_demand', name: 'nights', description: 'nights booked', op: 'value', args: ['$event.payload.nights'] },
  { kind: 'on_demand', name: 'first_use_of_device', description: 'first time this user uses this device (in 30 days)', op: 'missing_or_zero', args: ['user_device_uses_30d'] },
  { kind: 'on_demand', name: 'first_use_of_card', description: 'first time this user uses this card (in 30 days)', op: 'missing_or_zero', args: ['user_card_uses_30d'] },
  { kind: 'on_demand', name: 'account_age_days', description: 'account age in days', op: 'seconds_to_days', args: ['user_account_age'] },
  { kind: 'on_demand', name: 'local_hour', description: "hour of day in the user's time zone", op: 'local_hour', args: [] },
  { kind: 'on_demand', name: 'card_country_mismatch', description: "the card's country differs from the IP's country", op: 'differs', args: ['$event.payload.card_country', '$event.context.ip_country'] },
  { kind: 'on_demand', name: 'ip_country_mismatch', description: "the IP's country differs from the user's country", op: 'differs', args: ['$event.context.ip_country', '$event.context.user_country'] },
  { kind: 'on_demand', name: 'has_promo_code', description: 'a promo code was used', op: 'present', args: ['$event.payload.promo_code'] },
  { kind: 'on_demand', name: 'message_off_platform', description: 'the booking message asks to pay or talk off-platform', op: 'text_signal', args: [], param: 'off_platform' },
  { kind: 'on_demand', name: 'message_contact_details', description: 'strength of contact details or off-platform requests in the booking message (0–1)', op: 'text_signal', args: [], param: 'score' },
];

export const MARKETPLACE_FEATURE_SET: FeatureSetSpec = {
  name: 'marketplace',
  description: 'Built-in features for a stays/rentals marketplace checkout',
  scored: ['booking_attempted'],
  features,
};
