// Where rules and lists live. Implementations: stores/sqlite.ts (embedded); PostgreSQL sits beside it
// later. Every change names its actor, for the audit trail. Rules are checked before they are stored:
// a rule that does not compile is refused at write time, with the position of the problem.
import { compileExpression, type KnownNames } from './compile.js';
import { ListIndex, type ListEntry, type ListKind, type NamedList } from './lists.js';
import { validateRuleFields, type Rule, type RuleChanges, type RuleInput } from './rule.js';

export class RuleNotFoundError extends Error {
  constructor(readonly id: string) {
    super(`there is no rule "${id}"`);
  }
}

/** A create with a taken id, or an update based on a version that is no longer the latest. */
export class RuleConflictError extends Error {}

export interface RuleUpdateOptions {
  /** Refuse the update (RuleConflictError) unless the rule's latest version is this one. */
  expectedVersion?: number;
}

export interface RuleStore {
  /** Store version 1 of a new rule; refuses a taken id and a rule that does not compile. */
  create(input: RuleInput, actor: string): Promise<Rule>;
  /** Store the next version with `changes` applied; a change that changes nothing stores nothing. */
  update(id: string, changes: RuleChanges, actor: string, options?: RuleUpdateOptions): Promise<Rule>;
  /** update(id, { enabled: false }). */
  disable(id: string, actor: string): Promise<Rule>;
  /** The latest version. */
  get(id: string): Promise<Rule | undefined>;
  getVersion(id: string, version: number): Promise<Rule | undefined>;
  /** Latest versions, highest priority first. */
  list(options?: { enabledOnly?: boolean }): Promise<Rule[]>;
  /** Every version, oldest first. */
  history(id: string): Promise<Rule[]>;
}

/**
 * The checks a store runs before writing a rule (a new one, or an existing one with changes applied):
 * field shapes, then the expression against the features and lists that exist.
 */
export function checkRule(rule: RuleInput, known: KnownNames, previous?: RuleInput): void {
  validateRuleFields(rule, previous);
  compileExpression(rule.expression, known);
}

/** The fields of a version after `changes`, for a store's update. */
export function applyChanges(current: Rule, changes: RuleChanges): RuleInput {
  return {
    id: current.id,
    name: changes.name ?? current.name,
    description: changes.description ?? current.description,
    expression: changes.expression ?? current.expression,
    action: changes.action ?? current.action,
    priority: changes.priority ?? current.priority,
    shadow: changes.shadow ?? current.shadow,
    enabled: changes.enabled ?? current.enabled,
  };
}

export class ListNotFoundError extends Error {
  constructor(readonly list: string) {
    super(`there is no list "${list}"`);
  }
}

export class ListConflictError extends Error {}

export interface NewListEntry {
  /** Raw value; stored normalised for the list's kind (an e-mail address is stored as its hash). */
  value: string;
  note?: string;
  /** Epoch ms; the entry stops counting after it. */
  expiresAt?: number | null;
}

export interface ListStore {
  createList(list: { name: string; kind: ListKind; description?: string }, actor: string): Promise<NamedList>;
  getList(name: string): Promise<NamedList | undefined>;
  lists(): Promise<NamedList[]>;
  /** Add entries, or update the note and expiry of ones already there; returns them as stored. */
  addEntries(list: string, entries: readonly NewListEntry[], actor: string): Promise<ListEntry[]>;
  /** Remove entries by raw value (normalised like added ones); returns how many were there, and the values as stored (what to audit). */
  removeEntries(list: string, values: readonly string[], actor: string): Promise<{ removed: number; values: string[] }>;
  /** Entries, newest first; with `liveAt`, only those not expired at that time; `limit` and `offset` page through them. */
  entries(list: string, options?: { liveAt?: number; limit?: number; offset?: number }): Promise<ListEntry[]>;
  /** How many entries the list holds. */
  count(list: string): Promise<number>;
  /**
   * A list's entries with the lists' version they reflect, read together. Every change to any list
   * (an add, an update, a removal) advances the version by at least one.
   */
  current(list: string): Promise<{ entries: ListEntry[]; version: number }>;
  /** A list's entries (value and expiry) as they were at a version: what replay evaluates against. */
  asOf(list: string, version: number): Promise<Array<Pick<ListEntry, 'value' | 'expiresAt'>>>;
  /** The version of the list's newest change (0 when it never changed). */
  lastChange(list: string): Promise<number>;
}

/** Create those of `lists` (e.g. BUILTIN_LISTS) that do not exist yet. */
export async function ensureLists(store: ListStore, lists: ReadonlyArray<Pick<NamedList, 'name' | 'kind' | 'description'>>, actor: string): Promise<void> {
  for (const list of lists) if (!(await store.getList(list.name))) await store.createList(list, actor);
}

/**
 * Every list, indexed for the rules: into `index` when given (reloading the lists it holds), else a new
 * one. After a change to one list, `refreshList` keeps the index current.
 */
export async function loadListIndex(store: ListStore, index = new ListIndex()): Promise<ListIndex> {
  for (const list of await store.lists()) await refreshList(index, store, list.name);
  return index;
}

export async function refreshList(index: ListIndex, store: ListStore, name: string): Promise<void> {
  const list = await store.getList(name);
  if (!list) {
    index.delete(name);
    return;
  }
  const { entries, version } = await store.current(name);
  index.set(list, entries, version);
  index.version = Math.max(index.version, version);
}

/**
 * The lists exactly as they were at `version`, for replaying a decision: a list that has not changed
 * since is shared from `live` (the serving index) when that holds its newest change — a 100,000-name
 * list is not rebuilt for every replay —, any other is rebuilt from its change history.
 */
export async function listIndexAt(store: ListStore, version: number, live?: ListIndex): Promise<ListIndex> {
  const index = new ListIndex();
  for (const list of await store.lists()) {
    const last = await store.lastChange(list.name);
    if (live && last <= version && live.readAt(list.name) >= last) index.adopt(live, list.name);
    else index.set(list, await store.asOf(list.name, version), version);
  }
  index.version = version;
  return index;
}
