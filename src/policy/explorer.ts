// Threshold-explorer data for the analyst console: what a policy does, recomputed as fast as a slider
// moves. The rows are sorted by probability once, with running totals from the top, so a threshold's
// totals are one binary search away; the busiest day needs one binary search per day.
import type { Policy } from '../models/artifact.js';
import type { EvaluationRow } from '../models/evaluation.js';
import { checkCapacity, resolveCosts, type CostModel, type ResolvedCosts } from './costs.js';
import { lowerBound, prepareRows, type PreparedRows } from './rows.js';

export interface ExplorerPoint {
  block: number;
  /** The review threshold in force: the one asked for, or the block threshold when that is lower. */
  review: number;
  /** Mean reviews per day. */
  reviewsPerDay: number;
  busiestDayReviews: number;
  /** Whether the busiest day stays within the capacity. */
  withinCapacity: boolean;
  fraudStoppedCount: number;
  fraudStoppedAmount: number;
  /** Share of the fraud amount stopped (NaN when no fraud row carries an amount). */
  fraudStoppedShare: number;
  goodBlockedPerDay: number;
  savings: number;
}

export interface ExplorerOptions extends CostModel {
  capacityPerDay: number;
}

/**
 * Totals over the rows at or above each position of the ascending sort; the last index (one past the
 * rows) holds zeros. Rows at or above position k are simply n − k.
 */
interface TotalsFromTop {
  fraud: Float64Array;
  fraudAmount: Float64Array;
  legit: Float64Array;
  missCost: Float64Array;
}

export class ThresholdExplorer {
  private readonly sorted: Float64Array;
  private readonly fromTop: TotalsFromTop;
  /** Probabilities of each day, ascending. */
  private readonly byDay: Float64Array[];
  private readonly costs: ResolvedCosts;
  private readonly capacityPerDay: number;

  /** From rows already checked and costed; `createThresholdExplorer` starts from evaluation rows. */
  constructor(prepared: PreparedRows, costs: ResolvedCosts, capacityPerDay: number) {
    this.costs = costs;
    this.capacityPerDay = capacityPerDay;
    const n = prepared.count;
    const order = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => prepared.probability[a]! - prepared.probability[b]!);
    this.sorted = Float64Array.from(order, (i) => prepared.probability[i]!);
    const column = () => new Float64Array(n + 1);
    this.fromTop = { fraud: column(), fraudAmount: column(), legit: column(), missCost: column() };
    const t = this.fromTop;
    for (let k = n - 1; k >= 0; k--) {
      const i = order[k]!;
      const fraud = prepared.fraud[i]!;
      t.fraud[k] = t.fraud[k + 1]! + fraud;
      t.legit[k] = t.legit[k + 1]! + 1 - fraud;
      t.fraudAmount[k] = t.fraudAmount[k + 1]! + fraud * prepared.amount[i]!;
      t.missCost[k] = t.missCost[k + 1]! + prepared.missCost[i]!;
    }
    const perDay: number[][] = prepared.dayStarts.map(() => []);
    for (const i of order) perDay[prepared.day[i]!]!.push(prepared.probability[i]!);
    this.byDay = perDay.map((scores) => Float64Array.from(scores));
  }

  get days(): number {
    return this.byDay.length;
  }

  /** The policy's figures; a review threshold above the block threshold means no review band. */
  at(policy: Policy): ExplorerPoint {
    if (Number.isNaN(policy.block) || Number.isNaN(policy.review)) throw new RangeError('policy thresholds must be numbers');
    const review = Math.min(policy.review, policy.block);
    const blockedFrom = lowerBound(this.sorted, policy.block);
    const flaggedFrom = lowerBound(this.sorted, review);
    const t = this.fromTop;
    const reviewed = blockedFrom - flaggedFrom;
    let busiestDayReviews = 0;
    for (const scores of this.byDay) busiestDayReviews = Math.max(busiestDayReviews, lowerBound(scores, policy.block) - lowerBound(scores, review));
    const fraudAmount = t.fraudAmount[0]!;
    return {
      block: policy.block,
      review,
      reviewsPerDay: reviewed / this.days,
      busiestDayReviews,
      withinCapacity: busiestDayReviews <= this.capacityPerDay,
      fraudStoppedCount: t.fraud[flaggedFrom]!,
      fraudStoppedAmount: t.fraudAmount[flaggedFrom]!,
      fraudStoppedShare: fraudAmount > 0 ? t.fraudAmount[flaggedFrom]! / fraudAmount : NaN,
      goodBlockedPerDay: t.legit[blockedFrom]! / this.days,
      savings: t.missCost[flaggedFrom]! - this.costs.fpCost * t.legit[blockedFrom]! - this.costs.reviewCost * reviewed,
    };
  }

  /** Block thresholds evenly spaced over [0, 1], the review threshold held (and lowered with the block threshold below it). */
  byBlock(review: number, points = 101): ExplorerPoint[] {
    return this.byBlockOver(review, grid(1, points));
  }

  /** The given block thresholds (ascending), the review threshold held as in byBlock. */
  byBlockOver(review: number, blocks: readonly number[]): ExplorerPoint[] {
    return blocks.map((block) => this.at({ block, review }));
  }

  /**
   * Thresholds worth exploring: `points` evenly spaced over [0, 1] and `points` at quantiles of the
   * scores (to three significant digits), ascending, without repeats. Calibrated fraud probabilities
   * crowd near 0 — a policy of "review from 0.008, block from 0.08" is common — where an even grid
   * alone has next to no points.
   */
  thresholdGrid(points = 101): number[] {
    const n = this.sorted.length;
    const quantiles = n === 0 ? [] : grid(1, points).map((q) => Number(this.sorted[Math.round(q * (n - 1))]!.toPrecision(3)));
    return [...new Set([...grid(1, points), ...quantiles])].sort((a, b) => a - b);
  }

  /** Review thresholds evenly spaced from 0 up to the block threshold (or 1), the block threshold held. */
  byReview(block: number, points = 101): ExplorerPoint[] {
    return grid(Math.min(block, 1), points).map((review) => this.at({ block, review }));
  }
}

/** `points` thresholds from 0 to `upTo` inclusive. */
function grid(upTo: number, points: number): number[] {
  if (!Number.isInteger(points) || points < 2) throw new RangeError(`points must be an integer ≥ 2, got ${points}`);
  return Array.from({ length: points }, (_, i) => (i / (points - 1)) * upTo);
}

export function createThresholdExplorer(rows: readonly EvaluationRow[], options: ExplorerOptions): ThresholdExplorer {
  checkCapacity(options.capacityPerDay);
  const costs = resolveCosts(options);
  return new ThresholdExplorer(prepareRows(rows, costs), costs, options.capacityPerDay);
}

/** The explorer curve over block thresholds for one review threshold, from scratch. */
export function explorerCurve(rows: readonly EvaluationRow[], options: ExplorerOptions & { review: number; points?: number }): ExplorerPoint[] {
  return createThresholdExplorer(rows, options).byBlock(options.review, options.points);
}
