// The decision log. Writes are batched off the request path (group commit) and a write resolves only
// once committed: a decision is acknowledged to the client only after it is durable.
import type { StoredDecision } from './decision.js';

export interface DecisionQuery {
  /** Event-time range, epoch ms: from ≤ ts < to. */
  from?: number;
  to?: number;
  action?: string;
  limit?: number;
  /** Only decisions with a seq above this (paging). */
  afterSeq?: number;
  /** Newest first (the latest `limit` decisions) instead of oldest first. */
  newestFirst?: boolean;
  /** Only among the newest this many decisions (by seq), whatever the other filters. */
  amongNewest?: number;
}

export interface DecisionStore {
  write(decision: StoredDecision): Promise<void>;
  get(decisionId: string): Promise<StoredDecision | undefined>;
  getByEvent(eventId: string): Promise<StoredDecision | undefined>;
  list(query: DecisionQuery): Promise<StoredDecision[]>;
  /** A user's latest decisions, newest first; with `beforeSeq`, only those made on events before it. */
  listByUser(user: string, limit: number, beforeSeq?: number): Promise<StoredDecision[]>;
  count(): Promise<number>;
  /** The highest event seq with a stored decision (0 when none): recovery starts after it. */
  lastSeq(): Promise<number>;
  /** Each user's score in their latest decision among the newest `amongNewest`, oldest first (users whose latest has no score left out). */
  latestScoresByUser(amongNewest: number): Promise<Array<{ user: string; score: number }>>;
  close(): Promise<void>;
}
