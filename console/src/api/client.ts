// Talks to the riskgate API on the same origin with the signed-in API key. Every failure becomes an
// ApiError carrying the API's own code and message (and a rule's error position).
import type { ErrorBody, SourcePosition } from './types';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly position?: SourcePosition,
  ) {
    super(message);
  }
}

export type Query = Record<string, string | number | undefined>;

export function withQuery(path: string, query: Query): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(name, String(value));
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

export class ApiClient {
  constructor(
    private readonly apiKey: string,
    /** Called when the server no longer accepts the key (revoked, or the server was reset). */
    private readonly onKeyRejected: () => void = () => {},
  ) {}

  get<T>(path: string, query: Query = {}): Promise<T> {
    return this.request<T>('GET', withQuery(path, query));
  }

  post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, body);
  }

  delete<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('DELETE', path, body);
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json', authorization: `Bearer ${this.apiKey}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch {
      throw new ApiError(0, 'network', 'The riskgate server cannot be reached. Is it running?');
    }
    const parsed = parseJson(await response.text());
    if (response.ok) return parsed as T;
    if (response.status === 401) this.onKeyRejected();
    const error = isErrorBody(parsed) ? parsed : undefined;
    throw new ApiError(response.status, error?.error ?? 'http_error', error?.message ?? `${method} ${path} failed: ${response.status} ${response.statusText}`, error?.position);
  }
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function isErrorBody(value: unknown): value is ErrorBody {
  return typeof value === 'object' && value !== null && typeof (value as ErrorBody).message === 'string';
}

/** Any thrown value as an ApiError, so views handle one kind of failure. */
export function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  return new ApiError(0, 'client', error instanceof Error ? error.message : String(error));
}
