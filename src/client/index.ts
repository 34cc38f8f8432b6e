// A small TypeScript client for riskgate's HTTP API (Node 20+ or a browser: it only needs fetch).
import type { Decision } from '../decisions/decision.js';

export type { Decision };

export interface ClientOptions {
  /** e.g. http://127.0.0.1:8080 */
  url: string;
  apiKey: string;
  /**
   * Give up on one try of a request after this long (default 2,000 ms; sendEvents keeps 30,000 ms
   * unless the call gives its own). A call that is retried may take up to (retries + 1) tries and the
   * waits between them.
   */
  timeoutMs?: number;
  /**
   * How many times decide, sendEvents and getDecision are sent again after a network failure, a timeout
   * or a 502/503/504 (default 2; 0 turns it off): they are idempotent by event id, so a retry is safe.
   * Waits between tries are jittered, up to 200 ms, then 400 ms, … at most 2 s — or a 503's Retry-After —
   * and never longer than the call's timeout.
   */
  retries?: number;
}

/** Per-call overrides of the client's options. */
export interface CallOptions {
  timeoutMs?: number;
  retries?: number;
}

/** A model's place in the registry, as the admin API shows it. */
export interface ModelView {
  id: string;
  name: string;
  version: number;
  stage: 'candidate' | 'shadow' | 'canary' | 'active' | 'retired';
  canary_share: number | null;
  kind: string;
  feature_set_version: string;
  policy: { block: number; review: number };
  created_at: number;
  [more: string]: unknown;
}

/** What a promotion or rollback changed, and what the server serves now. */
export interface LineupChange {
  changed: ModelView[];
  serving: {
    /** `stage`: the registry's, or `fallback`. */
    serving: Array<{ id: string; version: number; stage: string }>;
    refused: Array<{ id: string; stage: string; reason: string }>;
  };
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
  /** Whether it waits as escalated (still true while a reviewer holds it; false once decided). */
  escalated: boolean;
  opened_at: number;
  sla_due_at: number;
  sla_breached: boolean;
  reasons: string[];
  claimed_by: string | null;
  lease_expires_at: number | null;
  verdict: 'fraud' | 'legit' | null;
  decided_at: number | null;
  decided_by: string | null;
  /** The reviewer_verdict label event the verdict became. */
  label_event_id: string | null;
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

/**
 * An answer other than 2xx: the status, riskgate's error code and message, field errors if any, and the
 * whole answer in `body` (a rejected event batch's per-event `results`). A request that got no answer
 * is status 0 with code `timeout` or `network`.
 */
export class RiskgateError extends Error {
  override readonly name = 'RiskgateError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly errors: Array<{ path: string; message: string }> = [],
    readonly body?: unknown,
    /** The answer's Retry-After, in ms. */
    readonly retryAfterMs?: number,
  ) {
    super(status === 0 ? `${code}: ${message}` : `${status} ${code}: ${message}`);
  }
}

/** Answers worth sending the same idempotent request again for: the server or a proxy in front of it was briefly unavailable. */
const TRANSIENT = new Set([502, 503, 504]);

export class RiskgateClient {
  private readonly url: string;

  constructor(private readonly options: ClientOptions) {
    // A malformed address fails here, not as a "network" failure (retried) on every call later.
    const url = new URL(options.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`riskgate url must start with http:// or https://, got "${options.url}"`);
    if (url.search !== '' || url.hash !== '') throw new TypeError(`riskgate url must not carry a query or a fragment (the API's paths are appended to it), got "${options.url}"`);
    this.url = options.url.replace(/\/+$/, '');
  }

  /** Ask for a decision on a checkpoint event; retried on transient failures (the same event id gets the same decision). */
  decide(event: object, options?: CallOptions): Promise<Decision & { duplicate?: boolean }> {
    return this.call('POST', '/v1/decisions', event, this.retrying(options));
  }

  /**
   * Send events that are not scored (logins, payments, messages, reviews, labels); retried on transient
   * failures (events already logged come back as duplicates). A batch none of whose events is accepted
   * is a RiskgateError whose `body.results` says why, event by event.
   */
  async sendEvents(events: object[], options?: CallOptions): Promise<{ appended: number; duplicates: number; conflicts: number; rejected: number; results: EventResult[] }> {
    // A batch of 10,000 events takes longer than a decision: a client-wide timeout meant for decisions does not cut it short.
    return this.call('POST', '/v1/events', { events }, this.retrying({ ...options, timeoutMs: options?.timeoutMs ?? 30_000 }));
  }

  getDecision(id: string, options?: CallOptions): Promise<Decision> {
    return this.call('GET', `/v1/decisions/${encodeURIComponent(id)}`, undefined, this.retrying(options));
  }

  replay(decisionId: string): Promise<{ equal: boolean; differences: string[]; original: Decision; replayed: Decision }> {
    return this.call('POST', `/v1/decisions/${encodeURIComponent(decisionId)}/replay`);
  }

  getKillSwitch(): Promise<{ enabled: boolean }> {
    return this.call('GET', '/v1/admin/kill-switch');
  }

  setKillSwitch(enabled: boolean, reason?: string): Promise<{ enabled: boolean }> {
    return this.call('PUT', '/v1/admin/kill-switch', { enabled, ...(reason ? { reason } : {}) });
  }

  /** `changed` is empty when the model is at that stage already. */
  promote(modelId: string, stage: 'shadow' | 'canary' | 'active' | 'retired', canaryShare?: number): Promise<LineupChange> {
    return this.call('POST', `/v1/admin/models/${encodeURIComponent(modelId)}/promote`, { stage, ...(canaryShare !== undefined ? { canary_share: canaryShare } : {}) });
  }

  rollback(name?: string): Promise<LineupChange> {
    return this.call('POST', '/v1/admin/models/rollback', name ? { name } : {});
  }

  /** The review queue (a key with the review scope): open cases by default, highest expected loss first. */
  cases(query: { status?: 'open' | 'claimed' | 'escalated' | 'decided' | 'all'; sort?: 'priority' | 'sla'; q?: string; limit?: number; offset?: number } = {}): Promise<{ cases: ReviewCase[]; total: number }> {
    const set = Object.entries(query).filter(([, value]) => value !== undefined);
    const params = new URLSearchParams(set.map(([key, value]): [string, string] => [key, String(value)])).toString();
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

  /** Options for an idempotent call: the call's own, else the client's, else the defaults (an option given as undefined counts as not given). */
  private retrying(options: CallOptions | undefined): CallOptions {
    const timeoutMs = options?.timeoutMs ?? this.options.timeoutMs;
    return { retries: options?.retries ?? this.options.retries ?? 2, ...(timeoutMs !== undefined ? { timeoutMs } : {}) };
  }

  private async call<T>(method: string, path: string, body?: unknown, options: CallOptions = {}): Promise<T> {
    const retries = options.retries ?? 0;
    // Made once, outside the tries: a body that cannot be sent is the caller's error, not a network one.
    const payload = body === undefined ? undefined : JSON.stringify(body);
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.send<T>(method, path, payload, options.timeoutMs ?? this.options.timeoutMs ?? 2_000);
      } catch (error) {
        const transient = error instanceof RiskgateError && (error.status === 0 || TRANSIENT.has(error.status));
        if (!transient || attempt >= retries) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.min(backoffMs(attempt, error), options.timeoutMs ?? this.options.timeoutMs ?? 2_000)));
      }
    }
  }

  private async send<T>(method: string, path: string, payload: string | undefined, timeoutMs: number): Promise<T> {
    const request = new Request(`${this.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.options.apiKey}`, ...(payload !== undefined ? { 'content-type': 'application/json' } : {}) },
      // (Left out rather than undefined: callers may compile this file under exactOptionalPropertyTypes.)
      ...(payload !== undefined ? { body: payload } : {}),
    });
    let response: Response;
    let text: string;
    try {
      response = await fetch(request, { signal: AbortSignal.timeout(timeoutMs) });
      text = await response.text();
    } catch (error) {
      const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
      throw new RiskgateError(0, timedOut ? 'timeout' : 'network', timedOut ? `no answer from ${this.url} within ${timeoutMs} ms` : `${(error as Error).message}${cause}`);
    }
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // A 2xx that is not JSON is not riskgate's answer (a proxy's page, say): not an answer to return.
      if (response.ok) throw new RiskgateError(response.status, 'invalid_response', `the answer from ${this.url} is not JSON: ${JSON.stringify(text.slice(0, 80))}`);
      parsed = undefined;
    }
    if (!response.ok) {
      const error = (parsed ?? {}) as { error?: string; message?: string; errors?: Array<{ path: string; message: string }> };
      throw new RiskgateError(response.status, error.error ?? 'http_error', error.message ?? (text.slice(0, 200) || response.statusText), error.errors, parsed, retryAfterMs(response.headers.get('retry-after')));
    }
    return parsed as T;
  }
}

/**
 * A Retry-After header in ms: seconds (what riskgate sends), or an HTTP date (what a proxy in front of
 * it may send); undefined when absent, unreadable or not in the future.
 */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = /^\s*\d+(\.\d+)?\s*$/.test(header) ? Number(header) : undefined;
  const ms = seconds !== undefined ? seconds * 1000 : Date.parse(header) - now;
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

/** Exponential from 100 ms with full jitter, at most 2 s — or the server's Retry-After, at most 5 s. */
function backoffMs(attempt: number, error: RiskgateError): number {
  if (error.retryAfterMs !== undefined) return Math.min(error.retryAfterMs, 5_000);
  return Math.random() * Math.min(2_000, 100 * 2 ** (attempt + 1));
}
