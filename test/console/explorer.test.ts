// The threshold explorer's arithmetic: a policy between the server's points is read off its curve.
import { describe, expect, it } from 'vitest';
import { buildExplorer, nearestIndex, outcomeAt, type PolicyPoint } from '../../console/src/thresholds/explorer.js';

/** A point whose outcomes are simple functions of its thresholds, so interpolation is checkable. */
function point(block: number, review: number): PolicyPoint {
  return { block, review, reviewsPerDay: 100 * (block - review), fraudStoppedAmount: 1000 * (1 - review), fraudStoppedShare: 1 - review, goodBlockedPerDay: 10 * (1 - block), savings: block + review };
}

const steps = (count: number) => Array.from({ length: count + 1 }, (_, i) => i / count);

describe('threshold explorer', () => {
  it('reads the curve the server sends (byBlock: review held, lowered with the block threshold below it)', () => {
    const review = 0.3;
    const explorer = buildExplorer(steps(10).map((block) => point(block, Math.min(review, block))));
    expect(point(0.8, review)).toMatchObject(outcomeAt(explorer, 0.8, review));
    const between = outcomeAt(explorer, 0.85, review);
    expect(between.goodBlockedPerDay).toBeCloseTo(10 * 0.15);
    expect(between.reviewsPerDay).toBeCloseTo(100 * (0.85 - review));
    // Below the review threshold there is no band: review follows the block threshold.
    expect(outcomeAt(explorer, 0.15, review).fraudStoppedShare).toBeCloseTo(1 - 0.15);
    expect(outcomeAt(explorer, 0.15, review).reviewsPerDay).toBeCloseTo(0);
  });

  it('interpolates between review thresholds on a grid, and clamps outside it', () => {
    const explorer = buildExplorer(steps(4).flatMap((block) => steps(4).filter((review) => review <= block).map((review) => point(block, review))));
    const outcome = outcomeAt(explorer, 0.6, 0.3);
    expect(outcome.reviewsPerDay).toBeCloseTo(100 * (0.6 - 0.3));
    expect(outcome.fraudStoppedAmount).toBeCloseTo(700);
    expect(outcome.savings).toBeCloseTo(0.9);
    expect(outcomeAt(explorer, 0.6, 0.9)).toEqual(outcomeAt(explorer, 0.6, 0.6));
    expect(explorer.blockValues).toEqual(steps(4));
  });

  it('keeps a missing figure missing', () => {
    const explorer = buildExplorer([{ ...point(0, 0), fraudStoppedShare: null }, { ...point(1, 0), fraudStoppedShare: null }]);
    expect(outcomeAt(explorer, 0.5, 0).fraudStoppedShare).toBeNaN();
    expect(outcomeAt(explorer, 0.5, 0).goodBlockedPerDay).toBeCloseTo(5);
  });

  it('places a slider over uneven thresholds at the one nearest a policy', () => {
    const scale = [0, 0.002, 0.005, 0.008, 0.02, 0.1, 0.5, 1];
    expect(nearestIndex(scale, 0)).toBe(0);
    expect(nearestIndex(scale, 0.00806)).toBe(3);
    expect(nearestIndex(scale, 0.0804)).toBe(5);
    expect(nearestIndex(scale, 2)).toBe(7);
    expect(nearestIndex([], 0.5)).toBe(0);
  });
});
