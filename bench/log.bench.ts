// Durable batched append into the event log vs. the same rows inserted into a bare SQLite table
// (no id index, no validation-shaped JSON) with the same durability, in the same run.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventLog, parseEvent, type RiskEvent } from '../src/events/index.js';
import { simulate } from '../src/sim/index.js';
import { openSqlite } from '../src/lib/sqlite.js';
import { fmt, machine, median, report } from './lib.js';

const N = Number(process.env.BENCH_EVENTS ?? 500_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 10_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

console.log(`machine: ${machine()}`);
console.log(`preparing ${fmt(N)} simulator events…`);
const events: RiskEvent[] = [];
for (const raw of simulate({ seed: 7, days: 120, users: 40_000, hosts: 4_000 })) {
  // Through JSON first, as events arrive by HTTP or import (the simulator's strings are built by
  // concatenation, which makes them slower to serialise than parsed ones).
  const parsed = parseEvent(JSON.parse(JSON.stringify(raw)));
  if (parsed.ok) events.push(parsed.event);
  if (events.length >= N) break;
}
const unique = [...new Map(events.map((e) => [e.id, e])).values()];

const dir = mkdtempSync(join(tmpdir(), 'rg-bench-log-'));
try {
  // Up to four batches in flight: serialising the next batch overlaps with the writer thread
  // committing the previous one, as concurrent importers or requests would.
  const appendAll = async (log: SqliteEventLog) => {
    const inFlight: Array<Promise<unknown>> = [];
    for (let i = 0; i < unique.length; i += BATCH) {
      inFlight.push(log.appendBatch(unique.slice(i, i + BATCH)));
      if (inFlight.length >= 4) await inFlight.shift();
    }
    await Promise.all(inFlight);
  };
  // Each round measures the three in turn on fresh files, deleted afterwards, so machine noise and
  // the page cache weigh on all three alike.
  const removeDb = (path: string) => {
    for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
  };
  const timeLog = async (path: string, durability: 'fsync' | 'os') => {
    const log = new SqliteEventLog(path, { durability });
    const t0 = performance.now();
    await appendAll(log);
    const seconds = (performance.now() - t0) / 1000;
    await log.close();
    removeDb(path);
    return unique.length / seconds;
  };
  const timeBare = (path: string) => {
    const db = openSqlite(path, 'fsync');
    db.exec('CREATE TABLE t (seq INTEGER PRIMARY KEY, body TEXT NOT NULL)');
    const insert = db.prepare('INSERT INTO t (body) VALUES (?)');
    const tx = db.transaction((rows: RiskEvent[]) => {
      for (const e of rows) insert.run(JSON.stringify(e));
    });
    const t0 = performance.now();
    for (let i = 0; i < unique.length; i += BATCH) tx(unique.slice(i, i + BATCH));
    const seconds = (performance.now() - t0) / 1000;
    db.close();
    removeDb(path);
    return unique.length / seconds;
  };
  const ours: number[] = [];
  const oursOs: number[] = [];
  const bare: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    ours.push(await timeLog(join(dir, 'log.db'), 'fsync'));
    oursOs.push(await timeLog(join(dir, 'log-os.db'), 'os'));
    bare.push(timeBare(join(dir, 'bare.db')));
    console.log(`run ${run + 1}/${RUNS}: event log ${fmt(ours[run]!)} (fsync), ${fmt(oursOs[run]!)} (os); bare SQLite ${fmt(bare[run]!)} events/s`);
  }
  // Opening a log rebuilds its in-memory id index from the hashes stored with each block: how long,
  // and how much memory per event.
  const reopenPath = join(dir, 'reopen.db');
  const writer = new SqliteEventLog(reopenPath, { durability: 'os' });
  await appendAll(writer);
  await writer.close();
  const reopenMs: number[] = [];
  let indexBytes = 0;
  for (let run = 0; run < RUNS; run++) {
    const t0 = performance.now();
    const reopened = new SqliteEventLog(reopenPath, { durability: 'os' }); // builds the id index at open
    reopenMs.push(performance.now() - t0);
    indexBytes = reopened.idIndexBytes;
    await reopened.close();
  }
  removeDb(reopenPath);
  console.log(`reopen: id index of ${fmt(unique.length)} events rebuilt in ${median(reopenMs).toFixed(0)} ms (median of ${RUNS}), ${(indexBytes / unique.length).toFixed(0)} bytes per event`);
  const oursMedian = median(ours);
  const bareMedian = median(bare);
  console.log(`event log appendBatch (fsync, writer thread, batches of ${fmt(BATCH)}): ${fmt(oursMedian)} events/s (median of ${RUNS}: ${ours.map((x) => fmt(x)).join(', ')})`);
  console.log(`event log appendBatch (os durability, inline):                  ${fmt(median(oursOs))} events/s`);
  console.log(`bare SQLite insert, same rows, same durability:     ${fmt(bareMedian)} events/s (median of ${RUNS})`);
  console.log(`ratio event log / bare SQLite: ${(oursMedian / bareMedian).toFixed(2)}`);
  report('log-append', { events: unique.length, batch: BATCH, runs: RUNS, eventsPerSec: Math.round(oursMedian), osDurabilityPerSec: Math.round(median(oursOs)), bareSqlitePerSec: Math.round(bareMedian), ratio: +(oursMedian / bareMedian).toFixed(3), reopenMs: +median(reopenMs).toFixed(1), indexBytesPerEvent: Math.round(indexBytes / unique.length) });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
