// The feature engine on simulator data: served online through restarts, late and duplicate events,
// recomputed offline with zero skew; training sets exported to CSV and Parquet that DuckDB reads back.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEvent, SqliteEventLog, type RiskEvent } from '../../src/events/index.js';
import {
  buildTrainingSet,
  checkSkew,
  FeatureEngine,
  FeatureSet,
  MARKETPLACE_FEATURE_SET,
  OnlineFeatureStore,
  replay,
  SqliteFeatureLog,
  type TrainingSet,
} from '../../src/features/index.js';
import { exportTrainingSet } from '../../src/features/export.js';
import { simulate } from '../../src/sim/index.js';

const DAY = 86_400_000;
const set = FeatureSet.create(MARKETPLACE_FEATURE_SET);
const dir = mkdtempSync(join(tmpdir(), 'rg-sim-features-'));
let log: SqliteEventLog;
let featureLog: SqliteFeatureLog;
let served = 0;
let duplicates = 0;
let training: TrainingSet;

beforeAll(async () => {
  const events: RiskEvent[] = [];
  for (const raw of simulate({ seed: 3, days: 21, users: 3_000, hosts: 300, lateShare: 0.02, duplicateShare: 0.01 })) {
    const parsed = parseEvent(raw);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    events.push(parsed.event);
  }
  const open = async () => {
    log = new SqliteEventLog(join(dir, 'events.db'), { durability: 'os' });
    featureLog = new SqliteFeatureLog(join(dir, 'features.db'), 'os');
    const store = new OnlineFeatureStore(new FeatureEngine(set), log, { snapshotPath: join(dir, 'snap'), snapshotEvery: 7_000, featureLog });
    await store.open();
    return store;
  };
  let store = await open();
  for (let i = 0; i < events.length; i += 997) {
    const results = await store.ingest(events.slice(i, i + 997));
    served += results.filter((r) => r.vector).length;
    duplicates += results.filter((r) => r.status === 'duplicate').length;
    if (i % (997 * 20) === 0 && i > 0) {
      // every 20 batches: a restart, every other time without a clean close (a crash)
      if ((i / 997) % 40 === 0) await store.close();
      await featureLog.close();
      await log.close();
      store = await open();
    }
  }
  await store.close();
  training = await buildTrainingSet(log, set, { maturityMs: 10 * DAY });
});

afterAll(async () => {
  await featureLog.close();
  await log.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('features on simulated marketplace data', () => {
  it('reports zero skew between served and recomputed vectors', async () => {
    expect(duplicates).toBeGreaterThan(0);
    expect(served).toBeGreaterThan(500);
    const report = await checkSkew(log, set, featureLog);
    expect(report.compared).toBe(served);
    expect(report.rowsWithMismatch, JSON.stringify(report.examples)).toBe(0);
    expect(report.features.every((f) => f.mismatches === 0 && f.onlineMissingRate === f.offlineMissingRate)).toBe(true);
  });

  it('replays to the same state and rows when events no feature reads are passed over undecoded', async () => {
    const rows: number[] = [];
    const full = await replay(log, set, (l) => set.scored.has(l.event.type), (_, vector) => vector && rows.push(...vector));
    const passing = await replay(log, set, () => false, () => {}, { visitTypes: new Set() });
    expect(passing.appliedSeq).toBe(full.appliedSeq);
    expect(passing.watermark).toBe(full.watermark);
    expect(passing.snapshot().equals(full.snapshot())).toBe(true);
    expect(full.inputTypes.size).toBeLessThan(new Set((await log.read({})).map((e) => e.event.type)).size); // something was passed over
    expect([...training.x]).toEqual(rows);
    expect(training.asOf).toBe(full.watermark);
  });

  it('builds point-in-time training rows with fraud labels and immature rows', () => {
    expect(training.rows).toBe(served);
    const labels = [...training.labels];
    expect(labels.filter((l) => l === 1).length).toBeGreaterThan(0);
    expect(labels.filter((l) => l === 0).length).toBeGreaterThan(0);
    expect(labels.filter((l) => l === -1).length).toBeGreaterThan(0);
    // the last days' rows have not matured; no row older than the horizon is immature
    training.ts.forEach((ts, i) => {
      if (training.asOf - ts >= 10 * DAY) expect(training.labels[i]).not.toBe(-1);
    });
  });

  it('exports CSV and Parquet that DuckDB reads back', async () => {
    const csv = join(dir, 'train.csv');
    const parquet = join(dir, 'train.parquet');
    const mature = [...training.labels].filter((l) => l !== -1).length;
    expect(await exportTrainingSet(training, csv)).toBe(mature);
    expect(await exportTrainingSet(training, parquet)).toBe(mature);
    const header = readFileSync(csv, 'utf8').split('\n', 1)[0]!.split(',');
    expect(header.slice(0, 4)).toEqual(['event_id', 'seq', 'ts', 'label']);
    expect(header).toContain('user_amount_mean_30d_missing');
    const instance = await DuckDBInstance.create(':memory:');
    const db = await instance.connect();
    const row = (await db.runAndReadAll(`SELECT count(*)::INT AS n, sum(label)::INT AS fraud, count(user_amount_mean_30d)::INT AS present, sum(user_amount_mean_30d_missing)::INT AS missing FROM '${parquet}'`)).getRowObjects()[0]!;
    expect(row.n).toBe(mature);
    expect(Number(row.present) + Number(row.missing)).toBe(mature);
    const fromCsv = (await db.runAndReadAll(`SELECT count(*)::INT AS n FROM read_csv('${csv}', header = true)`)).getRowObjects()[0]!;
    expect(fromCsv.n).toBe(mature);
    db.closeSync();
    instance.closeSync();
  });
});
