// Feature engine benchmarks, in one run on one machine:
// 1. backfill: replay ~1M simulator events from the SQLite event log through the built-in feature set
//    (~50 windowed features), and the engine alone from memory;
// 2. reference: DuckDB computing the same count/sum/mean windows over the same events with window
//    functions (RANGE … PRECEDING), from an in-memory table;
// 3. online read of a full vector for a booking (user, device, card, ip, email, listing, host and two
//    composite keys; every feature + indicators), p50/p99 in process; and the same for the target's
//    shape, 4 entities × 40 windowed features — against the final state, and live: each booking read
//    as it arrives in a replay, just before it is applied;
// 4. memory per entity after the replay.
// Run: npm run bench:features   (BENCH_EVENTS, BENCH_RUNS to change the size)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { parseEvent, SqliteEventLog, type LoggedEvent, type RiskEvent } from '../src/events/index.js';
import { FeatureEngine, FeatureSet, MARKETPLACE_FEATURE_SET, replay, type WindowedFeature } from '../src/features/index.js';
import { parseDuration, type FeatureDefinition } from '../src/features/definition.js';
import type { FeatureSetSpec } from '../src/features/featureset.js';
import { simulate } from '../src/sim/index.js';
import { fmt, machine, median, quantile, repeat, report } from './lib.js';

const N = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const set = FeatureSet.create(MARKETPLACE_FEATURE_SET);

console.log(`machine: ${machine()}`);
console.log(`feature set ${set.version}: ${set.windowed.length} windowed, ${set.ratios.length} ratio, ${set.onDemand.length} on-demand features`);
console.log(`simulating ${fmt(N)} events…`);
const events: RiskEvent[] = [];
for (const raw of simulate({ seed: 11, days: Math.max(30, Math.ceil(N / 15_000)) })) {
  const parsed = parseEvent(raw);
  if (parsed.ok) events.push(parsed.event);
  if (events.length >= N) break;
}
const unique = [...new Map(events.map((e) => [e.id, e])).values()];
const logged: LoggedEvent[] = unique.map((event, i) => ({ seq: i + 1, event }));
const dir = mkdtempSync(join(tmpdir(), 'rg-bench-features-'));

try {
  const log = new SqliteEventLog(join(dir, 'events.db'), { durability: 'os' });
  for (let i = 0; i < unique.length; i += 20_000) await log.appendBatch(unique.slice(i, i + 20_000));

  // 1. backfill from the log, and the engine alone
  const fromLog = await repeat(RUNS, async () => {
    const t0 = performance.now();
    await replay(log, set, () => false, () => {}, { visitTypes: new Set() });
    return unique.length / ((performance.now() - t0) / 1000);
  });
  const engineOnly = await repeat(RUNS, () => {
    const engine = new FeatureEngine(set);
    const t0 = performance.now();
    for (const e of logged) engine.apply(e);
    return unique.length / ((performance.now() - t0) / 1000);
  });
  console.log(`backfill from the SQLite log: ${fmt(median(fromLog))} events/s; engine alone: ${fmt(median(engineOnly))} events/s (median of ${RUNS})`);

  // 2. DuckDB: the same count/sum/mean windows
  const sqlFeatures = set.windowed.filter((f) => ['count', 'sum', 'mean'].includes(f.agg) && typeof f.entity === 'string' && !JSON.stringify(f.where ?? {}).includes('$text'));
  const duck = await duckdbWindows(unique, sqlFeatures);
  const oursSame = await repeat(RUNS, () => {
    const subset = FeatureSet.create({ name: 'subset', scored: ['booking_attempted'], features: sqlFeatures });
    const engine = new FeatureEngine(subset);
    const scratch = new Float64Array(subset.vectorNames.length);
    const t0 = performance.now();
    for (const e of logged) {
      engine.vector(e.event, scratch); // every row gets its vector, as DuckDB computes a value for every row
      engine.apply(e);
    }
    return unique.length / ((performance.now() - t0) / 1000);
  });
  console.log(
    `same ${sqlFeatures.length} count/sum/mean windows, a value for every event: riskgate ${fmt(median(oursSame))} events/s, DuckDB ${fmt(duck.perSecondAllThreads)} events/s (${duck.threads} threads), ${fmt(duck.perSecondOneThread)} events/s (1 thread)`,
  );

  // 3. online read of a full vector: the built-in set, and the issue's shape (4 entities × 40 features)
  const readLatency = (readSet: FeatureSet) => {
    const engine = new FeatureEngine(readSet);
    for (const e of logged) engine.apply(e);
    const bookings = unique.filter((e) => e.type === 'booking_attempted');
    const scratch = new Float64Array(readSet.vectorNames.length);
    for (let i = 0; i < 20_000; i++) engine.vector(bookings[i % bookings.length]!, scratch);
    const samples = new Float64Array(200_000);
    for (let i = 0; i < samples.length; i++) {
      const request = bookings[i % bookings.length]!;
      const t0 = process.hrtime.bigint();
      engine.vector(request, scratch);
      samples[i] = Number(process.hrtime.bigint() - t0) / 1000;
    }
    samples.sort();
    return { p50: quantile(samples, 0.5), p99: quantile(samples, 0.99), values: readSet.vectorNames.length };
  };
  // The online pattern: each booking's vector read as it arrives, just before it is applied (state as
  // of the events before it), the caches holding whatever the replay left in them.
  const liveReadLatency = (readSet: FeatureSet) => {
    const engine = new FeatureEngine(readSet);
    const scratch = new Float64Array(readSet.vectorNames.length);
    const samples: number[] = [];
    for (const e of logged) {
      if (e.event.type === 'booking_attempted') {
        const t0 = process.hrtime.bigint();
        engine.vector(e.event, scratch);
        samples.push(Number(process.hrtime.bigint() - t0) / 1000);
      }
      engine.apply(e);
    }
    const sorted = Float64Array.from(samples).sort();
    return { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), reads: sorted.length };
  };
  const builtIn = readLatency(set);
  const { p50, p99 } = builtIn;
  console.log(`online read of a full vector, built-in set (9 entity keys, ${builtIn.values} values): p50 ${p50.toFixed(2)} µs, p99 ${p99.toFixed(2)} µs`);
  const wide = readLatency(FeatureSet.create(fourByForty()));
  console.log(`online read of a full vector, 4 entities × 40 windowed features (${wide.values} values): p50 ${wide.p50.toFixed(2)} µs, p99 ${wide.p99.toFixed(2)} µs`);
  liveReadLatency(FeatureSet.create(fourByForty())); // once to compile, as a server has long been running
  const live = liveReadLatency(FeatureSet.create(fourByForty()));
  console.log(`the same, read live: each of ${fmt(live.reads)} bookings as it arrives in the replay: p50 ${live.p50.toFixed(2)} µs, p99 ${live.p99.toFixed(2)} µs`);

  // 4. memory per entity
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const before = process.memoryUsage().heapUsed;
  const held = new FeatureEngine(set);
  for (const e of logged) held.apply(e);
  gc?.();
  const bytes = process.memoryUsage().heapUsed - before;
  const counts = held.stateCounts();
  const states = Object.values(counts).reduce((a, b) => a + b, 0);
  const entities = new Set<string>();
  for (const { event } of logged) for (const [kind, id] of Object.entries(event.entities)) entities.add(`${kind}:${id}`);
  console.log(
    `memory: ${fmt(bytes / 2 ** 20, 1)} MiB for ${fmt(states)} entity-feature states over ${fmt(entities.size)} entities: ${fmt(bytes / states)} B per state, ${fmt(bytes / entities.size)} B per entity${gc ? '' : ' (run with --expose-gc for exact numbers)'}`,
  );
  await log.close();

  report('features', {
    events: unique.length,
    windowedFeatures: set.windowed.length,
    backfillFromLogPerSec: Math.round(median(fromLog)),
    engineOnlyPerSec: Math.round(median(engineOnly)),
    sqlComparableFeatures: sqlFeatures.length,
    riskgateSameWindowsPerSec: Math.round(median(oursSame)),
    duckdbPerSec: Math.round(duck.perSecondAllThreads),
    duckdbThreads: duck.threads,
    duckdbOneThreadPerSec: Math.round(duck.perSecondOneThread),
    ratioVsDuckdb: +(median(oursSame) / duck.perSecondAllThreads).toFixed(2),
    readP50us: +p50.toFixed(2),
    readP99us: +p99.toFixed(2),
    read4x40P50us: +wide.p50.toFixed(2),
    read4x40P99us: +wide.p99.toFixed(2),
    read4x40LiveP50us: +live.p50.toFixed(2),
    read4x40LiveP99us: +live.p99.toFixed(2),
    bytesPerState: Math.round(bytes / states),
    bytesPerEntity: Math.round(bytes / entities.size),
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * The read target's shape: user, device, card and IP, 40 windowed features each (bookings, payments,
 * failed payments and logins counted, booking amounts summed, averaged and maxed, and the other side's
 * distinct ids, over 10 minutes to 30 days).
 */
function fourByForty(): FeatureSetSpec {
  const windows = ['10m', '1h', '24h', '7d', '30d'] as const;
  const other = { user: 'entities.card', device: 'entities.user', card: 'entities.user', ip: 'entities.user' } as const;
  const features: FeatureDefinition[] = (['user', 'device', 'card', 'ip'] as const).flatMap((entity) =>
    windows.flatMap((window): FeatureDefinition[] => [
      { name: `${entity}_bookings_${window}`, description: '', entity, events: ['booking_attempted'], agg: 'count', window, ttl: '90d' },
      { name: `${entity}_payments_${window}`, description: '', entity, events: ['payment_attempted'], agg: 'count', window, ttl: '90d' },
      { name: `${entity}_failed_payments_${window}`, description: '', entity, events: ['payment_attempted'], where: { 'payload.status': { in: ['declined', 'failed'] } }, agg: 'count', window, ttl: '90d' },
      { name: `${entity}_logins_${window}`, description: '', entity, events: ['login'], agg: 'count', window, ttl: '90d' },
      { name: `${entity}_amount_sum_${window}`, description: '', entity, events: ['booking_attempted'], agg: 'sum', field: 'payload.amount', window, ttl: '90d' },
      { name: `${entity}_amount_mean_${window}`, description: '', entity, events: ['booking_attempted'], agg: 'mean', field: 'payload.amount', window, ttl: '90d' },
      { name: `${entity}_amount_max_${window}`, description: '', entity, events: ['booking_attempted'], agg: 'max', field: 'payload.amount', window, ttl: '90d' },
      { name: `${entity}_distinct_${window}`, description: '', entity, events: ['booking_attempted', 'payment_attempted'], agg: 'distinct', field: other[entity], window, ttl: '90d' },
    ]),
  );
  return { name: 'four-by-forty', scored: ['booking_attempted'], features };
}

/** DuckDB computes each feature as a window function over the events it aggregates; median of RUNS. */
async function duckdbWindows(all: RiskEvent[], features: WindowedFeature[]) {
  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  await db.run('CREATE TABLE events (seq BIGINT, ts BIGINT, type VARCHAR, usr VARCHAR, device VARCHAR, card VARCHAR, ip VARCHAR, email VARCHAR, listing VARCHAR, host VARCHAR, amount DOUBLE, status VARCHAR, success BOOLEAN, rating INTEGER, verdict VARCHAR)');
  const appender = await db.createAppender('events');
  all.forEach((e, i) => {
    const p = e.payload as Record<string, unknown>;
    appender.appendBigInt(BigInt(i + 1));
    appender.appendBigInt(BigInt(e.ts));
    appender.appendVarchar(e.type);
    for (const kind of ['user', 'device', 'card', 'ip', 'email', 'listing', 'host'] as const) {
      const v = e.entities[kind];
      if (v === undefined) appender.appendNull();
      else appender.appendVarchar(v);
    }
    if (typeof p.amount === 'number') appender.appendDouble(p.amount);
    else appender.appendNull();
    if (typeof p.status === 'string') appender.appendVarchar(p.status);
    else appender.appendNull();
    if (typeof p.success === 'boolean') appender.appendBoolean(p.success);
    else appender.appendNull();
    if (typeof p.rating === 'number') appender.appendInteger(p.rating);
    else appender.appendNull();
    if (typeof p.verdict === 'string') appender.appendVarchar(p.verdict);
    else appender.appendNull();
    appender.endRow();
  });
  appender.flushSync();
  appender.closeSync();
  const column = (path: string) => ({ 'payload.amount': 'amount', 'payload.status': 'status', 'payload.success': 'success', 'payload.rating': 'rating', 'payload.verdict': 'verdict' })[path];
  const entityColumn = (kind: string) => (kind === 'user' ? 'usr' : kind);
  const queries = features.map((f) => {
    const conditions = [`type IN (${f.events.map((t) => `'${t}'`).join(', ')})`, `${entityColumn(f.entity as string)} IS NOT NULL`];
    for (const [path, c] of Object.entries(f.where ?? {})) {
      const col = column(path);
      if (typeof c === 'object' && c !== null && 'in' in c) conditions.push(`${col} IN (${c.in.map((v) => `'${v}'`).join(', ')})`);
      else conditions.push(`${col} = ${typeof c === 'string' ? `'${c}'` : String(c)}`);
    }
    const agg = f.agg === 'count' ? 'count(*)' : `${f.agg === 'sum' ? 'sum' : 'avg'}(amount)`;
    const ms = parseDuration(f.window!)!;
    return `SELECT count(v) FROM (SELECT ${agg} OVER (PARTITION BY ${entityColumn(f.entity as string)} ORDER BY ts RANGE BETWEEN ${ms - 1} PRECEDING AND CURRENT ROW) AS v FROM events WHERE ${conditions.join(' AND ')})`;
  });
  const timeAll = async () => {
    const t0 = performance.now();
    for (const q of queries) await db.run(q);
    return all.length / ((performance.now() - t0) / 1000);
  };
  const threads = Number((await db.runAndReadAll("SELECT current_setting('threads') AS t")).getRowObjects()[0]!.t);
  const perSecondAllThreads = median(await repeat(RUNS, timeAll));
  await db.run('SET threads = 1');
  const perSecondOneThread = median(await repeat(RUNS, timeAll));
  db.closeSync();
  instance.closeSync();
  return { perSecondAllThreads, perSecondOneThread, threads };
}
