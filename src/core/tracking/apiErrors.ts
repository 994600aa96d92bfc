/**
 * Reads what the tracker needs from a failure without depending on the error's class: `BatchApiError`
 * carries `kind`, `retryAfterMs` and `cursor`; anything else is reduced to its message.
 */
export interface FailureFacts {
  message: string;
  kind?: string;
  retryAfterMs?: number;
  /** Complete result lines delivered before a cut download, when the error says so. */
  linesDelivered?: number;
}

export function failureFacts(error: unknown): FailureFacts {
  if (!(error instanceof Error)) {
    return { message: String(error) };
  }
  const fields = error as Error & { kind?: unknown; retryAfterMs?: unknown; cursor?: { linesDelivered?: unknown } };
  return {
    message: error.message,
    kind: typeof fields.kind === 'string' ? fields.kind : undefined,
    retryAfterMs: typeof fields.retryAfterMs === 'number' && fields.retryAfterMs >= 0 ? fields.retryAfterMs : undefined,
    linesDelivered: typeof fields.cursor?.linesDelivered === 'number' ? fields.cursor.linesDelivered : undefined,
  };
}

/** True for the rejection of an aborted sleep or request (dispose, cancel). */
export function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || (error as { kind?: unknown }).kind === 'aborted');
}
