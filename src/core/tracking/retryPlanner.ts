import type { BatchApi } from '../api/batchApi';
import type { Job, JobStore, RowAttempt } from '../jobs/jobModel';
import { storedRequestLines } from '../jobs/requestsFile';
import { API_MAX_REQUESTS_PER_BATCH, DEFAULT_MAX_BATCH_BYTES } from '../jobs/splitBatches';
import { submitRows } from '../jobs/submission';
import type { Clock } from '../util/clock';
import type { Logger } from '../util/logger';
import { currentBatchByRow } from './jobStatus';

/**
 * What to do with a row, by its latest outcome (reference §1, §7):
 * - `resend`: a server-side error (`api_error`, `overloaded_error`, `rate_limit_error`, `timeout_error`,
 *   or a type we do not know) — the same request may well succeed later;
 * - `resubmit`: `expired` — never processed within 24 h;
 * - `edit`: the request itself was refused (`invalid_request_error`, `request_too_large`,
 *   `not_found_error`) — sending it unchanged fails again, so it is listed with the API's message;
 * - `account`: the key or account was refused (`authentication_error`, `permission_error`, `billing_error`);
 * - `canceled`: resent only when the user asks;
 * - `done`: succeeded.
 * None of the failed rows were billed.
 */
export type RetryClass = 'resend' | 'resubmit' | 'edit' | 'account' | 'canceled' | 'done';

const EDIT_TYPES: ReadonlySet<string> = new Set(['invalid_request_error', 'request_too_large', 'not_found_error']);
const ACCOUNT_TYPES: ReadonlySet<string> = new Set(['authentication_error', 'permission_error', 'billing_error']);

export function classifyAttempt(attempt: Pick<RowAttempt, 'outcome' | 'errorType'>): RetryClass {
  switch (attempt.outcome) {
    case 'succeeded':
      return 'done';
    case 'expired':
      return 'resubmit';
    case 'canceled':
      return 'canceled';
    case 'errored': {
      const type = attempt.errorType ?? '';
      if (EDIT_TYPES.has(type)) {
        return 'edit';
      }
      return ACCOUNT_TYPES.has(type) ? 'account' : 'resend';
    }
  }
}

export interface RetryRow {
  customId: string;
  relativePath: string;
  retryClass: RetryClass;
  errorType?: string;
  errorMessage?: string;
}

export interface RetryPlan {
  jobId: string;
  /** Rows the retry batch sends unchanged: server-side errors, expired rows, and canceled rows when asked. */
  toSend: RetryRow[];
  /** Rows the API refused as invalid: to be edited by the user, with the API's message; never resent. */
  forEditing: RetryRow[];
  /** Rows refused for the key or account: fix that first; not resent. */
  accountProblems: RetryRow[];
  /** Canceled rows left out because `includeCanceled` was not set. */
  canceledLeftOut: RetryRow[];
  /** Rows a newer batch is still working on (or may be: an unconfirmed intent). */
  inFlight: string[];
  /** Rows whose batch ended but whose results are not downloaded yet: download first. */
  awaitingResults: string[];
}

/**
 * Sorts every row of a job by what a retry should do with it, from each row's most recent batch.
 * Pure: reads the job, sends nothing.
 */
export function planRetry(job: Job, options: { includeCanceled?: boolean } = {}): RetryPlan {
  const plan: RetryPlan = { jobId: job.id, toSend: [], forEditing: [], accountProblems: [], canceledLeftOut: [], inFlight: [], awaitingResults: [] };
  const current = currentBatchByRow(job);
  for (const entry of job.manifest) {
    const batch = current.get(entry.customId);
    if (!batch) {
      continue;
    }
    const attempt = batch.batchId ? (job.rows[entry.customId] ?? []).filter((candidate) => candidate.batchId === batch.batchId).pop() : undefined;
    if (!attempt) {
      (batch.batchId && batch.status === 'ended' ? plan.awaitingResults : plan.inFlight).push(entry.customId);
      continue;
    }
    const retryClass = classifyAttempt(attempt);
    const row: RetryRow = { customId: entry.customId, relativePath: entry.relativePath, retryClass };
    if (attempt.errorType !== undefined) {
      row.errorType = attempt.errorType;
    }
    if (attempt.errorMessage !== undefined) {
      row.errorMessage = attempt.errorMessage;
    }
    switch (retryClass) {
      case 'resend':
      case 'resubmit':
        plan.toSend.push(row);
        break;
      case 'edit':
        plan.forEditing.push(row);
        break;
      case 'account':
        plan.accountProblems.push(row);
        break;
      case 'canceled':
        (options.includeCanceled ? plan.toSend : plan.canceledLeftOut).push(row);
        break;
      case 'done':
        break;
    }
  }
  return plan;
}

export interface RetrySubmitOptions {
  /** `dir` (the store's `.batchlens/`) lets the stored requests be read from their file as they are sent. */
  store: JobStore & { readonly dir?: string };
  api: BatchApi;
  clock: Clock;
  logger?: Logger;
  signal?: AbortSignal;
  maxRequestsPerBatch?: number;
}

export interface RetryOutcome {
  job: Job;
  /** Batch ids created for the retry, in order. */
  created: string[];
  /** Rows sent in those batches. */
  sentCustomIds: string[];
  /** The failure that stopped the retry; `definite` when no batch can exist for it. */
  failure?: { index: number; message: string; definite: boolean };
}

/**
 * Sends the plan's `toSend` rows again, unchanged (the stored request lines), as new batches of the
 * same job with purpose `retry`, through the same protocol as the first submission (`submitRows`:
 * intent recorded, create, id recorded; a failure that proves nothing was created marks the record
 * not submitted, an ambiguous one stays an open intent for reconciliation). Each row keeps its
 * earlier attempts; the new batch's results add to them.
 */
export async function submitRetry(plan: RetryPlan, options: RetrySubmitOptions): Promise<RetryOutcome> {
  const { store } = options;
  const job = await store.get(plan.jobId);
  if (!job) throw new Error(`no job ${plan.jobId} in the store`);
  const toSend = new Set(plan.toSend.map((row) => row.customId));
  const result = await submitRows(
    plan.jobId,
    storedRequestLines(store, job, toSend),
    'retry',
    { maxRequests: options.maxRequestsPerBatch ?? API_MAX_REQUESTS_PER_BATCH, maxBytes: DEFAULT_MAX_BATCH_BYTES },
    { store, api: options.api, clock: options.clock, logger: options.logger, signal: options.signal },
  );
  return {
    job: result.job ?? job,
    created: result.created,
    sentCustomIds: result.sentCustomIds,
    ...(result.failure ? { failure: result.failure } : {}),
  };
}
