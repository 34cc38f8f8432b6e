import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { linearScale, logScale, niceStep } from './ticks.js';

const isNice = (step: number) => {
  const mantissa = step / 10 ** Math.floor(Math.log10(step) + 1e-9);
  return [1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-9);
};

describe('niceStep', () => {
  it('rounds up to 1, 2 or 5 × 10^k', () => {
    expect([0.3, 1, 1.01, 2, 2.5, 7, 0.07, 1234, 0.00041].map(niceStep)).toEqual([0.5, 1, 2, 2, 5, 10, 0.1, 2000, 0.0005]);
  });

  it('falls back to 1 for steps that are not positive and finite', () => {
    expect([0, -3, NaN, Infinity].map(niceStep)).toEqual([1, 1, 1, 1]);
  });
});

describe('linearScale', () => {
  it('widens the domain to round numbers and ticks every step', () => {
    expect(linearScale(0.013, 0.87)).toEqual({ min: 0, max: 1, step: 0.2, ticks: [0, 0.2, 0.4, 0.6, 0.8, 1] });
    expect(linearScale(-3.2, 7.9)).toEqual({ min: -5, max: 10, step: 5, ticks: [-5, 0, 5, 10] });
    expect(linearScale(0, 97).ticks).toEqual([0, 20, 40, 60, 80, 100]);
  });

  it('has no binary noise in tick values', () => {
    expect(linearScale(0.1, 0.7).ticks).toEqual([0, 0.2, 0.4, 0.6, 0.8]);
    expect(linearScale(0, 0.3, { targetTicks: 3 }).ticks).toEqual([0, 0.1, 0.2, 0.3]);
  });

  it('keeps fixed ends and ticks only inside them', () => {
    expect(linearScale(0, 1, { fixedMin: true, fixedMax: true, targetTicks: 2 }).ticks).toEqual([0, 0.5, 1]);
    const fixed = linearScale(0.05, 0.95, { fixedMin: true, fixedMax: true });
    expect([fixed.min, fixed.max, fixed.ticks]).toEqual([0.05, 0.95, [0.2, 0.4, 0.6, 0.8]]);
    expect(linearScale(0, 7.3, { fixedMin: true }).min).toBe(0);
  });

  it('gives a domain with width when every value is equal or there is no data', () => {
    expect(linearScale(0, 0, { fixedMin: true })).toMatchObject({ min: 0, max: 1 });
    const five = linearScale(5, 5);
    expect(five.min).toBeLessThan(5);
    expect(five.max).toBeGreaterThan(5);
    expect(linearScale(NaN, NaN).max).toBeGreaterThan(linearScale(NaN, NaN).min);
    expect(linearScale(3, 3, { fixedMin: true, fixedMax: true }).max).toBeGreaterThan(3);
  });

  it('lets a fixed end beyond the data win', () => {
    const scale = linearScale(10, 5, { fixedMin: true });
    expect(scale.min).toBe(10);
    expect(scale.max).toBeGreaterThan(10);
  });

  it('covers any data with a few increasing round ticks', () => {
    const value = fc.double({ min: -1e12, max: 1e12, noNaN: true });
    fc.assert(
      fc.property(value, value, (a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const scale = linearScale(lo, hi);
        expect(scale.min).toBeLessThanOrEqual(lo);
        expect(scale.max).toBeGreaterThanOrEqual(hi);
        expect(scale.max).toBeGreaterThan(scale.min);
        expect(isNice(scale.step)).toBe(true);
        expect(scale.ticks.length).toBeGreaterThanOrEqual(2);
        expect(scale.ticks.length).toBeLessThanOrEqual(12);
        for (let i = 1; i < scale.ticks.length; i++) expect(scale.ticks[i]!).toBeGreaterThan(scale.ticks[i - 1]!);
      }),
    );
  });
});

describe('logScale', () => {
  it('ticks at powers of ten from the smallest value’s decade, half a decade of room below', () => {
    expect(logScale(1, 12_345)).toEqual({ minExponent: -0.5, maxExponent: 5, ticks: [1, 10, 100, 1000, 10_000, 100_000] });
    expect(logScale(3, 40).ticks).toEqual([1, 10, 100]);
  });

  it('spans at least one decade and thins long ranges', () => {
    expect(logScale(1, 1)).toEqual({ minExponent: -0.5, maxExponent: 1, ticks: [1, 10] });
    expect(logScale(1, 1e12).ticks).toEqual([1, 1e3, 1e6, 1e9, 1e12]);
  });
});
