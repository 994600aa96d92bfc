import { explainApiError, toBatchApiError } from '../api/errors';

/**
 * What a failed create call proves about the batch:
 * - `notSent`: the request never reached Anthropic (refused connection, unknown host, bad TLS, or an
 *   answer from a server that is not the API): nothing exists, the files may be sent again at once.
 * - `refused`: Anthropic answered and declined (4xx, 429, 529): nothing was created.
 * - `ambiguous`: the request may have been processed and only the answer was lost (a reset or a
 *   timeout after sending, an internal error, a gateway error): the batch may exist and be billed,
 *   so the intent stays open until reconciliation finds the batch or its window passes.
 */
export type CreateFailureClass = 'notSent' | 'refused' | 'ambiguous';

export interface ClassifiedCreateFailure {
  class: CreateFailureClass;
  /** One line for the user, naming what to do next. */
  message: string;
}

/** Socket-level codes raised before a single byte of the request left this machine. */
const NEVER_SENT_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_NONAME',
  'EAI_FAIL',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
  'ERR_INVALID_URL',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);

/** Gateway answers: a proxy in front of the API may have forwarded the request before failing. */
const GATEWAY_STATUSES: ReadonlySet<number> = new Set([502, 503, 504]);

/**
 * Sorts a create failure into "not sent", "refused" or "ambiguous" (see `CreateFailureClass`) from
 * the error and its cause chain (the SDK error, fetch's TypeError, the socket error with its code).
 */
export function classifyCreateFailure(error: unknown): ClassifiedCreateFailure {
  const apiError = toBatchApiError(error);
  const chain = causeChain(error);
  const code = chain.map(errorCode).find((candidate): candidate is string => candidate !== undefined);
  const status = apiError.status;

  if (apiError.kind === 'connection' || apiError.kind === 'timeout') {
    if (status === undefined && (code !== undefined && NEVER_SENT_CODES.has(code) || chain.some(isBadPortError))) {
      return { class: 'notSent', message: notSentMessage(code) };
    }
  }
  if (status !== undefined && !fromAnthropic(chain)) {
    if (!GATEWAY_STATUSES.has(status)) {
      return {
        class: 'notSent',
        message: `The server at the API address answered HTTP ${status} and is not the Anthropic API: nothing was sent. Check ANTHROPIC_BASE_URL or the \`batchlens.apiBaseUrl\` setting.`,
      };
    }
    return { class: 'ambiguous', message: ambiguousMessage(`a gateway answered HTTP ${status}`) };
  }
  switch (apiError.kind) {
    case 'connection':
      return { class: 'ambiguous', message: ambiguousMessage('the connection dropped after the request was sent') };
    case 'timeout':
      return { class: 'ambiguous', message: ambiguousMessage('no answer came in time') };
    case 'aborted':
      return { class: 'ambiguous', message: ambiguousMessage('the request was cancelled while in flight') };
    case 'server':
      return { class: 'ambiguous', message: ambiguousMessage(`the API had an internal error${status ? ` (HTTP ${status})` : ''}`) };
    default:
      return { class: 'refused', message: `${explainApiError(apiError)} Nothing was created.` };
  }
}

function notSentMessage(code: string | undefined): string {
  const why = code === 'ECONNREFUSED'
    ? 'the connection was refused'
    : code?.startsWith('EAI_') || code === 'ENOTFOUND'
      ? 'the host name does not resolve'
      : 'the API could not be reached';
  return `Nothing was sent: ${why}. Check the network, ANTHROPIC_BASE_URL or the \`batchlens.apiBaseUrl\` setting, then submit again.`;
}

function ambiguousMessage(what: string): string {
  return `The batch may have been created (${what}): do not resubmit; Batchlens will find the batch (run \`batchlens batch status\` or \`batch list\` in a minute).`;
}

/**
 * An answer is Anthropic's when it carries a `request-id` or an Anthropic error body
 * (`{"type":"error","error":{...}}`). Only an HTTP answer seen without either (the SDK's error keeps
 * its headers) counts as a foreign server; an error with no HTTP answer behind it is taken at its kind.
 */
function fromAnthropic(chain: readonly unknown[]): boolean {
  let sawHttpAnswer = false;
  for (const link of chain) {
    if (!link || typeof link !== 'object') continue;
    const fields = link as { requestID?: unknown; requestId?: unknown; apiType?: unknown; error?: unknown; headers?: unknown };
    if (typeof fields.requestID === 'string' && fields.requestID.length > 0) return true;
    if (typeof fields.requestId === 'string' && fields.requestId.length > 0) return true;
    if (typeof fields.apiType === 'string' && fields.apiType.length > 0) return true;
    const headers = fields.headers as { get?: (name: string) => string | null } | undefined;
    if (typeof headers?.get === 'function') {
      sawHttpAnswer = true;
      if (headers.get('request-id')) return true;
    }
    const body = fields.error as { type?: unknown; error?: { type?: unknown } } | undefined;
    if (body?.type === 'error' && typeof body.error?.type === 'string') return true;
  }
  return !sawHttpAnswer;
}

function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  let link: unknown = error;
  for (let depth = 0; depth < 6 && link !== undefined && link !== null; depth++) {
    chain.push(link);
    link = (link as { cause?: unknown }).cause;
  }
  return chain;
}

function errorCode(link: unknown): string | undefined {
  const code = (link as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** fetch refuses some ports (e.g. 1, 25) before connecting, with the message "bad port". */
function isBadPortError(link: unknown): boolean {
  return link instanceof Error && link.message === 'bad port';
}
