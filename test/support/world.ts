// A small, complete riskgate data directory for server tests: a simulated marketplace in the event log
// (through the online features), a trained model promoted to active, the default rules and lists.
// Built once per test run (vitest globalSetup) and copied per test file.
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTrainingSet } from '../../src/features/index.js';
import { trainModel } from '../../src/models/index.js';
import { openService } from '../../src/runtime/service.js';
import { installDefaultRules } from '../../src/runtime/rules.js';
import { runSimulation } from '../../src/cli/simulate.js';
import { saveModelRows } from '../../src/runtime/evaluation-rows.js';

const DAY = 86_400_000;
export const WORLD_START = Date.UTC(2026, 0, 5);
export const WORLD_DAYS = 40;

export async function buildWorld(dir: string): Promise<void> {
  const service = await openService(dir, {});
  try {
    await runSimulation({ seed: 5, days: WORLD_DAYS, users: 3_000, hosts: 300, start: WORLD_START }, { ingest: (events) => service.embedded.features.ingest(events) });
    const training = await buildTrainingSet(service.embedded.log, service.embedded.featureSet, { maturityMs: 10 * DAY });
    const { artifact, validationRows, testRows } = await trainModel(training, { name: 'checkout', gapMs: 3 * DAY, grid: [{ maxDepth: 4, eta: 0.2, nRounds: 40, earlyStoppingRounds: 0, minChildWeight: 0.01 }] });
    await service.embedded.models.register(artifact, 'test');
    saveModelRows(dir, { modelId: artifact.id, validation: validationRows, test: testRows });
    await service.embedded.models.promote(artifact.id, 'active', { actor: 'test' });
    await installDefaultRules(service.rules, service.embedded, 'test');
  } finally {
    await service.close();
  }
}

/** A private copy of the world built by globalSetup, removed by the returned function. */
export function copyWorld(template: string): { dir: string; remove: () => void } {
  if (!existsSync(template)) throw new Error(`test world ${template} is missing (vitest globalSetup builds it)`);
  const dir = mkdtempSync(join(tmpdir(), 'rg-world-'));
  cpSync(template, dir, { recursive: true });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
