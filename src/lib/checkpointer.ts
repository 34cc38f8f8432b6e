// WAL checkpoints off the event loop. With `os` durability the writers commit on the main thread, and
// SQLite's automatic checkpoint runs inside whichever commit crosses the threshold: it copies the WAL
// into the database file and fsyncs both, a 10–100 ms stall for every request in the process. Here one
// worker thread per process checkpoints the files it is given (PASSIVE: writers keep appending
// meanwhile) whenever a WAL has grown past CHECKPOINT_AT_BYTES; the writers' own automatic checkpoint
// stays on, at a much larger threshold, only as a safety net should the worker fall far behind.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Durability } from './sqlite.js';

/** A WAL larger than this is checkpointed by the worker. */
export const CHECKPOINT_AT_BYTES = 4 * 1024 * 1024;
/** The writers' own automatic checkpoint, in pages: only reached if the worker falls behind. */
export const SAFETY_NET_PAGES = 8192;
const POLL_MS = 50;

// Plain CommonJS source, like the SQLite writer's worker: it runs the same under tsc output, tsx and vitest.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { statSync } = require('node:fs');
const Database = require(workerData.driver);
const files = new Map(); // path -> { db, ids }
parentPort.on('message', (message) => {
  if (message.add) {
    let entry = files.get(message.add);
    if (!entry) {
      const db = new Database(message.add);
      db.pragma('busy_timeout = 5000');
      db.pragma('synchronous = ' + (message.durability === 'fsync' ? 'FULL' : 'NORMAL'));
      entry = { db, ids: new Set() };
      files.set(message.add, entry);
    }
    entry.ids.add(message.id);
  } else if (message.remove) {
    const entry = files.get(message.remove);
    if (entry && entry.ids.delete(message.id) && entry.ids.size === 0) {
      files.delete(message.remove);
      entry.db.close();
    }
    parentPort.postMessage({ removed: message.id });
  }
});
setInterval(() => {
  for (const [path, { db }] of files) {
    let size = 0;
    try { size = statSync(path + '-wal').size; } catch { continue; }
    if (size < workerData.threshold) continue;
    try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (error) {
      // Busy: another connection is checkpointing this file right now (the writers' safety net).
      if (error && error.code !== 'SQLITE_BUSY' && error.code !== 'SQLITE_LOCKED') parentPort.postMessage({ error: path + ': ' + (error.message || error) });
    }
  }
}, workerData.pollMs);
`;

let worker: Worker | undefined;
let nextId = 1;
/** Registrations not yet released. */
let registered = 0;
const releasing = new Map<number, () => void>();

/**
 * Checkpoint the WAL of `path` in the background until the returned release function is called; it
 * resolves once the worker has let go of the file (and the worker has stopped, when nothing else uses it).
 */
export function checkpointInBackground(path: string, durability: Durability): () => Promise<void> {
  if (!worker) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const started = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver, threshold: CHECKPOINT_AT_BYTES, pollMs: POLL_MS } });
    started.unref();
    started.on('message', (message: { removed?: number; error?: string }) => {
      if (message.error) process.stderr.write(`riskgate: background WAL checkpoint failed: ${message.error}\n`);
      if (message.removed !== undefined) {
        releasing.get(message.removed)?.();
        releasing.delete(message.removed);
      }
    });
    // A worker that dies leaves the writers' safety-net checkpoints doing the work; releases still resolve.
    started.on('error', (error) => {
      process.stderr.write(`riskgate: background WAL checkpointer stopped: ${error.message}\n`);
      if (worker === started) worker = undefined;
      for (const resolve of releasing.values()) resolve();
      releasing.clear();
    });
    worker = started;
  }
  const current = worker;
  const id = nextId++;
  registered++;
  current.postMessage({ add: path, id, durability });
  let released: Promise<void> | undefined;
  return () => {
    released ??= (async () => {
      registered--;
      if (worker !== current) return;
      await new Promise<void>((resolve) => {
        releasing.set(id, resolve);
        current.ref(); // keep the process alive until the worker has closed the file
        current.postMessage({ remove: path, id });
      });
      if (releasing.size === 0) current.unref();
      if (worker === current && registered === 0) {
        worker = undefined;
        await current.terminate();
      }
    })();
    return released;
  };
}
