import type { SqliteDatabase } from '../../lib/sqlite.js';
import type { SqliteWriter } from '../../lib/sqlite-writer.js';
import { entryHash, GENESIS, verifyChain, type AuditEntry, type AuditInput, type AuditLog, type VerifyResult } from '../audit.js';

type Row = { seq: number; at: number; actor: string; action: string; subject: string; details: string; prev_hash: string; hash: string };

const INSERT = 'INSERT INTO audit_log (seq, at, actor, action, subject, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)';

/**
 * The audit trail in the embedded database. The chain is computed here, in order; rows are written
 * through a SqliteWriter (group commit) when one is given — decisions are audited too, so appends
 * must not cost a commit each — or synchronously otherwise.
 */
export class SqliteAuditLog implements AuditLog {
  private last: { seq: number; hash: string };
  private settled: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => number = Date.now,
    private readonly writer?: SqliteWriter,
  ) {
    db.exec(`CREATE TABLE IF NOT EXISTS audit_log (
      seq INTEGER PRIMARY KEY,
      at INTEGER NOT NULL,
      actor TEXT NOT NULL,
      action TEXT NOT NULL,
      subject TEXT NOT NULL,
      details TEXT NOT NULL,
      prev_hash TEXT NOT NULL,
      hash TEXT NOT NULL
    ) STRICT`);
    const tail = db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined;
    this.last = tail ?? { seq: 0, hash: GENESIS };
  }

  append(input: AuditInput): Promise<AuditEntry> {
    const entry = { seq: this.last.seq + 1, at: input.at ?? this.now(), actor: input.actor, action: input.action, subject: input.subject, details: input.details ?? {} };
    const hash = entryHash(this.last.hash, entry);
    const row = [entry.seq, entry.at, entry.actor, entry.action, entry.subject, JSON.stringify(entry.details), this.last.hash, hash];
    const stored = { ...entry, prevHash: this.last.hash, hash };
    this.last = { seq: entry.seq, hash };
    if (!this.writer) {
      this.db.prepare(INSERT).run(...row);
      return Promise.resolve(stored);
    }
    const write = this.writer.run({ sql: INSERT, rows: [row] }).then(() => stored);
    this.settled = write.catch(() => undefined);
    return write;
  }

  async list(options: { limit?: number; beforeSeq?: number; action?: string; subject?: string } = {}): Promise<AuditEntry[]> {
    await this.settled;
    const where = ['seq < ?'];
    const args: unknown[] = [options.beforeSeq ?? Number.MAX_SAFE_INTEGER];
    if (options.action) {
      where.push('action = ?');
      args.push(options.action);
    }
    if (options.subject) {
      where.push('subject = ?');
      args.push(options.subject);
    }
    args.push(options.limit ?? 100);
    return (this.db.prepare(`SELECT * FROM audit_log WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT ?`).all(...args) as Row[]).map(toEntry);
  }

  async verify(): Promise<VerifyResult> {
    await this.settled;
    const rows = this.db.prepare('SELECT * FROM audit_log ORDER BY rowid').iterate() as IterableIterator<Row>;
    return verifyChain((function* () {
      for (const row of rows) yield toEntry(row);
    })());
  }
}

function toEntry(row: Row): AuditEntry {
  return { seq: row.seq, at: row.at, actor: row.actor, action: row.action, subject: row.subject, details: JSON.parse(row.details) as Record<string, unknown>, prevHash: row.prev_hash, hash: row.hash };
}
