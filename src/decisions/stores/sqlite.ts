import type { Statement } from 'better-sqlite3';
import { GroupCommit } from '../../lib/group-commit.js';
import { openSqlite, type Durability, type SqliteDatabase } from '../../lib/sqlite.js';
import type { Decision, StoredDecision } from '../decision.js';
import type { DecisionQuery, DecisionStore } from '../store.js';
import type { RiskEvent } from '../../events/schema.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS decisions (
  seq         INTEGER PRIMARY KEY,
  decision_id TEXT NOT NULL UNIQUE,
  event_id    TEXT NOT NULL UNIQUE,
  ts          INTEGER NOT NULL,
  action      TEXT NOT NULL,
  decision    TEXT NOT NULL,
  request     TEXT NOT NULL,
  vector      BLOB,
  rules       TEXT NOT NULL,
  recovered   INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX IF NOT EXISTS decisions_ts ON decisions (ts);
`;

type Row = { decision: string; request: string; vector: Buffer | null; rules: string; recovered: number };

export class SqliteDecisionStore implements DecisionStore {
  private readonly db: SqliteDatabase;
  private readonly insert: Statement;
  private readonly writes: GroupCommit<StoredDecision, void>;

  constructor(path: string, durability: Durability = 'fsync') {
    this.db = openSqlite(path, durability, { pageSize: 16_384 });
    this.db.exec(SCHEMA);
    this.insert = this.db.prepare(
      'INSERT INTO decisions (seq, decision_id, event_id, ts, action, decision, request, vector, rules, recovered) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(seq) DO NOTHING',
    );
    const writeMany = this.db.transaction((items: StoredDecision[]) => {
      for (const s of items) {
        const d = s.decision;
        this.insert.run(d.seq, d.decision_id, d.event_id, d.ts, d.action, JSON.stringify(d), JSON.stringify(s.request), s.vector ? Buffer.from(s.vector.buffer, s.vector.byteOffset, s.vector.byteLength) : null, JSON.stringify(s.ruleVersions), s.recovered ? 1 : 0);
      }
    });
    this.writes = new GroupCommit<StoredDecision, void>((items) => {
      writeMany(items);
      return items.map(() => undefined);
    });
  }

  write(decision: StoredDecision): Promise<void> {
    return this.writes.submit(decision);
  }

  async get(decisionId: string): Promise<StoredDecision | undefined> {
    this.writes.flush();
    const row = this.db.prepare('SELECT decision, request, vector, rules, recovered FROM decisions WHERE decision_id = ?').get(decisionId) as Row | undefined;
    return row && toStored(row);
  }

  async getByEvent(eventId: string): Promise<StoredDecision | undefined> {
    this.writes.flush();
    const row = this.db.prepare('SELECT decision, request, vector, rules, recovered FROM decisions WHERE event_id = ?').get(eventId) as Row | undefined;
    return row && toStored(row);
  }

  async list(query: DecisionQuery): Promise<StoredDecision[]> {
    this.writes.flush();
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
    const rows = this.db.prepare(`SELECT decision, request, vector, rules, recovered FROM decisions WHERE ${where.join(' AND ')} ORDER BY seq LIMIT ?`).all(...args) as Row[];
    return rows.map(toStored);
  }

  async count(): Promise<number> {
    this.writes.flush();
    return (this.db.prepare('SELECT COUNT(*) AS n FROM decisions').get() as { n: number }).n;
  }

  async lastSeq(): Promise<number> {
    this.writes.flush();
    return (this.db.prepare('SELECT COALESCE(MAX(seq), 0) AS s FROM decisions').get() as { s: number }).s;
  }

  async close(): Promise<void> {
    this.writes.flush();
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
  if (row.recovered) stored.recovered = true;
  return stored;
}
