import { type BatchProcessingStatus, type BatchRecord, type Job, type RequestCounts, type RowAttempt, addRequestCounts, isBatchInFlight } from '../jobs/jobModel';
import { countsFromStats, storedRowStats } from './jobRowStats';

/**
 * Where a job stands as a whole. `submitting`: an intent has no batch id yet; `submitFailed`: no batch
 * of the job reached the API. The API's own three states keep their names.
 */
export type JobPhase = 'submitting' | 'in_progress' | 'canceling' | 'ended' | 'submitFailed';

/** How an ended job went, for icons and notifications. */
export type JobOutcome = 'succeeded' | 'partial' | 'failed' | 'empty';

export interface JobSummary {
  jobId: string;
  phase: JobPhase;
  /** The three API states, for `status --json`: pending intents count as `in_progress`. */
  apiStatus: BatchProcessingStatus;
  /** One count per row of the manifest, taken from the row's most recent batch. */
  counts: RequestCounts;
  outcome?: JobOutcome;
  /** Batches the API is still working on (have an id and have not ended). */
  runningBatchCount: number;
  /** Earliest expiry among running batches (RFC 3339), if any. */
  nextExpiresAt?: string;
  /** Rows whose most recent attempt errored, expired or was canceled (downloaded, or counted by an ended batch). */
  failedRowCount: number;
  /** Rows that have an output file. */
  rowsWithOutput: number;
  lastPollError?: string;
}

export function emptyCounts(): RequestCounts {
  return { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0 };
}

/** True while the API may still change this batch: it has an id and has not been seen ended. */
export function isBatchRunning(batch: BatchRecord): boolean {
  return batch.batchId !== undefined && batch.status !== 'ended';
}

/**
 * True for an intent whose batch may exist: no id yet, and not known to have failed for certain
 * (a timeout leaves `submitError` without `notSubmitted`; reconciliation decides).
 */
export function isBatchPending(batch: BatchRecord): boolean {
  return batch.batchId === undefined && !batch.notSubmitted;
}

/** Every batch of every job that the poller has to ask about. */
export function runningBatches(jobs: readonly Job[]): Array<{ jobId: string; batch: BatchRecord }> {
  return jobs.flatMap((job) => job.batches.filter(isBatchRunning).map((batch) => ({ jobId: job.id, batch })));
}

/** True while any batch of the job is in flight (`isBatchInFlight`): submitting, in progress or canceling. */
export function isJobRunning(job: Job): boolean {
  return job.batches.some(isBatchInFlight);
}

/** The most recent attempt of a row, or undefined before any result was downloaded for it. */
export function latestAttempt(job: Job, customId: string): RowAttempt | undefined {
  const attempts = job.rows[customId];
  return attempts && attempts.length > 0 ? attempts[attempts.length - 1] : undefined;
}

/**
 * For each custom id, the batch that currently speaks for it: the last batch that contains it and
 * reached the API (or is still an unconfirmed intent). Retries supersede earlier batches row by row.
 */
export function currentBatchByRow(job: Job): Map<string, BatchRecord> {
  const current = new Map<string, BatchRecord>();
  for (const batch of job.batches) {
    if (batch.batchId === undefined && batch.notSubmitted) {
      continue;
    }
    for (const customId of batch.customIds) {
      current.set(customId, batch);
    }
  }
  return current;
}

function attemptFor(job: Job, customId: string, batchId: string | undefined): RowAttempt | undefined {
  if (batchId === undefined) {
    return undefined;
  }
  const attempts = job.rows[customId] ?? [];
  for (let i = attempts.length - 1; i >= 0; i--) {
    if (attempts[i].batchId === batchId) {
      return attempts[i];
    }
  }
  return undefined;
}

/**
 * Per-row counts for the whole job. A batch that still speaks for all of its rows contributes its
 * `request_counts`; a batch partly superseded by a retry contributes the recorded outcome of each row
 * it still speaks for (a retry is only planned once that batch's results are downloaded).
 */
export function jobCounts(job: Job): RequestCounts {
  const stats = storedRowStats(job);
  if (stats) {
    return countsFromStats(job.batches, stats);
  }
  const counts = emptyCounts();
  const current = currentBatchByRow(job);
  // One pass to count how many rows each batch still speaks for (linear in rows; a 100k-row job
  // once spent minutes here copying per-batch lists row by row).
  const spokenFor = new Map<BatchRecord, number>();
  for (const batch of current.values()) {
    spokenFor.set(batch, (spokenFor.get(batch) ?? 0) + 1);
  }
  // An adopted batch whose results are not read yet has no known rows: its request_counts speak for it.
  for (const batch of job.batches) {
    if (batch.customIds.length === 0 && batch.batchId !== undefined && batch.counts) {
      addRequestCounts(counts, batch.counts);
    }
  }
  const wholeBatches = new Set<BatchRecord>();
  for (const [batch, rows] of spokenFor) {
    if (rows === batch.customIds.length && batch.counts && batch.status === 'ended') {
      addRequestCounts(counts, batch.counts);
      wholeBatches.add(batch);
    }
  }
  for (const [customId, batch] of current) {
    if (wholeBatches.has(batch)) {
      continue;
    }
    const attempt = batch.status === 'ended' ? attemptFor(job, customId, batch.batchId) : undefined;
    counts[attempt ? attempt.outcome : 'processing'] += 1;
  }
  return counts;
}

/** The job's phase, counts and the facts the tree, the status bar and `batch status` show. */
export function summarizeJob(job: Job): JobSummary {
  const counts = jobCounts(job);
  const phase = jobPhase(job);
  const running = job.batches.filter(isBatchRunning);
  const expiries = running.map((batch) => batch.expiresAt).filter((at): at is string => typeof at === 'string').sort();
  // A job from the store whose rows were not read carries their stats: counts never need the rows.
  const stats = storedRowStats(job);
  const failedDownloaded =
    stats?.failedDownloaded ??
    Object.keys(job.rows).filter((customId) => {
      const outcome = latestAttempt(job, customId)?.outcome;
      return outcome !== undefined && outcome !== 'succeeded';
    }).length;
  // An ended batch reports its failures in request_counts before its results are downloaded; those
  // rows are retryable too (the retry downloads first), so "Retry Failed Rows" is offered at once.
  const failedRowCount = Math.max(failedDownloaded, counts.errored + counts.expired + counts.canceled);
  const rowsWithOutput = stats?.rowsWithOutput ?? Object.values(job.rows).filter((attempts) => attempts.some((attempt) => attempt.outputPath)).length;
  const lastPollError = job.batches.map((batch) => batch.lastPollError).find((error) => error !== undefined);
  return {
    jobId: job.id,
    phase,
    apiStatus: phase === 'canceling' ? 'canceling' : phase === 'ended' || phase === 'submitFailed' ? 'ended' : 'in_progress',
    counts,
    outcome: phase === 'ended' ? outcomeOf(counts) : undefined,
    runningBatchCount: running.length,
    nextExpiresAt: expiries[0],
    failedRowCount,
    rowsWithOutput,
    lastPollError,
  };
}

/** The job's phase alone: cheap (batches only), for callers that need nothing else of the summary. */
export function jobPhase(job: Job): JobPhase {
  if (job.batches.some(isBatchPending)) {
    return 'submitting';
  }
  const reached = job.batches.filter((batch) => batch.batchId !== undefined);
  if (reached.length === 0) {
    return 'submitFailed';
  }
  if (reached.some((batch) => batch.status === 'in_progress' || batch.status === undefined)) {
    return 'in_progress';
  }
  if (reached.some((batch) => batch.status === 'canceling')) {
    return 'canceling';
  }
  return 'ended';
}

function outcomeOf(counts: RequestCounts): JobOutcome {
  const failed = counts.errored + counts.canceled + counts.expired;
  if (counts.succeeded === 0 && failed === 0) {
    return 'empty';
  }
  if (failed === 0) {
    return 'succeeded';
  }
  return counts.succeeded === 0 ? 'failed' : 'partial';
}

