// Evaluation metrics for binary fraud scores. Pure functions over parallel arrays: scores (higher =
// riskier), labels (1 fraud, 0 legitimate). Ties between scores are always handled as groups, so no
// result depends on row order.

/** Row indices ordered by descending score (ties in index order). */
function byScoreDescending(scores: ArrayLike<number>): Uint32Array {
  const order = new Uint32Array(scores.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  const s = Float64Array.from(scores);
  return order.sort((a, b) => s[b]! - s[a]! || a - b);
}

function checkInputs(scores: ArrayLike<number>, labels: ArrayLike<number>): void {
  if (scores.length !== labels.length) throw new RangeError(`scores (${scores.length}) and labels (${labels.length}) differ in length`);
  for (let i = 0; i < scores.length; i++) {
    if (!Number.isFinite(scores[i]!)) throw new RangeError(`score ${i} is not a finite number`);
    if (labels[i] !== 0 && labels[i] !== 1) throw new RangeError(`label ${i} must be 0 or 1, got ${String(labels[i])}`);
  }
}

export interface CurvePoint {
  threshold: number;
  tp: number;
  fp: number;
}

/** Cumulative true/false positives at each distinct score, flagging every row with score ≥ threshold. */
export function cumulativeCounts(scores: ArrayLike<number>, labels: ArrayLike<number>): CurvePoint[] {
  checkInputs(scores, labels);
  const order = byScoreDescending(scores);
  const points: CurvePoint[] = [];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < order.length; ) {
    const threshold = scores[order[i]!]!;
    for (; i < order.length && scores[order[i]!] === threshold; i++) {
      if (labels[order[i]!] === 1) tp++;
      else fp++;
    }
    points.push({ threshold, tp, fp });
  }
  return points;
}

const count = (labels: ArrayLike<number>, value: number) => {
  let n = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === value) n++;
  return n;
};

/** Area under the ROC curve (ties count half); NaN without both classes. */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const points = cumulativeCounts(scores, labels);
  const positives = count(labels, 1);
  const negatives = labels.length - positives;
  if (positives === 0 || negatives === 0) return NaN;
  let area = 0;
  let prevTp = 0;
  let prevFp = 0;
  for (const { tp, fp } of points) {
    area += ((fp - prevFp) * (tp + prevTp)) / 2; // trapezoid: ties contribute half
    prevTp = tp;
    prevFp = fp;
  }
  return area / (positives * negatives);
}

/** Average precision: Σ (Rₙ − Rₙ₋₁)·Pₙ over distinct thresholds (scikit-learn's definition); NaN without positives. */
export function averagePrecision(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const points = cumulativeCounts(scores, labels);
  const positives = count(labels, 1);
  if (positives === 0) return NaN;
  let ap = 0;
  let prevRecall = 0;
  for (const { tp, fp } of points) {
    const recall = tp / positives;
    ap += (recall - prevRecall) * (tp / (tp + fp));
    prevRecall = recall;
  }
  return ap;
}

export interface RocPoint {
  threshold: number;
  fpr: number;
  tpr: number;
}
export interface PrPoint {
  threshold: number;
  precision: number;
  recall: number;
}

/** ROC curve points from (0,0), at most `maxPoints` (evenly thinned for plotting). */
export function rocCurve(scores: ArrayLike<number>, labels: ArrayLike<number>, maxPoints = 200): RocPoint[] {
  const positives = count(labels, 1);
  const negatives = labels.length - positives;
  const points = cumulativeCounts(scores, labels).map(({ threshold, tp, fp }) => ({ threshold, fpr: negatives ? fp / negatives : 0, tpr: positives ? tp / positives : 0 }));
  return [{ threshold: Infinity, fpr: 0, tpr: 0 }, ...thin(points, maxPoints)];
}

export function prCurve(scores: ArrayLike<number>, labels: ArrayLike<number>, maxPoints = 200): PrPoint[] {
  const positives = count(labels, 1);
  const points = cumulativeCounts(scores, labels).map(({ threshold, tp, fp }) => ({ threshold, precision: tp / (tp + fp), recall: positives ? tp / positives : 0 }));
  return thin(points, maxPoints);
}

function thin<T>(points: T[], maxPoints: number): T[] {
  if (points.length <= maxPoints) return points;
  const step = (points.length - 1) / (maxPoints - 1);
  return Array.from({ length: maxPoints }, (_, i) => points[Math.round(i * step)]!);
}

export interface CalibrationBin {
  /** Bin [lower, upper); the last bin also holds 1. */
  lower: number;
  upper: number;
  count: number;
  meanPredicted: number;
  observedRate: number;
}

export interface CalibrationReport {
  /** Expected calibration error: Σ over non-empty bins of (rows in bin ÷ rows) · |observed − mean predicted|. */
  ece: number;
  /** Maximum calibration error: the largest |observed − mean predicted| over non-empty bins. */
  mce: number;
  /** Mean squared difference between predicted probability and label. */
  brier: number;
  bins: CalibrationBin[];
}

/**
 * Calibration of probabilities in B equal-width bins over [0, 1]. A probability p falls in bin
 * min(floor(p·B), B − 1): bins are closed on the left and open on the right, except the last, which
 * also holds 1. So 0.1 with B = 10 is in bin 1 ([0.1, 0.2)), not bin 0. Empty bins are skipped.
 */
export function calibration(probabilities: ArrayLike<number>, labels: ArrayLike<number>, binCount = 10): CalibrationReport {
  checkInputs(probabilities, labels);
  if (!Number.isInteger(binCount) || binCount < 1) throw new RangeError('binCount must be a positive integer');
  const counts = new Float64Array(binCount);
  const sums = new Float64Array(binCount);
  const positives = new Float64Array(binCount);
  let brier = 0;
  for (let i = 0; i < probabilities.length; i++) {
    const p = probabilities[i]!;
    if (p < 0 || p > 1) throw new RangeError(`probability ${i} is outside [0, 1]: ${p}`);
    const b = Math.min(Math.floor(p * binCount), binCount - 1);
    counts[b]!++;
    sums[b]! += p;
    positives[b]! += labels[i]!;
    brier += (p - labels[i]!) ** 2;
  }
  const n = probabilities.length;
  let ece = 0;
  let mce = 0;
  const bins: CalibrationBin[] = [];
  for (let b = 0; b < binCount; b++) {
    if (counts[b] === 0) continue;
    const meanPredicted = sums[b]! / counts[b]!;
    const observedRate = positives[b]! / counts[b]!;
    const gap = Math.abs(observedRate - meanPredicted);
    ece += (counts[b]! / n) * gap;
    mce = Math.max(mce, gap);
    bins.push({ lower: b / binCount, upper: (b + 1) / binCount, count: counts[b]!, meanPredicted, observedRate });
  }
  return { ece: n ? ece : NaN, mce: n ? mce : NaN, brier: n ? brier / n : NaN, bins };
}

export interface VolumeResult {
  /** Rows flagged: the top `perDay` scores of every day. */
  flagged: number;
  truePositives: number;
  precision: number;
  /** Share of all positive rows that were flagged. */
  recall: number;
}

/** Row indices of the top `perDay` scores of each day (ties by row order). */
export function topRowsPerDay(scores: ArrayLike<number>, days: ArrayLike<number>, perDay: number): number[] {
  const byDay = new Map<number, number[]>();
  for (let i = 0; i < scores.length; i++) {
    const list = byDay.get(days[i]!) ?? [];
    list.push(i);
    byDay.set(days[i]!, list);
  }
  const top: number[] = [];
  for (const rows of byDay.values()) top.push(...rows.sort((a, b) => scores[b]! - scores[a]! || a - b).slice(0, perDay));
  return top;
}

/** Precision and recall when reviewers take the top `perDay` rows of each day. */
export function atDailyVolume(scores: ArrayLike<number>, labels: ArrayLike<number>, days: ArrayLike<number>, perDay: number): VolumeResult {
  checkInputs(scores, labels);
  const flagged = topRowsPerDay(scores, days, perDay);
  const truePositives = flagged.reduce((n, r) => n + labels[r]!, 0);
  const positives = count(labels, 1);
  return {
    flagged: flagged.length,
    truePositives,
    precision: flagged.length ? truePositives / flagged.length : NaN,
    recall: positives ? truePositives / positives : NaN,
  };
}

export interface EntityPrecisionResult {
  /** Precision over all days' picks. */
  precision: number;
  picked: number;
  fraudulentPicked: number;
  perDay: Array<{ day: number; picked: number; fraudulent: number }>;
}

/**
 * Entity-precision@k per day: each day, rank entities by their highest score that day, leave out
 * entities picked on an earlier day (they were already reviewed), take the top k, and count how many
 * are fraudulent (an entity is fraudulent on a day when any of its rows that day has label 1).
 * Ties in an entity's score are broken by the smaller entity id.
 */
export function entityPrecisionAtK(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  entities: readonly string[],
  days: ArrayLike<number>,
  k: number,
): EntityPrecisionResult {
  checkInputs(scores, labels);
  const perDayEntities = new Map<number, Map<string, { score: number; fraud: boolean }>>();
  for (let i = 0; i < scores.length; i++) {
    const day = days[i]!;
    const map = perDayEntities.get(day) ?? new Map();
    const entry = map.get(entities[i]!) ?? { score: -Infinity, fraud: false };
    entry.score = Math.max(entry.score, scores[i]!);
    entry.fraud ||= labels[i] === 1;
    map.set(entities[i]!, entry);
    perDayEntities.set(day, map);
  }
  const picked = new Set<string>();
  const perDay: EntityPrecisionResult['perDay'] = [];
  let total = 0;
  let fraudulent = 0;
  for (const day of [...perDayEntities.keys()].sort((a, b) => a - b)) {
    const candidates = [...perDayEntities.get(day)!].filter(([entity]) => !picked.has(entity));
    candidates.sort((a, b) => b[1].score - a[1].score || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const top = candidates.slice(0, k);
    const hits = top.filter(([, e]) => e.fraud).length;
    for (const [entity] of top) picked.add(entity);
    perDay.push({ day, picked: top.length, fraudulent: hits });
    total += top.length;
    fraudulent += hits;
  }
  return { precision: total ? fraudulent / total : NaN, picked: total, fraudulentPicked: fraudulent, perDay };
}

export interface CostResult {
  threshold: number;
  falseNegatives: number;
  falsePositives: number;
  cost: number;
}

/**
 * Expected cost of blocking every row with score ≥ threshold: missed fraud costs `fnCost` each (or the
 * row's amount × fnCost when amounts are given), a false alarm costs `fpCost`. Returns the given
 * threshold's cost and the cheapest threshold.
 */
export function expectedCost(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  options: { threshold: number; fnCost: number; fpCost: number; amounts?: ArrayLike<number> },
): { atThreshold: CostResult; best: CostResult } {
  checkInputs(scores, labels);
  const missCost = (i: number) => (options.amounts ? options.amounts[i]! * options.fnCost : options.fnCost);
  const costAt = (threshold: number): CostResult => {
    let falseNegatives = 0;
    let falsePositives = 0;
    let cost = 0;
    for (let i = 0; i < scores.length; i++) {
      const flagged = scores[i]! >= threshold;
      if (labels[i] === 1 && !flagged) {
        falseNegatives++;
        cost += missCost(i);
      } else if (labels[i] === 0 && flagged) {
        falsePositives++;
        cost += options.fpCost;
      }
    }
    return { threshold, falseNegatives, falsePositives, cost };
  };
  // Sweep the distinct scores from the top: each step flags one more group of tied rows.
  const order = byScoreDescending(scores);
  let best = costAt(Infinity);
  let { falseNegatives, cost } = best;
  let falsePositives = 0;
  for (let i = 0; i < order.length; ) {
    const threshold = scores[order[i]!]!;
    for (; i < order.length && scores[order[i]!] === threshold; i++) {
      const r = order[i]!;
      if (labels[r] === 1) {
        falseNegatives--;
        cost -= missCost(r);
      } else {
        falsePositives++;
        cost += options.fpCost;
      }
    }
    if (cost < best.cost) best = { threshold, falseNegatives, falsePositives, cost };
  }
  return { atThreshold: costAt(options.threshold), best };
}
