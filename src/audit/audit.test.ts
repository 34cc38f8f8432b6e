import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqlite } from '../lib/sqlite.js';
import { SqliteWriter, type WriterMode } from '../lib/sqlite-writer.js';
import { SqliteAuditLog } from './stores/sqlite.js';

async function filled() {
  const db = openSqlite(':memory:');
  let clock = 1_000;
  const log = new SqliteAuditLog(db, () => clock++);
  await log.append({ actor: 'alice', action: 'model.promote', subject: 'm_1', details: { stage: 'active' } });
  await log.append({ actor: 'bob', action: 'rule.update', subject: 'big_amount', details: { version: 2 } });
  await log.append({ actor: 'carol', action: 'case.decide', subject: 'case_7', details: { verdict: 'fraud' } });
  await log.append({ actor: 'svc', action: 'kill_switch', subject: 'serving', details: { enabled: true } });
  return { db, log };
}

describe('audit trail', () => {
  it('chains entries and verifies an untouched log', async () => {
    const { log } = await filled();
    expect(await log.verify()).toMatchObject({ ok: true, entries: 4, problems: [] });
    expect((await log.list({ limit: 2 })).map((e) => e.action)).toEqual(['kill_switch', 'case.decide']);
  });

  it('catches a flipped byte', async () => {
    const { db, log } = await filled();
    const details = (db.prepare('SELECT details FROM audit_log WHERE seq = 2').get() as { details: string }).details;
    db.prepare('UPDATE audit_log SET details = ? WHERE seq = 2').run(details.replace('2', '3'));
    const result = await log.verify();
    expect(result.ok).toBe(false);
    expect(result.problems).toContain('entry 2: its content does not match its hash (altered)');
  });

  it('catches stored details that parse to what was hashed but are not what was written (a repeated key)', async () => {
    const { db, log } = await filled();
    // JSON.parse keeps the last "verdict", SQLite's json_extract the first: readers would disagree.
    db.prepare('UPDATE audit_log SET details = ? WHERE seq = 3').run('{"verdict":"legit","verdict":"fraud"}');
    expect(db.prepare("SELECT json_extract(details, '$.verdict') AS v FROM audit_log WHERE seq = 3").get()).toEqual({ v: 'legit' });
    const result = await log.verify();
    expect([result.ok, result.problems]).toEqual([false, ['entry 3: its stored details are not the text that was written (edited in the database: a repeated key, changed spacing)']]);
  });

  it('catches a deleted entry', async () => {
    const { db, log } = await filled();
    db.prepare('DELETE FROM audit_log WHERE seq = 3').run();
    const result = await log.verify();
    expect(result.ok).toBe(false);
    expect(result.problems.join('\n')).toMatch(/entry 4: expected entry 3 here/);
  });

  it('catches the newest entries removed, given a head recorded earlier as the anchor', async () => {
    const { db, log } = await filled();
    const { head } = await log.verify();
    expect(head).toMatchObject({ seq: 4 });
    expect((await log.verify(head!)).ok).toBe(true);
    db.prepare('DELETE FROM audit_log WHERE seq = 4').run();
    // Without the anchor a cut-off chain still looks whole; with it, the cut shows.
    expect((await log.verify()).ok).toBe(true);
    expect(await log.verify(head!)).toMatchObject({ ok: false, problems: ['entry 4: the anchor is missing (the newest entries were removed)'] });
    expect((await log.verify({ seq: 3, hash: head!.hash })).problems).toEqual(['entry 3: is not the entry recorded as the anchor (its hash differs)']);
  });

  it('catches a swapped pair', async () => {
    const { db, log } = await filled();
    const a = db.prepare('SELECT * FROM audit_log WHERE seq = 2').get() as Record<string, unknown>;
    const b = db.prepare('SELECT * FROM audit_log WHERE seq = 3').get() as Record<string, unknown>;
    const put = db.prepare('UPDATE audit_log SET at = ?, actor = ?, action = ?, subject = ?, details = ?, prev_hash = ?, hash = ? WHERE seq = ?');
    put.run(b.at, b.actor, b.action, b.subject, b.details, b.prev_hash, b.hash, 2);
    put.run(a.at, a.actor, a.action, a.subject, a.details, a.prev_hash, a.hash, 3);
    expect((await log.verify()).ok).toBe(false);
  });

  it('continues the chain after a reopen', async () => {
    const { db } = await filled();
    const reopened = new SqliteAuditLog(db);
    expect((await reopened.append({ actor: 'dave', action: 'list.add', subject: 'stolen_cards' })).seq).toBe(5);
    expect((await reopened.verify()).ok).toBe(true);
  });

  for (const mode of ['inline', 'thread'] as WriterMode[]) {
    it(`keeps one intact chain with two processes appending to one file (server with a ${mode} writer, CLI without)`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'rg-audit-'));
      const path = join(dir, 'riskgate.db');
      const serverDb = openSqlite(path, 'os');
      const cliDb = openSqlite(path, 'os');
      const writer = new SqliteWriter(path, 'os', mode);
      try {
        const server = new SqliteAuditLog(serverDb, Date.now, writer);
        const cli = new SqliteAuditLog(cliDb);
        const appended: Array<Promise<unknown>> = [];
        for (let round = 0; round < 20; round++) {
          // A burst of decisions in one group commit, and a CLI change landing in between.
          for (let i = 0; i < 5; i++) appended.push(server.append({ actor: 'riskgate', action: 'decision', subject: `dec_${round}_${i}` }));
          appended.push(cli.append({ actor: 'cli', action: 'list.add', subject: `u_${round}` }));
          if (round % 3 === 0) await Promise.all(appended);
        }
        const entries = await Promise.all(appended);
        expect(await server.verify()).toMatchObject({ ok: true, entries: 120, problems: [] });
        const subjects = (await server.list({ limit: 500 })).map((e) => e.subject);
        expect(new Set(subjects).size).toBe(120);
        // Each append resolves with the entry as stored.
        const stored = new Map((await server.list({ limit: 500 })).map((e) => [e.seq, e.hash]));
        for (const entry of entries as Array<{ seq: number; hash: string }>) expect(stored.get(entry.seq)).toBe(entry.hash);
      } finally {
        await writer.close();
        serverDb.close();
        cliDb.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
