// The scored rows of a model's validation and test periods, kept beside the registry: the threshold
// optimizer, the executive page and the console's threshold explorer all work from them without
// replaying the log again. One compact JSON file per model in data/models/.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DamagedFileError, writeFileAtomic } from '../lib/files.js';
import type { EvaluationRow } from '../models/index.js';

export interface ModelRows {
  modelId: string;
  validation: EvaluationRow[];
  test: EvaluationRow[];
}

type Compact = [probability: number, label: 0 | 1, ts: number, amount: number | null, user: string | null];

const pack = (rows: readonly EvaluationRow[]): Compact[] => rows.map((r) => [r.probability, r.label, r.ts, r.amount ?? null, r.user ?? null]);
const unpack = (rows: readonly Compact[]): EvaluationRow[] =>
  rows.map(([probability, label, ts, amount, user]) => ({ probability, label, ts, ...(amount !== null ? { amount } : {}), ...(user !== null ? { user } : {}) }));

function pathOf(dir: string, modelId: string): string {
  return join(dir, 'models', `${modelId}.rows.json`);
}

export function saveModelRows(dir: string, rows: ModelRows): void {
  mkdirSync(join(dir, 'models'), { recursive: true });
  writeFileAtomic(pathOf(dir, rows.modelId), JSON.stringify({ modelId: rows.modelId, validation: pack(rows.validation), test: pack(rows.test) }));
}

export function loadModelRows(dir: string, modelId: string): ModelRows | undefined {
  const path = pathOf(dir, modelId);
  if (!existsSync(path)) return undefined;
  let stored: { modelId: string; validation: Compact[]; test: Compact[] };
  try {
    stored = JSON.parse(readFileSync(path, 'utf8')) as typeof stored;
    if (!Array.isArray(stored.validation) || !Array.isArray(stored.test)) throw new Error('no validation or test rows');
  } catch (error) {
    throw new DamagedFileError(path, `${path} is damaged (${(error as Error).message}): the threshold tools read the model's scored validation rows from it; restore it from a backup, or train the model again`);
  }
  return { modelId: stored.modelId, validation: unpack(stored.validation), test: unpack(stored.test) };
}
