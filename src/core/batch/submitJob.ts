import { createHash } from 'node:crypto';
import type { BatchApi, BatchRequest, MessageBatch } from '../api/batchApi';
import { toBatchApiError } from '../api/errors';
import type { BatchRecord, Job } from '../jobs/jobModel';
import type { FileJobStore } from '../tracking/jobStore';
import { abortError, type Clock } from '../util/clock';
import { type Logger, silentLogger } from '../util/logger';
import type { PreparedJob } from './prepareJob';
import { DEFAULT_MAX_BATCH_BYTES, splitIntoBatches } from '../jobs/splitBatches';
import { classifyCreateFailure } from '../jobs/submissionFailure';

export interface SubmitOptions {
  store: FileJobStore;
  api: BatchApi;
  clock: Clock;
  logger?: Logger;
  signal?: AbortSignal;
  /** `batchlens.maxRequestsPerBatch`. */
  maxRequestsPerBatch: number;
  maxBatchBytes?: number;
  onProgress?: (progress: { batchesDone: number; batchesTotal: number }) => void;
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
  failure?: { index: number; message: string; definite: boolean };
  /** Requests of this job not in any submitted (or possibly submitted) batch. */
  unsentRequests: number;
}

/**
 * Persists a prepared job (its requests first, then the job record) and submits its batches.
 * See `submitPendingBatches` for the crash-safety protocol.
 */
export async function submitPreparedJob(prepared: PreparedJob, options: SubmitOptions): Promise<SubmitOutcome> {
  // The lines just written are kept, so the first submission does not read and parse them back.
  const lines = new Map<string, string>();
  await options.store.writeRequests(prepared.job.id, prepared.requests, (customId, line) => lines.set(customId, line));
  await options.store.create(prepared.job);
  return submitPendingBatches(prepared.job.id, options, lines);
}

/**
 * Submits every initial request of a job that is not yet in a batch (or possibly in one), split by
 * the limits. For each batch: the intent (a BatchRecord without `batchId`, with `intentAt` and the
 * body's sha256) is persisted, then `create` is called, then the id is persisted at once. A crash
 * between the last two leaves an intent that `reconcileIntents` matches against the API's list.
 *
 * A create failure that proves nothing was created (never sent: refused connection, unknown host,
 * a server that is not the API; or refused by the API: auth, invalid, too large, rate limited,
 * overloaded) marks the record `notSubmitted` at once so a later call sends those rows again; an
 * ambiguous failure (the answer lost after sending, an internal or gateway error) leaves an open
 * intent with `submitError`, because the API may have created the batch; reconciliation decides
 * (see `classifyCreateFailure`).
 * The first failure stops the submission. Resumable: call again for what is left.
 */
export async function submitPendingBatches(jobId: string, options: SubmitOptions, storedLines?: Map<string, string>): Promise<SubmitOutcome> {
  const { store, api, clock } = options;
  const logger = options.logger ?? silentLogger;
  const job = await store.get(jobId);
  if (!job) throw new Error(`no job ${jobId} in the store`);
  // Serialized lines, not objects: each batch's body is joined from them once, hashed and sent as is.
  const linesById = storedLines ?? (await store.readRequestLines(jobId));
  const pending = pendingCustomIds(job).map((id) => {
    const line = linesById.get(id);
    if (!line) throw new Error(`job ${jobId}: the stored requests have no row ${id}`);
    return { customId: id, line };
  });
  linesById.clear();
  const plan = splitIntoBatches(
    pending.map((request) => Buffer.byteLength(request.line, 'utf8')),
    { maxRequests: options.maxRequestsPerBatch, maxBytes: options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES },
  );
  const created: string[] = [];
  let current = job;
  for (const [planIndex, planned] of plan.entries()) {
    if (options.signal?.aborted) throw abortError();
    const requests = planned.indexes.map((index) => pending[index]);
    // Byte for byte `JSON.stringify({ requests })` of the parsed requests, so `sha256Of` agrees with it.
    const body = `{"requests":[${requests.map((request) => request.line).join(',')}]}`;
    const intent: BatchRecord = {
      index: 0,
      customIds: requests.map((request) => request.customId),
      intentAt: clock.now(),
      requestsSha256: createHash('sha256').update(body, 'utf8').digest('hex'),
      purpose: 'initial',
    };
    await store.update(jobId, (stored) => {
      intent.index = stored.batches.length;
      stored.batches.push(intent);
    });
    let batch: MessageBatch;
    try {
      batch = api.createFromJson
        ? await api.createFromJson(body, { signal: options.signal })
        : await api.create((JSON.parse(body) as { requests: BatchRequest[] }).requests, { signal: options.signal });
    } catch (error) {
      const apiError = toBatchApiError(error);
      const classified = classifyCreateFailure(error);
      const definite = classified.class !== 'ambiguous';
      const message = classified.message;
      logger.warn(`Batchlens: creating batch ${intent.index + 1} of job ${jobId} failed (${apiError.kind}): ${apiError.message}`);
      current = await store.update(jobId, (stored) => {
        const record = stored.batches[intent.index];
        record.submitError = message;
        if (definite) record.notSubmitted = true;
      });
      return {
        job: current,
        created,
        failure: { index: intent.index, message, definite },
        unsentRequests: pendingCustomIds(current).length,
      };
    }
    await options.afterCreate?.(batch, intent);
    current = await store.update(jobId, (stored) => {
      applyBatchToRecord(stored.batches[intent.index], batch);
    });
    created.push(batch.id);
    logger.info(`Batchlens: job ${jobId} batch ${intent.index + 1} created as ${batch.id} (${requests.length} requests)`);
    options.onProgress?.({ batchesDone: planIndex + 1, batchesTotal: plan.length });
  }
  return { job: current, created, unsentRequests: pendingCustomIds(current).length };
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

/** Copies what the API said about a batch onto its record (and clears a stale submit error). */
export function applyBatchToRecord(record: BatchRecord, batch: MessageBatch): void {
  record.batchId = batch.id;
  record.status = batch.processing_status;
  record.counts = { ...batch.request_counts };
  record.createdAt = batch.created_at;
  record.expiresAt = batch.expires_at;
  record.endedAt = batch.ended_at;
  record.resultsUrl = batch.results_url;
  delete record.submitError;
  delete record.notSubmitted;
}

/** sha256 of the create body `{"requests":[...]}` as we serialize it, to recognise the same submission. */
export function sha256Of(requests: readonly BatchRequest[]): string {
  return createHash('sha256').update(JSON.stringify({ requests }), 'utf8').digest('hex');
}
