import { describe, expect, it } from 'vitest';
import type { RiskEvent } from '../events/schema.js';
import { FeatureSet, MARKETPLACE_FEATURE_SET } from '../features/index.js';
import { RuleSet } from './compile.js';
import { DEFAULT_RULES } from './defaults.js';
import { RuleEvaluator } from './evaluate.js';
import { BUILTIN_LISTS, ListIndex } from './lists.js';
import type { Rule } from './rule.js';
import { checkRule } from './store.js';

const featureSet = FeatureSet.create(MARKETPLACE_FEATURE_SET);
const lists = new ListIndex();
for (const list of BUILTIN_LISTS) lists.set(list, []);
lists.set({ name: 'stolen_cards', kind: 'card' }, [{ value: 'cf_stolen', expiresAt: null }]);
lists.set({ name: 'allowed_users', kind: 'user' }, [{ value: 'u_trusted', expiresAt: null }]);
const known = { features: featureSet.valueNames, lists: lists.kinds() };

const rules: Rule[] = DEFAULT_RULES.map((r) => ({ description: '', priority: 0, shadow: false, enabled: true, ...r, version: 1, updatedAt: 0, updatedBy: 'system' }));
const evaluator = new RuleEvaluator(RuleSet.compile(rules, known), featureSet.vectorNames, lists);

function booking(entities: Partial<RiskEvent['entities']> = {}): RiskEvent {
  return {
    id: 'b1',
    type: 'booking_attempted',
    ts: Date.UTC(2026, 2, 2),
    v: 1,
    entities: { user: 'u1', device: 'd1', card: 'cf_1', listing: 'l1', host: 'h1', ...entities },
    payload: { amount: 900, currency: 'EUR', nights: 3 },
  };
}

/** A vector with the given features present and every other one missing. */
function vector(present: Record<string, number>): Float64Array {
  const names = featureSet.valueNames;
  const v = new Float64Array(names.length * 2);
  names.forEach((name, i) => {
    if (name in present) v[i] = present[name]!;
    else v[names.length + i] = 1;
  });
  return v;
}

describe('default rules', () => {
  it('are valid rules that compile against the built-in features and lists', () => {
    for (const rule of DEFAULT_RULES) expect(() => checkRule(rule, known), rule.id).not.toThrow();
    expect(new Set(DEFAULT_RULES.map((r) => r.id)).size).toBe(DEFAULT_RULES.length);
    expect(DEFAULT_RULES.some((r) => r.shadow)).toBe(true);
  });

  it('do nothing, and fail nowhere, on an ordinary booking with no features', () => {
    const result = evaluator.evaluate(booking(), vector({}), null);
    expect(result).toMatchObject({ action: null, hits: [], shadowHits: [], errors: [] });
  });

  it.each([
    ['stolen card', booking({ card: 'cf_stolen' }), {}, 'block', 'stolen_card'],
    ['failed payment burst', booking(), { user_failed_payment_burst: 1 }, 'review', 'failed_payment_burst'],
    ['card testing from a device', booking(), { device_distinct_cards_24h: 8, device_failed_payments_1h: 5 }, 'block', 'card_testing_device'],
    ['foreign card, new device, high amount', booking(), { card_country_mismatch: 1, first_use_of_device: 1 }, 'review', 'foreign_card_new_device_high_amount'],
    ['new device after a profile change', booking(), { first_use_of_device: 1, user_since_profile_change: 3_600 }, 'review', 'new_device_after_profile_change'],
    ['shared device', booking(), { device_distinct_users_24h: 6 }, 'review', 'shared_device'],
    ['off-platform message', booking(), { message_off_platform: 1 }, 'review', 'off_platform_payment_request'],
    ['trusted user with a burst', booking({ user: 'u_trusted' }), { user_failed_payment_burst: 1 }, 'allow', 'allowed_user'],
    ['trusted user with a stolen card', booking({ user: 'u_trusted', card: 'cf_stolen' }), {}, 'block', 'stolen_card'],
  ] as const)('%s', (_, event, features, action, decidedBy) => {
    const result = evaluator.evaluate(event, vector(features), null);
    expect(result).toMatchObject({ action, decidedBy, errors: [] });
  });

  it('keep the riskier ideas in shadow and tags out of the verdict', () => {
    const result = evaluator.evaluate(booking(), vector({ account_age_days: 0.2, card_distinct_users_30d: 4, ip_country_mismatch: 1 }), null);
    expect(result.action).toBeNull();
    expect(result.shadowHits.map((h) => h.ruleId)).toEqual(['card_shared_by_accounts', 'new_account_expensive_booking']);
    expect(result.tags).toEqual(['foreign_ip']);
  });
});
