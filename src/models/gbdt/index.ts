// Gradient-boosted decision trees: training (histogram GBDT), the JSON artifact, fast flattened
// inference and exact TreeSHAP explanations.
export { ModelInputError } from './errors.js';
export type { FeatureMatrix, LabeledSet } from './data.js';
export { DEFAULT_PARAMS, resolveParams, type GbdtParams } from './params.js';
export { trainGbdt, type TrainOptions } from './train.js';
export { GBDT_FORMAT, GBDT_VERSION, parseGbdt, serializeGbdt, type GbdtArtifact, type ModelParams, type TrainingSummary } from './model.js';
export type { TreeArrays } from './tree.js';
export { GbdtPredictor, loadGbdt, type FeatureRow } from './predictor.js';
export type { FlatForest } from './forest.js';
export type { ShapValues } from './shap.js';
export { auc, logLossFromMargins, sigmoid } from './metrics.js';
