// Calibration maps a model's raw margin (log-odds) to a probability that means what it says: of the
// rows scored 0.2, about 20 % are fraud. Fitted on a validation period the model never trained on.

export type Calibrator =
  | { kind: 'identity' }
  /** p = σ(a·margin + b) */
  | { kind: 'platt'; a: number; b: number }
  /** Piecewise-linear through (margin, probability) knots, flat beyond the ends. */
  | { kind: 'isotonic'; x: number[]; y: number[] };

export function applyCalibrator(calibrator: Calibrator, margin: number): number {
  switch (calibrator.kind) {
    case 'identity':
      return sigmoid(margin);
    case 'platt':
      return sigmoid(calibrator.a * margin + calibrator.b);
    case 'isotonic':
      return interpolate(calibrator.x, calibrator.y, margin);
  }
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

function checkFitInputs(margins: ArrayLike<number>, labels: ArrayLike<number>): { positives: number; negatives: number } {
  if (margins.length !== labels.length) throw new RangeError(`margins (${margins.length}) and labels (${labels.length}) differ in length`);
  let positives = 0;
  for (let i = 0; i < margins.length; i++) {
    if (!Number.isFinite(margins[i]!)) throw new RangeError(`margin ${i} is not a finite number`);
    if (labels[i] !== 0 && labels[i] !== 1) throw new RangeError(`label ${i} must be 0 or 1`);
    positives += labels[i]!;
  }
  const negatives = margins.length - positives;
  if (positives === 0 || negatives === 0) throw new RangeError('calibration needs both fraud and legitimate rows');
  return { positives, negatives };
}

/**
 * Platt scaling: a, b minimising log-loss of σ(a·margin + b), with Platt's smoothed targets
 * (N₊+1)/(N₊+2) and 1/(N₋+2) so that a separable validation set does not push probabilities to 0 or 1.
 * Newton's method with a backtracking line search.
 */
export function fitPlatt(margins: ArrayLike<number>, labels: ArrayLike<number>): Calibrator {
  const { positives, negatives } = checkFitInputs(margins, labels);
  const hi = (positives + 1) / (positives + 2);
  const lo = 1 / (negatives + 2);
  const n = margins.length;
  const target = (i: number) => (labels[i] === 1 ? hi : lo);
  const loss = (a: number, b: number) => {
    let total = 0;
    for (let i = 0; i < n; i++) {
      const z = a * margins[i]! + b;
      const t = target(i);
      // −[t log σ(z) + (1−t) log(1−σ(z))] = softplus(z) − t·z, stable for any z
      total += (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - t * z;
    }
    return total;
  };
  let a = 1;
  let b = 0;
  let current = loss(a, b);
  for (let iteration = 0; iteration < 100; iteration++) {
    let ga = 0;
    let gb = 0;
    let haa = 1e-12;
    let hab = 0;
    let hbb = 1e-12;
    for (let i = 0; i < n; i++) {
      const m = margins[i]!;
      const p = sigmoid(a * m + b);
      const d = p - target(i);
      const w = p * (1 - p);
      ga += d * m;
      gb += d;
      haa += w * m * m;
      hab += w * m;
      hbb += w;
    }
    const det = haa * hbb - hab * hab;
    if (Math.abs(ga) + Math.abs(gb) < 1e-10 || det <= 0) break;
    const da = -(hbb * ga - hab * gb) / det;
    const db = -(haa * gb - hab * ga) / det;
    let step = 1;
    let next = loss(a + step * da, b + step * db);
    while (next > current && step > 1e-8) {
      step /= 2;
      next = loss(a + step * da, b + step * db);
    }
    if (next > current) break;
    a += step * da;
    b += step * db;
    const improvement = current - next;
    current = next;
    if (improvement < 1e-12 * Math.max(1, current)) break;
  }
  return { kind: 'platt', a, b };
}

/**
 * Isotonic regression (pool-adjacent-violators) of labels on margins: the best non-decreasing step
 * function; rows with equal margins are pooled first. Predictions interpolate linearly between the
 * pooled blocks' mean margins and are flat beyond the ends.
 */
export function fitIsotonic(margins: ArrayLike<number>, labels: ArrayLike<number>): Calibrator {
  checkFitInputs(margins, labels);
  const order = Array.from({ length: margins.length }, (_, i) => i).sort((p, q) => margins[p]! - margins[q]!);
  // Blocks: [sum of margins, sum of labels, weight]
  const blockX: number[] = [];
  const blockY: number[] = [];
  const blockW: number[] = [];
  for (let i = 0; i < order.length; ) {
    const m = margins[order[i]!]!;
    let sumY = 0;
    let w = 0;
    for (; i < order.length && margins[order[i]!] === m; i++) {
      sumY += labels[order[i]!]!;
      w++;
    }
    blockX.push(m * w);
    blockY.push(sumY);
    blockW.push(w);
    while (blockY.length > 1) {
      const last = blockY.length - 1;
      if (blockY[last - 1]! / blockW[last - 1]! <= blockY[last]! / blockW[last]!) break;
      blockX[last - 1]! += blockX[last]!;
      blockY[last - 1]! += blockY[last]!;
      blockW[last - 1]! += blockW[last]!;
      blockX.pop();
      blockY.pop();
      blockW.pop();
    }
  }
  return {
    kind: 'isotonic',
    x: blockX.map((sx, i) => sx / blockW[i]!),
    y: blockY.map((sy, i) => sy / blockW[i]!),
  };
}

function interpolate(x: readonly number[], y: readonly number[], value: number): number {
  if (value <= x[0]!) return y[0]!;
  const last = x.length - 1;
  if (value >= x[last]!) return y[last]!;
  let lo = 0;
  let hi = last;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (x[mid]! <= value) lo = mid;
    else hi = mid;
  }
  const span = x[hi]! - x[lo]!;
  return span === 0 ? y[hi]! : y[lo]! + ((y[hi]! - y[lo]!) * (value - x[lo]!)) / span;
}
