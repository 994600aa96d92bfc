import { sha256Hex } from '../util/sha256';
import { nodeCrypto } from '../util/nodeCrypto';
import type { BatchApi, BatchRequest, MessageBatch, StreamedJsonBody } from '../api/batchApi';
import { toBatchApiError } from '../api/errors';
import { abortError, type Clock } from '../util/clock';
import { type Logger, silentLogger } from '../util/logger';
import { applyBatchToRecord } from './batchRecord';
import type { BatchRecord, Job, JobStore } from './jobModel';
import type { RequestLine, RequestLineSource } from './requestsFile';
import { type SplitLimits, splitIntoBatches } from './splitBatches';
import { DigestSet } from '../util/digestSet';
import { NumberList } from '../util/numberList';
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
  /**
   * Whether `sentCustomIds` lists the rows sent (default true: a retry reports them). A first
   * submission only counts them (`sentRows`), so a 100,000-row job's ids are not all held to the end.
   */
  listSentCustomIds?: boolean;
}

export interface SubmissionResult {
  job: Job | undefined;
  /** Batch ids created, in order. */
  created: string[];
  /** Rows in those batches (empty when `listSentCustomIds` is false). */
  sentCustomIds: string[];
  /** How many rows those batches hold. */
  sentRows: number;
  /** The failure that stopped the submission; `definite` when no batch can exist for it; `rows` in its batch. */
  failure?: { index: number; message: string; definite: boolean; rows: number };
}

/** The rows' serialized lengths, in order, when the caller knows them already (it just wrote them). */
export interface KnownRows {
  lineBytes: ArrayLike<number>;
}

/**
 * Sends the rows of `rows` (serialized requests, in order; a source read afresh from any row) as
 * batches of job `jobId` with `purpose`, split by `limits` (`splitIntoBatches`: a new batch starts
 * when the next row would pass the request count or the body size). A first pass reads only each
 * row's length to plan the split (skipped when the caller gives them as `known`: a first submission
 * built the rows just now). Each batch's body, `{"requests":[line,line,...]}` byte for byte from the
 * stored lines, is then read twice and never held: once to hash it (the intent's `requestsSha256`),
 * once as it is sent (`StoredBatchBody`). Memory holds one batch's custom ids, the digests of those
 * sent so far (to refuse a row stored twice: 16 bytes a row), the rows' lengths, and a chunk of the body. A row
 * that is not the one planned stops the submission before that batch is recorded or sent.
 */
export async function submitRows(
  jobId: string,
  rows: RequestLineSource,
  purpose: BatchRecord['purpose'],
  limits: SplitLimits,
  options: SubmissionOptions,
  known?: KnownRows,
): Promise<SubmissionResult> {
  const result: SubmissionResult = { job: undefined, created: [], sentCustomIds: [], sentRows: 0 };
  const lengths = known?.lineBytes ?? (await lengthsOf(rows));
  const plan = splitIntoBatches(lengths, limits);
  let from = 0;
  // Each batch is read from where the last one ended, so a row stored twice could come back in a later
  // batch: no custom id goes out twice in one submission.
  const earlier = new DigestSet();
  for (const planned of plan) {
    if (options.signal?.aborted) throw abortError();
    const body = new StoredBatchBody(jobId, rows, { from, firstRow: planned.first, lengths, rows: planned.count, bodyBytes: planned.bodyBytes });
    const hashed = await body.hash();
    for (const customId of hashed.customIds) {
      if (!earlier.add(customId)) throw changedError(jobId, `row ${customId} is stored twice`);
    }
    if (!(await sendBatch(jobId, hashed.customIds, body, hashed.sha256, purpose, options, result))) return result;
    from = hashed.next;
  }
  return result;
}

/** The first pass: each row's serialized length, in order. */
async function lengthsOf(rows: RequestLineSource): Promise<Float64Array> {
  const lineBytes = new NumberList();
  for await (const row of rows()) lineBytes.push(row.line.length);
  return lineBytes.values();
}

function changedError(jobId: string, where: string): Error {
  return new Error(`job ${jobId}: the stored requests changed while they were being sent (${where})`);
}

const BODY_OPEN = Buffer.from('{"requests":[');
const BODY_CLOSE = Buffer.from(']}');
const COMMA = Buffer.from(',');

/** Body chunks are gathered to about this size: big enough that a 230 MB body is a few hundred writes. */
const BODY_CHUNK_BYTES = 1 << 20;
/**
 * Chunks read ahead of the socket while a body is sent: reading the next chunk from the file while
 * the last ones are written keeps the connection busy (one chunk at a time left it idle between
 * reads, and a 230 MB body took seconds longer than the same bytes from memory).
 */
const SEND_AHEAD_CHUNKS = 8;

/** Which rows of the source make one batch, and the body they must make. */
interface BatchSpan {
  /** Where the batch's first row is read from (`RequestLine.next` of the row before it; 0 for the first). */
  from: number;
  /** Position of the batch's first row in the job's rows (for `lengths` and messages). */
  firstRow: number;
  lengths: ArrayLike<number>;
  rows: number;
  bodyBytes: number;
}

/**
 * One batch's create body, read from the stored rows each time it is needed and never held:
 * `{"requests":[` + the rows' lines joined by `,` + `]}`, in chunks of about 1 MB.
 *
 * `hash()` reads it once for its sha256, before the intent is recorded. `stream()` reads it again as
 * it is sent and hashes what it sends; the last chunk is held back until that hash is known, and
 * goes out only when it equals the recorded one. So the API never receives a whole body other than
 * the one hashed, whatever happened to the file in between (the request is cut short instead, and
 * nothing is created: `mismatch` says so). What this relies on: the requests file is ours, written
 * once (temp file, fsync, rename) and never rewritten in place by Batchlens, so in practice the two
 * reads agree; the check turns "in practice" into a guarantee.
 */
export class StoredBatchBody implements StreamedJsonBody {
  readonly byteLength: number;
  /** Set when the send pass found bytes other than those hashed (the body was cut before its end). */
  mismatch: string | undefined;
  /** What the first read found: the body's sha256 and its rows' custom ids. */
  private hashed: { sha256: string; customIds: string[] } | undefined;

  constructor(
    private readonly jobId: string,
    private readonly rows: RequestLineSource,
    private readonly span: BatchSpan,
  ) {
    this.byteLength = span.bodyBytes;
  }

  /** The first read: the body's sha256, its rows' custom ids, and where the next batch's rows start. */
  async hash(): Promise<{ sha256: string; customIds: string[]; next: number }> {
    const hash = createSha256();
    const customIds: string[] = [];
    let next = this.span.from;
    // Each chunk is hashed before the next is asked for, so one buffer serves the whole read (`reuse`).
    for await (const chunk of this.chunks((row) => {
      customIds.push(row.customId);
      next = row.next;
    }, true)) hash.update(chunk);
    this.hashed = { sha256: hash.digest('hex'), customIds };
    return { ...this.hashed, next };
  }

  /** The second read, as a stream for the create call; errors (never completes) when its bytes are not the ones hashed. */
  stream(): ReadableStream<Uint8Array> {
    if (!this.hashed) throw new Error('a stored batch body is hashed before it is sent');
    const { sha256: expected, customIds } = this.hashed;
    let row = 0;
    const chunks = this.chunks((read) => {
      if (read.customId !== customIds[row]) throw changedError(this.jobId, `row ${this.span.firstRow + row + 1}`);
      row += 1;
    });
    const hash = createSha256();
    let held: Buffer | undefined;
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        try {
          for (;;) {
            const next = await chunks.next();
            if (next.done) {
              const sha256 = hash.digest('hex');
              if (sha256 !== expected) throw changedError(this.jobId, 'its body is not the one hashed');
              if (held) controller.enqueue(held);
              controller.close();
              return;
            }
            hash.update(next.value);
            const out = held;
            held = next.value;
            if (out) {
              controller.enqueue(out);
              return;
            }
          }
        } catch (error) {
          this.mismatch = error instanceof Error ? error.message : String(error);
          controller.error(error);
        }
      },
      cancel: async () => {
        await chunks.return(undefined);
      },
    }, { highWaterMark: SEND_AHEAD_CHUNKS });
  }

  /**
   * The body in chunks, read from the batch's first row; `onRow` sees each row before its line is
   * copied. Every row must have its planned length and the body its planned size. With `reuse`, one
   * buffer is filled again for each chunk (for a reader done with a chunk before it asks for the
   * next); otherwise each chunk is its own (the send pass: fetch may still hold the chunks it was given).
   */
  private async *chunks(onRow: (row: RequestLine) => void, reuse = false): AsyncGenerator<Buffer, void, undefined> {
    const { lengths, firstRow, rows, bodyBytes } = this.span;
    let chunk = Buffer.allocUnsafe(Math.min(BODY_CHUNK_BYTES, bodyBytes));
    let used = BODY_OPEN.copy(chunk, 0);
    let total = 0;
    let row = 0;
    const put = function* (bytes: Uint8Array): Generator<Buffer> {
      let offset = 0;
      while (offset < bytes.length) {
        if (used === chunk.length) {
          total += used;
          yield chunk;
          if (!reuse) chunk = Buffer.allocUnsafe(Math.min(BODY_CHUNK_BYTES, Math.max(1, bodyBytes - total)));
          used = 0;
        }
        const take = Math.min(bytes.length - offset, chunk.length - used);
        chunk.set(bytes.subarray(offset, offset + take), used);
        used += take;
        offset += take;
      }
    };
    if (rows > 0) {
      for await (const read of this.rows(this.span.from)) {
        if (read.line.length !== lengths[firstRow + row]) throw changedError(this.jobId, `row ${firstRow + row + 1}`);
        onRow(read);
        if (row > 0) yield* put(COMMA);
        yield* put(read.line);
        row += 1;
        if (row === rows) break;
      }
    }
    if (row !== rows) throw changedError(this.jobId, `${firstRow + row} rows of ${firstRow + rows}`);
    yield* put(BODY_CLOSE);
    total += used;
    if (total !== bodyBytes) throw new Error(`a create body came out at ${total} bytes, planned ${bodyBytes}`);
    if (used > 0) yield chunk.subarray(0, used);
  }
}

/** The whole body of a stored batch in one buffer: for an API without `createFromJson` (it takes parsed requests). */
async function wholeBody(body: StoredBatchBody): Promise<Buffer> {
  const parts: Buffer[] = [];
  const reader = body.stream().getReader();
  for (let next = await reader.read(); !next.done; next = await reader.read()) parts.push(Buffer.from(next.value));
  return Buffer.concat(parts);
}

/** sha256 of the create body `{"requests":[...]}` as we serialize it, to recognise the same submission. */
export function sha256Of(requests: readonly BatchRequest[]): string {
  return sha256Hex(JSON.stringify({ requests }));
}

/** One batch through intent → create → id. Resolves to false when the create failed (recorded on `result`). */
async function sendBatch(jobId: string, customIds: string[], body: StoredBatchBody, sha256: string, purpose: BatchRecord['purpose'], options: SubmissionOptions, result: SubmissionResult): Promise<boolean> {
  const { store, api, clock } = options;
  const logger = options.logger ?? silentLogger;
  if (options.signal?.aborted) throw abortError();
  const intent: BatchRecord = {
    index: 0,
    customIds,
    intentAt: clock.now(),
    requestsSha256: sha256,
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
      : await api.create((JSON.parse((await wholeBody(body)).toString('utf8')) as { requests: BatchRequest[] }).requests, { signal: options.signal });
  } catch (error) {
    const apiError = toBatchApiError(error);
    // A body cut short because its bytes were not the ones hashed never reached the API whole: nothing exists.
    const classified = body.mismatch !== undefined
      ? { class: 'notSent' as const, message: `Nothing was created: ${body.mismatch}; the request was cut before its end. Submit again to send the stored requests as they are now.` }
      : classifyCreateFailure(error);
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
  result.sentRows += intent.customIds.length;
  if (options.listSentCustomIds ?? true) for (const id of intent.customIds) result.sentCustomIds.push(id);
  logger.info(`Batchlens: job ${jobId} ${purpose} batch ${intent.index + 1} created as ${batch.id} (${customIds.length} requests)`);
  options.onBatchCreated?.({ batchId: batch.id, rows: customIds.length });
  return true;
}

function createSha256(): ReturnType<ReturnType<typeof nodeCrypto>['createHash']> {
  return nodeCrypto().createHash('sha256');
}
