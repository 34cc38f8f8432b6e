import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
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
});
