// Single-row scoring latency of the flattened GBDT predictor on a 300-tree depth-6 model, with
// XGBoost's own single-row scoring from Python on the same model, in the same run.
//
//   npx tsx bench/inference.bench.ts
//
// The model is trained by XGBoost (bench/reference/xgb_inference.py) and imported, so both
// sides score the very same trees; predictions are checked against XGBoost's before timing.
// Env: BENCH_TREES (300), BENCH_DEPTH (6), BENCH_ITERATIONS (200,000 timed calls),
// BENCH_PYTHON (/usr/bin/python3).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GbdtPredictor } from '../src/models/gbdt/index.js';
import { importXgboostJson } from '../src/models/xgboost/index.js';
import { fmt, machine, quantile, report } from './lib.js';

const TREES = Number(process.env.BENCH_TREES ?? 300);
const DEPTH = Number(process.env.BENCH_DEPTH ?? 6);
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 200_000);
const PYTHON = process.env.BENCH_PYTHON ?? '/usr/bin/python3';
const COLS = 30;

interface Latency {
  median: number;
  p99: number;
  iterations: number;
}

function readFloat32(path: string): Float32Array {
  const bytes = readFileSync(path);
  return new Float32Array(new Uint8Array(bytes).buffer);
}

/** Time `score` per call over rows in turn; returns median and p99 in microseconds. */
function time<Row>(score: (row: Row) => number, rows: Row[], iterations: number): Latency & { mean: number } {
  let sink = 0;
  for (let i = 0; i < 20_000; i++) sink += score(rows[i % rows.length]!); // warm-up: let the JIT settle
  const samples = new Float64Array(iterations);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) {
    const row = rows[i % rows.length]!;
    const start = process.hrtime.bigint();
    sink += score(row);
    samples[i] = Number(process.hrtime.bigint() - start) / 1000;
  }
  const total = Number(process.hrtime.bigint() - t0) / 1000;
  if (Number.isNaN(sink)) console.log('(unreachable: keeps the scoring from being optimised away)');
  samples.sort();
  // Each sample includes one hrtime call (~0.05 µs), so the figures are slightly pessimistic.
  return { median: quantile(samples, 0.5), p99: quantile(samples, 0.99), mean: total / iterations, iterations };
}

function main(): void {
  console.log(`machine: ${machine()}`);
  const dir = mkdtempSync(join(tmpdir(), 'rg-bench-inference-'));
  try {
    const out = execFileSync(
      PYTHON,
      [join(import.meta.dirname, 'reference', 'xgb_inference.py'), `--dir=${dir}`, `--trees=${TREES}`, `--depth=${DEPTH}`, `--cols=${COLS}`],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const xgb = JSON.parse(out.trim().split('\n').at(-1)!) as { version: string; inplace_predict_us: Latency; predict_dmatrix_us: Latency };

    const predictor = new GbdtPredictor(importXgboostJson(readFileSync(join(dir, 'model.json'), 'utf8')));
    const probes = readFloat32(join(dir, 'probes.f32'));
    const expected = readFloat32(join(dir, 'margins.f32'));
    const rows = Array.from({ length: expected.length }, (_, i) => probes.subarray(i * COLS, (i + 1) * COLS));
    let worst = 0;
    rows.forEach((row, i) => (worst = Math.max(worst, Math.abs(predictor.predictMargin(row) - expected[i]!))));
    console.log(`model: ${predictor.nTrees} trees, max depth ${predictor.forest.maxDepth}; max |margin − XGBoost| on ${rows.length} rows: ${worst.toExponential(2)}`);

    const float32 = time((row) => predictor.predictProba(row), rows, ITERATIONS);
    const fromNumbers = time((row) => predictor.predictProba(row), rows.map((row) => Array.from(row)), ITERATIONS);
    const explain = time((row) => predictor.explain(row).bias, rows, Math.min(ITERATIONS, 5_000));

    const line = (label: string, l: Latency): string => `${label.padEnd(44)} median ${fmt(l.median, 2)} µs, p99 ${fmt(l.p99, 2)} µs`;
    console.log(line('riskgate predictProba (Float32Array row)', float32) + `, mean ${fmt(float32.mean, 2)} µs`);
    console.log(line('riskgate predictProba (number[] row)', fromNumbers));
    console.log(line('riskgate explain (TreeSHAP)', explain));
    console.log(line(`XGBoost ${xgb.version} inplace_predict (Python, 1 row)`, xgb.inplace_predict_us));
    console.log(line(`XGBoost ${xgb.version} predict(DMatrix) (Python, 1 row)`, xgb.predict_dmatrix_us));
    console.log(`ratio riskgate / XGBoost inplace_predict (median): ${(float32.median / xgb.inplace_predict_us.median).toFixed(3)}`);
    report('gbdt-inference', {
      trees: predictor.nTrees,
      depth: DEPTH,
      features: COLS,
      maxAbsMarginDiff: worst,
      riskgate: { float32Row: float32, numberRow: fromNumbers, treeShap: explain },
      xgboost: { version: xgb.version, inplacePredict: xgb.inplace_predict_us, predictDMatrix: xgb.predict_dmatrix_us },
      ratioToInplacePredict: +(float32.median / xgb.inplace_predict_us.median).toFixed(4),
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
