import type { APIConnectionError, APIError } from '@anthropic-ai/sdk';
import type { ResultsCursor } from './batchApi';
import { loadSdk } from './sdkLoader';
import { redactSecrets } from '../util/redact';

/**
 * What went wrong, in the few categories the UI treats differently:
 * - `auth` (401 or no key) and `permission` (403): the user must fix the key or its workspace.
 * - `billing` (402): the account needs credit.
 * - `not_found` (404): the batch or model does not exist (or was deleted / archived).
 * - `invalid_request` (400, 409, 422): the request itself is wrong; `message` carries the API's words.
 * - `too_large` (413): the batch body is over the size limit.
 * - `rate_limited` (429), `overloaded` (529), `server` (other 5xx), `connection`, `timeout`: transient.
 * - `aborted`: the caller cancelled.
 */
export type BatchApiErrorKind =
  | 'auth'
  | 'permission'
  | 'not_found'
  | 'invalid_request'
  | 'too_large'
  | 'rate_limited'
  | 'overloaded'
  | 'server'
  | 'billing'
  | 'connection'
  | 'timeout'
  | 'aborted';

export interface BatchApiErrorInit {
  kind: BatchApiErrorKind;
  message: string;
  status?: number;
  requestId?: string;
  /** `error.type` from the API body; an open string because the API adds types over time. */
  apiType?: string;
  /** `error.details.error_code` from the API body (e.g. `enforced_spend_limit_reached`), when given. */
  errorCode?: string;
  retryAfterMs?: number;
  cursor?: ResultsCursor;
  cause?: unknown;
}

/** The only error a `BatchApi` rejects with. Its message never contains the API key. */
export class BatchApiError extends Error {
  readonly kind: BatchApiErrorKind;
  readonly status: number | undefined;
  readonly requestId: string | undefined;
  readonly apiType: string | undefined;
  /** `error.details.error_code`: what the status alone does not say (a spend limit is a 429 that never clears). */
  readonly errorCode: string | undefined;
  /** For `rate_limited` and `server`: how long the server asked us to wait, when it said. */
  readonly retryAfterMs: number | undefined;
  /** For a results stream cut short: how far it got, to pass back as `resumeFrom`. */
  readonly cursor: ResultsCursor | undefined;

  constructor(init: BatchApiErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'BatchApiError';
    this.kind = init.kind;
    this.status = init.status;
    this.requestId = init.requestId;
    this.apiType = init.apiType;
    this.errorCode = init.errorCode;
    this.retryAfterMs = init.retryAfterMs;
    this.cursor = init.cursor;
  }

  /** Transient failures worth trying again later (the SDK has already retried them); a spend limit never is. */
  get isTransient(): boolean {
    return TRANSIENT_KINDS.has(this.kind) && !(this.errorCode !== undefined && TERMINAL_ERROR_CODES.has(this.errorCode));
  }
}

const TRANSIENT_KINDS: ReadonlySet<BatchApiErrorKind> = new Set([
  'rate_limited',
  'overloaded',
  'server',
  'connection',
  'timeout',
]);

/**
 * Error codes (`error.details.error_code`) that do not clear by trying again: the organization or its
 * contract hit a spend limit someone must raise. They arrive as 429 (or 402) and are reported as
 * `billing`, never retried.
 */
export const TERMINAL_ERROR_CODES: ReadonlySet<string> = new Set([
  'enforced_spend_limit_reached',
  'contract_spend_limit_reached',
  'linked_organization_spend_limit_reached',
]);

/** How long to wait on `storage_not_ready` (503) when the server gives no retry-after: the API says about a minute. */
export const STORAGE_NOT_READY_WAIT_MS = 60_000;

function kindFor(status: number, errorCode: string | undefined): BatchApiErrorKind {
  if (errorCode !== undefined && TERMINAL_ERROR_CODES.has(errorCode)) return 'billing';
  return kindForStatus(status);
}

function retryAfterFor(status: number, errorCode: string | undefined, headers: Headers | undefined): number | undefined {
  if (errorCode !== undefined && TERMINAL_ERROR_CODES.has(errorCode)) return undefined;
  if (status !== 429 && status !== 503 && status !== 529) return undefined;
  const asked = parseRetryAfterMs(headers);
  if (asked === undefined && errorCode === 'storage_not_ready') return STORAGE_NOT_READY_WAIT_MS;
  return asked;
}

/** `error.details.error_code` from an SDK error (1.5.0+ exposes it as `errorCode`) or from the body. */
function errorCodeOf(error: APIError): string | undefined {
  const fromSdk = (error as { errorCode?: unknown }).errorCode;
  if (typeof fromSdk === 'string' && fromSdk) return fromSdk;
  const body = error.error as { error?: { details?: { error_code?: unknown } } } | undefined;
  const fromBody = body?.error?.details?.error_code;
  return typeof fromBody === 'string' && fromBody ? fromBody : undefined;
}

/**
 * Turns anything thrown by the SDK (or by our own stream reader) into a `BatchApiError`.
 * Status codes decide the kind (413 -> too_large, 402 -> billing, 529 -> overloaded) because the
 * SDK maps some of them to the plain `APIError` class. `redact` strings (the API key) are removed
 * from every message.
 */
export function toBatchApiError(error: unknown, redact: readonly string[] = []): BatchApiError {
  if (error instanceof BatchApiError) {
    return error;
  }
  const wrapped = findWrappedBatchApiError(error);
  if (wrapped) {
    return wrapped;
  }
  const scrub = (text: string) => redactSecrets(text, redact);
  // The SDK's classes are looked up only now: nothing needs the SDK loaded just to define the taxonomy.
  const { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError, AnthropicError } = loadSdk();

  if (error instanceof APIUserAbortError || isAbortError(error)) {
    return new BatchApiError({ kind: 'aborted', message: 'The request was cancelled.', cause: error });
  }
  if (error instanceof APIConnectionTimeoutError) {
    return new BatchApiError({ kind: 'timeout', message: scrub(error.message), cause: error });
  }
  if (error instanceof APIConnectionError) {
    return new BatchApiError({ kind: 'connection', message: scrub(connectionMessage(error)), cause: error });
  }
  if (error instanceof APIError && typeof error.status === 'number') {
    const status = error.status;
    const apiMessage = error.apiMessage ?? undefined;
    const errorCode = errorCodeOf(error);
    return new BatchApiError({
      kind: kindFor(status, errorCode),
      message: scrub(apiMessage ?? error.message),
      status,
      requestId: error.requestID ?? undefined,
      apiType: error.type ?? bodyErrorType(error.error) ?? undefined,
      errorCode,
      retryAfterMs: retryAfterFor(status, errorCode, error.headers),
      cause: error,
    });
  }
  if (error instanceof AnthropicError) {
    return new BatchApiError({ kind: 'connection', message: scrub(error.message), cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new BatchApiError({ kind: 'connection', message: scrub(message), cause: error });
}

/** Maps an HTTP status to a kind; exported so tests and the emulator agree on the table. */
export function kindForStatus(status: number): BatchApiErrorKind {
  switch (status) {
    case 401:
      return 'auth';
    case 402:
      return 'billing';
    case 403:
      return 'permission';
    case 404:
      return 'not_found';
    case 408:
    case 504:
      return 'timeout';
    case 413:
      return 'too_large';
    case 429:
      return 'rate_limited';
    case 529:
      return 'overloaded';
    default:
      return status >= 500 ? 'server' : 'invalid_request';
  }
}

/**
 * One sentence the UI shows for an API failure. It names what to do next and never includes the
 * key (messages were scrubbed when the error was built).
 */
export function explainApiError(error: unknown): string {
  const e = toBatchApiError(error);
  return withReference(explainKind(e), e);
}

/** "error_code enforced_spend_limit_reached, request_id req_…", or '' when the API gave neither. */
export function apiErrorReference(e: BatchApiError): string {
  const parts: string[] = [];
  if (e.errorCode) parts.push(`error_code ${e.errorCode}`);
  if (e.requestId) parts.push(`request_id ${e.requestId}`);
  return parts.join(', ');
}

/** The sentence with the error code and request id in parentheses before its final stop. */
function withReference(sentence: string, e: BatchApiError): string {
  const reference = apiErrorReference(e);
  if (!reference) return sentence;
  const stop = /[.!?]$/.test(sentence) ? sentence.slice(-1) : '';
  return `${stop ? sentence.slice(0, -1) : sentence} (${reference})${stop}`;
}

function explainByCode(e: BatchApiError): string | undefined {
  switch (e.errorCode) {
    case 'enforced_spend_limit_reached':
      return 'The organization has reached the spend limit set in the Claude Console: nothing was sent again; raise the limit (Settings > Limits) or wait for the next period, then submit again.';
    case 'contract_spend_limit_reached':
      return 'The organization has reached its contract spend limit: nothing was sent again; contact your Anthropic account team to raise it, then submit again.';
    case 'linked_organization_spend_limit_reached':
      return 'The linked organization has reached its spend limit: nothing was sent again; raise it in the Claude Console, then submit again.';
    case 'ramp_limit_exceeded':
      return e.retryAfterMs === undefined
        ? 'Anthropic is ramping up this organization\'s usage gradually (ramp limit): try again shortly.'
        : `Anthropic is ramping up this organization's usage gradually (ramp limit): try again in ${formatSeconds(e.retryAfterMs)}.`;
    case 'storage_not_ready':
      return `Anthropic's batch storage is not ready yet: try again in ${formatSeconds(e.retryAfterMs ?? STORAGE_NOT_READY_WAIT_MS)}.`;
    case 'workspace_human_review_disabled':
      return 'This workspace cannot create batches (human review is disabled for it): use a key from another workspace or change the workspace settings in the Claude Console.';
    default:
      return undefined;
  }
}

function explainKind(e: BatchApiError): string {
  const byCode = explainByCode(e);
  if (byCode) return byCode;
  switch (e.kind) {
    case 'auth':
      return 'Anthropic rejected the API key: set a valid key with "Batchlens: Set API Key".';
    case 'permission':
      return 'This API key is not allowed to do that (check the key\'s workspace and permissions in the Claude Console).';
    case 'billing':
      return 'Anthropic refused the request for billing reasons: check the organization\'s credit balance and spend limits.';
    case 'not_found':
      return `Anthropic could not find it (it may have been deleted, archived after 29 days, or never existed): ${e.message}`;
    case 'invalid_request':
      return `Anthropic rejected the request: ${e.message}`;
    case 'too_large':
      return 'The batch is larger than the API accepts (256 MB or 100,000 requests): split it into smaller batches.';
    case 'rate_limited':
      return e.retryAfterMs === undefined
        ? 'Anthropic is rate-limiting this key: try again shortly.'
        : `Anthropic is rate-limiting this key: try again in ${formatSeconds(e.retryAfterMs)}.`;
    case 'overloaded':
      return 'Anthropic\'s API is overloaded right now: try again in a few minutes.';
    case 'server':
      return `Anthropic's API had an internal error${e.status ? ` (HTTP ${e.status})` : ''}: try again later.`;
    case 'connection':
      return e.cursor
        ? `The download was cut after ${e.cursor.linesDelivered} result lines: run it again to continue where it stopped.`
        : 'Could not reach the Anthropic API: check the network, proxy, or `batchlens.apiBaseUrl` setting.';
    case 'timeout':
      return 'The Anthropic API did not answer in time: try again.';
    case 'aborted':
      return 'The request was cancelled.';
  }
}

function findWrappedBatchApiError(error: unknown): BatchApiError | undefined {
  // The SDK wraps failures of the `apiKey` function (ours throws a BatchApiError when no key is set).
  let cause: unknown = error instanceof Error ? error.cause : undefined;
  for (let depth = 0; depth < 4 && cause instanceof Error; depth++) {
    if (cause instanceof BatchApiError) {
      return cause;
    }
    cause = cause.cause;
  }
  return undefined;
}

function isAbortError(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}

function connectionMessage(error: APIConnectionError): string {
  const cause = error.cause instanceof Error ? error.cause : undefined;
  const detail = cause?.cause instanceof Error ? cause.cause.message : cause?.message;
  return detail ? `${error.message} (${detail})` : error.message;
}

function bodyErrorType(body: unknown): string | undefined {
  if (body && typeof body === 'object' && 'error' in body) {
    const inner = (body as { error?: unknown }).error;
    if (inner && typeof inner === 'object' && 'type' in inner) {
      const type = (inner as { type?: unknown }).type;
      return typeof type === 'string' ? type : undefined;
    }
  }
  return undefined;
}

/** `retry-after-ms` (milliseconds) first, then `retry-after` (seconds or an HTTP date), as the SDK reads them. */
export function parseRetryAfterMs(headers: Headers | undefined, nowMs: number = Date.now()): number | undefined {
  const ms = headers?.get('retry-after-ms');
  if (ms) {
    const value = Number.parseFloat(ms);
    if (Number.isFinite(value) && value >= 0) {
      return value;
    }
  }
  const after = headers?.get('retry-after');
  if (!after) {
    return undefined;
  }
  const seconds = Number.parseFloat(after);
  if (Number.isFinite(seconds)) {
    return seconds >= 0 ? seconds * 1000 : undefined;
  }
  const date = Date.parse(after);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

function formatSeconds(ms: number): string {
  const seconds = Math.ceil(ms / 1000);
  return seconds === 1 ? '1 second' : `${seconds} seconds`;
}

/**
 * Wraps `fetch` so the SDK never retries a response whose `error_code` cannot clear (a spend limit):
 * the SDK retries every 429 unless the response says `x-should-retry: false`, so that header is added
 * to such responses. Only 402/429 bodies are read (from a clone); every other response passes as is.
 */
export function stopRetriesOnTerminalCodes(fetchImpl: typeof globalThis.fetch): typeof globalThis.fetch {
  return async (input, init) => {
    const response = await fetchImpl(input, init);
    if (response.status !== 429 && response.status !== 402) return response;
    let code: unknown;
    try {
      code = ((await response.clone().json()) as { error?: { details?: { error_code?: unknown } } })?.error?.details?.error_code;
    } catch {
      return response;
    }
    if (typeof code !== 'string' || !TERMINAL_ERROR_CODES.has(code)) return response;
    const headers = new Headers(response.headers);
    headers.set('x-should-retry', 'false');
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  };
}
