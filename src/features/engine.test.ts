import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LoggedEvent, RiskEvent } from '../events/schema.js';
import { BUCKETS_PER_WINDOW, MINUTE, parseDuration, entityKinds, type WindowedFeature } from './definition.js';
import { FeatureEngine } from './engine.js';
import { DISTINCT_CAP } from './window.js';
import { FeatureSet } from './featureset.js';
import { BASE, SET, stepArb, toEvents } from '../../test/support/feature-streams.js';
import { velocity } from './velocity/index.js';

/** The documented semantics of window.ts, computed directly from the list of earlier events: the feature's own state as of the row: its value, and whether it is live (seen, and not idle past its TTL). */
function stateOracle(def: WindowedFeature, prior: LoggedEvent[], row: RiskEvent): { value: number; live: boolean } {
  const live = (value: number) => ({ value, live: true });
  const ttl = parseDuration(def.ttl)!;
  const kinds = entityKinds(def.entity);
  const keyOf = (e: RiskEvent) => (kinds.some((k) => e.entities[k] === undefined) ? undefined : kinds.map((k) => e.entities[k]).join('|'));
  const key = keyOf(row);
  const fieldOf = (e: RiskEvent): unknown =>
    def.field === undefined ? 1 : def.field.split('.').reduce<unknown>((n, p) => (n as Record<string, unknown> | undefined)?.[p], e);
  const matches = (e: RiskEvent): boolean =>
    Object.entries(def.where ?? {}).every(([path, c]) => {
      const v = path.split('.').reduce<unknown>((n, p) => (n as Record<string, unknown> | undefined)?.[p], e);
      if (typeof c !== 'object') return v === c;
      if ('in' in c) return (c.in as unknown[]).includes(v);
      if ('ne' in c) return v !== c.ne;
      if ('gte' in c) return (v as number) >= c.gte;
      throw new Error('oracle: unsupported condition');
    });
  // Walk the log: the state resets when an event arrives while it is dead (idle past ttl of the watermark).
  let watermark = -Infinity;
  let contributing: LoggedEvent[] = [];
  for (const logged of prior) {
    const e = logged.event;
    watermark = Math.max(watermark, e.ts);
    if (!def.events.includes(e.type) || !matches(e) || keyOf(e) !== key || key === undefined || fieldOf(e) === undefined) continue;
    const lastTs = Math.max(...contributing.map((c) => c.event.ts));
    if (contributing.length > 0 && watermark - lastTs > ttl) contributing = [];
    contributing.push(logged);
  }
  if (key === undefined || contributing.length === 0) return { value: NaN, live: false };
  const lastTs = Math.max(...contributing.map((c) => c.event.ts));
  const firstTs = Math.min(...contributing.map((c) => c.event.ts));
  const t = row.ts;
  if (watermark - lastTs > ttl || t - lastTs > ttl) return { value: NaN, live: false };
  if (def.agg === 'since_last') return live(Math.max(0, t - lastTs) / 1000);
  if (def.agg === 'since_first') return live(Math.max(0, t - firstTs) / 1000);
  const byTsSeq = (a: LoggedEvent, b: LoggedEvent) => a.event.ts - b.event.ts || a.seq - b.seq;
  if (def.window === undefined) return live(fieldOf([...contributing].sort(byTsSeq).at(-1)!.event) as number);
  const w = parseDuration(def.window)!;
  const [g, n] = def.agg === 'velocity' ? [MINUTE, w / MINUTE] : [w / BUCKETS_PER_WINDOW, BUCKETS_PER_WINDOW];
  const b = (ts: number) => Math.floor(ts / g);
  const newest = Math.max(...contributing.map((c) => b(c.event.ts)));
  const upper = b(t);
  const lower = Math.max(upper, newest) - n;
  if (def.agg === 'distinct') {
    const newestBucketOf = new Map<string, number>();
    for (const c of contributing) {
      const v = String(fieldOf(c.event));
      newestBucketOf.set(v, Math.max(newestBucketOf.get(v) ?? -Infinity, b(c.event.ts)));
    }
    return live([...newestBucketOf.values()].filter((j) => j > lower && j <= upper).length);
  }
  const inWindow = contributing.filter((c) => b(c.event.ts) > lower && b(c.event.ts) <= upper);
  const values = inWindow.map((c) => fieldOf(c.event) as number);
  switch (def.agg) {
    case 'count':
      return live(inWindow.length);
    case 'velocity':
      return live(inWindow.length >= def.k! ? 1 : 0);
    case 'sum':
      return live(values.reduce((a, x) => a + x, 0));
    case 'mean':
      return live(values.length === 0 ? NaN : values.reduce((a, x) => a + x, 0) / values.length);
    case 'min':
      return live(values.length === 0 ? NaN : Math.min(...values));
    case 'max':
      return live(values.length === 0 ? NaN : Math.max(...values));
    case 'last':
      return live(inWindow.length === 0 ? NaN : (fieldOf([...inWindow].sort(byTsSeq).at(-1)!.event) as number));
    default:
      throw new Error(`oracle: ${def.agg}`);
  }
}

/**
 * What the engine serves: the feature's own state — or, for a count, sum, distinct count or velocity
 * without a live state, 0 when the entity is live in another feature of its entity key.
 */
function oracle(def: WindowedFeature, prior: LoggedEvent[], row: RiskEvent): number {
  const own = stateOracle(def, prior, row);
  if (own.live || !['count', 'sum', 'distinct', 'velocity'].includes(def.agg)) return own.value;
  const key = entityKinds(def.entity).join('×');
  const siblings = SET.windowed.filter((other) => entityKinds(other.entity).join('×') === key);
  return siblings.some((other) => stateOracle(other, prior, row).live) ? 0 : own.value;
}

function replayVectors(events: LoggedEvent[]): Float64Array[] {
  const engine = new FeatureEngine(SET);
  return events.map((logged) => {
    const vector = engine.vector(logged.event);
    engine.apply(logged);
    return vector;
  });
}

const same = (a: number, b: number) => (Number.isNaN(a) && Number.isNaN(b)) || Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));

describe('feature engine', () => {
  it('every windowed aggregation equals the brute-force oracle on random streams', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 1, maxLength: 120 }), (steps) => {
        const events = toEvents(steps);
        const vectors = replayVectors(events);
        const n = SET.valueNames.length;
        events.forEach((logged, p) => {
          for (const def of SET.windowed) {
            const i = SET.valueNames.indexOf(def.name);
            const expected = oracle(def, events.slice(0, p), logged.event);
            const missing = Number.isNaN(expected);
            const served = vectors[p]![i]!;
            if (missing ? !same(served, def.missingValue ?? NaN) : !same(served, expected)) {
              throw new Error(`${def.name} at row ${p}: served ${served}, oracle ${expected}`);
            }
            expect(vectors[p]![n + i]).toBe(missing ? 1 : 0);
          }
        });
      }),
      { numRuns: 150 },
    );
  });

  it('point-in-time: changing events at or after a row never changes its features', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 2, maxLength: 60 }), fc.nat(), fc.array(stepArb, { maxLength: 20 }), (steps, at, replacement) => {
        const p = at % steps.length;
        const events = toEvents(steps);
        const perturbedSteps = [...steps.slice(0, p + 1), ...replacement];
        const perturbed = toEvents(perturbedSteps);
        // The row's own event keeps its identity (who, when) but its payload may change.
        perturbed[p] = { ...perturbed[p]!, event: { ...events[p]!.event, payload: { amount: 99, currency: 'USD', status: 'failed' } } as RiskEvent };
        const original = replayVectors(events)[p]!;
        const changed = replayVectors(perturbed)[p]!;
        for (const def of [...SET.windowed, ...SET.ratios]) {
          const i = SET.valueNames.indexOf(def.name);
          expect(same(changed[i]!, original[i]!), def.name).toBe(true);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('ratios and on-demand features follow their inputs', () => {
    const events = toEvents([
      { dt: 0, late: 0, user: 0, card: 0, amount: 10, status: 'declined' },
      { dt: 1000, late: 0, user: 0, card: 0, amount: 30, status: 'approved' },
      { dt: 1000, late: 0, user: 0, card: 1, amount: 40, status: 'approved' },
    ]);
    const v = replayVectors(events)[2]!;
    const value = (name: string) => v[SET.valueNames.indexOf(name)];
    expect(value('u_fail_ratio')).toBe(0.5);
    expect(value('amount_vs_mean')).toBe(2);
    expect(value('first_card_use')).toBe(1);
    expect(replayVectors(events)[1]![SET.valueNames.indexOf('first_card_use')]).toBe(0);
  });

  it('reads an entity never seen, and one first seen after the row, as missing — never a silent 0', () => {
    const events = toEvents([
      { dt: 0, late: 0, user: 0, card: 0, amount: 10, status: 'approved' },
      { dt: MINUTE, late: 0, user: 1, card: 1, amount: 20, status: 'approved' },
      { dt: MINUTE, late: 0, user: 1, card: 1, amount: 20, status: 'approved' },
    ]);
    const vectors = replayVectors(events);
    const n = SET.valueNames.length;
    const count = SET.valueNames.indexOf('u_count_10m');
    // Row 1 is user u1's first event: u1 is unknown at that point although it is seen later.
    expect(Number.isNaN(vectors[1]![count]!)).toBe(true);
    expect(vectors[1]![n + count]).toBe(1);
    expect(vectors[2]![count]).toBe(1);
    expect(vectors[2]![n + count]).toBe(0);
    // A configured missing value is served in place of NaN, with the indicator still set.
    const big = SET.valueNames.indexOf('c_big_count_1h');
    expect(vectors[1]![big]).toBe(-1);
    expect(vectors[1]![n + big]).toBe(1);
  });

  it('reads 0 for a count of a live entity that nothing matched, and missing for one idle past every TTL', () => {
    const events = toEvents([
      { dt: 0, late: 0, user: 0, card: 0, amount: 10, status: 'approved' },
      { dt: MINUTE, late: 0, user: 0, card: 0, amount: 20, status: 'approved' },
      // Far enough on that every one of u0's states is past its TTL (the longest is 3 h).
      { dt: 4 * 60 * MINUTE, late: 0, user: 0, card: 0, amount: 30, status: 'approved' },
    ]);
    const vectors = replayVectors(events);
    const n = SET.valueNames.length;
    const failed = SET.valueNames.indexOf('u_fail_1m');
    const mean = SET.valueNames.indexOf('u_mean_10m');
    // u0 has paid, never failed: 0 failed payments (a count), while a mean of nothing stays missing.
    expect([vectors[1]![failed], vectors[1]![n + failed]]).toEqual([0, 0]);
    expect(vectors[1]![mean]).toBe(10);
    // Idle past every TTL, u0 is unknown again: missing, not 0.
    expect([Number.isNaN(vectors[2]![failed]!), vectors[2]![n + failed]]).toEqual([true, 1]);
  });

  it('resolves equal timestamps by log order', () => {
    const events = toEvents([
      { dt: 0, late: 0, user: 0, card: 0, amount: 10, status: 'approved' },
      { dt: 0, late: 0, user: 0, card: 0, amount: 70, status: 'approved' },
      { dt: 0, late: 0, user: 0, card: 0, amount: 5, status: 'approved' },
      { dt: 0, late: 0, user: 0, card: 0, amount: 1, status: 'approved' },
    ]);
    const vectors = replayVectors(events);
    const last = SET.valueNames.indexOf('u_last_amount');
    const count = SET.valueNames.indexOf('u_count_10m');
    expect(vectors.map((v) => v[last])).toEqual([NaN, 10, 70, 5]);
    expect(vectors.map((v) => v[count])).toEqual([NaN, 1, 2, 3]);
  });

  it('keeps TTL boundaries as documented: exactly ttl old is alive, one ms more is missing', () => {
    const set = FeatureSet.create({
      name: 'ttl',
      scored: ['login'],
      features: [{ name: 'logins', description: '', entity: 'user', events: ['login'], agg: 'count', window: '1m', ttl: '10m' }],
    });
    const login = (seq: number, ts: number): LoggedEvent => ({
      seq,
      event: { id: `l${seq}`, type: 'login', ts, v: 1, entities: { user: 'u', device: 'd', ip: 'i' }, payload: { success: true } },
    });
    const engine = new FeatureEngine(set);
    engine.apply(login(1, BASE));
    expect(engine.vector(login(2, BASE + 10 * MINUTE).event)[0]).toBe(0);
    expect(Number.isNaN(engine.vector(login(2, BASE + 10 * MINUTE + 1).event)[0])).toBe(true);
    // The watermark moving past the TTL kills the state even for a read timestamped earlier.
    engine.apply({ seq: 2, event: { ...login(2, BASE + 10 * MINUTE + 1).event, entities: { user: 'other', device: 'd', ip: 'i' } } });
    expect(Number.isNaN(engine.vector(login(3, BASE + MINUTE).event)[0])).toBe(true);
    expect(engine.sweep()).toBe(1);
  });

  it('keeps window boundaries as documented: the 60 buckets ending with the read time', () => {
    const set = FeatureSet.create({
      name: 'window',
      scored: ['login'],
      features: [{ name: 'logins_1h', description: '', entity: 'user', events: ['login'], agg: 'count', window: '1h', ttl: '2h' }],
    });
    const engine = new FeatureEngine(set);
    const hour = Date.UTC(2026, 0, 5, 12); // a bucket boundary: buckets are whole minutes for a 1h window
    engine.apply({ seq: 1, event: { id: 'a', type: 'login', ts: hour, v: 1, entities: { user: 'u', device: 'd', ip: 'i' }, payload: { success: true } } });
    const at = (ts: number) => engine.vector({ id: 'r', type: 'login', ts, v: 1, entities: { user: 'u', device: 'd', ip: 'i' }, payload: { success: true } })[0];
    expect(at(hour)).toBe(1);
    expect(at(hour + 59 * MINUTE + 59_999)).toBe(1); // bucket 12:00 is the oldest of the 60 ending at 12:59
    expect(at(hour + 60 * MINUTE)).toBe(0); // bucket 12:00 has left the window
    expect(at(hour - 1)).toBe(0); // an event in a later bucket than the read's is not in its window
  });

  it('velocity features trigger at the minute the batch velocity primitive finds', () => {
    const set = FeatureSet.create({
      name: 'velocity',
      scored: ['payment_attempted'],
      features: [{ name: 'burst', description: '', entity: 'user', events: ['payment_attempted'], where: { 'payload.status': { ne: 'approved' } }, agg: 'velocity', k: 3, window: '5m', ttl: '30d' }],
    });
    fc.assert(
      fc.property(fc.array(stepArb.map((s) => ({ ...s, late: 0 })), { minLength: 1, maxLength: 80 }), (steps) => {
        const events = toEvents(steps);
        const engine = new FeatureEngine(set);
        for (const e of events) engine.apply(e);
        for (const user of new Set(events.map((e) => e.event.entities.user!))) {
          const failed = events.filter((e) => e.event.entities.user === user && e.event.type === 'payment_attempted' && e.event.payload.status !== 'approved');
          const expected = velocity(failed.map((e) => e.event.ts), 3, 5).firstMinute;
          const probe = { ...events[0]!.event, entities: { user } };
          const first = engine.velocityFirstMinute('burst', probe);
          expect(Number.isNaN(first) ? null : first).toBe(failed.length === 0 ? null : expected);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('refuses to apply events out of log order', () => {
    const engine = new FeatureEngine(SET);
    const [a, b] = toEvents([
      { dt: 0, late: 0, user: 0, card: 0, amount: 1, status: 'approved' },
      { dt: 0, late: 0, user: 0, card: 0, amount: 1, status: 'approved' },
    ]);
    engine.apply(b!);
    expect(() => engine.apply(a!)).toThrow(/in order/);
  });

  it('an incremental sweep evicts what a whole sweep does, never changes a read, and resumes across calls', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 2, maxLength: 120 }), fc.integer({ min: 1, max: 4 }), (steps, perCall) => {
        const events = toEvents(steps);
        const whole = new FeatureEngine(SET);
        const spread = new FeatureEngine(SET);
        const probe = events.at(-1)!.event;
        for (const [i, logged] of events.entries()) {
          whole.apply(logged);
          spread.apply(logged);
          const before = [...spread.vector(probe)];
          spread.sweepSome(perCall); // rounds interleaved with applies, as in the online store
          expect([...spread.vector(probe)], `after event ${i}`).toEqual(before);
        }
        // With no applies in between, finishing the round and running one more sweeps everything a
        // whole sweep does.
        whole.sweep();
        for (let k = 0; k < 2 * (spread.entityTotal() + 20); k++) spread.sweepSome(1);
        expect(spread.stateCounts()).toEqual(whole.stateCounts());
        expect(spread.entityCounts()).toEqual(whole.entityCounts());
        expect([...spread.vector(probe)]).toEqual([...whole.vector(probe)]);
        // A round run until it is no longer under way, as a replay in slices sweeps, is a whole sweep.
        const sliced = new FeatureEngine(SET);
        for (const logged of events) sliced.apply(logged);
        do sliced.sweepSome(perCall);
        while (sliced.sweepUnderWay);
        expect(sliced.stateCounts()).toEqual(whole.stateCounts());
        expect(sliced.entityCounts()).toEqual(whole.entityCounts());
      }),
      { numRuns: 60 },
    );
  });

  it('a snapshot taken in steps, with events applied and entities swept in between, is the state as of its start', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 2, maxLength: 120 }), fc.nat(), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 3 }), (steps, cut, perChunk, sweepsPerEvent) => {
        const events = toEvents(steps);
        const k = cut % events.length;
        const engine = new FeatureEngine(SET);
        for (const e of events.slice(0, k)) engine.apply(e);
        const atStart = engine.snapshot();
        const chunks: Buffer[] = [];
        let next = k;
        for (const chunk of engine.snapshotInChunks(perChunk)) {
          chunks.push(chunk);
          // Between pieces: more events, and the incremental sweep.
          if (next < events.length) engine.apply(events[next++]!);
          engine.sweepSome(sweepsPerEvent);
        }
        expect(Buffer.concat(chunks).equals(atStart)).toBe(true);
        // The engine itself went on unharmed, and the snapshot resumes to the same reads.
        const uninterrupted = new FeatureEngine(SET);
        for (const e of events.slice(0, next)) uninterrupted.apply(e);
        const resumed = new FeatureEngine(SET);
        resumed.restore(Buffer.concat(chunks));
        for (const e of events.slice(k, next)) resumed.apply(e);
        for (const e of events.slice(next)) {
          expect([...engine.vector(e.event)]).toEqual([...uninterrupted.vector(e.event)]);
          expect([...resumed.vector(e.event)]).toEqual([...uninterrupted.vector(e.event)]);
          engine.apply(e);
          uninterrupted.apply(e);
          resumed.apply(e);
        }
        // Nothing is left behind: another snapshot can start.
        expect([...engine.snapshotInChunks(1000)].length).toBeGreaterThan(0);
      }),
      { numRuns: 100 },
    );
  });

  it('restores a snapshot to identical state', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 2, maxLength: 80 }), fc.nat(), (steps, cut) => {
        const events = toEvents(steps);
        const k = cut % events.length;
        const whole = replayVectors(events);
        const first = new FeatureEngine(SET);
        for (const e of events.slice(0, k)) first.apply(e);
        const second = new FeatureEngine(SET);
        second.restore(first.snapshot());
        const resumed = events.slice(k).map((logged) => {
          const v = second.vector(logged.event);
          second.apply(logged);
          return v;
        });
        resumed.forEach((v, i) => expect([...v]).toEqual([...whole[k + i]!]));
      }),
      { numRuns: 60 },
    );
  });

  it('remembers at most DISTINCT_CAP values per distinct count, forgetting the one seen longest ago', () => {
    const engine = new FeatureEngine(SET);
    const minute = 60_000;
    // One user, 600 different cards, each a minute apart (u_cards_1h: 1-minute buckets, 1 h window).
    const steps = Array.from({ length: 600 }, (_, i) => ({ dt: i === 0 ? 0 : minute / 10, late: 0, user: 0, card: i, amount: 5, status: 'approved' as const }));
    const events = toEvents(steps);
    for (const e of events) engine.apply(e);
    const cards = engine.distinctValues('u_cards_1h', events.at(-1)!.event.entities);
    expect(cards).toHaveLength(DISTINCT_CAP);
    expect(cards).toContain(events.at(-1)!.event.entities.card);
    expect(new Set(cards).size).toBe(DISTINCT_CAP);
    expect(cards).not.toContain(events[0]!.event.entities.card);
    const probe = events.at(-1)!.event;
    expect(engine.vector(probe)[SET.valueNames.indexOf('u_cards_1h')]).toBe(DISTINCT_CAP);
    // A late event with a new card from before every card held: that card is the one seen longest ago.
    const late = toEvents([{ dt: 0, late: 0, user: 0, card: 9_999, amount: 5, status: 'approved' }])[0]!;
    engine.apply({ seq: events.length + 1, event: { ...late.event, id: 'late', ts: events[0]!.event.ts + 5 * minute } });
    expect(engine.distinctValues('u_cards_1h', probe.entities)).toEqual(cards);
    // A sweep after the TTL frees every state, and the record with them.
    const later = toEvents([{ dt: 0, late: 0, user: 1, card: 0, amount: 5, status: 'approved' }])[0]!;
    engine.apply({ seq: events.length + 2, event: { ...later.event, ts: probe.ts + 5 * 3_600_000 } });
    expect(engine.sweep()).toBeGreaterThan(0);
    expect(engine.distinctValues('u_cards_1h', probe.entities)).toEqual([]);
    expect(engine.entityCounts().user).toBe(1);
  });
});
