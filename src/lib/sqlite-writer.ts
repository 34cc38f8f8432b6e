// Durable writes off the event loop: a worker thread owns a write connection to one SQLite file and
// commits batches of statements; the caller's promise resolves after the commit (and its fsync). While a
// commit is under way the next writes gather, so concurrent requests share one fsync (group commit) and
// the main thread keeps serving — a synchronous fsync would stall every request in the process.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Statement } from 'better-sqlite3';
import { checkpointInBackground, SAFETY_NET_PAGES } from './checkpointer.js';
import { openSqlite, type Durability, type SqliteDatabase } from './sqlite.js';

export interface RunResult {
  changes: number;
  lastInsertRowid: number;
}

/** One statement run once per parameter row, inside the batch's transaction. */
export interface Write {
  sql: string;
  rows: unknown[][];
}

interface Queued {
  writes: Write[];
  resolve: (results: RunResult[][]) => void;
  reject: (error: Error) => void;
}

// The worker is plain CommonJS source: it runs the same way under tsc output, tsx and vitest.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = ' + (workerData.durability === 'fsync' ? 'FULL' : 'NORMAL'));
db.pragma('busy_timeout = 5000');
db.pragma('cache_size = -65536');
db.pragma('journal_size_limit = 67108864');
const statements = new Map();
const prepared = (sql) => {
  let s = statements.get(sql);
  if (!s) { s = db.prepare(sql); statements.set(sql, s); }
  return s;
};
const commit = db.transaction((units) => units.map((writes) => writes.map((w) => {
  const statement = prepared(w.sql);
  return w.rows.map((row) => {
    const r = statement.run(...row);
    return { changes: r.changes, lastInsertRowid: Number(r.lastInsertRowid) };
  });
})));
parentPort.on('message', (message) => {
  if (message.close) { db.close(); parentPort.postMessage({ closed: true }); return; }
  try {
    parentPort.postMessage({ id: message.id, results: commit(message.units) });
  } catch (error) {
    parentPort.postMessage({ id: message.id, error: String(error && error.message || error) });
  }
});
`;

/**
 * Where commits run. `thread`: a worker thread, so a commit's fsync never stalls the event loop (the
 * choice with `fsync` durability). `inline`: this thread, batched per tick — cheaper when commits do
 * not wait for the disk (`os` durability), since it spares two thread hops per commit; the WAL
 * checkpoints, which do wait for the disk, then run on a background thread (checkpointer.ts).
 */
export type WriterMode = 'thread' | 'inline';

export class SqliteWriter {
  private readonly worker: Worker | undefined;
  private readonly inline: ((writes: Write[][]) => RunResult[][][]) | undefined;
  private inlineDb: SqliteDatabase | undefined;
  private releaseCheckpointer: (() => Promise<void>) | undefined;
  private queue: Queued[] = [];
  private inFlight: { id: number; batch: Queued[] } | undefined;
  private nextId = 1;
  private closing: Promise<void> | undefined;

  constructor(path: string, durability: Durability = 'fsync', mode: WriterMode = durability === 'fsync' ? 'thread' : 'inline') {
    if (mode === 'inline') {
      const db = openSqlite(path, durability);
      this.inlineDb = db;
      if (path !== ':memory:') {
        db.pragma(`wal_autocheckpoint = ${SAFETY_NET_PAGES}`);
        this.releaseCheckpointer = checkpointInBackground(path, durability);
      }
      const statements = new Map<string, Statement>();
      this.inline = db.transaction((units: Write[][]) =>
        units.map((writes) =>
          writes.map((w) => {
            let statement = statements.get(w.sql);
            if (!statement) statements.set(w.sql, (statement = db.prepare(w.sql)));
            return w.rows.map((row) => {
              const r = statement!.run(...row);
              return { changes: r.changes, lastInsertRowid: Number(r.lastInsertRowid) };
            });
          }),
        ),
      );
      return;
    }
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, durability, driver } });
    this.worker.on('message', (message: { id?: number; results?: RunResult[][][]; error?: string }) => this.completed(message));
    this.worker.on('error', (error) => this.failAll(error));
    this.worker.unref();
  }

  /** Run `write` in the next commit; resolves with one result per parameter row once committed. */
  async run(write: Write): Promise<RunResult[]> {
    return (await this.runAll([write]))[0]!;
  }

  /** Run `writes` together in the next commit (all or none); resolves with their results once committed. */
  runAll(writes: Write[]): Promise<RunResult[][]> {
    if (this.closing) return Promise.reject(new Error('the SQLite writer is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ writes, resolve, reject });
      if (this.inline) {
        if (this.queue.length === 1) setImmediate(() => this.commitInline());
      } else if (!this.inFlight) {
        queueMicrotask(() => this.send());
      }
    });
  }

  /**
   * Inline mode: commit what is queued now, on this thread, instead of at the end of this turn of the
   * event loop — for callers that gather their own group commits. Thread mode: nothing to do.
   */
  commitQueued(): void {
    if (this.inline) this.commitInline();
  }

  /** Finish every queued write, then close the writing connection. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.inline) {
        this.commitInline();
        this.inlineDb!.close();
        await this.releaseCheckpointer?.();
        return;
      }
      const worker = this.worker!;
      while (this.inFlight || this.queue.length > 0) {
        this.send();
        await new Promise((resolve) => setImmediate(resolve));
      }
      worker.ref(); // keep the process alive until the worker has closed its connection
      await new Promise<void>((resolve) => {
        worker.once('message', () => resolve());
        worker.postMessage({ close: true });
      });
      await worker.terminate();
    })();
    return this.closing;
  }

  private commitInline(): void {
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    let results: RunResult[][][];
    try {
      results = this.inline!(batch.map((q) => q.writes));
    } catch (error) {
      for (const q of batch) q.reject(error as Error);
      return;
    }
    batch.forEach((q, i) => q.resolve(results[i]!));
  }

  private send(): void {
    if (!this.worker || this.inFlight || this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    const id = this.nextId++;
    this.inFlight = { id, batch };
    this.worker.ref();
    this.worker.postMessage({ id, units: batch.map((q) => q.writes) });
  }

  private completed(message: { id?: number; results?: RunResult[][][]; error?: string }): void {
    const flight = this.inFlight;
    if (!flight || message.id !== flight.id) return;
    this.inFlight = undefined;
    this.worker!.unref();
    if (message.error !== undefined) {
      for (const q of flight.batch) q.reject(new Error(message.error));
    } else {
      flight.batch.forEach((q, i) => q.resolve(message.results![i]!));
    }
    this.send();
  }

  private failAll(error: Error): void {
    const pending = [...(this.inFlight?.batch ?? []), ...this.queue];
    this.inFlight = undefined;
    this.queue = [];
    for (const q of pending) q.reject(error);
  }
}
