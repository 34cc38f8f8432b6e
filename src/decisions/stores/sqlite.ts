import type { Statement } from 'better-sqlite3';
import { SqliteWriter } from '../../lib/sqlite-writer.js';
import { openSqlite, type Durability, type SqliteDatabase } from '../../lib/sqlite.js';
import type { Decision, StoredDecision } from '../decision.js';
import type { DecisionQuery, DecisionStore } from '../store.js';
import type { RiskEvent } from '../../events/schema.js';

const INSERT =
  'INSERT INTO decisions (seq, decision_id, event_id, user, ts, action, decision, request, vector, rules, lists_version, recovered) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(seq) DO NOTHING';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS decisions (
  seq         INTEGER PRIMARY KEY,
  decision_id TEXT NOT NULL UNIQUE,
  event_id    TEXT NOT NULL UNIQUE,
  user        TEXT,
  ts          INTEGER NOT NULL,
  action      TEXT NOT NULL,
  decision    TEXT NOT NULL,
  request     TEXT NOT NULL,
  vector      BLOB,
  rules       TEXT NOT NULL,
  recovered   INTEGER NOT NULL DEFAULT 0,
  lists_version INTEGER
) STRICT;
CREATE INDEX IF NOT EXISTS decisions_ts ON decisions (ts);
CREATE INDEX IF NOT EXISTS decisions_user ON decisions (user, seq);
`;

type Row = { decision: string; request: string; vector: Buffer | null; rules: string; lists_version: number | null; recovered: number };

export class SqliteDecisionStore implements DecisionStore {
  private readonly db: SqliteDatabase;
  private readonly writer: SqliteWriter;
  private readonly byId: Statement;
  private readonly byEvent: Statement;
  /** Decisions queued for the next commit, by event id: a retry arriving meanwhile finds its answer. */
  private readonly pending = new Map<string, StoredDecision>();

  constructor(path: string, durability: Durability = 'fsync') {
    this.db = openSqlite(path, durability, { pageSize: 16_384 });
    this.db.exec(SCHEMA);
    // Data directories from before decisions logged the lists' version: their decisions replay with today's lists.
    const columns = this.db.prepare("SELECT name FROM pragma_table_info('decisions')").pluck().all() as string[];
    if (!columns.includes('lists_version')) this.db.exec('ALTER TABLE decisions ADD COLUMN lists_version INTEGER');
    this.writer = new SqliteWriter(path, durability);
    this.byId = this.db.prepare('SELECT decision, request, vector, rules, lists_version, recovered FROM decisions WHERE decision_id = ?');
    this.byEvent = this.db.prepare('SELECT decision, request, vector, rules, lists_version, recovered FROM decisions WHERE event_id = ?');
  }

  async write(stored: StoredDecision): Promise<void> {
    const d = stored.decision;
    this.pending.set(d.event_id, stored);
    try {
      await this.writer.run({
        sql: INSERT,
        rows: [[d.seq, d.decision_id, d.event_id, stored.request.entities.user ?? null, d.ts, d.action, JSON.stringify(d), JSON.stringify(stored.request), stored.vector ? Buffer.from(stored.vector.buffer, stored.vector.byteOffset, stored.vector.byteLength) : null, JSON.stringify(stored.ruleVersions), stored.listsVersion ?? null, stored.recovered ? 1 : 0]],
      });
    } finally {
      this.pending.delete(d.event_id);
    }
  }

  async get(decisionId: string): Promise<StoredDecision | undefined> {
    for (const p of this.pending.values()) if (p.decision.decision_id === decisionId) return p;
    const row = this.byId.get(decisionId) as Row | undefined;
    return row && toStored(row);
  }

  async getByEvent(eventId: string): Promise<StoredDecision | undefined> {
    const queued = this.pending.get(eventId);
    if (queued) return queued;
    const row = this.byEvent.get(eventId) as Row | undefined;
    return row && toStored(row);
  }

  async list(query: DecisionQuery): Promise<StoredDecision[]> {
    const where: string[] = ['seq > ?'];
    const args: unknown[] = [query.afterSeq ?? 0];
    if (query.from !== undefined) {
      where.push('ts >= ?');
      args.push(query.from);
    }
    if (query.to !== undefined) {
      where.push('ts < ?');
      args.push(query.to);
    }
    if (query.action !== undefined) {
      where.push('action = ?');
      args.push(query.action);
    }
    args.push(query.limit ?? 1000);
    const rows = this.db.prepare(`SELECT decision, request, vector, rules, lists_version, recovered FROM decisions WHERE ${where.join(' AND ')} ORDER BY seq ${query.newestFirst ? 'DESC' : 'ASC'} LIMIT ?`).all(...args) as Row[];
    return rows.map(toStored);
  }

  async listByUser(user: string, limit: number): Promise<StoredDecision[]> {
    const rows = this.db.prepare('SELECT decision, request, vector, rules, lists_version, recovered FROM decisions WHERE user = ? ORDER BY seq DESC LIMIT ?').all(user, limit) as Row[];
    return rows.map(toStored);
  }

  async count(): Promise<number> {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM decisions').get() as { n: number }).n;
  }

  async lastSeq(): Promise<number> {
    return (this.db.prepare('SELECT COALESCE(MAX(seq), 0) AS s FROM decisions').get() as { s: number }).s;
  }

  async close(): Promise<void> {
    await this.writer.close();
    if (this.db.open) this.db.close();
  }
}

function toStored(row: Row): StoredDecision {
  let vector: Float64Array | null = null;
  if (row.vector) {
    vector = new Float64Array(row.vector.byteLength / 8);
    new Uint8Array(vector.buffer).set(row.vector);
  }
  const stored: StoredDecision = {
    decision: JSON.parse(row.decision) as Decision,
    request: JSON.parse(row.request) as RiskEvent,
    vector,
    ruleVersions: JSON.parse(row.rules) as StoredDecision['ruleVersions'],
  };
  if (row.lists_version !== null) stored.listsVersion = row.lists_version;
  if (row.recovered) stored.recovered = true;
  return stored;
}
