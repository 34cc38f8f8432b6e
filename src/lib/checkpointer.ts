// WAL checkpoints off the event loop. With `os` durability the writers commit on the main thread, and
// SQLite's automatic checkpoint runs inside whichever commit crosses the threshold: it copies the WAL
// into the database file and fsyncs both, a 10–100 ms stall for every request in the process. Here one
// worker thread per process checkpoints the files it is given (PASSIVE: writers keep appending
// meanwhile) whenever more than CHECKPOINT_AT_BYTES of a WAL's frames are not in the database file yet;
// the writers' own automatic checkpoint stays on, at a much larger threshold, only as a safety net
// should the worker fall far behind.
//
// What is pending is worked out from the -wal file's valid frames and what the last checkpoint copied:
// the size of the -wal file says nothing, since journal_size_limit keeps it at up to 64 MiB after a
// checkpoint — judged by size, every file was checkpointed 20 times a second, each time with fsyncs,
// and the writers restarting their WALs fsynced on the main thread (stalls of 60–140 ms under load).
// Measured with strace over 10 s of the decision benchmark's load: 2,111 fsyncs before, 99–158 after.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Durability } from './sqlite.js';

/** A WAL with more than this not yet in the database file is checkpointed by the worker. */
export const CHECKPOINT_AT_BYTES = 4 * 1024 * 1024;
/** The writers' own automatic checkpoint, in pages: only reached if the worker falls behind. */
export const SAFETY_NET_PAGES = 8192;
const POLL_MS = 50;
/** While a WAL is longer than CHECKPOINT_AT_BYTES, what it gains is checkpointed this often as well. */
const CATCH_UP_MS = 100;

// Plain CommonJS source, like the SQLite writer's worker: it runs the same under tsc output, tsx and vitest.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { closeSync, fstatSync, openSync, readSync } = require('node:fs');
const Database = require(workerData.driver);
const header = Buffer.alloc(32);
const frameHeader = Buffer.alloc(24);
// The WAL's valid frames (https://www.sqlite.org/walformat.html; big-endian): the frames carrying the
// header's salts, a prefix of the file (a WAL that started over rewrites it from the front with new
// salts). Found by binary search over frame headers. Only the -wal file is read: SQLite keeps its
// POSIX locks on the -shm file, and closing any descriptor of a file drops every such lock the
// process holds on it — a server that polled its -shm lost its locks, and another process opening
// the database then rebuilt the -shm under it (SIGBUS).
function walFrames(path) {
  let fd;
  try { fd = openSync(path + '-wal', 'r'); } catch { return undefined; }
  try {
    if (readSync(fd, header, 0, 32, 0) < 32) return undefined;
    const magic = header.readUInt32BE(0);
    if (magic !== 0x377f0682 && magic !== 0x377f0683) return undefined;
    const frameBytes = header.readUInt32BE(8) + 24;
    const salt1 = header.readUInt32BE(16);
    const salt2 = header.readUInt32BE(20);
    let lo = 0;
    let hi = Math.floor((fstatSync(fd).size - 32) / frameBytes);
    while (lo < hi) {
      const mid = Math.floor((lo + hi + 1) / 2);
      const read = readSync(fd, frameHeader, 0, 24, 32 + (mid - 1) * frameBytes);
      if (read === 24 && frameHeader.readUInt32BE(8) === salt1 && frameHeader.readUInt32BE(12) === salt2) lo = mid;
      else hi = mid - 1;
    }
    return { frames: lo, frameBytes, salt: salt1 * 4294967296 + salt2 };
  } finally {
    closeSync(fd);
  }
}
const files = new Map(); // path -> { db, ids }
parentPort.on('message', (message) => {
  if (message.add) {
    let entry = files.get(message.add);
    if (!entry) {
      const db = new Database(message.add);
      db.pragma('busy_timeout = 5000');
      db.pragma('synchronous = ' + (message.durability === 'fsync' ? 'FULL' : 'NORMAL'));
      entry = { db, ids: new Set(), last: 0 };
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
  const now = Date.now();
  for (const [path, entry] of files) {
    const found = walFrames(path);
    if (found === undefined) continue;
    // Frames copied by this worker's last checkpoint of the same WAL are not pending (one copied by
    // another connection since only makes a checkpoint come early, which then copies nothing).
    const copied = entry.copied !== undefined && entry.copied.salt === found.salt ? entry.copied.frames : 0;
    const wal = { pending: Math.max(0, found.frames - copied) * found.frameBytes, length: found.frames * found.frameBytes };
    if (wal.pending === 0) continue;
    // A WAL starts over only when a write finds every frame copied: under steady writes a checkpoint
    // rarely ends in that state, so while the log is long it is also caught up in small steps, a few
    // times a second — each a chance to start over before the writers' safety net does it in a commit.
    const due = wal.pending >= workerData.threshold || (wal.length >= workerData.threshold && now - entry.last >= workerData.catchUpMs);
    if (!due) continue;
    entry.last = now;
    try {
      const [result] = entry.db.pragma('wal_checkpoint(PASSIVE)');
      entry.copied = { salt: found.salt, frames: result && result.checkpointed >= 0 ? result.checkpointed : 0 };
      parentPort.postMessage({ checkpointed: path });
    } catch (error) {
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
const checkpoints = new Map<string, number>();

/** Checkpoints the worker has made of `path` in this process (what the tests watch). */
export function checkpointsOf(path: string): number {
  return checkpoints.get(path) ?? 0;
}

/**
 * Checkpoint the WAL of `path` in the background until the returned release function is called; it
 * resolves once the worker has let go of the file (and the worker has stopped, when nothing else uses it).
 */
export function checkpointInBackground(path: string, durability: Durability): () => Promise<void> {
  if (!worker) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const started = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver, threshold: CHECKPOINT_AT_BYTES, pollMs: POLL_MS, catchUpMs: CATCH_UP_MS } });
    started.unref();
    started.on('message', (message: { removed?: number; error?: string; checkpointed?: string }) => {
      if (message.checkpointed !== undefined) checkpoints.set(message.checkpointed, checkpointsOf(message.checkpointed) + 1);
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
