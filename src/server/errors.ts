/** An answer other than 2xx with riskgate's error shape: a status, a code and a message. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
