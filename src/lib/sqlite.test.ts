import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileAtomic } from './files.js';
import { openSqlite } from './sqlite.js';

const root = mkdtempSync(join(tmpdir(), 'rg-sqlite-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('openSqlite', () => {
  it("makes a missing data directory, and its missing parents, its owner's alone", () => {
    for (const dir of [join(root, 'data'), join(root, 'a', 'b', 'data')]) {
      openSqlite(join(dir, 'x.db'), 'os').close();
      expect((statSync(dir).mode & 0o777).toString(8), dir).toBe('700');
    }
    expect((statSync(join(root, 'a')).mode & 0o777).toString(8)).toBe('700');
  });

  it("makes a new database file, and its write-ahead log, its owner's alone; an existing file keeps its mode", () => {
    const path = join(root, 'data', 'new.db');
    const db = openSqlite(path, 'os');
    db.exec('CREATE TABLE t (x)');
    for (const file of [path, `${path}-wal`]) expect((statSync(file).mode & 0o777).toString(8), file).toBe('600');
    db.close();
    chmodSync(path, 0o640);
    openSqlite(path, 'os').close();
    expect((statSync(path).mode & 0o777).toString(8)).toBe('640');
  });

  it('writes files of the data directory whole and its owner\'s alone', () => {
    const path = join(root, 'data', 'snapshot');
    writeFileAtomic(path, 'state');
    expect([readFileSync(path, 'utf8'), (statSync(path).mode & 0o777).toString(8)]).toEqual(['state', '600']);
  });
});
