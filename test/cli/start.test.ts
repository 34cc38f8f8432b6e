// npm start's reuse of earlier starts: a simulation stopped halfway is run again to its end at the
// next start; an active model this version cannot serve is replaced, one it can is reused.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { activeModelToReuse, simulateOnce, startBanner } from '../../src/cli/start.js';
import { sealArtifact } from '../../src/models/index.js';
import { openService } from '../../src/runtime/service.js';
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
    // A marker cut short (a power cut while it was written, before it was written whole-or-not-at-all):
    // whether the simulation finished is unknown, and the start says what to do instead of guessing.
    writeFileSync(join(dir, 'start-simulation.json'), '');
    await expect(simulateOnce(dir, cut, small)).rejects.toThrow(/start-simulation\.json is damaged.*delete the file if it did, or the whole data directory to start over/);
    await cut.close();
  });
});

describe('start: the model', () => {
  it('reuses an active model it can serve, and replaces one trained on features this version computes otherwise', async () => {
    const service = await openService(fresh(), {});
    try {
      const graph = (featureSetVersion: string) =>
        sealArtifact({
          name: 'checkout',
          createdAt: Date.now(),
          featureSetVersion,
          inputs: ['amount_vs_user_mean', 'account_age_days', 'user_failed_payments_10m'],
          body: { kind: 'onnx', onnx: readFileSync(new URL('../fixtures/onnx/logistic.onnx', import.meta.url)).toString('base64'), inputName: 'features', outputName: 'probability', output: 'probability' },
          calibration: { kind: 'identity' },
          policy: { block: 0.9, review: 0.5 },
          training: { source: 'onnx' },
          metrics: {},
        });
      expect(await activeModelToReuse(service, 'checkout')).toEqual({});
      const servable = graph(service.embedded.featureSet.version);
      await service.embedded.models.register(servable, 'test');
      await service.embedded.models.promote(servable.id, 'active', { actor: 'test' });
      await service.reloadModels();
      expect((await activeModelToReuse(service, 'checkout')).reuse?.artifact.id).toBe(servable.id);
      // Trained on a feature set version this riskgate does not serve (an older engine's, say).
      const stale = graph('fs_0ld0ld0ld0ld');
      await service.embedded.models.register(stale, 'test');
      await service.embedded.models.promote(stale.id, 'active', { actor: 'test' });
      await service.reloadModels();
      const decision = await activeModelToReuse(service, 'checkout');
      expect([decision.reuse, decision.replace?.model.artifact.id, decision.replace?.reason]).toEqual([undefined, stale.id, expect.stringMatching(/fs_0ld0ld0ld0ld/)]);
      // Trained on these very definitions, as an earlier feature engine versioned them: its inputs were
      // computed otherwise, so it is replaced too, with a message that says so.
      const { embedded } = service;
      const served = embedded.featureSet;
      await embedded.featureSets.register('fs_ea71e7e4917e', { name: served.name, scored: [...served.scored], features: served.definitions });
      const earlierEngine = graph('fs_ea71e7e4917e');
      await embedded.models.register(earlierEngine, 'test');
      await embedded.models.promote(earlierEngine.id, 'active', { actor: 'test' });
      await service.reloadModels();
      expect((await activeModelToReuse(service, 'checkout')).replace?.reason).toMatch(/computed by an earlier version of riskgate's feature engine .*: retrain it/);
    } finally {
      await service.close();
    }
  });
});

describe('start: what it prints', () => {
  it('prints the admin key when it made it; later starts name its file, and the sample curl reads it from there', () => {
    const first = startBanner({ url: 'http://127.0.0.1:8080', dir: 'data', token: 'rg_secret', file: 'data/admin.key' });
    expect(first).toContain('API key       rg_secret   (kept in data/admin.key; later starts do not print it)');
    expect(first).toContain("-H 'authorization: Bearer rg_secret'");

    const dir = fresh();
    const file = join(dir, 'admin key');
    writeFileSync(file, 'rg_from_file\n');
    const later = startBanner({ url: 'http://127.0.0.1:8080', dir, file });
    expect(later).not.toContain('rg_from_file');
    expect(later).toContain(`API key       in ${file}`);
    // The sample works as printed: run with echo in place of curl, the header carries the key.
    const command = later.slice(later.indexOf('curl -s'), later.indexOf("\n\nStop")).replace('curl -s', 'printf "%s\\n"');
    expect(execFileSync('/bin/sh', ['-c', command], { encoding: 'utf8' })).toContain('authorization: Bearer rg_from_file');
  });
});
