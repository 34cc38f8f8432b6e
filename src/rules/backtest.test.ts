import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RiskEvent } from '../events/schema.js';
import { SqliteEventLog } from '../events/stores/sqlite.js';
import { FeatureSet } from '../features/index.js';
import { backtestRule } from './backtest.js';
import { RuleCompileError } from './compile.js';
import { ListIndex } from './lists.js';
import type { Rule } from './rule.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 0, 1);

const set = FeatureSet.create({
  name: 'backtest',
  scored: ['booking_attempted'],
  features: [
    {
      name: 'user_failed_10m',
      description: 'failed payments by the user in 10 minutes',
      entity: 'user',
      events: ['payment_attempted'],
      where: { 'payload.status': { in: ['declined', 'failed'] } },
      agg: 'count',
      window: '10m',
      ttl: '1d',
    },
    { kind: 'on_demand', name: 'amount', description: 'amount of this booking', op: 'value', args: ['$event.payload.amount'] },
  ],
});

function booking(id: string, user: string, amount: number, ts: number, message?: string): RiskEvent {
  return {
    id,
    type: 'booking_attempted',
    ts,
    v: 1,
    entities: { user, card: `card_${user}`, listing: 'l1', host: 'h1' },
    payload: { amount, currency: 'EUR', nights: 2, ...(message ? { message } : {}) },
  };
}
function declined(id: string, user: string, ts: number): RiskEvent {
  return { id, type: 'payment_attempted', ts, v: 1, entities: { user, card: `card_${user}` }, payload: { amount: 1, currency: 'EUR', status: 'declined' } };
}
function chargeback(id: string, target: string, user: string, ts: number): RiskEvent {
  return { id, type: 'chargeback', ts, v: 1, entities: { card: `card_${user}` }, payload: { target_event_id: target, amount: 1, currency: 'EUR' } };
}
function fraudVerdict(id: string, target: string, ts: number): RiskEvent {
  return { id, type: 'reviewer_verdict', ts, v: 1, entities: {}, payload: { target_event_id: target, verdict: 'fraud' } };
}

// Rows are the bookings with T0 ≤ ts < T0 + 28d (b1…b7); maturity is 10 days, judged at the newest
// event (T0 + 30d). Labels: b1, b3 (chargebacks) and b4 (a fraud verdict) are fraud; b5's chargeback
// comes after 15 days, beyond maturity, so b5 counts as legitimate; b7 is immature.
const EVENTS: RiskEvent[] = [
  booking('b0', 'u0', 9_000, T0 - 2 * HOUR), // before the period
  booking('b1', 'u1', 1_000, T0 + 1 * HOUR),
  booking('b2', 'u2', 1_200.3, T0 + 2 * HOUR),
  declined('p1', 'u3', T0 + 3 * HOUR - 5 * MINUTE),
  declined('p2', 'u3', T0 + 3 * HOUR - 4 * MINUTE),
  declined('p3', 'u3', T0 + 3 * HOUR - 3 * MINUTE),
  booking('b3', 'u3', 50, T0 + 3 * HOUR),
  booking('b4', 'u4', 60, T0 + 4 * HOUR, 'pay me by wire'),
  booking('b5', 'u5', 2_000.6, T0 + 5 * HOUR),
  booking('b6', 'u6', 30, T0 + 6 * HOUR),
  fraudVerdict('v4', 'b4', T0 + 1 * DAY),
  chargeback('c1', 'b1', 'u1', T0 + 2 * DAY),
  chargeback('c3', 'b3', 'u3', T0 + 3 * DAY),
  chargeback('c5', 'b5', 'u5', T0 + 15 * DAY),
  booking('b7', 'u7', 5_000, T0 + 25 * DAY),
  booking('b8', 'u8', 9_000, T0 + 29 * DAY), // after the period
  { id: 'last', type: 'login', ts: T0 + 30 * DAY, v: 1, entities: { user: 'u9', device: 'd9', ip: 'i9' }, payload: { success: true } },
];

function rule(id: string, expression: string): Rule {
  return { id, name: id, description: '', expression, action: 'review', priority: 0, shadow: false, enabled: true, version: 2, updatedAt: 0, updatedBy: 't' };
}

describe('backtestRule', () => {
  let dir: string;
  let log: SqliteEventLog;
  const period = { from: T0, to: T0 + 28 * DAY, maturityMs: 10 * DAY };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rg-backtest-'));
    log = new SqliteEventLog(join(dir, 'events.db'), { durability: 'os' });
    await log.appendBatch(EVENTS);
  });
  afterAll(async () => {
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports hits, precision, recall and overlap that can be checked by hand', async () => {
    const existing = [
      rule('failed_burst', 'features.?user_failed_10m.orValue(0.0) >= 3.0'),
      rule('very_big', 'features.amount >= 1500.0'),
      rule('retired', 'features.gone > 1.0'),
    ];
    const report = await backtestRule(log, set, { expression: 'features.amount >= 1000.0' }, existing, period);
    expect(report).toMatchObject({
      featureSetVersion: set.version,
      rows: 7, // b1…b7
      hits: 4, // b1, b2, b5, b7
      hitRate: 4 / 7,
      matureRows: 6, // b7 is immature
      positives: 3, // b1, b3, b4
      truePositives: 1, // b1
      falsePositives: 2, // b2, b5 (its chargeback came after maturity)
      precision: 1 / 3,
      recall: 1 / 3,
      errors: { rows: 0, examples: [] },
      examples: ['b1', 'b2', 'b5', 'b7'],
      asOf: T0 + 30 * DAY,
      // b1 1,000 (fraud) + b2 1,200.30 (legitimate) + b5 2,000.60 (legitimate, matured) + b7 5,000 (immature);
      // summed in floating point, 1,200.3 + 2,000.6 is 3,200.8999999999996
      amounts: { EUR: { hits: 9_200.9, fraud: 1_000, legitimate: 3_200.9 } },
    });
    expect(report.overlap).toEqual([
      { ruleId: 'failed_burst', version: 2, hits: 1, both: 0 }, // b3, through the feature engine's count of u3's declines
      { ruleId: 'very_big', version: 2, hits: 2, both: 2 }, // b5, b7
      { ruleId: 'retired', version: 2, hits: 0, both: 0, error: 'line 1, column 1: unknown feature "gone"' },
    ]);
  });

  it('counts rows on which the candidate fails, and still scores its hits', async () => {
    const report = await backtestRule(log, set, { expression: "request.payload.message.contains('wire')" }, [], period);
    expect(report.hits).toBe(1); // b4, the only booking with a message
    expect(report.truePositives).toBe(1);
    expect(report.precision).toBe(1);
    expect(report.recall).toBe(1 / 3);
    expect(report.errors.rows).toBe(6);
    expect(report.errors.examples[0]).toEqual({ eventId: 'b1', message: expect.stringMatching(/^No such key: message/) });
  });

  it('reads the lists it is given', async () => {
    const lists = new ListIndex();
    lists.set({ name: 'stolen_cards', kind: 'card' }, [{ value: 'card_u3', expiresAt: null }]);
    const report = await backtestRule(log, set, { expression: "in_list('stolen_cards', request.entities.card)" }, [], { ...period, lists });
    expect(report.examples).toEqual(['b3']);
    expect(report.truePositives).toBe(1);
  });

  it('in slices (as inside a server), reports what it reports at once; aborted, it stops at the next slice', async () => {
    // Enough events that the replay and the rows hand the event loop back many times.
    const busy = new SqliteEventLog(join(dir, 'busy.db'), { durability: 'os' });
    try {
      const many: RiskEvent[] = [];
      for (let i = 0; i < 3_000; i++) many.push(i % 3 === 0 ? booking(`bb${i}`, `u${i % 50}`, 100 + (i % 997), T0 + i * MINUTE) : declined(`pp${i}`, `u${i % 50}`, T0 + i * MINUTE));
      await busy.appendBatch(many);
      const candidate = { expression: 'features.amount >= 600.0' };
      const existing = [rule('failed_burst', 'features.?user_failed_10m.orValue(0.0) >= 3.0')];
      const options = { maturityMs: DAY };
      const atOnce = await backtestRule(busy, set, candidate, existing, options);
      expect(atOnce.rows).toBe(1_000);
      expect(await backtestRule(busy, set, candidate, existing, { ...options, yieldEveryMs: 0 })).toEqual(atOnce);

      const stop = new AbortController();
      let applied = 0;
      const stopped = backtestRule(busy, set, candidate, existing, {
        ...options,
        yieldEveryMs: 0,
        signal: stop.signal,
        onProgress: (seq) => {
          applied = seq;
          if (seq >= 1_000) stop.abort(new Error('shutting down'));
        },
      });
      await expect(stopped).rejects.toThrow('shutting down');
      expect(applied).toBeLessThan(3_000);
    } finally {
      await busy.close();
    }
  });

  it('refuses a candidate that does not compile, with the position', async () => {
    await expect(backtestRule(log, set, { expression: 'features.amount >= ' }, [], period)).rejects.toThrow(RuleCompileError);
    await expect(backtestRule(log, set, { expression: 'features.amont > 1.0' }, [], period)).rejects.toThrow(
      'line 1, column 1: unknown feature "amont" (did you mean "amount"?)',
    );
  });
});
