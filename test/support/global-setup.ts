import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { buildWorld } from './world.js';

export default async function setup(project: TestProject): Promise<() => void> {
  process.env.RISKGATE_QUIET = '1';
  const dir = mkdtempSync(join(tmpdir(), 'rg-world-template-'));
  await buildWorld(dir);
  project.provide('worldTemplate', dir);
  return () => rmSync(dir, { recursive: true, force: true });
}

declare module 'vitest' {
  export interface ProvidedContext {
    worldTemplate: string;
  }
}
