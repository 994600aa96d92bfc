import { BatchApiError } from '../api/errors';

/**
 * Reads what the tracker needs from a failure: a `BatchApiError` (the only error a `BatchApi`
 * rejects with) carries `kind`, `retryAfterMs` and `cursor`; anything else is reduced to its message.
 */
export interface FailureFacts {
  /** The error's message, followed by the API's error code and request id when it gave them (for the log and the tracker's state). */
  message: string;
  kind?: string;
  /** `error.details.error_code` from the API body, e.g. `enforced_spend_limit_reached`. */
  errorCode?: string;
  /** The API's `request-id`, to quote to Anthropic support. */
  requestId?: string;
  retryAfterMs?: number;
  /** Complete result lines delivered before a cut download, when the error says so. */
  linesDelivered?: number;
}

export function failureFacts(error: unknown): FailureFacts {
  if (!(error instanceof BatchApiError)) {
    return { message: error instanceof Error ? error.message : String(error) };
  }
  const errorCode = error.errorCode || undefined;
  const requestId = error.requestId || undefined;
  const reference = [errorCode && `error_code ${errorCode}`, requestId && `request_id ${requestId}`].filter(Boolean).join(', ');
  return {
    message: reference ? `${error.message} (${reference})` : error.message,
    errorCode,
    requestId,
    kind: error.kind,
    retryAfterMs: error.retryAfterMs !== undefined && error.retryAfterMs >= 0 ? error.retryAfterMs : undefined,
    linesDelivered: error.cursor?.linesDelivered,
  };
}

/** True for the rejection of an aborted sleep or request (dispose, cancel). */
export function isAbort(error: unknown): boolean {
  return (error instanceof BatchApiError && error.kind === 'aborted') || (error instanceof Error && error.name === 'AbortError');
}
