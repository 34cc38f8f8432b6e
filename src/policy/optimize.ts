// The cost- and capacity-aware threshold optimizer: the block and review thresholds that save the
// most (docs/POLICY.md defines savings) while the review queue stays within capacity on every day of
// the period, not just on average. Rows are bucketed between candidate thresholds; running totals
// from the top give any pair's savings in O(1) and per-day running counts its busiest day in O(D),
// so the whole grid of K² / 2 pairs costs O(n log n + K² · D).
import type { Policy } from '../models/artifact.js';
import type { EvaluationRow } from '../models/evaluation.js';
import { cumulativeCounts } from '../models/metrics.js';
import { bootstrapDays, type BootstrapOptions, type PolicyIntervals } from './bootstrap.js';
import { checkCapacity, resolveCosts, type CostModel, type ResolvedCosts } from './costs.js';
import { dailyTallies, metricsOf, type PolicyMetrics } from './evaluate.js';
import { ThresholdExplorer, type ExplorerPoint } from './explorer.js';
import { NEVER, lowerBound, prepareRows, type PreparedRows } from './rows.js';

export interface OptimizeOptions extends CostModel {
  /** Reviews the team can do in a day; it must hold on the busiest day of the period. */
  capacityPerDay: number;
  /**
   * Candidate thresholds: every distinct probability when there are at most this many (the exact
   * optimum), otherwise this many quantiles (default 200, at most 1000).
   */
  maxCandidates?: number;
  bootstrap?: BootstrapOptions;
  /** Points of the sweeps for plotting (default 101). */
  sweepPoints?: number;
}

export interface ThresholdGrid {
  /** Candidate thresholds, ascending; the last is NEVER. */
  thresholds: number[];
  /** Whether the candidates are every distinct probability, so the optimum is exact. */
  exact: boolean;
  /** savings[b][r]: the policy { block: thresholds[b], review: thresholds[r] }, for r ≤ b. */
  savings: number[][];
  /** busiestDayReviews[b][r]: reviews on the busiest day under the same policy. */
  busiestDayReviews: number[][];
}

/** The cutoff a precision–recall curve alone would pick, used as a block or as a review threshold. */
export interface PrCurveComparison {
  /** The threshold of the largest F1 (the highest such threshold on ties); NEVER without fraud. */
  cutoff: number;
  f1: number;
  precision: number;
  recall: number;
  /** { block: cutoff, review: cutoff }: everything above the cutoff blocked, no review band. */
  blockAtCutoff: PolicyMetrics;
  /** { block: NEVER, review: cutoff }: everything above the cutoff sent to review. */
  reviewAtCutoff: PolicyMetrics;
}

export interface OptimizationResult {
  policy: Policy;
  metrics: PolicyMetrics;
  /** Bootstrap intervals (over days) of the chosen policy's metrics. */
  intervals: PolicyIntervals;
  prCurve: PrCurveComparison;
  grid: ThresholdGrid;
  /** How the figures move with one threshold while the other stays at the chosen value. */
  sweeps: { byBlock: ExplorerPoint[]; byReview: ExplorerPoint[] };
  settings: ResolvedCosts & { capacityPerDay: number; candidates: number; exact: boolean };
}

const DEFAULT_MAX_CANDIDATES = 200;
const MAX_CANDIDATES_LIMIT = 1000;

/**
 * Ascending candidate thresholds ending with NEVER. Beyond `maxCandidates` distinct probabilities,
 * half are row quantiles (resolution where most rows are, which decides the review volume) and half
 * even probability steps (resolution at high scores, where the fraud and the block threshold are),
 * each snapped up to an observed probability, which splits the rows the same way.
 */
function candidateThresholds(probability: ArrayLike<number>, maxCandidates: number): { thresholds: number[]; exact: boolean } {
  const sorted = Float64Array.from(probability).sort();
  const distinct: number[] = [];
  for (const p of sorted) if (distinct[distinct.length - 1] !== p) distinct.push(p);
  if (distinct.length <= maxCandidates) return { thresholds: [...distinct, NEVER], exact: true };
  const byRank = Math.ceil(maxCandidates / 2);
  const byValue = maxCandidates - byRank;
  const picked = new Set<number>();
  for (let k = 0; k < byRank; k++) picked.add(sorted[Math.floor((k * sorted.length) / byRank)]!);
  for (let k = 1; k <= byValue; k++) {
    const at = lowerBound(distinct, k / byValue);
    if (at < distinct.length) picked.add(distinct[at]!);
  }
  return { thresholds: [...[...picked].sort((a, b) => a - b), NEVER], exact: false };
}

/**
 * Every pair review ≤ block of candidate thresholds: its savings and its busiest day. The best pair
 * within capacity wins; on equal savings the higher block, then the higher review threshold (fewer
 * customers touched), so an empty band is always reported as review = block.
 */
function searchGrid(
  rows: PreparedRows,
  thresholds: readonly number[],
  costs: ResolvedCosts,
  capacityPerDay: number,
): Pick<ThresholdGrid, 'savings' | 'busiestDayReviews'> & { best: Policy } {
  const k = thresholds.length;
  const days = rows.dayStarts.length;
  // Counted per bucket [thresholds[j], thresholds[j + 1]) first, then summed from the top: index j
  // then holds the rows with probability ≥ thresholds[j], index k none.
  const rowsFrom = new Float64Array(k + 1);
  const legitFrom = new Float64Array(k + 1);
  const missCostFrom = new Float64Array(k + 1);
  const dayRowsFrom = new Int32Array((k + 1) * days);
  for (let i = 0; i < rows.count; i++) {
    const p = rows.probability[i]!;
    const above = lowerBound(thresholds, p);
    const bucket = thresholds[above] === p ? above : above - 1; // the highest candidate ≤ p
    if (bucket < 0) continue; // below every candidate: never flagged, so no policy's savings depend on it
    rowsFrom[bucket]!++;
    legitFrom[bucket]! += 1 - rows.fraud[i]!;
    missCostFrom[bucket]! += rows.missCost[i]!;
    dayRowsFrom[bucket * days + rows.day[i]!]!++;
  }
  for (let j = k - 1; j >= 0; j--) {
    rowsFrom[j]! += rowsFrom[j + 1]!;
    legitFrom[j]! += legitFrom[j + 1]!;
    missCostFrom[j]! += missCostFrom[j + 1]!;
    for (let d = 0; d < days; d++) dayRowsFrom[j * days + d]! += dayRowsFrom[(j + 1) * days + d]!;
  }

  const savings: number[][] = [];
  const busiestDayReviews: number[][] = [];
  let best = { block: 0, review: 0, savings: -Infinity };
  for (let b = 0; b < k; b++) {
    const savingsRow: number[] = [];
    const busiestRow: number[] = [];
    for (let r = 0; r <= b; r++) {
      let busiest = 0;
      for (let d = 0; d < days; d++) busiest = Math.max(busiest, dayRowsFrom[r * days + d]! - dayRowsFrom[b * days + d]!);
      const saved = missCostFrom[r]! - costs.fpCost * legitFrom[b]! - costs.reviewCost * (rowsFrom[r]! - rowsFrom[b]!);
      savingsRow.push(saved);
      busiestRow.push(busiest);
      // Pairs come in increasing (block, review) order, so ">=" keeps the highest thresholds on ties.
      if (busiest <= capacityPerDay && saved >= best.savings) best = { block: b, review: r, savings: saved };
    }
    savings.push(savingsRow);
    busiestDayReviews.push(busiestRow);
  }
  return { savings, busiestDayReviews, best: { block: thresholds[best.block]!, review: thresholds[best.review]! } };
}

/** The threshold of the best F1 over the distinct probabilities, as one would read it off a PR curve. */
function maxF1Cutoff(rows: PreparedRows): { cutoff: number; f1: number; precision: number; recall: number } {
  let fraud = 0;
  for (let i = 0; i < rows.count; i++) fraud += rows.fraud[i]!;
  let best = { cutoff: NEVER, f1: 0, precision: NaN, recall: NaN };
  // Points come from the highest threshold down, so ">" keeps the highest threshold on ties.
  for (const { threshold, tp, fp } of cumulativeCounts(rows.probability, rows.fraud)) {
    const f1 = (2 * tp) / (tp + fp + fraud);
    if (f1 > best.f1) best = { cutoff: threshold, f1, precision: tp / (tp + fp), recall: tp / fraud };
  }
  return best;
}

export function optimizePolicy(rows: readonly EvaluationRow[], options: OptimizeOptions): OptimizationResult {
  checkCapacity(options.capacityPerDay);
  const maxCandidates = options.maxCandidates ?? DEFAULT_MAX_CANDIDATES;
  if (!Number.isInteger(maxCandidates) || maxCandidates < 2 || maxCandidates > MAX_CANDIDATES_LIMIT) {
    throw new RangeError(`maxCandidates must be an integer from 2 to ${MAX_CANDIDATES_LIMIT}, got ${maxCandidates}`);
  }
  const costs = resolveCosts(options);
  const { capacityPerDay } = options;
  const prepared = prepareRows(rows, costs);

  const { thresholds, exact } = candidateThresholds(prepared.probability, maxCandidates);
  const { savings, busiestDayReviews, best: policy } = searchGrid(prepared, thresholds, costs, capacityPerDay);
  const evaluate = (p: Policy) => metricsOf(prepared, p, costs, capacityPerDay);
  const { cutoff, f1, precision, recall } = maxF1Cutoff(prepared);
  const explorer = new ThresholdExplorer(prepared, costs, capacityPerDay);
  const sweepPoints = options.sweepPoints ?? 101;
  return {
    policy,
    metrics: evaluate(policy),
    intervals: bootstrapDays(dailyTallies(prepared, policy), costs, options.bootstrap),
    prCurve: {
      cutoff,
      f1,
      precision,
      recall,
      blockAtCutoff: evaluate({ block: cutoff, review: cutoff }),
      reviewAtCutoff: evaluate({ block: NEVER, review: cutoff }),
    },
    grid: { thresholds, exact, savings, busiestDayReviews },
    sweeps: { byBlock: explorer.byBlock(policy.review, sweepPoints), byReview: explorer.byReview(policy.block, sweepPoints) },
    settings: { ...costs, capacityPerDay, candidates: thresholds.length, exact },
  };
}
