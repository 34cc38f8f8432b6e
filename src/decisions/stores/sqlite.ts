import { createHash } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import { progress } from '../../lib/progress.js';
import { SqliteWriter, type Write } from '../../lib/sqlite-writer.js';
import { openSqlite, type Durability, type SqliteDatabase } from '../../lib/sqlite.js';
import { decisionIdFor, type Decision, type StoredDecision } from '../decision.js';
import type { DecisionQuery, DecisionStore } from '../store.js';
import type { RiskEvent } from '../../events/schema.js';

const INSERT = 'INSERT INTO decisions (seq, event_id, user, ts, action, decision, request, vector, rule_set, lists_version, recovered) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(seq) DO NOTHING';
const INSERT_RULE_SET = 'INSERT OR IGNORE INTO rule_sets (key, rules) VALUES (?, ?)';

// A decision is found by its seq (the decision id is the seq in base 36; an event id resolves to its
// seq through the event log), so the table carries no index over random ids: each one cost a random
// page write per decision. The rules a decision was evaluated against repeat from one decision to
// the next, so they are stored once per rule set.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS decisions (
  seq         INTEGER PRIMARY KEY,
  event_id    TEXT NOT NULL,
  user        TEXT,
  ts          INTEGER NOT NULL,
  action      TEXT NOT NULL,
  decision    TEXT NOT NULL,
  request     TEXT NOT NULL,
  vector      BLOB,
  rule_set    TEXT NOT NULL,
  recovered   INTEGER NOT NULL DEFAULT 0,
  lists_version INTEGER
) STRICT;
CREATE INDEX IF NOT EXISTS decisions_ts ON decisions (ts);
CREATE INDEX IF NOT EXISTS decisions_user ON decisions (user, seq);
CREATE TABLE IF NOT EXISTS rule_sets (key TEXT PRIMARY KEY, rules TEXT NOT NULL) STRICT;
`;

const COLUMNS = 'd.decision, d.request, d.vector, r.rules, d.lists_version, d.recovered';
const FROM = 'decisions d JOIN rule_sets r ON r.key = d.rule_set';

type Row = { decision: string; request: string; vector: Buffer | null; rules: string; lists_version: number | null; recovered: number };

export class SqliteDecisionStore implements DecisionStore {
  private readonly db: SqliteDatabase;
  private readonly writer: SqliteWriter;
  private readonly bySeq: Statement;
  /** Decisions queued for the next commit, by event id: a retry arriving meanwhile finds its answer. */
  private readonly pending = new Map<string, StoredDecision>();
  /** Rule sets known to be stored, by their JSON. */
  private readonly ruleSets = new Map<string, string>();

  /** `seqOfEvent`: the log sequence number of a stored event, by id (the event log's index). */
  constructor(
    path: string,
    durability: Durability = 'fsync',
    private readonly seqOfEvent: (eventId: string) => number | undefined,
  ) {
    this.db = openSqlite(path, durability, { pageSize: 16_384 });
    migrateIdIndexedTable(this.db);
    this.db.exec(SCHEMA);
    this.writer = new SqliteWriter(path, durability);
    this.bySeq = this.db.prepare(`SELECT ${COLUMNS} FROM ${FROM} WHERE d.seq = ?`);
  }

  async write(stored: StoredDecision): Promise<void> {
    const d = stored.decision;
    this.pending.set(d.event_id, stored);
    try {
      const writes: Write[] = [];
      const rules = JSON.stringify(stored.ruleVersions);
      let ruleSet = this.ruleSets.get(rules);
      if (ruleSet === undefined) {
        ruleSet = ruleSetKey(rules);
        writes.push({ sql: INSERT_RULE_SET, rows: [[ruleSet, rules]] });
      }
      writes.push({
        sql: INSERT,
        rows: [[d.seq, d.event_id, stored.request.entities.user ?? null, d.ts, d.action, JSON.stringify(d), JSON.stringify(stored.request), stored.vector ? Buffer.from(stored.vector.buffer, stored.vector.byteOffset, stored.vector.byteLength) : null, ruleSet, stored.listsVersion ?? null, stored.recovered ? 1 : 0]],
      });
      await this.writer.runAll(writes);
      this.ruleSets.set(rules, ruleSet);
    } finally {
      this.pending.delete(d.event_id);
    }
  }

  async get(decisionId: string): Promise<StoredDecision | undefined> {
    for (const p of this.pending.values()) if (p.decision.decision_id === decisionId) return p;
    const seq = seqOfDecisionId(decisionId);
    return seq === undefined ? undefined : this.atSeq(seq);
  }

  async getByEvent(eventId: string): Promise<StoredDecision | undefined> {
    const queued = this.pending.get(eventId);
    if (queued) return queued;
    const seq = this.seqOfEvent(eventId);
    return seq === undefined ? undefined : this.atSeq(seq);
  }

  async list(query: DecisionQuery): Promise<StoredDecision[]> {
    const where: string[] = ['d.seq > ?'];
    const args: unknown[] = [query.afterSeq ?? 0];
    if (query.from !== undefined) {
      where.push('d.ts >= ?');
      args.push(query.from);
    }
    if (query.to !== undefined) {
      where.push('d.ts < ?');
      args.push(query.to);
    }
    if (query.action !== undefined) {
      where.push('d.action = ?');
      args.push(query.action);
    }
    if (query.amongNewest !== undefined) {
      where.push('d.seq >= coalesce((SELECT seq FROM decisions ORDER BY seq DESC LIMIT 1 OFFSET ?), 0)');
      args.push(Math.max(0, query.amongNewest - 1));
    }
    args.push(query.limit ?? 1000);
    const rows = this.db.prepare(`SELECT ${COLUMNS} FROM ${FROM} WHERE ${where.join(' AND ')} ORDER BY d.seq ${query.newestFirst ? 'DESC' : 'ASC'} LIMIT ?`).all(...args) as Row[];
    return rows.map(toStored);
  }

  async listByUser(user: string, limit: number, beforeSeq = Number.MAX_SAFE_INTEGER): Promise<StoredDecision[]> {
    const rows = this.db.prepare(`SELECT ${COLUMNS} FROM ${FROM} WHERE d.user = ? AND d.seq < ? ORDER BY d.seq DESC LIMIT ?`).all(user, beforeSeq, limit) as Row[];
    return rows.map(toStored);
  }

  async count(): Promise<number> {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM decisions').get() as { n: number }).n;
  }

  async lastSeq(): Promise<number> {
    return (this.db.prepare('SELECT COALESCE(MAX(seq), 0) AS s FROM decisions').get() as { s: number }).s;
  }

  async latestScoresByUser(amongNewest: number): Promise<Array<{ user: string; score: number }>> {
    const since = (this.db.prepare('SELECT coalesce((SELECT seq FROM decisions ORDER BY seq DESC LIMIT 1 OFFSET ?), 0) AS seq').get(Math.max(0, amongNewest - 1)) as { seq: number }).seq;
    // Each user's latest decision comes from the (user, seq) index alone; only where that one has no
    // score (a login the model does not score, the kill switch) are the user's earlier ones read, newest
    // first — filtering every decision by its JSON would cost a start seconds on a long log.
    const rows = this.db
      .prepare(
        `SELECT d.seq AS seq, d.user AS user, json_extract(d.decision, '$.score') AS score FROM decisions d
         JOIN (SELECT MAX(seq) AS seq FROM decisions WHERE user IS NOT NULL AND seq >= ? GROUP BY user) latest ON d.seq = latest.seq
         ORDER BY d.seq`,
      )
      .all(since) as Array<{ seq: number; user: string; score: number | null }>;
    const earlier = this.db.prepare(
      `SELECT json_extract(decision, '$.score') AS score FROM decisions
       WHERE user = ? AND seq >= ? AND seq < ? AND json_extract(decision, '$.score') IS NOT NULL ORDER BY seq DESC LIMIT 1`,
    );
    const scores: Array<{ user: string; score: number }> = [];
    for (const row of rows) {
      const score = row.score ?? (earlier.get(row.user, since, row.seq) as { score: number } | undefined)?.score;
      if (typeof score === 'number') scores.push({ user: row.user, score });
    }
    return scores;
  }

  async close(): Promise<void> {
    await this.writer.close();
    if (this.db.open) this.db.close();
  }

  private atSeq(seq: number): StoredDecision | undefined {
    const row = this.bySeq.get(seq) as Row | undefined;
    return row && toStored(row);
  }
}

function ruleSetKey(rules: string): string {
  return createHash('sha256').update(rules).digest('hex').slice(0, 24);
}

/** The seq a decision id names (`dec_` + seq in base 36), or undefined for anything else. */
function seqOfDecisionId(decisionId: string): number | undefined {
  if (!/^dec_[0-9a-z]{8,}$/.test(decisionId)) return undefined;
  const seq = parseInt(decisionId.slice(4), 36);
  return Number.isSafeInteger(seq) && decisionIdFor(seq) === decisionId ? seq : undefined;
}

/**
 * Decision logs from before decisions were found by seq carried unique indexes on the decision and
 * event ids (which SQLite cannot drop from a table): copy the rows into the new table once.
 */
function migrateIdIndexedTable(db: SqliteDatabase): void {
  const columns = db.prepare("SELECT name FROM pragma_table_info('decisions')").pluck().all() as string[];
  if (!columns.includes('decision_id')) return;
  const total = db.prepare('SELECT COUNT(*) FROM decisions').pluck().get() as number;
  const shown = progress('decision log → v2', total, 'decisions');
  db.transaction(() => {
    db.exec('ALTER TABLE decisions RENAME TO decisions_before_v2; DROP INDEX IF EXISTS decisions_ts; DROP INDEX IF EXISTS decisions_user;');
    db.exec(SCHEMA);
    const insertRuleSet = db.prepare(INSERT_RULE_SET);
    for (const rules of db.prepare('SELECT DISTINCT rules FROM decisions_before_v2').pluck().all() as string[]) insertRuleSet.run(ruleSetKey(rules), rules);
    const listsVersion = columns.includes('lists_version') ? 'o.lists_version' : 'NULL';
    db.exec(`INSERT INTO decisions (seq, event_id, user, ts, action, decision, request, vector, rule_set, recovered, lists_version)
      SELECT o.seq, o.event_id, o.user, o.ts, o.action, o.decision, o.request, o.vector, r.key, o.recovered, ${listsVersion}
      FROM decisions_before_v2 o JOIN rule_sets r ON r.rules = o.rules`);
    db.exec('DROP TABLE decisions_before_v2');
  }).immediate();
  shown.update(total);
  shown.stop(`${total} decisions copied into the table found by seq (once)`);
}

function toStored(row: Row): StoredDecision {
  let vector: Float64Array | null = null;
  if (row.vector) {
    vector = new Float64Array(row.vector.byteLength / 8);
    new Uint8Array(vector.buffer).set(row.vector);
  }
  const decision = JSON.parse(row.decision) as Decision;
  const ruleErrorsUnlogged = decision.rule_errors === undefined;
  decision.rule_errors ??= []; // stored before rule errors were logged
  const stored: StoredDecision = {
    ...(ruleErrorsUnlogged ? { ruleErrorsUnlogged } : {}),
    decision,
    request: JSON.parse(row.request) as RiskEvent,
    vector,
    ruleVersions: JSON.parse(row.rules) as StoredDecision['ruleVersions'],
  };
  if (row.lists_version !== null) stored.listsVersion = row.lists_version;
  if (row.recovered) stored.recovered = true;
  return stored;
}
