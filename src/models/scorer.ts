// A scorer turns a feature-set vector into a calibrated probability and its reasons, for one model.
// It maps the model's inputs onto the feature set's vector once, at load, and refuses a model that
// needs a feature the set does not serve.
import { applyCalibrator } from './calibration.js';
import type { ModelArtifact } from './artifact.js';
import { GbdtPredictor } from './gbdt/index.js';
import { LogisticPredictor } from './linear/index.js';

export class ModelFeatureMismatch extends Error {}

export interface Contribution {
  /** Feature name (a `_missing` indicator's contribution is folded into its feature). */
  feature: string;
  /** Log-odds the feature added (positive: towards fraud). */
  contribution: number;
  /** The feature's value in the vector (NaN when missing). */
  value: number;
}

export interface Score {
  margin: number;
  probability: number;
}

export interface Scorer {
  readonly artifact: ModelArtifact;
  /** Synchronous for trees and linear models; ONNX runtimes answer asynchronously. */
  score(vector: Float64Array): Score | Promise<Score>;
  /** Top contributions by absolute value (cheap path contributions for trees). */
  reasons(vector: Float64Array, k: number): Contribution[];
  /** The score and the top reasons together: one pass for trees, where both come from the same walk. */
  scoreWithReasons(vector: Float64Array, k: number): (Score & { reasons: Contribution[] }) | Promise<Score & { reasons: Contribution[] }>;
  /**
   * Resolves when the scorer runs at full speed: a tree model's trees compiled to code, which starts in
   * the background once it has explained 1,000 decisions, or when this is first read. It answers the
   * same before.
   */
  readonly ready: Promise<void>;
}

export interface FeatureSpace {
  version: string;
  vectorNames: readonly string[];
  /**
   * Other feature set versions whose definitions of this model's inputs are the same as the served
   * ones (see FeatureSet.servesLike); without it only the served version itself is accepted.
   */
  alsoServes?: ReadonlySet<string>;
}

/** Where each model input sits in the feature set's vector; throws naming the first unserved input. */
export function mapInputs(artifact: ModelArtifact, space: FeatureSpace): Int32Array {
  if (artifact.featureSetVersion !== space.version && !space.alsoServes?.has(artifact.featureSetVersion)) {
    throw new ModelFeatureMismatch(`model ${artifact.id} was trained on feature set ${artifact.featureSetVersion}; the features here are ${space.version}`);
  }
  const twice = artifact.inputs.find((name, i) => artifact.inputs.indexOf(name) !== i);
  if (twice !== undefined) throw new ModelFeatureMismatch(`model ${artifact.id} reads feature "${twice}" as two of its inputs: each input must be a different feature (a renaming that gave two columns one name?)`);
  const position = new Map(space.vectorNames.map((n, i) => [n, i]));
  return Int32Array.from(artifact.inputs, (name) => {
    const i = position.get(name);
    if (i === undefined) throw new ModelFeatureMismatch(`model ${artifact.id} needs feature "${name}", which feature set ${space.version} does not serve`);
    return i;
  });
}

export async function createScorer(artifact: ModelArtifact, space: FeatureSpace): Promise<Scorer> {
  const inputs = mapInputs(artifact, space);
  const row = new Float64Array(inputs.length);
  const gather = (vector: Float64Array): Float64Array => {
    for (let i = 0; i < inputs.length; i++) row[i] = vector[inputs[i]!]!;
    return row;
  };
  const calibrate = (margin: number): Score => ({ margin, probability: applyCalibrator(artifact.calibration, margin) });
  // Reasons are computed for every decision: the input → feature mapping is worked out once here.
  const featureNames: string[] = [];
  const featureOfInput = Int32Array.from(artifact.inputs, (name) => {
    const feature = name.endsWith('_missing') ? name.slice(0, -'_missing'.length) : name;
    let f = featureNames.indexOf(feature);
    if (f === -1) f = featureNames.push(feature) - 1;
    return f;
  });
  const valueIndex = new Map(space.vectorNames.map((n, i) => [n, i]));
  const valueAt = featureNames.map((f) => valueIndex.get(f) ?? -1);
  const missingAt = featureNames.map((f) => valueIndex.get(`${f}_missing`) ?? -1);
  const perFeature = new Float64Array(featureNames.length);
  const topReasons = (vector: Float64Array, contributions: ArrayLike<number>, k: number): Contribution[] => {
    perFeature.fill(0);
    for (let i = 0; i < featureOfInput.length; i++) perFeature[featureOfInput[i]!]! += contributions[i]!;
    const top: number[] = [];
    for (let f = 0; f < perFeature.length; f++) {
      const c = Math.abs(perFeature[f]!);
      if (c === 0) continue;
      let at = top.length;
      while (at > 0 && Math.abs(perFeature[top[at - 1]!]!) < c) at--;
      if (at < k) {
        top.splice(at, 0, f);
        if (top.length > k) top.pop();
      }
    }
    return top.map((f) => {
      const i = valueAt[f]!;
      const missing = missingAt[f]!;
      const value = i === -1 || (missing !== -1 && vector[missing] === 1) ? NaN : vector[i]!;
      return { feature: featureNames[f]!, contribution: perFeature[f]!, value };
    });
  };
  const body = artifact.body;
  switch (body.kind) {
    case 'gbdt': {
      const predictor = new GbdtPredictor(body.model);
      if (predictor.featureNames.length !== inputs.length) throw new ModelFeatureMismatch(`model ${artifact.id}: ${inputs.length} inputs but the trees use ${predictor.featureNames.length}`);
      // Trees compare float32 inputs: gathered straight into float32, the row is not copied again.
      const row32 = new Float32Array(inputs.length);
      // Read by topReasons before the next call: one buffer, no allocation per decision.
      const contributions = new Float64Array(inputs.length);
      const gather32 = (vector: Float64Array): Float32Array => {
        for (let i = 0; i < inputs.length; i++) row32[i] = vector[inputs[i]!]!;
        return row32;
      };
      return {
        artifact,
        get ready() {
          return predictor.explainFastReady();
        },
        score: (vector) => calibrate(predictor.predictMargin(gather32(vector))),
        reasons: (vector, k) => topReasons(vector, predictor.explainFast(gather32(vector), contributions).contributions, k),
        scoreWithReasons(vector, k) {
          const explained = predictor.explainFast(gather32(vector), contributions);
          const { margin, probability } = calibrate(explained.margin);
          return { margin, probability, reasons: topReasons(vector, explained.contributions, k) };
        },
      };
    }
    case 'logistic': {
      const predictor = new LogisticPredictor(body.model);
      return {
        artifact,
        ready: Promise.resolve(),
        score: (vector) => calibrate(predictor.predictMargin(gather(vector))),
        reasons: (vector, k) => topReasons(vector, predictor.explain(gather(vector)).contributions, k),
        scoreWithReasons(vector, k) {
          const explained = predictor.explain(gather(vector));
          const margin = explained.contributions.reduce((a, b) => a + b, explained.bias);
          return { ...calibrate(margin), reasons: topReasons(vector, explained.contributions, k) };
        },
      };
    }
    case 'onnx': {
      const { createOnnxMarginFunction } = await import('./onnx.js');
      const margin = await createOnnxMarginFunction(body, inputs.length);
      return {
        artifact,
        ready: Promise.resolve(),
        score: async (vector) => calibrate(await margin(gather(vector))),
        // An ONNX graph is opaque: no per-feature attribution.
        reasons: () => [],
        scoreWithReasons: async (vector) => ({ ...calibrate(await margin(gather(vector))), reasons: [] }),
      };
    }
  }
}
