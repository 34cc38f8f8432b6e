// Split search on a node's histogram, with XGBoost's objective: the loss reduction of a split is
// score(left) + score(right) − score(parent), score(G, H) = T(G)² / (H + λ), T the L1
// soft-threshold by α, and the leaf weight is −T(G) / (H + λ).
import type { GbdtParams } from './params.js';

/** Loss reductions at or below this are rounding noise, not splits (XGBoost's kRtEps). */
const MIN_GAIN = 1e-6;

/**
 * Threshold for the split "every value left, missing right": above every float32 value but
 * finite, so it survives JSON.
 */
export const ALL_VALUES_THRESHOLD = 3.4028234663852886e38;

export interface SplitCandidate {
  gain: number;
  feature: number;
  /** Value bins 1..bin go left; bin = number of value bins means "all values left". */
  bin: number;
  defaultLeft: boolean;
  leftGrad: number;
  leftHess: number;
}

export function emptyCandidate(): SplitCandidate {
  return { gain: 0, feature: -1, bin: 0, defaultLeft: false, leftGrad: 0, leftHess: 0 };
}

export function softThreshold(g: number, alpha: number): number {
  return g > alpha ? g - alpha : g < -alpha ? g + alpha : 0;
}

export function leafWeight(g: number, h: number, params: Pick<GbdtParams, 'lambda' | 'alpha'>): number {
  return -softThreshold(g, params.alpha) / (h + params.lambda);
}

/**
 * Best split of a node over the sampled features, written into `best` (gain 0 when none is
 * valid). For each cut both directions for missing values are tried, like XGBoost: missing-right
 * first, missing-left only when the node has missing values and it is strictly better; a node
 * without missing values in training therefore sends missing values right.
 * Ties keep the lower feature and the lower cut, so the result never depends on anything but the
 * histogram.
 */
export function findBestSplit(
  hist: Float64Array,
  features: Int32Array,
  nFeatures: number,
  slotOffsets: Int32Array,
  totalGrad: number,
  totalHess: number,
  params: GbdtParams,
  best: SplitCandidate,
): void {
  const { lambda, alpha, minChildWeight } = params;
  // A child must also weigh something relative to its parent: a hessian of 1e-13 left over from
  // subtracting two large sums is an empty child, not a split.
  const minHess = Math.max(minChildWeight, totalHess * 1e-10, Number.MIN_VALUE);
  const parentScore = score(totalGrad, totalHess, lambda, alpha);
  best.gain = 0;
  best.feature = -1;
  for (let j = 0; j < nFeatures; j++) {
    const f = features[j]!;
    const first = slotOffsets[f]!;
    const valueBins = slotOffsets[f + 1]! - first - 1;
    const missingGrad = hist[2 * first]!;
    const missingHess = hist[2 * first + 1]!;
    const hasMissing = missingHess > 0;
    let leftGrad = 0;
    let leftHess = 0;
    for (let bin = 1; bin <= valueBins; bin++) {
      leftGrad += hist[2 * (first + bin)]!;
      leftHess += hist[2 * (first + bin) + 1]!;
      // Missing right.
      let rightHess = totalHess - leftHess;
      if (leftHess >= minHess && rightHess >= minHess) {
        const gain = score(leftGrad, leftHess, lambda, alpha) + score(totalGrad - leftGrad, rightHess, lambda, alpha) - parentScore;
        if (gain > best.gain) set(best, gain, f, bin, false, leftGrad, leftHess);
      }
      if (!hasMissing) continue;
      // Missing left.
      const withMissingGrad = leftGrad + missingGrad;
      const withMissingHess = leftHess + missingHess;
      rightHess = totalHess - withMissingHess;
      if (withMissingHess >= minHess && rightHess >= minHess) {
        const gain =
          score(withMissingGrad, withMissingHess, lambda, alpha) + score(totalGrad - withMissingGrad, rightHess, lambda, alpha) - parentScore;
        if (gain > best.gain) set(best, gain, f, bin, true, withMissingGrad, withMissingHess);
      }
    }
  }
  if (best.gain <= MIN_GAIN || best.gain < params.gamma) {
    best.gain = 0;
    best.feature = -1;
  }
}

function score(g: number, h: number, lambda: number, alpha: number): number {
  const t = g > alpha ? g - alpha : g < -alpha ? g + alpha : 0;
  return (t * t) / (h + lambda);
}

function set(best: SplitCandidate, gain: number, feature: number, bin: number, defaultLeft: boolean, leftGrad: number, leftHess: number): void {
  best.gain = gain;
  best.feature = feature;
  best.bin = bin;
  best.defaultLeft = defaultLeft;
  best.leftGrad = leftGrad;
  best.leftHess = leftHess;
}
