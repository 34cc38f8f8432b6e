import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EvaluationRow } from '../models/evaluation.js';
import { bootstrapPolicy, BOOTSTRAP_STATISTICS } from './bootstrap.js';
import type { CostModel, MissedFraudCost } from './costs.js';
import { evaluatePolicy } from './evaluate.js';
import { optimizePolicy } from './optimize.js';
import { DAY_MS, NEVER } from './rows.js';
import { syntheticPeriod } from './synthetic.js';

const START = Date.UTC(2026, 2, 2);
const at = (day: number) => START + day * DAY_MS + 3_600_000;

// Costs and amounts are multiples of 1/4, so every sum below is exact in floating point and the
// optimizer's running totals can be compared with direct sums by equality, tie-breaks included.
const rowArbitrary = fc.record({
  probability: fc.integer({ min: 0, max: 20 }).map((k) => k / 20),
  label: fc.constantFrom<0 | 1>(0, 1),
  ts: fc.integer({ min: 0, max: 3 }).map(at),
  amount: fc.integer({ min: 0, max: 400 }),
});
const costsArbitrary = fc.record({
  fnCost: fc.oneof(
    fc.integer({ min: 0, max: 30 }).map((value): MissedFraudCost => ({ kind: 'multiple', value })),
    fc.constantFrom(0.5, 1, 2).map((multiplier): MissedFraudCost => ({ kind: 'amount', multiplier })),
  ),
  fpCost: fc.constantFrom(0, 0.5, 1, 4, 25),
  reviewCost: fc.constantFrom(0, 0.25, 1, 3),
});

interface BruteForcePair {
  block: number;
  review: number;
  savings: number;
  busiestDay: number;
}

/** Every pair of thresholds over the distinct scores (and "never"), scored row by row. */
function bruteForce(rows: readonly EvaluationRow[], costs: Required<CostModel>, capacityPerDay: number) {
  const thresholds = [...new Set(rows.map((r) => r.probability))].sort((a, b) => a - b).concat(NEVER);
  const missCost = (r: EvaluationRow) => (r.label === 0 ? 0 : costs.fnCost.kind === 'amount' ? r.amount! * costs.fnCost.multiplier : costs.fnCost.value * costs.fpCost);
  const pairs: BruteForcePair[][] = [];
  let best: BruteForcePair | undefined;
  thresholds.forEach((block, b) => {
    pairs.push([]);
    for (const review of thresholds.slice(0, b + 1)) {
      let savings = 0;
      const reviewsByDay = new Map<number, number>();
      for (const row of rows) {
        if (row.probability >= block) savings += row.label === 1 ? missCost(row) : -costs.fpCost;
        else if (row.probability >= review) {
          savings += missCost(row) - costs.reviewCost;
          const day = Math.floor(row.ts / DAY_MS);
          reviewsByDay.set(day, (reviewsByDay.get(day) ?? 0) + 1);
        }
      }
      const pair = { block, review, savings, busiestDay: Math.max(0, ...reviewsByDay.values()) };
      pairs[b]!.push(pair);
      const better = !best || pair.savings > best.savings || (pair.savings === best.savings && (block > best.block || (block === best.block && review > best.review)));
      if (pair.busiestDay <= capacityPerDay && better) best = pair;
    }
  });
  return { thresholds, pairs, best: best! };
}

describe('optimizePolicy', () => {
  it('equals brute force over every pair of distinct scores, grid included', () => {
    fc.assert(
      fc.property(fc.array(rowArbitrary, { minLength: 1, maxLength: 24 }), costsArbitrary, fc.integer({ min: 0, max: 6 }), (rows, costs, capacityPerDay) => {
        const result = optimizePolicy(rows, { ...costs, capacityPerDay, bootstrap: { resamples: 20 } });
        const expected = bruteForce(rows, costs, capacityPerDay);
        expect(result.grid.exact).toBe(true);
        expect(result.grid.thresholds).toEqual(expected.thresholds);
        expect(result.grid.savings).toEqual(expected.pairs.map((row) => row.map((p) => p.savings)));
        expect(result.grid.busiestDayReviews).toEqual(expected.pairs.map((row) => row.map((p) => p.busiestDay)));
        expect(result.policy).toEqual({ block: expected.best.block, review: expected.best.review });
        expect(result.metrics.savings).toBe(expected.best.savings);
      }),
      { numRuns: 300 },
    );
  });

  it('never breaks capacity on any day, with exact or quantile candidates', () => {
    const rows = fc.array(
      fc.record({ probability: fc.double({ min: 0, max: 1, noNaN: true }), label: fc.constantFrom<0 | 1>(0, 0, 0, 1), ts: fc.integer({ min: 0, max: 6 * DAY_MS }).map((t) => START + t), amount: fc.integer({ min: 1, max: 500 }) }),
      { minLength: 1, maxLength: 200 },
    );
    fc.assert(
      fc.property(rows, costsArbitrary, fc.integer({ min: 0, max: 20 }), fc.integer({ min: 2, max: 40 }), (rows, costs, capacityPerDay, maxCandidates) => {
        const result = optimizePolicy(rows, { ...costs, capacityPerDay, maxCandidates, bootstrap: { resamples: 10 } });
        const reviewsByDay = new Map<number, number>();
        for (const row of rows) {
          if (row.probability >= result.policy.review && row.probability < result.policy.block) {
            const day = Math.floor(row.ts / DAY_MS);
            reviewsByDay.set(day, (reviewsByDay.get(day) ?? 0) + 1);
          }
        }
        for (const reviews of reviewsByDay.values()) expect(reviews).toBeLessThanOrEqual(capacityPerDay);
        expect(result.metrics.daysOverCapacity).toBe(0);
        expect(result.policy.review).toBeLessThanOrEqual(result.policy.block);
      }),
      { numRuns: 150 },
    );
  });

  it('reviews nothing when the capacity is 0', () => {
    const result = optimizePolicy(syntheticPeriod({ days: 10 }), { capacityPerDay: 0, fnCost: { kind: 'multiple', value: 20 } });
    expect(result.policy.review).toBe(result.policy.block);
    expect(result.metrics.reviewed).toBe(0);
    expect(result.metrics.busiestDayReviews).toBe(0);
  });

  describe('a hand-checked period', () => {
    // One day; a missed fraud costs 10 false alarms (10), a false alarm 1, a review 0.25.
    const row = (probability: number, label: 0 | 1): EvaluationRow => ({ probability, label, ts: at(0) });
    const rows = [row(0.9, 1), row(0.8, 0), row(0.6, 1), row(0.5, 0), row(0.3, 1), row(0.2, 0), row(0.1, 0)];
    const costs = { fnCost: { kind: 'multiple', value: 10 } as const, fpCost: 1, reviewCost: 0.25 };

    it('blocks at 0.6 and reviews 0.5 and 0.3 when two reviews fit', () => {
      // Savings: all three frauds stopped (30), one good customer blocked (1), two reviews (0.5).
      const result = optimizePolicy(rows, { ...costs, capacityPerDay: 2 });
      expect(result.policy).toEqual({ block: 0.6, review: 0.3 });
      const m = result.metrics;
      expect(m).toMatchObject({ costOfDoingNothing: 30, cost: 1.5, savings: 28.5, blocked: 3, reviewed: 2, goodBlocked: 1, reviewsPerDay: 2, busiestDayReviews: 2, days: 1 });
      expect(m.blockPrecision).toBeCloseTo(2 / 3, 12);
      expect(m.blockRecall).toBeCloseTo(2 / 3, 12);
      expect(m.flaggedPrecision).toBeCloseTo(3 / 5, 12);
      expect(m.flaggedRecall).toBe(1);
    });

    it('blocks down to 0.3 instead when only one review fits', () => {
      // Reviewing 0.3 alone would leave 0.5 to block or allow: blocking all five flagged saves 30 − 2 = 28.
      const result = optimizePolicy(rows, { ...costs, capacityPerDay: 1 });
      expect(result.policy).toEqual({ block: 0.3, review: 0.3 });
      expect(result.metrics.savings).toBe(28);
    });

    it('blocks nothing and reviews nothing when there is no fraud to stop', () => {
      const legit = rows.map((r) => ({ ...r, label: 0 as const }));
      const result = optimizePolicy(legit, { ...costs, capacityPerDay: 5 });
      expect(result.policy).toEqual({ block: NEVER, review: NEVER });
      expect(result.metrics.savings).toBe(0);
      expect(result.prCurve.cutoff).toBe(NEVER);
    });
  });

  it('prices missed fraud by amount or by a multiple, and the choice follows', () => {
    // A small fraud at 0.9 and a large one at 0.2, below two good customers.
    const rows: EvaluationRow[] = [
      { probability: 0.9, label: 1, amount: 50, ts: at(0) },
      { probability: 0.5, label: 0, amount: 80, ts: at(0) },
      { probability: 0.4, label: 0, amount: 60, ts: at(0) },
      { probability: 0.2, label: 1, amount: 1000, ts: at(0) },
      { probability: 0.1, label: 0, amount: 40, ts: at(0) },
    ];
    const common = { fpCost: 11, reviewCost: 12, capacityPerDay: 100 };
    // By multiple, every fraud costs 1.5 × 11 = 16.5: catching the one at 0.2 costs more in false alarms (22) than it saves.
    const byMultiple = optimizePolicy(rows, { ...common, fnCost: { kind: 'multiple', value: 1.5 } });
    expect(byMultiple.policy).toEqual({ block: 0.9, review: 0.9 });
    expect(byMultiple.metrics.savings).toBe(16.5);
    // By amount, the 1,000 fraud is worth blocking two good customers (22) for.
    const byAmount = optimizePolicy(rows, { ...common, fnCost: { kind: 'amount', multiplier: 1 } });
    expect(byAmount.policy).toEqual({ block: 0.2, review: 0.2 });
    expect(byAmount.metrics).toMatchObject({ costOfDoingNothing: 1050, savings: 1050 - 22, fraudStoppedAmount: 1050, fraudStoppedShare: 1 });
  });

  it('refuses fraud rows without an amount when fraud costs its amount, and bad options', () => {
    const rows: EvaluationRow[] = [{ probability: 0.5, label: 1, ts: at(0) }];
    expect(() => optimizePolicy(rows, { capacityPerDay: 1, fnCost: { kind: 'amount', multiplier: 1 } })).toThrow(/needs an amount/);
    expect(() => optimizePolicy([], { capacityPerDay: 1, fnCost: { kind: 'multiple', value: 1 } })).toThrow(RangeError);
    expect(() => optimizePolicy(rows, { capacityPerDay: -1, fnCost: { kind: 'multiple', value: 1 } })).toThrow(/capacityPerDay/);
    expect(() => optimizePolicy(rows, { capacityPerDay: 1, fnCost: { kind: 'multiple', value: 1 }, reviewCost: NaN })).toThrow(/reviewCost/);
    expect(() => optimizePolicy([{ ...rows[0]!, probability: 1.5 }], { capacityPerDay: 1, fnCost: { kind: 'multiple', value: 1 } })).toThrow(/row 0: probability/);
  });

  describe('on a realistic period', () => {
    const rows = syntheticPeriod();
    const options = { capacityPerDay: 12, fnCost: { kind: 'amount', multiplier: 1 } as const, fpCost: 40, reviewCost: 5 };
    const result = optimizePolicy(rows, options);

    it('holds capacity on the busiest day, which the average alone would not', () => {
      expect(result.metrics.busiestDayReviews).toBeLessThanOrEqual(12);
      expect(result.metrics.reviewsPerDay).toBeLessThan(result.metrics.busiestDayReviews);
      expect(result.grid.exact).toBe(false);
      expect(result.settings.candidates).toBeLessThanOrEqual(201);
    });

    it('reports metrics equal to a direct evaluation of the chosen policy', () => {
      expect(evaluatePolicy(rows, result.policy, options)).toEqual(result.metrics);
    });

    it('compares with the best-F1 cutoff of the precision–recall curve', () => {
      // F1 at every distinct score, sweeping the rows from the highest score down.
      const fraud = rows.filter((r) => r.label === 1).length;
      const byScore = [...rows].sort((a, b) => b.probability - a.probability);
      const f1At = new Map<number, number>();
      let tp = 0;
      byScore.forEach((row, i) => {
        tp += row.label;
        f1At.set(row.probability, (2 * tp) / (i + 1 + fraud));
      });
      const bestF1 = Math.max(...f1At.values());
      const { prCurve } = result;
      expect(prCurve.f1).toBeCloseTo(bestF1, 12);
      expect(f1At.get(prCurve.cutoff)).toBeCloseTo(prCurve.f1, 12);
      expect(prCurve.blockAtCutoff.policy).toEqual({ block: prCurve.cutoff, review: prCurve.cutoff });
      expect(prCurve.reviewAtCutoff.policy).toEqual({ block: NEVER, review: prCurve.cutoff });
      // The cutoff ignores both costs and capacity: as a review threshold it floods the queue.
      expect(prCurve.reviewAtCutoff.daysOverCapacity).toBeGreaterThan(0);
      expect(result.metrics.savings).toBeGreaterThan(prCurve.blockAtCutoff.savings);
    });

    it('bootstraps deterministically for a seed, with intervals around the estimate', () => {
      const again = optimizePolicy(rows, options);
      expect(again.intervals).toEqual(result.intervals);
      const otherSeed = bootstrapPolicy(rows, result.policy, { ...options, seed: 2 });
      expect(otherSeed.savings).not.toEqual(result.intervals.savings);
      expect(result.intervals).toMatchObject({ resamples: 500, seed: 1, level: 0.95 });
      for (const statistic of BOOTSTRAP_STATISTICS) {
        const { estimate, low, high } = result.intervals[statistic];
        expect(estimate, statistic).toBe(result.metrics[statistic]);
        expect(low, statistic).toBeLessThanOrEqual(estimate);
        expect(high, statistic).toBeGreaterThanOrEqual(estimate);
        expect(low, statistic).toBeLessThan(high);
      }
    });

  });

  it('gives intervals of zero width on a single day, where every resample is that day', () => {
    const rows = syntheticPeriod({ days: 1, burstDay: 0 });
    const intervals = bootstrapPolicy(rows, { block: 0.5, review: 0.2 }, { fnCost: { kind: 'multiple', value: 20 }, resamples: 50 });
    expect(intervals.reviewsPerDay.low).toBe(intervals.reviewsPerDay.estimate);
    expect(intervals.reviewsPerDay.high).toBe(intervals.reviewsPerDay.estimate);
  });
});
