// A small TypeScript client for riskgate's HTTP API (Node 20+ or a browser: it only needs fetch).
import type { Decision } from '../decisions/decision.js';

export type { Decision };

export interface ClientOptions {
  /** e.g. http://127.0.0.1:8080 */
  url: string;
  apiKey: string;
  /** Give up on a request after this long (default 2,000 ms). */
  timeoutMs?: number;
}

export interface EventResult {
  id: string | null;
  status: 'appended' | 'duplicate' | 'conflict' | 'rejected';
  seq?: number;
  errors?: Array<{ path: string; message: string }>;
}

/** A review case as the queue lists it (the case page adds its history, evidence and the decision). */
export interface ReviewCase {
  id: string;
  decision_id: string;
  event_id: string;
  user: string | null;
  amount: number | null;
  currency: string | null;
  score: number | null;
  /** Expected loss: calibrated probability × amount. */
  priority: number;
  status: 'open' | 'claimed' | 'escalated' | 'decided';
  /** Whether it was escalated (still true while a reviewer holds it). */
  escalated: boolean;
  opened_at: number;
  sla_due_at: number;
  sla_breached: boolean;
  reasons: string[];
  claimed_by: string | null;
  lease_expires_at: number | null;
  verdict: 'fraud' | 'legit' | null;
}

export interface Lease {
  lease_id: string;
  expires_at: number;
  reviewer: string;
}

export interface QueueStats {
  open: number;
  claimed: number;
  escalated: number;
  decided_today: number;
  opened_today: number;
  sla_breached: number;
  capacity_per_day: number;
  /** The review threshold in force (the capacity guard may have raised it), or null without an active model. */
  review_threshold: number | null;
  block_threshold: number | null;
}

/** An answer other than 2xx: the status, riskgate's error code and message, and field errors if any. */
export class RiskgateError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly errors: Array<{ path: string; message: string }> = [],
  ) {
    super(`${status} ${code}: ${message}`);
  }
}

export class RiskgateClient {
  private readonly url: string;

  constructor(private readonly options: ClientOptions) {
    this.url = options.url.replace(/\/+$/, '');
  }

  /** Ask for a decision on a checkpoint event. Safe to retry with the same event id. */
  decide(event: object): Promise<Decision & { duplicate?: boolean }> {
    return this.call('POST', '/v1/decisions', event);
  }

  /** Send events that are not scored (logins, payments, messages, reviews, labels). */
  async sendEvents(events: object[]): Promise<{ appended: number; duplicates: number; conflicts: number; rejected: number; results: EventResult[] }> {
    return this.call('POST', '/v1/events', { events });
  }

  getDecision(id: string): Promise<Decision> {
    return this.call('GET', `/v1/decisions/${encodeURIComponent(id)}`);
  }

  replay(decisionId: string): Promise<{ equal: boolean; differences: string[] }> {
    return this.call('POST', `/v1/decisions/${encodeURIComponent(decisionId)}/replay`);
  }

  setKillSwitch(enabled: boolean, reason?: string): Promise<{ enabled: boolean }> {
    return this.call('PUT', '/v1/admin/kill-switch', { enabled, ...(reason ? { reason } : {}) });
  }

  promote(modelId: string, stage: 'shadow' | 'canary' | 'active' | 'retired', canaryShare?: number): Promise<unknown> {
    return this.call('POST', `/v1/admin/models/${encodeURIComponent(modelId)}/promote`, { stage, ...(canaryShare !== undefined ? { canary_share: canaryShare } : {}) });
  }

  rollback(name?: string): Promise<unknown> {
    return this.call('POST', '/v1/admin/models/rollback', name ? { name } : {});
  }

  /** The review queue (a key with the review scope): open cases by default, highest expected loss first. */
  cases(query: { status?: 'open' | 'claimed' | 'escalated' | 'decided' | 'all'; sort?: 'priority' | 'sla'; q?: string; limit?: number; offset?: number } = {}): Promise<{ cases: ReviewCase[]; total: number }> {
    const params = new URLSearchParams(Object.entries(query).map(([key, value]): [string, string] => [key, String(value)])).toString();
    return this.call('GET', `/v1/cases${params ? `?${params}` : ''}`);
  }

  /** A case with what a reviewer needs to judge it: history, the decision and request, feature evidence, linked entities, messages. */
  getCase(id: string): Promise<{ case: ReviewCase & Record<string, unknown> } & Record<string, unknown>> {
    return this.call('GET', `/v1/cases/${encodeURIComponent(id)}`);
  }

  /** Take a case for 15 minutes; decide, escalate or release it with the lease. */
  claim(caseId: string): Promise<Lease> {
    return this.call('POST', `/v1/cases/${encodeURIComponent(caseId)}/claim`, {});
  }

  release(caseId: string, leaseId: string): Promise<{ case: ReviewCase }> {
    return this.call('POST', `/v1/cases/${encodeURIComponent(caseId)}/release`, { lease_id: leaseId });
  }

  /** The verdict, fed back as a label event. Safe to retry: the same verdict again gets the same answer. */
  decideCase(caseId: string, leaseId: string, verdict: 'fraud' | 'legit', note?: string): Promise<{ case: ReviewCase; label_event_id: string }> {
    return this.call('POST', `/v1/cases/${encodeURIComponent(caseId)}/decide`, { lease_id: leaseId, verdict, ...(note !== undefined ? { note } : {}) });
  }

  escalate(caseId: string, leaseId: string, note?: string): Promise<{ case: ReviewCase }> {
    return this.call('POST', `/v1/cases/${encodeURIComponent(caseId)}/escalate`, { lease_id: leaseId, ...(note !== undefined ? { note } : {}) });
  }

  queueStats(): Promise<QueueStats> {
    return this.call('GET', '/v1/queue/stats');
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.options.apiKey}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 2_000),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const error = (parsed ?? {}) as { error?: string; message?: string; errors?: Array<{ path: string; message: string }> };
      throw new RiskgateError(response.status, error.error ?? 'http_error', error.message ?? (text.slice(0, 200) || response.statusText), error.errors);
    }
    return parsed as T;
  }
}
