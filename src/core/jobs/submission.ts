import { sha256Hex } from '../util/sha256';
import type { BatchApi, BatchRequest, MessageBatch } from '../api/batchApi';
import { toBatchApiError } from '../api/errors';
import { abortError, type Clock } from '../util/clock';
import { type Logger, silentLogger } from '../util/logger';
import { applyBatchToRecord } from './batchRecord';
import type { BatchRecord, Job, JobStore } from './jobModel';
import type { RequestLine } from './requestsFile';
import { type SplitLimits, splitIntoBatches } from './splitBatches';
import { classifyCreateFailure } from './submissionFailure';

/*
 * The one submission protocol, used by the first submission and by retries. For each batch:
 *   1. record intent: a BatchRecord without `batchId`, with `intentAt` and the body's sha256, is
 *      persisted before anything is sent;
 *   2. create: the body is sent once (no automatic retry of a create);
 *   3. record id: the answer's id is persisted at once.
 * A crash between 2 and 3 leaves an open intent that reconciliation matches against the API's list.
 * A failed create is sorted by what it proves (`classifyCreateFailure`): a failure that proves no batch
 * exists (never sent, or refused by the API: 4xx, 429, 529) marks the record `notSubmitted`, so its rows
 * may be sent again; an ambiguous one (timeout or reset after sending, 5xx, a gateway's answer) keeps
 * the intent open with `submitError`, so the rows are never sent twice while the batch may exist.
 * The first failure stops the submission.
 */

export interface SubmissionOptions {
  store: Pick<JobStore, 'update'>;
  api: BatchApi;
  clock: Clock;
  logger?: Logger;
  signal?: AbortSignal;
  /**
   * Test seam: runs after a create call returned and before its id is persisted. A hook that
   * throws stands for the process dying at the worst moment.
   */
  afterCreate?: (batch: MessageBatch, record: BatchRecord) => void | Promise<void>;
  onBatchCreated?: (created: { batchId: string; rows: number }) => void;
}

export interface SubmissionResult {
  job: Job | undefined;
  /** Batch ids created, in order. */
  created: string[];
  /** Rows in those batches. */
  sentCustomIds: string[];
  /** The failure that stopped the submission; `definite` when no batch can exist for it; `rows` in its batch. */
  failure?: { index: number; message: string; definite: boolean; rows: number };
}

/** The rows' custom ids and serialized lengths, in order, when the caller knows them already (it just wrote them). */
export interface KnownRows {
  customIds: readonly string[];
  lineBytes: readonly number[];
}

const BODY_OPEN = Buffer.from('{"requests":[');
const BODY_CLOSE = Buffer.from(']}');
const COMMA = Buffer.from(',');

/**
 * Sends `rows` (serialized requests, in order; a source that can be read twice) as batches of job
 * `jobId` with `purpose`, split by `limits` (`splitIntoBatches`: a new batch starts when the next row
 * would pass the request count or the body size). A first pass reads only each row's id and length
 * to plan the split (skipped when the caller gives them as `known`: a first submission built the
 * rows just now); the second fills each batch's body, allocated at its exact size, straight from
 * the rows, so the batch being sent is the only payload in memory. The body is
 * `{"requests":[line,line,...]}` byte for byte from the stored lines, which is what its sha256 covers;
 * a row that is not the one planned, or a body that does not come out at its planned size, stops the
 * submission before that batch is recorded or sent.
 */
export async function submitRows(
  jobId: string,
  rows: () => AsyncIterable<RequestLine>,
  purpose: BatchRecord['purpose'],
  limits: SplitLimits,
  options: SubmissionOptions,
  known?: KnownRows,
): Promise<SubmissionResult> {
  const result: SubmissionResult = { job: undefined, created: [], sentCustomIds: [] };
  const { customIds: ids, lineBytes: lengths } = known ?? (await rowsOf(rows));
  const plan = splitIntoBatches(lengths, limits);
  let planned = 0;
  let body: BodyBuilder | undefined;
  let batchIds: string[] = [];
  let row = 0;
  for await (const { customId, line } of rows()) {
    if (customId !== ids[row] || line.length !== lengths[row]) throw new Error(`job ${jobId}: the stored requests changed while they were being sent (row ${row + 1})`);
    body ??= new BodyBuilder(plan[planned]!.bodyBytes);
    body.add(line);
    batchIds.push(customId);
    row += 1;
    if (batchIds.length === plan[planned]!.indexes.length) {
      if (!(await sendBatch(jobId, batchIds, body.finish(), purpose, options, result))) return result;
      planned += 1;
      body = undefined;
      batchIds = [];
    }
  }
  if (row !== ids.length) throw new Error(`job ${jobId}: the stored requests changed while they were being sent (${row} rows of ${ids.length})`);
  return result;
}

/** The first pass: each row's custom id and serialized length, in order. */
async function rowsOf(rows: () => AsyncIterable<RequestLine>): Promise<KnownRows> {
  const customIds: string[] = [];
  const lineBytes: number[] = [];
  for await (const row of rows()) {
    customIds.push(row.customId);
    lineBytes.push(row.line.length);
  }
  return { customIds, lineBytes };
}

/** One create body, filled in place: `{"requests":[` + lines joined by `,` + `]}`, in a buffer of its final size. */
class BodyBuilder {
  private readonly buffer: Buffer;
  private offset: number;
  private lines = 0;

  constructor(private readonly size: number) {
    this.buffer = Buffer.allocUnsafe(size);
    this.offset = BODY_OPEN.copy(this.buffer, 0);
  }

  add(line: Uint8Array): void {
    if (this.lines++ > 0) this.offset += COMMA.copy(this.buffer, this.offset);
    this.buffer.set(line, this.offset);
    this.offset += line.length;
  }

  finish(): Buffer {
    this.offset += BODY_CLOSE.copy(this.buffer, this.offset);
    if (this.offset !== this.size) throw new Error(`a create body came out at ${this.offset} bytes, planned ${this.size}`);
    return this.buffer;
  }
}

/** sha256 of the create body `{"requests":[...]}` as we serialize it, to recognise the same submission. */
export function sha256Of(requests: readonly BatchRequest[]): string {
  return sha256Hex(JSON.stringify({ requests }));
}

/** One batch through intent → create → id. Resolves to false when the create failed (recorded on `result`). */
async function sendBatch(jobId: string, customIds: string[], body: Buffer, purpose: BatchRecord['purpose'], options: SubmissionOptions, result: SubmissionResult): Promise<boolean> {
  const { store, api, clock } = options;
  const logger = options.logger ?? silentLogger;
  if (options.signal?.aborted) throw abortError();
  const intent: BatchRecord = {
    index: 0,
    customIds,
    intentAt: clock.now(),
    requestsSha256: sha256Hex(body),
    purpose,
  };
  result.job = await store.update(jobId, (stored) => {
    intent.index = stored.batches.length;
    stored.batches.push(intent);
  });
  let batch: MessageBatch;
  try {
    batch = api.createFromJson
      ? await api.createFromJson(body, { signal: options.signal })
      : await api.create((JSON.parse(body.toString('utf8')) as { requests: BatchRequest[] }).requests, { signal: options.signal });
  } catch (error) {
    const apiError = toBatchApiError(error);
    const classified = classifyCreateFailure(error);
    const definite = classified.class !== 'ambiguous';
    logger.warn(`Batchlens: creating ${purpose} batch ${intent.index + 1} of job ${jobId} failed (${apiError.kind}): ${apiError.message}`);
    result.job = await store.update(jobId, (stored) => {
      const record = stored.batches[intent.index];
      record.submitError = classified.message;
      if (definite) record.notSubmitted = true;
    });
    result.failure = { index: intent.index, message: classified.message, definite, rows: customIds.length };
    return false;
  }
  await options.afterCreate?.(batch, intent);
  result.job = await store.update(jobId, (stored) => {
    applyBatchToRecord(stored.batches[intent.index], batch);
  });
  result.created.push(batch.id);
  for (const id of intent.customIds) result.sentCustomIds.push(id);
  logger.info(`Batchlens: job ${jobId} ${purpose} batch ${intent.index + 1} created as ${batch.id} (${customIds.length} requests)`);
  options.onBatchCreated?.({ batchId: batch.id, rows: customIds.length });
  return true;
}
