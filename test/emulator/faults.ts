import { errorTypeForStatus } from './apiError';

/**
 * Fault injection. Each rule targets requests by `method` and `path` (a glob where `*` matches
 * within one path segment), fires at most `times` times (unlimited when absent), and does one thing:
 *
 * | kind          | effect                                                                 |
 * |---------------|------------------------------------------------------------------------|
 * | `rate_limit`  | 429 `rate_limit_error` with `retry-after: retryAfterSeconds` (default 1) |
 * | `server_error`| 500 `api_error`                                                        |
 * | `overloaded`  | 529 `overloaded_error`                                                 |
 * | `status`      | any `status` with `errorType` / `message` (e.g. 401, 403, 402)          |
 * | `reset`       | the socket is destroyed before any response                            |
 * | `latency`     | the response waits `latencyMs` first (stacks with the others)          |
 * | `cut_results` | a results download stops after `afterLines` lines, in the middle of the next; `mode` `reset` (default: the connection drops) or `end` (the body just ends) |
 * | `row_error`   | rows whose custom_id matches `customIdPattern` come back `errored` with `errorType` (default `api_error`) |
 * | `row_expire`  | rows whose custom_id matches `customIdPattern` come back `expired`     |
 */
export type FaultKind =
  | 'rate_limit'
  | 'server_error'
  | 'overloaded'
  | 'status'
  | 'reset'
  | 'latency'
  | 'cut_results'
  | 'row_error'
  | 'row_expire';

export interface FaultRule {
  kind: FaultKind;
  method?: string;
  path?: string;
  times?: number;
  status?: number;
  errorType?: string;
  /** `error.details.error_code` in the body (e.g. `enforced_spend_limit_reached`). */
  errorCode?: string;
  message?: string;
  retryAfterSeconds?: number;
  latencyMs?: number;
  afterLines?: number;
  mode?: 'reset' | 'end';
  customIdPattern?: string;
}

/** A rule as the emulator keeps it: normalised, with how often it fired. */
export interface ActiveFault extends FaultRule {
  id: number;
  hits: number;
}

export interface HttpFault {
  status: number;
  errorType: string;
  errorCode?: string;
  message: string;
  retryAfterSeconds?: number;
}

/** Spend-limit 429s carry no retry-after: they do not clear by waiting (reference §0, §7). */
const NO_RETRY_AFTER_CODES: ReadonlySet<string> = new Set(['enforced_spend_limit_reached', 'contract_spend_limit_reached']);

export interface HttpDecision {
  latencyMs: number;
  reset: boolean;
  error?: HttpFault;
}

const KINDS: ReadonlySet<string> = new Set([
  'rate_limit',
  'server_error',
  'overloaded',
  'status',
  'reset',
  'latency',
  'cut_results',
  'row_error',
  'row_expire',
]);

/** Reads rules from parsed JSON: an array, or `{ "faults": [...] }`. Throws with a clear message on bad input. */
export function parseFaults(json: unknown): FaultRule[] {
  const list = Array.isArray(json) ? json : (json as { faults?: unknown } | null)?.faults;
  if (!Array.isArray(list)) {
    throw new Error('faults: expected an array of rules or {"faults": [...]}');
  }
  return list.map((raw, index) => {
    if (typeof raw !== 'object' || raw === null) {
      throw new Error(`faults[${index}]: expected an object`);
    }
    const rule = raw as FaultRule;
    if (!KINDS.has(rule.kind)) {
      throw new Error(`faults[${index}].kind: expected one of ${[...KINDS].join(', ')}, got ${JSON.stringify(rule.kind)}`);
    }
    if (rule.kind === 'status' && (typeof rule.status !== 'number' || rule.status < 400)) {
      throw new Error(`faults[${index}].status: a "status" fault needs an HTTP error status (>= 400)`);
    }
    if ((rule.kind === 'row_error' || rule.kind === 'row_expire') && typeof rule.customIdPattern !== 'string') {
      throw new Error(`faults[${index}].customIdPattern: required for ${rule.kind}`);
    }
    if (rule.customIdPattern !== undefined) {
      new RegExp(rule.customIdPattern);
    }
    if (rule.kind === 'latency' && typeof rule.latencyMs !== 'number') {
      throw new Error(`faults[${index}].latencyMs: required for latency`);
    }
    return { ...rule };
  });
}

/** `**` matches anything, `*` anything within one path segment; the rest is literal. */
function globToRegExp(glob: string): RegExp {
  const pattern = glob
    .split('**')
    .map((part) => part.split('*').map(escapeRegExp).join('[^/]*'))
    .join('.*');
  return new RegExp(`^${pattern}$`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}

export class FaultSet {
  private rules: ActiveFault[] = [];
  private nextId = 1;

  constructor(rules: FaultRule[] = []) {
    this.set(rules);
  }

  /** Replaces every rule. */
  set(rules: FaultRule[]): void {
    this.rules = [];
    this.add(rules);
  }

  add(rules: FaultRule[]): void {
    for (const rule of rules) {
      this.rules.push({ ...rule, id: this.nextId++, hits: 0 });
    }
  }

  list(): ActiveFault[] {
    return this.rules.map((rule) => ({ ...rule }));
  }

  /** What to do to an API request before handling it: latency to add, a reset, or an error answer. */
  forRequest(method: string, path: string): HttpDecision {
    const decision: HttpDecision = { latencyMs: 0, reset: false };
    for (const rule of this.rules) {
      if (rule.kind === 'latency' && this.matches(rule, method, path)) {
        this.fire(rule);
        decision.latencyMs += rule.latencyMs ?? 0;
      }
    }
    const action = this.rules.find(
      (rule) =>
        (rule.kind === 'rate_limit' || rule.kind === 'server_error' || rule.kind === 'overloaded' || rule.kind === 'status' || rule.kind === 'reset') &&
        this.matches(rule, method, path),
    );
    if (action) {
      this.fire(action);
      if (action.kind === 'reset') {
        decision.reset = true;
      } else {
        decision.error = httpFault(action);
      }
    }
    return decision;
  }

  /** The cut to apply to a results download, if one is armed for this path. */
  forResults(path: string): { afterLines: number; mode: 'reset' | 'end' } | undefined {
    const rule = this.rules.find((r) => r.kind === 'cut_results' && this.matches(r, 'GET', path));
    if (!rule) {
      return undefined;
    }
    this.fire(rule);
    return { afterLines: rule.afterLines ?? 0, mode: rule.mode ?? 'reset' };
  }

  /** A forced outcome for a row, if a rule names its custom_id. */
  forRow(customId: string): { type: 'errored'; errorType: string; message: string } | { type: 'expired' } | undefined {
    const rule = this.rules.find(
      (r) => (r.kind === 'row_error' || r.kind === 'row_expire') && this.remaining(r) && new RegExp(r.customIdPattern ?? '$^').test(customId),
    );
    if (!rule) {
      return undefined;
    }
    this.fire(rule);
    if (rule.kind === 'row_expire') {
      return { type: 'expired' };
    }
    const errorType = rule.errorType ?? 'api_error';
    return { type: 'errored', errorType, message: rule.message ?? defaultMessage(errorType) };
  }

  private matches(rule: ActiveFault, method: string, path: string): boolean {
    if (!this.remaining(rule)) {
      return false;
    }
    if (rule.method && rule.method.toUpperCase() !== method.toUpperCase()) {
      return false;
    }
    return !rule.path || globToRegExp(rule.path).test(path);
  }

  private remaining(rule: ActiveFault): boolean {
    return rule.times === undefined || rule.hits < rule.times;
  }

  private fire(rule: ActiveFault): void {
    rule.hits++;
  }
}

function httpFault(rule: FaultRule): HttpFault {
  const status =
    rule.kind === 'rate_limit' ? 429 : rule.kind === 'server_error' ? 500 : rule.kind === 'overloaded' ? 529 : (rule.status ?? 500);
  const errorType = rule.errorType ?? errorTypeForStatus(status);
  const terminal = rule.errorCode !== undefined && NO_RETRY_AFTER_CODES.has(rule.errorCode);
  const fault: HttpFault = {
    status,
    errorType,
    message: rule.message ?? defaultMessage(errorType),
    retryAfterSeconds: status === 429 && !terminal ? (rule.retryAfterSeconds ?? 1) : rule.retryAfterSeconds,
  };
  if (rule.errorCode !== undefined) fault.errorCode = rule.errorCode;
  return fault;
}

function defaultMessage(errorType: string): string {
  switch (errorType) {
    case 'rate_limit_error':
      return 'Number of request tokens has exceeded your per-minute rate limit (emulated fault).';
    case 'overloaded_error':
      return 'Overloaded';
    case 'api_error':
      return 'Internal server error';
    case 'authentication_error':
      return 'invalid x-api-key';
    case 'permission_error':
      return 'Your API key does not have permission to use the specified resource.';
    case 'billing_error':
      return 'Your credit balance is too low to access the Anthropic API.';
    case 'invalid_request_error':
      return 'Invalid request (emulated fault).';
    default:
      return `${errorType} (emulated fault)`;
  }
}
