// Rules: what a rule is, what evaluating a rule set returns, and how hits become one verdict.
// Pure types and the precedence function; compiling and evaluating live in compile.ts and evaluate.ts.
import { containsRawCardNumber } from '../events/pan.js';
import { freeTextProblem, nameProblem } from '../lib/text-input.js';

export const RULE_ACTIONS = ['block', 'review', 'allow', 'tag'] as const;
export type RuleAction = (typeof RULE_ACTIONS)[number];

/** What the rules say about a decision; `tag` rules only label it. */
export type Verdict = 'block' | 'review' | 'allow';

export interface Rule {
  /** Stable identifier, a slug: lower-case letters, digits and `_`/`-`, starting with a letter. */
  id: string;
  name: string;
  description: string;
  /** A CEL expression that must be true or false (docs/RULES.md lists what it can read). */
  expression: string;
  action: RuleAction;
  /** Higher first. Also decides whether an allow rule overrides a block or review rule (see decideVerdict). */
  priority: number;
  /** Evaluated and counted, never acted on. */
  shadow: boolean;
  enabled: boolean;
  /** 1 when created, bumped on every change. */
  version: number;
  /** Epoch milliseconds of this version. */
  updatedAt: number;
  /** Who made this version (the audit trail's actor). */
  updatedBy: string;
}

/** What an author writes; the store fills in version, updatedAt and updatedBy. */
export interface RuleInput {
  id: string;
  name: string;
  description?: string;
  expression: string;
  action: RuleAction;
  priority?: number;
  shadow?: boolean;
  enabled?: boolean;
}

/** A change to an existing rule: any field but the id. */
export type RuleChanges = Partial<Omit<RuleInput, 'id'>>;

export interface RuleHit {
  ruleId: string;
  version: number;
  name: string;
  action: RuleAction;
  priority: number;
  shadow: boolean;
}

export interface RuleError {
  ruleId: string;
  version: number;
  /** A shadow rule's error is reported but changes nothing; an acting rule's degrades the decision. */
  shadow: boolean;
  message: string;
  /** Set when the rule was not evaluated at all: the rules stage had used up its time budget. */
  notEvaluated?: boolean;
}

export interface RulesResult {
  /** The verdict of the acting (non-shadow) hits, null when none of them is block, review or allow. */
  action: Verdict | null;
  /** The rule whose hit decided `action`. */
  decidedBy: string | null;
  /** Acting hits, highest priority first. */
  hits: RuleHit[];
  /** Hits of shadow rules: counted and logged, never part of `action`. */
  shadowHits: RuleHit[];
  /** Rules that could not be evaluated for this decision (a missing field, a null, …). */
  errors: RuleError[];
  /** Ids of the acting `tag` rules that hit. */
  tags: string[];
  /** The rule set's version, logged with the decision. */
  rulesVersion: string;
}

export const RULE_ID = /^[a-z][a-z0-9_-]{0,63}$/;
export const MAX_EXPRESSION_LENGTH = 4_000;

/** One problem with a rule's fields (the expression is checked by compile.ts). */
export class RuleValidationError extends Error {
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}

/** Check the fields of a new rule or of a rule after a change; throws RuleValidationError. */
/**
 * `previous`: the version a change starts from. Its text passed the checks of its day: only text the
 * change alters is held to today's (a stored rule must stay possible to disable).
 */
export function validateRuleFields(rule: RuleInput, previous?: RuleInput): void {
  const fail = (field: string, problem: string): never => {
    throw new RuleValidationError(field, problem);
  };
  if (typeof rule.id !== 'string' || !RULE_ID.test(rule.id)) {
    fail('id', 'must be a slug: 1–64 lower-case letters, digits, _ or -, starting with a letter');
  }
  if (typeof rule.name !== 'string') fail('name', 'must be 1–200 characters');
  const nameIssue = rule.name === previous?.name ? undefined : nameProblem(rule.name, 200);
  if (nameIssue) fail('name', nameIssue);
  if (rule.description !== undefined) {
    if (typeof rule.description !== 'string') fail('description', 'must be text of at most 2,000 characters');
    const issue = rule.description === previous?.description ? undefined : freeTextProblem(rule.description, 2_000);
    if (issue) fail('description', issue);
  }
  if (typeof rule.expression !== 'string' || rule.expression.trim().length === 0) fail('expression', 'must not be empty');
  const expressionIssue = rule.expression === previous?.expression ? undefined : freeTextProblem(rule.expression, MAX_EXPRESSION_LENGTH);
  if (expressionIssue) fail('expression', expressionIssue);
  if (!(RULE_ACTIONS as readonly string[]).includes(rule.action)) fail('action', `must be one of ${RULE_ACTIONS.join(', ')}`);
  if (rule.priority !== undefined && !(Number.isSafeInteger(rule.priority) && Math.abs(rule.priority) <= 1_000_000)) {
    fail('priority', 'must be an integer between -1,000,000 and 1,000,000');
  }
  if (rule.shadow !== undefined && typeof rule.shadow !== 'boolean') fail('shadow', 'must be true or false');
  if (rule.enabled !== undefined && typeof rule.enabled !== 'boolean') fail('enabled', 'must be true or false');
  // Names, descriptions and expressions end up in the audit trail (names on every decision's reasons
  // too): no card numbers. Requests carry card fingerprints, so a rule comparing a number never fires.
  for (const field of ['name', 'description', 'expression'] as const) {
    const text = rule[field];
    if (typeof text === 'string' && containsRawCardNumber(text)) {
      fail(field, field === 'expression' ? 'looks like it holds a raw card number: compare request.entities.card with card fingerprints (or put them on the stolen_cards list)' : 'looks like it holds a raw card number');
    }
  }
}

/** Highest priority first; equal priorities by id, so the order (and every report) is deterministic. */
export function byPriority(a: Pick<Rule, 'id' | 'priority'>, b: Pick<Rule, 'id' | 'priority'>): number {
  return b.priority - a.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * The verdict of a decision's acting hits. Block beats review beats allow, except that an allow hit
 * overrides every block and review hit of strictly lower priority. That one rule gives the usual tiers
 * through priorities (see DEFAULT_PRIORITIES): block lists (1000) > allow lists (900) > ordinary block,
 * review and allow rules. At equal priority the stricter action wins. Tag hits never decide.
 * `hits` must be in byPriority order, so the deciding rule is the highest-priority one of its action.
 */
export function decideVerdict(hits: readonly RuleHit[]): { action: Verdict | null; decidedBy: string | null } {
  const allow = hits.find((h) => h.action === 'allow');
  const overridable = (h: RuleHit) => allow === undefined || h.priority >= allow.priority;
  const block = hits.find((h) => h.action === 'block' && overridable(h));
  if (block) return { action: 'block', decidedBy: block.ruleId };
  const review = hits.find((h) => h.action === 'review' && overridable(h));
  if (review) return { action: 'review', decidedBy: review.ruleId };
  if (allow) return { action: 'allow', decidedBy: allow.ruleId };
  return { action: null, decidedBy: null };
}

/** The priority bands the built-in rules use; authors are free to use any integer. */
export const DEFAULT_PRIORITIES = {
  blockList: 1000,
  allowList: 900,
  block: 500,
  review: 300,
  tag: 0,
} as const;
