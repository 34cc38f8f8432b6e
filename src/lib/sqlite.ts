// One way to open the embedded database files, so every store gets the same durability settings.
import Database from 'better-sqlite3';
import { DamagedFileError } from './files.js';
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export type SqliteDatabase = Database.Database;

/**
 * `fsync` (default): every commit is fsynced, so an acknowledged write survives a crash of the process
 * and of the machine. `os`: commits reach the OS before they are acknowledged, so they survive `kill -9`
 * of the process but not a power cut; several times faster for single small writes.
 */
export type Durability = 'fsync' | 'os';

export interface SqliteOptions {
  /** Page size for a new database file (larger pages suit append-heavy tables); ignored for existing files. */
  pageSize?: number;
}

export function openSqlite(path: string, durability: Durability = 'fsync', options: SqliteOptions = {}): SqliteDatabase {
  if (path !== ':memory:') ensureDirectory(dirname(path));
  const created = path !== ':memory:' && !existsSync(path);
  const db = new Database(path);
  // Its owner's alone, as the directory is: a copy of the file elsewhere stays so (SQLite gives the
  // -wal and -shm files the database's mode).
  if (created) chmodSync(path, 0o600);
  try {
    if (options.pageSize) db.pragma(`page_size = ${options.pageSize}`);
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${durability === 'fsync' ? 'FULL' : 'NORMAL'}`);
    db.pragma('busy_timeout = 5000');
    db.pragma('temp_store = MEMORY');
    db.pragma('cache_size = -65536');
    // A WAL file keeps its largest size unless told otherwise: a long bulk import would leave hundreds
    // of megabytes behind. After a checkpoint, cut it back to 64 MiB.
    db.pragma('journal_size_limit = 67108864');
  } catch (error) {
    db.close();
    const code = (error as { code?: string }).code;
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') throw new DamagedDatabaseError(path, (error as Error).message);
    throw error;
  }
  return db;
}

/**
 * Make the database's write-ahead log exist now, with its header synced, by a write that changes
 * nothing (the header's user_version, set to what it is). The first commit into a new log syncs that
 * header, and right after a bulk write the sync waits for the file system to flush everything dirty;
 * a server does it here, before its first request, rather than inside that request's budget. A file
 * that does not exist yet is left alone.
 */
export function startWriteAheadLog(path: string, durability: Durability): void {
  if (!existsSync(path)) return;
  const db = openSqlite(path, durability);
  try {
    const version = db.pragma('user_version', { simple: true }) as number;
    db.pragma(`user_version = ${version}`);
  } finally {
    db.close();
  }
}

/** A file riskgate should read as an SQLite database is not one (overwritten, truncated, damaged). */
export class DamagedDatabaseError extends DamagedFileError {
  constructor(path: string, detail: string) {
    super(path, `${path} is not a readable SQLite database (${detail}): restore it from a backup, or move it away to start it afresh`);
    this.name = 'DamagedDatabaseError';
  }
}

/**
 * Create a directory (and its missing parents). One level is made without `recursive`: Node's
 * recursive mkdir loops forever under /proc, where a missing entry cannot be created.
 */
function ensureDirectory(dir: string): void {
  if (existsSync(dir)) return;
  // Its owner's alone: the databases hold users' messages, addresses and the audit trail.
  if (existsSync(dirname(dir))) mkdirSync(dir, { mode: 0o700 });
  else mkdirSync(dir, { recursive: true, mode: 0o700 });
}
