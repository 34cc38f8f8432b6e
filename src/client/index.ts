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
