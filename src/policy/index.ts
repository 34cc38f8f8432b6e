// Threshold policy: choosing block and review thresholds against costs and review capacity, the
// executive page and the explorer data that present the choice, and the capacity guard that narrows
// the review band in production when inflow outgrows the team. See docs/POLICY.md.
export { DEFAULT_FP_COST, DEFAULT_REVIEW_COST, type CostModel, type MissedFraudCost } from './costs.js';
export { NEVER } from './rows.js';
export { evaluatePolicy, type PolicyEvaluationOptions, type PolicyMetrics, type PolicyOutcome } from './evaluate.js';
export { bootstrapPolicy, BOOTSTRAP_STATISTICS, type BootstrapOptions, type BootstrapStatistic, type Interval, type PolicyIntervals } from './bootstrap.js';
export { optimizePolicy, type OptimizeOptions, type OptimizationResult, type PrCurveComparison, type ThresholdGrid } from './optimize.js';
export { createThresholdExplorer, explorerCurve, type ExplorerOptions, type ExplorerPoint, type ThresholdExplorer } from './explorer.js';
export { ReviewBandGovernor, type InflowObservation, type ReviewBandChange, type ReviewBandGovernorOptions } from './capacity.js';
export { renderExecutivePage, type ExecutivePageInput } from './executive.js';
