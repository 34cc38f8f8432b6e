// Random event streams and a feature set with short windows, shared by the feature engine's tests.
import fc from 'fast-check';
import type { LoggedEvent, RiskEvent } from '../../src/events/schema.js';
import { MINUTE, type FeatureDefinition } from '../../src/features/definition.js';
import { FeatureSet } from '../../src/features/featureset.js';

// A feature set that exercises every aggregation with short windows and TTLs, so random streams of a
// few hours cross window edges, TTLs and bucket boundaries many times.
export const FEATURES: FeatureDefinition[] = [
  { name: 'u_count_10m', description: '', entity: 'user', events: ['payment_attempted'], agg: 'count', window: '10m', ttl: '30m' },
  { name: 'u_fail_1m', description: '', entity: 'user', events: ['payment_attempted'], where: { 'payload.status': { in: ['declined', 'failed'] } }, agg: 'count', window: '1m', ttl: '1h' },
  { name: 'u_sum_1h', description: '', entity: 'user', events: ['payment_attempted'], agg: 'sum', field: 'payload.amount', window: '1h', ttl: '2h' },
  { name: 'u_mean_10m', description: '', entity: 'user', events: ['payment_attempted'], agg: 'mean', field: 'payload.amount', window: '10m', ttl: '1h' },
  { name: 'u_min_1h', description: '', entity: 'user', events: ['payment_attempted'], agg: 'min', field: 'payload.amount', window: '1h', ttl: '1h' },
  { name: 'u_max_10m', description: '', entity: 'user', events: ['payment_attempted'], agg: 'max', field: 'payload.amount', window: '10m', ttl: '20m' },
  { name: 'u_cards_1h', description: '', entity: 'user', events: ['payment_attempted'], agg: 'distinct', field: 'entities.card', window: '1h', ttl: '2h' },
  { name: 'u_last_amount_10m', description: '', entity: 'user', events: ['payment_attempted'], agg: 'last', field: 'payload.amount', window: '10m', ttl: '1h' },
  { name: 'u_last_amount', description: '', entity: 'user', events: ['payment_attempted'], agg: 'last', field: 'payload.amount', ttl: '40m' },
  { name: 'u_since_last', description: '', entity: 'user', events: ['payment_attempted'], agg: 'since_last', ttl: '45m' },
  { name: 'u_since_first', description: '', entity: 'user', events: ['payment_attempted'], agg: 'since_first', ttl: '3h' },
  { name: 'u_burst', description: '', entity: 'user', events: ['payment_attempted'], where: { 'payload.status': { ne: 'approved' } }, agg: 'velocity', k: 3, window: '5m', ttl: '1h' },
  { name: 'c_users_10m', description: '', entity: 'card', events: ['payment_attempted'], agg: 'distinct', field: 'entities.user', window: '10m', ttl: '1h' },
  { name: 'uc_count_1h', description: '', entity: ['user', 'card'], events: ['payment_attempted'], agg: 'count', window: '1h', ttl: '1h' },
  { name: 'c_big_count_1h', description: '', entity: 'card', events: ['payment_attempted'], where: { 'payload.amount': { gte: 50 } }, agg: 'count', window: '1h', ttl: '1h', missingValue: -1 },
  { kind: 'ratio', name: 'u_fail_ratio', description: '', numerator: 'u_fail_1m', denominator: 'u_count_10m' },
  { kind: 'on_demand', name: 'amount_vs_mean', description: '', op: 'div', args: ['$event.payload.amount', 'u_mean_10m'] },
  { kind: 'on_demand', name: 'first_card_use', description: '', op: 'missing_or_zero', args: ['uc_count_1h'] },
];
export const SET = FeatureSet.create({ name: 'test', scored: ['payment_attempted'], features: FEATURES });
export const BASE = Date.UTC(2026, 0, 5, 12);

export interface Step {
  dt: number;
  late: number;
  user: number;
  card: number;
  amount: number;
  status: 'approved' | 'declined' | 'failed';
}

export const stepArb = fc.record({
  dt: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 4 * MINUTE }), fc.integer({ min: 0, max: 50 * MINUTE })),
  late: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 70 * MINUTE }) }),
  user: fc.integer({ min: 0, max: 3 }),
  card: fc.integer({ min: 0, max: 4 }),
  amount: fc.integer({ min: 0, max: 100 }),
  status: fc.constantFrom('approved' as const, 'declined' as const, 'failed' as const),
});

export function toEvents(steps: Step[]): LoggedEvent[] {
  let clock = BASE;
  return steps.map((s, i) => {
    clock += s.dt;
    const event: RiskEvent = {
      id: `e${i}`,
      type: 'payment_attempted',
      ts: clock - s.late,
      v: 1,
      entities: { user: `u${s.user}`, card: `c${s.card}` },
      payload: { amount: s.amount, currency: 'EUR', status: s.status, ...(s.status === 'declined' ? { decline_code: 'x' } : {}) },
    };
    return { seq: i + 1, event };
  });
}

