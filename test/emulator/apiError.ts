/** An error the emulator answers with: status plus the body's `error.type` and `error.message`. */
export interface ApiErrorSpec {
  status: number;
  type: string;
  message: string;
  /** `error.details.error_code`, when the API gives one. */
  errorCode?: string;
}

export function invalidRequest(message: string): ApiErrorSpec {
  return { status: 400, type: 'invalid_request_error', message };
}

export function notFound(message: string): ApiErrorSpec {
  return { status: 404, type: 'not_found_error', message };
}

/** The error type the real API uses for each status (reference §7). */
export function errorTypeForStatus(status: number): string {
  switch (status) {
    case 400:
      return 'invalid_request_error';
    case 401:
      return 'authentication_error';
    case 402:
      return 'billing_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 409:
      return 'conflict_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 504:
      return 'timeout_error';
    case 529:
      return 'overloaded_error';
    default:
      return status >= 500 ? 'api_error' : 'invalid_request_error';
  }
}
