import { describe, expect, it } from 'vitest';
import { fixtureText, loadData, loadExpected } from '../../../test/fixtures/xgb/fixtures.js';
import { GbdtPredictor, ModelInputError, loadGbdt, serializeGbdt } from '../gbdt/index.js';
import { importXgboostJson } from './index.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function testRows(name: 'mixed' | 'xor'): { rows: Float32Array[]; nCols: number } {
  const data = loadData(name);
  const rows: Float32Array[] = [];
  for (let r = data.trainRows; r < data.nRows; r++) rows.push(data.x.subarray(r * data.nCols, (r + 1) * data.nCols));
  return { rows, nCols: data.nCols };
}

describe.each(['mixed', 'xor'] as const)('XGBoost parity: %s', (name) => {
  const predictor = new GbdtPredictor(importXgboostJson(fixtureText(`${name}.model.json`)));
  const expected = loadExpected(name);
  const { rows, nCols } = testRows(name);

  it('predicts margins and probabilities within 1e-6 of XGBoost', () => {
    let worstMargin = 0;
    let worstProbability = 0;
    rows.forEach((row, i) => {
      worstMargin = Math.max(worstMargin, Math.abs(predictor.predictMargin(row) - expected.margin[i]!));
      worstProbability = Math.max(worstProbability, Math.abs(predictor.predictProba(row) - expected.probability[i]!));
    });
    expect(worstMargin).toBeLessThan(1e-6);
    expect(worstProbability).toBeLessThan(1e-6);
  });

  it('scores a matrix like single rows, from number[] and Float64Array too', () => {
    const values = new Float32Array(rows.length * nCols);
    rows.forEach((row, i) => values.set(row, i * nCols));
    const batch = predictor.predictMatrix({ layout: 'rows', values, nRows: rows.length, nCols }, 'margin');
    rows.forEach((row, i) => {
      expect(batch[i]).toBe(predictor.predictMargin(row));
      expect(predictor.predictMargin(Array.from(row))).toBe(batch[i]);
      expect(predictor.predictMargin(Float64Array.from(row))).toBe(batch[i]);
    });
  });

  it('explains like pred_contribs within 1e-4, and the contributions sum to the margin', () => {
    let worst = 0;
    rows.forEach((row, i) => {
      const { bias, contributions } = predictor.explain(row);
      const theirs = expected.contribs.subarray(i * (nCols + 1), (i + 1) * (nCols + 1));
      for (let f = 0; f < nCols; f++) worst = Math.max(worst, Math.abs(contributions[f]! - theirs[f]!));
      worst = Math.max(worst, Math.abs(bias - theirs[nCols]!));
      const sum = contributions.reduce((a, b) => a + b, bias);
      expect(Math.abs(sum - predictor.predictMargin(row))).toBeLessThan(1e-5);
    });
    expect(worst).toBeLessThan(1e-4);
  });

  it('round-trips through the riskgate artifact with identical predictions', () => {
    const reloaded = loadGbdt(serializeGbdt(predictor.artifact));
    for (const row of rows) expect(reloaded.predictMargin(row)).toBe(predictor.predictMargin(row));
  });
});

describe('XGBoost import: metadata', () => {
  it('exposes the model feature names, or f0.. when the model has none', () => {
    expect(importXgboostJson(fixtureText('mixed.model.json')).featureNames).toEqual(loadData('mixed').featureNames);
    expect(importXgboostJson(fixtureText('xor.model.json')).featureNames).toEqual(['f0', 'f1', 'f2']);
    // A file saved with a byte order mark is the same model.
    expect(importXgboostJson('\uFEFF' + fixtureText('xor.model.json'))).toEqual(importXgboostJson(fixtureText('xor.model.json')));
  });

  it('keeps covers (sum_hessian) and marks the source', () => {
    const artifact = importXgboostJson(fixtureText('mixed.model.json'));
    expect(artifact.source).toBe('xgboost');
    expect(artifact.trees).toHaveLength(15);
    expect(artifact.trees[0]!.cover[0]).toBeGreaterThan(0);
  });
});

describe("XGBoost 3's base_score", () => {
  it('is read from its one-element list form, to the same scores', () => {
    const plain = JSON.parse(fixtureText('mixed.model.json')) as Json;
    const listed = JSON.parse(fixtureText('mixed.model.json')) as Json;
    listed.learner.learner_model_param.base_score = `[${String(plain.learner.learner_model_param.base_score)}]`;
    expect(importXgboostJson(listed)).toEqual(importXgboostJson(plain));
  });
});

describe('XGBoost import: refusals', () => {
  const base = (): Json => JSON.parse(fixtureText('mixed.model.json')) as Json;
  const refuses = (model: unknown, message: RegExp): void => {
    expect(() => importXgboostJson(model)).toThrow(ModelInputError);
    expect(() => importXgboostJson(model)).toThrow(message);
  };

  it('malformed JSON', () => refuses('{"learner": ', /not valid JSON/));
  it('the NaN XGBoost writes for categorical splits, named as such', () => refuses('{"learner": {"x": NaN}}', /not valid JSON.*categorical features are not supported/));
  it('a model without trees', () => {
    const m = base();
    m.learner.gradient_booster.model.trees = [];
    m.learner.gradient_booster.model.tree_info = [];
    refuses(m, /has no trees/);
  });
  it('not an XGBoost model', () => refuses({ hello: 1 }, /no "learner"/));

  it('objectives other than binary:logistic', () => {
    const m = base();
    m.learner.objective.name = 'reg:squarederror';
    refuses(m, /objective "reg:squarederror" is not supported/);
  });

  it('multi-class models', () => {
    const m = base();
    m.learner.objective.name = 'binary:logistic';
    m.learner.learner_model_param.num_class = '3';
    refuses(m, /multi-class/);
    const grouped = base();
    grouped.learner.gradient_booster.model.tree_info[1] = 1;
    refuses(grouped, /more than one output group/);
  });

  it('categorical splits', () => {
    const m = base();
    m.learner.gradient_booster.model.trees[2].split_type[0] = 1;
    refuses(m, /trees\[2\] has categorical splits/);
  });

  it('dart and gblinear boosters', () => {
    const m = base();
    m.learner.gradient_booster.name = 'dart';
    refuses(m, /booster "dart" is not supported/);
  });

  it('broken trees', () => {
    const m = base();
    m.learner.gradient_booster.model.trees[0].split_indices[0] = 99;
    refuses(m, /splits on feature 99/);
    const short = base();
    short.learner.gradient_booster.model.trees[1].sum_hessian.pop();
    refuses(short, /trees\[1\]\.sum_hessian has \d+ entries, left_children has \d+/);
    const cyclic = base();
    cyclic.learner.gradient_booster.model.trees[0].left_children[1] = 0;
    refuses(cyclic, /reached twice/);
    const uncovered = base();
    uncovered.learner.gradient_booster.model.trees[0].sum_hessian[0] = 0;
    refuses(uncovered, /split node 0 has cover 0/);
  });

  it('parameters no real model has', () => {
    const huge = base();
    huge.learner.learner_model_param.num_feature = '1000000000';
    delete huge.learner.feature_names;
    refuses(huge, /at most 100000 features/);
    const garbled = base();
    garbled.learner.learner_model_param.num_class = 'abc';
    refuses(garbled, /num_class must be a whole number/);
  });
});
