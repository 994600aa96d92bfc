import type { BatchApi, BatchRequest, MessageBatch } from '../api/batchApi';
import { toBatchApiError } from '../api/errors';
import { classifyCreateFailure } from '../jobs/submissionFailure';
import { applyBatchToRecord, sha256Of } from '../batch/submitJob';
import { DEFAULT_MAX_BATCH_BYTES, API_MAX_REQUESTS_PER_BATCH, splitIntoBatches } from '../jobs/splitBatches';
import type { Clock } from '../util/clock';
import { type Logger, silentLogger } from '../util/logger';
import type { BatchRecord, Job, JobStore, RowAttempt } from '../jobs/jobModel';
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
  store: JobStore;
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
 * Sends the plan's `toSend` rows again, unchanged (the stored request bodies), as new batches of the
 * same job with purpose `retry`. Same discipline as submission: the intent is persisted before the
 * create call and the id right after it, so a crash in between is reconciled, never resent twice.
 * Each row keeps its earlier attempts; the new batch's results add to them.
 */
export async function submitRetry(plan: RetryPlan, options: RetrySubmitOptions): Promise<RetryOutcome> {
  const { store, api, clock } = options;
  const logger = options.logger ?? silentLogger;
  const stored = await store.readRequests(plan.jobId);
  const requests: BatchRequest[] = plan.toSend.map((row) => {
    const request = stored.get(row.customId);
    if (!request) {
      throw new Error(`job ${plan.jobId}: the stored requests have no row ${row.customId}, so it cannot be resent unchanged`);
    }
    return request;
  });
  const outcome: RetryOutcome = { job: (await store.get(plan.jobId)) as Job, created: [], sentCustomIds: [] };
  if (requests.length === 0) {
    return outcome;
  }
  const split = splitIntoBatches(
    requests.map((request) => Buffer.byteLength(JSON.stringify(request), 'utf8')),
    { maxRequests: options.maxRequestsPerBatch ?? API_MAX_REQUESTS_PER_BATCH, maxBytes: DEFAULT_MAX_BATCH_BYTES },
  );
  for (const planned of split) {
    const chunk = planned.indexes.map((index) => requests[index]);
    const intent: BatchRecord = {
      index: 0,
      customIds: chunk.map((request) => request.custom_id),
      intentAt: clock.now(),
      requestsSha256: sha256Of(chunk),
      purpose: 'retry',
    };
    outcome.job = await store.update(plan.jobId, (job) => {
      intent.index = job.batches.length;
      job.batches.push(intent);
    });
    let batch: MessageBatch;
    try {
      batch = await api.create(chunk, { signal: options.signal });
    } catch (error) {
      const apiError = toBatchApiError(error);
      // Same rule as the first submission: only a failure that may hide a created batch stays open.
      const classified = classifyCreateFailure(error);
      const definite = classified.class !== 'ambiguous';
      const message = classified.message;
      logger.warn(`Retry batch ${intent.index + 1} of job ${plan.jobId} failed (${apiError.kind}): ${apiError.message}`);
      outcome.job = await store.update(plan.jobId, (job) => {
        const record = job.batches[intent.index];
        record.submitError = message;
        if (definite) {
          record.notSubmitted = true;
        }
      });
      outcome.failure = { index: intent.index, message, definite };
      return outcome;
    }
    outcome.job = await store.update(plan.jobId, (job) => {
      applyBatchToRecord(job.batches[intent.index], batch);
    });
    outcome.created.push(batch.id);
    outcome.sentCustomIds.push(...intent.customIds);
    logger.info(`Job ${plan.jobId}: retry batch ${batch.id} created with ${chunk.length} rows`);
  }
  return outcome;
}
