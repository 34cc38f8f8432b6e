// Evaluation rows checked once and laid out as parallel typed arrays, with each row's UTC day and
// the cost of missing it, so that every policy computation below is a loop over numbers.
import type { EvaluationRow } from '../models/evaluation.js';
import type { ResolvedCosts } from './costs.js';

export const DAY_MS = 86_400_000;

export { NEVER } from '../models/artifact.js';

export interface PreparedRows {
  count: number;
  probability: Float64Array;
  /** 1 for fraud, 0 for legitimate. */
  fraud: Uint8Array;
  /** The transaction amount; 0 for a row without one. */
  amount: Float64Array;
  /** What letting the row through costs: its missed-fraud cost if fraud, 0 if legitimate. */
  missCost: Float64Array;
  /** Index into `dayStarts`. */
  day: Int32Array;
  /** UTC midnights (epoch ms) of the days that have rows, ascending. Days without any row do not count. */
  dayStarts: number[];
}

export function prepareRows(rows: readonly EvaluationRow[], costs: ResolvedCosts): PreparedRows {
  if (rows.length === 0) throw new RangeError('no rows: the period has no labelled rows to choose thresholds on');
  const count = rows.length;
  const probability = new Float64Array(count);
  const fraud = new Uint8Array(count);
  const amount = new Float64Array(count);
  const missCost = new Float64Array(count);
  const dayNumber = new Float64Array(count);
  rows.forEach((row, i) => {
    if (!(row.probability >= 0 && row.probability <= 1)) throw new RangeError(`row ${i}: probability must be in [0, 1], got ${String(row.probability)}`);
    if (row.label !== 0 && row.label !== 1) throw new RangeError(`row ${i}: label must be 0 or 1, got ${String(row.label)}`);
    if (!Number.isFinite(row.ts)) throw new RangeError(`row ${i}: ts must be a finite epoch-ms time`);
    if (row.amount !== undefined && !(row.amount >= 0 && Number.isFinite(row.amount))) throw new RangeError(`row ${i}: amount must be a finite number ≥ 0, got ${String(row.amount)}`);
    probability[i] = row.probability;
    fraud[i] = row.label;
    amount[i] = row.amount ?? 0;
    dayNumber[i] = Math.floor(row.ts / DAY_MS);
    if (row.label === 1) {
      if (costs.fnCost.kind === 'amount') {
        if (row.amount === undefined) throw new RangeError(`row ${i}: a fraud row needs an amount when a missed fraud costs its amount`);
        missCost[i] = row.amount * costs.fnCost.multiplier;
      } else {
        missCost[i] = costs.fnCost.value * costs.fpCost;
      }
    }
  });
  const distinctDays = [...new Set(dayNumber)].sort((a, b) => a - b);
  const dayIndex = new Map(distinctDays.map((d, i) => [d, i]));
  const day = Int32Array.from(dayNumber, (d) => dayIndex.get(d)!);
  return { count, probability, fraud, amount, missCost, day, dayStarts: distinctDays.map((d) => d * DAY_MS) };
}

/** First index whose value is ≥ `threshold` in an ascending array (its length when none is). */
export function lowerBound(sorted: ArrayLike<number>, threshold: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < threshold) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
