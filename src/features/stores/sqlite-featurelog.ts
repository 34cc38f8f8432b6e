import type { Statement } from 'better-sqlite3';
import { SqliteWriter } from '../../lib/sqlite-writer.js';
import { openSqlite, type Durability, type SqliteDatabase } from '../../lib/sqlite.js';
import type { FeatureLogStore, LoggedVector } from '../featurelog.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS feature_log (
  seq      INTEGER PRIMARY KEY,
  event_id TEXT NOT NULL,
  version  TEXT NOT NULL,
  vector   BLOB NOT NULL
) STRICT;
-- Vectors are found by seq; an index over event ids cost a random page write per served vector.
DROP INDEX IF EXISTS feature_log_event;
`;

type Row = { seq: number; event_id: string; version: string; vector: Buffer };

export class SqliteFeatureLog implements FeatureLogStore {
  private readonly db: SqliteDatabase;
  private readonly writer: SqliteWriter;
  private readonly bySeq: Statement;
  private readonly rangeQuery: Statement<[number, number]>;
  private readonly seqsQuery: Statement<[number, number]>;
  /** Writes are not awaited by the serving path; reads wait for the ones already submitted. */
  private settled: Promise<unknown> = Promise.resolve();

  constructor(path: string, durability: Durability = 'fsync') {
    this.db = openSqlite(path, durability);
    this.db.exec(SCHEMA);
    this.writer = new SqliteWriter(path, durability);
    this.bySeq = this.db.prepare('SELECT * FROM feature_log WHERE seq = ?');
    this.rangeQuery = this.db.prepare('SELECT * FROM feature_log WHERE seq >= ? AND seq <= ? ORDER BY seq');
    this.seqsQuery = this.db.prepare('SELECT seq FROM feature_log WHERE seq >= ? AND seq <= ? ORDER BY seq').pluck();
  }

  async write(rows: readonly LoggedVector[]): Promise<void> {
    if (rows.length === 0) return;
    const write = this.writer.run({
      sql: 'INSERT OR REPLACE INTO feature_log (seq, event_id, version, vector) VALUES (?, ?, ?, ?)',
      rows: rows.map((r) => [r.seq, r.eventId, r.featureSetVersion, Buffer.from(r.vector.buffer, r.vector.byteOffset, r.vector.byteLength)]),
    });
    this.settled = write.catch(() => undefined);
    await write;
  }

  async get(seq: number): Promise<LoggedVector | undefined> {
    await this.settled;
    const row = this.bySeq.get(seq) as Row | undefined;
    return row && toVector(row);
  }

  async range(fromSeq: number, toSeq: number): Promise<LoggedVector[]> {
    await this.settled;
    return (this.rangeQuery.all(fromSeq, toSeq) as Row[]).map(toVector);
  }

  async seqs(fromSeq: number, toSeq: number): Promise<number[]> {
    await this.settled;
    return this.seqsQuery.all(fromSeq, toSeq) as number[];
  }

  async count(featureSetVersion?: string): Promise<number> {
    await this.settled;
    const row = featureSetVersion
      ? this.db.prepare('SELECT COUNT(*) AS n FROM feature_log WHERE version = ?').get(featureSetVersion)
      : this.db.prepare('SELECT COUNT(*) AS n FROM feature_log').get();
    return (row as { n: number }).n;
  }

  async close(): Promise<void> {
    await this.writer.close();
    if (this.db.open) this.db.close();
  }
}

function toVector(row: Row): LoggedVector {
  const copy = new Float64Array(row.vector.byteLength / 8);
  new Uint8Array(copy.buffer).set(row.vector);
  return { seq: row.seq, eventId: row.event_id, featureSetVersion: row.version, vector: copy };
}
