import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReviewBandGovernor, type ReviewBandChange, type ReviewBandGovernorOptions } from './capacity.js';
import { DAY_MS } from './rows.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY0 = Date.UTC(2026, 2, 2);

function governor(overrides: Partial<ReviewBandGovernorOptions> = {}) {
  const changes: ReviewBandChange[] = [];
  const g = new ReviewBandGovernor({ capacityPerDay: 1000, baseReview: 0.3, block: 0.8, step: 0.1, minIntervalMs: 15 * MINUTE, onChange: (c) => changes.push(c), ...overrides });
  return { g, changes };
}

describe('ReviewBandGovernor', () => {
  it('narrows the band step by step while inflow is over capacity, never past the block threshold', () => {
    const { g, changes } = governor();
    for (let t = 0; t <= 3 * HOUR; t += MINUTE) g.observe(DAY0 + 8 * HOUR + t, { ratePerDay: 3000 });
    expect(changes.map((c) => [c.from, c.to])).toEqual([
      [0.3, 0.4],
      [0.4, 0.5],
      [0.5, 0.6],
      [0.6, 0.7],
      [0.7, 0.8],
    ]);
    expect(changes.map((c) => c.at - changes[0]!.at)).toEqual([0, 15, 30, 45, 60].map((m) => m * MINUTE));
    expect(g.review).toBe(0.8);
    expect(g.policy).toEqual({ block: 0.8, review: 0.8 });
    expect(changes[0]).toMatchObject({ projectedPerDay: 3000, reason: 'projected inflow 3000/day is above 100 % of the capacity of 1000/day: narrowing the review band' });
  });

  it('resumes where an earlier guard left the band, keeping its interval, and clamps what it is handed', () => {
    const changedAt = DAY0 + 8 * HOUR;
    const { g, changes } = governor({ resume: { narrowedBy: 2, changedAt } });
    expect([g.review, g.narrowedBy]).toEqual([0.5, 2]);
    g.observe(changedAt + 10 * MINUTE, { ratePerDay: 3000 }); // within the interval of the last change
    expect(changes).toEqual([]);
    g.observe(changedAt + 16 * MINUTE, { ratePerDay: 3000 });
    expect(changes.map((c) => [c.from, c.to])).toEqual([[0.5, 0.6]]);
    expect(governor({ resume: { narrowedBy: 99, changedAt } }).g.review).toBe(0.8);
    expect(governor({ resume: { narrowedBy: -3, changedAt } }).g.review).toBe(0.3);
    expect(governor({ resume: { narrowedBy: 1.5, changedAt } }).g.review).toBe(0.3); // not a step count: ignored
  });

  it('does not flap when inflow hovers around the capacity', () => {
    // Closed loop: inflow falls 10 % per step of narrowing, and demand wobbles ±5 % around capacity.
    const simulate = (hysteresis: { narrowAbove: number; widenBelow: number }) => {
      const { g, changes } = governor({ hysteresis });
      for (let minute = 0; minute < 24 * 60; minute++) {
        const level = Math.round((g.review - 0.3) / 0.1);
        const demand = 1000 * (1 + 0.05 * Math.sin(minute / 7));
        g.observe(DAY0 + minute * MINUTE, { ratePerDay: demand * (1 - 0.1 * level) });
      }
      return changes;
    };
    expect(simulate({ narrowAbove: 1, widenBelow: 0.8 })).toHaveLength(1);
    // Without a gap between the two thresholds the same traffic toggles the band all day.
    expect(simulate({ narrowAbove: 1, widenBelow: 0.999 }).length).toBeGreaterThan(20);
  });

  it('returns to the base band when inflow drops', () => {
    const { g, changes } = governor();
    let t = DAY0 + 9 * HOUR;
    for (; g.review < 0.8; t += MINUTE) g.observe(t, { ratePerDay: 5000 });
    for (const rate of [900, 810]) for (let i = 0; i < 120; i++, t += MINUTE) expect(g.observe(t, { ratePerDay: rate })).toBe(0.8); // 81–90 %: hold
    for (let i = 0; i < 180; i++, t += MINUTE) g.observe(t, { ratePerDay: 300 });
    expect(g.review).toBe(0.3);
    const widened = changes.filter((c) => c.to < c.from);
    expect(widened).toHaveLength(5);
    expect(widened.at(-1)).toMatchObject({ to: 0.3, reason: 'projected inflow 300/day is below 80 % of the capacity of 1000/day: widening the review band' });
  });

  it("projects today's total from the count so far at the rate under the current band", () => {
    const { g, changes } = governor();
    // 10 minutes into the day: too little evidence to project.
    expect(g.observe(DAY0 + 10 * MINUTE, { reviewsToday: 50 })).toBe(0.3);
    // 06:00, 300 reviews: 50/hour, 1,200 by midnight.
    g.observe(DAY0 + 6 * HOUR, { reviewsToday: 300 });
    expect(changes).toEqual([expect.objectContaining({ at: DAY0 + 6 * HOUR, from: 0.3, to: 0.4, projectedPerDay: 1200 })]);
    // Under the narrower band, 20/hour: 300 + 100 + 20 × 13 = 660, well under capacity, so it widens back.
    g.observe(DAY0 + 11 * HOUR, { reviewsToday: 400 });
    expect(changes[1]).toMatchObject({ from: 0.4, to: 0.3, projectedPerDay: 660 });
    // A new day starts counting from midnight again.
    expect(g.observe(DAY0 + DAY_MS + 5 * MINUTE, { reviewsToday: 100 })).toBe(0.3);
    expect(changes).toHaveLength(2);
    g.observe(DAY0 + DAY_MS + HOUR, { reviewsToday: 100 });
    expect(changes[2]).toMatchObject({ to: 0.4, projectedPerDay: 2400 });
  });

  it('ignores observations older than the latest one, and refuses bad ones', () => {
    const { g, changes } = governor();
    g.observe(DAY0 + HOUR, { ratePerDay: 5000 });
    expect(g.observe(DAY0, { ratePerDay: 0 })).toBe(0.4);
    expect(changes).toHaveLength(1);
    expect(() => g.observe(DAY0 + 2 * HOUR, { ratePerDay: -1 })).toThrow(RangeError);
    expect(() => g.observe(NaN, { reviewsToday: 1 })).toThrow(RangeError);
    expect(() => governor({ baseReview: 0.9 })).toThrow(/baseReview/);
    expect(() => governor({ hysteresis: { narrowAbove: 0.8, widenBelow: 0.9 } })).toThrow(/hysteresis/);
  });

  it('keeps the review threshold within [baseReview, block] and moves it one step at a time', () => {
    const observation = fc.oneof(fc.nat({ max: 5000 }).map((n) => ({ reviewsToday: n })), fc.nat({ max: 5000 }).map((n) => ({ ratePerDay: n })));
    const bounds = fc
      .tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }))
      .map(([a, b]) => ({ baseReview: Math.min(a, b), block: Math.max(a, b) }));
    fc.assert(
      fc.property(
        bounds,
        fc.double({ min: 0.001, max: 0.5, noNaN: true }),
        fc.nat({ max: 2000 }),
        fc.array(fc.tuple(fc.nat({ max: 3 * HOUR }), observation), { maxLength: 80 }),
        ({ baseReview, block }, step, capacityPerDay, steps) => {
          const changes: ReviewBandChange[] = [];
          const g = new ReviewBandGovernor({ capacityPerDay, baseReview, block, step, minIntervalMs: 10 * MINUTE, onChange: (c) => changes.push(c) });
          let t = DAY0;
          for (const [gap, obs] of steps) {
            t += gap;
            const review = g.observe(t, obs);
            expect(review).toBeGreaterThanOrEqual(baseReview);
            expect(review).toBeLessThanOrEqual(block);
          }
          for (const [i, c] of changes.entries()) {
            expect(c.to).not.toBe(c.from);
            expect(Math.abs(c.to - c.from)).toBeLessThanOrEqual(step * (1 + 1e-9));
            if (i > 0) expect(c.at - changes[i - 1]!.at).toBeGreaterThanOrEqual(10 * MINUTE);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
