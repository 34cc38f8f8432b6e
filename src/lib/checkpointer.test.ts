import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CHECKPOINT_AT_BYTES, checkpointsOf } from './checkpointer.js';
import { openSqlite } from './sqlite.js';
import { SqliteWriter } from './sqlite-writer.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rg-checkpointer-'));
  dirs.push(dir);
  return join(dir, 'data.db');
}

async function until(condition: () => boolean, ms = 5000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return condition();
}

const ROW = 'x'.repeat(2000);

async function fill(writer: SqliteWriter, bytes: number, from = 0): Promise<number> {
  const rows = Math.ceil(bytes / ROW.length);
  for (let i = 0; i < rows; i += 500) {
    await writer.run({ sql: 'INSERT INTO t (id, body) VALUES (?, ?)', rows: Array.from({ length: Math.min(500, rows - i) }, (_, k) => [from + i + k, ROW]) });
  }
  return rows;
}

describe('background WAL checkpoints (os durability)', () => {
  it('a WAL past the threshold is copied into the database file by the worker, not by a commit', async () => {
    const path = tempFile();
    const reader = openSqlite(path, 'os');
    reader.exec('CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
    const writer = new SqliteWriter(path, 'os');
    const before = statSync(path).size;
    // Past the worker's threshold, far below the writers' own safety-net checkpoint (8192 pages).
    const rows = await fill(writer, 2 * CHECKPOINT_AT_BYTES);
    expect(await until(() => statSync(path).size > CHECKPOINT_AT_BYTES), 'the database file received the WAL').toBe(true);
    expect(statSync(path).size).toBeGreaterThan(before);
    // Writes go on while and after it checkpoints; nothing is lost.
    const more = await fill(writer, CHECKPOINT_AT_BYTES, rows);
    expect((reader.prepare('SELECT COUNT(*) AS n FROM t').get() as { n: number }).n).toBe(rows + more);
    await writer.close();
    reader.close();
  });

  it('checkpoints again only once new frames pile up, not while a large WAL file merely remains', async () => {
    const path = tempFile();
    const reader = openSqlite(path, 'os');
    reader.exec('CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
    const writer = new SqliteWriter(path, 'os');
    try {
      const rows = await fill(writer, 2 * CHECKPOINT_AT_BYTES);
      expect(await until(() => checkpointsOf(path) >= 1)).toBe(true);
      const settled = checkpointsOf(path);
      // The -wal file keeps its size after a checkpoint (journal_size_limit is 64 MiB): the worker polls
      // every 50 ms, and must not checkpoint it again and again.
      expect(statSync(`${path}-wal`).size).toBeGreaterThan(CHECKPOINT_AT_BYTES);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(checkpointsOf(path)).toBe(settled);
      await fill(writer, 2 * CHECKPOINT_AT_BYTES, rows);
      expect(await until(() => checkpointsOf(path) > settled)).toBe(true);
    } finally {
      await writer.close();
      reader.close();
    }
  });

  it.runIf(existsSync('/proc/locks'))("keeps SQLite's locks: the worker never closes a descriptor of the -shm file (that would drop the process's POSIX locks on it)", async () => {
    const path = tempFile();
    const reader = openSqlite(path, 'os');
    reader.exec('CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
    const writer = new SqliteWriter(path, 'os');
    // SQLite holds a shared lock on byte 128 of the -shm while the database is open ("someone is
    // connected"); other locks there come and go as it works. /proc/locks: "1: POSIX ADVISORY READ
    // <pid> <major>:<minor>:<inode> <start> <end>".
    const connected = () => {
      const inode = statSync(`${path}-shm`).ino;
      return readFileSync('/proc/locks', 'utf8')
        .split('\n')
        .map((line) => line.trim().split(/\s+/))
        .some((f) => f[1] === 'POSIX' && f[3] === 'READ' && f[4] === String(process.pid) && f[5]?.endsWith(`:${inode}`) && Number(f[6]) <= 128 && (f[7] === 'EOF' || Number(f[7]) >= 128));
    };
    try {
      expect(connected()).toBe(true);
      const rows = await fill(writer, 2 * CHECKPOINT_AT_BYTES);
      expect(await until(() => checkpointsOf(path) >= 1)).toBe(true);
      await fill(writer, 1000, rows);
      // Several polls of the worker, the lock looked at after each.
      for (let i = 0; i < 6; i++) {
        await new Promise((resolve) => setTimeout(resolve, 60));
        expect(connected(), `after poll ${i}`).toBe(true);
      }
    } finally {
      await writer.close();
      reader.close();
    }
  });

  it('two writers on one file: closing one leaves the other checkpointed; a writer after all closed starts the worker again', async () => {
    const first = tempFile();
    const setup = openSqlite(first, 'os');
    setup.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
    setup.close();
    const a = new SqliteWriter(first, 'os');
    const b = new SqliteWriter(first, 'os');
    await fill(a, 1000);
    await a.close();
    // b still writes, and its file is still checkpointed in the background.
    const rows = await fill(b, 2 * CHECKPOINT_AT_BYTES, 10);
    expect(await until(() => statSync(first).size > CHECKPOINT_AT_BYTES)).toBe(true);
    await b.close();

    const second = tempFile();
    const again = openSqlite(second, 'os');
    again.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
    const c = new SqliteWriter(second, 'os');
    await fill(c, 2 * CHECKPOINT_AT_BYTES);
    expect(await until(() => statSync(second).size > CHECKPOINT_AT_BYTES)).toBe(true);
    await c.close();
    expect(rows).toBeGreaterThan(0);
    again.close();
  });
});
