import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type {
  MessageBatch,
  MessageBatchIndividualResponse,
  MessageBatchResult,
} from '@anthropic-ai/sdk/resources/messages/batches';
import type { Message } from '@anthropic-ai/sdk/resources/messages/messages';
import type { ApiErrorSpec } from './apiError';
import type { FaultSet } from './faults';
import { randomId, rfc3339, sha256Hex, stableId } from './ids';
import { findServedModel } from './models';
import { flattenPrompt } from './prompt';
import { PromptCache, type CacheEntry, type CacheUsage } from './promptCache';
import { buildMessage } from './replies';
import { validateRequestParams, type BatchRequestInput } from './validation';

export const HOUR_MS = 60 * 60_000;
export const DAY_MS = 24 * HOUR_MS;
/** A batch expires 24 h after creation; requests not yet processed then come back `expired`. */
export const EXPIRY_MS = DAY_MS;
/** Results can be downloaded for 29 days after creation; then the batch is archived. */
export const RETENTION_MS = 29 * DAY_MS;
/**
 * Emulated processing time of a batch of N requests, before the speed factor: 5 minutes plus
 * 2 seconds per request (real batches mostly finish within the hour). At the default speed of 100
 * a batch of 3 requests ends about 3 seconds after it is created.
 */
export const BASE_PROCESSING_MS = 5 * 60_000;
export const PER_REQUEST_PROCESSING_MS = 2_000;
/** Emulated time between a cancel and the batch ending, before the speed factor. */
export const CANCEL_PROCESSING_MS = 30_000;

interface StoredRow {
  customId: string;
  params: Record<string, unknown>;
  /** The `anthropic-version` the batch was created with: rows are validated under it (absent in old snapshots: 2023-06-01). */
  apiVersion?: string;
  completesAt: number;
  result?: MessageBatchResult;
}

interface StoredBatch {
  id: string;
  seq: number;
  /** The workspace the batch belongs to (`anthropic-workspace-id` at create; absent = the key's default workspace). */
  workspaceId?: string;
  createdAt: number;
  expiresAt: number;
  cancelInitiatedAt?: number;
  cancelEndsAt?: number;
  endedAt?: number;
  rows: StoredRow[];
}

interface Snapshot {
  version: 1;
  clockOffsetMs: number;
  nextSeq: number;
  batches: StoredBatch[];
  cache: Array<[string, CacheEntry]>;
}

export type StoreResult<T> = { ok: T } | { error: ApiErrorSpec };

export interface StoreOptions {
  now: () => number;
  speed: number;
  faults: FaultSet;
  snapshotFile?: string;
}

/**
 * Every batch the emulator knows, advanced lazily: each call first "settles" time, completing the
 * rows whose moment has come (in time order across batches, so the prompt cache sees them in the
 * order a real service would), then answers. Nothing runs on timers, so an injected clock and
 * `advance()` fully control the lifecycle.
 */
export class BatchStore {
  private batches = new Map<string, StoredBatch>();
  private nextSeq = 1;
  private clockOffsetMs = 0;
  private cache = new PromptCache();

  constructor(private readonly options: StoreOptions) {
    if (options.snapshotFile && existsSync(options.snapshotFile)) {
      this.load(options.snapshotFile);
    }
  }

  now(): number {
    return this.options.now() + this.clockOffsetMs;
  }

  /** Moves the emulator's clock forward (on top of the injected clock). */
  advance(ms: number): void {
    this.clockOffsetMs += ms;
    this.settle();
    this.save();
  }

  create(requests: BatchRequestInput[], workspace: WorkspaceScope = DEFAULT_WORKSPACE, apiVersion?: string): MessageBatch {
    // No settling here: the API answers a create without finishing other batches' rows first, and a
    // create that produced a just-ended 80k-row batch's results made the next create wait seconds for
    // them. Every read settles first, in completion order, so the results are the same either way.
    const createdAt = this.now();
    const durationMs = (BASE_PROCESSING_MS + PER_REQUEST_PROCESSING_MS * requests.length) / this.options.speed;
    const batch: StoredBatch = {
      id: randomId('msgbatch_'),
      seq: this.nextSeq++,
      ...(workspace === DEFAULT_WORKSPACE ? {} : { workspaceId: workspace }),
      createdAt,
      expiresAt: createdAt + EXPIRY_MS,
      rows: requests.map((request, index) => ({
        customId: request.custom_id,
        params: request.params,
        ...(apiVersion ? { apiVersion } : {}),
        completesAt: createdAt + Math.ceil((durationMs * (index + 1)) / requests.length),
      })),
    };
    this.batches.set(batch.id, batch);
    this.save();
    return this.view(batch);
  }

  retrieve(id: string, workspace: WorkspaceScope = DEFAULT_WORKSPACE): StoreResult<MessageBatch> {
    this.settle();
    const batch = this.inWorkspace(id, workspace);
    return batch ? { ok: this.view(batch) } : { error: batchNotFound(id) };
  }

  /** Batches newest first, paginated like the API (`after_id` goes older, `before_id` newer). */
  list(query: { limit: number; afterId?: string; beforeId?: string }, workspace: WorkspaceScope = DEFAULT_WORKSPACE): StoreResult<{
    data: MessageBatch[];
    has_more: boolean;
    first_id: string | null;
    last_id: string | null;
  }> {
    this.settle();
    const all = [...this.batches.values()].filter((batch) => workspaceOf(batch) === workspace).sort((a, b) => b.seq - a.seq);
    const page = paginate(all, (b) => b.id, query);
    if ('error' in page) {
      return page;
    }
    const data = page.ok.items.map((b) => this.view(b));
    return { ok: { data, has_more: page.ok.hasMore, first_id: data[0]?.id ?? null, last_id: data[data.length - 1]?.id ?? null } };
  }

  cancel(id: string, workspace: WorkspaceScope = DEFAULT_WORKSPACE): StoreResult<MessageBatch> {
    this.settle();
    const batch = this.inWorkspace(id, workspace);
    if (!batch) {
      return { error: batchNotFound(id) };
    }
    if (batch.endedAt !== undefined) {
      return { error: { status: 400, type: 'invalid_request_error', message: `Message Batch ${id} has already ended and cannot be canceled.` } };
    }
    if (batch.cancelInitiatedAt === undefined) {
      batch.cancelInitiatedAt = this.now();
      batch.cancelEndsAt = batch.cancelInitiatedAt + Math.ceil(CANCEL_PROCESSING_MS / this.options.speed);
      this.save();
    }
    return { ok: this.view(batch) };
  }

  delete(id: string, workspace: WorkspaceScope = DEFAULT_WORKSPACE): StoreResult<{ id: string; type: 'message_batch_deleted' }> {
    this.settle();
    const batch = this.inWorkspace(id, workspace);
    if (!batch) {
      return { error: batchNotFound(id) };
    }
    if (batch.endedAt === undefined) {
      return {
        error: {
          status: 400,
          type: 'invalid_request_error',
          message: `Message Batch ${id} is still processing and cannot be deleted. Cancel it first, then delete it once it has ended.`,
        },
      };
    }
    this.batches.delete(id);
    this.save();
    return { ok: { id, type: 'message_batch_deleted' } };
  }

  /** The result rows of an ended batch, in a stable order that is not the request order. */
  results(id: string, workspace: WorkspaceScope = DEFAULT_WORKSPACE): StoreResult<MessageBatchIndividualResponse[]> {
    this.settle();
    const batch = this.inWorkspace(id, workspace);
    if (!batch) {
      return { error: batchNotFound(id) };
    }
    if (batch.endedAt === undefined) {
      return { error: { status: 400, type: 'invalid_request_error', message: `Message Batch ${id} has not finished processing; results are available once it has ended.` } };
    }
    if (this.now() >= batch.createdAt + RETENTION_MS) {
      return { error: { status: 404, type: 'not_found_error', message: `The results of Message Batch ${id} are no longer available: results are kept for 29 days.` } };
    }
    const rows = batch.rows
      .map((row) => ({ order: sha256Hex(`${batch.id}/${row.customId}`), line: { custom_id: row.customId, result: row.result as MessageBatchResult } }))
      .sort((a, b) => (a.order < b.order ? -1 : 1))
      .map((entry) => entry.line);
    return { ok: rows };
  }

  /** Ends a batch now: its unprocessed rows are processed at once (or canceled if it was canceling). */
  endNow(id: string): StoreResult<MessageBatch> {
    this.settle();
    const batch = this.batches.get(id);
    if (!batch) {
      return { error: batchNotFound(id) };
    }
    if (batch.endedAt === undefined) {
      const now = this.now();
      for (const row of batch.rows) {
        if (!row.result) {
          row.result = batch.cancelInitiatedAt !== undefined ? { type: 'canceled' } : this.process(batch, row, now);
        }
      }
      batch.endedAt = now;
      this.save();
    }
    return { ok: this.view(batch) };
  }

  /** A batch of another workspace is not found, as on the real API (batches are workspace-scoped). */
  private inWorkspace(id: string, workspace: WorkspaceScope): StoredBatch | undefined {
    const batch = this.batches.get(id);
    return batch && workspaceOf(batch) === workspace ? batch : undefined;
  }

  /** A summary for `GET /_admin/state`. */
  debugState(): unknown {
    this.settle();
    return {
      now: rfc3339(this.now()),
      clockOffsetMs: this.clockOffsetMs,
      speed: this.options.speed,
      promptCacheEntries: this.cache.size,
      batches: [...this.batches.values()]
        .sort((a, b) => b.seq - a.seq)
        .map((batch) => ({
          ...this.view(batch),
          rows: batch.rows.map((row) => ({ custom_id: row.customId, completes_at: rfc3339(row.completesAt), result: row.result?.type ?? 'processing' })),
        })),
    };
  }

  private view(batch: StoredBatch): MessageBatch {
    const now = this.now();
    const ended = batch.endedAt !== undefined;
    const counts = { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0 };
    if (ended) {
      for (const row of batch.rows) {
        counts[row.result?.type ?? 'expired']++;
      }
    } else {
      // Like the real API: every request counts as processing until the whole batch has ended.
      counts.processing = batch.rows.length;
    }
    const archivedAt = batch.createdAt + RETENTION_MS;
    return {
      id: batch.id,
      type: 'message_batch',
      processing_status: ended ? 'ended' : batch.cancelInitiatedAt !== undefined ? 'canceling' : 'in_progress',
      request_counts: counts,
      created_at: rfc3339(batch.createdAt),
      expires_at: rfc3339(batch.expiresAt),
      ended_at: ended ? rfc3339(batch.endedAt as number) : null,
      cancel_initiated_at: batch.cancelInitiatedAt !== undefined ? rfc3339(batch.cancelInitiatedAt) : null,
      archived_at: now >= archivedAt ? rfc3339(archivedAt) : null,
      results_url: ended ? `${this.resultsBaseUrl()}/v1/messages/batches/${batch.id}/results` : null,
    } satisfies MessageBatch;
  }

  /** Set by the server once it knows its port (or by a test that wants another host). */
  resultsBaseUrl: () => string = () => 'http://127.0.0.1';

  private settle(): void {
    const now = this.now();
    const due: Array<{ batch: StoredBatch; row: StoredRow; index: number }> = [];
    for (const batch of this.batches.values()) {
      if (batch.endedAt !== undefined) {
        continue;
      }
      const limit = Math.min(now, batch.expiresAt, batch.cancelInitiatedAt ?? Number.POSITIVE_INFINITY);
      batch.rows.forEach((row, index) => {
        if (!row.result && row.completesAt <= limit) {
          due.push({ batch, row, index });
        }
      });
    }
    due.sort((a, b) => a.row.completesAt - b.row.completesAt || a.batch.seq - b.batch.seq || a.index - b.index);
    let changed = due.length > 0;
    for (const { batch, row } of due) {
      row.result = this.process(batch, row, row.completesAt);
    }
    for (const batch of this.batches.values()) {
      if (batch.endedAt !== undefined) {
        continue;
      }
      const pending = batch.rows.filter((row) => !row.result);
      if (pending.length === 0) {
        batch.endedAt = Math.max(...batch.rows.map((row) => row.completesAt));
      } else if (batch.cancelEndsAt !== undefined && now >= batch.cancelEndsAt) {
        pending.forEach((row) => (row.result = { type: 'canceled' }));
        batch.endedAt = batch.cancelEndsAt;
      } else if (now >= batch.expiresAt) {
        pending.forEach((row) => (row.result = { type: 'expired' }));
        batch.endedAt = batch.expiresAt;
      } else {
        continue;
      }
      changed = true;
    }
    if (changed) {
      this.save();
    }
  }

  /** The outcome of one request processed at `atMs`: forced by a fault, a validation error, or a reply. */
  private process(batch: StoredBatch, row: StoredRow, atMs: number): MessageBatchResult {
    const forced = this.options.faults.forRow(row.customId);
    if (forced?.type === 'expired') {
      return { type: 'expired' };
    }
    const failure = forced
      ? { type: forced.errorType, message: forced.message }
      : validateRequestParams(row.params, atMs, row.apiVersion);
    if (failure) {
      return {
        type: 'errored',
        error: { type: 'error', error: { type: failure.type, message: failure.message }, request_id: randomId('req_') },
      } as MessageBatchResult;
    }
    const message = buildMessage(stableId('msg_', `${batch.id}/${row.customId}`), row.params, this.cacheUsage(row.params, atMs));
    return { type: 'succeeded', message };
  }

  /**
   * A synchronous `POST /v1/messages`: validated like a batch row under `apiVersion` (a failure is
   * the call's own error), answered at once, through the same prompt cache as the batches.
   */
  message(params: Record<string, unknown>, apiVersion: string): StoreResult<Message> {
    this.settle();
    const atMs = this.now();
    const failure = validateRequestParams(params, atMs, apiVersion, 'message');
    if (failure) {
      return { error: failure };
    }
    const message = buildMessage(randomId('msg_'), params, this.cacheUsage(params, atMs), 'standard');
    this.save();
    return { ok: message };
  }

  /** Usage of one valid request processed at `atMs`, recording its cache writes and reads. */
  private cacheUsage(params: Record<string, unknown>, atMs: number): CacheUsage {
    const model = findServedModel(String(params['model']), atMs);
    // Anthropic has not published every minimum; the emulator must pick one, and takes the most common (1,024).
    const minimum = model ? (model.minCacheableTokens ?? 1024) : Number.POSITIVE_INFINITY;
    return this.cache.use(model?.id ?? String(params['model']), flattenPrompt(params), minimum, atMs);
  }

  private save(): void {
    const file = this.options.snapshotFile;
    if (!file) {
      return;
    }
    const snapshot: Snapshot = {
      version: 1,
      clockOffsetMs: this.clockOffsetMs,
      nextSeq: this.nextSeq,
      batches: [...this.batches.values()],
      cache: this.cache.snapshot(),
    };
    const temp = `${file}.tmp`;
    writeFileSync(temp, JSON.stringify(snapshot));
    renameSync(temp, file);
  }

  private load(file: string): void {
    const snapshot = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
    if (snapshot.version !== 1) {
      throw new Error(`${file}: unknown snapshot version ${String(snapshot.version)}`);
    }
    this.clockOffsetMs = snapshot.clockOffsetMs;
    this.nextSeq = snapshot.nextSeq;
    this.batches = new Map(snapshot.batches.map((batch) => [batch.id, batch]));
    this.cache = new PromptCache(snapshot.cache);
  }
}

/** `anthropic-workspace-id` of a request, or `DEFAULT_WORKSPACE` when the header is absent. */
export type WorkspaceScope = string;
export const DEFAULT_WORKSPACE: WorkspaceScope = '';

function workspaceOf(batch: StoredBatch): WorkspaceScope {
  return batch.workspaceId ?? DEFAULT_WORKSPACE;
}

function batchNotFound(id: string): ApiErrorSpec {
  return { status: 404, type: 'not_found_error', message: `Message Batch ${id} not found.` };
}

/**
 * Cursor pagination over a newest-first list. Without cursors: the first `limit` items. With
 * `after_id`: the items after it. With `before_id`: the `limit` items just before it (still newest
 * first), `has_more` telling whether newer ones remain.
 */
export function paginate<T>(
  all: T[],
  idOf: (item: T) => string,
  query: { limit: number; afterId?: string; beforeId?: string },
): StoreResult<{ items: T[]; hasMore: boolean }> {
  if (query.beforeId !== undefined) {
    const end = all.findIndex((item) => idOf(item) === query.beforeId);
    if (end === -1) {
      return { error: { status: 400, type: 'invalid_request_error', message: `before_id: no item with id ${query.beforeId}` } };
    }
    const start = Math.max(0, end - query.limit);
    return { ok: { items: all.slice(start, end), hasMore: start > 0 } };
  }
  let start = 0;
  if (query.afterId !== undefined) {
    const at = all.findIndex((item) => idOf(item) === query.afterId);
    if (at === -1) {
      return { error: { status: 400, type: 'invalid_request_error', message: `after_id: no item with id ${query.afterId}` } };
    }
    start = at + 1;
  }
  const items = all.slice(start, start + query.limit);
  return { ok: { items, hasMore: start + query.limit < all.length } };
}
