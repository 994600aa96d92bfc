import type { BatchApi } from '../api/batchApi';
import { explainApiError } from '../api/errors';
import { applyBatchToRecord } from '../jobs/batchRecord';
import type { Logger } from '../util/logger';
import { failureFacts } from './apiErrors';
import type { Job, JobStore } from '../jobs/jobModel';
import { isBatchRunning, isJobRunning } from './jobStatus';
import { type ShortResults, markShort, shortResults } from './resultsCompleteness';
import { type ResultsDownloadOptions, type ResultsReport, downloadResults } from './resultsWriter';

/** A job id (or prefix) that names no job, or more than one. */
export class JobLookupError extends Error {
  override name = 'JobLookupError';
}

/**
 * The job whose id is `idOrPrefix`, or the only job whose id starts with it.
 * @throws JobLookupError when none matches, or several do (the message lists them).
 */
export async function findJob(store: JobStore, idOrPrefix: string): Promise<Job> {
  const wanted = idOrPrefix.trim();
  if (!wanted) {
    throw new JobLookupError('give a job id (or a unique prefix of one)');
  }
  const exact = await store.get(wanted).catch(() => undefined);
  if (exact) {
    return exact;
  }
  const matches = (await store.list()).filter((job) => job.id.startsWith(wanted));
  if (matches.length === 1) {
    return matches[0];
  }
  if (matches.length === 0) {
    throw new JobLookupError(`no job '${wanted}' in this workspace (see \`batchlens batch list\`)`);
  }
  throw new JobLookupError(`'${wanted}' matches ${matches.length} jobs: ${matches.map((job) => job.id).join(', ')}`);
}

export interface RefreshOutcome {
  job: Job;
  /** Batches that could not be retrieved, with why (also stored as `lastPollError`). */
  failures: Array<{ batchId: string; message: string }>;
}

/** Retrieves each running batch of a job once and stores what the API said. */
export async function refreshJob(jobId: string, deps: { store: JobStore; api: BatchApi; signal?: AbortSignal }): Promise<RefreshOutcome> {
  const job = await deps.store.get(jobId);
  if (!job) {
    throw new JobLookupError(`no job '${jobId}'`);
  }
  const failures: RefreshOutcome['failures'] = [];
  let current = job;
  for (const batch of job.batches.filter(isBatchRunning)) {
    const batchId = batch.batchId as string;
    try {
      const remote = await deps.api.retrieve(batchId, { signal: deps.signal });
      current = await deps.store.update(jobId, (stored) => {
        const record = stored.batches.find((candidate) => candidate.batchId === batchId);
        if (record) {
          applyBatchToRecord(record, remote);
          delete record.lastPollError;
        }
      });
    } catch (error) {
      const message = explainApiError(error);
      failures.push({ batchId, message });
      current = await deps.store.update(jobId, (stored) => {
        const record = stored.batches.find((candidate) => candidate.batchId === batchId);
        if (record) {
          record.lastPollError = message;
        }
      });
    }
  }
  return { job: current, failures };
}

export interface CancelOutcome {
  job: Job;
  /** Batch ids the API accepted a cancel for. */
  canceled: string[];
  failures: Array<{ batchId: string; message: string }>;
}

/**
 * Asks the API to cancel every running batch of a job. Their status becomes `canceling`; the poller
 * follows them to `ended` (rows never processed come back `canceled`, and were not billed).
 */
export async function cancelJob(jobId: string, deps: { store: JobStore; api: BatchApi; logger: Logger; signal?: AbortSignal }): Promise<CancelOutcome> {
  const job = await deps.store.get(jobId);
  if (!job) {
    throw new JobLookupError(`no job '${jobId}'`);
  }
  const outcome: CancelOutcome = { job, canceled: [], failures: [] };
  for (const batch of job.batches.filter((candidate) => isBatchRunning(candidate) && candidate.status !== 'canceling')) {
    const batchId = batch.batchId as string;
    try {
      const remote = await deps.api.cancel(batchId, { signal: deps.signal });
      outcome.job = await deps.store.update(jobId, (stored) => {
        const record = stored.batches.find((candidate) => candidate.batchId === batchId);
        if (record) {
          applyBatchToRecord(record, remote);
        }
      });
      outcome.canceled.push(batchId);
      deps.logger.info(`Cancel requested for ${batchId} of ${jobId}`);
    } catch (error) {
      const message = failureFacts(error).message;
      outcome.failures.push({ batchId, message });
      deps.logger.warn(`Could not cancel ${batchId} of ${jobId}: ${message}`);
    }
  }
  return outcome;
}

/** Whether a job may be deleted: nothing of it runs or may still be created. */
export function isJobDeletable(job: Job): boolean {
  return !isJobRunning(job);
}

export interface DeleteOutcome {
  /** Batch ids deleted on the API (or already gone there). */
  deletedRemote: string[];
  /** Result files stay: they are the user's now. */
  keptResultsDir: string;
}

/**
 * Deletes a job that no longer runs: first each of its batches on the API (a batch already gone
 * counts as deleted), then the job record. If the API refuses a delete, the record is kept so
 * nothing is lost, and the error is thrown. Result files already written are kept.
 * With `localOnly`, only the record is removed (no API call).
 */
export async function deleteJob(
  jobId: string,
  deps: { store: JobStore; api?: BatchApi; logger: Logger; localOnly?: boolean; signal?: AbortSignal },
): Promise<DeleteOutcome> {
  const job = await deps.store.get(jobId);
  if (!job) {
    throw new JobLookupError(`no job '${jobId}'`);
  }
  if (!isJobDeletable(job)) {
    throw new Error(`job ${jobId} is still running: cancel it first, then delete it once it has ended`);
  }
  const deletedRemote: string[] = [];
  if (!deps.localOnly) {
    if (!deps.api) {
      throw new Error('deleting the batches on the API needs an API key (or delete only the local record)');
    }
    for (const batch of job.batches) {
      if (!batch.batchId) {
        continue;
      }
      try {
        await deps.api.delete(batch.batchId, { signal: deps.signal });
        deletedRemote.push(batch.batchId);
      } catch (error) {
        const facts = failureFacts(error);
        if (facts.kind !== 'not_found') {
          throw new Error(`could not delete ${batch.batchId} on the API (the job is kept): ${facts.message}`, { cause: error });
        }
        deletedRemote.push(batch.batchId);
      }
    }
  }
  await deps.store.delete(jobId);
  deps.logger.info(`Deleted job ${jobId} (${deletedRemote.length} batches on the API)`);
  return { deletedRemote, keptResultsDir: deps.store.resultsDir(jobId) };
}

export interface CheckedResultsReport extends ResultsReport {
  /** Batches whose results are still short of their `request_counts` after every resume: the job is not complete. */
  incomplete: ShortResults[];
}

/** How many extra downloads a short batch gets within one call before it is reported incomplete. */
const SHORT_RESULTS_ROUNDS = 2;

/**
 * Downloads a job's results and checks each ended batch against its `request_counts`
 * (succeeded + errored + canceled + expired): a batch whose stream ended early is resumed from
 * where it stopped, and one that still falls short is marked not complete (never
 * `resultsComplete: true`) and returned in `incomplete`, for the caller to report as a failure.
 */
export async function downloadCheckedResults(jobId: string, options: ResultsDownloadOptions): Promise<CheckedResultsReport> {
  let report = await downloadResults(jobId, options);
  for (let round = 0; ; round++) {
    const job = await options.store.get(jobId);
    const short = job ? shortResults(job) : [];
    await options.store.update(jobId, (stored) => markShort(stored, shortResults(stored)));
    if (short.length === 0 || round >= SHORT_RESULTS_ROUNDS) return { ...report, incomplete: short };
    options.logger.info(`Results of ${short.map((item) => item.batchId).join(', ')} ended early; resuming.`);
    report = mergeReports(report, await downloadResults(jobId, { ...options, force: false }), options.listWritten);
  }
}

function mergeReports(first: ResultsReport, second: ResultsReport, listWritten = Infinity): ResultsReport {
  const outcomes = { ...first.outcomes };
  for (const key of Object.keys(outcomes) as Array<keyof typeof outcomes>) outcomes[key] += second.outcomes[key];
  return {
    ...first,
    written: [...first.written, ...second.written].slice(0, listWritten),
    writtenCount: first.writtenCount + second.writtenCount,
    unchanged: first.unchanged + second.unchanged,
    skipped: [...first.skipped, ...second.skipped],
    unknownCustomIds: [...new Set([...first.unknownCustomIds, ...second.unknownCustomIds])],
    outcomes,
    rawFiles: [...new Set([...first.rawFiles, ...second.rawFiles])],
    batchesRead: first.batchesRead,
    batchesPending: second.batchesPending,
  };
}
