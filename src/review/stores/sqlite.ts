import { randomBytes } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from '../../lib/sqlite.js';
import { CaseConflictError, CaseNotFoundError, caseIdFor, DEFAULT_QUEUE_POLICY, priorityOf, type CaseHistoryEntry, type QueuePolicy, type ReviewCase, type Verdict } from '../case.js';
import type { CaseQuery, CaseStore, OpenCaseInput, QueueStats } from '../store.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS cases (
  id               TEXT PRIMARY KEY,
  decision_id      TEXT NOT NULL UNIQUE,
  event_id         TEXT NOT NULL,
  user             TEXT,
  amount           REAL,
  currency         TEXT,
  score            REAL,
  priority         REAL NOT NULL,
  status           TEXT NOT NULL,
  opened_at        INTEGER NOT NULL,
  sla_due_at       INTEGER NOT NULL,
  reasons          TEXT NOT NULL,
  claimed_by       TEXT,
  lease_id         TEXT,
  lease_expires_at INTEGER,
  verdict          TEXT,
  note             TEXT,
  decided_at       INTEGER,
  decided_by       TEXT,
  label_event_id   TEXT
) STRICT;
CREATE INDEX IF NOT EXISTS cases_queue ON cases (status, priority DESC);
CREATE INDEX IF NOT EXISTS cases_sla ON cases (status, sla_due_at);
CREATE TABLE IF NOT EXISTS case_history (
  case_id TEXT NOT NULL,
  at      INTEGER NOT NULL,
  actor   TEXT NOT NULL,
  action  TEXT NOT NULL,
  note    TEXT
) STRICT;
CREATE INDEX IF NOT EXISTS case_history_case ON case_history (case_id, at);
`;

type Row = {
  id: string;
  decision_id: string;
  event_id: string;
  user: string | null;
  amount: number | null;
  currency: string | null;
  score: number | null;
  priority: number;
  status: ReviewCase['status'];
  opened_at: number;
  sla_due_at: number;
  reasons: string;
  claimed_by: string | null;
  lease_id: string | null;
  lease_expires_at: number | null;
  verdict: Verdict | null;
  note: string | null;
  decided_at: number | null;
  decided_by: string | null;
  label_event_id: string | null;
};

export class SqliteCaseStore implements CaseStore {
  // Statements are prepared once per distinct SQL text (cases open on the decision path).
  private readonly statements = new Map<string, Statement>();
  private pendingOpens: Array<{ input: OpenCaseInput; resolve: () => void; reject: (error: Error) => void }> = [];

  constructor(
    private readonly db: SqliteDatabase,
    private readonly policy: QueuePolicy = DEFAULT_QUEUE_POLICY,
  ) {
    db.exec(SCHEMA);
  }

  private statement(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (!statement) this.statements.set(sql, (statement = this.db.prepare(sql)));
    return statement;
  }

  open(input: OpenCaseInput): ReviewCase {
    this.openAll([input]);
    return this.mustGet(caseIdFor(input.decisionSeq));
  }

  /**
   * Open a case in the next group commit: the cases opened by the decisions of one event-loop turn share
   * one transaction, so a busy decision path does not pay a commit per review. Resolves once committed.
   */
  openSoon(input: OpenCaseInput): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pendingOpens.push({ input, resolve, reject });
      if (this.pendingOpens.length === 1) setImmediate(() => this.flushOpens());
    });
  }

  private flushOpens(): void {
    const batch = this.pendingOpens;
    this.pendingOpens = [];
    try {
      this.openAll(batch.map((p) => p.input));
    } catch (error) {
      for (const p of batch) p.reject(error as Error);
      return;
    }
    for (const p of batch) p.resolve();
  }

  private readonly openAll = (inputs: readonly OpenCaseInput[]): void =>
    this.db.transaction(() => {
      const insert = this.statement(
        `INSERT INTO cases (id, decision_id, event_id, user, amount, currency, score, priority, status, opened_at, sla_due_at, reasons)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?) ON CONFLICT(decision_id) DO NOTHING`,
      );
      for (const input of inputs) {
        const id = caseIdFor(input.decisionSeq);
        const priority = priorityOf(input.score, input.amount);
        const result = insert.run(id, input.decisionId, input.eventId, input.user, input.amount, input.currency, input.score, priority, input.openedAt, input.openedAt + this.policy.slaMs(priority), JSON.stringify(input.reasons));
        if (result.changes === 1) this.record(id, input.openedAt, 'riskgate', 'opened', null);
      }
    }).immediate();

  get(id: string): ReviewCase | undefined {
    const row = this.statement('SELECT * FROM cases WHERE id = ?').get(id) as Row | undefined;
    return row && toCase(row);
  }

  list(query: CaseQuery, now: number): { cases: ReviewCase[]; total: number } {
    const where: string[] = [];
    const args: unknown[] = [];
    switch (query.status ?? 'open') {
      case 'open':
        where.push("status = 'open' AND (lease_expires_at IS NULL OR lease_expires_at <= ?)");
        args.push(now);
        break;
      case 'claimed':
        where.push("status != 'decided' AND lease_expires_at > ?");
        args.push(now);
        break;
      case 'escalated':
        // Waiting for a senior reviewer; once claimed it is listed (and counted) as claimed, `escalated` still set.
        where.push("status = 'escalated' AND (lease_expires_at IS NULL OR lease_expires_at <= ?)");
        args.push(now);
        break;
      case 'decided':
        where.push("status = 'decided'");
        break;
      case 'all':
        break;
    }
    if (query.q) {
      where.push('(user = ? OR event_id = ? OR id = ? OR decision_id = ?)');
      args.push(query.q, query.q, query.q, query.q);
    }
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const order = query.sort === 'sla' ? 'sla_due_at ASC, priority DESC' : 'priority DESC, sla_due_at ASC';
    const total = (this.statement(`SELECT COUNT(*) AS n FROM cases ${clause}`).get(...args) as { n: number }).n;
    const rows = this.statement(`SELECT * FROM cases ${clause} ORDER BY ${order}, id LIMIT ? OFFSET ?`).all(...args, query.limit ?? 50, query.offset ?? 0) as Row[];
    return { cases: rows.map(toCase), total };
  }

  claim(id: string, reviewer: string, now: number): { case: ReviewCase; leaseId: string; expiresAt: number } {
    const leaseId = randomBytes(12).toString('base64url');
    const expiresAt = now + this.policy.leaseMs;
    const claimed = this.db.transaction(() => {
      // A claim succeeds only on an undecided case that nobody holds — or that this reviewer holds
      // already: that renews the lease under the same id, so a claim retried after its answer was lost,
      // or made again from a second tab, leaves the first answer's lease usable.
      const result = this.statement(
          `UPDATE cases SET lease_id = CASE WHEN claimed_by = ? AND lease_expires_at > ? THEN lease_id ELSE ? END, claimed_by = ?, lease_expires_at = ?
           WHERE id = ? AND status != 'decided' AND (lease_expires_at IS NULL OR lease_expires_at <= ? OR claimed_by = ?)`,
        )
        .run(reviewer, now, leaseId, reviewer, expiresAt, id, now, reviewer);
      if (result.changes === 1) this.record(id, now, reviewer, 'claimed', null);
      return result.changes === 1;
    }).immediate();
    if (!claimed) {
      const current = this.get(id);
      if (!current) throw new CaseNotFoundError(`there is no case "${id}"`);
      if (current.status === 'decided') throw new CaseConflictError(`case ${id} is already decided (${current.verdict} by ${current.decidedBy})`);
      throw new CaseConflictError(`case ${id} is claimed by ${current.claimedBy} until ${new Date(current.leaseExpiresAt!).toISOString()}`);
    }
    const claimedCase = this.mustGet(id);
    return { case: claimedCase, leaseId: claimedCase.leaseId!, expiresAt };
  }

  release(id: string, leaseId: string, reviewer: string, now: number): ReviewCase {
    this.underLease(id, leaseId, reviewer, now, () =>
      this.statement('UPDATE cases SET claimed_by = NULL, lease_id = NULL, lease_expires_at = NULL WHERE id = ? AND lease_id = ? AND claimed_by = ? AND lease_expires_at > ?').run(id, leaseId, reviewer, now),
    );
    this.record(id, now, reviewer, 'released', null);
    return this.mustGet(id);
  }

  /**
   * Hand back every case `reviewer` holds (their key was revoked: the cases would otherwise stay claimed
   * until their leases ran out). Returns the ids released.
   */
  releaseHeldBy(reviewer: string, actor: string, now: number): string[] {
    return this.db.transaction(() => {
      const held = this.statement("SELECT id FROM cases WHERE claimed_by = ? AND status != 'decided' AND lease_expires_at > ?").pluck().all(reviewer, now) as string[];
      for (const id of held) {
        this.statement('UPDATE cases SET claimed_by = NULL, lease_id = NULL, lease_expires_at = NULL WHERE id = ?').run(id);
        this.record(id, now, actor, 'released', `the lease of ${reviewer}, whose key was revoked`);
      }
      return held;
    }).immediate();
  }

  decide(id: string, leaseId: string, verdict: Verdict, note: string | null, reviewer: string, labelEventId: string, now: number): ReviewCase {
    this.db.transaction(() => {
      this.underLease(id, leaseId, reviewer, now, () =>
        this.statement(
            `UPDATE cases SET status = 'decided', verdict = ?, note = ?, decided_at = ?, decided_by = ?, label_event_id = ?, lease_id = NULL, lease_expires_at = NULL
             WHERE id = ? AND status != 'decided' AND lease_id = ? AND claimed_by = ? AND lease_expires_at > ?`,
          )
          .run(verdict, note, now, reviewer, labelEventId, id, leaseId, reviewer, now),
      );
      this.record(id, now, reviewer, 'decided', note ? `${verdict}: ${note}` : verdict);
    }).immediate();
    return this.mustGet(id);
  }

  escalate(id: string, leaseId: string, note: string | null, reviewer: string, now: number): ReviewCase {
    this.db.transaction(() => {
      this.underLease(id, leaseId, reviewer, now, () =>
        this.statement(
            `UPDATE cases SET status = 'escalated', note = ?, claimed_by = NULL, lease_id = NULL, lease_expires_at = NULL
             WHERE id = ? AND status != 'decided' AND lease_id = ? AND claimed_by = ? AND lease_expires_at > ?`,
          )
          .run(note, id, leaseId, reviewer, now),
      );
      this.record(id, now, reviewer, 'escalated', note);
    }).immediate();
    return this.mustGet(id);
  }

  recentlyDecided(limit: number): ReviewCase[] {
    return (this.statement("SELECT * FROM cases WHERE status = 'decided' ORDER BY decided_at DESC, id DESC LIMIT ?").all(limit) as Row[]).map(toCase);
  }

  history(id: string): CaseHistoryEntry[] {
    return this.statement('SELECT at, actor, action, note FROM case_history WHERE case_id = ? ORDER BY at, rowid').all(id) as CaseHistoryEntry[];
  }

  stats(now: number, dayStart: number): QueueStats {
    const count = (sql: string, ...args: unknown[]) => (this.statement(`SELECT COUNT(*) AS n FROM cases WHERE ${sql}`).get(...args) as { n: number }).n;
    return {
      // One count per case, as the case list shows it: a claimed case is claimed, escalated or not.
      open: count("status = 'open' AND (lease_expires_at IS NULL OR lease_expires_at <= ?)", now),
      claimed: count("status != 'decided' AND lease_expires_at > ?", now),
      escalated: count("status = 'escalated' AND (lease_expires_at IS NULL OR lease_expires_at <= ?)", now),
      decidedToday: count("status = 'decided' AND decided_at >= ?", dayStart),
      slaBreached: count("(decided_at IS NULL AND sla_due_at < ?) OR (decided_at IS NOT NULL AND decided_at > sla_due_at AND decided_at >= ?)", now, dayStart),
      openedToday: count('opened_at >= ?', dayStart),
    };
  }

  /** Run a conditional update that needs the caller's own live lease; explain why it did not apply. */
  private underLease(id: string, leaseId: string, reviewer: string, now: number, update: () => { changes: number }): void {
    if (update().changes === 1) return;
    const current = this.get(id);
    if (!current) throw new CaseNotFoundError(`there is no case "${id}"`);
    if (current.status === 'decided') throw new CaseConflictError(`case ${id} is already decided (${current.verdict} by ${current.decidedBy})`);
    if (current.leaseId !== leaseId) throw new CaseConflictError(`case ${id}: that lease is not the current one (claimed by ${current.claimedBy ?? 'nobody'}); claim it first`);
    // A lease is its reviewer's: another key that learnt its id (a shared browser tab) cannot act on it.
    if (current.claimedBy !== reviewer) throw new CaseConflictError(`case ${id} is held by ${current.claimedBy ?? 'nobody'}, not by ${reviewer}; claim it first`);
    throw new CaseConflictError(`case ${id}: the lease expired at ${new Date(current.leaseExpiresAt ?? now).toISOString()}; claim it again`);
  }

  private record(id: string, at: number, actor: string, action: CaseHistoryEntry['action'], note: string | null): void {
    this.statement('INSERT INTO case_history (case_id, at, actor, action, note) VALUES (?, ?, ?, ?, ?)').run(id, at, actor, action, note);
  }

  private mustGet(id: string): ReviewCase {
    const c = this.get(id);
    if (!c) throw new CaseNotFoundError(`there is no case "${id}"`);
    return c;
  }
}

function toCase(row: Row): ReviewCase {
  return {
    id: row.id,
    decisionId: row.decision_id,
    eventId: row.event_id,
    user: row.user,
    amount: row.amount,
    currency: row.currency,
    score: row.score,
    priority: row.priority,
    status: row.status,
    openedAt: row.opened_at,
    slaDueAt: row.sla_due_at,
    reasons: JSON.parse(row.reasons) as string[],
    claimedBy: row.claimed_by,
    leaseId: row.lease_id,
    leaseExpiresAt: row.lease_expires_at,
    verdict: row.verdict,
    note: row.note,
    decidedAt: row.decided_at,
    decidedBy: row.decided_by,
    labelEventId: row.label_event_id,
  };
}
