import { availableParallelism } from 'node:os';
import { ModelInputError } from './errors.js';

/**
 * Training parameters. Names follow XGBoost's (camelCased) and mean the same thing, so a model
 * tuned in Python carries over: `eta` = learning_rate, `gamma` = min_split_loss, etc.
 */
export interface GbdtParams {
  /** Boosting rounds (trees) to train; early stopping may keep fewer. */
  nRounds: number;
  /** Learning rate: each leaf value is multiplied by it. XGBoost `eta`. */
  eta: number;
  /** Maximum tree depth. 0 = unlimited, allowed only with growPolicy 'lossguide' and maxLeaves > 0. */
  maxDepth: number;
  /** Maximum leaves per tree; 0 = unlimited. Applies to both growth policies, like XGBoost. */
  maxLeaves: number;
  /**
   * 'depthwise' splits every splittable node of one depth before going deeper (XGBoost's default);
   * 'lossguide' always splits the leaf with the largest loss reduction (LightGBM's leaf-wise growth).
   */
  growPolicy: 'depthwise' | 'lossguide';
  /** L2 regularisation on leaf weights. XGBoost `lambda`. */
  lambda: number;
  /** L1 regularisation on leaf weights. XGBoost `alpha`. */
  alpha: number;
  /** Minimum hessian sum in each child of a split. XGBoost `min_child_weight`. */
  minChildWeight: number;
  /** Minimum loss reduction for a split, on XGBoost's scale (no ½ factor). XGBoost `gamma`. */
  gamma: number;
  /** Fraction of rows sampled (Bernoulli, per tree). */
  subsample: number;
  /** Fraction of features sampled per tree. */
  colsampleBytree: number;
  /**
   * Histogram bins per feature, including the one reserved for missing values: a feature gets at
   * most maxBin − 1 value bins, so bin indices fit in a Uint8Array. 2..256.
   */
  maxBin: number;
  /** Weight multiplier for positive rows (on top of sample weights). */
  scalePosWeight: number;
  /**
   * Initial prediction as a probability. 'mean' (default) uses the weighted positive rate of the
   * training labels, so the first trees do not spend themselves moving from 0.5 to a 2% prior;
   * pass 0.5 to reproduce XGBoost 1.x exactly.
   */
  baseScore: number | 'mean';
  /** Stop when the validation metric has not improved for this many rounds; 0 = off. Needs a validation set. */
  earlyStoppingRounds: number;
  /** Metric that early stopping watches on the validation set. */
  evalMetric: 'logloss' | 'auc';
  /** Seed for row and column sampling. */
  seed: number;
  /**
   * Threads for building histograms and partitioning rows (the main thread counts as one).
   * Default: 2, or 1 on a single-core machine. The model does not depend on it (bit-identical
   * for any count) and the artifact does not record it. Measured on the 2-core benchmark box,
   * 1M × 30, 200 trees of depth 6, with another process busy: 57.6 s with 1 thread, 41.6 s with 2.
   * Pass 1 when training inside a process that must keep its second core (a busy server).
   */
  threads: number;
}

export const DEFAULT_PARAMS: Readonly<GbdtParams> = Object.freeze({
  nRounds: 100,
  eta: 0.3,
  maxDepth: 6,
  maxLeaves: 0,
  growPolicy: 'depthwise',
  lambda: 1,
  alpha: 0,
  minChildWeight: 1,
  gamma: 0,
  subsample: 1,
  colsampleBytree: 1,
  maxBin: 256,
  scalePosWeight: 1,
  baseScore: 'mean',
  earlyStoppingRounds: 0,
  evalMetric: 'logloss',
  seed: 0,
  threads: Math.min(2, availableParallelism()),
});

/** Fill defaults and check every parameter, naming the first bad one. */
export function resolveParams(partial: Partial<GbdtParams> = {}): GbdtParams {
  for (const key of Object.keys(partial)) {
    if (!(key in DEFAULT_PARAMS)) throw new ModelInputError(`unknown GBDT parameter "${key}"`);
  }
  const p: GbdtParams = { ...DEFAULT_PARAMS, ...stripUndefined(partial) };
  integer('nRounds', p.nRounds, 1, 100_000);
  number('eta', p.eta, 0, 1, false);
  integer('maxDepth', p.maxDepth, 0, 30);
  integer('maxLeaves', p.maxLeaves, 0, 1 << 20);
  if (p.maxLeaves === 1) throw new ModelInputError('maxLeaves must be 0 (unlimited) or at least 2, got 1');
  if (p.growPolicy !== 'depthwise' && p.growPolicy !== 'lossguide') {
    throw new ModelInputError(`growPolicy must be 'depthwise' or 'lossguide', got ${JSON.stringify(p.growPolicy)}`);
  }
  if (p.maxDepth === 0 && (p.growPolicy !== 'lossguide' || p.maxLeaves === 0)) {
    throw new ModelInputError("maxDepth 0 (unlimited) needs growPolicy 'lossguide' and maxLeaves > 0");
  }
  number('lambda', p.lambda, 0, Infinity, true);
  number('alpha', p.alpha, 0, Infinity, true);
  number('minChildWeight', p.minChildWeight, 0, Infinity, true);
  number('gamma', p.gamma, 0, Infinity, true);
  number('subsample', p.subsample, 0, 1, false);
  number('colsampleBytree', p.colsampleBytree, 0, 1, false);
  integer('maxBin', p.maxBin, 2, 256);
  number('scalePosWeight', p.scalePosWeight, 0, Infinity, false);
  if (p.baseScore !== 'mean') number('baseScore', p.baseScore, 0, 1, false, false);
  integer('earlyStoppingRounds', p.earlyStoppingRounds, 0, 100_000);
  if (p.evalMetric !== 'logloss' && p.evalMetric !== 'auc') {
    throw new ModelInputError(`evalMetric must be 'logloss' or 'auc', got ${JSON.stringify(p.evalMetric)}`);
  }
  integer('seed', p.seed, 0, 0xffffffff);
  integer('threads', p.threads, 1, 64);
  return p;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function integer(name: string, value: unknown, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ModelInputError(`${name} must be an integer in [${min}, ${max}], got ${String(value)}`);
  }
}

/** A finite number in the range; `minInclusive`/`maxInclusive` say whether the bounds themselves are allowed. */
function number(name: string, value: unknown, min: number, max: number, minInclusive: boolean, maxInclusive = true): void {
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (minInclusive ? value >= min : value > min) &&
    (maxInclusive ? value <= max : value < max);
  if (!ok) {
    const range = `${minInclusive ? '[' : '('}${min}, ${max}${maxInclusive && max !== Infinity ? ']' : ')'}`;
    throw new ModelInputError(`${name} must be a number in ${range}, got ${String(value)}`);
  }
}
