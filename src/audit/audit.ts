// The audit trail: an append-only, hash-chained log of who changed what — decisions, rule and list
// changes, model promotions and rollbacks, kill-switch and policy changes, reviewer actions. Each entry
// carries the hash of the one before it, so an altered, removed or reordered entry breaks the chain.
import { createHash } from 'node:crypto';
import { canonicalJson } from '../lib/canonical-json.js';

export interface AuditEntry {
  seq: number;
  /** Epoch ms. */
  at: number;
  actor: string;
  /** What happened, e.g. `model.promote`, `rule.update`, `case.decide`, `decision`. */
  action: string;
  /** What it happened to: a model id, a rule id, a case id, a decision id… */
  subject: string;
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export type AuditInput = Pick<AuditEntry, 'actor' | 'action' | 'subject'> & { details?: Record<string, unknown>; at?: number };

export const GENESIS = '0'.repeat(64);

export function entryHash(prevHash: string, entry: Pick<AuditEntry, 'seq' | 'at' | 'actor' | 'action' | 'subject' | 'details'>): string {
  return createHash('sha256')
    .update(prevHash)
    .update(canonicalJson({ seq: entry.seq, at: entry.at, actor: entry.actor, action: entry.action, subject: entry.subject, details: entry.details }))
    .digest('hex');
}

export interface VerifyResult {
  ok: boolean;
  entries: number;
  /** The first problems found, each naming the entry. */
  problems: string[];
  /**
   * The newest entry. A chain cannot tell that its newest entries were cut off: record the head
   * somewhere else and pass it back as the anchor of a later check.
   */
  head: { seq: number; hash: string } | null;
}

/**
 * Walk the chain in stored order; every entry must follow the previous one and hash to itself, and
 * the chain must still hold `anchor` (a head recorded earlier) — which catches newest entries removed.
 * `storedProblem` lets a store report what the hash cannot see: stored text that parses to the hashed
 * content but is not what was written (a duplicate key that other readers take the other way).
 */
export function verifyChain(entries: Iterable<AuditEntry>, anchor?: { seq: number; hash: string }, storedProblem?: (entry: AuditEntry) => string | undefined): VerifyResult {
  const problems: string[] = [];
  let prev = GENESIS;
  let expectedSeq = 1;
  let count = 0;
  let head: VerifyResult['head'] = null;
  let anchorFound = false;
  for (const e of entries) {
    count++;
    if (e.seq !== expectedSeq) problems.push(`entry ${e.seq}: expected entry ${expectedSeq} here (an entry was removed or the order changed)`);
    if (e.prevHash !== prev) problems.push(`entry ${e.seq}: does not follow the entry before it (prev hash mismatch)`);
    if (entryHash(e.prevHash, e) !== e.hash) problems.push(`entry ${e.seq}: its content does not match its hash (altered)`);
    const stored = storedProblem?.(e);
    if (stored !== undefined) problems.push(`entry ${e.seq}: ${stored}`);
    if (anchor && e.seq === anchor.seq) {
      anchorFound = true;
      if (e.hash !== anchor.hash) problems.push(`entry ${e.seq}: is not the entry recorded as the anchor (its hash differs)`);
    }
    prev = e.hash;
    head = { seq: e.seq, hash: e.hash };
    expectedSeq = e.seq + 1;
    if (problems.length >= 20) break;
  }
  if (anchor && !anchorFound && problems.length < 20) problems.push(`entry ${anchor.seq}: the anchor is missing (the newest entries were removed)`);
  return { ok: problems.length === 0, entries: count, problems, head };
}

export interface AuditLog {
  /** Resolves once the entry is committed; the chain itself is extended at once, in call order. */
  append(input: AuditInput): Promise<AuditEntry>;
  list(options?: { limit?: number; beforeSeq?: number; action?: string; subject?: string }): Promise<AuditEntry[]>;
  /** Check the chain; `anchor` is a head recorded earlier, which must still be in it. */
  verify(anchor?: { seq: number; hash: string }): Promise<VerifyResult>;
}
