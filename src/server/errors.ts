/** An answer other than 2xx with riskgate's error shape: a status, a code and a message (and headers to send with it). */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly headers?: Readonly<Record<string, string>>,
  ) {
    super(message);
  }
}

/** The answer of a server that is shutting down (SIGTERM): try again shortly, here after a restart or elsewhere. */
export function shuttingDownError(detail: string): HttpError {
  return new HttpError(503, 'shutting_down', `this server is shutting down: ${detail}; retry in a few seconds`, { 'retry-after': '5' });
}
