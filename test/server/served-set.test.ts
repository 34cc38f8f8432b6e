// A decision keeps being read with the feature set it was made with after the server serves another
// (serve --feature-set): replay and the case page lay its stored vector out by that set.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, inject } from 'vitest';
import { FeatureSet, MARKETPLACE_FEATURE_SET, type WindowedFeature } from '../../src/features/index.js';
import { replayDecision } from '../../src/decisions/replay.js';
import { openService } from '../../src/runtime/service.js';
import { LIVE_TS } from '../support/server.js';
import type { RiskEvent } from '../../src/events/schema.js';
import { copyWorld } from '../support/world.js';

const world = copyWorld(inject('worldTemplate'));
afterAll(() => world.remove());

describe('a decision made under another feature set than the one served now', () => {
  it('replays equal, scored and ruled on the layout it was made with', async () => {
    const before = await openService(world.dir, {});
    let decisionId: string;
    let madeWith: string;
    try {
      await before.warmUp({ rounds: 50, ms: 200 });
      // A guest of the simulated marketplace, with a history: a vector of real values, not zeros.
      let past: RiskEvent | undefined;
      for await (const batch of before.embedded.log.stream({})) {
        past = batch.map((l) => l.event).filter((e) => e.type === 'booking_attempted' && e.entities.card !== undefined).at(-1) ?? past;
      }
      const { entities, context, payload } = past!;
      const { decision } = await before.decider.decide({ id: 'served_set_replay_1', type: 'booking_attempted', ts: LIVE_TS, entities, context, payload });
      decisionId = decision.decision_id;
      madeWith = decision.feature_set_version;
      expect(decision.model).not.toBeNull();
    } finally {
      await before.close();
    }
    // Served next: a set with one feature more, first in the layout, so every position moves.
    const added: WindowedFeature = { name: 'user_payments_7d_new', description: '', entity: 'user', events: ['payment_attempted'], agg: 'count', window: '7d', ttl: '90d' };
    const after = await openService(world.dir, { featureSet: { ...MARKETPLACE_FEATURE_SET, features: [added, ...MARKETPLACE_FEATURE_SET.features] } });
    try {
      expect(after.embedded.featureSet.version).not.toBe(madeWith);
      const stored = (await after.decisions.get(decisionId))!;
      const result = await replayDecision(stored, await after.replayContext(stored.decision.feature_set_version));
      expect(result.differences).toEqual([]);
      expect((await after.featureSetOf(madeWith)).valueNames).toEqual(MARKETPLACE_FEATURE_SET.features.map((f) => f.name).filter((n) => (after.embedded.featureSet.valueNames as string[]).includes(n)));
      await expect(after.featureSetOf('fs_000000000000')).rejects.toThrow('feature set fs_000000000000 is not in the registry');
    } finally {
      await after.close();
    }
  }, 120_000);

  it('serve --feature-set will not leave the active model behind unless told to, and says which model is not served', async () => {
    const dropped = join(world.dir, 'dropped-set.json');
    writeFileSync(dropped, JSON.stringify({ ...MARKETPLACE_FEATURE_SET, features: MARKETPLACE_FEATURE_SET.features.filter((f) => f.name !== 'user_bookings_1h') }));
    const serve = (...args: string[]) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', '--data', world.dir, 'serve', '--port', '0', '--feature-set', dropped, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RISKGATE_QUIET: '1' } });
        let out = '';
        const collect = (chunk: Buffer) => {
          out += String(chunk);
          if (/riskgate listening on/.test(out)) child.kill('SIGTERM');
        };
        child.stdout.on('data', collect);
        child.stderr.on('data', collect);
        child.once('exit', (code) => resolve({ code, out }));
      });
    const refused = await serve();
    expect(refused.code).toBe(2);
    expect(refused.out).toMatch(/the active model m_\w+ cannot be served with feature set fs_\w+ \(.*"user_bookings_1h", which the model reads, is not served here\); nothing was changed\. To switch anyway, say --without-active-model/);
    const reopened = await openService(world.dir, {});
    try {
      expect(reopened.embedded.featureSet.version).toBe(FeatureSet.create(MARKETPLACE_FEATURE_SET).version);
    } finally {
      await reopened.close();
    }
    const switched = await serve('--without-active-model');
    expect(switched.out).toMatch(/riskgate: warning: the active model m_\w+ is not served: .*"user_bookings_1h"/);
    expect(switched.out).toMatch(/serving feature set fs_\w+ from now on/);
  }, 180_000);
});
