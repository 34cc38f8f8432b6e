import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteEventLog } from '../events/stores/sqlite.js';
import type { RiskEvent } from '../events/schema.js';
import { FeatureEngine } from './engine.js';
import { OnlineFeatureStore } from './online.js';
import { checkSkew } from './skew.js';
import { buildTrainingSet, labelledBeforeRowWarning } from './offline.js';
import { SqliteFeatureLog } from './stores/sqlite-featurelog.js';
import { FeatureSet } from './featureset.js';
import { BASE, SET, stepArb, toEvents } from '../../test/support/feature-streams.js';

describe('online feature store', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rg-online-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const warnings: string[] = [];
  const open = async (name: string) => {
    const log = new SqliteEventLog(join(dir, `${name}.db`), { durability: 'os' });
    const featureLog = new SqliteFeatureLog(join(dir, `${name}-fl.db`), 'os');
    const store = new OnlineFeatureStore(new FeatureEngine(SET), log, {
      snapshotPath: join(dir, `${name}.snap`),
      snapshotEvery: 17,
      snapshotPiece: 2,
      sweepEvery: 11,
      featureLog,
      warn: (message) => warnings.push(message),
    });
    await store.open();
    return { log, featureLog, store };
  };

  /** A log of `n` payments (long enough for a replay to pause) and a store on it, not yet opened. */
  const longLog = async (name: string, n: number) => {
    const log = new SqliteEventLog(join(dir, `${name}.db`), { durability: 'os' });
    const steps = Array.from({ length: n }, (_, i) => ({ dt: 1_000, late: 0, user: i % 500, card: i % 700, amount: 5, status: 'approved' as const }));
    const events = toEvents(steps).map(({ event }) => event);
    for (let i = 0; i < events.length; i += 10_000) await log.appendBatch(events.slice(i, i + 10_000));
    return { log, events, store: new OnlineFeatureStore(new FeatureEngine(SET), log, {}) };
  };

  it('lets the event loop run during a long replay at start (a starting server answers its health checks)', async () => {
    const { log, events, store } = await longLog('long', 100_000);
    const started = performance.now();
    let last = started;
    let longestGap = 0;
    const ticker = setInterval(() => {
      const now = performance.now();
      longestGap = Math.max(longestGap, now - last);
      last = now;
    }, 1);
    try {
      await store.open();
    } finally {
      clearInterval(ticker);
    }
    const took = performance.now() - started;
    longestGap = Math.max(longestGap, performance.now() - last);
    expect(store.engine.appliedSeq).toBe(events.length);
    // The replay pauses every 50 ms: timers run between its slices, so no wait for them lasts the
    // replay (without the pauses the longest is the whole of it).
    expect(longestGap).toBeLessThan(took / 2);
    await store.close();
    await log.close();
  });

  it('an event ingested while the replay at start pauses waits for it, and is applied after it in log order', async () => {
    const { log, events, store } = await longLog('opening', 60_000);
    const opening = store.open();
    // The first pause of the replay lets this in.
    await new Promise((resolve) => setTimeout(resolve, 60));
    const late = toEvents([{ dt: 0, late: 0, user: 1, card: 1, amount: 5, status: 'approved' }])[0]!.event;
    const ingested = store.ingest([{ ...late, id: 'during-open', ts: events.at(-1)!.ts + 1_000 }]);
    await opening;
    const [result] = await ingested;
    expect(result).toMatchObject({ status: 'appended', seq: events.length + 1 });
    expect(store.engine.appliedSeq).toBe(events.length + 1);
    await store.close();
    await log.close();
  });

  it('serves exactly what the offline replay computes: restarts, crashes, late events, duplicates, other writers', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(stepArb, { minLength: 1, maxLength: 150 }),
        fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 40 }),
        fc.array(fc.constantFrom('restart', 'crash', 'external', 'duplicate', 'none'), { minLength: 1, maxLength: 40 }),
        async (steps, batchSizes, incidents) => {
          const name = `p${run++}`;
          const events = toEvents(steps).map((l) => l.event);
          let { log, featureLog, store } = await open(name);
          let served = 0;
          let i = 0;
          let b = 0;
          try {
            while (i < events.length) {
              const size = batchSizes[b % batchSizes.length]!;
              const incident = incidents[b % incidents.length]!;
              b++;
              const batch = events.slice(i, i + size);
              i += size;
              if (incident === 'external') {
                // Another writer appends to the same log; the store must apply those events in order too.
                const other = new SqliteEventLog(join(dir, `${name}.db`), { durability: 'os' });
                await other.appendBatch(batch);
                await other.close();
                continue;
              }
              const retried: RiskEvent[] = incident === 'duplicate' ? [...batch, ...batch.slice(0, 2)] : batch;
              const results = await store.ingest(retried);
              served += results.filter((r) => r.vector).length;
              expect(results.filter((r) => r.vector && r.status !== 'appended')).toEqual([]);
              if (incident === 'restart' || incident === 'crash') {
                if (incident === 'restart') await store.close();
                // A crash skips close(): the next open starts from the last periodic snapshot and replays the tail.
                await featureLog.close();
                await log.close();
                ({ log, featureLog, store } = await open(name));
              }
            }
            const report = await checkSkew(log, SET, featureLog);
            expect(report.compared).toBe(served);
            expect(report.rowsWithMismatch, JSON.stringify(report.examples)).toBe(0);
          } finally {
            await featureLog.close();
            await log.close();
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('reads again at the next start the served vectors a stop kept out of the feature log, without logging unserved ones', async () => {
    const events = toEvents(
      Array.from({ length: 120 }, (_, k) => ({ dt: 20_000, late: k % 7 === 0 ? 600_000 : 0, user: k % 3, card: k % 4, amount: k % 90, status: 'declined' as const })),
    ).map((l) => l.event);
    const openPlain = async () => {
      const log = new SqliteEventLog(join(dir, 'refill.db'), { durability: 'os' });
      const featureLog = new SqliteFeatureLog(join(dir, 'refill-fl.db'), 'os');
      const store = new OnlineFeatureStore(new FeatureEngine(SET), log, { featureLog });
      return { log, featureLog, store, opened: await store.open() };
    };
    const first = await openPlain();
    await first.store.ingest(events.slice(0, 100));
    const served = await first.featureLog.range(1, 1e9);
    expect(served.length).toBeGreaterThan(20);
    // The last commits of the feature log are lost: the process stopped after the events' commit.
    const lost = served.slice(-12);
    const db = new Database(join(dir, 'refill-fl.db'));
    db.prepare('DELETE FROM feature_log WHERE seq >= ?').run(lost[0]!.seq);
    db.close();
    await first.featureLog.close();
    await first.log.close();
    // Another writer appends events this store never served.
    const other = new SqliteEventLog(join(dir, 'refill.db'), { durability: 'os' });
    await other.appendBatch(events.slice(100));
    await other.close();
    const second = await openPlain();
    try {
      for (const vector of lost) expect(await second.store.servedVector(vector.seq)).toEqual(vector);
      expect(await second.featureLog.count()).toBe(served.length - lost.length);
      const beforeSkew = await checkSkew(second.log, SET, second.featureLog);
      const neverServed = events.slice(100).filter((e) => SET.scored.has(e.type)).length; // the other writer's
      expect([beforeSkew.rowsWithMismatch, beforeSkew.withoutVector]).toEqual([0, lost.length + neverServed]);
      await second.store.logRecovered(lost[0]!.seq);
      expect(await second.featureLog.get(lost[0]!.seq)).toEqual(lost[0]);
      // Re-running what was interrupted (an import): the events come back as duplicates, and their vectors are logged.
      const again = await second.store.ingest(events.slice(0, 100));
      expect(again.every((r) => r.status === 'duplicate')).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 100)); // feature logging is not waited for
      for (const vector of lost) expect(await second.featureLog.get(vector.seq)).toEqual(vector);
      const skew = await checkSkew(second.log, SET, second.featureLog);
      expect([skew.rowsWithMismatch, skew.withoutVector]).toEqual([0, neverServed]);
    } finally {
      await second.featureLog.close();
      await second.log.close();
    }
  });

  it('recovers to identical state after a restart', async () => {
    const events = toEvents(
      Array.from({ length: 300 }, (_, k) => ({ dt: 20_000, late: k % 7 === 0 ? 600_000 : 0, user: k % 3, card: k % 4, amount: k % 90, status: 'declined' as const })),
    ).map((l) => l.event);
    const first = await open('restart');
    await first.store.ingest(events.slice(0, 200));
    await first.store.close();
    await first.featureLog.close();
    await first.log.close();
    const second = await open('restart');
    const probe = { ...events[250]!, id: 'probe' };
    const afterRestart = second.store.peek(probe);
    const uninterrupted = new FeatureEngine(SET);
    for (const logged of await second.log.read({})) uninterrupted.apply(logged);
    expect([...afterRestart]).toEqual([...uninterrupted.vector(probe)]);
    await second.featureLog.close();
    await second.log.close();
  });

  it('rebuilds from the log, saying so, a damaged snapshot; refuses one ahead of the log', async () => {
    const events = toEvents(Array.from({ length: 120 }, (_, k) => ({ dt: 20_000, late: 0, user: k % 3, card: k % 4, amount: 10 + k, status: 'approved' as const }))).map((l) => l.event);
    const first = await open('damaged');
    await first.store.ingest(events.slice(0, 100));
    await first.store.close();
    await first.featureLog.close();
    await first.log.close();
    const snapshot = join(dir, 'damaged.snap');
    const expected = new FeatureEngine(SET);
    expected.restore(readFileSync(snapshot));
    const probe = { ...events[110]!, id: 'probe' };
    warnings.length = 0;

    // One bit flipped on the disk: most such files still decode, into a state that serves wrong values.
    const bytes = readFileSync(snapshot);
    bytes[Math.floor(bytes.length / 2)]! ^= 0x40;
    writeFileSync(snapshot, bytes);
    const afterDamage = await open('damaged');
    expect(warnings.join('')).toMatch(/snapshot damaged\.snap cannot be used \(feature state snapshot is damaged: its checksum does not match its contents\); rebuilding the features from the event log/);
    expect([...afterDamage.store.peek(probe)]).toEqual([...expected.vector(probe)]);
    await afterDamage.store.close();
    await afterDamage.featureLog.close();
    await afterDamage.log.close();

    // The log lost its tail (restored from an older backup): not served, since the events appended next
    // would reuse the seqs of decisions and cases kept for others.
    const shorter = await open('shorter');
    await shorter.store.ingest(events.slice(0, 40));
    await shorter.store.close();
    await shorter.featureLog.close();
    await shorter.log.close();
    writeFileSync(join(dir, 'shorter.snap'), readFileSync(snapshot));
    await expect(open('shorter')).rejects.toThrow(/the event log ends at seq 40, but the feature state has applied it up to seq 100: events\.db is older than the rest of the data directory/);
    const behind = { featureLog: new SqliteFeatureLog(join(dir, 'shorter-fl.db'), 'os'), log: new SqliteEventLog(join(dir, 'shorter.db'), { durability: 'os' }) };
    await behind.featureLog.close();
    await behind.log.close();
  });
});

describe('feature state snapshots', () => {
  it('are written in the background, whole; close waits for them; abandoned temp files of dead processes are removed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rg-snap-'));
    try {
      const path = join(dir, 'state.snap');
      // A temp file left by a process killed mid-write, and one of a live process (this one's parent).
      writeFileSync(`${path}.tmp-999999999-1`, 'half a snapshot');
      writeFileSync(`${path}.tmp-${process.ppid}-1`, 'another writer at work');
      const events = toEvents(Array.from({ length: 120 }, (_, k) => ({ dt: 30_000, late: 0, user: k % 5, card: k % 3, amount: 10 + k, status: 'approved' as const }))).map((l) => l.event);
      const log = new SqliteEventLog(join(dir, 'e.db'), { durability: 'os' });
      const store = new OnlineFeatureStore(new FeatureEngine(SET), log, { snapshotPath: path, snapshotEvery: 50, snapshotPiece: 1 });
      await store.open();
      expect(existsSync(`${path}.tmp-999999999-1`)).toBe(false);
      expect(existsSync(`${path}.tmp-${process.ppid}-1`)).toBe(true);
      rmSync(`${path}.tmp-${process.ppid}-1`);
      // The periodic snapshot is due after event 50; it starts as soon as its temp file is open and is
      // taken a piece at a time while the later events arrive one by one, holding the state as of its start.
      for (const event of events.slice(0, 60)) await store.ingest([event]);
      for (let i = 0; i < 200 && !existsSync(path); i++) await new Promise((resolve) => setTimeout(resolve, 10));
      const periodic = new FeatureEngine(SET);
      periodic.restore(readFileSync(path));
      expect(periodic.appliedSeq).toBeGreaterThanOrEqual(50);
      expect(periodic.appliedSeq).toBeLessThanOrEqual(60);
      const asOfThen = new FeatureEngine(SET);
      for (const logged of await log.read({ toSeq: periodic.appliedSeq })) asOfThen.apply(logged);
      for (const probe of events.slice(60, 80)) expect([...periodic.vector(probe)]).toEqual([...asOfThen.vector(probe)]);
      await store.close();
      expect(readdirSync(dir).filter((name) => name.includes('.tmp-'))).toEqual([]);
      const restored = new FeatureEngine(SET);
      restored.restore(readFileSync(path));
      expect(restored.appliedSeq).toBe(60);
      expect([...restored.vector(events[61]!)]).toEqual([...store.engine.vector(events[61]!)]);
      await log.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('training sets', () => {
  const DAY = 86_400_000;
  const set = FeatureSet.create({
    name: 'labels',
    scored: ['booking_attempted'],
    features: [
      { name: 'card_chargebacks_30d', description: '', entity: 'card', events: ['chargeback'], agg: 'count', window: '30d', ttl: '90d' },
      { name: 'user_bookings_30d', description: '', entity: 'user', events: ['booking_attempted'], agg: 'count', window: '30d', ttl: '90d' },
    ],
  });
  const booking = (id: string, ts: number): RiskEvent => ({
    id,
    type: 'booking_attempted',
    ts,
    v: 1,
    entities: { user: 'u1', card: 'c1', listing: 'l1', host: 'h1' },
    payload: { amount: 100, currency: 'EUR', nights: 1 },
  });
  const chargeback = (id: string, ts: number, target: string): RiskEvent => ({
    id,
    type: 'chargeback',
    ts,
    v: 1,
    entities: { user: 'u1', card: 'c1' },
    payload: { target_event_id: target, amount: 100, currency: 'EUR' },
  });

  it('labels rows point-in-time: within the horizon, matured, immature; labels never leak into features', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rg-train-'));
    const log = new SqliteEventLog(join(dir, 'e.db'), { durability: 'os' });
    try {
      await log.appendBatch([
        booking('b1', BASE),
        booking('b2', BASE + DAY),
        chargeback('cb1', BASE + 10 * DAY, 'b1'), // within 30 days of b1
        booking('b3', BASE + 11 * DAY),
        chargeback('cb2', BASE + 40 * DAY, 'b2'), // 39 days after b2: outside its horizon
        booking('b4', BASE + 50 * DAY), // the log ends 0 days after: immature
      ]);
      const training = await buildTrainingSet(log, set, { maturityMs: 30 * DAY });
      expect(training.eventIds).toEqual(['b1', 'b2', 'b3', 'b4']);
      expect([...training.labels]).toEqual([1, 0, 0, -1]);
      expect(training.meta.map((m) => m.labelSource)).toEqual(['chargeback', 'matured', 'matured', 'immature']);
      const cb = training.names.indexOf('card_chargebacks_30d');
      const width = training.names.length;
      // b1 and b2 were scored before any chargeback existed; b3 sees cb1 (arrived before it), b4 sees cb2 only (cb1 is 40 days old).
      expect([0, 1, 2, 3].map((r) => training.x[r * width + cb])).toEqual([NaN, NaN, 1, 1]);
      const restricted = await buildTrainingSet(log, set, { maturityMs: 30 * DAY, from: BASE + DAY, to: BASE + 12 * DAY });
      expect(restricted.eventIds).toEqual(['b2', 'b3']);
    } finally {
      await log.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a label that reaches the log before the late-delivered event it judges still labels that row', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rg-train-'));
    const log = new SqliteEventLog(join(dir, 'e.db'), { durability: 'os' });
    try {
      await log.appendBatch([
        chargeback('cb1', BASE + 5 * DAY, 'b1'), // dated 4 days after b1, logged before it
        booking('b1', BASE + DAY),
        chargeback('cb-other', BASE + 6 * DAY, 'not-a-row'),
        booking('b2', BASE + 2 * DAY),
        booking('late', BASE + 40 * DAY),
      ]);
      const training = await buildTrainingSet(log, set, { maturityMs: 30 * DAY });
      expect(training.eventIds).toEqual(['b1', 'b2', 'late']);
      expect([...training.labels]).toEqual([1, 0, -1]);
      expect(training.meta.map((m) => m.labelSource)).toEqual(['chargeback', 'matured', 'immature']);
      // b1's label-fed features could count its own label: whoever builds the set is told.
      expect(training.labelledBeforeRow).toBe(1);
      expect(labelledBeforeRowWarning(training, set)).toMatch(/^warning: 1 rows were labelled before they reached the log .*import history oldest first/);
      const unlabelled = FeatureSet.create({ name: 'no_labels', scored: ['booking_attempted'], features: [set.get('user_bookings_30d')!] });
      expect(labelledBeforeRowWarning(training, unlabelled)).toBeUndefined();
    } finally {
      await log.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
