// The decision path, top to bottom: validate → features as of the event (the event is appended to the
// log and applied to the online features right after its vector is read) → models (active or canary,
// shadows) → rules (over the request, features, model score and lists) → policy → persist → respond.
// Every stage that can be slow or sick has a budget and a circuit breaker; when one fails, the decision
// falls back (fallback model, then rules only) and says so in `degraded`.
import { futureTimeError, parseEvent, type FieldError } from '../events/index.js';
import { isLabelType, type RiskEvent } from '../events/schema.js';
import type { FeatureSet, OnlineFeatureStore } from '../features/index.js';
import type { Contribution } from '../models/index.js';
import type { Metrics } from '../monitor/metrics.js';
import { CircuitBreaker, StageUnavailable } from './breaker.js';
import { decisionIdFor, type Action, type Decision, type Reason, type StoredDecision } from './decision.js';
import { featureReason } from './reasons.js';
import { RESERVED_ID_PREFIX } from '../review/label.js';
import type { OpenCaseInput } from '../review/store.js';
import { canonicalJson } from '../lib/canonical-json.js';
import { decidingModel, type Lineup, type ServingModel } from './rollout.js';
import type { ServingSettings } from './settings.js';
import type { DecisionStore } from './store.js';

/** The request conflicts with what riskgate already holds (e.g. its event id was used by a non-scored event). */
export class ConflictError extends Error {}

/** The decision could not be logged within the request's budget: nothing was acknowledged; a retry with the same id is safe. */
export class NotRecordedError extends Error {}

export class ValidationError extends Error {
  constructor(readonly errors: FieldError[]) {
    super(errors.map((e) => `${e.path || '(body)'}: ${e.message}`).join('; '));
  }
}

/** scoreWith's reason for a model it did not try: the request's budget was spent before the model stage. */
const NO_TIME_LEFT = 'no_time_left';

export interface RuleOutcome {
  action: Action | null;
  hits: Array<{ ruleId: string; version: number; action: string; name: string }>;
  shadowHits: Array<{ ruleId: string; version: number; action: string; name: string }>;
  errors: Array<{ ruleId: string; version: number; shadow: boolean; message: string; notEvaluated?: boolean }>;
}

/** What the decision path needs of the rules capability. */
export interface RulesPort {
  readonly version: string;
  /** Ids and versions of the rules a decision is evaluated against (logged for replay). */
  readonly evaluated: ReadonlyArray<{ id: string; version: number }>;
  /** The lists' version the rules read (logged for replay). */
  readonly listsVersion: number;
  /**
   * `listsAt`: the time list entries' expiry is judged at (listsTimeFor). `limits.deadline`: no rule is
   * started after it (performance.now()); `limits.skip`: rules reported as not evaluated (replay).
   */
  evaluate(event: RiskEvent, vector: Float64Array | null, score: number | null, listsAt: number, limits?: { deadline?: number; skip?: ReadonlySet<string> }): RuleOutcome;
}

/** Test and drill hooks: make a stage slow or failing on purpose. */
export interface Faults {
  features?: { delayMs?: number; fail?: boolean };
  /** `modelId`: only that model (say the deciding one, so that the fallback decides); otherwise every model. */
  model?: { delayMs?: number; fail?: boolean; modelId?: string };
  /** Rules are evaluated synchronously: a slow rule holds the thread, as this delay does. */
  rules?: { delayMs?: number };
}

export interface DecideResult {
  decision: Decision;
  /** True when this is a retry of an event already decided: the stored decision is returned. */
  duplicate: boolean;
}

/** What the decision path needs of the review queue: a review decision opens a case. */
export interface CasesPort {
  /** Resolves once the case is stored (opening one that exists changes nothing): the decision is acknowledged only after its case exists. */
  open(input: OpenCaseInput): Promise<unknown>;
}

/** The review case a stored review decision opens. */
export function caseOpeningFor(stored: StoredDecision): OpenCaseInput {
  const d = stored.decision;
  const payload = stored.request.payload as { amount?: number; currency?: string };
  return {
    decisionId: d.decision_id,
    decisionSeq: d.seq,
    eventId: d.event_id,
    user: stored.request.entities.user ?? null,
    amount: payload.amount ?? null,
    currency: payload.currency ?? null,
    score: d.score,
    reasons: d.reasons.map((r) => r.text),
    openedAt: d.decided_at,
  };
}

export interface DeciderDeps {
  featureSet: FeatureSet;
  features: OnlineFeatureStore;
  decisions: DecisionStore;
  metrics: Metrics;
  lineup: () => Lineup;
  rules: () => RulesPort;
  settings: () => ServingSettings;
  faults?: () => Faults;
  cases?: CasesPort;
  /** Told of every stored decision (the audit trail, the risk leaderboard, the capacity guard). */
  observe?: (stored: StoredDecision) => void;
  /** The thresholds to use with a model now (the capacity guard may have narrowed its review band). */
  policyFor?: (model: ServingModel) => { block: number; review: number };
}

export class Decider {
  readonly featureBreaker = new CircuitBreaker('features');
  readonly modelBreakers = new Map<string, CircuitBreaker>();

  /** Decisions under way, by event id: retries sent in parallel wait for the first instead of deciding again. */
  private readonly inFlight = new Map<string, Promise<DecideResult>>();

  constructor(private readonly deps: DeciderDeps) {}

  async decide(body: unknown): Promise<DecideResult> {
    const started = performance.now();
    // 1. Validate. A label says what happened to an earlier event; there is nothing about it to decide.
    const event = parseLiveEvent(body);
    if (isLabelType(event.type)) throw new ValidationError([{ path: 'type', message: `"${event.type}" is a label, not a checkpoint to decide: send it to POST /v1/events` }]);
    // A client that retries before the first answer arrives must get that decision, not a second one
    // counted, audited and observed again: requests for an event id are decided one at a time.
    for (let running = this.inFlight.get(event.id); running; running = this.inFlight.get(event.id)) await running.catch(() => undefined);
    const deciding = this.decideOnce(event, started);
    this.inFlight.set(event.id, deciding);
    try {
      return await deciding;
    } finally {
      if (this.inFlight.get(event.id) === deciding) this.inFlight.delete(event.id);
    }
  }

  private async decideOnce(event: RiskEvent, started: number): Promise<DecideResult> {
    const settings = this.deps.settings();
    const { metrics } = this.deps;
    const prior = await this.deps.decisions.getByEvent(event.id);
    if (prior) return this.retried(prior, event);

    // 2. Features as of the event: read after every earlier event and before this one; the event is
    //    appended to the log and applied to the online features in the same step.
    let degraded: string | null = null;
    let vector: Float64Array | null = null;
    let seq: number | null = null;
    let recovered = false;
    const ingest = this.deps.features.ingest([event], { serveAll: true });
    try {
      const [result] = await this.featureBreaker.run(() => this.faulty('features', () => ingest), settings.budgets.featuresMs);
      if (result!.status === 'duplicate') {
        // The event is in the log but its decision is not: the process stopped between the two
        // commits. Decide from the vector it was served (the feature log's, or read again at start
        // if the stop lost that too) — unless the log holds another request under this id.
        const answered = await this.deps.decisions.getByEvent(event.id);
        if (answered) return this.retried(answered, event);
        if (result!.conflict) throw reusedId(event.id);
        const served = await this.deps.features.servedVector(result!.seq);
        if (!served || served.eventId !== event.id || served.featureSetVersion !== this.deps.featureSet.version) {
          throw new ConflictError(`event id "${event.id}" was already received as an event without a decision; use a new id`);
        }
        vector = served.vector;
        seq = served.seq;
        recovered = true;
      } else {
        vector = result!.vector ?? null;
        seq = result!.seq;
      }
    } catch (error) {
      if (!(error instanceof StageUnavailable)) throw error;
      degraded = `features_${error.reason}`;
    }
    const featuresDone = performance.now();

    // 3. Models: the deciding model (active, or canary for a stable share of users) — or the fallback
    //    when it fails or none can decide — then the shadows. Each gets at most the model budget and at
    //    most what the request's budget leaves once the rules stage's is set aside.
    const lineup = this.deps.lineup();
    const scoredType = this.deps.featureSet.scored.has(event.type);
    const modelTime = () => Math.min(settings.budgets.modelMs, settings.budgets.totalMs - settings.budgets.rulesMs - (performance.now() - started));
    let score: number | null = null;
    let contributions: Contribution[] = [];
    let decider: { model: ServingModel; mode: 'active' | 'canary' | 'fallback' } | undefined;
    if (settings.killSwitch) {
      degraded ??= 'kill_switch';
    } else if (vector === null) {
      // Without features no model can score; rules still run on the request itself.
    } else if (!scoredType) {
      // The models learnt from rows of the feature set's scored types: a model of bookings knows nothing
      // of logins, so such a checkpoint is decided by the rules (not degraded: nothing failed).
    } else {
      const chosen = decidingModel(lineup, event.entities.user);
      const attempt = chosen ? await this.scoreWith(chosen.model, vector, modelTime(), true) : undefined;
      if (attempt?.ok) {
        score = attempt.probability;
        contributions = attempt.reasons;
        decider = chosen;
      } else {
        degraded ??= attempt === undefined ? 'no_model' : attempt.reason === NO_TIME_LEFT ? 'budget_spent' : `model_${attempt.reason}`;
        // (The fallback may be the very model that just failed, loaded a second time: not tried twice.)
        if (lineup.fallback && lineup.fallback.registered.artifact.id !== chosen?.model.registered.artifact.id) {
          const fallback = await this.scoreWith(lineup.fallback, vector, modelTime(), true);
          if (fallback.ok) {
            score = fallback.probability;
            contributions = fallback.reasons;
            decider = { model: lineup.fallback, mode: 'fallback' };
          }
        }
      }
    }
    // Shadows are scored side by side: a slow one costs the request its own time, not the sum of all.
    const shadow: Decision['shadow'] = [];
    if (vector !== null && !settings.killSwitch && scoredType && lineup.shadows.length > 0) {
      const budgetMs = modelTime();
      const attempts = await Promise.all(lineup.shadows.map((model) => this.scoreWith(model, vector, budgetMs, false)));
      lineup.shadows.forEach((model, i) => {
        const attempt = attempts[i]!;
        const p = attempt.ok ? attempt.probability : null;
        shadow.push({ id: model.registered.artifact.id, version: model.registered.version, score: p, action: p === null ? null : policyAction(p, model.registered.policy) });
      });
    }
    const modelDone = performance.now();

    // 4. Rules, over the request, the features, the model's score and the lists.
    const rules = this.deps.rules();
    const decidedAt = Date.now();
    const deadline = Math.min(modelDone + settings.budgets.rulesMs, started + settings.budgets.totalMs);
    busyWait(this.deps.faults?.().rules?.delayMs);
    const outcome = rules.evaluate(event, vector, score, listsTimeFor(event.ts, decidedAt), { deadline });
    const listsVersion = rules.listsVersion;
    for (const hit of outcome.hits) metrics.ruleHits.inc({ rule: hit.ruleId, shadow: 'false' });
    for (const hit of outcome.shadowHits) metrics.ruleHits.inc({ rule: hit.ruleId, shadow: 'true' });
    for (const e of outcome.errors) metrics.ruleErrors.inc({ rule: e.ruleId });
    // A rule that could not say whether it fires leaves the decision without one of its checks: the
    // answer still comes (degrade, don't fail), but it says so rather than passing silently.
    if (outcome.errors.some((e) => !e.shadow && e.notEvaluated)) degraded ??= 'rules_timeout';
    if (outcome.errors.some((e) => !e.shadow)) degraded ??= 'rule_error';
    const rulesDone = performance.now();

    // 5. Policy: rules and the model's band together (see finalAction).
    const policy = decider ? (this.deps.policyFor?.(decider.model) ?? decider.model.registered.policy) : null;
    const action = finalAction(outcome.action, score, policy);
    const reasons = reasonsFor(outcome, contributions, this.deps.featureSet);
    const total = performance.now();
    if (seq === null) {
      // The features stage gave up, but the event's append is still under way: a decision is only
      // acknowledged once it is logged under its event's seq (its id is made from it), so the answer
      // waits for the append — until the request's budget runs out, and then says so (503: nothing
      // acknowledged, a retry with the same id is safe).
      const landed = await settledWithin(ingest, settings.budgets.totalMs - (total - started));
      const result = landed?.[0];
      if (result?.status === 'duplicate') {
        const answered = await this.deps.decisions.getByEvent(event.id);
        if (answered) return this.retried(answered, event);
        if (result.conflict) throw reusedId(event.id);
      }
      if (result?.status !== 'appended') {
        throw new NotRecordedError(`the event could not be logged within the ${settings.budgets.totalMs} ms budget (${degraded}); not acknowledged; the event may still land in the log (and count in the features), so retry with the same id: the retry answers with its decision`);
      }
      seq = result.seq;
    }
    const decision: Decision = {
      decision_id: decisionIdFor(seq),
      event_id: event.id,
      seq,
      action,
      score,
      reasons,
      model: decider ? { id: decider.model.registered.artifact.id, version: decider.model.registered.version, mode: decider.mode } : null,
      shadow,
      rules_version: rules.version,
      rule_hits: outcome.hits.map((h) => ({ rule_id: h.ruleId, version: h.version, action: h.action })),
      shadow_rule_hits: outcome.shadowHits.map((h) => ({ rule_id: h.ruleId, version: h.version, action: h.action })),
      rule_errors: ruleErrorsOf(outcome),
      feature_set_version: this.deps.featureSet.version,
      degraded,
      policy,
      timings: {
        features_ms: round(featuresDone - started),
        model_ms: round(modelDone - featuresDone),
        rules_ms: round(rulesDone - modelDone),
        total_ms: round(total - started),
      },
      ts: event.ts,
      decided_at: decidedAt,
    };
    metrics.stageSeconds.observe({ stage: 'features' }, (featuresDone - started) / 1000);
    metrics.stageSeconds.observe({ stage: 'model' }, (modelDone - featuresDone) / 1000);
    metrics.stageSeconds.observe({ stage: 'rules' }, (rulesDone - modelDone) / 1000);
    // "none" is for alerts (no model could decide); a type no model scores is counted apart.
    metrics.decisions.inc({ action, model_mode: decider?.mode ?? (scoredType ? 'none' : 'unscored') });
    if (degraded) metrics.degraded.inc({ reason: degraded });

    // 6. Persist (feature logging: the request and its vector go with it), open a review case if
    //    needed, then respond.
    const stored: StoredDecision = { decision, request: event, vector, ruleVersions: [...rules.evaluated], listsVersion, ...(recovered ? { recovered } : {}) };
    if (recovered) await this.deps.features.logRecovered(seq);
    await this.persist(stored);
    metrics.stageSeconds.observe({ stage: 'total' }, (performance.now() - started) / 1000);
    return { decision, duplicate: false };
  }

  private async persist(stored: StoredDecision): Promise<void> {
    await this.deps.decisions.write(stored);
    if (stored.decision.action === 'review') await this.deps.cases?.open(caseOpeningFor(stored));
    // The decision is stored: what only watches it (audit, leaderboard, capacity guard) must not turn
    // its answer into an error the client would retry.
    try {
      this.deps.observe?.(stored);
    } catch (error) {
      process.stderr.write(`riskgate: after decision ${stored.decision.decision_id} was stored: ${(error as Error).message}\n`);
    }
  }

  /**
   * A retry of a decided event gets the stored decision — if it is the same request: an id reused for
   * another request would get an answer about something else. A review decision whose case did not
   * open (the case store failed after the decision was stored) opens it now.
   */
  private async retried(stored: StoredDecision, event: RiskEvent): Promise<DecideResult> {
    if (canonicalJson(stored.request) !== canonicalJson(event)) throw reusedId(event.id);
    if (stored.decision.action === 'review') await this.deps.cases?.open(caseOpeningFor(stored));
    return { decision: stored.decision, duplicate: true };
  }

  /**
   * `budgetMs` ≤ 0: the request has no time left for the model (the stages before it, or a stall of the
   * process, used it up) — not tried, not held against its breaker, and not called the model's timeout.
   */
  private async scoreWith(model: ServingModel, vector: Float64Array, budgetMs: number, explain: boolean): Promise<{ ok: true; probability: number; reasons: Contribution[] } | { ok: false; reason: string }> {
    if (budgetMs <= 0) return { ok: false, reason: NO_TIME_LEFT };
    const id = model.registered.artifact.id;
    let breaker = this.modelBreakers.get(id);
    if (!breaker) {
      breaker = new CircuitBreaker(`model ${id}`);
      this.modelBreakers.set(id, breaker);
    }
    try {
      if (explain) {
        const scored = await breaker.run(() => this.faulty('model', () => probabilityOf(model.scorer.scoreWithReasons(vector, TOP_FEATURE_REASONS)), id), budgetMs);
        return { ok: true, probability: scored.probability, reasons: scored.reasons };
      }
      const score = await breaker.run(() => this.faulty('model', () => probabilityOf(model.scorer.score(vector)), id), budgetMs);
      return { ok: true, probability: score.probability, reasons: [] };
    } catch (error) {
      if (error instanceof StageUnavailable) return { ok: false, reason: error.reason };
      throw error;
    }
  }

  /** Run `work`, unless a drill asked this stage to be slow or to fail. */
  private faulty<T>(stage: 'features' | 'model', work: () => T | Promise<T>, modelId?: string): T | Promise<T> {
    const fault: { delayMs?: number; fail?: boolean; modelId?: string } | undefined = this.deps.faults?.()[stage];
    if (!fault || (!fault.delayMs && !fault.fail) || (fault.modelId !== undefined && fault.modelId !== modelId)) return work();
    return new Promise<T>((resolve, reject) => {
      setTimeout(() => {
        if (fault.fail) reject(new Error(`injected ${stage} failure`));
        else Promise.resolve(work()).then(resolve, reject);
      }, fault.delayMs ?? 0);
    });
  }
}

/**
 * The score, if it is a probability: a model that answers NaN (an imported graph fed a missing
 * feature) has failed, like one that throws — the decision falls back and says so.
 */
function probabilityOf<T extends { probability: number }>(score: T | Promise<T>): T | Promise<T> {
  return score instanceof Promise ? score.then(requireProbability) : requireProbability(score);
}

function requireProbability<T extends { probability: number }>(score: T): T {
  if (!(score.probability >= 0 && score.probability <= 1)) throw new Error(`the model answered ${score.probability}, not a probability`);
  return score;
}

function reusedId(eventId: string): ConflictError {
  return new ConflictError(`event id "${eventId}" was already received with a different body; a retry must send the same request, a new request needs a new id`);
}

export function ruleErrorsOf(outcome: RuleOutcome): Decision['rule_errors'] {
  return outcome.errors.map((e) => ({ rule_id: e.ruleId, version: e.version, shadow: e.shadow, message: e.message, ...(e.notEvaluated ? { not_evaluated: true } : {}) }));
}

/** A drill's stand-in for a slow rule: it holds the thread, as rule evaluation does. */
function busyWait(ms: number | undefined): void {
  if (!ms) return;
  const until = performance.now() + ms;
  while (performance.now() < until);
}

/** A block rule blocks; an allow rule (allow-list) allows; otherwise the model's band, raised to review when a review rule fired. */
export function finalAction(ruleAction: Action | null, score: number | null, policy: { block: number; review: number } | null): Action {
  if (ruleAction === 'block') return 'block';
  if (ruleAction === 'allow') return 'allow';
  const modelAction: Action = score !== null && policy ? policyAction(score, policy) : 'allow';
  return ruleAction === 'review' && modelAction === 'allow' ? 'review' : modelAction;
}

/** Rule hits first, then the deciding model's top feature contributions, in words. */
export function reasonsFor(outcome: RuleOutcome, contributions: readonly Contribution[], featureSet: FeatureSet): Reason[] {
  const reasons: Reason[] = outcome.hits.map((h) => ({ kind: 'rule', rule_id: h.ruleId, version: h.version, action: h.action, text: h.name }));
  for (const c of contributions) reasons.push(featureReason(featureSet, c));
  return reasons;
}

/**
 * When a decision's list lookups judge expiry: the event's time, but never later than the decision
 * itself (events may be dated up to MAX_CLOCK_SKEW_MS ahead; one dated tomorrow must not find a
 * block-list entry that expires tonight already gone). Replay uses the stored decided_at.
 */
export function listsTimeFor(eventTs: number, decidedAt: number): number {
  return Math.min(eventTs, decidedAt);
}

/** How many feature contributions a decision explains itself with. */
export const TOP_FEATURE_REASONS = 3;

/**
 * parseEvent, plus what holds for events arriving live over the API: the time is not more than a day
 * ahead of the clock, and the id is not one riskgate keeps for its own events (a client that took
 * `verdict_case_…` first would have its label stand in for the reviewer's verdict).
 */
export function parseLiveEvent(body: unknown, now = Date.now()): RiskEvent {
  const parsed = parseEvent(body);
  // Every problem at once: the live checks are added to whatever the event model found.
  const errors: FieldError[] = parsed.ok ? [] : [...parsed.errors];
  const id = typeof body === 'object' && body !== null ? (body as { id?: unknown }).id : undefined;
  if (typeof id === 'string' && id.startsWith(RESERVED_ID_PREFIX)) {
    errors.push({ path: 'id', message: `must not start with "${RESERVED_ID_PREFIX}": riskgate gives such ids to reviewers' verdict labels` });
  }
  const ts = parsed.ok ? parsed.event.ts : timeOf(body);
  const ahead = ts === undefined ? undefined : futureTimeError(ts, now);
  if (ahead && !errors.some((e) => e.path === 'ts')) errors.push(ahead);
  if (errors.length > 0 || !parsed.ok) throw new ValidationError(errors);
  return parsed.event;
}

/** The event time of a body that did not parse as a whole, when its `ts` itself reads as one. */
function timeOf(body: unknown): number | undefined {
  const ts = typeof body === 'object' && body !== null ? (body as { ts?: unknown }).ts : undefined;
  const ms = typeof ts === 'number' ? ts : typeof ts === 'string' ? Date.parse(ts) : NaN;
  return Number.isFinite(ms) ? ms : undefined;
}

export function policyAction(probability: number, policy: { block: number; review: number }): Action {
  if (probability >= policy.block) return 'block';
  if (probability >= policy.review) return 'review';
  return 'allow';
}

/** What `promise` resolves to, or undefined if it fails or takes longer than `ms`. */
async function settledWithin<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), Math.max(0, ms));
  });
  try {
    return await Promise.race([promise.catch(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
