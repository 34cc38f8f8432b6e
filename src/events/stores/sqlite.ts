// Embedded event log on SQLite (WAL). The log sequence number is SQLite's rowid: assigned at append,
// strictly increasing, never reused (nothing is ever deleted). Appends are committed by a writer thread
// (SqliteWriter): appends that arrive while a commit is under way share the next one (group commit),
// and every promise resolves only after its commit. Reads use this thread's own connection.
import type { Statement } from 'better-sqlite3';
import { canonicalJson } from '../../lib/canonical-json.js';
import { SqliteWriter } from '../../lib/sqlite-writer.js';
import { openSqlite, type Durability, type SqliteDatabase } from '../../lib/sqlite.js';
import type { AppendResult, EventLog, ReadRange } from '../log.js';
import type { LoggedEvent, RiskEvent } from '../schema.js';

// type and ts are virtual columns computed from the body when queried, so appends write only the
// id (for idempotency) and the body.
const INSERT = 'INSERT INTO events (id, body) VALUES (?, ?) ON CONFLICT(id) DO NOTHING';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  seq  INTEGER PRIMARY KEY,
  id   TEXT NOT NULL UNIQUE,
  body TEXT NOT NULL,
  type TEXT GENERATED ALWAYS AS (body ->> '$.type') VIRTUAL,
  ts   INTEGER GENERATED ALWAYS AS (body ->> '$.ts') VIRTUAL
) STRICT;
-- Partial indexes for the review console: labels, and a user's messages. Only those rows are indexed.
CREATE INDEX IF NOT EXISTS events_labels ON events (seq) WHERE (body ->> '$.type') IN ('chargeback', 'reviewer_verdict', 'ato_report');
CREATE INDEX IF NOT EXISTS events_messages ON events ((body ->> '$.entities.user'), seq) WHERE (body ->> '$.type') = 'message_sent';
`;

export interface SqliteEventLogOptions {
  durability?: Durability;
}

export class SqliteEventLog implements EventLog {
  private readonly db: SqliteDatabase;
  private readonly byId: Statement<[string], { seq: number; body: string }>;
  private readonly maxSeq: Statement;
  private readonly page: Statement<[number, number, number], [number, string]>;
  private readonly writer: SqliteWriter;
  private closed = false;

  constructor(path: string, options: SqliteEventLogOptions = {}) {
    this.db = openSqlite(path, options.durability, { pageSize: 16_384 });
    this.db.exec(SCHEMA);
    this.byId = this.db.prepare('SELECT seq, body FROM events WHERE id = ?');
    this.maxSeq = this.db.prepare('SELECT COALESCE(MAX(seq), 0) AS s FROM events');
    this.page = this.db.prepare<[number, number, number], [number, string]>(
      'SELECT seq, body FROM events WHERE seq >= ? AND seq <= ? ORDER BY seq LIMIT ?',
    ).raw(true) as unknown as Statement<[number, number, number], [number, string]>;
    this.writer = new SqliteWriter(path, options.durability);
  }

  async append(event: RiskEvent): Promise<AppendResult> {
    return (await this.appendBatch([event]))[0]!;
  }

  async appendBatch(events: readonly RiskEvent[]): Promise<AppendResult[]> {
    this.assertOpen();
    if (events.length === 0) return [];
    const bodies = events.map((e) => JSON.stringify(e));
    const results = await this.writer.run({ sql: INSERT, rows: events.map((e, i) => [e.id, bodies[i]]) });
    return results.map((r, i) => {
      const event = events[i]!;
      if (r.changes === 1) return { id: event.id, seq: r.lastInsertRowid, status: 'appended' };
      // A duplicate id: the stored event wins; say whether the retry carried something else.
      const stored = this.byId.get(event.id)!;
      const conflict = canonicalJson(JSON.parse(stored.body)) !== canonicalJson(event);
      return conflict ? { id: event.id, seq: stored.seq, status: 'duplicate', conflict: true } : { id: event.id, seq: stored.seq, status: 'duplicate' };
    });
  }

  async read(range: ReadRange & { limit?: number }): Promise<LoggedEvent[]> {
    const rows = this.page.all(range.fromSeq ?? 1, range.toSeq ?? Number.MAX_SAFE_INTEGER, range.limit ?? -1);
    return rows.map(toLogged);
  }

  async *stream(range: ReadRange & { batchSize?: number } = {}): AsyncIterable<LoggedEvent[]> {
    const batchSize = range.batchSize ?? 10_000;
    const toSeq = range.toSeq ?? Number.MAX_SAFE_INTEGER;
    let from = range.fromSeq ?? 1;
    for (;;) {
      this.assertOpen();
      const rows = this.page.all(from, toSeq, batchSize);
      if (rows.length === 0) return;
      yield rows.map(toLogged);
      from = rows[rows.length - 1]![0] + 1;
      if (rows.length < batchSize) return;
    }
  }

  async get(id: string): Promise<LoggedEvent | undefined> {
    const row = this.byId.get(id);
    return row ? { seq: row.seq, event: JSON.parse(row.body) as RiskEvent } : undefined;
  }

  /** The newest label events (chargebacks, verdicts, ATO reports), newest first. */
  async recentLabels(limit: number): Promise<LoggedEvent[]> {
    const rows = this.db
      .prepare("SELECT seq, body FROM events WHERE (body ->> '$.type') IN ('chargeback', 'reviewer_verdict', 'ato_report') ORDER BY seq DESC LIMIT ?")
      .raw(true)
      .all(limit) as Array<[number, string]>;
    return rows.map(toLogged);
  }

  /** A user's newest messages, newest first. */
  async recentMessages(user: string, limit: number): Promise<LoggedEvent[]> {
    const rows = this.db
      .prepare("SELECT seq, body FROM events WHERE (body ->> '$.type') = 'message_sent' AND (body ->> '$.entities.user') = ? ORDER BY seq DESC LIMIT ?")
      .raw(true)
      .all(user, limit) as Array<[number, string]>;
    return rows.map(toLogged);
  }

  async lastSeq(): Promise<number> {
    return (this.maxSeq.get() as { s: number }).s;
  }

  async count(): Promise<number> {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM events').get() as { n: number }).n;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writer.close();
    this.db.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('event log is closed');
  }
}

function toLogged(row: [number, string]): LoggedEvent {
  return { seq: row[0], event: JSON.parse(row[1]) as RiskEvent };
}
