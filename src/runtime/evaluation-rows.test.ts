import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DamagedFileError } from '../lib/files.js';
import { loadModelRows, saveModelRows } from './evaluation-rows.js';

describe("a model's scored rows", () => {
  const dir = mkdtempSync(join(tmpdir(), 'rg-rows-'));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const rows = { modelId: 'm_1', validation: [{ probability: 0.25, label: 1 as const, ts: 5, amount: 120, user: 'u_1' }], test: [{ probability: 0.5, label: 0 as const, ts: 9 }] };

  it('read back as they were saved; none for a model without a file', () => {
    saveModelRows(dir, rows);
    expect(loadModelRows(dir, 'm_1')).toEqual(rows);
    expect(loadModelRows(dir, 'm_2')).toBeUndefined();
  });

  it('a damaged file is named, not thrown as a parse error', () => {
    saveModelRows(dir, rows);
    const path = join(dir, 'models', 'm_1.rows.json');
    writeFileSync(path, readFileSync(path, 'utf8').slice(0, 20));
    expect(() => loadModelRows(dir, 'm_1')).toThrow(DamagedFileError);
    expect(() => loadModelRows(dir, 'm_1')).toThrow(/m_1\.rows\.json is damaged/);
    writeFileSync(path, '{"modelId":"m_1"}');
    expect(() => loadModelRows(dir, 'm_1')).toThrow(/no validation or test rows/);
  });
});
