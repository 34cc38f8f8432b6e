// Replay: recompute a stored decision from its logged inputs — the request, the feature vector it was
// given, the model and rule versions it used, its policy — and say whether the result is the same.
import type { FeatureSet } from '../features/index.js';
import type { Contribution, Scorer } from '../models/index.js';
import { finalAction, listsTimeFor, reasonsFor, ruleErrorsOf, TOP_FEATURE_REASONS, type RulesPort } from './decide.js';
import type { Decision, StoredDecision } from './decision.js';

export interface ReplayContext {
  featureSet: FeatureSet;
  /** A scorer for any registered model (artifacts are immutable, so this is the model as it was). */
  scorerFor(modelId: string): Promise<Scorer>;
  /** The rules exactly at the given versions, reading the lists as they were at `listsVersion` (as they are now when absent). */
  rulesAt(versions: ReadonlyArray<{ id: string; version: number }>, listsVersion?: number): Promise<RulesPort>;
}

export interface ReplayResult {
  equal: boolean;
  differences: string[];
  original: Decision;
  replayed: Decision;
}

export async function replayDecision(stored: StoredDecision, context: ReplayContext): Promise<ReplayResult> {
  const original = stored.decision;
  const vector = stored.vector;
  let score: number | null = null;
  let contributions: Contribution[] = [];
  if (original.model && vector) {
    const scored = await (await context.scorerFor(original.model.id)).scoreWithReasons(vector, TOP_FEATURE_REASONS);
    score = scored.probability;
    contributions = scored.reasons;
  }
  const shadow: Decision['shadow'] = [];
  for (const s of original.shadow) {
    const shadowScore = vector && s.score !== null ? (await (await context.scorerFor(s.id)).score(vector)).probability : null;
    shadow.push({ ...s, score: shadowScore });
  }
  const rules = await context.rulesAt(stored.ruleVersions, stored.listsVersion);
  // Rules the decision did not get to (its rules stage ran out of time) are skipped again, not evaluated.
  const skip = new Set(original.rule_errors.filter((e) => e.not_evaluated).map((e) => e.rule_id));
  const outcome = rules.evaluate(stored.request, vector, score, listsTimeFor(stored.request.ts, original.decided_at), { skip });
  const replayed: Decision = {
    ...original,
    score,
    action: finalAction(outcome.action, score, original.policy),
    reasons: reasonsFor(outcome, contributions, context.featureSet),
    shadow,
    rules_version: rules.version,
    rule_hits: outcome.hits.map((h) => ({ rule_id: h.ruleId, version: h.version, action: h.action })),
    shadow_rule_hits: outcome.shadowHits.map((h) => ({ rule_id: h.ruleId, version: h.version, action: h.action })),
    rule_errors: ruleErrorsOf(outcome),
  };
  const differences: string[] = [];
  for (const field of ['action', 'score', 'reasons', 'shadow', 'rules_version', 'rule_hits', 'shadow_rule_hits', 'rule_errors'] as const) {
    if (field === 'rule_errors' && stored.ruleErrorsUnlogged) continue; // stored before they were logged
    if (comparable(field, original) !== comparable(field, replayed)) differences.push(field);
  }
  return { equal: differences.length === 0, differences, original, replayed };
}

/**
 * A field as compared. Reasons without their wording: the text is how a reason is said, which may
 * change between versions; what the decision rests on is the rule or feature, its value and weight.
 * Rule errors in rule-id order: decisions made before shadow rules ran after acting ones listed them
 * in priority order.
 */
function comparable(field: keyof Decision, decision: Decision): string {
  if (field === 'reasons') return JSON.stringify(decision.reasons.map(({ text: _text, ...facts }) => facts));
  if (field === 'rule_errors') return JSON.stringify([...decision.rule_errors].sort((a, b) => (a.rule_id < b.rule_id ? -1 : a.rule_id > b.rule_id ? 1 : 0)));
  return JSON.stringify(decision[field]);
}
