// Where review cases live. Every state change is one conditional update, so two reviewers can never
// both hold a case or both decide it.
import type { CaseHistoryEntry, ReviewCase, Verdict } from './case.js';

export interface OpenCaseInput {
  decisionId: string;
  decisionSeq: number;
  eventId: string;
  user: string | null;
  amount: number | null;
  currency: string | null;
  score: number | null;
  reasons: string[];
  openedAt: number;
}

export interface CaseQuery {
  /** `claimed` means open or escalated with a live lease. */
  status?: 'open' | 'claimed' | 'escalated' | 'decided' | 'all';
  sort?: 'priority' | 'sla';
  /** Matches the user, the event id or the case id. */
  q?: string;
  limit?: number;
  offset?: number;
}

export interface QueueStats {
  open: number;
  claimed: number;
  escalated: number;
  decidedToday: number;
  slaBreached: number;
  openedToday: number;
}

export interface CaseStore {
  /** Idempotent by decision: opening the same decision twice returns the first case. */
  open(input: OpenCaseInput): ReviewCase;
  get(id: string): ReviewCase | undefined;
  list(query: CaseQuery, now: number): { cases: ReviewCase[]; total: number };
  /** The most recently decided cases, newest first. */
  recentlyDecided(limit: number): ReviewCase[];
  /** Claim for `reviewer` until now + leaseMs; throws CaseConflictError when someone else holds it or it is decided. */
  claim(id: string, reviewer: string, now: number): { case: ReviewCase; leaseId: string; expiresAt: number };
  release(id: string, leaseId: string, reviewer: string, now: number): ReviewCase;
  /** Close with a verdict under a live lease; the label event id is recorded with it. */
  decide(id: string, leaseId: string, verdict: Verdict, note: string | null, reviewer: string, labelEventId: string, now: number): ReviewCase;
  /** Hand to a senior reviewer: the lease ends and the case waits as `escalated`. */
  escalate(id: string, leaseId: string, note: string | null, reviewer: string, now: number): ReviewCase;
  history(id: string): CaseHistoryEntry[];
  stats(now: number, dayStart: number): QueueStats;
}
