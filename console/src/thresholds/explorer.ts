// What a policy would do, read off the explorer's precomputed points so a slider answers at once.
// The points are grouped by review threshold into curves over the block threshold; a policy between
// points is interpolated linearly along its curve, then between the two nearest curves that reach it.
// Pure functions with no imports (no DOM, no React), so they are unit-tested in Node.

export type OutcomeName = 'reviewsPerDay' | 'fraudStoppedAmount' | 'fraudStoppedShare' | 'goodBlockedPerDay' | 'savings';
export type Outcome = Record<OutcomeName, number>;

/** What the explorer reads of each point of GET /v1/policy/explorer; null where the point says nothing. */
export interface PolicyPoint extends Record<OutcomeName, number | null> {
  block: number;
  review: number;
}

const OUTCOMES: OutcomeName[] = ['reviewsPerDay', 'fraudStoppedAmount', 'fraudStoppedShare', 'goodBlockedPerDay', 'savings'];

/** Points of one review threshold, sorted by block threshold. */
interface Curve {
  review: number;
  points: PolicyPoint[];
}

export interface Explorer {
  curves: Curve[];
  /** Every block threshold and review threshold the points cover, ascending (the charts' x values). */
  blockValues: number[];
  reviewValues: number[];
}

export function buildExplorer(points: readonly PolicyPoint[]): Explorer {
  const byReview = new Map<number, PolicyPoint[]>();
  for (const point of points) {
    const curve = byReview.get(point.review);
    if (curve) curve.push(point);
    else byReview.set(point.review, [point]);
  }
  const curves = [...byReview.entries()].sort(([a], [b]) => a - b).map(([review, curvePoints]) => ({ review, points: curvePoints.sort((a, b) => a.block - b.block) }));
  const distinctSorted = (values: number[]) => [...new Set(values)].sort((a, b) => a - b);
  return { curves, blockValues: distinctSorted(points.map((p) => p.block)), reviewValues: distinctSorted(points.map((p) => p.review)) };
}

/** The position in `values` (ascending) of the value nearest to `x`: where a slider over them stands. */
export function nearestIndex(values: readonly number[], x: number): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (Math.abs(values[i]! - x) < Math.abs(values[best]! - x)) best = i;
  return best;
}

/**
 * The outcome of blocking at `block` and reviewing from `review` (a review threshold above the block
 * threshold means no review band, as on the server). NaN outcomes mean the points say nothing there.
 */
export function outcomeAt(explorer: Explorer, block: number, review: number): Outcome {
  const effectiveReview = Math.min(review, block);
  const reaching = explorer.curves.filter((c) => c.points[0]!.block <= block && block <= c.points[c.points.length - 1]!.block);
  const candidates = reaching.length > 0 ? reaching : explorer.curves;
  if (candidates.length === 0) return emptyOutcome();
  const below = [...candidates].reverse().find((c) => c.review <= effectiveReview);
  const above = candidates.find((c) => c.review >= effectiveReview);
  if (below && above && below !== above) {
    const t = (effectiveReview - below.review) / (above.review - below.review);
    return mix(alongCurve(below, block), alongCurve(above, block), t);
  }
  return alongCurve((below ?? above)!, block);
}

/** The curve's outcome at `block`, linear between its neighbouring points, clamped at its ends. */
function alongCurve(curve: Curve, block: number): Outcome {
  const { points } = curve;
  const after = points.findIndex((p) => p.block >= block);
  if (after === -1) return outcomeOf(points[points.length - 1]!);
  if (after === 0) return outcomeOf(points[0]!);
  const left = points[after - 1]!;
  const right = points[after]!;
  return mix(outcomeOf(left), outcomeOf(right), (block - left.block) / (right.block - left.block));
}

function outcomeOf(point: PolicyPoint): Outcome {
  const outcome = emptyOutcome();
  for (const name of OUTCOMES) outcome[name] = point[name] ?? NaN;
  return outcome;
}

function mix(a: Outcome, b: Outcome, t: number): Outcome {
  const outcome = emptyOutcome();
  for (const name of OUTCOMES) outcome[name] = t === 0 ? a[name] : t === 1 ? b[name] : a[name] + (b[name] - a[name]) * t;
  return outcome;
}

function emptyOutcome(): Outcome {
  return { reviewsPerDay: NaN, fraudStoppedAmount: NaN, fraudStoppedShare: NaN, goodBlockedPerDay: NaN, savings: NaN };
}
