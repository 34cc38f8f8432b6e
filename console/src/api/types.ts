// The shapes of the riskgate HTTP API as the console reads them (docs/API.md; /docs/json).

export type Action = 'allow' | 'review' | 'block';
export type RuleAction = 'block' | 'review' | 'allow' | 'tag';
export type CaseStatus = 'open' | 'claimed' | 'escalated' | 'decided';
export type CaseVerdict = 'fraud' | 'legit';

/** Where a rule expression stops making sense. */
export interface SourcePosition {
  line: number;
  column: number;
  offset: number;
}

export interface ErrorBody {
  error: string;
  message: string;
  errors?: Array<{ path: string; message: string }>;
  position?: SourcePosition;
}

// Review queue

export interface CaseSummary {
  id: string;
  decision_id: string;
  event_id: string;
  user: string | null;
  amount: number | null;
  currency: string | null;
  score: number | null;
  /** Expected loss: probability × amount (a rules-only review counts as an even chance). */
  priority: number;
  status: CaseStatus;
  /** Escalated, and still so while a reviewer holds it (its status is then `claimed`). */
  escalated: boolean;
  opened_at: number;
  sla_due_at: number;
  sla_breached: boolean;
  reasons: string[];
  claimed_by: string | null;
  lease_expires_at: number | null;
  verdict: CaseVerdict | null;
  decided_at: number | null;
  decided_by: string | null;
  /** The reviewer_verdict label event the verdict became. */
  label_event_id: string | null;
}

export interface CaseHistoryEntry {
  at: number;
  actor: string;
  action: string;
  note: string | null;
}

export interface CaseDetail extends CaseSummary {
  history: CaseHistoryEntry[];
  note: string | null;
}

export interface FeatureComparison {
  name: string;
  description: string;
  value: number | null;
  /** The user's usual value, null when there is no history. */
  usual: number | null;
}

export interface LinkedEntities {
  users: string[];
  devices: string[];
  cards: string[];
  ips: string[];
}

export interface CaseFile {
  case: CaseDetail;
  decision: Decision;
  request: RiskEvent;
  features: FeatureComparison[];
  linked: LinkedEntities;
  messages: Array<{ ts: number; text: string }>;
}

export interface CaseList {
  cases: CaseSummary[];
  total: number;
}

export interface Lease {
  lease_id: string;
  expires_at: number;
  reviewer: string;
}

export interface QueueStats {
  open: number;
  claimed: number;
  escalated: number;
  decided_today: number;
  sla_breached: number;
  capacity_per_day: number;
  /** Null without an active model. */
  review_threshold: number | null;
  block_threshold: number | null;
}

export interface LabelEvent {
  id: string;
  type: string;
  ts: number;
  target_event_id: string | null;
  verdict: string | null;
  reviewer: string | null;
}

// Decisions

export interface Reason {
  kind: 'rule' | 'feature';
  text: string;
  rule_id?: string;
  version?: number;
  action?: string;
  feature?: string;
  value?: number | null;
  contribution?: number;
}

export interface Policy {
  block: number;
  review: number;
}

export interface Decision {
  decision_id: string;
  event_id: string;
  action: Action;
  score: number | null;
  reasons: Reason[];
  model: { id: string; version: number; mode: 'active' | 'canary' | 'fallback' } | null;
  shadow: Array<{ id: string; version: number; score: number | null; action: string | null }>;
  rules_version: string;
  rule_hits: Array<{ rule_id: string; version: number; action: string }>;
  shadow_rule_hits: Array<{ rule_id: string; version: number; action: string }>;
  rule_errors?: Array<{ rule_id: string; version: number; shadow: boolean; message: string }>;
  feature_set_version: string;
  degraded: string | null;
  policy: Policy | null;
  ts: number;
  decided_at: number;
}

export interface RiskEvent {
  id: string;
  type: string;
  ts: number | string;
  entities: Record<string, string | undefined>;
  context?: Record<string, unknown>;
  payload: Record<string, unknown>;
}

// Rules and lists

export interface Rule {
  id: string;
  name: string;
  description: string;
  expression: string;
  action: RuleAction;
  priority: number;
  shadow: boolean;
  enabled: boolean;
  version: number;
  updatedAt: number;
  updatedBy: string;
}

export interface BacktestReport {
  rows: number;
  hits: number;
  hitRate: number;
  errors: { rows: number; examples: Array<{ eventId: string; message: string }> };
  matureRows: number;
  positives: number;
  truePositives: number;
  falsePositives: number;
  precision: number | null;
  recall: number | null;
  overlap: Array<{ ruleId: string; version: number; hits: number; both: number; error?: string }>;
  amounts?: Record<string, { hits: number; fraud: number; legitimate: number }>;
  examples: string[];
}

export interface NamedList {
  name: string;
  kind: string;
  description: string;
  createdAt: number;
  createdBy: string;
}

export interface ListEntry {
  value: string;
  note: string | null;
  expiresAt: number | null;
  addedAt: number;
  addedBy: string;
}

// Models

export type ModelStage = 'candidate' | 'shadow' | 'canary' | 'active' | 'retired';

/** One evaluation period of a model; imported models may lack some numbers. */
export interface PeriodMetrics {
  rows?: number;
  positives?: number;
  auc?: number;
  averagePrecision?: number;
  ece?: number;
  brier?: number;
  recallAtVolume?: number;
  precisionAtVolume?: number;
}

export interface ModelView {
  id: string;
  name: string;
  version: number;
  stage: ModelStage;
  canary_share: number | null;
  kind: string;
  feature_set_version: string;
  policy: Policy;
  calibration: string;
  training: { from?: number; to?: number; rows?: number; positives?: number };
  metrics: { test?: PeriodMetrics; validation?: PeriodMetrics };
  created_at: number;
}

export interface ModelsResponse {
  models: ModelView[];
  serving: { serving: Array<{ id: string; version: number; stage: string }>; refused: Array<{ id: string; reason?: string }> };
}

export type DecisionAction = 'allow' | 'review' | 'block';

export interface ShadowComparison {
  model_id: string;
  decisions: number;
  from: number | null;
  to: number | null;
  agreement: number | null;
  /** Rows: the deciding model's action; columns: the shadow model's. */
  matrix: Record<DecisionAction, Record<DecisionAction, number>>;
  mean_score: { deciding: number | null; shadow: number | null };
  score_correlation: number | null;
  flagged_ratio: number | null;
}

export interface ExplorerPoint {
  block: number;
  review: number;
  reviewsPerDay: number;
  fraudStoppedAmount: number;
  /** Null when no fraud in the period carried an amount. */
  fraudStoppedShare: number | null;
  goodBlockedPerDay: number;
  savings: number;
}

export interface PolicyExplorer {
  model_id: string;
  /** The model's installed thresholds. */
  policy: Policy;
  /** What decisions use now: the review threshold may have been raised by the capacity guard. */
  in_force: Policy;
  capacity_per_day: number;
  currency: string;
  /** What savings are counted in: the currency when a missed fraud costs its amount, else "false alarms". */
  savings_unit: string;
  points: ExplorerPoint[];
}

// Operations

export interface Readiness {
  status: string;
  active_model: string | null;
  canary_model: string | null;
  kill_switch: boolean;
}

export interface TopEntities {
  entities: Array<{ entity: string; score: number }>;
}
