// Binary classification metrics used for early stopping (and by tests and benchmarks).

/**
 * Area under the ROC curve, with optional row weights; tied scores count half, so the result
 * does not depend on row order. Needs at least one positive and one negative (NaN otherwise).
 */
export function auc(scores: ArrayLike<number>, labels: ArrayLike<number>, weights?: ArrayLike<number>): number {
  const n = scores.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  // Sorting a Float64Array natively and mapping back would need a second pass over ties; a
  // comparator sort of indices is fast enough for validation sets.
  const s = Float64Array.from(scores);
  order.sort((a, b) => s[b]! - s[a]!);
  let positives = 0;
  let negatives = 0;
  let area = 0;
  for (let i = 0; i < n; ) {
    let groupPositives = 0;
    let groupNegatives = 0;
    const score = s[order[i]!]!;
    for (; i < n && s[order[i]!] === score; i++) {
      const r = order[i]!;
      const w = weights ? weights[r]! : 1;
      if (labels[r] === 1) groupPositives += w;
      else groupNegatives += w;
    }
    area += groupNegatives * (positives + groupPositives / 2);
    positives += groupPositives;
    negatives += groupNegatives;
  }
  return positives > 0 && negatives > 0 ? area / (positives * negatives) : NaN;
}

/** Mean (weighted) binary log-loss of margins (log-odds), computed stably from the margins. */
export function logLossFromMargins(margins: ArrayLike<number>, labels: ArrayLike<number>, weights?: ArrayLike<number>): number {
  let total = 0;
  let totalWeight = 0;
  for (let i = 0; i < margins.length; i++) {
    const m = margins[i]!;
    const w = weights ? weights[i]! : 1;
    // −log σ(m) = softplus(−m); −log(1 − σ(m)) = softplus(m).
    total += w * softplus(labels[i] === 1 ? -m : m);
    totalWeight += w;
  }
  return total / totalWeight;
}

function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

export function sigmoid(margin: number): number {
  return 1 / (1 + Math.exp(-margin));
}
