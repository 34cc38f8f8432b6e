// npm start's first step: a simulation stopped halfway is run again to its end at the next start.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { simulateOnce } from '../../src/cli/start.js';
import { runSimulation } from '../../src/cli/simulate.js';
import { openEmbedded } from '../../src/runtime/embedded.js';

const dirs: string[] = [];
const fresh = () => {
  const dir = mkdtempSync(join(tmpdir(), 'rg-start-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const small = { days: 4, users: 200, hosts: 10, start: Date.UTC(2026, 5, 1) };

describe('start: simulate once', () => {
  it('finishes at the next start a simulation a stopped start left halfway, and reuses a finished one', async () => {
    const whole = await openEmbedded(fresh());
    await simulateOnce(whole.dir, whole, small);
    const total = await whole.log.count();
    await whole.close();

    // A start stopped during its simulation: the marker written, the log holding a prefix.
    const dir = fresh();
    const cut = await openEmbedded(dir);
    writeFileSync(join(dir, 'start-simulation.json'), JSON.stringify({ ...small, done: false }));
    let ingested = 0;
    await expect(
      runSimulation(small, {
        ingest: async (batch) => {
          const room = Math.floor(total / 2) - ingested;
          ingested += Math.min(room, batch.length);
          await cut.features.ingest(batch.slice(0, room));
          if (room < batch.length) throw new Error('stopped');
          return [];
        },
      }),
    ).rejects.toThrow('stopped');
    const partial = await cut.log.count();
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(total);
    await simulateOnce(dir, cut, { ...small, start: Date.UTC(2026, 6, 1) }); // today has moved on: the stopped one is finished as it was
    expect(await cut.log.count()).toBe(total);
    await simulateOnce(dir, cut, small);
    expect(await cut.log.count()).toBe(total);
    await cut.close();
  });
});
