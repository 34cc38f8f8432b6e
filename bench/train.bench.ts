// Training speed and quality of the riskgate GBDT against XGBoost (tree_method='hist', nthread=2)
// on the same synthetic fraud-like data, in the same run.
//
//   npx tsx bench/train.bench.ts            # 1M rows × 30 features, 200 trees, depth 6
//   BENCH_ROWS=200000 BENCH_RUNS=1 npx tsx bench/train.bench.ts
//
// Env: BENCH_ROWS (default 1,000,000), BENCH_RUNS (3; the median is reported), BENCH_TREES (200),
// BENCH_THREADS (comma-separated thread counts for riskgate, default "1,2"), BENCH_PYTHON
// (/usr/bin/python3). The data is written once to a temp dir as raw float32/uint8 files that
// numpy reads directly; times cover training only (binning included, for XGBoost DMatrix + train).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { progress } from '../src/lib/progress.js';
import { auc, loadGbdt, trainGbdt, type GbdtArtifact } from '../src/models/gbdt/index.js';
import { Prng } from '../src/models/gbdt/prng.js';
import { fmt, machine, median, report } from './lib.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const TREES = Number(process.env.BENCH_TREES ?? 200);
const THREADS = (process.env.BENCH_THREADS ?? '1,2').split(',').map(Number);
const PYTHON = process.env.BENCH_PYTHON ?? '/usr/bin/python3';
const COLS = 30;
const DEPTH = 6;
const ETA = 0.1;
const MAX_BIN = 256;
const TRAIN_FRACTION = 0.8;
const DATA_VERSION = 1;

interface Dataset {
  dir: string;
  x: Float32Array;
  y: Uint8Array;
}

/**
 * Fraud-like rows: 10 informative features (amount, velocities, account age, distances, flags,
 * one interaction, one whose missingness is itself a signal), 5 weakly informative, 15 noise;
 * about 2% positives. Deterministic from a fixed seed.
 */
function generate(rows: number): { x: Float32Array; y: Uint8Array } {
  const prng = new Prng(20240601);
  const normal = (): number => {
    const u = 1 - prng.nextFloat();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * prng.nextFloat());
  };
  const x = new Float32Array(rows * COLS);
  const y = new Uint8Array(rows);
  const row = new Float64Array(COLS);
  for (let r = 0; r < rows; r++) {
    const amount = Math.exp(3.5 + 1.2 * normal());
    const accountAgeDays = Math.floor(-Math.log(1 - prng.nextFloat()) * 400);
    const payments24h = Math.floor(-Math.log(1 - prng.nextFloat()) * 1.5);
    const failedPayments1h = prng.nextFloat() < 0.05 ? 1 + prng.nextInt(6) : 0;
    const ipDistanceKm = prng.nextFloat() < 0.15 ? NaN : Math.exp(2 + 2 * normal());
    const newDevice = prng.nextFloat() < 0.1 ? 1 : 0;
    const emailAgeDays = prng.nextFloat() < 0.2 ? NaN : Math.floor(-Math.log(1 - prng.nextFloat()) * 900);
    const amountVsUsual = prng.nextFloat() < 0.3 ? NaN : Math.exp(0.6 * normal());
    const hour = prng.nextInt(24);
    const cardCountries = 1 + (prng.nextFloat() < 0.08 ? prng.nextInt(4) : 0);
    row[0] = amount;
    row[1] = accountAgeDays;
    row[2] = payments24h;
    row[3] = failedPayments1h;
    row[4] = ipDistanceKm;
    row[5] = newDevice;
    row[6] = emailAgeDays;
    row[7] = amountVsUsual;
    row[8] = hour;
    row[9] = cardCountries;
    const weak = [normal(), normal(), normal(), normal(), normal()];
    for (let k = 0; k < 5; k++) row[10 + k] = weak[k]!;
    for (let k = 15; k < COLS; k++) row[k] = prng.nextFloat() < 0.05 ? NaN : normal();
    const logit =
      -5.4 +
      0.55 * Math.log(amount / 30) +
      1.1 * Math.exp(-accountAgeDays / 30) +
      0.25 * Math.min(payments24h, 8) +
      0.45 * failedPayments1h +
      (Number.isNaN(ipDistanceKm) ? 0.3 : 0.25 * Math.log1p(ipDistanceKm / 100)) +
      1.2 * newDevice * (accountAgeDays < 14 ? 1.5 : 0.3) +
      (Number.isNaN(emailAgeDays) ? 0.9 : -0.4 * Math.min(emailAgeDays / 365, 2)) +
      (Number.isNaN(amountVsUsual) ? 0 : 0.8 * Math.log(amountVsUsual)) +
      (hour < 6 ? 0.5 : 0) +
      0.6 * (cardCountries - 1) +
      0.15 * (weak[0]! + weak[1]! - weak[2]!) +
      0.1 * weak[3]! * weak[4]!;
    y[r] = prng.nextFloat() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
    x.set(row, r * COLS);
  }
  return { x, y };
}

function loadOrGenerate(rows: number): Dataset {
  const dir = join(tmpdir(), `riskgate-bench-train-v${DATA_VERSION}-${rows}x${COLS}`);
  const xPath = join(dir, 'x.f32');
  const yPath = join(dir, 'y.u8');
  if (!existsSync(yPath)) {
    console.log(`generating ${fmt(rows)} × ${COLS} rows into ${dir} …`);
    const { x, y } = generate(rows);
    mkdirSync(dir, { recursive: true });
    writeFileSync(xPath, x);
    writeFileSync(`${yPath}.tmp`, y);
    renameSync(`${yPath}.tmp`, yPath);
  } else {
    console.log(`reusing data in ${dir}`);
  }
  const xb = readFileSync(xPath);
  const yb = readFileSync(yPath);
  return {
    dir,
    x: new Float32Array(xb.buffer, xb.byteOffset, xb.byteLength / 4),
    y: new Uint8Array(yb.buffer, yb.byteOffset, yb.byteLength),
  };
}

interface XgbResult {
  train_seconds: number[];
  auc: number;
  version: string;
}

async function main(): Promise<void> {
  console.log(`machine: ${machine()}`);
  const data = loadOrGenerate(ROWS);
  const nTrain = Math.floor(ROWS * TRAIN_FRACTION);
  const nTest = ROWS - nTrain;
  const train = { layout: 'rows' as const, values: data.x.subarray(0, nTrain * COLS), nRows: nTrain, nCols: COLS };
  const test = { layout: 'rows' as const, values: data.x.subarray(nTrain * COLS), nRows: nTest, nCols: COLS };
  const trainLabels = data.y.subarray(0, nTrain);
  const testLabels = data.y.subarray(nTrain);
  let positives = 0;
  for (const v of data.y) positives += v;
  console.log(`${fmt(nTrain)} training rows, ${fmt(nTest)} held out, ${((100 * positives) / ROWS).toFixed(2)}% positives`);

  const ours: Record<number, { seconds: number[]; auc: number; baseScore: number }> = {};
  for (const threads of THREADS) {
    const seconds: number[] = [];
    let model: GbdtArtifact | undefined;
    for (let run = 0; run < RUNS; run++) {
      const bar = progress(`riskgate ${threads}t run ${run + 1}/${RUNS}`, TREES, 'trees');
      const t0 = performance.now();
      model = await trainGbdt(
        { features: train, labels: trainLabels },
        {
          params: { nRounds: TREES, maxDepth: DEPTH, eta: ETA, maxBin: MAX_BIN, threads },
          onRound: (round) => bar.update(round),
        },
      );
      seconds.push((performance.now() - t0) / 1000);
      bar.stop(`${seconds.at(-1)!.toFixed(2)}s`);
    }
    const scores = loadGbdt(model!).predictMatrix(test);
    ours[threads] = { seconds, auc: auc(scores, testLabels), baseScore: model!.baseScore };
  }

  const baseScore = ours[THREADS[0]!]!.baseScore;
  console.log(`XGBoost (hist, nthread=2), ${RUNS} run(s) …`);
  const xgbOut = execFileSync(
    PYTHON,
    [
      join(import.meta.dirname, 'reference', 'xgb_train.py'),
      `--dir=${data.dir}`,
      `--rows=${ROWS}`,
      `--cols=${COLS}`,
      `--train-rows=${nTrain}`,
      `--trees=${TREES}`,
      `--depth=${DEPTH}`,
      `--eta=${ETA}`,
      `--max-bin=${MAX_BIN}`,
      `--base-score=${baseScore}`,
      `--runs=${RUNS}`,
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 },
  );
  const xgb = JSON.parse(xgbOut.trim().split('\n').at(-1)!) as XgbResult;
  const xgbMedian = median(xgb.train_seconds);

  const results: Record<string, unknown> = {};
  for (const threads of THREADS) {
    const o = ours[threads]!;
    const oursMedian = median(o.seconds);
    const ratio = oursMedian / xgbMedian;
    const aucDiff = o.auc - xgb.auc;
    console.log(
      `riskgate (${threads} thread${threads > 1 ? 's' : ''}): ${oursMedian.toFixed(2)}s (runs ${o.seconds.map((s) => s.toFixed(2)).join(', ')}), ` +
        `AUC ${o.auc.toFixed(5)} | XGBoost ${xgb.version}: ${xgbMedian.toFixed(2)}s, AUC ${xgb.auc.toFixed(5)} | ` +
        `time ratio ${ratio.toFixed(2)}, AUC diff ${aucDiff >= 0 ? '+' : ''}${aucDiff.toFixed(5)}`,
    );
    results[`threads${threads}`] = { seconds: +oursMedian.toFixed(3), auc: +o.auc.toFixed(5), ratio: +ratio.toFixed(3), aucDiff: +aucDiff.toFixed(5) };
  }
  report('gbdt-train', {
    rows: ROWS,
    trainRows: nTrain,
    cols: COLS,
    trees: TREES,
    depth: DEPTH,
    eta: ETA,
    maxBin: MAX_BIN,
    runs: RUNS,
    xgboost: { version: xgb.version, seconds: +xgbMedian.toFixed(3), auc: +xgb.auc.toFixed(5) },
    riskgate: results,
  });
}

// The reference needs Debian's XGBoost and scikit-learn: say so before minutes of training, not after.
try {
  execFileSync(PYTHON, ['-c', 'import xgboost, sklearn'], { stdio: 'pipe' });
} catch {
  console.error(`bench:train needs XGBoost and scikit-learn for ${PYTHON}: apt-get install -y python3-xgboost python3-sklearn`);
  process.exit(2);
}
await main();
