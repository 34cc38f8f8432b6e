import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MS_PER_MINUTE, velocity } from './index.js';

const minute = (m: number, secondsIn = 0): number => m * MS_PER_MINUTE + secondsIn * 1000;

/** Brute force straight from the definition: every minute, every event. */
function oracleCountAt(timestamps: readonly number[], m: number, w: number): number {
  return timestamps.filter((ts) => {
    const em = Math.floor(ts / MS_PER_MINUTE);
    return em > m - w && em <= m;
  }).length;
}

function oracleFirstMinute(timestamps: readonly number[], k: number, w: number): number | null {
  if (timestamps.length === 0) return null;
  const minutes = timestamps.map((ts) => Math.floor(ts / MS_PER_MINUTE));
  const lo = Math.min(...minutes);
  const hi = Math.max(...minutes);
  for (let m = lo; m <= hi; m++) if (oracleCountAt(timestamps, m, w) >= k) return m;
  return null;
}

// Timestamps over a few hours around the epoch (negative minutes included), with many repeats of the
// same minute and of the same millisecond.
const timestampArb = fc.oneof(
  fc.integer({ min: -30 * MS_PER_MINUTE, max: 150 * MS_PER_MINUTE }),
  fc.integer({ min: -3, max: 12 }).map((m) => minute(m)),
  fc.integer({ min: 0, max: 8 }).map((m) => minute(m, 59.999)),
);
const kArb = fc.integer({ min: 1, max: 6 });
const wArb = fc.integer({ min: 1, max: 12 });

describe('velocity (batch)', () => {
  it('matches the brute-force oracle on unsorted inputs with repeats', () => {
    fc.assert(
      fc.property(fc.array(timestampArb, { maxLength: 60 }), kArb, wArb, (timestamps, k, w) => {
        const expected = oracleFirstMinute(timestamps, k, w);
        expect(velocity(timestamps, k, w)).toEqual({ triggered: expected !== null, firstMinute: expected });
      }),
      { numRuns: 400 },
    );
  });

  it('with k = 1 triggers at the earliest event minute', () => {
    expect(velocity([minute(7, 30), minute(5, 59.999), minute(9)], 1, 1)).toEqual({ triggered: true, firstMinute: 5 });
  });

  it('counts k events spanning exactly w minutes as inside one window', () => {
    // Minutes 10, 12, 14: window ending at 14 covers (9, 14] → minutes 10..14.
    expect(velocity([minute(14), minute(10), minute(12)], 3, 5)).toEqual({ triggered: true, firstMinute: 14 });
    // The first and last millisecond of the span still count: only the minute matters.
    expect(velocity([minute(10, 0), minute(14, 59.999)], 2, 5)).toEqual({ triggered: true, firstMinute: 14 });
  });

  it('does not trigger for k events spanning w + 1 minutes', () => {
    expect(velocity([minute(10), minute(12), minute(15)], 3, 5)).toEqual({ triggered: false, firstMinute: null });
    expect(velocity([minute(10, 59.999), minute(15)], 2, 5)).toEqual({ triggered: false, firstMinute: null });
  });

  it('handles empty input, fewer than k events, repeats and negative minutes', () => {
    expect(velocity([], 1, 1)).toEqual({ triggered: false, firstMinute: null });
    expect(velocity(new Float64Array([1, 2]), 3, 60)).toEqual({ triggered: false, firstMinute: null });
    expect(velocity([5, 5, 5], 3, 1)).toEqual({ triggered: true, firstMinute: 0 });
    expect(velocity([-1, -MS_PER_MINUTE], 2, 1)).toEqual({ triggered: true, firstMinute: -1 });
  });

  it('rejects invalid arguments with clear errors', () => {
    expect(() => velocity([0], 0, 5)).toThrow(/k must be an integer ≥ 1/);
    expect(() => velocity([0], 1.5, 5)).toThrow(/k must be an integer ≥ 1/);
    expect(() => velocity([0], 1, 0)).toThrow(/windowMinutes must be an integer ≥ 1/);
    expect(() => velocity([0], 1, Number.NaN)).toThrow(/windowMinutes must be an integer ≥ 1/);
    expect(() => velocity([0, Number.NaN], 1, 5)).toThrow(/timestampsMs\[1\].*finite/);
    expect(() => velocity([Infinity], 1, 5)).toThrow(/finite/);
  });
});
