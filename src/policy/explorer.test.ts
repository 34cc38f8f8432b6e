import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EvaluationRow } from '../models/evaluation.js';
import { evaluatePolicy } from './evaluate.js';
import { createThresholdExplorer, explorerCurve, type ExplorerPoint } from './explorer.js';
import { optimizePolicy } from './optimize.js';
import { DAY_MS } from './rows.js';
import { syntheticPeriod } from './synthetic.js';

const options = { capacityPerDay: 15, fnCost: { kind: 'amount', multiplier: 1 } as const, fpCost: 40, reviewCost: 5 };

/** The explorer's figures, recomputed by the row-by-row reference. */
function expectedPoint(rows: readonly EvaluationRow[], block: number, review: number, capacityPerDay = options.capacityPerDay): ExplorerPoint {
  const m = evaluatePolicy(rows, { block, review: Math.min(review, block) }, { ...options, capacityPerDay });
  return {
    block,
    review: Math.min(review, block),
    reviewsPerDay: m.reviewsPerDay,
    busiestDayReviews: m.busiestDayReviews,
    withinCapacity: m.daysOverCapacity === 0,
    fraudStoppedCount: m.fraudStoppedCount,
    fraudStoppedAmount: m.fraudStoppedAmount,
    fraudStoppedShare: m.fraudStoppedShare,
    goodBlockedPerDay: m.goodBlockedPerDay,
    savings: m.savings,
  };
}

function expectClose(actual: ExplorerPoint, expected: ExplorerPoint): void {
  for (const key of Object.keys(expected) as Array<keyof ExplorerPoint>) {
    const [a, e] = [actual[key], expected[key]];
    if (typeof e === 'number' && Number.isFinite(e)) expect(a, key).toBeCloseTo(e, 6);
    else expect(a, key).toEqual(e);
  }
}

describe('threshold explorer', () => {
  const rows = syntheticPeriod({ days: 21 });

  it('gives a curve over block thresholds that matches a direct evaluation at every point', () => {
    const curve = explorerCurve(rows, { ...options, review: 0.05, points: 21 });
    expect(curve).toHaveLength(21);
    curve.forEach((point, i) => {
      expect(point.block).toBeCloseTo(i / 20, 12);
      expectClose(point, expectedPoint(rows, point.block, 0.05));
    });
    // Below the review threshold the band closes: the review threshold follows the block threshold down.
    expect(curve[0]).toMatchObject({ block: 0, review: 0, reviewsPerDay: 0 });
  });

  it("matches the optimizer's metrics at the chosen policy, and its sweeps are explorer curves", () => {
    const result = optimizePolicy(rows, { ...options, sweepPoints: 11 });
    const explorer = createThresholdExplorer(rows, options);
    const point = explorer.at(result.policy);
    const m = result.metrics;
    expect(point.reviewsPerDay).toBeCloseTo(m.reviewsPerDay, 9);
    expect(point.busiestDayReviews).toBe(m.busiestDayReviews);
    expect(point.withinCapacity).toBe(true);
    expect(point.fraudStoppedAmount).toBeCloseTo(m.fraudStoppedAmount, 6);
    expect(point.fraudStoppedShare).toBeCloseTo(m.fraudStoppedShare, 9);
    expect(point.goodBlockedPerDay).toBeCloseTo(m.goodBlockedPerDay, 9);
    expect(point.savings).toBeCloseTo(m.savings, 6);
    expect(result.sweeps.byBlock).toEqual(explorer.byBlock(result.policy.review, 11));
    expect(result.sweeps.byReview).toEqual(explorer.byReview(result.policy.block, 11));
  });

  it('matches a direct evaluation for any policy on random periods', () => {
    const row = fc.record({
      probability: fc.double({ min: 0, max: 1, noNaN: true }),
      label: fc.constantFrom<0 | 1>(0, 1),
      ts: fc.integer({ min: 0, max: 5 * DAY_MS }),
      amount: fc.integer({ min: 0, max: 1000 }),
    });
    const threshold = fc.double({ min: 0, max: 1, noNaN: true });
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 60 }), threshold, threshold, fc.integer({ min: 0, max: 10 }), (rows, a, b, capacityPerDay) => {
        const explorer = createThresholdExplorer(rows, { ...options, capacityPerDay });
        expectClose(explorer.at({ block: a, review: b }), expectedPoint(rows, a, b, capacityPerDay));
      }),
      { numRuns: 200 },
    );
  });

  it('explores an even grid plus quantiles of the scores, so crowded low scores get points', () => {
    const low = Array.from({ length: 1000 }, (_, i) => ({ probability: (i % 100) / 5000, label: (i % 50 === 0 ? 1 : 0) as 0 | 1, ts: (i % 7) * DAY_MS, amount: 100 }));
    const explorer = createThresholdExplorer(low, options);
    const thresholds = explorer.thresholdGrid(11);
    for (let i = 0; i <= 10; i++) expect(thresholds).toContainEqual(expect.closeTo(i / 10, 12));
    expect(thresholds.filter((t) => t > 0 && t < 0.02).length).toBeGreaterThanOrEqual(8);
    for (let i = 1; i < thresholds.length; i++) expect(thresholds[i]).toBeGreaterThan(thresholds[i - 1]!);
    const curve = explorer.byBlockOver(0.001, thresholds);
    expect(curve.map((p) => p.block)).toEqual(thresholds);
    curve.forEach((point) => expectClose(point, expectedPoint(low, point.block, 0.001)));
  });

  it('flags the points whose busiest day is over capacity', () => {
    const curve = createThresholdExplorer(rows, options).byReview(1, 51);
    expect(curve.some((p) => !p.withinCapacity)).toBe(true);
    for (const p of curve) expect(p.withinCapacity).toBe(p.busiestDayReviews <= options.capacityPerDay);
  });
});
