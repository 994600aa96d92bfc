/**
 * Reads what the tracker needs from a failure without depending on the error's class: `BatchApiError`
 * carries `kind`, `retryAfterMs` and `cursor`; anything else is reduced to its message.
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
  if (!(error instanceof Error)) {
    return { message: String(error) };
  }
  const fields = error as Error & { kind?: unknown; errorCode?: unknown; requestId?: unknown; retryAfterMs?: unknown; cursor?: { linesDelivered?: unknown } };
  const errorCode = typeof fields.errorCode === 'string' && fields.errorCode ? fields.errorCode : undefined;
  const requestId = typeof fields.requestId === 'string' && fields.requestId ? fields.requestId : undefined;
  const reference = [errorCode && `error_code ${errorCode}`, requestId && `request_id ${requestId}`].filter(Boolean).join(', ');
  return {
    message: reference ? `${error.message} (${reference})` : error.message,
    errorCode,
    requestId,
    kind: typeof fields.kind === 'string' ? fields.kind : undefined,
    retryAfterMs: typeof fields.retryAfterMs === 'number' && fields.retryAfterMs >= 0 ? fields.retryAfterMs : undefined,
    linesDelivered: typeof fields.cursor?.linesDelivered === 'number' ? fields.cursor.linesDelivered : undefined,
  };
}

/** True for the rejection of an aborted sleep or request (dispose, cancel). */
export function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || (error as { kind?: unknown }).kind === 'aborted');
}
