import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EVENT_TYPES, isLabelType } from '../events/schema.js';
import { parseEvent } from '../events/validate.js';
import { DAY } from './calendar.js';
import { DEFAULT_SIM_CONFIG, SCENARIOS, SimSummary, resolveSimConfig, simulate, type RawEvent, type SimOptions } from './index.js';

const SMALL: SimOptions = { users: 600, hosts: 60, days: 10 };

function ndjsonDigest(options: SimOptions): string {
  const hash = createHash('sha256');
  for (const event of simulate(options)) hash.update(`${JSON.stringify(event)}\n`);
  return hash.digest('hex');
}

describe('simulate: determinism', () => {
  it('yields byte-identical NDJSON for the same seed and config', () => {
    expect(ndjsonDigest({ ...SMALL, seed: 42 })).toBe(ndjsonDigest({ ...SMALL, seed: 42 }));
  });

  it('yields a different run for a different seed', () => {
    expect(ndjsonDigest({ ...SMALL, seed: 42 })).not.toBe(ndjsonDigest({ ...SMALL, seed: 43 }));
  });
});

describe('simulate: one whole run', () => {
  // Delivery faults and fraud well above the defaults, so a short run shows all of them.
  const options: SimOptions = {
    seed: 7,
    users: 1500,
    hosts: 150,
    days: 30,
    fraud: Object.fromEntries(SCENARIOS.map((s) => [s, 0.02])),
    labels: { medianDelayDays: 4, minDelayDays: 1, maxDelayDays: 12, unlabelledShare: 0.15 },
    lateShare: 0.01,
    duplicateShare: 0.01,
  };
  const config = resolveSimConfig(options);
  const end = config.start + config.days * DAY;
  const events: RawEvent[] = [...simulate(options)];
  const lines = events.map((e) => JSON.stringify(e));

  it('emits only events that intake accepts', () => {
    const rejected = events.map((e) => ({ e, result: parseEvent(e) })).filter(({ result }) => !result.ok);
    expect(rejected.slice(0, 3)).toEqual([]);
  });

  it('stays inside the period, with integer epoch-ms timestamps and ground truth on every event', () => {
    const outside = events.filter((e) => !(Number.isInteger(e.ts) && e.ts >= config.start && e.ts < end));
    expect(outside).toEqual([]);
    expect(events.every((e) => typeof e.truth.fraud === 'boolean' && e.truth.scenario.length > 0)).toBe(true);
  });

  it('produces every event type and every scenario', () => {
    expect(new Set(events.map((e) => e.type))).toEqual(new Set(EVENT_TYPES));
    expect(new Set(events.map((e) => e.truth.scenario))).toEqual(new Set(['legit', ...SCENARIOS]));
  });

  it('repeats ids only as byte-identical retries', () => {
    const firstLine = new Map<string, string>();
    let duplicates = 0;
    events.forEach((e, i) => {
      const seen = firstLine.get(e.id);
      if (seen === undefined) firstLine.set(e.id, lines[i]!);
      else {
        duplicates++;
        expect(lines[i]).toBe(seen);
      }
    });
    expect(duplicates / events.length).toBeGreaterThan(0.007);
    expect(duplicates / events.length).toBeLessThan(0.013);
  });

  it('is time-ordered except for deliberately late events, which are non-labels within hours', () => {
    const seen = new Set<string>();
    let newest = -Infinity;
    let late = 0;
    let firstDeliveries = 0;
    for (const e of events) {
      if (seen.has(e.id)) continue; // a retry: checked above
      seen.add(e.id);
      firstDeliveries++;
      if (e.ts < newest) {
        late++;
        expect(isLabelType(e.type)).toBe(false);
        expect(newest - e.ts).toBeLessThanOrEqual(3 * 3_600_000);
      }
      newest = Math.max(newest, e.ts);
    }
    expect(late / firstDeliveries).toBeGreaterThan(0.007);
    expect(late / firstDeliveries).toBeLessThan(0.012);
  });

  it('labels events generated earlier, arrive within the configured delays and never after the period', () => {
    const emitted = new Map<string, RawEvent>();
    let labels = 0;
    for (const e of events) {
      if (isLabelType(e.type)) {
        labels++;
        const targetId = (e.payload as { target_event_id?: string }).target_event_id;
        const target = targetId === undefined ? undefined : emitted.get(targetId);
        expect(target, `${e.id} targets ${targetId}`).toBeDefined();
        const delayDays = (e.ts - target!.ts) / DAY;
        expect(delayDays).toBeGreaterThanOrEqual(config.labels.minDelayDays);
        expect(delayDays).toBeLessThanOrEqual(config.labels.maxDelayDays);
        expect(e.truth).toEqual(target!.truth);
        expect(['booking_attempted', 'message_sent', 'review_posted']).toContain(target!.type);
      }
      emitted.set(e.id, e);
    }
    expect(labels).toBeGreaterThan(30);
  });

  it('labels some legitimate bookings too (friendly fraud, routine reviews)', () => {
    const legitLabels = events.filter((e) => isLabelType(e.type) && e.truth.scenario === 'legit');
    expect(legitLabels.some((e) => e.type === 'reviewer_verdict')).toBe(true);
  });

  it('never writes ids, cards or text that look like card numbers', () => {
    // The only long digit run allowed is the timestamp itself.
    expect(lines.filter((line) => /\d{13}/.test(line.replace(/"ts":\d+/, '"ts":0')))).toEqual([]);
    expect(events.filter((e) => e.entities.card !== undefined).every((e) => /^cf_[0-9a-f]{12}$/.test(e.entities.card!))).toBe(true);
  });

  it('summarises the run per scenario, ignoring retries', () => {
    const summary = new SimSummary();
    for (const e of events) summary.add(e);
    const rows = summary.rows();
    const total = rows.find((r) => r.scenario === 'total')!;
    expect(rows.map((r) => r.scenario)).toEqual(['legit', ...SCENARIOS, 'total']);
    expect(total.events).toBe(new Set(events.map((e) => e.id)).size);
    expect(total.events + total.duplicates).toBe(events.length);
    expect(total.bookings).toBe(new Set(events.filter((e) => e.type === 'booking_attempted').map((e) => e.id)).size);
    expect(rows.find((r) => r.scenario === 'legit')!.fraudBookings).toBe(0);
    const table = summary.table().split('\n');
    expect(table).toHaveLength(rows.length + 1);
    expect(new Set(table.map((line) => line.length)).size).toBe(1);
  });
});

describe('simulate: streaming', () => {
  it('starts yielding at once, without generating the whole run', () => {
    const started = performance.now();
    const stream = simulate();
    for (let i = 0; i < 1000; i++) expect(stream.next().done).toBe(false);
    expect(performance.now() - started).toBeLessThan(3000);
  });
});

describe('resolveSimConfig', () => {
  it('fills in defaults, including partial fraud and label settings', () => {
    const config = resolveSimConfig({ fraud: { ato: 0.01 }, labels: { unlabelledShare: 0.3 } });
    expect(config.fraud).toEqual({ ...DEFAULT_SIM_CONFIG.fraud, ato: 0.01 });
    expect(config.labels).toEqual({ ...DEFAULT_SIM_CONFIG.labels, unlabelledShare: 0.3 });
    expect(config.drift).toBeUndefined();
    expect(new Date(config.start).toISOString()).toBe('2026-01-05T00:00:00.000Z');
  });

  it.each([
    [{ days: 0 }, /days/],
    [{ start: Date.UTC(2026, 0, 5, 12) }, /start/],
    [{ fraud: { stolen_card: -0.1 } }, /fraud\.stolen_card/],
    [{ labels: { minDelayDays: 0.01 } }, /minDelayDays/],
    [{ labels: { minDelayDays: 5, medianDelayDays: 3 } }, /labels/],
    [{ lateShare: 0.9 }, /lateShare/],
  ] as Array<[SimOptions, RegExp]>)('refuses %j', (options, message) => {
    expect(() => simulate(options)).toThrow(message);
  });
});
