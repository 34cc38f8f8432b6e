// Time-aware training: split a point-in-time training set by time — train, a gap as long as the label
// delay, validation, test — never at random; search a small grid on the validation period; calibrate
// on the validation period; evaluate on the test period; seal the artifact.
import type { TrainingSet } from '../features/index.js';
import { sealArtifact, type ModelArtifact, type ModelBody, type Policy } from './artifact.js';
import { applyCalibrator, fitIsotonic, fitPlatt, type Calibrator } from './calibration.js';
import { evaluateRows, type EvaluationOptions, type EvaluationReport, type EvaluationRow } from './evaluation.js';
import { GbdtPredictor, ModelInputError, trainGbdt, type FeatureMatrix, type GbdtParams } from './gbdt/index.js';
import { LogisticPredictor, trainLogistic } from './linear/index.js';
import { averagePrecision, calibration, rocAuc } from './metrics.js';

const DAY = 86_400_000;

export interface TimeSplit {
  /** Rows with ts < trainEnd train the model. */
  trainEnd: number;
  /** Rows with validationStart ≤ ts < testStart pick parameters and fit the calibration. */
  validationStart: number;
  /** Rows with ts ≥ testStart are only evaluated on. */
  testStart: number;
  end: number;
}

export interface TrainModelOptions {
  name: string;
  kind?: 'gbdt' | 'logistic';
  /** Time left out between training and validation rows, so validation labels are as late as they will be in production. */
  gapMs?: number;
  /** Shares of the period's time span for validation and test (default 0.2 each). */
  validationShare?: number;
  testShare?: number;
  /** Feature values the model uses (default: every value of the set; GBDTs handle missing natively). */
  inputs?: readonly string[];
  grid?: Array<Partial<GbdtParams>>;
  calibration?: 'platt' | 'isotonic' | 'auto';
  policy?: Policy;
  evaluation?: EvaluationOptions;
  seed?: number;
  onProgress?: (message: string) => void;
}

export interface TrainedModel {
  artifact: ModelArtifact;
  split: TimeSplit;
  counts: { train: number; validation: number; test: number; trainPositives: number; validationPositives: number; testPositives: number };
  grid: Array<{ params: Partial<GbdtParams>; validationAuc: number; validationAp: number; rounds: number }>;
  calibrationChoice: { method: 'platt' | 'isotonic'; heldOutEce: { platt: number; isotonic: number } };
  test: EvaluationReport;
  /** Test rows with their calibrated probabilities, for reports and threshold choice. */
  testRows: EvaluationRow[];
  validationRows: EvaluationRow[];
}

export const DEFAULT_GRID: Array<Partial<GbdtParams>> = [
  { maxDepth: 4, eta: 0.1, minChildWeight: 1 },
  { maxDepth: 6, eta: 0.1, minChildWeight: 1 },
  { maxDepth: 6, eta: 0.05, minChildWeight: 5 },
  { maxDepth: 8, eta: 0.05, minChildWeight: 5, colsampleBytree: 0.8, subsample: 0.8 },
];

export const DEFAULT_POLICY: Policy = { block: 0.8, review: 0.3 };

export function splitByTime(timestamps: ArrayLike<number>, gapMs: number, validationShare: number, testShare: number): TimeSplit {
  if (timestamps.length === 0) throw new ModelInputError('the training period has no mature labelled rows');
  // Cut at shares of the rows in time order, not of the time span: one row dated months before the
  // rest (a late event sent with an old time) would otherwise stretch the span and leave training
  // nothing but that row. With rows arriving at a steady rate the two are the same.
  const sorted = Float64Array.from(timestamps).sort();
  const n = sorted.length;
  const at = (share: number) => sorted[Math.min(n - 1, Math.max(0, Math.floor(n * share)))]!;
  const end = sorted[n - 1]! + 1;
  const testStart = at(1 - testShare);
  const validationStart = at(1 - testShare - validationShare);
  const trainEnd = validationStart - gapMs;
  let training = 0;
  while (training < n && sorted[training]! < trainEnd) training++;
  if (training < n * 0.2) {
    throw new ModelInputError(
      `the period (${((end - sorted[0]!) / DAY).toFixed(1)} days of mature rows) is too short for a ${(gapMs / DAY).toFixed(1)}-day gap: training would get under 20 % of the rows`,
    );
  }
  return { trainEnd, validationStart, testStart, end };
}

export async function trainModel(set: TrainingSet, options: TrainModelOptions): Promise<TrainedModel> {
  const progress = options.onProgress ?? (() => {});
  const inputs = [...(options.inputs ?? set.names.filter((n) => !n.endsWith('_missing')))];
  const columnOf = new Map(set.names.map((n, i) => [n, i]));
  for (const name of inputs) if (!columnOf.has(name)) throw new ModelInputError(`input "${name}" is not a feature of feature set ${set.featureSetVersion}`);

  const mature: number[] = [];
  for (let r = 0; r < set.rows; r++) if (set.labels[r] !== -1) mature.push(r);
  const split = splitByTime(
    mature.map((r) => set.ts[r]!),
    options.gapMs ?? 7 * DAY,
    options.validationShare ?? 0.2,
    options.testShare ?? 0.2,
  );
  const part = (lo: number, hi: number) => mature.filter((r) => set.ts[r]! >= lo && set.ts[r]! < hi);
  const trainRows = part(-Infinity, split.trainEnd);
  const validationRows = part(split.validationStart, split.testStart);
  const testRows = part(split.testStart, Infinity);
  const positives = (rows: number[]) => rows.reduce((n, r) => n + (set.labels[r] === 1 ? 1 : 0), 0);
  const counts = {
    train: trainRows.length,
    validation: validationRows.length,
    test: testRows.length,
    trainPositives: positives(trainRows),
    validationPositives: positives(validationRows),
    testPositives: positives(testRows),
  };
  for (const [what, rows, pos] of [
    ['training', trainRows, counts.trainPositives],
    ['validation', validationRows, counts.validationPositives],
    ['test', testRows, counts.testPositives],
  ] as const) {
    if (pos === 0 || pos === rows.length) throw new ModelInputError(`the ${what} period needs both fraud and legitimate rows (it has ${pos} fraud of ${rows.length})`);
  }
  progress(`split by time: train ${counts.train} rows (${counts.trainPositives} fraud), gap, validation ${counts.validation} (${counts.validationPositives}), test ${counts.test} (${counts.testPositives})`);

  const matrix = (rows: number[]): FeatureMatrix => ({
    layout: 'columns',
    columns: inputs.map((name) => {
      const c = columnOf.get(name)!;
      const width = set.names.length;
      return Float32Array.from(rows, (r) => set.x[r * width + c]!);
    }),
  });
  const labels = (rows: number[]) => Uint8Array.from(rows, (r) => set.labels[r]!);
  const train = { features: matrix(trainRows), labels: labels(trainRows) };
  const validation = { features: matrix(validationRows), labels: labels(validationRows) };
  const validationLabels = labels(validationRows);

  let body: ModelBody;
  let marginsOf: (rows: number[]) => Float64Array;
  const grid: TrainedModel['grid'] = [];
  if ((options.kind ?? 'gbdt') === 'gbdt') {
    let best: { model: Awaited<ReturnType<typeof trainGbdt>>; ap: number } | undefined;
    const candidates = options.grid ?? DEFAULT_GRID;
    for (const [i, params] of candidates.entries()) {
      const model = await trainGbdt(train, {
        featureNames: inputs,
        validation,
        params: { nRounds: 400, earlyStoppingRounds: 40, evalMetric: 'logloss', seed: options.seed ?? 1, ...params },
        onRound: (round, total) => {
          if (round % 50 === 0) progress(`grid ${i + 1}/${candidates.length} ${JSON.stringify(params)}: round ${round}/${total}`);
        },
      });
      const margins = new GbdtPredictor(model).predictMatrix(validation.features, 'margin');
      const ap = averagePrecision(margins, validationLabels);
      const auc = rocAuc(margins, validationLabels);
      grid.push({ params, validationAuc: auc, validationAp: ap, rounds: model.trees.length });
      progress(`grid ${i + 1}/${candidates.length} ${JSON.stringify(params)}: ${model.trees.length} trees, validation AUC ${auc.toFixed(4)}, AP ${ap.toFixed(4)}`);
      if (!best || ap > best.ap) best = { model, ap };
    }
    const predictor = new GbdtPredictor(best!.model);
    body = { kind: 'gbdt', model: best!.model };
    marginsOf = (rows) => predictor.predictMatrix(matrix(rows), 'margin');
  } else {
    const model = trainLogistic(train, { featureNames: inputs });
    const predictor = new LogisticPredictor(model);
    body = { kind: 'logistic', model };
    marginsOf = (rows) => predictor.predictMatrix(matrix(rows), 'margin');
    const margins = marginsOf(validationRows);
    grid.push({ params: {}, validationAuc: rocAuc(margins, validationLabels), validationAp: averagePrecision(margins, validationLabels), rounds: 0 });
  }

  // Calibration: fitted on the validation period. "auto" fits both on its first half and keeps the
  // one with the lower ECE on its second half, then refits that one on the whole validation period.
  const validationMargins = marginsOf(validationRows);
  const half = Math.floor(validationRows.length / 2);
  const firstHalf = { m: validationMargins.subarray(0, half), y: validationLabels.subarray(0, half) };
  const secondHalf = { m: validationMargins.subarray(half), y: validationLabels.subarray(half) };
  const heldOutEce = (fit: (m: ArrayLike<number>, y: ArrayLike<number>) => Calibrator): number => {
    try {
      const c = fit(firstHalf.m, firstHalf.y);
      return calibration(Array.from(secondHalf.m, (m) => applyCalibrator(c, m)), secondHalf.y).ece;
    } catch {
      return NaN; // a half without both classes
    }
  };
  const ece = { platt: heldOutEce(fitPlatt), isotonic: heldOutEce(fitIsotonic) };
  const method = options.calibration && options.calibration !== 'auto' ? options.calibration : !(ece.isotonic < ece.platt) ? 'platt' : 'isotonic';
  const calibrator = method === 'platt' ? fitPlatt(validationMargins, validationLabels) : fitIsotonic(validationMargins, validationLabels);
  progress(`calibration: ${method} (held-out ECE platt ${ece.platt.toFixed(4)}, isotonic ${ece.isotonic.toFixed(4)})`);

  const evaluationRows = (rows: number[], margins: Float64Array): EvaluationRow[] =>
    rows.map((r, i) => rowForEvaluation(set, r, applyCalibrator(calibrator, margins[i]!)));
  const testEvaluationRows = evaluationRows(testRows, marginsOf(testRows));
  const validationEvaluationRows = evaluationRows(validationRows, validationMargins);
  const test = evaluateRows(testEvaluationRows, options.evaluation);
  const validationReport = evaluateRows(validationEvaluationRows, options.evaluation);
  progress(`test: AUC ${test.overall.auc.toFixed(4)}, AP ${test.overall.averagePrecision.toFixed(4)}, ECE ${test.overall.ece.toFixed(4)}`);

  const artifact = sealArtifact({
    name: options.name,
    createdAt: Date.now(),
    featureSetVersion: set.featureSetVersion,
    inputs,
    body,
    calibration: calibrator,
    policy: options.policy ?? DEFAULT_POLICY,
    training: {
      source: 'riskgate',
      from: Math.min(...trainRows.map((r) => set.ts[r]!)),
      to: split.trainEnd,
      rows: counts.train,
      positives: counts.trainPositives,
      params: body.kind === 'gbdt' ? body.model.params : body.model.params,
      notes: `validation ${new Date(split.validationStart).toISOString()}..${new Date(split.testStart).toISOString()}, test until ${new Date(split.end).toISOString()}; calibration ${method}`,
    },
    metrics: {
      validation: summary(validationReport),
      test: summary(test),
      split: { ...split, ...counts },
    },
  });
  return { artifact, split, counts, grid, calibrationChoice: { method, heldOutEce: ece }, test, testRows: testEvaluationRows, validationRows: validationEvaluationRows };
}

/** The headline numbers kept in the artifact. */
export function summary(report: EvaluationReport) {
  return {
    rows: report.rows,
    positives: report.positives,
    auc: report.overall.auc,
    averagePrecision: report.overall.averagePrecision,
    ece: report.overall.ece,
    brier: report.overall.brier,
    precisionAtVolume: report.atVolume.precision,
    recallAtVolume: report.atVolume.recall,
    reviewsPerDay: report.atVolume.reviewsPerDay,
  };
}

/** One training-set row as an evaluation row: its probability, label and segments. */
export function rowForEvaluation(set: TrainingSet, r: number, probability: number): EvaluationRow {
  const meta = set.meta[r]!;
  const width = set.names.length;
  const bookings = set.names.indexOf('user_bookings_30d');
  const priorBookings = bookings === -1 ? undefined : set.x[r * width + bookings]!;
  const row: EvaluationRow = { probability, label: set.labels[r] === 1 ? 1 : 0, ts: set.ts[r]! };
  if (meta.user !== undefined) row.user = meta.user;
  if (meta.amount !== undefined) row.amount = meta.amount;
  if (meta.scenario !== undefined) row.scenario = meta.scenario;
  if (meta.country !== undefined) row.country = meta.country;
  if (priorBookings !== undefined) row.newUser = !(priorBookings > 0);
  return row;
}
