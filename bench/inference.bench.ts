// Single-row scoring latency of the flattened GBDT predictor on a 300-tree depth-6 model, with
// XGBoost's own single-row scoring from Python and onnxruntime-node's on the same model, in the
// same run.
//
//   npx tsx bench/inference.bench.ts
//
// The model is trained by XGBoost (bench/reference/xgb_inference.py) and imported, so both
// sides score the very same trees; predictions are checked against XGBoost's before timing.
// The same model is converted to an ONNX TreeEnsembleRegressor + Sigmoid graph
// (bench/reference/xgboost_to_onnx.py, needs Debian's python3-onnx; without it the ONNX part is
// skipped with a message) and run by onnxruntime-node on the CPU, one thread; its probabilities
// must equal riskgate's and XGBoost's within 1e-5 or the bench fails.
// Env: BENCH_TREES (300), BENCH_DEPTH (6), BENCH_ITERATIONS (200,000 timed calls),
// BENCH_ONNX_ITERATIONS (20,000 timed session.run calls), BENCH_PYTHON (/usr/bin/python3).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GbdtPredictor } from '../src/models/gbdt/index.js';
import { PathExplainer } from '../src/models/gbdt/path-contributions.js';
import { importXgboostJson } from '../src/models/xgboost/index.js';
import { fmt, machine, quantile, report } from './lib.js';

const TREES = Number(process.env.BENCH_TREES ?? 300);
const DEPTH = Number(process.env.BENCH_DEPTH ?? 6);
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 200_000);
const ONNX_ITERATIONS = Number(process.env.BENCH_ONNX_ITERATIONS ?? 20_000);
const PYTHON = process.env.BENCH_PYTHON ?? '/usr/bin/python3';
const COLS = 30;
/** Largest difference allowed between onnxruntime's probabilities and riskgate's or XGBoost's. */
const ONNX_TOLERANCE = 1e-5;

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

/** Async twin of `time`, for onnxruntime-node's session.run, which returns a promise. */
async function timeAsync<Row>(score: (row: Row) => Promise<number>, rows: Row[], iterations: number, warmup: number): Promise<Latency & { mean: number }> {
  let sink = 0;
  for (let i = 0; i < warmup; i++) sink += await score(rows[i % rows.length]!);
  const samples = new Float64Array(iterations);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) {
    const row = rows[i % rows.length]!;
    const start = process.hrtime.bigint();
    sink += await score(row);
    samples[i] = Number(process.hrtime.bigint() - start) / 1000;
  }
  const total = Number(process.hrtime.bigint() - t0) / 1000;
  if (Number.isNaN(sink)) console.log('(unreachable: keeps the scoring from being optimised away)');
  samples.sort();
  return { median: quantile(samples, 0.5), p99: quantile(samples, 0.99), mean: total / iterations, iterations };
}

function loud(lines: string[]): void {
  const bar = '!'.repeat(100);
  console.log([bar, ...lines.map((l) => `!! ${l}`), bar].join('\n'));
}

interface OnnxSide {
  version: string;
  converter: { onnx: string; trees: number; nodes: number; leaves: number; base_margin: number };
  maxAbsProbaDiffToRiskgate: number;
  maxAbsProbaDiffToXgboost: number;
  maxAbsMarginDiffToXgboost: number;
  /** Times one row: build the [1, n] input tensor over the row, await session.run, read the output. */
  score: (row: Float32Array) => Promise<number>;
  release: () => Promise<void>;
}

/**
 * Convert the XGBoost model to ONNX, open it with onnxruntime-node (CPU, one intra-op thread) and
 * check its single-row predictions on every probe row against riskgate's and XGBoost's. Returns
 * { skipped } (after a loud message) when python3-onnx is missing; throws when the predictions
 * differ by more than ONNX_TOLERANCE (NaN included).
 */
async function openOnnx(dir: string, predictor: GbdtPredictor, rows: Float32Array[], xgbMargins: Float32Array): Promise<OnnxSide | { skipped: string }> {
  const converted = spawnSync(
    PYTHON,
    [join(import.meta.dirname, 'reference', 'xgboost_to_onnx.py'), join(dir, 'model.json'), join(dir, 'model.onnx')],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  if (converted.status === 3) {
    const reason = `python3-onnx is not installed for ${PYTHON}`;
    loud([
      `ONNX PART SKIPPED: ${reason}, so the model cannot be converted to ONNX.`,
      'No onnxruntime-node figures in this run. Install it with: apt-get install -y python3-onnx',
      converted.stderr.trim(),
    ]);
    return { skipped: reason };
  }
  if (converted.status !== 0) {
    throw new Error(`bench/reference/xgboost_to_onnx.py failed (${converted.error?.message ?? `exit ${converted.status}`}):\n${converted.stderr}`);
  }
  const converter = JSON.parse(converted.stdout.trim().split('\n').at(-1)!) as OnnxSide['converter'];

  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(readFileSync(join(dir, 'model.onnx')), {
    executionProviders: ['cpu'],
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const input = session.inputNames[0]!;
  const fetches = ['probability'];
  const score = async (row: Float32Array): Promise<number> => {
    const result = await session.run({ [input]: new ort.Tensor('float32', row, [1, COLS]) }, fetches);
    return (result.probability!.data as Float32Array)[0]!;
  };

  let toRiskgate = 0;
  let toXgboost = 0;
  let marginToXgboost = 0;
  for (const [i, row] of rows.entries()) {
    const result = await session.run({ [input]: new ort.Tensor('float32', row, [1, COLS]) });
    const p = (result.probability!.data as Float32Array)[0]!;
    const m = (result.margin!.data as Float32Array)[0]!;
    toRiskgate = Math.max(toRiskgate, Math.abs(p - predictor.predictProba(row)));
    toXgboost = Math.max(toXgboost, Math.abs(p - 1 / (1 + Math.exp(-xgbMargins[i]!))));
    marginToXgboost = Math.max(marginToXgboost, Math.abs(m - xgbMargins[i]!));
  }
  console.log(
    `onnx: ${converter.trees} trees, ${converter.nodes} nodes (onnx ${converter.onnx}, onnxruntime-node ${ort.env.versions.node}); on ${rows.length} single-row runs ` +
      `max |p − riskgate| ${toRiskgate.toExponential(2)}, max |p − XGBoost| ${toXgboost.toExponential(2)}, max |margin − XGBoost| ${marginToXgboost.toExponential(2)}`,
  );
  if (!(toRiskgate <= ONNX_TOLERANCE && toXgboost <= ONNX_TOLERANCE)) {
    loud([
      `ONNX PREDICTIONS DIFFER: max |p − riskgate| ${toRiskgate.toExponential(3)}, max |p − XGBoost| ${toXgboost.toExponential(3)} > ${ONNX_TOLERANCE}.`,
      'The converted graph does not score like the XGBoost model: no timing is worth printing.',
    ]);
    await session.release();
    throw new Error(`onnxruntime predictions differ from riskgate's/XGBoost's by more than ${ONNX_TOLERANCE}`);
  }
  return {
    version: ort.env.versions.node ?? 'unknown',
    converter,
    maxAbsProbaDiffToRiskgate: toRiskgate,
    maxAbsProbaDiffToXgboost: toXgboost,
    maxAbsMarginDiffToXgboost: marginToXgboost,
    score,
    release: () => session.release(),
  };
}

async function main(): Promise<void> {
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
    // Converted and checked before any timing, so a wrong graph fails fast; timed after riskgate.
    const onnx = await openOnnx(dir, predictor, rows, expected);

    const float32 = time((row) => predictor.predictProba(row), rows, ITERATIONS);
    const fromNumbers = time((row) => predictor.predictProba(row), rows.map((row) => Array.from(row)), ITERATIONS);
    const explain = time((row) => predictor.explain(row).bias, rows, Math.min(ITERATIONS, 5_000));
    // Path contributions, what every decision's reasons come from: as a server has them once in use
    // (compiled to code, if worth it for this forest: see src/models/gbdt/compiled.ts), and walked as a
    // node table.
    const served = new PathExplainer(predictor.forest);
    await served.ready;
    const pathServed = time((row) => served.explain(row).margin, rows, ITERATIONS);
    const nodeTable = new PathExplainer(predictor.forest, { maxCompiledNodes: 0 });
    const pathNodeTable = time((row) => nodeTable.explain(row).margin, rows, ITERATIONS);
    // session.run defers the native call with setImmediate, so each call includes one event-loop
    // turn: that is what a caller of onnxruntime-node pays per row (see src/models/onnx.ts). The
    // cost of that turn alone is timed too, to tell it apart from the scoring.
    const ort = 'skipped' in onnx ? null : onnx;
    const ortRun = ort ? await timeAsync(ort.score, rows, ONNX_ITERATIONS, 2_000) : null;
    const hop = ort ? await timeAsync(() => new Promise<number>((resolve) => setImmediate(() => resolve(1))), rows, ONNX_ITERATIONS, 2_000) : null;
    await ort?.release();

    const line = (label: string, l: Latency): string => `${label.padEnd(44)} median ${fmt(l.median, 2)} µs, p99 ${fmt(l.p99, 2)} µs`;
    console.log(line('riskgate predictProba (Float32Array row)', float32) + `, mean ${fmt(float32.mean, 2)} µs`);
    console.log(line('riskgate predictProba (number[] row)', fromNumbers));
    console.log(line('riskgate explain (TreeSHAP)', explain));
    console.log(line(`riskgate path contributions (as served: ${served.isCompiled ? 'compiled' : 'node table'})`, pathServed));
    console.log(line('riskgate path contributions (node table)', pathNodeTable));
    console.log(line(`XGBoost ${xgb.version} inplace_predict (Python, 1 row)`, xgb.inplace_predict_us));
    console.log(line(`XGBoost ${xgb.version} predict(DMatrix) (Python, 1 row)`, xgb.predict_dmatrix_us));
    if (ort && ortRun && hop) {
      console.log(line(`onnxruntime-node ${ort.version} session.run (1 row, await)`, ortRun) + `, mean ${fmt(ortRun.mean, 2)} µs`);
      console.log(line('  of which one event-loop turn (setImmediate)', hop));
    } else {
      console.log(`${'onnxruntime-node session.run (1 row, await)'.padEnd(44)} SKIPPED (python3-onnx missing: see above)`);
    }
    console.log(`ratio riskgate / XGBoost inplace_predict (median): ${(float32.median / xgb.inplace_predict_us.median).toFixed(3)}`);
    if (ortRun) console.log(`ratio riskgate / onnxruntime session.run (median): ${(float32.median / ortRun.median).toFixed(3)}`);
    report('gbdt-inference', {
      trees: predictor.nTrees,
      depth: DEPTH,
      features: COLS,
      maxAbsMarginDiff: worst,
      riskgate: { float32Row: float32, numberRow: fromNumbers, treeShap: explain, pathContributions: { compiled: served.isCompiled, latency: pathServed }, pathContributionsNodeTable: pathNodeTable },
      xgboost: { version: xgb.version, inplacePredict: xgb.inplace_predict_us, predictDMatrix: xgb.predict_dmatrix_us },
      onnxruntime:
        ort && ortRun
          ? {
              version: ort.version,
              onnx: ort.converter.onnx,
              nodes: ort.converter.nodes,
              maxAbsProbaDiffToRiskgate: ort.maxAbsProbaDiffToRiskgate,
              maxAbsProbaDiffToXgboost: ort.maxAbsProbaDiffToXgboost,
              maxAbsMarginDiffToXgboost: ort.maxAbsMarginDiffToXgboost,
              sessionRun: ortRun,
              setImmediateHop: hop,
            }
          : { skipped: 'skipped' in onnx ? onnx.skipped : 'unknown' },
      ratioToInplacePredict: +(float32.median / xgb.inplace_predict_us.median).toFixed(4),
      ratioToOnnxruntime: ortRun ? +(float32.median / ortRun.median).toFixed(4) : null,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
