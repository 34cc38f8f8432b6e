import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openSqlite } from '../lib/sqlite.js';
import { sealArtifact, verifyArtifact, type ModelArtifact } from './artifact.js';
import { createScorer, ModelFeatureMismatch } from './scorer.js';
import { SqliteModelRegistry } from './stores/sqlite-registry.js';
import type { RegisteredModel } from './registry.js';
import { importXgboostJson } from './xgboost/index.js';

const VERSION = 'fs_test00000000';
const names = ['a', 'b', 'c', 'a_missing', 'b_missing', 'c_missing'];

function logisticArtifact(name: string, intercept: number): ModelArtifact {
  return sealArtifact({
    name,
    createdAt: 1,
    featureSetVersion: VERSION,
    inputs: ['a', 'b'],
    body: {
      kind: 'logistic',
      model: {
        format: 'riskgate-logistic',
        version: 1,
        objective: 'binary:logistic',
        featureNames: ['a', 'b'],
        mean: [0, 0],
        scale: [1, 1],
        coefficients: [1, -2],
        intercept,
        indicatorFeatures: [],
        indicatorCoefficients: [],
        params: { l2: 1, missingIndicators: false, maxIterations: 10, tolerance: 1e-6 },
        training: { iterations: 1, converged: true, loss: 0 },
      },
    },
    calibration: { kind: 'platt', a: 1, b: 0 },
    policy: { block: 0.9, review: 0.5 },
    training: { source: 'riskgate' },
    metrics: {},
  });
}

describe('model registry', () => {
  const open = () => {
    let clock = 1000;
    return new SqliteModelRegistry(openSqlite(':memory:'), () => clock++);
  };

  it('registers candidates with versions per model line, idempotently', async () => {
    const registry = open();
    const a = await registry.register(logisticArtifact('checkout', 0), 'test');
    const again = await registry.register(logisticArtifact('checkout', 0), 'test');
    const b = await registry.register(logisticArtifact('checkout', 1), 'test');
    const other = await registry.register(logisticArtifact('signup', 0), 'test');
    expect([a.version, again.version, b.version, other.version]).toEqual([1, 1, 2, 1]);
    expect(a.stage).toBe('candidate');
    expect((await registry.list('checkout')).length).toBe(2);
  });

  it('refuses an artifact whose content no longer matches its hash', async () => {
    const tampered = { ...logisticArtifact('checkout', 0), policy: { block: 0.1, review: 0.05 } };
    expect(verifyArtifact(tampered)).toBe(false);
    await expect(open().register(tampered, 'test')).rejects.toThrow(/content hash/);
  });

  it('keeps one active and one canary per line; promotion retires, rollback restores', async () => {
    const registry = open();
    const [m1, m2, m3] = await Promise.all([0, 1, 2].map((i) => registry.register(logisticArtifact('checkout', i), 'test')));
    await registry.promote(m1!.artifact.id, 'active', { actor: 'alice' });
    const changed = await registry.promote(m2!.artifact.id, 'active', { actor: 'bob' });
    expect(changed.map((m) => [m.artifact.id, m.stage])).toEqual([
      [m1!.artifact.id, 'retired'],
      [m2!.artifact.id, 'active'],
    ]);
    await registry.promote(m3!.artifact.id, 'canary', { actor: 'bob', canaryShare: 0.2 });
    expect((await registry.get(m3!.artifact.id))!.canaryShare).toBe(0.2);
    // Where it is already, with the same share: nothing changes and the history stays as it was; a new share is a change.
    const entries = (await registry.history('checkout')).length;
    expect(await registry.promote(m3!.artifact.id, 'canary', { actor: 'bob', canaryShare: 0.2 })).toEqual([]);
    expect(await registry.promote(m3!.artifact.id, 'canary', { actor: 'bob' })).toEqual([]); // no share given: it keeps its own
    expect(await registry.promote(m2!.artifact.id, 'active', { actor: 'bob' })).toEqual([]);
    expect((await registry.history('checkout')).length).toBe(entries);
    expect((await registry.promote(m3!.artifact.id, 'canary', { actor: 'bob', canaryShare: 0.3 })).map((m) => m.canaryShare)).toEqual([0.3]);
    await expect(registry.promote(m3!.artifact.id, 'canary', { actor: 'bob', canaryShare: 1.5 })).rejects.toThrow(/between 0 and 1/);
    await expect(registry.promote(m3!.artifact.id, 'shadow', { actor: 'bob', canaryShare: 0.5 })).rejects.toThrow(/only applies to the canary/);
    const rolled = await registry.rollback('checkout', 'carol');
    expect(rolled.map((m) => [m.artifact.id, m.stage])).toEqual([
      [m2!.artifact.id, 'retired'],
      [m1!.artifact.id, 'active'],
    ]);
    const history = await registry.history('checkout');
    expect(history.at(-1)).toMatchObject({ modelId: m1!.artifact.id, from: 'retired', to: 'active', actor: 'carol' });
    await expect(registry.rollback('signup', 'x')).rejects.toThrow(/no active model/);
    await expect(registry.promote('m_nope', 'active', { actor: 'x' })).rejects.toThrow(/no model with id/);
  });

  it('rolls back one step further each time (v3 → v2 → v1), not back and forth between the newest two', async () => {
    const registry = open();
    const [v1, v2, v3] = await Promise.all([0, 1, 2].map((i) => registry.register(logisticArtifact('checkout', i), 'test')));
    const id = (m: RegisteredModel | undefined) => m!.artifact.id;
    for (const m of [v1, v2, v3]) await registry.promote(id(m), 'active', { actor: 'alice' });
    const activeNow = async () => (await registry.list('checkout')).filter((m) => m.stage === 'active').map((m) => m.artifact.id);
    await registry.rollback('checkout', 'bob');
    expect(await activeNow()).toEqual([id(v2)]);
    await registry.rollback('checkout', 'bob');
    expect(await activeNow()).toEqual([id(v1)]);
    await expect(registry.rollback('checkout', 'bob')).rejects.toThrow(/no earlier active model/);
    expect((await registry.history('checkout')).filter((h) => h.via === 'rollback').map((h) => h.modelId)).toEqual([id(v2), id(v1)]);
    // A promotion after rollbacks starts from where the line stands: rolling it back restores v1.
    await registry.promote(id(v3), 'active', { actor: 'alice' });
    await registry.rollback('checkout', 'bob');
    expect(await activeNow()).toEqual([id(v1)]);
  });

  it('opens a registry whose stage history predates rollback marks, keeping its rows', async () => {
    const db = openSqlite(':memory:');
    db.exec('CREATE TABLE model_stage_history (seq INTEGER PRIMARY KEY, model_id TEXT NOT NULL, name TEXT NOT NULL, from_stage TEXT, to_stage TEXT NOT NULL, canary_share REAL, actor TEXT NOT NULL, at INTEGER NOT NULL) STRICT');
    db.prepare("INSERT INTO model_stage_history (model_id, name, from_stage, to_stage, canary_share, actor, at) VALUES ('m_old', 'checkout', NULL, 'candidate', NULL, 'x', 1)").run();
    const registry = new SqliteModelRegistry(db);
    expect(await registry.history('checkout')).toEqual([{ modelId: 'm_old', name: 'checkout', from: null, to: 'candidate', canaryShare: null, actor: 'x', at: 1 }]);
  });

  it('changes a policy without touching the artifact, and refuses a review band above the block threshold', async () => {
    const registry = open();
    const m = await registry.register(logisticArtifact('checkout', 0), 'test');
    const { model: updated } = await registry.setPolicy(m.artifact.id, { block: 0.7, review: 0.2 }, 'alice');
    expect(updated.policy).toEqual({ block: 0.7, review: 0.2 });
    expect(updated.artifact.policy).toEqual({ block: 0.9, review: 0.5 });
    await expect(registry.setPolicy(m.artifact.id, { block: 0.3, review: 0.5 }, 'alice')).rejects.toThrow(/review must not be above/);
    // The policy in force again: nothing recorded.
    const changes = (await registry.history('checkout')).length;
    expect((await registry.setPolicy(m.artifact.id, { block: 0.7, review: 0.2 }, 'bob')).changed).toBe(false);
    expect((await registry.history('checkout')).length).toBe(changes);
  });
});

describe('scorers', () => {
  const space = { version: VERSION, vectorNames: names };

  it('refuses a model trained on another feature set version, or needing an unserved feature', async () => {
    await expect(createScorer(logisticArtifact('checkout', 0), { ...space, version: 'fs_other0000000' })).rejects.toThrow(ModelFeatureMismatch);
    await expect(createScorer(logisticArtifact('checkout', 0), { version: VERSION, vectorNames: ['a', 'a_missing'] })).rejects.toThrow(/needs feature "b"/);
  });

  it('scores and explains a logistic model from the feature vector', async () => {
    const scorer = await createScorer(logisticArtifact('checkout', 0.5), space);
    const vector = Float64Array.from([2, 1, 7, 0, 0, 0]);
    const score = (await scorer.score(vector)) as { margin: number; probability: number };
    expect(score.margin).toBeCloseTo(2 - 2 + 0.5, 12);
    expect(score.probability).toBeCloseTo(1 / (1 + Math.exp(-0.5)), 12);
    expect(scorer.reasons(vector, 2)).toEqual([
      { feature: 'a', contribution: 2, value: 2 },
      { feature: 'b', contribution: -2, value: 1 },
    ]);
  });

  it('imports an XGBoost model and scores it from the feature vector like XGBoost', async () => {
    const dir = new URL('../../test/fixtures/xgb/', import.meta.url);
    const model = importXgboostJson(readFileSync(new URL('mixed.model.json', dir), 'utf8'));
    const inputs = model.featureNames;
    const artifact = sealArtifact({
      name: 'imported',
      createdAt: 1,
      featureSetVersion: VERSION,
      inputs,
      body: { kind: 'gbdt', model },
      calibration: { kind: 'identity' },
      policy: { block: 0.9, review: 0.5 },
      training: { source: 'xgboost' },
      metrics: {},
    });
    // The feature set serves the model's features in another order, among others.
    const vectorNames = ['unrelated', ...[...inputs].reverse(), 'other_missing'];
    const scorer = await createScorer(artifact, { version: VERSION, vectorNames });
    const row = inputs.map((_, i) => (i % 3 === 0 ? NaN : i / 7));
    const vector = Float64Array.from(vectorNames, (n) => (inputs.includes(n) ? row[inputs.indexOf(n)]! : 99));
    const { GbdtPredictor } = await import('./gbdt/index.js');
    const expected = new GbdtPredictor(model).predictProba(row);
    expect(((await scorer.score(vector)) as { probability: number }).probability).toBeCloseTo(expected, 12);
    const reasons = scorer.reasons(vector, 50);
    const margin = new GbdtPredictor(model).predictMargin(row);
    const bias = new GbdtPredictor(model).explainFast(row).bias;
    expect(reasons.reduce((s, r) => s + r.contribution, bias)).toBeCloseTo(margin, 4);
  });

  it('scores an ONNX model through onnxruntime-node, from probability or margin outputs', async () => {
    const dir = new URL('../../test/fixtures/onnx/', import.meta.url);
    const fixture = JSON.parse(readFileSync(new URL('logistic.json', dir), 'utf8')) as { inputs: string[]; cases: Array<{ row: number[]; margin: number; probability: number }> };
    const onnx = readFileSync(new URL('logistic.onnx', dir)).toString('base64');
    const vectorNames = [...fixture.inputs, ...fixture.inputs.map((n) => `${n}_missing`)];
    for (const output of ['probability', 'margin'] as const) {
      const artifact = sealArtifact({
        name: 'onnx',
        createdAt: 1,
        featureSetVersion: VERSION,
        inputs: fixture.inputs,
        body: { kind: 'onnx', onnx, inputName: 'features', outputName: output, output },
        calibration: { kind: 'identity' },
        policy: { block: 0.9, review: 0.5 },
        training: { source: 'onnx' },
        metrics: {},
      });
      const scorer = await createScorer(artifact, { version: VERSION, vectorNames });
      for (const c of fixture.cases) {
        const score = await scorer.score(Float64Array.from([...c.row, 0, 0, 0]));
        expect(Math.abs(score.probability - c.probability)).toBeLessThan(1e-6);
      }
    }
    // The margin output read as a probability fails (a decision falls back) instead of being clamped to a confident 0 or 1.
    const misread = sealArtifact({
      name: 'onnx',
      createdAt: 2,
      featureSetVersion: VERSION,
      inputs: fixture.inputs,
      body: { kind: 'onnx', onnx, inputName: 'features', outputName: 'margin', output: 'probability' },
      calibration: { kind: 'identity' },
      policy: { block: 0.9, review: 0.5 },
      training: { source: 'onnx' },
      metrics: {},
    });
    const scorer = await createScorer(misread, { version: VERSION, vectorNames });
    await expect(scorer.score(Float64Array.from([...fixture.cases[1]!.row, 0, 0, 0]))).rejects.toThrow(/output "margin" answered 1\.6499\d*, not a probability/);
  });
});
