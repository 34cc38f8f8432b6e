import { describe, expect, it } from 'vitest';
import type { TrainingSet } from '../features/index.js';
import { verifyArtifact } from './artifact.js';
import { splitByTime, trainModel } from './train.js';

const DAY = 86_400_000;
const START = Date.UTC(2026, 0, 5);

/** A training set where fraud depends on `signal` (and a missing `history`), over `days` days. */
function synthetic(rows: number, days: number, seed = 7): TrainingSet {
  let state = seed;
  const random = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const names = ['signal', 'noise', 'history', 'signal_missing', 'noise_missing', 'history_missing'];
  const x = new Float64Array(rows * names.length);
  const labels = new Int8Array(rows);
  const ts = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const signal = random() * 4;
    const history = random() < 0.3 ? NaN : random() * 10;
    const logit = -5 + 1.6 * signal + (Number.isNaN(history) ? 1 : 0);
    labels[r] = random() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
    ts[r] = START + (r / rows) * days * DAY;
    x.set([signal, random(), history, 0, 0, Number.isNaN(history) ? 1 : 0], r * names.length);
  }
  return {
    featureSetVersion: 'fs_synthetic000',
    names,
    rows,
    x,
    labels,
    seq: Float64Array.from({ length: rows }, (_, i) => i + 1),
    ts,
    eventIds: Array.from({ length: rows }, (_, i) => `e${i}`),
    meta: Array.from({ length: rows }, (_, i) => ({ labelSource: 'matured', user: `u${i % 500}`, amount: 100 })),
    asOf: START + days * DAY,
    labelledBeforeRow: 0,
  };
}

describe('time-aware training', () => {
  it('splits by time: train, a gap, validation, test — never at random', () => {
    const ts = Array.from({ length: 100 }, (_, i) => START + i * DAY);
    const split = splitByTime([...ts].reverse(), 7 * DAY, 0.2, 0.2);
    // The last 20 % of the rows in time order are the test period, the 20 % before them validation.
    expect(split).toEqual({ trainEnd: START + 53 * DAY, validationStart: START + 60 * DAY, testStart: START + 80 * DAY, end: START + 99 * DAY + 1 });
    expect(() => splitByTime(ts.slice(0, 10), 7 * DAY, 0.2, 0.2)).toThrow(/too short for a 7.0-day gap: training would get under 20 % of the rows/);
    expect(() => splitByTime([], DAY, 0.2, 0.2)).toThrow(/no mature labelled rows/);
  });

  it('is not thrown by one row dated months before the rest (a late event sent with an old time)', () => {
    const ts = [START - 150 * DAY, ...Array.from({ length: 100 }, (_, i) => START + i * DAY)];
    const split = splitByTime(ts, 7 * DAY, 0.2, 0.2);
    const training = ts.filter((t) => t < split.trainEnd).length;
    expect(training).toBeGreaterThan(50); // the time span's cut would have left training the outlier alone
    expect(split.testStart).toBeGreaterThan(START + 75 * DAY);
  });

  it('trains, calibrates and evaluates on later periods only', async () => {
    const set = synthetic(6000, 60);
    const trained = await trainModel(set, { name: 'checkout', grid: [{ maxDepth: 3, eta: 0.2 }], gapMs: 5 * DAY });
    const { artifact, split, counts } = trained;
    expect(counts.train + counts.validation + counts.test).toBeLessThan(6000); // the gap is left out
    expect(trained.testRows.every((r) => r.ts >= split.testStart)).toBe(true);
    expect(trained.validationRows.every((r) => r.ts >= split.validationStart && r.ts < split.testStart)).toBe(true);
    expect(trained.test.overall.auc).toBeGreaterThan(0.8);
    expect(trained.test.overall.ece).toBeLessThan(0.05);
    expect(artifact.featureSetVersion).toBe('fs_synthetic000');
    expect(artifact.inputs).toEqual(['signal', 'noise', 'history']);
    expect(artifact.training.to).toBe(split.trainEnd);
    expect(verifyArtifact(artifact)).toBe(true);
    // Same data, same seed: the same model.
    const again = await trainModel(set, { name: 'checkout', grid: [{ maxDepth: 3, eta: 0.2 }], gapMs: 5 * DAY });
    expect(again.artifact.body).toEqual(artifact.body);
  });

  it('trains the logistic baseline', async () => {
    const trained = await trainModel(synthetic(6000, 60), { name: 'baseline', kind: 'logistic', gapMs: 5 * DAY });
    expect(trained.artifact.body.kind).toBe('logistic');
    expect(trained.test.overall.auc).toBeGreaterThan(0.8);
  });

  it('refuses what it cannot train on, saying why', async () => {
    const set = synthetic(3000, 60);
    const oneClass = { ...set, labels: new Int8Array(set.rows) };
    await expect(trainModel(oneClass, { name: 'x' })).rejects.toThrow(/needs both fraud and legitimate rows/);
    const allImmature = { ...set, labels: new Int8Array(set.rows).fill(-1) };
    await expect(trainModel(allImmature, { name: 'x' })).rejects.toThrow(/no mature labelled rows/);
    await expect(trainModel(set, { name: 'x', inputs: ['signal', 'nope'] })).rejects.toThrow(/input "nope" is not a feature/);
    const nanLabels = { ...set, labels: Int8Array.from(set.labels, (l, i) => (i === 5 ? 7 : l)) };
    await expect(trainModel(nanLabels, { name: 'x', grid: [{ maxDepth: 2 }] })).rejects.toThrow(/label/i);
  });
});
