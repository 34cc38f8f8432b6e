// The embedded tier as a running service: stores, online features, the model lineup, rules, settings,
// API keys and metrics, wired to the decision path. The HTTP server and the CLI use this; the
// capabilities themselves never import it.
import { join } from 'node:path';
import { SqliteApiKeyStore } from '../auth/keys.js';
import { caseOpeningFor, Decider, type Faults, type RulesPort } from '../decisions/decide.js';
import type { ReplayContext } from '../decisions/replay.js';
import type { Lineup, ServingModel } from '../decisions/rollout.js';
import { DEFAULT_SETTINGS, SqliteSettingsStore, type ServingSettings } from '../decisions/settings.js';
import { SqliteDecisionStore } from '../decisions/stores/sqlite.js';
import type { RegisteredModel, Stage } from '../models/index.js';
import { Metrics } from '../monitor/metrics.js';
import { durability, eventLogPath } from '../lib/config.js';
import { DamagedFileError } from '../lib/files.js';
import { startWriteAheadLog } from '../lib/sqlite.js';
import { warmUpDecisionPath, type WarmUpLimits, type WarmUpReport } from '../decisions/warmup.js';
import { EXAMPLE_EVENTS } from '../events/examples.js';
import type { RiskEvent } from '../events/schema.js';
import { openEmbedded, registeredFeatureSet, type Embedded, type OpenOptions } from './embedded.js';
import { openRules, type RulesRuntime } from './rules.js';
import { loadServingModel, promotionRefusal, servingRefusal } from './serving.js';
import type { SqliteAuditLog } from '../audit/stores/sqlite.js';
import type { AuditInput } from '../audit/audit.js';
import type { Decision } from '../decisions/decision.js';
import { SqliteCaseStore } from '../review/stores/sqlite.js';
import { missingVerdictLabels, verdictLabel } from '../review/label.js';
import { caseIdFor } from '../review/case.js';
import { parseEvent } from '../events/index.js';
import { TopK } from '../features/topk/index.js';
import type { FeatureSet } from '../features/index.js';
import { ReviewBandGovernor } from '../policy/index.js';

export interface ServiceOptions extends OpenOptions {
  /** Allow drills that make stages slow or failing on purpose (tests, game days). */
  allowFaults?: boolean;
  /** The clock the capacity guard counts review inflow by (tests move it; default Date.now). */
  clock?: () => number;
  /**
   * How often to look for rules, lists, model stages and serving settings changed by another process
   * (the CLI while this server runs), ms; 0 turns it off. Default 2,000.
   */
  watchChangesMs?: number;
  /**
   * Add at start the audit entries of the newest decisions and decided cases a stop left without one (default true).
   * Off for a process that opens the data directory beside a running server (`riskgate replay`): the
   * server's own entries may still be on their way.
   */
  auditMissingDecisions?: boolean;
}

export interface LineupReport {
  /** `stage`: the registry's, or `fallback` for the model that decides when the deciding one cannot. */
  serving: Array<{ id: string; version: number; stage: string }>;
  /** Models of the line that cannot be served, and why. */
  refused: Array<{ id: string; stage: string; reason: string }>;
}

export interface Service {
  embedded: Embedded;
  decisions: SqliteDecisionStore;
  decider: Decider;
  metrics: Metrics;
  keys: SqliteApiKeyStore;
  rules: RulesRuntime;
  cases: SqliteCaseStore;
  audit: SqliteAuditLog;
  /** Users by their latest decision score: the console's live leaderboard. */
  riskiest: TopK;
  settings(): ServingSettings;
  updateSettings(change: Partial<ServingSettings>, actor: string): ServingSettings;
  faults: Faults;
  readonly allowFaults: boolean;
  lineup(): Lineup;
  /** The review threshold decisions use now (the active model's, unless the capacity guard narrowed it). */
  reviewThreshold(): number | null;
  /** What the last reload serves and refuses. */
  lineupReport(): LineupReport;
  reloadModels(): Promise<LineupReport>;
  /** Why moving `model` to `stage` must not happen (null: it may): see promotionRefusal. */
  refusalOf(model: RegisteredModel, stage: Exclude<Stage, 'candidate'>): Promise<string | null>;
  /** Why `model` cannot stand in as the fallback (null: it can). */
  fallbackRefusal(model: RegisteredModel): Promise<string | null>;
  /** What replaying a decision made with feature set `version` needs: that set's layout, models scored on it, rules compiled against it. */
  replayContext(version: string): Promise<ReplayContext>;
  /** A feature set by version: the served one, or one from the registry (what a stored vector is laid out by). */
  featureSetOf(version: string): Promise<FeatureSet>;
  /** The compiled rules decisions are evaluated against now. */
  currentRules(): RulesPort;
  /** Recompile the enabled rules (after a rule or list change). */
  reloadRules(): Promise<void>;
  /**
   * Before a server takes requests: start the write-ahead logs a decision writes to, and run the
   * decision path's read-only stages on recent scored events (decisions/warmup.ts), so that the first
   * decisions are not slower than the rest. Changes no state.
   */
  warmUp(limits?: WarmUpLimits): Promise<WarmUpReport>;
  close(): Promise<void>;
}

export async function openService(dir: string, options: ServiceOptions): Promise<Service> {
  const embedded = await openEmbedded(dir, options);
  let decisions: SqliteDecisionStore | undefined;
  try {
    decisions = new SqliteDecisionStore(join(dir, 'decisions.db'), durability(), (id) => embedded.log.seqOf(id));
    await refuseLogBehindDecisions(embedded, decisions);
    return await serviceOn(embedded, decisions, options);
  } catch (error) {
    // What opened is closed again: its threads would keep the process alive after the error.
    await decisions?.close().catch(() => undefined);
    await embedded.close().catch(() => undefined);
    throw error;
  }
}

/**
 * Decisions and served vectors are kept under their event's log position and committed after it, so
 * the log ends at or after the last of them — unless it lost its newest events (its `-wal` file deleted
 * or damaged after a crash, a power cut under `os` durability, events.db restored alone from an older
 * backup). Served anyway, the events appended next would take those positions, and a new decision
 * would answer with an old one's id. (The feature snapshot's own check, in online.ts, catches a log
 * that lost more than the snapshot holds.)
 */
async function refuseLogBehindDecisions(embedded: Embedded, decisions: SqliteDecisionStore): Promise<void> {
  const logEnd = await embedded.log.lastSeq();
  const decided = await decisions.lastSeq();
  const vectors = await embedded.featureLog.seqs(logEnd + 1, Number.MAX_SAFE_INTEGER);
  const [file, ahead] = decided > logEnd ? ['decisions.db', `decisions up to seq ${decided}`] : vectors.length > 0 ? ['feature-log.db', `feature vectors served up to seq ${vectors.at(-1)}`] : [];
  if (file === undefined) return;
  throw new DamagedFileError(
    eventLogPath(embedded.dir),
    `the event log ends at seq ${logEnd}, but ${file} holds ${ahead}: events.db has lost acknowledged events (its -wal file deleted or damaged, or events.db restored alone from an older backup), and events appended now would take the sequence numbers those are kept under. Restore the whole data directory from one backup (riskgate backup; docs/OPERATIONS.md). Moving decisions.db away does not help: cases and the audit trail name those decisions too`,
  );
}

async function serviceOn(embedded: Embedded, decisions: SqliteDecisionStore, options: ServiceOptions): Promise<Service> {
  const settingsStore = new SqliteSettingsStore(embedded.db);
  const metrics = new Metrics({ defaultMetrics: true });
  const cases = new SqliteCaseStore(embedded.db);
  await appendMissingVerdictLabels(cases, embedded, decisions);
  await openMissingCases(cases, decisions);
  if (options.auditMissingDecisions !== false) {
    const newestDecisions = await decisions.list({ newestFirst: true, limit: AUDIT_CHECK_WINDOW });
    await appendMissingAuditEntries(embedded.audit, 'decision', newestDecisions.map((stored) => decisionAuditEntry(stored.decision, true)));
    const newestVerdicts = cases.recentlyDecided(AUDIT_CHECK_WINDOW).map((c) => ({
      actor: c.decidedBy ?? 'unknown reviewer',
      action: 'case.decide',
      subject: c.id,
      details: { verdict: c.verdict, label_event_id: c.labelEventId, note: c.note, recovered_at_start: true, decided_at: c.decidedAt },
    }));
    await appendMissingAuditEntries(embedded.audit, 'case.decide', newestVerdicts);
  }
  const audit = embedded.audit;
  const riskiest = new TopK();
  // The leaderboard lives in memory: a start fills it again from the newest decisions, as they left it.
  for (const { user, score } of await decisions.latestScoresByUser(LEADERBOARD_REBUILD)) riskiest.set(user, score);
  // The capacity guard: review inflow beyond the team's daily capacity narrows the active model's
  // review band (with hysteresis) instead of growing the queue without bound; every change is logged
  // and audited.
  let governor: { key: string; governor: ReviewBandGovernor } | undefined;
  const DAY = 86_400_000;
  const clock = options.clock ?? Date.now;
  let today = Math.floor(clock() / DAY);
  let reviewsToday = cases.stats(clock(), today * DAY).openedToday;
  // What the guard keeps for a restart is a hint: failing to write it must not fail a decision.
  const keepReviewBand = (write: () => void): void => {
    try {
      write();
    } catch (error) {
      process.stderr.write(`riskgate: could not keep the review band for a restart: ${(error as Error).message}\n`);
    }
  };
  const governorFor = (model: ServingModel): ReviewBandGovernor => {
    const policy = model.registered.policy;
    const key = `${model.registered.artifact.id}|${policy.block}|${policy.review}|${settings.reviewCapacityPerDay}`;
    if (governor?.key !== key) {
      // A restart carries on from where the guard left the band for this very policy and capacity; any
      // other start (a new model, thresholds or capacity — or going back to earlier ones) is from the
      // installed band, and what an earlier guard left is forgotten.
      const saved = settingsStore.loadReviewBand();
      const resume = saved?.key === key ? { narrowedBy: saved.narrowedBy, changedAt: Math.min(saved.changedAt, clock()) } : undefined;
      if (saved !== undefined && resume === undefined) keepReviewBand(() => settingsStore.clearReviewBand());
      const created: ReviewBandGovernor = new ReviewBandGovernor({
        capacityPerDay: settings.reviewCapacityPerDay,
        baseReview: policy.review,
        block: policy.block,
        step: Math.max((policy.block - policy.review) / 10, 0.001),
        minIntervalMs: 15 * 60_000,
        ...(resume ? { resume } : {}),
        onChange(change) {
          process.stderr.write(`riskgate: review band ${change.from.toFixed(4)} → ${change.to.toFixed(4)} (${change.reason})\n`);
          void audit.append({ actor: 'riskgate capacity guard', action: 'policy.review_band', subject: model.registered.artifact.id, details: { ...change } });
          keepReviewBand(() => settingsStore.saveReviewBand({ key, narrowedBy: created.narrowedBy, changedAt: change.at }));
        },
      });
      governor = { key, governor: created };
    }
    return governor.governor;
  };
  let settings = settingsStore.load();
  let lineup: Lineup = { shadows: [] };
  const rulesRuntime = await openRules(embedded);
  let rules: RulesPort = await rulesRuntime.evaluator();
  /**
   * The rules, recompiled after a change, run on recent events before decisions use them: the first
   * evaluations of a new rule set run cold code (measured in the test world: 9–30 ms for the first
   * decision after adding a rule that matches names or a pattern, against the rules stage's 20 ms).
   */
  let warmUpSamples: RiskEvent[] | undefined;
  const warmedUpRules = async (): Promise<RulesPort> => {
    const next = await rulesRuntime.evaluator();
    warmUpSamples ??= await recentScoredEvents(embedded);
    const active = lineup.active;
    const models = active ? [{ scorer: active.scorer, explains: false }] : [];
    await warmUpDecisionPath(warmUpSamples, { peek: (event) => embedded.features.peek(event), models, rules: next }, RULES_WARM_UP);
    return next;
  };
  let report: LineupReport = { serving: [], refused: [] };
  const otherSets = new Map<string, FeatureSet>();
  const featureSetOf = async (version: string): Promise<FeatureSet> => {
    if (version === embedded.featureSet.version) return embedded.featureSet;
    let set = otherSets.get(version);
    if (set === undefined) {
      const registered = await registeredFeatureSet(embedded.featureSets, version);
      if (!registered) throw new Error(`feature set ${version} is not in the registry`);
      set = registered.set;
      otherSets.set(version, set);
    }
    return set;
  };
  const faults: Faults = {};

  // A model's scorer depends only on its artifact and the served feature set, which a process keeps:
  // a reload (any stage or settings change) keeps the scorers of models still served, with their
  // compiled trees (see models/gbdt/compiled.ts), instead of starting them over.
  let scorers = new Map<string, ServingModel['scorer']>();
  const serve = async (m: RegisteredModel, refused: LineupReport['refused']): Promise<ServingModel | undefined> => {
    const kept = scorers.get(m.artifact.id);
    if (kept) return { registered: m, scorer: kept };
    try {
      return await loadServingModel(m, embedded.featureSet, embedded.featureSets);
    } catch (error) {
      refused.push({ id: m.artifact.id, stage: m.stage, reason: (error as Error).message });
      return undefined;
    }
  };

  const reloadModels = async (): Promise<LineupReport> => {
    const refused: LineupReport['refused'] = [];
    const models = await embedded.models.list(settings.modelName);
    const next: Lineup = { shadows: [] };
    for (const m of models) {
      if (m.stage === 'active') next.active = await serve(m, refused);
      else if (m.stage === 'canary') next.canary = await serve(m, refused);
      else if (m.stage === 'shadow') {
        const s = await serve(m, refused);
        if (s) next.shadows.push(s);
      }
    }
    if (settings.fallbackModelId) {
      const fallback = await embedded.models.get(settings.fallbackModelId);
      if (fallback) next.fallback = await serve(fallback, refused);
    }
    lineup = next;
    const serving = [next.active, next.canary, ...next.shadows, next.fallback].filter((s): s is ServingModel => s !== undefined);
    scorers = new Map(serving.map((s) => [s.registered.artifact.id, s.scorer]));
    metrics.modelInfo.reset();
    // The fallback keeps its registry stage (often a candidate); what it does here is stand in.
    const role = (s: ServingModel) => (s === next.fallback ? 'fallback' : s.registered.stage);
    for (const s of serving) {
      metrics.modelInfo.set({ model_id: s.registered.artifact.id, name: s.registered.artifact.name, version: String(s.registered.version), stage: role(s) }, 1);
    }
    report = { serving: serving.map((s) => ({ id: s.registered.artifact.id, version: s.registered.version, stage: role(s) })), refused };
    return report;
  };
  await reloadModels();
  metrics.killSwitch.set(settings.killSwitch ? 1 : 0);

  const decider = new Decider({
    featureSet: embedded.featureSet,
    features: embedded.features,
    decisions,
    metrics,
    lineup: () => lineup,
    rules: () => rules,
    settings: () => settings,
    faults: () => faults,
    cases: { open: (input) => cases.openSoon(input) },
    policyFor: (model) => (model === lineup.active ? governorFor(model).policy : model.registered.policy),
    observe(stored) {
      const d = stored.decision;
      // Every decision lets the guard look again, not only reviews: a band narrowed until nothing goes
      // to review must still widen when the day's inflow falls (or a new day starts).
      const now = clock();
      if (lineup.active) {
        if (Math.floor(now / DAY) !== today) {
          today = Math.floor(now / DAY);
          reviewsToday = 0;
        }
        if (d.action === 'review') reviewsToday++;
      }
      const user = stored.request.entities.user;
      if (user !== undefined && d.score !== null) riskiest.set(user, d.score);
      void audit.append(decisionAuditEntry(d));
      // Last: the guard may write to riskgate.db, and nothing it does may keep the decision's own entry out.
      if (lineup.active) governorFor(lineup.active).observe(now, { reviewsToday });
    },
  });

  // Rules, lists, model stages, serving settings, API keys and events changed by another process (the CLI
  // beside a running server: `riskgate keys revoke` is how a leaked key is stopped) reach this one
  // within a couple of seconds: a cheap fingerprint of them is compared on a timer.
  const keys = new SqliteApiKeyStore(embedded.db);
  const fingerprint = embedded.db.prepare(`SELECT
    (SELECT COUNT(*) || ':' || COUNT(revoked_at) FROM api_keys) AS keys,
    (SELECT COALESCE(MAX(value), '') FROM settings WHERE key = 'serving') AS settings,
    (SELECT COALESCE(MAX(rowid), 0) FROM rule_versions) AS rules,
    (SELECT COALESCE(MAX(seq), 0) FROM list_changes) || ':' || (SELECT COUNT(*) FROM lists) AS lists,
    (SELECT COALESCE(group_concat(m, ';'), '') FROM (SELECT id || '|' || stage || '|' || COALESCE(canary_share, '') || '|' || COALESCE(policy, '') AS m FROM models WHERE stage != 'retired' ORDER BY id)) AS models`);
  type Fingerprint = { keys: string; settings: string; rules: number; lists: string; models: string };
  let seen = fingerprint.get() as Fingerprint;
  // Which lists changed, by their newest change: a change to one list reloads that list, not every list
  // (rebuilding 100k sanctioned names alone stalls decisions for ~0.4 s).
  const listVersions = embedded.db.prepare('SELECT l.name AS name, COALESCE((SELECT MAX(seq) FROM list_changes c WHERE c.list = l.name), 0) AS seq FROM lists l');
  const readListVersions = () => new Map((listVersions.all() as Array<{ name: string; seq: number }>).map((r) => [r.name, r.seq]));
  let seenLists = readListVersions();
  const reloadWhatChanged = async (): Promise<void> => {
    if (!embedded.db.open) return;
    const now = fingerprint.get() as Fingerprint;
    if (now.keys !== seen.keys) keys.reload();
    if (now.lists !== seen.lists) {
      const versions = readListVersions();
      const gone = [...seenLists.keys()].some((name) => !versions.has(name));
      if (gone) await rulesRuntime.refreshAllLists();
      else for (const [name, seq] of versions) if (seenLists.get(name) !== seq) await rulesRuntime.refreshList(name);
      seenLists = versions;
    }
    if (now.lists !== seen.lists || now.rules !== seen.rules) rules = await warmedUpRules();
    if (now.settings !== seen.settings) {
      settings = settingsStore.load();
      metrics.killSwitch.set(settings.killSwitch ? 1 : 0);
    }
    if (now.models !== seen.models || now.settings !== seen.settings) await reloadModels();
    seen = now;
    // Events another process appended (an import beside the server) reach the online features too.
    await embedded.features.catchUpWithLog();
  };
  let watching = false;
  const watchMs = options.watchChangesMs ?? 2_000;
  const watcher =
    watchMs > 0
      ? setInterval(() => {
          if (watching) return;
          watching = true;
          reloadWhatChanged()
            .catch((error: unknown) => process.stderr.write(`riskgate: reloading keys, rules, lists, models or settings failed: ${(error as Error).message}\n`))
            .finally(() => {
              watching = false;
            });
        }, watchMs)
      : undefined;
  watcher?.unref();

  return {
    embedded,
    decisions,
    decider,
    metrics,
    keys,
    rules: rulesRuntime,
    cases,
    audit,
    riskiest,
    settings: () => settings,
    updateSettings(change, actor) {
      settings = { ...settings, ...change, budgets: { ...settings.budgets, ...change.budgets } };
      settingsStore.save(settings, actor);
      metrics.killSwitch.set(settings.killSwitch ? 1 : 0);
      return settings;
    },
    faults,
    allowFaults: options.allowFaults === true,
    lineup: () => lineup,
    reviewThreshold: () => (lineup.active ? governorFor(lineup.active).review : null),
    lineupReport: () => report,
    reloadModels,
    refusalOf: (model, stage) => promotionRefusal(model, stage, embedded.featureSet, embedded.featureSets, settings.modelName),
    fallbackRefusal: (model) => servingRefusal(model, embedded.featureSet, embedded.featureSets),
    currentRules: () => rules,
    async reloadRules() {
      rules = await warmedUpRules();
    },
    async warmUp(limits) {
      // The first commit into a new write-ahead log syncs its header, and after a bulk write (npm start's
      // simulation, a restore) that sync waits for the file system to flush it all: ~300 ms measured,
      // which the first decision would spend inside its budget.
      for (const path of [eventLogPath(embedded.dir), join(embedded.dir, 'decisions.db'), join(embedded.dir, 'feature-log.db'), join(embedded.dir, 'riskgate.db')]) {
        startWriteAheadLog(path, durability());
      }
      const models = [lineup.active, lineup.canary, lineup.fallback]
        .filter((m) => m !== undefined)
        .map((m) => ({ scorer: m.scorer, explains: true }))
        .concat(lineup.shadows.map((m) => ({ scorer: m.scorer, explains: false })));
      const samples = await recentScoredEvents(embedded);
      return warmUpDecisionPath(samples, { peek: (event) => embedded.features.peek(event), models, rules }, limits);
    },
    featureSetOf,
    async replayContext(version) {
      const set = await featureSetOf(version);
      return {
        featureSet: set,
        async scorerFor(modelId) {
          const m = await embedded.models.get(modelId);
          if (!m) throw new Error(`model ${modelId} is not in the registry`);
          // Decided under another set than the one served now (serve --feature-set since): scored on that set's layout.
          if (set !== embedded.featureSet) return (await loadServingModel(m, set, embedded.featureSets)).scorer;
          const refused: LineupReport['refused'] = [];
          const serving = await serve(m, refused);
          if (!serving) throw new Error(refused[0]!.reason);
          return serving.scorer;
        },
        rulesAt: (versions, listsVersion) => rulesRuntime.evaluatorAt(versions, listsVersion, set),
      };
    },
    async close() {
      if (watcher) clearInterval(watcher);
      await decisions.close();
      await embedded.close();
    },
  };
}

export { DEFAULT_SETTINGS };

/** A changed rule set's warm-up: short, since the change's answer (and a watcher's next look) waits for it. */
const RULES_WARM_UP = { rounds: 200, ms: 100 };
/** How far back in the log a warm-up looks for scored events, and how many it keeps. */
const WARM_UP_LOOKBACK = 5_000;
const WARM_UP_SAMPLES = 64;

/** The newest scored events of the log — or, in a log without any, the examples of the scored types. */
async function recentScoredEvents(embedded: Embedded): Promise<RiskEvent[]> {
  const scored = embedded.featureSet.scored;
  const last = await embedded.log.lastSeq();
  const recent = await embedded.log.read({ fromSeq: Math.max(1, last - WARM_UP_LOOKBACK + 1), toSeq: last });
  const samples = recent.map((logged) => logged.event).filter((event) => scored.has(event.type));
  if (samples.length > 0) return samples.slice(-WARM_UP_SAMPLES);
  return [...scored].flatMap((type) => {
    const parsed = parseEvent(EXAMPLE_EVENTS[type]);
    return parsed.ok ? [parsed.event] : [];
  });
}

/** How many of the newest decisions the start-up checks for a review decision without its case. */
const CASE_CHECK_WINDOW = 10_000;

/**
 * A review decision is stored, then its case opened (in the next group commit): a process stopped in
 * between left the case out. The newest decisions are checked at start and their missing cases opened
 * as the decision path would have (a retry of the decision opens its case too, whenever it comes).
 */
async function openMissingCases(cases: SqliteCaseStore, decisions: SqliteDecisionStore): Promise<void> {
  const reviews = await decisions.list({ action: 'review', amongNewest: CASE_CHECK_WINDOW, limit: CASE_CHECK_WINDOW });
  for (const stored of reviews) if (!cases.get(caseIdFor(stored.decision.seq))) cases.open(caseOpeningFor(stored));
}

function decisionAuditEntry(d: Decision, recovered = false): AuditInput {
  return {
    actor: 'riskgate',
    action: 'decision',
    subject: d.decision_id,
    details: { event_id: d.event_id, action: d.action, score: d.score, model: d.model?.id ?? null, degraded: d.degraded, ...(recovered ? { recovered_at_start: true, decided_at: d.decided_at } : {}) },
  };
}

/** How many of the newest decisions a start reads to fill the risk leaderboard again (~60 ms per 100k). */
const LEADERBOARD_REBUILD = 200_000;

/** How many of the newest decisions a start checks for their audit entry (a stop loses at most the last commit group's). */
const AUDIT_CHECK_WINDOW = 1_000;

/**
 * A decision or a case's verdict is committed, then its audit entry appended in another file: a
 * process stopped in between left the entry out, and a retry (which answers what is stored) adds
 * none. The start adds the entries that the newest of them (`newestFirst`, all of one action) lack.
 */
async function appendMissingAuditEntries(audit: SqliteAuditLog, action: string, newestFirst: AuditInput[]): Promise<void> {
  if (newestFirst.length === 0) return;
  const audited = new Set((await audit.list({ action, limit: 2 * AUDIT_CHECK_WINDOW })).map((e) => e.subject));
  for (const entry of newestFirst.filter((e) => !audited.has(e.subject)).reverse()) await audit.append(entry);
}

/**
 * A case is decided, then its verdict label appended: a process stopped in between left the label out.
 * It is appended now, as the reviewer gave it, so that no verdict is lost to features or training.
 */
async function appendMissingVerdictLabels(cases: SqliteCaseStore, embedded: Embedded, decisions: SqliteDecisionStore): Promise<void> {
  const missing = [...missingVerdictLabels(cases, (id) => embedded.log.seqOf(id) !== undefined, Date.now())];
  for (const decided of missing) {
    const stored = await decisions.get(decided.decisionId);
    const label = parseEvent(verdictLabel(decided, stored?.request, decided.decidedAt ?? Date.now()));
    if (!label.ok) {
      process.stderr.write(`riskgate: the verdict label of case ${decided.id} could not be rebuilt: ${JSON.stringify(label.errors)}\n`);
      continue;
    }
    await embedded.features.ingest([label.event]);
  }
}
