import { describe, expect, it } from 'vitest';
import { loadData, loadLogisticExpected } from '../../../test/fixtures/xgb/fixtures.js';
import { ModelInputError } from '../gbdt/index.js';
import { loadLogistic, serializeLogistic, trainLogistic, LogisticPredictor } from './index.js';

const data = loadData('mixed');
const expected = loadLogisticExpected();
const { nCols, trainRows } = data;
const train = { layout: 'rows' as const, values: data.x.subarray(0, trainRows * nCols), nRows: trainRows, nCols };
const model = trainLogistic({ features: train, labels: data.y.subarray(0, trainRows) }, { params: { l2: 1 / expected.C }, featureNames: data.featureNames! });
const predictor = new LogisticPredictor(model);
const testRows = Array.from({ length: data.nRows - trainRows }, (_, i) => data.x.subarray((trainRows + i) * nCols, (trainRows + i + 1) * nCols));

describe('logistic regression vs scikit-learn', () => {
  it('standardises like StandardScaler', () => {
    model.mean.forEach((m, f) => expect(m).toBeCloseTo(expected.mean[f]!, 4));
    model.scale.forEach((s, f) => expect(s / expected.scale[f]!).toBeCloseTo(1, 6));
  });

  it('converges to the same coefficients (within 1e-4)', () => {
    expect(model.training.converged).toBe(true);
    expect(model.indicatorFeatures).toEqual(expected.indicatorFeatures);
    model.coefficients.forEach((c, f) => expect(Math.abs(c - expected.coef[f]!)).toBeLessThan(1e-4));
    model.indicatorCoefficients.forEach((c, k) => expect(Math.abs(c - expected.indicatorCoef[k]!)).toBeLessThan(1e-4));
    expect(Math.abs(model.intercept - expected.intercept)).toBeLessThan(1e-4);
  });

  it('predicts the same probabilities on held-out rows (within 1e-5)', () => {
    testRows.forEach((row, i) => expect(Math.abs(predictor.predictProba(row) - expected.testProbability[i]!)).toBeLessThan(1e-5));
  });
});

describe('logistic regression explanations and artifact', () => {
  it('contributions plus the intercept sum to the margin, missing values included', () => {
    for (const row of testRows) {
      const { bias, contributions } = predictor.explain(row);
      expect(contributions.reduce((a, b) => a + b, bias)).toBeCloseTo(predictor.predictMargin(row), 10);
    }
    const allMissing = Array<number>(nCols).fill(NaN);
    const { contributions } = predictor.explain(allMissing);
    model.indicatorFeatures.forEach((f, k) => expect(contributions[f]).toBe(model.indicatorCoefficients[k]));
  });

  it('round-trips through JSON with identical predictions', () => {
    const text = serializeLogistic(model);
    const reloaded = loadLogistic(text);
    expect(serializeLogistic(reloaded.artifact)).toBe(text);
    for (const row of testRows) expect(reloaded.predictMargin(row)).toBe(predictor.predictMargin(row));
    const batch = reloaded.predictMatrix({ layout: 'rows', values: data.x.subarray(trainRows * nCols), nRows: testRows.length, nCols }, 'margin');
    testRows.forEach((row, i) => expect(batch[i]).toBeCloseTo(predictor.predictMargin(row), 12));
  });

  it('without missing indicators, a missing value contributes nothing', () => {
    const plain = new LogisticPredictor(trainLogistic({ features: train, labels: data.y.subarray(0, trainRows) }, { params: { missingIndicators: false } }));
    expect(plain.artifact.indicatorFeatures).toEqual([]);
    const row = Array.from(testRows[0]!);
    row[3] = NaN;
    expect(plain.explain(row).contributions[3]).toBe(0);
  });

  it('refuses bad input and bad artifacts', () => {
    expect(() => trainLogistic({ features: train, labels: new Uint8Array(trainRows) })).toThrow(/only one class/);
    expect(() => trainLogistic({ features: train, labels: data.y.subarray(0, trainRows) }, { params: { l2: 0 } })).toThrow(/l2 must be a positive number/);
    expect(() => predictor.predictMargin([1, 2])).toThrow(ModelInputError);
    expect(() => loadLogistic('{"format":"riskgate-gbdt"}')).toThrow(/format must be "riskgate-logistic"/);
    const broken = JSON.parse(serializeLogistic(model)) as Record<string, unknown>;
    broken.scale = [1];
    expect(() => loadLogistic(broken)).toThrow(/scale must hold 8 finite numbers/);
  });
});
