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
    throw new ModelFeatureMismatch(`model ${artifact.id} was trained on feature set ${artifact.featureSetVersion}; this server serves ${space.version}`);
  }
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
  const topReasons = (vector: Float64Array, contributions: ArrayLike<number>, k: number): Contribution[] => {
    const byFeature = new Map<string, number>();
    artifact.inputs.forEach((name, i) => {
      const feature = name.endsWith('_missing') ? name.slice(0, -'_missing'.length) : name;
      byFeature.set(feature, (byFeature.get(feature) ?? 0) + contributions[i]!);
    });
    const valueIndex = new Map(space.vectorNames.map((n, i) => [n, i]));
    return [...byFeature]
      .filter(([, c]) => c !== 0)
      .sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]) || (a[0] < b[0] ? -1 : 1))
      .slice(0, k)
      .map(([feature, contribution]) => {
        const i = valueIndex.get(feature);
        const missing = valueIndex.get(`${feature}_missing`);
        const value = i === undefined || (missing !== undefined && vector[missing] === 1) ? NaN : vector[i]!;
        return { feature, contribution, value };
      });
  };
  const body = artifact.body;
  switch (body.kind) {
    case 'gbdt': {
      const predictor = new GbdtPredictor(body.model);
      if (predictor.featureNames.length !== inputs.length) throw new ModelFeatureMismatch(`model ${artifact.id}: ${inputs.length} inputs but the trees use ${predictor.featureNames.length}`);
      return {
        artifact,
        score: (vector) => calibrate(predictor.predictMargin(gather(vector))),
        reasons: (vector, k) => topReasons(vector, predictor.explainFast(gather(vector)).contributions, k),
      };
    }
    case 'logistic': {
      const predictor = new LogisticPredictor(body.model);
      return {
        artifact,
        score: (vector) => calibrate(predictor.predictMargin(gather(vector))),
        reasons: (vector, k) => topReasons(vector, predictor.explain(gather(vector)).contributions, k),
      };
    }
    case 'onnx': {
      const { createOnnxMarginFunction } = await import('./onnx.js');
      const margin = await createOnnxMarginFunction(body, inputs.length);
      return {
        artifact,
        score: async (vector) => calibrate(await margin(gather(vector))),
        // An ONNX graph is opaque: no per-feature attribution.
        reasons: () => [],
      };
    }
  }
}
