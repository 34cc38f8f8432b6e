import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyCalibrator, fitIsotonic, fitPlatt, sigmoid } from './calibration.js';
import { atDailyVolume, averagePrecision, calibration, entityPrecisionAtK, expectedCost, prCurve, rocAuc, rocCurve } from './metrics.js';

describe('metrics on hand-computed vectors', () => {
  const scores = [0.9, 0.8, 0.7, 0.6];
  const labels = [1, 0, 1, 0];

  it('ROC AUC counts ordered pairs, ties half', () => {
    expect(rocAuc(scores, labels)).toBeCloseTo(0.75, 12);
    expect(rocAuc([0.5, 0.5], [1, 0])).toBe(0.5);
    expect(rocAuc([0.2, 0.9, 0.5], [0, 1, 1])).toBe(1);
    expect(rocAuc([1, 2], [1, 1])).toBeNaN();
  });

  it('average precision sums precision over recall steps', () => {
    expect(averagePrecision(scores, labels)).toBeCloseTo(0.5 * 1 + 0.5 * (2 / 3), 12);
    expect(averagePrecision([0.3, 0.3, 0.1], [1, 0, 1])).toBeCloseTo(0.5 * 0.5 + 0.5 * (2 / 3), 12);
  });

  it('ECE, MCE and Brier with documented bin edges', () => {
    const report = calibration([0.05, 0.15, 0.15, 0.95], [0, 1, 0, 1], 10);
    expect(report.ece).toBeCloseTo(0.25 * 0.05 + 0.5 * 0.35 + 0.25 * 0.05, 12);
    expect(report.mce).toBeCloseTo(0.35, 12);
    expect(report.brier).toBeCloseTo((0.05 ** 2 + 0.85 ** 2 + 0.15 ** 2 + 0.05 ** 2) / 4, 12);
    expect(report.bins.map((b) => b.lower)).toEqual([0, 0.1, 0.9]);
    // 0.1 opens bin 1; 1.0 belongs to the last bin
    expect(calibration([0.1, 1], [0, 1], 10).bins.map((b) => [b.lower, b.count])).toEqual([
      [0.1, 1],
      [0.9, 1],
    ]);
    expect(() => calibration([1.2], [1])).toThrow(/outside \[0, 1\]/);
  });

  it('precision and recall at a daily review volume', () => {
    const r = atDailyVolume([0.9, 0.1, 0.8, 0.7, 0.2], [1, 1, 0, 1, 0], [0, 0, 1, 1, 1], 1);
    expect(r).toEqual({ flagged: 2, truePositives: 1, precision: 0.5, recall: 1 / 3 });
  });

  it('entity-precision@k removes entities picked on earlier days', () => {
    const r = entityPrecisionAtK([0.9, 0.8, 0.95, 0.3, 0.2], [1, 0, 1, 0, 1], ['a', 'b', 'a', 'c', 'd'], [0, 0, 1, 1, 1], 1);
    // day 0: a (fraud) picked; day 1: a already picked, c beats d
    expect(r.perDay).toEqual([
      { day: 0, picked: 1, fraudulent: 1 },
      { day: 1, picked: 1, fraudulent: 0 },
    ]);
    expect(r.precision).toBe(0.5);
  });

  it('expected cost at a threshold and the cheapest threshold', () => {
    const { atThreshold, best } = expectedCost(scores, labels, { threshold: 0.75, fnCost: 10, fpCost: 1 });
    expect(atThreshold).toEqual({ threshold: 0.75, falseNegatives: 1, falsePositives: 1, cost: 11 });
    expect(best).toEqual({ threshold: 0.7, falseNegatives: 0, falsePositives: 1, cost: 1 });
    const withAmounts = expectedCost(scores, labels, { threshold: 2, fnCost: 1, fpCost: 5, amounts: [100, 1, 3, 1] });
    expect(withAmounts.atThreshold.cost).toBe(103);
  });

  it('curves start at the origin and end at (1, 1)', () => {
    const roc = rocCurve(scores, labels);
    expect(roc[0]).toMatchObject({ fpr: 0, tpr: 0 });
    expect(roc.at(-1)).toMatchObject({ fpr: 1, tpr: 1 });
    expect(prCurve(scores, labels).at(-1)).toMatchObject({ recall: 1, precision: 0.5 });
  });

  it('AUC equals the pairwise definition on random data', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 1 })), { minLength: 2, maxLength: 60 }), (rows) => {
        const s = rows.map((r) => r[0] / 20);
        const l = rows.map((r) => r[1]);
        const pos = rows.filter((r) => r[1] === 1);
        const neg = rows.filter((r) => r[1] === 0);
        if (pos.length === 0 || neg.length === 0) return;
        let wins = 0;
        for (const p of pos) for (const q of neg) wins += p[0] > q[0] ? 1 : p[0] === q[0] ? 0.5 : 0;
        expect(rocAuc(s, l)).toBeCloseTo(wins / (pos.length * neg.length), 10);
      }),
    );
  });
});

describe('calibration', () => {
  // Scores whose true probability is σ(margin/3 − 2): a model that is overconfident and biased.
  function miscalibrated(n: number, seed: number): { margins: number[]; labels: number[] } {
    let state = seed;
    const random = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    const margins: number[] = [];
    const labels: number[] = [];
    for (let i = 0; i < n; i++) {
      const m = (random() - 0.5) * 16;
      margins.push(m);
      labels.push(random() < sigmoid(m / 3 - 2) ? 1 : 0);
    }
    return { margins, labels };
  }

  it('Platt scaling and isotonic regression lower ECE on miscalibrated scores', () => {
    const fit = miscalibrated(20_000, 1);
    const test = miscalibrated(20_000, 2);
    const raw = calibration(test.margins.map(sigmoid), test.labels).ece;
    const platt = fitPlatt(fit.margins, fit.labels);
    const isotonic = fitIsotonic(fit.margins, fit.labels);
    const plattEce = calibration(test.margins.map((m) => applyCalibrator(platt, m)), test.labels).ece;
    const isotonicEce = calibration(test.margins.map((m) => applyCalibrator(isotonic, m)), test.labels).ece;
    expect(raw).toBeGreaterThan(0.1);
    expect(plattEce).toBeLessThan(0.02);
    expect(isotonicEce).toBeLessThan(0.03);
    // Platt recovers the generating map σ(m/3 − 2)
    expect(platt).toMatchObject({ kind: 'platt' });
    if (platt.kind === 'platt') {
      expect(platt.a).toBeCloseTo(1 / 3, 1);
      expect(platt.b).toBeCloseTo(-2, 0);
    }
  });

  it('isotonic calibration is non-decreasing and pools ties', () => {
    const iso = fitIsotonic([0, 1, 1, 2, 3], [0, 1, 0, 0, 1]);
    if (iso.kind !== 'isotonic') throw new Error('expected isotonic');
    for (let i = 1; i < iso.y.length; i++) expect(iso.y[i]!).toBeGreaterThanOrEqual(iso.y[i - 1]!);
    expect(applyCalibrator(iso, -5)).toBe(iso.y[0]);
    expect(applyCalibrator(iso, 10)).toBe(iso.y.at(-1));
  });

  it('refuses inputs it cannot fit', () => {
    expect(() => fitPlatt([1, 2], [1, 1])).toThrow(/both fraud and legitimate/);
    expect(() => fitIsotonic([1, NaN], [1, 0])).toThrow(/not a finite number/);
    expect(() => fitPlatt([1], [1, 0])).toThrow(/differ in length/);
  });
});
