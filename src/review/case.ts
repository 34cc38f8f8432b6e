// A review case: a decision that asked for a human. It is worked from a queue ordered by expected loss,
// claimed under a lease (a claim that lapses returns the case to the queue), and closed by exactly one
// verdict, which becomes a label event.

export type CaseStatus = 'open' | 'escalated' | 'decided';
export type Verdict = 'fraud' | 'legit';

export interface ReviewCase {
  id: string;
  decisionId: string;
  eventId: string;
  user: string | null;
  amount: number | null;
  currency: string | null;
  /** Calibrated probability from the deciding model (null for a rules-only decision). */
  score: number | null;
  /** Expected loss: probability × amount. The queue is worked highest first. */
  priority: number;
  status: CaseStatus;
  openedAt: number;
  slaDueAt: number;
  /** Reason texts of the decision, for the queue view. */
  reasons: string[];
  claimedBy: string | null;
  leaseId: string | null;
  leaseExpiresAt: number | null;
  verdict: Verdict | null;
  note: string | null;
  decidedAt: number | null;
  decidedBy: string | null;
  labelEventId: string | null;
}

export interface CaseHistoryEntry {
  at: number;
  actor: string;
  action: 'opened' | 'claimed' | 'released' | 'escalated' | 'decided';
  note: string | null;
}

export interface QueuePolicy {
  /** How long a claim lasts before the case returns to the queue. */
  leaseMs: number;
  /** Time to a verdict, by priority: cases worth more get less time. */
  slaMs(priority: number): number;
}

const HOUR = 3_600_000;

export const DEFAULT_QUEUE_POLICY: QueuePolicy = {
  leaseMs: 15 * 60_000,
  slaMs: (priority) => (priority >= 250 ? 1 * HOUR : 4 * HOUR),
};

/** Expected loss; a rules-only review (no score) counts as an even chance. */
export function priorityOf(score: number | null, amount: number | null): number {
  return (score ?? 0.5) * (amount ?? 0);
}

/** Held by a reviewer right now: a lease that has not lapsed, on a case still to decide. */
export function isClaimed(c: ReviewCase, now: number): boolean {
  return c.status !== 'decided' && c.leaseExpiresAt !== null && c.leaseExpiresAt > now;
}

/** Past its deadline without a verdict, or decided after it. */
export function isSlaBreached(c: ReviewCase, now: number): boolean {
  return c.decidedAt === null ? now > c.slaDueAt : c.decidedAt > c.slaDueAt;
}

export function caseIdFor(decisionSeq: number): string {
  return `case_${decisionSeq.toString(36).padStart(8, '0')}`;
}

export class CaseConflictError extends Error {}
export class CaseNotFoundError extends Error {}
