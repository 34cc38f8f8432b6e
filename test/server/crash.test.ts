// kill -9 the server under load; after a restart every acknowledged decision and event is there.
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { backupDataDir } from '../../src/runtime/backup.js';
import { openService } from '../../src/runtime/service.js';
import { booking } from '../support/server.js';
import { startChildServer } from '../support/child-server.js';
import { copyWorld } from '../support/world.js';

const world = copyWorld(inject('worldTemplate'));
afterAll(() => world.remove());

describe('server crash durability', () => {
  it('keeps every acknowledged decision and event after kill -9 under load', async () => {
    const child = await startChildServer(world.dir);
    const url = child.url;
    const headers = { authorization: `Bearer ${child.token}`, 'content-type': 'application/json' };
    const decisions = new Map<string, string>(); // decision id → event id
    const events = new Set<string>();
    let stop = false;
    const client = async (n: number) => {
      for (let i = 0; !stop; i++) {
        try {
          if (i % 3 === 0) {
            const login = { id: `crash_login_${n}_${i}`, type: 'login', ts: booking().ts, entities: { user: `u_crash_${n}`, device: 'd_crash', ip: '198.51.100.1' }, payload: { success: true } };
            const r = await fetch(`${url}/v1/events`, { method: 'POST', headers, body: JSON.stringify(login) });
            if (r.status === 200) events.add(login.id);
          } else {
            const request = booking({ id: `crash_booking_${n}_${i}`, user: `u_crash_${n}` });
            const r = await fetch(`${url}/v1/decisions`, { method: 'POST', headers, body: JSON.stringify(request) });
            if (r.status === 200) decisions.set(((await r.json()) as { decision_id: string }).decision_id, request.id);
          }
        } catch {
          return; // the server is gone: anything not acknowledged does not count
        }
      }
    };
    const clients = Array.from({ length: 8 }, (_, n) => client(n));
    while (decisions.size < 300) await new Promise((r) => setTimeout(r, 20));
    await child.kill();
    stop = true;
    await Promise.all(clients);

    const service = await openService(world.dir, {});
    try {
      for (const [decisionId, eventId] of decisions) {
        expect((await service.decisions.get(decisionId))?.decision.event_id, decisionId).toBe(eventId);
        expect(await service.embedded.log.get(eventId), eventId).toBeDefined();
      }
      for (const id of events) expect(await service.embedded.log.get(id), id).toBeDefined();
      // The online features caught up with the whole log after the restart (snapshot + replay of the tail).
      expect(service.embedded.features.engine.appliedSeq).toBe(await service.embedded.log.lastSeq());
    } finally {
      await service.close();
    }
  });

  it('refuses to start on an event log that lost events its decisions are kept under (its -wal deleted after a crash)', async () => {
    const lost = copyWorld(inject('worldTemplate'));
    const before = mkdtempSync(join(tmpdir(), 'rg-lost-'));
    const logFiles = (dir: string) => readdirSync(dir).filter((name) => name.startsWith('events.db') || name.endsWith('.snapshot'));
    try {
      for (const name of logFiles(lost.dir)) copyFileSync(join(lost.dir, name), join(before, name));
      const service = await openService(lost.dir, {});
      expect((await service.decider.decide(booking({ id: 'lost_booking_1' }))).decision.event_id).toBe('lost_booking_1');
      await service.close();
      // The log and the feature snapshot as they were before that decision; the decision kept.
      for (const name of logFiles(lost.dir)) rmSync(join(lost.dir, name));
      for (const name of readdirSync(before)) copyFileSync(join(before, name), join(lost.dir, name));
      await expect(openService(lost.dir, {})).rejects.toThrow(/the event log ends at seq (\d+), but decisions\.db holds decisions up to seq \d+: events\.db has lost acknowledged events.*Restore the whole data directory from one backup/);
      for (const name of readdirSync(lost.dir).filter((n) => n.startsWith('decisions.db'))) rmSync(join(lost.dir, name));
      await expect(openService(lost.dir, {})).rejects.toThrow(/but feature-log\.db holds feature vectors served up to seq \d+/);
      // What the message says to do: serve a whole data directory from one backup (here, of the crash test's).
      const restored = join(before, 'restored');
      await backupDataDir(world.dir, restored);
      const reopened = await openService(restored, {});
      expect(reopened.embedded.features.engine.appliedSeq).toBe(await reopened.embedded.log.lastSeq());
      await reopened.close();
    } finally {
      lost.remove();
      rmSync(before, { recursive: true, force: true });
    }
  });
});
