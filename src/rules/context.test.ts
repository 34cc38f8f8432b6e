import { describe, expect, it } from 'vitest';
import type { RiskEvent } from '../events/schema.js';
import { FeatureSet } from '../features/index.js';
import { buildRuleContext } from './context.js';

const set = FeatureSet.create({
  name: 'ctx',
  scored: ['booking_attempted'],
  features: [
    { name: 'user_bookings_1h', description: '', entity: 'user', events: ['booking_attempted'], agg: 'count', window: '1h', ttl: '1d' },
    { name: 'user_amount_mean_1h', description: '', entity: 'user', events: ['booking_attempted'], agg: 'mean', field: 'payload.amount', window: '1h', ttl: '1d' },
    { kind: 'on_demand', name: 'nights', description: '', op: 'value', args: ['$event.payload.nights'] },
  ],
});

const event: RiskEvent = {
  id: 'b1',
  type: 'booking_attempted',
  ts: Date.UTC(2026, 2, 2, 18, 30),
  v: 1,
  entities: { user: 'u1', card: 'cf_1', listing: 'l1', host: 'h1' },
  context: { ip_country: 'DE', tz_offset_min: 60 },
  payload: { amount: 400, currency: 'EUR', nights: 4, message: 'hi' },
};

describe('buildRuleContext', () => {
  it('maps present features to their values and leaves missing ones out', () => {
    // values: user_bookings_1h = 2, user_amount_mean_1h missing (served as NaN), nights = 4
    const vector = Float64Array.of(2, NaN, 4, 0, 1, 0);
    expect(set.vectorNames).toEqual(['user_bookings_1h', 'user_amount_mean_1h', 'nights', 'user_bookings_1h_missing', 'user_amount_mean_1h_missing', 'nights_missing']);
    const { features } = buildRuleContext(event, set.vectorNames, vector, null);
    expect([...features]).toEqual([
      ['user_bookings_1h', 2],
      ['nights', 4],
    ]);
  });

  it('uses the indicator, not the value, to decide what is missing', () => {
    // a feature with a missingValue of 0 serves 0 when missing: the indicator still says missing
    const { features } = buildRuleContext(event, set.vectorNames, Float64Array.of(0, 0, 4, 1, 0, 0), null);
    expect(features.has('user_bookings_1h')).toBe(false);
    expect(features.get('user_amount_mean_1h')).toBe(0);
  });

  it('carries only the features a rule set names, each set its own, on the same layout', () => {
    const vector = Float64Array.of(2, 7, 4, 0, 0, 0);
    expect([...buildRuleContext(event, set.vectorNames, vector, null, new Set(['nights'])).features]).toEqual([['nights', 4]]);
    const both = new Set(['user_bookings_1h', 'user_amount_mean_1h']);
    expect([...buildRuleContext(event, set.vectorNames, vector, null, both).features]).toEqual([
      ['user_bookings_1h', 2],
      ['user_amount_mean_1h', 7],
    ]);
    // named but missing: still left out
    expect([...buildRuleContext(event, set.vectorNames, Float64Array.of(2, NaN, 4, 0, 1, 0), null, both).features]).toEqual([['user_bookings_1h', 2]]);
    expect(buildRuleContext(event, set.vectorNames, vector, null, new Set()).features.size).toBe(0);
    expect(buildRuleContext(event, set.vectorNames, vector, null).features.size).toBe(3);
  });

  it('has no features when none could be read', () => {
    expect(buildRuleContext(event, set.vectorNames, null, null).features.size).toBe(0);
  });

  it('exposes the request with every entity kind, integers as CEL ints and the time as a timestamp', () => {
    const { request, score } = buildRuleContext(event, set.vectorNames, null, 0.42);
    expect(score).toBe(0.42);
    expect(request).toEqual({
      id: 'b1',
      type: 'booking_attempted',
      ts: new Date(Date.UTC(2026, 2, 2, 18, 30)),
      entities: { user: 'u1', device: '', card: 'cf_1', ip: '', email: '', listing: 'l1', host: 'h1' },
      context: { ip_country: 'DE', tz_offset_min: 60n },
      payload: { amount: 400, currency: 'EUR', nights: 4n, message: 'hi' },
    });
  });

  it('gives an event without context an empty one', () => {
    const bare: RiskEvent = { id: 'l1', type: 'login', ts: 0, v: 1, entities: { user: 'u', device: 'd', ip: 'i' }, payload: { success: true } };
    expect(buildRuleContext(bare, set.vectorNames, null, null).request.context).toEqual({});
  });
});
