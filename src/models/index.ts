export * from './artifact.js';
export * from './calibration.js';
export * from './metrics.js';
export { evaluateRows, type EvaluationReport, type EvaluationRow, type EvaluationOptions, type SegmentMetrics } from './evaluation.js';
export { createScorer, mapInputs, ModelFeatureMismatch, type Scorer, type Score, type Contribution, type FeatureSpace } from './scorer.js';
export { STAGES, RegistryError, type Stage, type ModelRegistry, type RegisteredModel, type StageChange } from './registry.js';
export { SqliteModelRegistry } from './stores/sqlite-registry.js';
export { trainModel, splitByTime, summary, rowForEvaluation, DEFAULT_GRID, DEFAULT_POLICY, type TrainedModel, type TrainModelOptions, type TimeSplit } from './train.js';
export { ModelInputError } from './gbdt/index.js';
