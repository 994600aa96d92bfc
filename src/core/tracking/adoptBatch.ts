import { sha256Hex } from '../util/sha256';
import type { BatchApi, BatchRequest, MessageBatch } from '../api/batchApi';
import { applyBatchToRecord } from '../jobs/batchRecord';
import type { ModelOverrides } from '../pricing/overrides';
import type { Clock } from '../util/clock';
import type { Logger } from '../util/logger';
import { failureFacts } from './apiErrors';
import { JOB_SCHEMA_VERSION, type Job } from '../jobs/jobModel';
import type { FileJobStore } from './jobStore';
import { requestsFileFor } from '../jobs/jobIds';
import { type ConflictChoice, type ResultsLocation, type ResultsReport, downloadResults } from './resultsWriter';
import { type JobSavings, computeJobSavings } from './savings';

/** Batch ids as the API makes them (`msgbatch_…`); anything else is refused before any request. */
const BATCH_ID_PATTERN = /^msgbatch_[A-Za-z0-9]{1,128}$/;

/** A batch id that is malformed, or that the API does not know in this workspace. */
export class AdoptError extends Error {
  override name = 'AdoptError';
}

export interface AdoptOptions {
  store: FileJobStore;
  api: BatchApi;
  clock: Clock;
  logger: Logger;
  /** The workspace the API client acts on, recorded in the job (empty = the key's default workspace). */
  workspaceId?: string;
  /**
   * The batch's original requests (`{custom_id, params}`), when the user has them: kept with the job so
   * its failed rows can be resent unchanged. Without them a retry lists the failed rows by error class.
   */
  requests?: BatchRequest[];
  onConflict?: (relativePath: string) => Promise<ConflictChoice>;
  /** Where outputs go when the batch turns out to be one submitted from here (an adopted batch always uses the store). */
  location?: ResultsLocation;
  overrides?: ModelOverrides;
  signal?: AbortSignal;
}

export interface AdoptOutcome {
  job: Job;
  /** False when a job already recorded this batch (adopted before, or submitted from here). */
  created: boolean;
  /** Status of the batch as the API just reported it. */
  batch: MessageBatch;
  /** The results download, once the batch has ended (undefined while it runs). */
  results?: ResultsReport;
  /** Actual cost and savings from the rows' usage read so far. */
  savings: JobSavings;
}

/**
 * Takes a batch of the workspace into a local job by id, whoever created it: the API must find it
 * under the current key and workspace (which proves it belongs there), a job file records it from
 * then on, and once it has ended its results are streamed in with the resumable results writer (rows
 * written by custom_id). Adopting the same batch again reuses its job and only completes what is
 * missing, so it is idempotent; a batch submitted from this workspace resolves to its own job.
 * @throws AdoptError for a malformed id or one the API does not find; the API's error otherwise.
 */
export async function adoptBatch(batchIdInput: string, options: AdoptOptions): Promise<AdoptOutcome> {
  const batchId = batchIdInput.trim();
  if (!BATCH_ID_PATTERN.test(batchId)) {
    throw new AdoptError(`'${batchIdInput.slice(0, 80)}' is not a Message Batch id (they look like msgbatch_01AbC...)`);
  }
  const remote = await retrieveOrExplain(batchId, options);
  const found = await jobFor(batchId, remote, options);
  const created = found.created;
  let job = await options.store.update(found.job.id, (stored) => {
    const record = stored.batches.find((candidate) => candidate.batchId === batchId);
    if (record) {
      applyBatchToRecord(record, remote);
      delete record.lastPollError;
    }
  });
  if (options.requests && options.requests.length > 0 && job.adopted) {
    await options.store.writeRequests(job.id, options.requests);
  }
  let results: ResultsReport | undefined;
  if (remote.processing_status === 'ended') {
    results = await downloadResults(job.id, {
      store: options.store,
      api: options.api,
      logger: options.logger,
      location: options.location ?? 'store',
      onConflict: options.onConflict,
      signal: options.signal,
    });
    job = (await options.store.get(job.id)) ?? job;
  }
  return { job, created, batch: remote, results, savings: computeJobSavings(job, options.overrides) };
}

async function retrieveOrExplain(batchId: string, options: AdoptOptions): Promise<MessageBatch> {
  try {
    return await options.api.retrieve(batchId, { signal: options.signal });
  } catch (error) {
    if (failureFacts(error).kind === 'not_found') {
      const where = options.workspaceId ? `workspace ${options.workspaceId}` : "this key's default workspace";
      throw new AdoptError(`the API has no batch ${batchId} in ${where} (a batch belongs to the workspace that created it)`, { cause: error });
    }
    throw error;
  }
}

/** The job that records the batch: an existing one, or a new adopted job (created at most once). */
async function jobFor(batchId: string, remote: MessageBatch, options: AdoptOptions): Promise<{ job: Job; created: boolean }> {
  const existing = (await options.store.list()).find((job) => job.batches.some((batch) => batch.batchId === batchId));
  if (existing) {
    return { job: existing, created: false };
  }
  const job = newAdoptedJob(batchId, remote, options);
  try {
    await options.store.create(job);
  } catch (error) {
    // Another window or CLI run adopted it a moment ago: the id is the same, so use theirs.
    const raced = await options.store.get(job.id);
    if (raced) {
      return { job: raced, created: false };
    }
    throw error;
  }
  options.logger.info(`Adopted ${batchId} as job ${job.id}`);
  return { job, created: true };
}

/**
 * The id of an adopted batch's job is derived from the batch (its creation time and a hash of its id),
 * so two adoptions racing from two windows name the same job and the store lets only one create it.
 */
export function adoptedJobId(batchId: string, createdAt: string): string {
  const parsed = Date.parse(createdAt);
  const stamp = Number.isNaN(parsed) ? 'unknown' : new Date(parsed).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `job_${stamp}_adopted_${sha256Hex(batchId).slice(0, 8)}`;
}

function newAdoptedJob(batchId: string, remote: MessageBatch, options: AdoptOptions): Job {
  const id = adoptedJobId(batchId, remote.created_at);
  const now = options.clock.now();
  const createdAt = Date.parse(remote.created_at);
  const job: Job = {
    schemaVersion: JOB_SCHEMA_VERSION,
    id,
    createdAt: Number.isNaN(createdAt) ? now : createdAt,
    template: { name: 'adopted batch', model: 'unknown', maxTokens: 0 },
    manifest: [],
    batches: [{ index: 0, customIds: [], intentAt: now, requestsSha256: '', batchId, purpose: 'initial' }],
    rows: {},
    estimate: { batchUsd: 0, syncUsd: 0, inputTokens: 0, outputTokensBound: 0 },
    requestsFile: requestsFileFor(id),
    adopted: { batchId, adoptedAt: now, ...(options.workspaceId ? { workspaceId: options.workspaceId } : {}) },
  };
  applyBatchToRecord(job.batches[0], remote);
  return job;
}

/**
 * Parses the original requests of a batch given as JSONL (`{"custom_id","params"}` per line) or as a
 * create body (`{"requests":[...]}`).
 * @throws Error naming the first bad line.
 */
export function parseRequestsFile(text: string): BatchRequest[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('{') && /^\{\s*"requests"\s*:/.test(trimmed)) {
    const body = JSON.parse(trimmed) as { requests?: unknown };
    if (!Array.isArray(body.requests)) {
      throw new Error('"requests" must be an array of {custom_id, params}');
    }
    return body.requests.map((request, index) => checkedRequest(request, `request ${index + 1}`));
  }
  return trimmed
    .split(/\r?\n/)
    .map((line, index) => ({ line: line.trim(), index }))
    .filter(({ line }) => line.length > 0)
    .map(({ line, index }) => {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        throw new Error(`line ${index + 1} is not JSON`);
      }
      return checkedRequest(value, `line ${index + 1}`);
    });
}

function checkedRequest(value: unknown, where: string): BatchRequest {
  const request = value as { custom_id?: unknown; params?: unknown } | null;
  if (!request || typeof request.custom_id !== 'string' || typeof request.params !== 'object' || request.params === null) {
    throw new Error(`${where}: expected {"custom_id": "...", "params": {...}}`);
  }
  return request as BatchRequest;
}

/**
 * Before resending rows of an adopted batch: the API never returns a batch's request bodies, so
 * they are known only when the user gave them (`adopt --requests`).
 * @throws Error saying how to provide them, naming the rows that cannot be resent.
 */
export async function assertRequestsKnown(store: Pick<FileJobStore, 'readRequests'>, job: Job, customIds: readonly string[]): Promise<void> {
  if (!job.adopted || customIds.length === 0) {
    return;
  }
  const known = await store.readRequests(job.id).catch(() => new Map<string, BatchRequest>());
  const missing = customIds.filter((customId) => !known.has(customId));
  if (missing.length > 0) {
    const shown = missing.slice(0, 5).join(', ') + (missing.length > 5 ? `, and ${missing.length - 5} more` : '');
    throw new Error(
      `${job.id} is an adopted batch and Batchlens does not have the original requests of ${shown} (the API does not return them): ` +
        `adopt it again with its requests (\`batchlens batch adopt ${job.adopted.batchId} --requests <file.jsonl>\`), then retry`,
    );
  }
}
