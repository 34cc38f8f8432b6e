// "What would this rule have caught last month?" Replays the event log through the feature engine
// (buildTrainingSet, which runs `replay`: the same code path and order as serving) and evaluates a
// candidate rule, and the existing rules for overlap, on every scored event of the period, with no
// model score. Labels are the training set's: fraud when a chargeback, fraud verdict or ATO report
// targets the row within the maturity horizon; rows whose horizon is still open count for hits but
// not for precision and recall.
import type { EventLog } from '../events/log.js';
import type { RiskEvent } from '../events/schema.js';
import { buildTrainingSet, type FeatureSet } from '../features/index.js';
import { compileExpression, withLists } from './compile.js';
import { buildRuleContext } from './context.js';
import { evaluateOne } from './evaluate.js';
import { ListIndex } from './lists.js';
import { yieldingEvery } from '../lib/yielding.js';
import type { Rule } from './rule.js';

export interface BacktestCandidate {
  expression: string;
  /** For the report only. */
  id?: string;
}

export interface BacktestOptions {
  /** Rows are scored events with from ≤ ts < to (epoch ms). */
  from?: number;
  to?: number;
  /** A fraud label counts when it arrived at most this long after the row's event. */
  maturityMs: number;
  /** Maturity is judged against this time; default: the newest event time in the log. */
  asOf?: number;
  /** The lists to read (the server passes today's); without them, list functions fail and count as errors. */
  lists?: ListIndex;
  /** How many example hits to report (default 10). */
  examples?: number;
  onProgress?: (applied: number, total: number) => void;
  /** Hand the event loop back after this much work (ms): a backtest inside the server must not hold up decisions. */
  yieldEveryMs?: number;
  /** Checked whenever the event loop is handed back: an aborted backtest stops there, throwing the signal's reason. */
  signal?: AbortSignal;
}

export interface RuleOverlap {
  ruleId: string;
  version: number;
  /** Rows the existing rule hit. */
  hits: number;
  /** Rows both the candidate and this rule hit. */
  both: number;
  /** Set when the existing rule no longer compiles (it then hits nothing). */
  error?: string;
}

export interface BacktestReport {
  featureSetVersion: string;
  from: number | null;
  to: number | null;
  asOf: number;
  rows: number;
  hits: number;
  hitRate: number;
  /** Rows on which the candidate failed at run time (a missing field, a null, …), with a few messages. */
  errors: { rows: number; examples: Array<{ eventId: string; message: string }> };
  /** Mature rows: their label is known (fraud or legitimate). */
  matureRows: number;
  positives: number;
  truePositives: number;
  falsePositives: number;
  /** Of the candidate's mature hits, the share that were fraud; null without mature hits. */
  precision: number | null;
  /** Of the mature fraud rows, the share the candidate hit; null without any. */
  recall: number | null;
  overlap: RuleOverlap[];
  /**
   * Money on the candidate's hits, by currency (the rows' payload.amount): all hits, and the mature
   * hits that were fraud (what the rule would have stopped) or legitimate (what it would have held up).
   */
  amounts: Record<string, { hits: number; fraud: number; legitimate: number }>;
  /** Event ids of the first hits, in log order. */
  examples: string[];
}

const ERROR_EXAMPLES = 5;

/** Throws RuleCompileError (with the position) when the candidate does not compile. */
export async function backtestRule(
  log: EventLog,
  featureSet: FeatureSet,
  candidate: BacktestCandidate,
  existing: readonly Rule[],
  options: BacktestOptions,
): Promise<BacktestReport> {
  const lists = options.lists ?? new ListIndex();
  const known = { features: featureSet.valueNames, lists: options.lists?.kinds() };
  const compiled = compileExpression(candidate.expression, known);
  const others = existing.map((rule) => {
    try {
      return { rule, run: compileExpression(rule.expression, known).run, error: undefined };
    } catch (error) {
      return { rule, run: null, error: (error as Error).message };
    }
  });

  // The training set gives vectors and labels; the events of its rows are kept as they stream past.
  const from = options.from ?? -Infinity;
  const to = options.to ?? Infinity;
  const rowEvents = new Map<string, RiskEvent>();
  const set = await buildTrainingSet(log, featureSet, {
    from,
    to,
    maturityMs: options.maturityMs,
    asOf: options.asOf,
    onProgress: options.onProgress,
    yieldEveryMs: options.yieldEveryMs,
    signal: options.signal,
    beforeBatch: async (batch) => {
      for (const { event } of batch) if (featureSet.scored.has(event.type) && event.ts >= from && event.ts < to) rowEvents.set(event.id, event);
    },
  });

  const width = set.names.length;
  const exampleLimit = options.examples ?? 10;
  const report: BacktestReport = {
    featureSetVersion: set.featureSetVersion,
    from: options.from ?? null,
    to: options.to ?? null,
    asOf: set.asOf,
    rows: set.rows,
    hits: 0,
    hitRate: 0,
    errors: { rows: 0, examples: [] },
    matureRows: 0,
    positives: 0,
    truePositives: 0,
    falsePositives: 0,
    precision: null,
    recall: null,
    overlap: others.map(({ rule, error }) => ({ ruleId: rule.id, version: rule.version, hits: 0, both: 0, ...(error ? { error } : {}) })),
    amounts: Object.create(null) as BacktestReport['amounts'],
    examples: [],
  };

  const pause = yieldingEvery(options.yieldEveryMs);
  for (let row = 0; row < set.rows; row++) {
    const paused = pause();
    if (paused) {
      await paused;
      options.signal?.throwIfAborted();
    }
    const eventId = set.eventIds[row]!;
    const event = rowEvents.get(eventId)!;
    const context = buildRuleContext(event, set.names, set.x.subarray(row * width, (row + 1) * width), null);
    const label = set.labels[row]!;
    withLists(lists, event.ts, () => {
      const outcome = evaluateOne(compiled.run, context);
      const hit = outcome === true;
      if (hit) {
        report.hits++;
        if (report.examples.length < exampleLimit) report.examples.push(eventId);
      } else if (outcome !== false) {
        report.errors.rows++;
        if (report.errors.examples.length < ERROR_EXAMPLES) report.errors.examples.push({ eventId, message: outcome.error });
      }
      const { amount, currency } = event.payload as { amount?: unknown; currency?: unknown };
      if (hit && typeof amount === 'number' && typeof currency === 'string') {
        const money = (report.amounts[currency] ??= { hits: 0, fraud: 0, legitimate: 0 });
        money.hits += amount;
        if (label === 1) money.fraud += amount;
        if (label === 0) money.legitimate += amount;
      }
      if (label !== -1) {
        report.matureRows++;
        if (label === 1) report.positives++;
        if (hit && label === 1) report.truePositives++;
        if (hit && label === 0) report.falsePositives++;
      }
      // An existing rule's runtime errors count as no hit: overlap is about hits.
      others.forEach(({ run }, i) => {
        if (run === null || evaluateOne(run, context) !== true) return;
        report.overlap[i]!.hits++;
        if (hit) report.overlap[i]!.both++;
      });
    });
  }
  // Sums of amounts carry binary floating-point noise (103563.20999999999): 15 significant digits drop
  // it and keep every currency's minor units up to sums of a trillion.
  for (const money of Object.values(report.amounts)) {
    for (const key of ['hits', 'fraud', 'legitimate'] as const) money[key] = Number(money[key].toPrecision(15));
  }
  const matureHits = report.truePositives + report.falsePositives;
  report.hitRate = report.rows === 0 ? 0 : report.hits / report.rows;
  report.precision = matureHits === 0 ? null : report.truePositives / matureHits;
  report.recall = report.positives === 0 ? null : report.truePositives / report.positives;
  return report;
}
