// Embedded rule and list stores on SQLite. Rules keep every version (a change inserts the next one,
// nothing is overwritten), so any version a decision was made with can be read back. List changes
// are appended to a change log with their actor.
import type { SqliteDatabase } from '../../lib/sqlite.js';
import { containsRawCardNumber } from '../../events/pan.js';
import { freeTextProblem } from '../../lib/text-input.js';
import type { KnownNames } from '../compile.js';
import { canonicalListValue, LIST_KINDS, LIST_NAME, MAX_ENTRY_NOTE, MAX_LIST_DESCRIPTION, ListValueError, normaliseListValue, type ListEntry, type ListKind, type NamedList } from '../lists.js';
import { byPriority, RuleValidationError, type Rule, type RuleAction, type RuleChanges, type RuleInput } from '../rule.js';
import {
  applyChanges,
  checkRule,
  ListConflictError,
  ListNotFoundError,
  RuleConflictError,
  RuleNotFoundError,
  type ListStore,
  type NewListEntry,
  type RuleStore,
  type RuleUpdateOptions,
} from '../store.js';

export interface SqliteStoreOptions {
  /** Epoch ms; injectable for tests. */
  now?: () => number;
}

export interface SqliteRuleStoreOptions extends SqliteStoreOptions {
  /** The features and lists that exist now, so a rule naming others is refused when written. */
  known?: () => KnownNames;
}

interface RuleRow {
  id: string;
  version: number;
  name: string;
  description: string;
  expression: string;
  action: string;
  priority: number;
  shadow: number;
  enabled: number;
  updated_at: number;
  updated_by: string;
}

const LATEST = 'SELECT * FROM rule_versions r WHERE version = (SELECT MAX(version) FROM rule_versions WHERE id = r.id)';

export class SqliteRuleStore implements RuleStore {
  private readonly now: () => number;
  private readonly known: () => KnownNames;

  constructor(
    private readonly db: SqliteDatabase,
    options: SqliteRuleStoreOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.known = options.known ?? (() => ({}));
    db.exec(`CREATE TABLE IF NOT EXISTS rule_versions (
      id          TEXT    NOT NULL,
      version     INTEGER NOT NULL,
      name        TEXT    NOT NULL,
      description TEXT    NOT NULL,
      expression  TEXT    NOT NULL,
      action      TEXT    NOT NULL CHECK (action IN ('block', 'review', 'allow', 'tag')),
      priority    INTEGER NOT NULL,
      shadow      INTEGER NOT NULL CHECK (shadow IN (0, 1)),
      enabled     INTEGER NOT NULL CHECK (enabled IN (0, 1)),
      updated_at  INTEGER NOT NULL,
      updated_by  TEXT    NOT NULL,
      PRIMARY KEY (id, version)
    ) STRICT`);
  }

  async create(input: RuleInput, actor: string): Promise<Rule> {
    checkRuleActor(actor);
    checkRule(input, this.known());
    return this.db.transaction(() => {
      if (this.latest(input.id)) throw new RuleConflictError(`a rule "${input.id}" exists already`);
      return this.insert(input, 1, actor);
    }).immediate();
  }

  async update(id: string, changes: RuleChanges, actor: string, options: RuleUpdateOptions = {}): Promise<Rule> {
    checkRuleActor(actor);
    // Read, check and write in one transaction, so the next version is computed from what is stored.
    return this.db.transaction(() => {
      const latest = this.latest(id);
      if (!latest) throw new RuleNotFoundError(id);
      if (options.expectedVersion !== undefined && latest.version !== options.expectedVersion) {
        throw new RuleConflictError(`rule "${id}" is at version ${latest.version}, not ${options.expectedVersion}: reload and retry`);
      }
      const next = applyChanges(latest, changes);
      checkRule(next, this.known(), latest);
      if (sameContent(latest, next)) return latest;
      return this.insert(next, latest.version + 1, actor);
    }).immediate();
  }

  disable(id: string, actor: string): Promise<Rule> {
    return this.update(id, { enabled: false }, actor);
  }

  async get(id: string): Promise<Rule | undefined> {
    return this.latest(id);
  }

  async getVersion(id: string, version: number): Promise<Rule | undefined> {
    const row = this.db.prepare('SELECT * FROM rule_versions WHERE id = ? AND version = ?').get(id, version) as RuleRow | undefined;
    return row && toRule(row);
  }

  async list(options: { enabledOnly?: boolean } = {}): Promise<Rule[]> {
    const rows = this.db.prepare(options.enabledOnly ? `${LATEST} AND enabled = 1` : LATEST).all() as RuleRow[];
    return rows.map(toRule).sort(byPriority);
  }

  async history(id: string): Promise<Rule[]> {
    return (this.db.prepare('SELECT * FROM rule_versions WHERE id = ? ORDER BY version').all(id) as RuleRow[]).map(toRule);
  }

  private latest(id: string): Rule | undefined {
    const row = this.db.prepare('SELECT * FROM rule_versions WHERE id = ? ORDER BY version DESC LIMIT 1').get(id) as RuleRow | undefined;
    return row && toRule(row);
  }

  private insert(input: RuleInput, version: number, actor: string): Rule {
    const rule: Rule = {
      id: input.id,
      name: input.name,
      description: input.description ?? '',
      expression: input.expression,
      action: input.action,
      priority: input.priority ?? 0,
      shadow: input.shadow ?? false,
      enabled: input.enabled ?? true,
      version,
      updatedAt: this.now(),
      updatedBy: actor,
    };
    this.db
      .prepare(
        `INSERT INTO rule_versions (id, version, name, description, expression, action, priority, shadow, enabled, updated_at, updated_by)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(rule.id, version, rule.name, rule.description, rule.expression, rule.action, rule.priority, Number(rule.shadow), Number(rule.enabled), rule.updatedAt, actor);
    return rule;
  }
}

function sameContent(rule: Rule, next: RuleInput): boolean {
  return (
    rule.name === next.name &&
    rule.description === next.description &&
    rule.expression === next.expression &&
    rule.action === next.action &&
    rule.priority === next.priority &&
    rule.shadow === next.shadow &&
    rule.enabled === next.enabled
  );
}

function toRule(row: RuleRow): Rule {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    expression: row.expression,
    action: row.action as RuleAction,
    priority: row.priority,
    shadow: row.shadow === 1,
    enabled: row.enabled === 1,
    version: row.version,
    updatedAt: row.updated_at,
    updatedBy: row.updated_by,
  };
}

const ACTOR_PROBLEM = 'the actor must be 1–200 characters';

function validActor(actor: string): boolean {
  return typeof actor === 'string' && actor.trim().length > 0 && actor.length <= 200;
}

function checkRuleActor(actor: string): void {
  if (!validActor(actor)) throw new RuleValidationError('actor', ACTOR_PROBLEM);
}

function checkListActor(actor: string): void {
  if (!validActor(actor)) throw new ListValueError(ACTOR_PROBLEM);
}

interface ListRow {
  name: string;
  kind: string;
  description: string;
  created_at: number;
  created_by: string;
}

interface EntryRow {
  value: string;
  note: string | null;
  expires_at: number | null;
  added_at: number;
  added_by: string;
}

/**
 * The form stored values were last rewritten to: a new name whenever a kind's normalisation changes,
 * so that every data directory rewrites its entries once more (v2: name particles left out; v3: IPv4
 * addresses without leading zeros).
 */
const CANONICAL_FORM = 'canonical_values_v3';

export class SqliteListStore implements ListStore {
  private readonly now: () => number;

  constructor(
    private readonly db: SqliteDatabase,
    options: SqliteStoreOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    db.exec(`
      CREATE TABLE IF NOT EXISTS lists (
        name        TEXT    PRIMARY KEY,
        kind        TEXT    NOT NULL,
        description TEXT    NOT NULL,
        created_at  INTEGER NOT NULL,
        created_by  TEXT    NOT NULL
      ) STRICT;
      CREATE TABLE IF NOT EXISTS list_entries (
        list       TEXT    NOT NULL REFERENCES lists (name),
        value      TEXT    NOT NULL,
        note       TEXT,
        expires_at INTEGER,
        added_at   INTEGER NOT NULL,
        added_by   TEXT    NOT NULL,
        PRIMARY KEY (list, value)
      ) STRICT;
      CREATE TABLE IF NOT EXISTS list_changes (
        seq    INTEGER PRIMARY KEY,
        list   TEXT    NOT NULL,
        value  TEXT    NOT NULL,
        change TEXT    NOT NULL CHECK (change IN ('add', 'remove')),
        actor  TEXT    NOT NULL,
        at     INTEGER NOT NULL,
        expires_at INTEGER
      ) STRICT;
    `);
    // Data directories from before list changes kept the expiry: such changes replay as never expiring.
    const columns = db.prepare("SELECT name FROM pragma_table_info('list_changes')").pluck().all() as string[];
    if (!columns.includes('expires_at')) db.exec('ALTER TABLE list_changes ADD COLUMN expires_at INTEGER');
    // A running server finds the lists another process changed by their newest change.
    db.exec('CREATE INDEX IF NOT EXISTS list_changes_list ON list_changes (list, seq)');
    this.canonicaliseStoredValues();
  }

  /**
   * Entries stored before a normalisation changed (IPv6 written out, names with look-alike letters)
   * are rewritten once to the form lookups, additions and removals use today — otherwise such an entry
   * would still block but could never be removed. Each rewrite is a logged removal and addition, so
   * replaying a decision rebuilds the lists as they were. Two entries that become one keep the later
   * expiry (none is the latest).
   */
  private canonicaliseStoredValues(): void {
    const db = this.db;
    db.exec('CREATE TABLE IF NOT EXISTS list_store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT');
    const done = () => db.prepare('SELECT 1 FROM list_store_meta WHERE key = ?').get(CANONICAL_FORM) !== undefined;
    if (done()) return;
    db.transaction(() => {
      if (done()) return; // another process did it meanwhile
      const at = this.now();
      const actor = 'riskgate (stored values rewritten to their canonical form)';
      const entriesOf = db.prepare('SELECT * FROM list_entries WHERE list = ?');
      const entry = db.prepare('SELECT * FROM list_entries WHERE list = ? AND value = ?');
      const remove = db.prepare('DELETE FROM list_entries WHERE list = ? AND value = ?');
      const put = db.prepare(
        `INSERT INTO list_entries (list, value, note, expires_at, added_at, added_by) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (list, value) DO UPDATE SET expires_at = excluded.expires_at`,
      );
      const logRemove = db.prepare("INSERT INTO list_changes (list, value, change, actor, at) VALUES (?, ?, 'remove', ?, ?)");
      const logAdd = db.prepare("INSERT INTO list_changes (list, value, change, actor, at, expires_at) VALUES (?, ?, 'add', ?, ?, ?)");
      for (const list of db.prepare("SELECT name, kind FROM lists WHERE kind IN ('ip', 'name')").all() as Array<{ name: string; kind: ListKind }>) {
        for (const row of entriesOf.all(list.name) as EntryRow[]) {
          const key = canonicalListValue(list.kind, row.value);
          if (key === row.value) continue;
          const existing = entry.get(list.name, key) as EntryRow | undefined;
          const expiresAt = existing === undefined ? row.expires_at : existing.expires_at === null || row.expires_at === null ? null : Math.max(existing.expires_at, row.expires_at);
          remove.run(list.name, row.value);
          logRemove.run(list.name, row.value, actor, at);
          put.run(list.name, key, existing?.note ?? row.note, expiresAt, existing?.added_at ?? row.added_at, existing?.added_by ?? row.added_by);
          logAdd.run(list.name, key, actor, at, expiresAt);
        }
      }
      db.prepare('INSERT INTO list_store_meta (key, value) VALUES (?, ?)').run(CANONICAL_FORM, String(at));
    }).immediate();
  }

  async createList(list: { name: string; kind: ListKind; description?: string }, actor: string): Promise<NamedList> {
    checkListActor(actor);
    if (typeof list.name !== 'string' || !LIST_NAME.test(list.name)) {
      throw new ListValueError('name: a list name is 1–64 lower-case letters, digits or _, starting with a letter');
    }
    if (!(LIST_KINDS as readonly string[]).includes(list.kind)) throw new ListValueError(`kind: a list kind is one of ${LIST_KINDS.join(', ')}`);
    if (list.description !== undefined) {
      const issue = freeTextProblem(list.description, MAX_LIST_DESCRIPTION);
      if (issue) throw new ListValueError(`description: ${issue}`);
      if (containsRawCardNumber(list.description)) throw new ListValueError('description: looks like it holds a raw card number');
    }
    const created: NamedList = { name: list.name, kind: list.kind, description: list.description ?? '', createdAt: this.now(), createdBy: actor };
    const inserted = this.db
      .prepare('INSERT INTO lists (name, kind, description, created_at, created_by) VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING')
      .run(created.name, created.kind, created.description, created.createdAt, actor);
    if (inserted.changes === 0) throw new ListConflictError(`a list "${list.name}" exists already`);
    return created;
  }

  async getList(name: string): Promise<NamedList | undefined> {
    const row = this.db.prepare('SELECT * FROM lists WHERE name = ?').get(name) as ListRow | undefined;
    return row && toList(row);
  }

  async lists(): Promise<NamedList[]> {
    return (this.db.prepare('SELECT * FROM lists ORDER BY name').all() as ListRow[]).map(toList);
  }

  async addEntries(name: string, entries: readonly NewListEntry[], actor: string): Promise<ListEntry[]> {
    checkListActor(actor);
    const list = await this.requireList(name);
    const at = this.now();
    // Normalise every value before writing any, so one bad value leaves the list untouched; a value
    // given twice (or two spellings of one, e.g. e-mail addresses) is one entry, the last one given.
    const byValue = new Map<string, ListEntry>();
    for (const [i, e] of entries.entries()) {
      if (e.note !== undefined && e.note !== null) {
        const issue = freeTextProblem(e.note, MAX_ENTRY_NOTE);
        if (issue) throw new ListValueError(`entries[${i}].note: ${issue}`);
        if (containsRawCardNumber(e.note)) throw new ListValueError(`entries[${i}].note: looks like it holds a raw card number`);
      }
      const value = atEntry(`entries[${i}].value`, () => normaliseListValue(list.kind, e.value));
      byValue.delete(value);
      byValue.set(value, { value, note: e.note ?? null, expiresAt: e.expiresAt ?? null, addedAt: at, addedBy: actor });
    }
    const stored = [...byValue.values()];
    const upsert = this.db.prepare(
      `INSERT INTO list_entries (list, value, note, expires_at, added_at, added_by) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (list, value) DO UPDATE SET note = excluded.note, expires_at = excluded.expires_at, added_at = excluded.added_at, added_by = excluded.added_by`,
    );
    const logChange = this.db.prepare("INSERT INTO list_changes (list, value, change, actor, at, expires_at) VALUES (?, ?, 'add', ?, ?, ?)");
    this.db.transaction(() => {
      for (const e of stored) {
        upsert.run(name, e.value, e.note, e.expiresAt, at, actor);
        logChange.run(name, e.value, actor, at, e.expiresAt);
      }
    }).immediate();
    return stored;
  }

  async removeEntries(name: string, values: readonly string[], actor: string): Promise<{ removed: number; values: string[] }> {
    checkListActor(actor);
    const list = await this.requireList(name);
    const keys = values.map((v, i) => atEntry(`values[${i}]`, () => normaliseListValue(list.kind, v)));
    const remove = this.db.prepare('DELETE FROM list_entries WHERE list = ? AND value = ?');
    const logChange = this.db.prepare("INSERT INTO list_changes (list, value, change, actor, at) VALUES (?, ?, 'remove', ?, ?)");
    const at = this.now();
    const removed = this.db.transaction(() => {
      let removed = 0;
      for (const key of keys) {
        if (remove.run(name, key).changes === 0) continue;
        removed++;
        logChange.run(name, key, actor, at);
      }
      return removed;
    }).immediate();
    return { removed, values: keys };
  }

  async entries(name: string, options: { liveAt?: number; limit?: number; offset?: number } = {}): Promise<ListEntry[]> {
    await this.requireList(name);
    const { liveAt, limit, offset } = options;
    if (liveAt === undefined && limit === undefined && offset === undefined) return this.allEntries(name);
    const rows = this.db
      .prepare(
        `SELECT * FROM list_entries WHERE list = ? AND (? IS NULL OR expires_at IS NULL OR expires_at > ?) ORDER BY added_at DESC, value LIMIT ? OFFSET ?`,
      )
      .all(name, liveAt ?? null, liveAt ?? null, limit ?? -1, offset ?? 0) as EntryRow[];
    return rows.map(toEntry);
  }

  async count(name: string): Promise<number> {
    await this.requireList(name);
    return this.db.prepare('SELECT COUNT(*) FROM list_entries WHERE list = ?').pluck().get(name) as number;
  }

  async current(name: string): Promise<{ entries: ListEntry[]; version: number }> {
    await this.requireList(name);
    return this.db.transaction(() => {
      const entries = this.allEntries(name);
      const version = this.db.prepare('SELECT COALESCE(MAX(seq), 0) FROM list_changes').pluck().get() as number;
      return { entries, version };
    }).immediate();
  }

  private allEntries(name: string): ListEntry[] {
    return (this.db.prepare('SELECT * FROM list_entries WHERE list = ? ORDER BY added_at DESC, value').all(name) as EntryRow[]).map(toEntry);
  }

  async asOf(name: string, version: number): Promise<Array<Pick<ListEntry, 'value' | 'expiresAt'>>> {
    await this.requireList(name);
    const members = new Map<string, number | null>();
    const changes = this.db.prepare('SELECT value, change, expires_at FROM list_changes WHERE list = ? AND seq <= ? ORDER BY seq').iterate(name, version) as IterableIterator<{
      value: string;
      change: 'add' | 'remove';
      expires_at: number | null;
    }>;
    for (const c of changes) {
      if (c.change === 'add') members.set(c.value, c.expires_at);
      else members.delete(c.value);
    }
    return [...members].map(([value, expiresAt]) => ({ value, expiresAt }));
  }

  async lastChange(name: string): Promise<number> {
    return this.db.prepare('SELECT COALESCE(MAX(seq), 0) FROM list_changes WHERE list = ?').pluck().get(name) as number;
  }

  private async requireList(name: string): Promise<NamedList> {
    const list = await this.getList(name);
    if (!list) throw new ListNotFoundError(name);
    return list;
  }
}

function toEntry(r: EntryRow): ListEntry {
  return { value: r.value, note: r.note, expiresAt: r.expires_at, addedAt: r.added_at, addedBy: r.added_by };
}

function toList(row: ListRow): NamedList {
  return { name: row.name, kind: row.kind as ListKind, description: row.description, createdAt: row.created_at, createdBy: row.created_by };
}

/** A value's problem, named by where it stood in the request (one bad entry among thousands). */
function atEntry<T>(path: string, normalise: () => T): T {
  try {
    return normalise();
  } catch (error) {
    if (error instanceof ListValueError) throw new ListValueError(`${path}: ${error.message}`);
    throw error;
  }
}

