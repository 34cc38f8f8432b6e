// Bootstrap confidence intervals for a fixed policy's metrics, resampling whole days. Days, not rows:
// fraud arrives in bursts (a card-testing run, a ring) and traffic swings by weekday, so rows of one
// day are not independent, and resampling rows would make the intervals too narrow; the daily review
// volume is also a per-day quantity by definition. The thresholds stay fixed: the intervals say how
// much the numbers depend on which days happened to be observed, not how stable the choice is.
import type { Policy } from '../models/artifact.js';
import type { EvaluationRow } from '../models/evaluation.js';
import { Prng } from '../models/gbdt/prng.js';
import { resolveCosts, type CostModel, type ResolvedCosts } from './costs.js';
import { addTally, checkPolicy, dailyTallies, emptyTally, outcomeOf, type PolicyOutcome, type Tally } from './evaluate.js';
import { prepareRows } from './rows.js';

export interface BootstrapOptions {
  /** Resampled periods (default 500). */
  resamples?: number;
  /** Seed of the resampling (default 1): the same seed always gives the same intervals. */
  seed?: number;
  /** Coverage of the percentile intervals (default 0.95). */
  level?: number;
}

export const BOOTSTRAP_STATISTICS = [
  'reviewsPerDay',
  'fraudStoppedAmount',
  'fraudStoppedShare',
  'goodBlockedPerDay',
  'blockPrecision',
  'flaggedPrecision',
  'flaggedRecall',
  'savings',
] as const satisfies ReadonlyArray<keyof PolicyOutcome>;

export type BootstrapStatistic = (typeof BOOTSTRAP_STATISTICS)[number];

export interface Interval {
  /** The metric on the period as observed. */
  estimate: number;
  low: number;
  high: number;
}

export interface PolicyIntervals extends Record<BootstrapStatistic, Interval> {
  resamples: number;
  seed: number;
  level: number;
}

interface ResolvedBootstrap {
  resamples: number;
  seed: number;
  level: number;
}

function resolveBootstrap(options: BootstrapOptions): ResolvedBootstrap {
  const resolved = { resamples: options.resamples ?? 500, seed: options.seed ?? 1, level: options.level ?? 0.95 };
  if (!Number.isInteger(resolved.resamples) || resolved.resamples < 1) throw new RangeError(`bootstrap resamples must be a positive integer, got ${resolved.resamples}`);
  if (!Number.isInteger(resolved.seed)) throw new RangeError(`bootstrap seed must be an integer, got ${resolved.seed}`);
  if (!(resolved.level > 0 && resolved.level < 1)) throw new RangeError(`bootstrap level must be between 0 and 1, got ${resolved.level}`);
  return resolved;
}

/** Linear interpolation between order statistics (type 7, as numpy's default). */
function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below);
}

/**
 * Percentile intervals over resampled periods of as many days as the original, drawn with
 * replacement. A resample where a statistic is undefined (precision with nothing flagged) is left
 * out of that statistic's interval.
 */
export function bootstrapDays(perDay: readonly Tally[], costs: ResolvedCosts, options: BootstrapOptions = {}): PolicyIntervals {
  const { resamples, seed, level } = resolveBootstrap(options);
  const days = perDay.length;
  const observed = emptyTally();
  for (const day of perDay) addTally(observed, day);
  const estimate = outcomeOf(observed, days, costs);

  const samples = Object.fromEntries(BOOTSTRAP_STATISTICS.map((s) => [s, [] as number[]])) as Record<BootstrapStatistic, number[]>;
  const random = new Prng(seed);
  for (let r = 0; r < resamples; r++) {
    const resampled = emptyTally();
    for (let d = 0; d < days; d++) addTally(resampled, perDay[random.nextInt(days)]!);
    const outcome = outcomeOf(resampled, days, costs);
    for (const statistic of BOOTSTRAP_STATISTICS) {
      if (Number.isFinite(outcome[statistic])) samples[statistic].push(outcome[statistic]);
    }
  }
  const tail = (1 - level) / 2;
  const intervals = Object.fromEntries(
    BOOTSTRAP_STATISTICS.map((statistic) => {
      const sorted = samples[statistic].sort((a, b) => a - b);
      return [statistic, { estimate: estimate[statistic], low: quantile(sorted, tail), high: quantile(sorted, 1 - tail) }];
    }),
  ) as Record<BootstrapStatistic, Interval>;
  return { ...intervals, resamples, seed, level };
}

/** Bootstrap intervals of a fixed policy's metrics on a period's rows. */
export function bootstrapPolicy(rows: readonly EvaluationRow[], policy: Policy, options: CostModel & BootstrapOptions): PolicyIntervals {
  checkPolicy(policy);
  const costs = resolveCosts(options);
  return bootstrapDays(dailyTallies(prepareRows(rows, costs), policy), costs, options);
}
