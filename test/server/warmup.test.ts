// The warm-up a server runs before it listens (src/cli/serve.ts): it must leave every piece of state
// as it found it, and start the write-ahead logs the first decision writes to.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { openService, type Service } from '../../src/runtime/service.js';
import { copyWorld } from '../support/world.js';
import { booking } from '../support/server.js';

let world: ReturnType<typeof copyWorld>;
let service: Service;
beforeAll(async () => {
  world = copyWorld(inject('worldTemplate'));
  service = await openService(world.dir, { watchChangesMs: 0 });
});
afterAll(async () => {
  await service?.close();
  world?.remove();
});

const walSize = (file: string) => {
  try {
    return statSync(join(world.dir, `${file}-wal`)).size;
  } catch {
    return 0;
  }
};

it('runs the read-only stages on recent bookings and changes no state', async () => {
  const engine = service.embedded.features.engine;
  const before = {
    state: engine.snapshot(),
    lastSeq: await service.embedded.log.lastSeq(),
    decisions: await service.decisions.count(),
    metrics: await service.metrics.registry.metrics(),
    breakers: [service.decider.featureBreaker.state, service.decider.modelBreakers.size],
  };
  const report = await service.warmUp({ rounds: 200, ms: 60_000 });
  expect(report.rounds).toBe(200);
  expect(engine.snapshot().equals(before.state)).toBe(true);
  expect(await service.embedded.log.lastSeq()).toBe(before.lastSeq);
  expect(await service.decisions.count()).toBe(before.decisions);
  // Process metrics (CPU, memory) move on their own; riskgate's own do not.
  const own = (text: string) => text.split('\n').filter((line) => line.startsWith('riskgate_') && !line.startsWith('riskgate_process_') && !line.startsWith('riskgate_nodejs_'));
  expect(own(await service.metrics.registry.metrics())).toEqual(own(before.metrics));
  expect([service.decider.featureBreaker.state, service.decider.modelBreakers.size]).toEqual(before.breakers);
  // Every database a decision writes to has its write-ahead log started.
  for (const file of ['events.db', 'decisions.db', 'feature-log.db', 'riskgate.db']) expect(walSize(file), file).toBeGreaterThan(0);
  // And the first decision after it is a whole one.
  const { decision } = await service.decider.decide(booking());
  expect([decision.degraded, decision.model?.mode]).toEqual([null, 'active']);
});
