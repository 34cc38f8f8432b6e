// XGBoost model import: load a model saved by XGBoost (JSON) into riskgate's GBDT artifact.
export { importXgboostJson } from './import.js';
