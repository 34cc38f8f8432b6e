// Logistic regression baseline: standardised features, L2, Newton's method; per-feature
// contributions for explanations; a JSON artifact like the GBDT's.
export {
  DEFAULT_LOGISTIC_PARAMS,
  LOGISTIC_FORMAT,
  LOGISTIC_VERSION,
  LogisticPredictor,
  loadLogistic,
  parseLogistic,
  serializeLogistic,
  trainLogistic,
  type LinearContributions,
  type LogisticArtifact,
  type LogisticParams,
  type LogisticTrainOptions,
} from './logistic.js';
