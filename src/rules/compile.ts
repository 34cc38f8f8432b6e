// CEL source → compiled rule. Rules are written in CEL and run on @marcbachmann/cel-js, chosen by
// bench/rules.bench.ts (docs/RULES.md has the numbers). Everything a rule author can get wrong is
// caught here, at write time, with the line and column: syntax, unknown names, type errors, an
// expression that is not true/false, unknown features and lists.
import { createHash } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { Environment, ParseError, TypeError as CelTypeError, type ASTNode } from '@marcbachmann/cel-js';
import { canonicalJson } from '../lib/canonical-json.js';
import type { ListKind, ListLookup } from './lists.js';
import { jaroWinkler } from './names.js';
import { byPriority, MAX_EXPRESSION_LENGTH, type Rule, type RuleError } from './rule.js';

/** Options shared by riskgate's environment and the conformance test that checks it against the spec. */
export const CEL_OPTIONS = {
  // `features.?x.orValue(0.0)`: read a feature that may be missing, with a default.
  enableOptionalTypes: true,
  // As the CEL spec and cel-go: `[1, 'a']` is a list(dyn), not an error.
  homogeneousAggregateLiterals: false,
  // Rules are small; these bound the work a pathological expression can ask for.
  limits: { maxAstNodes: 2_000, maxDepth: 64, maxListElements: 1_000, maxMapEntries: 1_000, maxCallArguments: 8 },
} as const;

// `matches()` runs on text the end user wrote (a message): with V8's backtracking engine one rule like
// `^(\w+\s?)*$` takes seconds to minutes on a 50-character message, and every decision waits. V8
// switches such a regular expression to its linear-time engine once it backtracks excessively; the
// patterns that engine cannot run (backreferences, lookbehind) are refused at write time (vetPattern).
setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');

// The list functions read the lists and the decision time of the evaluation under way. The library
// does not hand a function its evaluation context, and evaluation is synchronous, so evaluate.ts sets
// these around each rule set's evaluation (withLists) and nothing else can run in between.
let activeLists: ListLookup | null = null;
let activeTime = 0;

function lists(): ListLookup {
  if (activeLists === null) throw new Error('lists are not available outside a rule evaluation');
  return activeLists;
}

/** Run `evaluate` with the list functions reading `lookup`, as of `time` (epoch ms, for expiries). */
export function withLists<T>(lookup: ListLookup, time: number, evaluate: () => T): T {
  const outer = activeLists;
  const outerTime = activeTime;
  activeLists = lookup;
  activeTime = time;
  try {
    return evaluate();
  } finally {
    activeLists = outer;
    activeTime = outerTime;
  }
}

// Building an environment costs milliseconds, so there is one per process.
const environment = new Environment(CEL_OPTIONS)
  .registerVariable('request', 'map', { description: 'the scored event: id, type, ts, entities, context, payload' })
  .registerVariable('features', 'map<string, double>', { description: 'feature values; a missing feature is absent' })
  .registerVariable('score', 'dyn', { description: 'the calibrated model probability, or null when no model ran' })
  .registerFunction('in_list(string, string): bool', (list: string, value: string) => lists().contains(list, value, activeTime), {
    description: 'whether a named list holds the value (normalised by the list kind)',
  })
  .registerFunction(
    'name_matches(string, string, double): bool',
    (list: string, name: string, threshold: number) => lists().matchesName(list, name, threshold, activeTime),
    { description: 'whether a name list holds a name at least `threshold` similar (Jaro–Winkler, normalised)' },
  );

const LIST_FUNCTIONS = new Set(['in_list', 'name_matches']);
const VARIABLES = ['request', 'features', 'score'];

/** What a rule may refer to, when known: unknown features and lists are then refused at write time. */
export interface KnownNames {
  /** Feature value names (FeatureSet.valueNames). */
  features?: Iterable<string>;
  /** List names and kinds. */
  lists?: ReadonlyMap<string, ListKind>;
}

export interface CompiledExpression {
  expression: string;
  /** Evaluates the expression on a rule context (context.ts); throws on a runtime error. */
  run: (context: object) => unknown;
  /** Features and lists the expression names, for reports and for the console; `all` when it reads the map as a whole or by a computed key. */
  features: string[] | 'all';
  lists: string[];
}

export class RuleCompileError extends Error {
  constructor(
    /** 0-based offset into the expression. */
    readonly offset: number,
    /** 1-based. */
    readonly line: number,
    readonly column: number,
    readonly problem: string,
  ) {
    super(`line ${line}, column ${column}: ${problem}`);
  }

  static at(expression: string, offset: number, problem: string): RuleCompileError {
    const clamped = Math.max(0, Math.min(offset, expression.length));
    const before = expression.slice(0, clamped);
    const line = before.split('\n').length;
    const column = clamped - (before.lastIndexOf('\n') + 1) + 1;
    return new RuleCompileError(clamped, line, column, problem);
  }
}

/** Parse, type-check and vet a rule expression; throws RuleCompileError with the position of the first problem. */
export function compileExpression(expression: string, known: KnownNames = {}): CompiledExpression {
  if (expression.trim().length === 0) throw RuleCompileError.at(expression, 0, 'the expression is empty');
  if (expression.length > MAX_EXPRESSION_LENGTH) throw RuleCompileError.at(expression, MAX_EXPRESSION_LENGTH, `the expression is longer than ${MAX_EXPRESSION_LENGTH} characters`);
  let program: ReturnType<Environment['parse']>;
  try {
    program = environment.parse(expression);
  } catch (error) {
    // The parser recurses: an expression nested beyond its stack is refused like one beyond maxDepth.
    if (error instanceof RangeError) throw RuleCompileError.at(expression, 0, 'the expression is nested too deeply');
    throw translate(expression, error);
  }
  const checked = program.check();
  if (!checked.valid) throw translate(expression, checked.error);
  if (checked.type !== 'bool' && checked.type !== 'dyn') {
    throw RuleCompileError.at(expression, 0, `a rule must be true or false, but this expression gives a ${checked.type}`);
  }
  const { features, lists: listNames } = vetReferences(expression, program.ast, known);
  return { expression, run: program as (context: object) => unknown, features, lists: listNames };
}

/** The library's errors, in a rule author's words, at the position the library reports. */
function translate(expression: string, error: unknown): RuleCompileError {
  if (!(error instanceof ParseError || error instanceof CelTypeError)) throw error;
  const offset = error.range?.start ?? 0;
  const summary = error.summary;
  const unknownVariable = /^Unknown variable: (.+)$/.exec(summary);
  if (unknownVariable) {
    return RuleCompileError.at(expression, offset, `unknown name "${unknownVariable[1]}": a rule can read ${VARIABLES.join(', ')}`);
  }
  if (/Unexpected token: EOF/.test(summary)) return RuleCompileError.at(expression, offset, 'the expression ends too early: something is missing here');
  if (error instanceof ParseError) return RuleCompileError.at(expression, offset, `syntax error: ${summary}`);
  const hint = /double (==|!=) int|int (==|!=) double/.test(summary)
    ? ' (features and amounts are doubles: compare with 1.0, not 1)'
    : /^found no matching overload for '(in_list|name_matches)\(/.test(summary)
      ? ' (in_list(list, value) takes two strings; name_matches(list, name, threshold) two strings and a double such as 0.85)'
      : '';
  return RuleCompileError.at(expression, offset, `${summary}${hint}`);
}

function isNode(value: unknown): value is ASTNode {
  return typeof value === 'object' && value !== null && 'op' in value && 'args' in value;
}

function walk(node: ASTNode, visit: (node: ASTNode) => void): void {
  visit(node);
  const args: unknown = node.args;
  for (const arg of Array.isArray(args) ? args : [args]) {
    if (isNode(arg)) walk(arg, visit);
    else if (Array.isArray(arg)) for (const item of arg) if (isNode(item)) walk(item, visit);
  }
}

const MACROS = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);

function callName(node: ASTNode): string {
  return (node.args as unknown as [string])[0];
}

function isMacro(node: ASTNode): boolean {
  return node.op === 'rcall' && MACROS.has(callName(node));
}

/** The feature a node reads, if it is `features.x`, `features.?x` or `features["x"]`. */
function featureRead(node: ASTNode): string | undefined {
  if (node.op !== '.' && node.op !== '.?' && node.op !== '[]' && node.op !== '[?]') return undefined;
  const [target, key] = node.args as [ASTNode, ASTNode | string];
  if (target.op !== 'id' || target.args !== 'features') return undefined;
  if (typeof key === 'string') return key;
  return key.op === 'value' && typeof key.args === 'string' ? key.args : undefined;
}

function vetReferences(expression: string, ast: ASTNode, known: KnownNames): { features: string[] | 'all'; lists: string[] } {
  const knownFeatures = known.features === undefined ? undefined : new Set(known.features);
  const features = new Set<string>();
  const listNames = new Set<string>();
  let featureMapUses = 0;
  let staticReads = 0;
  walk(ast, (node) => {
    if (node.op === 'id' && node.args === 'features') featureMapUses++;
    const feature = featureRead(node);
    if (feature !== undefined) {
      staticReads++;
      if (knownFeatures && !knownFeatures.has(feature)) {
        throw RuleCompileError.at(expression, node.range.start, `unknown feature "${feature}"${suggestion(feature, knownFeatures)}`);
      }
      features.add(feature);
    }
    if (isMacro(node)) {
      // One comprehension is linear in its list; one inside another multiplies (seven nested over
      // [0..9] take ~0.3 s, twelve would take days) and every decision would wait for it.
      const [, range, macroArgs] = node.args as [string, ASTNode, ASTNode[] | undefined];
      for (const arg of macroArgs ?? []) {
        walk(arg, (inner) => {
          if (isMacro(inner)) throw RuleCompileError.at(expression, inner.range.start, `${callName(inner)}() inside ${callName(node)}(): a rule may not nest comprehensions (each multiplies the work of every decision)`);
        });
      }
      // Nor iterate over what another comprehension made: each link of a chain can double the list the
      // next one walks (`.map(a, a + a)` 28 times is 2²⁸ elements: the process dies of it, and a saved
      // rule would kill every restart too, as the warm-up runs it).
      walk(range, (inner) => {
        if (isMacro(inner)) throw RuleCompileError.at(expression, inner.range.start, `${callName(node)}() over the result of ${callName(inner)}(): a rule may not chain comprehensions (each can multiply the size of what the next one walks)`);
      });
    }
    if (node.op === 'rcall' && (node.args as unknown[])[0] === 'matches') vetPattern(expression, ((node.args as [string, ASTNode, ASTNode[]])[2] ?? [])[0], node);
    if (node.op !== 'call') return;
    const [fn, args] = node.args as [string, ASTNode[]];
    if (fn === 'matches') vetPattern(expression, args[1], node);
    if (!LIST_FUNCTIONS.has(fn)) return;
    const [listArg, , thresholdArg] = args;
    if (listArg?.op !== 'value' || typeof listArg.args !== 'string') {
      throw RuleCompileError.at(expression, (listArg ?? node).range.start, `the list name must be a quoted string, as in ${fn}('stolen_cards', …)`);
    }
    const list = listArg.args;
    const kind = known.lists?.get(list);
    if (known.lists && kind === undefined) {
      throw RuleCompileError.at(expression, listArg.range.start, `there is no list named "${list}"${suggestion(list, known.lists.keys())}`);
    }
    if (fn === 'name_matches' && kind !== undefined && kind !== 'name') {
      throw RuleCompileError.at(expression, listArg.range.start, `"${list}" is a list of ${kind} values: name_matches() needs a name list, in_list() checks exact values`);
    }
    if (fn === 'name_matches' && thresholdArg?.op === 'value') {
      const threshold = Number(thresholdArg.args);
      if (!(threshold > 0 && threshold <= 1)) throw RuleCompileError.at(expression, thresholdArg.range.start, 'the threshold must be above 0 and at most 1, e.g. 0.85');
    }
    listNames.add(list);
  });
  // `features` used other than as `features.x` (a computed key, size(features), `'x' in features`):
  // the rule may read any feature.
  return { features: featureMapUses > staticReads ? 'all' : [...features].sort(), lists: [...listNames].sort() };
}

/**
 * A `matches()` pattern must be a quoted string that compiles, without backreferences or lookbehind:
 * those keep V8 on its backtracking engine, where one pattern can stall every decision (see the flag
 * above). (CEL specifies RE2 syntax; riskgate runs JavaScript's, which RE2 patterns mostly are.)
 */
function vetPattern(expression: string, pattern: ASTNode | undefined, call: ASTNode): void {
  const at = (pattern ?? call).range.start;
  if (pattern?.op !== 'value' || typeof pattern.args !== 'string') {
    throw RuleCompileError.at(expression, at, 'the pattern of matches() must be a quoted string, as in message.matches("western ?union")');
  }
  const source = pattern.args;
  try {
    new RegExp(source);
  } catch (error) {
    throw RuleCompileError.at(expression, at, `the pattern of matches() is not a valid regular expression: ${(error as Error).message.replace(/^Invalid regular expression: /, '')}`);
  }
  if (/\\[1-9]|\\k<|\(\?<[=!]/.test(source)) {
    throw RuleCompileError.at(expression, at, 'the pattern of matches() must not use backreferences or lookbehind: they can take exponential time on long text');
  }
}

/** ` (did you mean "…"?)` for the most similar known name, when one is close. */
function suggestion(name: string, known: Iterable<string>): string {
  let best = '';
  let bestSimilarity = 0.8;
  for (const candidate of known) {
    const similarity = jaroWinkler(name, candidate);
    if (similarity > bestSimilarity) [best, bestSimilarity] = [candidate, similarity];
  }
  return best ? ` (did you mean "${best}"?)` : '';
}

export interface CompiledRule {
  rule: Rule;
  run: CompiledExpression['run'];
  /** Features the expression names (`all`: any). */
  features: string[] | 'all';
}

/**
 * The enabled rules of a moment, compiled, highest priority first, with a version to log with every
 * decision. An enabled rule that no longer compiles (a feature or list it names is gone) is kept out
 * and reported as an error by every evaluation, so it is seen rather than silently never firing.
 */
export class RuleSet {
  readonly version: string;
  readonly rules: readonly CompiledRule[];
  readonly broken: readonly RuleError[];
  /** Ids and versions of the enabled rules (for the decision log and replay). */
  readonly evaluated: ReadonlyArray<{ id: string; version: number }>;

  private constructor(rules: CompiledRule[], broken: RuleError[], enabled: Rule[]) {
    this.rules = rules;
    this.broken = broken;
    this.evaluated = enabled.map((r) => ({ id: r.id, version: r.version }));
    this.version = ruleSetVersion(enabled);
  }

  static compile(rules: readonly Rule[], known: KnownNames = {}): RuleSet {
    const enabled = rules.filter((r) => r.enabled).sort(byPriority);
    const compiled: CompiledRule[] = [];
    const broken: RuleError[] = [];
    for (const rule of enabled) {
      try {
        const expression = compileExpression(rule.expression, known);
        compiled.push({ rule, run: expression.run, features: expression.features });
      } catch (error) {
        if (!(error instanceof RuleCompileError)) throw error;
        broken.push({ ruleId: rule.id, version: rule.version, shadow: rule.shadow, message: `does not compile: ${error.message}` });
      }
    }
    return new RuleSet(compiled, broken, enabled);
  }
}

/** `rs_` + 12 hex digits of SHA-256 over the enabled rules' ids, versions and what they do. */
export function ruleSetVersion(enabled: readonly Rule[]): string {
  const material = canonicalJson(
    [...enabled]
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .map((r) => [r.id, r.version, r.expression, r.action, r.priority, r.shadow]),
  );
  return `rs_${createHash('sha256').update(material).digest('hex').slice(0, 12)}`;
}
