import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqlite } from '../lib/sqlite.js';
import { backupDataDir, databaseFiles } from './backup.js';

const root = mkdtempSync(join(tmpdir(), 'rg-backup-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function rows(path: string): number {
  const db = openSqlite(path, 'os');
  try {
    return (db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('backupDataDir', () => {
  it('copies every database as of one moment, whatever is committed to any of them while it copies', async () => {
    const dir = join(root, 'data');
    for (const path of databaseFiles(dir)) {
      const db = openSqlite(path, 'os');
      db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
      const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
      db.transaction(() => {
        for (let i = 0; i < 3_000; i++) insert.run('x'.repeat(2_000)); // several copy steps each
      })();
      db.close();
    }
    mkdirSync(join(dir, 'models'));
    writeFileSync(join(dir, 'models', 'm1.rows.json'), '[]');
    writeFileSync(join(dir, 'features-fs_1.snapshot'), 'snapshot');
    writeFileSync(join(dir, 'server.lock'), '1\n');
    writeFileSync(join(dir, 'admin.key'), 'rg_secret\n', { mode: 0o600 });
    // Another writer commits to every database between the copy's steps.
    const writers = databaseFiles(dir).map((path) => openSqlite(path, 'os'));
    let commits = 0;
    const report = await backupDataDir(join(dir), join(root, 'copy'), {
      onProgress: () => {
        for (const w of writers) w.prepare('INSERT INTO t (v) VALUES (?)').run('later');
        commits++;
      },
    });
    for (const w of writers) w.close();
    expect(commits).toBeGreaterThan(4);
    for (const path of databaseFiles(dir)) expect(rows(path)).toBe(3_000 + commits);
    for (const path of databaseFiles(join(root, 'copy'))) expect(rows(path), path).toBe(3_000);
    expect(readdirSync(join(root, 'copy')).sort()).toEqual(['admin.key', 'decisions.db', 'events.db', 'feature-log.db', 'features-fs_1.snapshot', 'models', 'riskgate.db']);
    expect(statSync(join(root, 'copy', 'admin.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(root, 'copy')).mode & 0o777).toBe(0o700);
    expect(report.files.map((f) => f.name)).toContain('models');
    expect(report.bytes).toBeGreaterThan(4 * 3_000 * 2_000);
  });

  it('leaves nothing behind when it fails, and refuses what is not a new directory beside a data directory', async () => {
    const dir = join(root, 'damaged');
    mkdirSync(dir);
    await expect(backupDataDir(dir, join(root, 'damaged-copy'))).rejects.toThrow(`${dir} is not a riskgate data directory (it has no events.db)`);
    writeFileSync(join(dir, 'events.db'), '');
    writeFileSync(join(dir, 'riskgate.db'), 'not a database');
    await expect(backupDataDir(dir, join(root, 'damaged-copy'))).rejects.toThrow(/riskgate\.db/);
    expect(readdirSync(root).filter((n) => n.startsWith('damaged-copy'))).toEqual([]);
    mkdirSync(join(root, 'empty'));
    await expect(backupDataDir(join(root, 'data'), join(root, 'empty'))).rejects.toThrow('already exists: a backup goes to a new directory');
    await expect(backupDataDir(join(root, 'data'), join(root, 'no', 'such', 'parent'))).rejects.toThrow(`${join(root, 'no', 'such')} does not exist`);
    mkdirSync(join(root, 'left.partial'));
    await expect(backupDataDir(join(root, 'data'), join(root, 'left'))).rejects.toThrow('left.partial is left from an interrupted backup: delete it first');
  });

  it('an interrupted backup leaves only its .partial directory, and none once the process exits', async () => {
    const script = `
      import { backupDataDir } from './src/runtime/backup.ts';
      backupDataDir(${JSON.stringify(join(root, 'data'))}, ${JSON.stringify(join(root, 'interrupted'))}, { onProgress: () => process.exit(130) });
    `;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(child.status, child.stderr).toBe(130);
    expect(readdirSync(root).filter((n) => n.startsWith('interrupted'))).toEqual([]);
  });
});
