// Compiled rules × decision context → hits and a verdict. Pure: the lists are an in-memory index and
// nothing here does I/O. A rule that fails at run time (a missing field, a null) is reported as an
// error for this decision and the others are still evaluated.
import { EvaluationError } from '@marcbachmann/cel-js';
import { Context, Payloads, type RiskEvent } from '../events/schema.js';
import { withLists, type CompiledExpression, type RuleSet } from './compile.js';
import { buildRuleContext, type RuleContext } from './context.js';
import type { ListLookup } from './lists.js';
import { decideVerdict, type RuleError, type RuleHit, type RulesResult } from './rule.js';

/** Limits on one evaluation of a rule set (the decision path's rules-stage budget, and its replay). */
export interface EvaluationLimits {
  /** performance.now() after which no further rule is started (checked before every RULES_PER_CLOCK_CHECK-th rule). */
  deadline?: number;
  /** Rules not to evaluate, reported as not evaluated: those a decision skipped, when it is replayed. */
  skip?: ReadonlySet<string>;
}

const NOT_EVALUATED = 'not evaluated: the rules stage had used up its time budget (budgets.rules_ms)';

/** Reading the clock after every rule would cost more than most rules; a rule set's first acting rules (the highest priority) always run. */
const RULES_PER_CLOCK_CHECK = 4;

/**
 * `listsAt` is the time list entries' expiry is judged at (default: the event's time). The decision
 * path passes the earlier of the event's time and the clock, so that an event dated ahead cannot age
 * a block-list entry out before it expires. Acting rules are evaluated before shadow rules, each in
 * priority order; past `limits.deadline`, the remaining rules are not evaluated and are reported as
 * such: the stage stays within its budget.
 */
export function evaluateRules(ruleSet: RuleSet, context: RuleContext, lists: ListLookup, listsAt = context.request.ts.getTime(), limits: EvaluationLimits = {}): RulesResult {
  const hits: RuleHit[] = [];
  const shadowHits: RuleHit[] = [];
  const errors: RuleError[] = [...ruleSet.broken];
  const { deadline, skip } = limits;
  let pastDeadline = false;
  withLists(lists, listsAt, () => {
    // Acting rules first, shadow rules after them: a shadow rule must never take the time an acting rule
    // needed (it would then go unevaluated, and the verdict change).
    for (const shadowPass of [false, true]) {
      let started = 0;
      for (const { rule, run } of ruleSet.rules) {
        if (rule.shadow !== shadowPass) continue;
        const checkClock = shadowPass ? started % RULES_PER_CLOCK_CHECK === 0 : started > 0 && started % RULES_PER_CLOCK_CHECK === 0;
        if (deadline !== undefined && !pastDeadline && checkClock && performance.now() > deadline) pastDeadline = true;
        started++;
        if (pastDeadline || skip?.has(rule.id)) {
          errors.push({ ruleId: rule.id, version: rule.version, shadow: rule.shadow, message: NOT_EVALUATED, notEvaluated: true });
          continue;
        }
        const outcome = evaluateOne(run, context);
        if (outcome === false) continue;
        if (outcome !== true) {
          errors.push({ ruleId: rule.id, version: rule.version, shadow: rule.shadow, message: outcome.error });
          continue;
        }
        const hit: RuleHit = { ruleId: rule.id, version: rule.version, name: rule.name, action: rule.action, priority: rule.priority, shadow: rule.shadow };
        (rule.shadow ? shadowHits : hits).push(hit);
      }
    }
  });
  const { action, decidedBy } = decideVerdict(hits);
  return {
    action,
    decidedBy,
    hits,
    shadowHits,
    errors,
    tags: hits.filter((h) => h.action === 'tag').map((h) => h.ruleId),
    rulesVersion: ruleSet.version,
  };
}

/**
 * One compiled expression on one context: true or false, or the error for the author (a failure at
 * run time, or a value that is not true or false). Callers must be inside withLists.
 */
export function evaluateOne(run: CompiledExpression['run'], context: object): boolean | { error: string } {
  let result: unknown;
  try {
    result = run(context);
  } catch (error) {
    return { error: runtimeMessage(error) };
  }
  if (typeof result === 'boolean') return result;
  return { error: `gave ${describe(result)} instead of true or false` };
}

/** The first line of the library's message (the rest is a source excerpt), with a hint for the usual causes. */
function runtimeMessage(error: unknown): string {
  const message = error instanceof EvaluationError ? error.summary : error instanceof Error ? error.message : String(error);
  const key = /^No such key: (\S+)/.exec(message)?.[1];
  if (key !== undefined) {
    // Fields of events are optional where the schema says so; anything else missing is most likely a feature (missing features are absent).
    return EVENT_FIELDS.has(key)
      ? `${message} (guard optional fields with has(), e.g. has(request.payload.${key}))`
      : `${message} (a missing feature is absent from features: read it as features.?${key}.orValue(0.0), or guard it with has(features.${key}))`;
  }
  if (/dyn<null>/.test(message)) return `${message} (score is null when no model ran: write score != null && …)`;
  return message;
}

/** Every field name an event's payload or context can have. */
const EVENT_FIELDS: ReadonlySet<string> = new Set([...Object.values(Payloads).flatMap((schema) => Object.keys(schema.properties)), ...Object.keys(Context.properties)]);

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'bigint') return `the int ${value}`;
  if (typeof value === 'object') return `a ${value.constructor?.name ?? 'value'}`;
  return `the ${typeof value} ${String(value)}`;
}

/**
 * A rule set with the feature layout and lists it is evaluated against: what the decision path calls
 * for every scored event (`evaluate(event, vector, score)`), and what it logs (`version`, `evaluated`).
 */
export class RuleEvaluator {
  /** The features any rule names: the only ones put in the context (undefined: every feature). */
  private readonly referenced: ReadonlySet<string> | undefined;

  constructor(
    readonly ruleSet: RuleSet,
    /** The served feature set's `vectorNames`. */
    private readonly vectorNames: readonly string[],
    private readonly lists: ListLookup,
  ) {
    this.referenced = ruleSet.rules.some((r) => r.features === 'all') ? undefined : new Set(ruleSet.rules.flatMap((r) => r.features as string[]));
  }

  get version(): string {
    return this.ruleSet.version;
  }

  get evaluated(): ReadonlyArray<{ id: string; version: number }> {
    return this.ruleSet.evaluated;
  }

  /** The lists' version the rules read now (logged with a decision, so replay reads the same lists). */
  get listsVersion(): number {
    return this.lists.version ?? 0;
  }

  evaluate(event: RiskEvent, vector: Float64Array | null, score: number | null, listsAt?: number, limits?: EvaluationLimits): RulesResult {
    return evaluateRules(this.ruleSet, buildRuleContext(event, this.vectorNames, vector, score, this.referenced), this.lists, listsAt, limits);
  }
}
