import * as path from 'node:path';
import type {
  BatchApi,
  BatchPage,
  BatchRequest,
  MessageBatch,
  MessageBatchIndividualResponse,
  ResultsCursor,
  ResultsStreamOptions,
} from '../../../../../src/core/api/batchApi';
import { BatchApiError, type BatchApiErrorKind } from '../../../../../src/core/api/errors';
import { abortError, type Clock } from '../../../../../src/core/util/clock';
import type { BatchRecord, Job, JobStore, RequestCounts } from '../../../../../src/core/jobs/jobModel';

interface PendingSleep {
  ms: number;
  wakeAt: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

/** A clock that only moves when the test says so; each sleep is observable. */
export class FakeClock implements Clock {
  private time: number;
  readonly sleeps: PendingSleep[] = [];
  /** Every sleep ever asked for, in ms, in order. */
  readonly requested: number[] = [];
  private sleepWaiters: Array<(sleep: PendingSleep) => void> = [];

  constructor(start = Date.parse('2026-11-22T08:00:00Z')) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortError());
        return;
      }
      const entry: PendingSleep = { ms, wakeAt: this.time + ms, resolve, reject };
      const remove = () => {
        const index = this.sleeps.indexOf(entry);
        if (index >= 0) {
          this.sleeps.splice(index, 1);
        }
      };
      entry.resolve = () => {
        remove();
        resolve();
      };
      entry.reject = (error) => {
        remove();
        reject(error);
      };
      signal?.addEventListener('abort', () => entry.reject(abortError()), { once: true });
      this.sleeps.push(entry);
      this.requested.push(ms);
      const waiters = this.sleepWaiters;
      this.sleepWaiters = [];
      waiters.forEach((waiter) => waiter(entry));
    });
  }

  /** Resolves with the next sleep someone starts (or the one already pending). */
  nextSleep(): Promise<PendingSleep> {
    if (this.sleeps.length > 0) {
      return Promise.resolve(this.sleeps[0]);
    }
    return new Promise((resolve) => this.sleepWaiters.push(resolve));
  }

  /** Moves time forward and wakes every sleep that is due. */
  advance(ms: number): void {
    this.time += ms;
    for (const sleep of [...this.sleeps]) {
      if (sleep.wakeAt <= this.time) {
        sleep.resolve();
      }
    }
  }
}

export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** A JobStore in memory with the same read-modify-write contract as the real one (copies in and out). */
export class MemoryJobStore implements JobStore {
  readonly jobs = new Map<string, Job>();
  readonly requests = new Map<string, Map<string, BatchRequest>>();
  updates = 0;

  constructor(readonly root: string) {}

  async list(): Promise<Job[]> {
    return [...this.jobs.values()].map(clone);
  }

  async get(jobId: string): Promise<Job | undefined> {
    const job = this.jobs.get(jobId);
    return job ? clone(job) : undefined;
  }

  async create(job: Job): Promise<void> {
    this.jobs.set(job.id, clone(job));
  }

  async update(jobId: string, mutate: (job: Job) => void | Promise<void>): Promise<Job> {
    const current = this.jobs.get(jobId);
    if (!current) {
      throw new Error(`No job ${jobId}`);
    }
    const copy = clone(current);
    await mutate(copy);
    this.jobs.set(jobId, clone(copy));
    this.updates += 1;
    return copy;
  }

  async delete(jobId: string): Promise<void> {
    this.jobs.delete(jobId);
  }

  async readRequests(jobId: string): Promise<Map<string, BatchRequest>> {
    return new Map(this.requests.get(jobId) ?? []);
  }

  resultsDir(jobId: string): string {
    return path.join(this.root, '.batchlens', 'results', jobId);
  }
}

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

export function counts(partial: Partial<RequestCounts> = {}): RequestCounts {
  return { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0, ...partial };
}

export function makeBatch(partial: Partial<BatchRecord> & { customIds: string[] }): BatchRecord {
  return {
    index: 0,
    intentAt: Date.parse('2026-11-22T07:59:00Z'),
    requestsSha256: 'f'.repeat(64),
    purpose: 'initial',
    ...partial,
  };
}

/** A job over `files` (workspace-relative), one custom id per file: `row-0`, `row-1`, ... */
export function makeJob(id: string, files: string[], batches: BatchRecord[], model = 'claude-sonnet-4-6'): Job {
  return {
    schemaVersion: 1,
    id,
    createdAt: Date.parse('2026-11-22T07:59:00Z'),
    template: { name: 'summarize', model, maxTokens: 1024 },
    manifest: files.map((relativePath, i) => ({
      customId: `row-${i}`,
      relativePath,
      contentSha256: 'a'.repeat(64),
      bytes: 100,
      estimatedInputTokens: 50,
    })),
    batches,
    rows: {},
    estimate: { batchUsd: 0.01, syncUsd: 0.02, inputTokens: 500, outputTokensBound: 1024 },
    requestsFile: `requests/${id}.jsonl`,
  };
}

export function remoteBatch(id: string, status: MessageBatch['processing_status'], requestCounts: RequestCounts): MessageBatch {
  return {
    id,
    type: 'message_batch',
    processing_status: status,
    request_counts: requestCounts,
    created_at: '2026-11-22T07:59:00Z',
    expires_at: '2026-11-23T07:59:00Z',
    ended_at: status === 'ended' ? '2026-11-22T08:10:00Z' : null,
    cancel_initiated_at: null,
    archived_at: null,
    results_url: status === 'ended' ? `https://api.anthropic.com/v1/messages/batches/${id}/results` : null,
  };
}

/** A `BatchApiError` (the only error a `BatchApi` rejects with) built in one line for the fakes. */
export class FakeApiError extends BatchApiError {
  constructor(message: string, kind: BatchApiErrorKind, retryAfterMs?: number, cursor?: ResultsCursor) {
    super({ kind, message, retryAfterMs, cursor });
  }
}

type Handler<A extends unknown[], R> = (...args: A) => R;

/** A scriptable BatchApi that records every call. */
export class FakeBatchApi implements BatchApi {
  readonly calls: Array<{ method: string; id?: string }> = [];
  retrieveImpl: Handler<[string, AbortSignal | undefined], Promise<MessageBatch>> = async (id) => {
    throw new Error(`unexpected retrieve ${id}`);
  };
  /** Set to serve the results as raw bytes (the SDK-backed API does); unset, the writer uses `results()`. */
  resultsBytes?: (batchId: string, options?: { signal?: AbortSignal }) => AsyncIterable<Uint8Array>;
  resultsImpl: Handler<[string, ResultsStreamOptions | undefined], AsyncIterable<MessageBatchIndividualResponse>> = (id) => {
    throw new Error(`unexpected results ${id}`);
  };
  createImpl: Handler<[BatchRequest[]], Promise<MessageBatch>> = async () => {
    throw new Error('unexpected create');
  };
  cancelImpl: Handler<[string], Promise<MessageBatch>> = async (id) => remoteBatch(id, 'canceling', counts());
  deleteImpl: Handler<[string], Promise<void>> = async () => undefined;
  readonly created: BatchRequest[][] = [];

  async create(requests: BatchRequest[]): Promise<MessageBatch> {
    this.calls.push({ method: 'create' });
    this.created.push(requests);
    return this.createImpl(requests);
  }

  async retrieve(batchId: string, options?: { signal?: AbortSignal }): Promise<MessageBatch> {
    this.calls.push({ method: 'retrieve', id: batchId });
    return this.retrieveImpl(batchId, options?.signal);
  }

  async listPage(): Promise<BatchPage> {
    this.calls.push({ method: 'listPage' });
    return { batches: [], hasMore: false, lastId: null };
  }

  async *listAll(): AsyncIterable<MessageBatch> {
    this.calls.push({ method: 'listAll' });
    yield* [];
  }

  async cancel(batchId: string): Promise<MessageBatch> {
    this.calls.push({ method: 'cancel', id: batchId });
    return this.cancelImpl(batchId);
  }

  async delete(batchId: string): Promise<void> {
    this.calls.push({ method: 'delete', id: batchId });
    return this.deleteImpl(batchId);
  }

  results(batchId: string, options?: ResultsStreamOptions): AsyncIterable<MessageBatchIndividualResponse> {
    this.calls.push({ method: 'results', id: batchId });
    return this.resultsImpl(batchId, options);
  }

  async countTokens(): Promise<number> {
    this.calls.push({ method: 'countTokens' });
    return 0;
  }

  async listModels(): Promise<never[]> {
    this.calls.push({ method: 'listModels' });
    return [];
  }

  count(method: string): number {
    return this.calls.filter((call) => call.method === method).length;
  }
}
