import type { BatchApi, MessageBatch } from '../api/batchApi';
import type { BatchRecord, Job, JobStore } from '../jobs/jobModel';
import { storedRequestLines } from '../jobs/requestsFile';
import { DEFAULT_MAX_BATCH_BYTES } from '../jobs/splitBatches';
import { type KnownRows, submitRows } from '../jobs/submission';
import type { Clock } from '../util/clock';
import type { Logger } from '../util/logger';
import type { PreparedJob } from './prepareJob';

/** The store a submission needs: the job record and, on disk, its requests file (`dir` is `.batchlens/`). */
export type SubmitStore = Pick<JobStore, 'get' | 'create' | 'createWithRowsLog' | 'update' | 'readRequests'> & { readonly dir?: string };

export interface SubmitOptions {
  store: SubmitStore;
  api: BatchApi;
  clock: Clock;
  logger?: Logger;
  signal?: AbortSignal;
  /** `batchlens.maxRequestsPerBatch`. */
  maxRequestsPerBatch: number;
  maxBatchBytes?: number;
  /** `batchesTotal` is known when the job's split was planned in this process (a first submission). */
  onProgress?: (progress: { batchesDone: number; batchesTotal?: number }) => void;
  /**
   * Test seam: runs after a create call returned and before its id is persisted. A hook that
   * throws stands for the process dying at the worst moment.
   */
  afterCreate?: (batch: MessageBatch, record: BatchRecord) => void | Promise<void>;
}

export interface SubmitOutcome {
  job: Job;
  /** Batch ids created by this call, in order. */
  created: string[];
  /** The first failure, which stopped the submission; later batches were not attempted. */
  failure?: { index: number; message: string; definite: boolean; rows: number };
  /** Requests of this job not in any submitted (or possibly submitted) batch. */
  unsentRequests: number;
}

/**
 * Persists a prepared job (its requests file first, put in place complete, then the job record with
 * its manifest log) and submits its batches. See `submitRows` (src/core/jobs/submission.ts) for the
 * crash-safety protocol.
 */
export async function submitPreparedJob(prepared: PreparedJob, options: SubmitOptions): Promise<SubmitOutcome> {
  if (!prepared.requests) throw new Error(`job ${prepared.job.id} was prepared as a preview only (its requests were not kept), so it cannot be submitted`);
  await prepared.requests.commit();
  // The manifest was written as the job's rows log while it was built: placed as it is, never read back whole.
  if (prepared.manifestLog && options.store.createWithRowsLog) await options.store.createWithRowsLog(prepared.job, prepared.manifestLog);
  else await options.store.create(prepared.job);
  // Every row is pending and its length is known from building it: the job is neither read back
  // from the store nor its requests file read an extra time to plan the split.
  return submitPending(prepared.job, options, prepared.plan.length, { lineBytes: prepared.requestBytes });
}

/**
 * Submits every initial request of a job that is not yet in a batch (or possibly in one), split by
 * the limits, through the one submission protocol (`submitRows`): intent recorded, create, id
 * recorded, batch by batch, reading the stored request lines as it goes. A create failure that proves
 * nothing was created marks its record `notSubmitted` so a later call sends those rows again; an
 * ambiguous one leaves an open intent for reconciliation. Resumable: call again for what is left.
 */
export async function submitPendingBatches(jobId: string, options: SubmitOptions, batchesTotal?: number): Promise<SubmitOutcome> {
  const job = await options.store.get(jobId);
  if (!job) throw new Error(`no job ${jobId} in the store`);
  return submitPending(job, options, batchesTotal);
}

/**
 * `submitPendingBatches` for a job in hand. `known` (a first submission, every row pending) gives
 * the lengths of all its rows, in the requests file's order: the whole file is sent, unfiltered.
 */
async function submitPending(job: Job, options: SubmitOptions, batchesTotal?: number, known?: KnownRows): Promise<SubmitOutcome> {
  const { store } = options;
  const pending = known ? undefined : new Set(pendingCustomIds(job));
  const pendingRows = pending?.size ?? known!.lineBytes.length;
  let batchesDone = 0;
  const result = await submitRows(
    job.id,
    storedRequestLines(store, job, pending),
    'initial',
    { maxRequests: options.maxRequestsPerBatch, maxBytes: options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES },
    {
      store,
      api: options.api,
      clock: options.clock,
      logger: options.logger,
      signal: options.signal,
      afterCreate: options.afterCreate,
      onBatchCreated: () => options.onProgress?.({ batchesDone: ++batchesDone, batchesTotal }),
      // Only their number is reported: the ids stay in the job's batch records, not in memory to the end.
      listSentCustomIds: false,
    },
    known,
  );
  // Counted from what this call did, not from the job's rows (reading them back costs a pass over the
  // job): the rows it found pending, less those now in a created batch or in an intent that may exist.
  const mayExist = result.failure && !result.failure.definite ? result.failure.rows : 0;
  return {
    job: result.job ?? job,
    created: result.created,
    ...(result.failure ? { failure: result.failure } : {}),
    unsentRequests: pendingRows - result.sentRows - mayExist,
  };
}

/**
 * Initial rows of the job not covered by a batch that exists or may exist, in manifest order.
 * A record covers its rows when it has an id, or is an open intent (no id and not `notSubmitted`).
 */
export function pendingCustomIds(job: Job): string[] {
  const covered = new Set<string>();
  for (const record of job.batches) {
    if (record.batchId || !record.notSubmitted) for (const id of record.customIds) covered.add(id);
  }
  return job.manifest.map((entry) => entry.customId).filter((id) => !covered.has(id));
}
