/** An expected failure: the error middleware shows `messageKey` (translated) with `status`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly messageKey: string,
    readonly params: Record<string, string | number> = {},
  ) {
    super(messageKey);
  }
}

/**
 * A failure of the JSON API. Its `code` is part of the API contract (clients branch on it), so it is spelled out
 * here rather than derived from the message key, which may be renamed freely.
 */
export class ApiError extends HttpError {
  constructor(
    status: number,
    readonly code: string,
    messageKey: string,
    params: Record<string, string | number> = {},
  ) {
    super(status, messageKey, params);
  }
}
