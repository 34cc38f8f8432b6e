import type { SqliteDatabase } from '../../lib/sqlite.js';
import type { SqliteWriter } from '../../lib/sqlite-writer.js';
import { entryHash, GENESIS, verifyChain, type AuditEntry, type AuditInput, type AuditLog, type VerifyResult } from '../audit.js';

type Row = { seq: number; at: number; actor: string; action: string; subject: string; details: string; prev_hash: string; hash: string };

// Inserted only if the stored chain still ends where this process believes it does: another process
// (the CLI beside a running server) may have appended meanwhile, and then nothing is written, no error
// is raised (other writes in the same group commit go through), and the entry is chained again.
const INSERT_ON_TAIL = `INSERT INTO audit_log (seq, at, actor, action, subject, details, prev_hash, hash)
  SELECT ?, ?, ?, ?, ?, ?, ?, ? WHERE COALESCE((SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1), '${GENESIS}') = ?`;
const TAIL = 'SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1';

type Content = Pick<AuditEntry, 'at' | 'actor' | 'action' | 'subject' | 'details'>;

/**
 * The audit trail in the embedded database. Rows are written through a SqliteWriter (group commit)
 * when one is given — decisions are audited too, so appends must not cost a commit each — or
 * synchronously otherwise. Each process chains its entries onto the tail it knows, in call order, and
 * each insert checks that the stored chain still ends there; when another process got there first, the
 * tail is read again and the entry (and those chained after it) are chained onto it.
 */
export class SqliteAuditLog implements AuditLog {
  private last: { seq: number; hash: string };
  /** Bumped each time the tail is read again: entries chained before a re-read do not read it again. */
  private generation = 0;
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
    this.last = this.storedTail();
  }

  append(input: AuditInput): Promise<AuditEntry> {
    const content: Content = { at: input.at ?? this.now(), actor: input.actor, action: input.action, subject: input.subject, details: input.details ?? {} };
    if (!this.writer) {
      for (;;) {
        const { entry, row } = this.chain(content);
        if (this.db.prepare(INSERT_ON_TAIL).run(...row).changes === 1) return Promise.resolve(entry);
        this.rereadTail(this.generation);
      }
    }
    const write = this.writeThroughWriter(content, this.writer);
    this.settled = write.catch(() => undefined);
    return write;
  }

  private async writeThroughWriter(content: Content, writer: SqliteWriter): Promise<AuditEntry> {
    for (;;) {
      const generation = this.generation;
      const { entry, row } = this.chain(content);
      const [result] = await writer.run({ sql: INSERT_ON_TAIL, rows: [row] });
      if (result!.changes === 1) return entry;
      this.rereadTail(generation);
    }
  }

  /** The entry chained onto the tail this process knows, which it then becomes. */
  private chain(content: Content): { entry: AuditEntry; row: unknown[] } {
    const prev = this.last;
    const entry = { seq: prev.seq + 1, ...content };
    const hash = entryHash(prev.hash, entry);
    this.last = { seq: entry.seq, hash };
    return {
      entry: { ...entry, prevHash: prev.hash, hash },
      row: [entry.seq, entry.at, entry.actor, entry.action, entry.subject, JSON.stringify(entry.details), prev.hash, hash, prev.hash],
    };
  }

  /** Another process appended: continue from the stored tail (once per failed round, not per entry). */
  private rereadTail(chainedIn: number): void {
    if (chainedIn !== this.generation) return;
    this.generation++;
    this.last = this.storedTail();
  }

  private storedTail(): { seq: number; hash: string } {
    return (this.db.prepare(TAIL).get() as { seq: number; hash: string } | undefined) ?? { seq: 0, hash: GENESIS };
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

  async verify(anchor?: { seq: number; hash: string }): Promise<VerifyResult> {
    await this.settled;
    const rows = this.db.prepare('SELECT * FROM audit_log ORDER BY rowid').iterate() as IterableIterator<Row>;
    // The hash covers the parsed details; the stored text must also be exactly what was written
    // (JSON.stringify of them), or an edit such as a second, contradicting key would pass unseen.
    let notAsWritten: AuditEntry | undefined;
    return verifyChain(
      (function* () {
        for (const row of rows) {
          const entry = toEntry(row);
          if (JSON.stringify(entry.details) !== row.details) notAsWritten = entry;
          yield entry;
        }
      })(),
      anchor,
      (entry) => (entry === notAsWritten ? 'its stored details are not the text that was written (edited in the database: a repeated key, changed spacing)' : undefined),
    );
  }
}

function toEntry(row: Row): AuditEntry {
  return { seq: row.seq, at: row.at, actor: row.actor, action: row.action, subject: row.subject, details: JSON.parse(row.details) as Record<string, unknown>, prevHash: row.prev_hash, hash: row.hash };
}
