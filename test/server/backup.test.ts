// riskgate backup while a server decides under load: the copy is a data directory a server starts from,
// holding everything acknowledged before the backup began, consistent across its databases.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { replayDecision } from '../../src/decisions/replay.js';
import { backupDataDir } from '../../src/runtime/backup.js';
import { openService } from '../../src/runtime/service.js';
import { startChildServer } from '../support/child-server.js';
import { booking } from '../support/server.js';
import { copyWorld } from '../support/world.js';

const world = copyWorld(inject('worldTemplate'));
const backups = mkdtempSync(join(tmpdir(), 'rg-backups-'));
afterAll(() => {
  world.remove();
  rmSync(backups, { recursive: true, force: true });
});

async function cli(...args: string[]): Promise<{ code: number; err: string }> {
  let err = '';
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  try {
    return { code: await main(['node', 'riskgate', '--data', world.dir, ...args]), err };
  } finally {
    stderr.mockRestore();
    log.mockRestore();
  }
}

describe('riskgate backup', () => {
  it('copies a data directory a server is writing to into one a server starts from, with everything acknowledged before it began', async () => {
    const child = await startChildServer(world.dir);
    const headers = { authorization: `Bearer ${child.token}`, 'content-type': 'application/json' };
    const decisions: Array<{ decisionId: string; eventId: string; at: number }> = [];
    const events: Array<{ id: string; at: number }> = [];
    const listed: Array<{ value: string; at: number }> = [];
    let stop = false;
    const client = async (n: number) => {
      for (let i = 0; !stop; i++) {
        if (i % 5 === 0) {
          const login = { id: `backup_login_${n}_${i}`, type: 'login', ts: booking().ts, entities: { user: `u_backup_${n}`, device: 'd_backup', ip: '198.51.100.1' }, payload: { success: true } };
          const r = await fetch(`${child.url}/v1/events`, { method: 'POST', headers, body: JSON.stringify(login) });
          if (r.status === 200) events.push({ id: login.id, at: performance.now() });
        } else if (i % 5 === 1 && n === 0) {
          // Admin changes land in riskgate.db, which decisions refer to and which refers to decisions.
          const value = `d_blocked_backup_${i}`;
          const r = await fetch(`${child.url}/v1/admin/lists/blocked_devices/entries`, { method: 'POST', headers, body: JSON.stringify({ entries: [{ value }] }) });
          if (r.status === 200) listed.push({ value, at: performance.now() });
        } else {
          const request = booking({ id: `backup_booking_${n}_${i}`, user: `u_backup_${n}` });
          const r = await fetch(`${child.url}/v1/decisions`, { method: 'POST', headers, body: JSON.stringify(request) });
          if (r.status === 200) decisions.push({ decisionId: ((await r.json()) as { decision_id: string }).decision_id, eventId: request.id, at: performance.now() });
        }
      }
    };
    const target = join(backups, 'first');
    let began = 0;
    try {
      const clients = Array.from({ length: 4 }, (_, n) => client(n));
      while (decisions.length < 200) await new Promise((r) => setTimeout(r, 20));
      began = performance.now();
      const report = await backupDataDir(world.dir, target);
      expect(report.files.map((f) => f.name)).toEqual(expect.arrayContaining(['riskgate.db', 'decisions.db', 'feature-log.db', 'events.db', 'models']));
      await new Promise((r) => setTimeout(r, 100));
      stop = true;
      await Promise.all(clients);
    } finally {
      stop = true;
      await child.kill();
    }
    // The server kept deciding while the copy was made.
    expect(decisions.filter((d) => d.at > began).length).toBeGreaterThan(0);

    const service = await openService(target, {});
    try {
      for (const d of decisions.filter((d) => d.at < began)) {
        expect((await service.decisions.get(d.decisionId))?.decision.event_id, d.decisionId).toBe(d.eventId);
      }
      for (const e of events.filter((e) => e.at < began)) expect(await service.embedded.log.get(e.id), e.id).toBeDefined();
      const entries = new Set((await service.rules.lists.entries('blocked_devices', { limit: 100_000 })).map((e) => e.value));
      for (const l of listed.filter((l) => l.at < began)) expect(entries.has(l.value), l.value).toBe(true);
      // Consistent across files: every decision's event is in the log, the features caught up with it,
      // the audit chain holds, and the latest decisions replay equal (their rules, lists and model are there).
      const copied = await service.decisions.list({ newestFirst: true, limit: 100_000 });
      expect(copied.length).toBeGreaterThan(200);
      for (const stored of copied) expect(await service.embedded.log.get(stored.decision.event_id), stored.decision.event_id).toBeDefined();
      expect(service.embedded.features.engine.appliedSeq).toBe(await service.embedded.log.lastSeq());
      expect((await service.audit.verify()).ok).toBe(true);
      // Both ways between riskgate.db and decisions.db: no decision read lists newer than the copy holds,
      // and no audit entry names a decision the copy lacks.
      const listsVersion = service.embedded.db.prepare('SELECT COALESCE(MAX(seq), 0) AS v FROM list_changes').get() as { v: number };
      for (const stored of copied) expect(stored.listsVersion ?? 0, stored.decision.decision_id).toBeLessThanOrEqual(listsVersion.v);
      const ids = new Set(copied.map((stored) => stored.decision.decision_id));
      for (const entry of await service.audit.list({ action: 'decision', limit: 100_000 })) expect(ids.has(entry.subject), entry.subject).toBe(true);
      for (const stored of copied.slice(0, 20)) {
        expect((await replayDecision(stored, await service.replayContext(stored.decision.feature_set_version))).equal, stored.decision.decision_id).toBe(true);
      }
    } finally {
      await service.close();
    }
  }, 180_000);

  it('refuses a target that is not a new directory, or inside the data directory', async () => {
    const used = join(backups, 'used');
    await backupDataDir(world.dir, used);
    expect(await cli('backup', used)).toMatchObject({ code: 2, err: expect.stringMatching(/already exists: a backup goes to a new directory/) });
    writeFileSync(join(backups, 'a-file'), 'x');
    expect(await cli('backup', join(backups, 'a-file'))).toMatchObject({ code: 2, err: expect.stringMatching(/already exists/) });
    expect(await cli('backup', join(world.dir, 'inside'))).toMatchObject({ code: 2, err: expect.stringMatching(/outside the data directory/) });
    symlinkSync(world.dir, join(backups, 'link'));
    expect(await cli('backup', join(backups, 'link', 'inside'))).toMatchObject({ code: 2, err: expect.stringMatching(/outside the data directory/) });
    mkdirSync(join(backups, 'not-data'));
    expect(await cli('--data', join(backups, 'not-data'), 'backup', join(backups, 'x'))).toMatchObject({ code: 2, err: expect.stringMatching(/is not a riskgate data directory/) });
    expect(await cli('backup', join(backups, 'second'))).toMatchObject({ code: 0 });
  }, 60_000);
});
