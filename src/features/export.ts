// Training sets out to the tools data scientists use: CSV, or Parquet written by DuckDB. Missing values
// are empty cells in CSV and NULL in Parquet; the `<feature>_missing` indicator columns say so too.
import { renameSync, rmSync } from 'node:fs';
import { openForWriting } from '../lib/files.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { TrainingSet } from './offline.js';
import { TRAINING_SET_COLUMNS } from './featureset.js';

export async function exportTrainingSet(set: TrainingSet, path: string, options: { includeImmature?: boolean } = {}): Promise<number> {
  // The rows are the training set itself: an interrupted export must leave them nowhere — neither
  // in /tmp nor as a partial file beside the target.
  const partial = join(dirname(path), `.${basename(path)}.${process.pid}.partial`);
  const dir = /\.parquet$/i.test(path) ? await mkdtemp(join(tmpdir(), 'riskgate-export-')) : undefined;
  const interrupted = () => {
    rmSync(partial, { force: true });
    if (dir) rmSync(dir, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    if (!dir) return await whole(path, partial, () => writeCsv(set, partial, options));
    const csv = join(dir, 'rows.csv');
    const rows = await writeCsv(set, csv, options);
    await whole(path, partial, () => csvToParquet(set, csv, partial));
    return rows;
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Write through a temporary file (`partial`, beside `path`), renamed into place once complete: an
 * interrupted export leaves no half file that reads like a smaller training set.
 */
async function whole<T>(path: string, partial: string, write: () => Promise<T>): Promise<T> {
  try {
    const result = await write();
    renameSync(partial, path);
    return result;
  } finally {
    rmSync(partial, { force: true });
  }
}

async function writeCsv(set: TrainingSet, path: string, options: { includeImmature?: boolean }): Promise<number> {
  const out = await openForWriting(path);
  const write = (text: string) => (out.write(text) ? Promise.resolve() : new Promise<void>((resolve) => out.once('drain', () => resolve())));
  await write(`${[...TRAINING_SET_COLUMNS, ...set.names].join(',')}\n`);
  const width = set.names.length;
  let written = 0;
  let chunk: string[] = [];
  for (let r = 0; r < set.rows; r++) {
    if (set.labels[r] === -1 && !options.includeImmature) continue;
    const meta = set.meta[r]!;
    const cells = [
      csvText(set.eventIds[r]!),
      String(set.seq[r]),
      new Date(set.ts[r]!).toISOString(),
      String(set.labels[r]),
      meta.labelSource,
      csvText(meta.scenario ?? ''),
      csvText(meta.user ?? ''),
      meta.amount === undefined ? '' : String(meta.amount),
      meta.country ?? '',
    ];
    for (let c = 0; c < width; c++) {
      const v = set.x[r * width + c]!;
      cells.push(Number.isNaN(v) ? '' : String(v));
    }
    chunk.push(cells.join(','));
    written++;
    if (chunk.length >= 1000) {
      await write(`${chunk.join('\n')}\n`);
      chunk = [];
    }
  }
  if (chunk.length > 0) await write(`${chunk.join('\n')}\n`);
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  return written;
}

function csvText(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

async function csvToParquet(set: TrainingSet, csv: string, parquet: string): Promise<void> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const types: Record<string, string> = {
      event_id: 'VARCHAR',
      seq: 'BIGINT',
      ts: 'TIMESTAMPTZ',
      label: 'TINYINT',
      label_source: 'VARCHAR',
      meta_scenario: 'VARCHAR',
      meta_user: 'VARCHAR',
      meta_amount: 'DOUBLE',
      meta_country: 'VARCHAR',
    };
    for (const name of set.names) types[name] = 'DOUBLE';
    const columns = Object.entries(types)
      .map(([name, type]) => `'${name}': '${type}'`)
      .join(', ');
    await connection.run(
      `COPY (SELECT * FROM read_csv('${sqlString(csv)}', header = true, auto_detect = false, delim = ',', quote = '"', escape = '"', columns = {${columns}}, nullstr = '')) TO '${sqlString(parquet)}' (FORMAT parquet, COMPRESSION zstd)`,
    );
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

function sqlString(value: string): string {
  return value.replace(/'/g, "''");
}
