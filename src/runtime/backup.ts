// A copy of a data directory that is itself a data directory, taken while a server writes to it.
//
// The databases refer to each other both ways: a decision names its event's seq (events.db) and the
// rules, lists and models it used (riskgate.db); a case and an audit entry name a decision. So no order
// of copying one file after another is consistent. Instead a read transaction is begun on every database
// back to back — in WAL mode each then reads the database as of that moment however long the copy takes
// and whatever the server commits meanwhile — and each is copied from inside it (SQLite's online backup,
// which reads through the open transaction and so never restarts). The copies are as of moments a few
// microseconds apart: a state a crash could leave, which a server starts from (docs/OPERATIONS.md).
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { eventLogPath } from '../lib/config.js';
import { openSqlite, type SqliteDatabase } from '../lib/sqlite.js';

/** The databases of a data directory; events.db is where the event log lives. */
export function databaseFiles(dir: string): string[] {
  return [join(dir, 'riskgate.db'), join(dir, 'decisions.db'), join(dir, 'feature-log.db'), eventLogPath(dir)];
}

export interface BackupReport {
  files: Array<{ name: string; bytes: number }>;
  bytes: number;
}

export interface BackupOptions {
  /** Pages copied so far of the databases' total, after each step. */
  onProgress?: (done: number, total: number) => void;
}

const PAGES_PER_STEP = 1024;

export async function backupDataDir(dir: string, target: string, options: BackupOptions = {}): Promise<BackupReport> {
  if (!existsSync(eventLogPath(dir))) throw new BackupError(`${dir} is not a riskgate data directory (it has no events.db)`);
  if (existsSync(target)) throw new BackupError(`${target} already exists: a backup goes to a new directory`);
  const parent = dirname(resolve(target));
  if (!existsSync(parent)) throw new BackupError(`${parent} does not exist: make it first (a backup goes to a new directory inside an existing one)`);
  // Written beside the target and renamed into place whole: an interrupted backup (Ctrl-C, kill -9, a
  // full disk) never leaves a directory under the target's name that looks like a backup.
  const partial = `${target}.partial`;
  if (existsSync(partial)) throw new BackupError(`${partial} is left from an interrupted backup: delete it first`);
  mkdirSync(partial, { mode: 0o700 });
  const abandon = () => rmSync(partial, { recursive: true, force: true });
  process.once('exit', abandon);
  const copied: string[] = [];
  try {
    // The feature snapshots first: each then holds no event the copy of events.db lacks (a server
    // refuses a snapshot ahead of its log). A snapshot is rewritten whole and renamed into place, so a
    // copy is one whole snapshot.
    for (const name of readdirSync(dir).filter((n) => /^features-.*\.snapshot$/.test(n))) {
      copyFileSync(join(dir, name), join(partial, name));
      copied.push(name);
    }
    const sources: Array<{ name: string; db: SqliteDatabase }> = [];
    try {
      for (const path of databaseFiles(dir)) {
        if (existsSync(path)) sources.push({ name: basename(path), db: openSqlite(path, 'os') });
      }
      for (const source of sources) {
        source.db.exec('BEGIN');
        source.db.prepare('SELECT count(*) FROM sqlite_master').get(); // the read that fixes the transaction's moment
      }
      // Files the databases point at, copied once those moments are fixed so that none is missing:
      // each registered model's scored rows, reports, what npm start simulated and the admin key it made.
      for (const name of ['models', 'reports', 'start-simulation.json', 'admin.key']) {
        if (!existsSync(join(dir, name))) continue;
        cpSync(join(dir, name), join(partial, name), { recursive: true });
        copied.push(name);
      }
      const pages = sources.map((s) => s.db.pragma('page_count', { simple: true }) as number);
      const total = pages.reduce((a, b) => a + b, 0);
      let before = 0;
      for (const [i, source] of sources.entries()) {
        await source.db
          .backup(join(partial, source.name), {
            progress: ({ totalPages, remainingPages }) => {
              options.onProgress?.(before + totalPages - remainingPages, total);
              return PAGES_PER_STEP;
            },
          })
          .catch((error: unknown) => {
            throw new BackupError(`copying ${source.name} to ${partial}: ${(error as Error).message}`);
          });
        before += pages[i]!;
        copied.push(source.name);
      }
    } finally {
      for (const source of sources) {
        if (source.db.inTransaction) source.db.exec('COMMIT');
        source.db.close();
      }
    }
    for (const name of copied.filter((n) => n.endsWith('.db'))) {
      const copy = openSqlite(join(partial, name), 'os');
      try {
        const check = copy.pragma('quick_check', { simple: true });
        if (check !== 'ok') throw new BackupError(`the copy of ${name} fails SQLite's check (${String(check)}): the source may be damaged`);
      } finally {
        copy.close();
      }
      // What the check's connection may leave: an empty log and its index, not part of the copy.
      const wal = join(partial, `${name}-wal`);
      if (existsSync(wal) && statSync(wal).size === 0) rmSync(wal);
      rmSync(join(partial, `${name}-shm`), { force: true });
    }
    renameSync(partial, target);
  } catch (error) {
    abandon();
    throw error;
  } finally {
    process.off('exit', abandon);
  }
  const files = copied.map((name) => ({ name, bytes: sizeOf(join(target, name)) }));
  return { files, bytes: files.reduce((sum, f) => sum + f.bytes, 0) };
}

function sizeOf(path: string): number {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.size;
  return readdirSync(path).reduce((sum, name) => sum + sizeOf(join(path, name)), 0);
}

export class BackupError extends Error {
  override name = 'BackupError';
}
