// Boosting loop: binary log-loss, histogram trees, optional validation with early stopping.
import { setImmediate } from 'node:timers/promises';
import { binMatrix, computeCuts, rowMajorBins, type BinnedMatrix, type FeatureCuts } from './binning.js';
import { requireBothClasses, resolveFeatureNames, validateLabeledSet, type LabeledSet, type ValidatedSet } from './data.js';
import { ModelInputError } from './errors.js';
import { baseMarginOf } from './forest.js';
import { growTree, type GrowContext, type GrownTree } from './grow.js';
import { auc, logLossFromMargins } from './metrics.js';
import { GBDT_FORMAT, GBDT_VERSION, type GbdtArtifact, type ModelParams, type TrainingSummary } from './model.js';
import { parallelKernels, serialKernels, type KernelInputs } from './parallel.js';
import { resolveParams, type GbdtParams } from './params.js';
import { Prng } from './prng.js';
import type { TreeArrays } from './tree.js';

export interface TrainOptions {
  params?: Partial<GbdtParams>;
  /** Names of the feature columns, in order (default f0, f1, …, as XGBoost). */
  featureNames?: readonly string[];
  /** Held-out rows for the validation metric and early stopping. */
  validation?: LabeledSet;
  /** Called after each round, e.g. for a progress bar; `metric` is the validation metric if any. */
  onRound?: (round: number, nRounds: number, metric: number | undefined) => void;
}

/** Smallest hessian of a row, as XGBoost: keeps leaf weights finite when predictions saturate. */
const MIN_HESSIAN = 1e-16;

/**
 * Train a binary classifier; resolves to the model artifact (score it with `new GbdtPredictor(model)`).
 * The event loop gets a turn after every tree, so progress bars repaint and a server stays
 * responsive (though slower) while a model trains in-process.
 */
export async function trainGbdt(train: LabeledSet, options: TrainOptions = {}): Promise<GbdtArtifact> {
  const params = resolveParams(options.params);
  const data = validateLabeledSet(train, 'training set');
  requireBothClasses(data, 'training set');
  const featureNames = resolveFeatureNames(options.featureNames, data.nCols);
  const validation = options.validation ? validateLabeledSet(options.validation, 'validation set', data.nCols) : undefined;
  if (params.earlyStoppingRounds > 0 && !validation) throw new ModelInputError('earlyStoppingRounds needs a validation set');
  if (validation && params.evalMetric === 'auc') requireBothClasses(validation, 'validation set (for AUC)');
  rejectInfinities(train, data, 'training set');

  const { nRows, nCols } = data;
  const cuts = computeCuts(train.features, nRows, nCols, params.maxBin, params.seed);
  const binned = binMatrix(train.features, nRows, nCols, cuts);
  const slotOffsets = new Int32Array(new SharedArrayBuffer((nCols + 1) * 4));
  for (let f = 0; f < nCols; f++) slotOffsets[f + 1] = slotOffsets[f]! + 2 + cuts[f]!.length;
  const histLength = 2 * slotOffsets[nCols]!;

  const rowWeights = effectiveWeights(data, params.scalePosWeight);
  const baseScore = params.baseScore === 'mean' ? weightedPositiveRate(data.labels, rowWeights) : params.baseScore;
  const baseMargin = baseMarginOf(baseScore);

  const inputs: KernelInputs = {
    nRows,
    nCols,
    rowBins: rowMajorBins(binned),
    columnBins: binned.columnBins,
    gradHess: new Float64Array(new SharedArrayBuffer(nRows * 16)),
    rows: new Uint32Array(new SharedArrayBuffer(nRows * 4)),
    partitionScratch: new Uint32Array(new SharedArrayBuffer(nRows * 4)),
    features: new Int32Array(new SharedArrayBuffer(nCols * 4)),
    slotOffsets,
  };
  const kernels = params.threads > 1 ? await parallelKernels(inputs, params.threads, histLength) : serialKernels(inputs);
  const ctx: GrowContext = { params, cuts, features: inputs.features, nFeatures: nCols, slotOffsets, histLength, kernels, histogramPool: [] };

  // exp(−margin) per row rather than the margin: a tree adds one of a few leaf values to each
  // row's margin, so exp(−margin) is updated by multiplying with exp(−leaf), computed once per
  // leaf; the gradient loop then needs no Math.exp (≈20 ns a call here, 4 s over 1M rows × 200 trees).
  const expNegMargins = new Float64Array(nRows).fill(Math.exp(-baseMargin));
  const outOfSample = new Uint32Array(params.subsample < 1 ? nRows : 0);
  const evaluation = validation && new ValidationTracker(options.validation!, validation, cuts, baseMargin, params);
  const prng = new Prng(params.seed);
  const trees: TreeArrays[] = [];
  try {
    for (let round = 0; round < params.nRounds; round++) {
      computeGradients(expNegMargins, data.labels, rowWeights, inputs.gradHess);
      const nSampled = sampleRows(inputs.rows, outOfSample, nRows, params.subsample, prng);
      ctx.nFeatures = sampleFeatures(ctx.features, nCols, params.colsampleBytree, prng);
      const grown = growTree(ctx, nSampled);
      trees.push(grown.tree);
      const leafFactors = grown.tree.value.map((v) => Math.exp(-v));
      applyLeafFactors(grown, leafFactors, inputs.rows, expNegMargins);
      for (let i = 0; i < nRows - nSampled; i++) {
        const r = outOfSample[i]!;
        expNegMargins[r]! *= leafFactors[binnedLeaf(grown, binned, r)]!;
      }
      const metric = evaluation?.addTree(grown, round);
      options.onRound?.(round + 1, params.nRounds, metric);
      if (evaluation?.shouldStop(round)) break;
      await setImmediate();
    }
  } finally {
    await kernels.close();
  }

  const training: TrainingSummary | null = evaluation ? evaluation.summary(trees.length) : null;
  const kept = params.earlyStoppingRounds > 0 && training ? trees.slice(0, training.bestIteration + 1) : trees;
  return {
    format: GBDT_FORMAT,
    version: GBDT_VERSION,
    objective: 'binary:logistic',
    source: 'riskgate',
    featureNames,
    baseScore,
    params: modelParams(params),
    training,
    trees: kept,
  };
}

/** The parameters that shape the model: everything but the thread count, which changes nothing in it. */
function modelParams(params: GbdtParams): ModelParams {
  const { threads: _threads, ...rest } = params;
  return rest;
}

/** XGBoost refuses ±Infinity in training data; so do we (a threshold must be a finite, JSON-able number). */
function rejectInfinities(set: LabeledSet, data: ValidatedSet, what: string): void {
  const m = set.features;
  const arrays = m.layout === 'columns' ? m.columns : [m.values];
  arrays.forEach((values, a) => {
    for (let i = 0; i < values.length; i++) {
      const x = values[i]!;
      if (x === Infinity || x === -Infinity) {
        const [row, col] = m.layout === 'columns' ? [i, a] : [Math.floor(i / data.nCols), i % data.nCols];
        throw new ModelInputError(`${what}: feature ${col} at row ${row} is ${x}; use NaN for missing values`);
      }
    }
  });
}

/** Sample weight × scale_pos_weight for positives; undefined when every row weighs 1. */
function effectiveWeights(data: ValidatedSet, scalePosWeight: number): Float64Array | undefined {
  if (!data.weights && scalePosWeight === 1) return undefined;
  const w = new Float64Array(data.nRows);
  for (let r = 0; r < data.nRows; r++) w[r] = (data.weights ? data.weights[r]! : 1) * (data.labels[r] === 1 ? scalePosWeight : 1);
  return w;
}

function weightedPositiveRate(labels: Uint8Array, weights: Float64Array | undefined): number {
  let positive = 0;
  let total = 0;
  for (let r = 0; r < labels.length; r++) {
    const w = weights ? weights[r]! : 1;
    positive += w * labels[r]!;
    total += w;
  }
  // Clamped so the logit stays finite and the stored probability stays strictly inside (0, 1).
  return Math.min(1 - 1e-6, Math.max(1e-6, positive / total));
}

function computeGradients(expNegMargins: Float64Array, labels: Uint8Array, weights: Float64Array | undefined, gradHess: Float64Array): void {
  for (let r = 0; r < expNegMargins.length; r++) {
    const p = 1 / (1 + expNegMargins[r]!);
    const w = weights ? weights[r]! : 1;
    gradHess[2 * r] = (p - labels[r]!) * w;
    gradHess[2 * r + 1] = Math.max(p * (1 - p), MIN_HESSIAN) * w;
  }
}

/** Bernoulli row sample (XGBoost's): sampled row ids into rows[0..n), the others into outOfSample. */
function sampleRows(rows: Uint32Array, outOfSample: Uint32Array, nRows: number, subsample: number, prng: Prng): number {
  if (subsample >= 1) {
    for (let r = 0; r < nRows; r++) rows[r] = r;
    return nRows;
  }
  let sampled = 0;
  let skipped = 0;
  for (let r = 0; r < nRows; r++) {
    if (prng.nextFloat() < subsample) rows[sampled++] = r;
    else outOfSample[skipped++] = r;
  }
  if (sampled === 0) rows[sampled++] = outOfSample[--skipped]!;
  return sampled;
}

/** Choose round(colsample × nCols) features (at least one) by a partial Fisher–Yates shuffle; ascending. */
function sampleFeatures(features: Int32Array, nCols: number, colsample: number, prng: Prng): number {
  for (let f = 0; f < nCols; f++) features[f] = f;
  if (colsample >= 1) return nCols;
  const k = Math.max(1, Math.round(colsample * nCols));
  for (let i = 0; i < k; i++) {
    const j = i + prng.nextInt(nCols - i);
    const tmp = features[i]!;
    features[i] = features[j]!;
    features[j] = tmp;
  }
  features.subarray(0, k).sort();
  return k;
}

/** Every sampled row sits in exactly one leaf's range of `rows`: apply that leaf's exp(−value). */
function applyLeafFactors(grown: GrownTree, leafFactors: number[], rows: Uint32Array, expNegMargins: Float64Array): void {
  const { tree, rowStart, rowEnd } = grown;
  for (let node = 0; node < tree.feature.length; node++) {
    if (tree.feature[node]! >= 0) continue;
    const factor = leafFactors[node]!;
    for (let i = rowStart[node]!; i < rowEnd[node]!; i++) expNegMargins[rows[i]!]! *= factor;
  }
}

/** The leaf a binned row reaches: the same decisions as thresholds on raw values, made on bins. */
function binnedLeaf(grown: GrownTree, binned: BinnedMatrix, row: number): number {
  const { feature, left, right, defaultLeft } = grown.tree;
  let node = 0;
  while (feature[node]! >= 0) {
    const bin = binned.columnBins[feature[node]! * binned.nRows + row]!;
    const goLeft = bin === 0 ? defaultLeft[node] === 1 : bin <= grown.splitBin[node]!;
    node = goLeft ? left[node]! : right[node]!;
  }
  return node;
}

/** Validation margins kept up to date tree by tree, the metric history, and the early-stopping decision. */
class ValidationTracker {
  private readonly binned: BinnedMatrix;
  private readonly margins: Float64Array;
  private readonly history: number[] = [];
  private bestIteration = 0;
  private bestScore = NaN;

  constructor(
    set: LabeledSet,
    private readonly data: ValidatedSet,
    cuts: FeatureCuts,
    baseMargin: number,
    private readonly params: GbdtParams,
  ) {
    this.binned = binMatrix(set.features, data.nRows, data.nCols, cuts);
    this.margins = new Float64Array(data.nRows).fill(baseMargin);
  }

  addTree(grown: GrownTree, round: number): number {
    for (let r = 0; r < this.data.nRows; r++) this.margins[r]! += grown.tree.value[binnedLeaf(grown, this.binned, r)]!;
    const metric =
      this.params.evalMetric === 'auc'
        ? auc(this.margins, this.data.labels, this.data.weights)
        : logLossFromMargins(this.margins, this.data.labels, this.data.weights);
    this.history.push(metric);
    const better = this.params.evalMetric === 'auc' ? metric > this.bestScore : metric < this.bestScore;
    if (round === 0 || better) {
      this.bestScore = metric;
      this.bestIteration = round;
    }
    return metric;
  }

  shouldStop(round: number): boolean {
    const patience = this.params.earlyStoppingRounds;
    return patience > 0 && round - this.bestIteration >= patience;
  }

  summary(rounds: number): TrainingSummary {
    return { rounds, bestIteration: this.bestIteration, evalMetric: this.params.evalMetric, bestScore: this.bestScore, history: [...this.history] };
  }
}
