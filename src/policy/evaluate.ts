// What a policy does to a period's rows, computed directly row by row: the reference every faster
// path (the optimizer's grid, the explorer) is tested against. Outcomes are tallied per day first,
// because the capacity rule is about the busiest day and the bootstrap resamples days.
import type { EvaluationRow } from '../models/evaluation.js';
import type { Policy } from '../models/artifact.js';
import { checkCapacity, resolveCosts, type CostModel, type ResolvedCosts } from './costs.js';
import { prepareRows, type PreparedRows } from './rows.js';

/** Additive counts of one day (or of a sum of days) under one policy. */
export interface Tally {
  rows: number;
  fraud: number;
  fraudAmount: number;
  /** What all fraud would cost if nothing were done. */
  fraudMissCost: number;
  blocked: number;
  blockedFraud: number;
  reviewed: number;
  reviewedFraud: number;
  /** Amount and missed-fraud cost of the fraud blocked or reviewed (both stop it). */
  stoppedAmount: number;
  stoppedMissCost: number;
}

export const emptyTally = (): Tally => ({
  rows: 0,
  fraud: 0,
  fraudAmount: 0,
  fraudMissCost: 0,
  blocked: 0,
  blockedFraud: 0,
  reviewed: 0,
  reviewedFraud: 0,
  stoppedAmount: 0,
  stoppedMissCost: 0,
});

const TALLY_FIELDS = Object.keys(emptyTally()) as Array<keyof Tally>;

export function addTally(sum: Tally, day: Tally): void {
  for (const field of TALLY_FIELDS) sum[field] += day[field];
}

/** One tally per day of the period (index = day index of the prepared rows). */
export function dailyTallies(rows: PreparedRows, policy: Policy): Tally[] {
  const days = rows.dayStarts.map(emptyTally);
  for (let i = 0; i < rows.count; i++) {
    const tally = days[rows.day[i]!]!;
    const p = rows.probability[i]!;
    const isFraud = rows.fraud[i] === 1;
    const blocked = p >= policy.block;
    const reviewed = !blocked && p >= policy.review;
    tally.rows++;
    if (blocked) tally.blocked++;
    if (reviewed) tally.reviewed++;
    if (!isFraud) continue;
    tally.fraud++;
    tally.fraudAmount += rows.amount[i]!;
    tally.fraudMissCost += rows.missCost[i]!;
    if (blocked) tally.blockedFraud++;
    if (reviewed) tally.reviewedFraud++;
    if (blocked || reviewed) {
      tally.stoppedAmount += rows.amount[i]!;
      tally.stoppedMissCost += rows.missCost[i]!;
    }
  }
  return days;
}

/** The metrics that follow from a tally alone: everything but the per-day capacity figures. */
export interface PolicyOutcome {
  rows: number;
  days: number;
  blocked: number;
  reviewed: number;
  /** Mean reviews per day over the period's days. */
  reviewsPerDay: number;
  /** Share of blocked rows that are fraud (NaN when nothing is blocked). */
  blockPrecision: number;
  /** Share of all fraud rows that are blocked. */
  blockRecall: number;
  /** Share of blocked or reviewed rows that are fraud. */
  flaggedPrecision: number;
  /** Share of all fraud rows that are blocked or reviewed, i.e. stopped. */
  flaggedRecall: number;
  fraudCount: number;
  fraudAmount: number;
  fraudStoppedCount: number;
  fraudStoppedAmount: number;
  /** Share of the fraud amount that is stopped (NaN when no fraud row carries an amount). */
  fraudStoppedShare: number;
  goodBlocked: number;
  goodBlockedPerDay: number;
  /** Cost with no policy at all: every fraud missed. */
  costOfDoingNothing: number;
  /** Missed fraud + blocked good customers + reviews. */
  cost: number;
  /** costOfDoingNothing − cost. */
  savings: number;
}

const ratio = (numerator: number, denominator: number) => (denominator > 0 ? numerator / denominator : NaN);

export function outcomeOf(t: Tally, days: number, costs: ResolvedCosts): PolicyOutcome {
  const goodBlocked = t.blocked - t.blockedFraud;
  const stopped = t.blockedFraud + t.reviewedFraud;
  const savings = t.stoppedMissCost - costs.fpCost * goodBlocked - costs.reviewCost * t.reviewed;
  return {
    rows: t.rows,
    days,
    blocked: t.blocked,
    reviewed: t.reviewed,
    reviewsPerDay: t.reviewed / days,
    blockPrecision: ratio(t.blockedFraud, t.blocked),
    blockRecall: ratio(t.blockedFraud, t.fraud),
    flaggedPrecision: ratio(stopped, t.blocked + t.reviewed),
    flaggedRecall: ratio(stopped, t.fraud),
    fraudCount: t.fraud,
    fraudAmount: t.fraudAmount,
    fraudStoppedCount: stopped,
    fraudStoppedAmount: t.stoppedAmount,
    fraudStoppedShare: ratio(t.stoppedAmount, t.fraudAmount),
    goodBlocked,
    goodBlockedPerDay: goodBlocked / days,
    costOfDoingNothing: t.fraudMissCost,
    cost: t.fraudMissCost - savings,
    savings,
  };
}

export interface PolicyMetrics extends PolicyOutcome {
  policy: Policy;
  capacityPerDay: number;
  /** Reviews on the busiest day, and that day's UTC midnight (epoch ms). */
  busiestDayReviews: number;
  busiestDay: number;
  /** Days whose reviews exceed the capacity. */
  daysOverCapacity: number;
}

export function metricsOf(rows: PreparedRows, policy: Policy, costs: ResolvedCosts, capacityPerDay: number): PolicyMetrics {
  const perDay = dailyTallies(rows, policy);
  const total = emptyTally();
  let busiest = 0;
  let daysOverCapacity = 0;
  perDay.forEach((day, d) => {
    addTally(total, day);
    if (day.reviewed > perDay[busiest]!.reviewed) busiest = d;
    if (day.reviewed > capacityPerDay) daysOverCapacity++;
  });
  return {
    policy: { block: policy.block, review: policy.review },
    capacityPerDay,
    ...outcomeOf(total, perDay.length, costs),
    busiestDayReviews: perDay[busiest]!.reviewed,
    busiestDay: rows.dayStarts[busiest]!,
    daysOverCapacity,
  };
}

export interface PolicyEvaluationOptions extends CostModel {
  capacityPerDay: number;
}

export function checkPolicy(policy: Policy): void {
  if (!(Number.isFinite(policy.block) && Number.isFinite(policy.review))) throw new RangeError('policy thresholds must be finite numbers');
  if (policy.review > policy.block) throw new RangeError(`policy.review (${policy.review}) must not be above policy.block (${policy.block})`);
}

/** Metrics of a fixed policy on a period, e.g. the optimizer's choice on the test period it never saw. */
export function evaluatePolicy(rows: readonly EvaluationRow[], policy: Policy, options: PolicyEvaluationOptions): PolicyMetrics {
  checkPolicy(policy);
  checkCapacity(options.capacityPerDay);
  const costs = resolveCosts(options);
  return metricsOf(prepareRows(rows, costs), policy, costs, options.capacityPerDay);
}
