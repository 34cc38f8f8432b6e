import { describe, expect, it } from 'vitest';
import { FeatureSet, MARKETPLACE_FEATURE_SET } from '../features/index.js';
import { featureReason } from './reasons.js';

const set = FeatureSet.create(MARKETPLACE_FEATURE_SET);
const text = (feature: string, value: number, contribution = 0.4, features = set) => featureReason(features, { feature, value, contribution }).text;

describe('featureReason', () => {
  it('words each kind of feature with its description and a value a reviewer reads', () => {
    expect(text('user_bookings_1h', 3)).toBe('Booking attempts by the user in the last hour: 3 — raises the risk');
    expect(text('user_amount_mean_30d', 72.481, -0.2)).toBe("The user's usual booking amount (30-day mean): 72.48 — lowers the risk");
    expect(text('user_since_last_login', 90)).toBe("Seconds since the user's previous login: 90 s — raises the risk");
    expect(text('user_since_last_login', 5_400)).toBe("Seconds since the user's previous login: 90 min — raises the risk");
    expect(text('user_since_last_login', 36_000)).toBe("Seconds since the user's previous login: 10.0 h — raises the risk");
    expect(text('user_since_last_login', 864_000)).toBe("Seconds since the user's previous login: 10.0 days — raises the risk");
    expect(text('account_age_days', 2.25)).toBe('Account age in days: 2.3 days — raises the risk');
    expect(text('first_use_of_device', 1)).toBe('First time this user uses this device (in 30 days): yes — raises the risk');
    expect(text('first_use_of_device', 0, -0.1)).toBe('First time this user uses this device (in 30 days): no — lowers the risk');
  });

  it('says when a value is unknown, and keeps it out of the reason', () => {
    const reason = featureReason(set, { feature: 'user_bookings_1h', value: NaN, contribution: 0.3 });
    expect(reason).toEqual({ kind: 'feature', feature: 'user_bookings_1h', value: null, contribution: 0.3, text: 'Booking attempts by the user in the last hour: unknown (never seen or idle) — raises the risk' });
    // A request-time feature is unknown because its input was absent, not because of an entity's history.
    expect(text('ip_country_mismatch', NaN)).toMatch(/: unknown — raises the risk$/);
  });

  it('falls back to the name for a feature without a description, and words each feature set on its own', () => {
    const bare = FeatureSet.create({
      name: 'bare',
      scored: ['booking_attempted'],
      features: [{ name: 'user_bookings_1h', description: '', entity: 'user', events: ['booking_attempted'], agg: 'count', window: '1h', ttl: '1d' }],
    });
    expect(text('user_bookings_1h', 2, 0.1, bare)).toBe('User bookings 1h: 2 — raises the risk');
    expect(text('user_bookings_1h', 2, 0.1, set)).toBe('Booking attempts by the user in the last hour: 2 — raises the risk');
    expect(text('some_ratio_vs_usual', 1.23456, 0.1, bare)).toBe('Some ratio vs usual: 1.23 — raises the risk');
  });
});
