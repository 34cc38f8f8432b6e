// A decision, as returned to the client and as stored in the decision log (feature logging included):
// enough to replay it exactly and to use it as a training row.
import { DECISION_ID_PREFIX, type RiskEvent } from '../events/schema.js';

export type Action = 'allow' | 'review' | 'block';
export type ModelMode = 'active' | 'canary' | 'fallback';

export type Reason =
  | { kind: 'rule'; rule_id: string; version: number; action: string; text: string }
  | { kind: 'feature'; feature: string; value: number | null; contribution: number; text: string };

export interface Timings {
  features_ms: number;
  rules_ms: number;
  model_ms: number;
  total_ms: number;
}

export interface Decision {
  decision_id: string;
  event_id: string;
  /** Log sequence number of the scored event. */
  seq: number;
  action: Action;
  /** Calibrated probability of fraud from the deciding model; null when no model decided. */
  score: number | null;
  reasons: Reason[];
  model: { id: string; version: number; mode: ModelMode } | null;
  /** Models scored and logged on this request but never acted on. */
  shadow: Array<{ id: string; version: number; score: number | null; action: Action | null }>;
  rules_version: string;
  rule_hits: Array<{ rule_id: string; version: number; action: string }>;
  shadow_rule_hits: Array<{ rule_id: string; version: number; action: string }>;
  /**
   * Rules that could not be evaluated on this request (a run-time error, a stored rule that no longer
   * compiles, or — `not_evaluated` — the rules stage had used up its budget before their turn). An
   * acting rule among them sets `degraded` to "rules_timeout" or "rule_error" unless something else
   * degraded the decision first. Decisions stored before this field existed read as [].
   */
  rule_errors: Array<{ rule_id: string; version: number; shadow: boolean; message: string; not_evaluated?: boolean }>;
  feature_set_version: string;
  /** Why the decision was made without part of its usual inputs (null when nothing degraded). */
  degraded: string | null;
  policy: { block: number; review: number } | null;
  timings: Timings;
  /** Event time of the request (epoch ms) and the wall-clock time the decision was made. */
  ts: number;
  decided_at: number;
}

/** What the decision log keeps beside the response: the inputs replay needs. */
export interface StoredDecision {
  decision: Decision;
  request: RiskEvent;
  /** The feature vector read for the request (feature set layout), or null when features were unavailable. */
  vector: Float64Array | null;
  /** The rules the request was evaluated against, by id and version (replay rebuilds exactly these). */
  ruleVersions: Array<{ id: string; version: number }>;
  /** The lists' version the rules read (replay rebuilds the lists as they were); absent on decisions from before it was logged. */
  listsVersion?: number;
  /** Set when the decision was recomputed at start-up for an event whose decision a crash lost. */
  recovered?: boolean;
  /** Set for decisions stored before rule errors were logged: replay cannot compare them. */
  ruleErrorsUnlogged?: boolean;
}

export { DECISION_ID_PREFIX };

export function decisionIdFor(seq: number): string {
  return `${DECISION_ID_PREFIX}${seq.toString(36).padStart(8, '0')}`;
}
