/** Fakes for the poller bench: a clock that jumps ahead on every sleep, an in-memory store, and a counting API. */
import type { BatchApi, BatchRequest, MessageBatch } from '../../src/core/api/batchApi';
import { BatchApiError } from '../../src/core/api/errors';
import type { Job, JobStore } from '../../src/core/jobs/jobModel';
import { type Clock, abortError } from '../../src/core/util/clock';

export const START_MS = Date.parse('2026-11-22T08:00:00Z');

/**
 * Simulated time: every sleep moves the clock forward by its length at once (on the next turn of the
 * event loop), so a day of polling runs in well under a second. Only the code under test sleeps.
 */
export class JumpingClock implements Clock {
  private time = START_MS;

  now(): number {
    return this.time;
  }

  advance(ms: number): void {
    this.time += ms;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortError());
        return;
      }
      setImmediate(() => {
        if (signal?.aborted) {
          reject(abortError());
          return;
        }
        this.time += ms;
        resolve();
      });
    });
  }
}

/** A JobStore in memory: every read and update works on copies, as the file store does. */
export class MemoryJobStore implements JobStore {
  readonly root = '/bench-workspace';
  private readonly jobs = new Map<string, Job>();

  async list(): Promise<Job[]> {
    return [...this.jobs.values()].map((job) => structuredClone(job));
  }

  async get(jobId: string): Promise<Job | undefined> {
    const job = this.jobs.get(jobId);
    return job ? structuredClone(job) : undefined;
  }

  async create(job: Job): Promise<void> {
    this.jobs.set(job.id, structuredClone(job));
  }

  async update(jobId: string, mutate: (job: Job) => void | Promise<void>): Promise<Job> {
    const job = await this.get(jobId);
    if (!job) throw new Error(`no job ${jobId}`);
    await mutate(job);
    this.jobs.set(jobId, structuredClone(job));
    return job;
  }

  async delete(jobId: string): Promise<void> {
    this.jobs.delete(jobId);
  }

  async readRequests(): Promise<Map<string, BatchRequest>> {
    return new Map<string, BatchRequest>();
  }

  resultsDir(jobId: string): string {
    return `${this.root}/.batchlens/results/${jobId}`;
  }
}

/** A stretch of simulated time during which every call is answered with a 429. */
export interface RateLimitStorm {
  fromMs: number;
  toMs: number;
  /** The `retry-after` the 429 carries; undefined for a 429 without one (the spend-cap kind). */
  retryAfterMs?: number;
}

/**
 * A BatchApi whose batches end `durationMs` after START_MS; counts every call (and the calls made
 * during a storm). Only `retrieve` is expected from the poller; anything else is counted and refused.
 */
export class CountingBatchApi implements BatchApi {
  calls = 0;
  callsDuringStorm = 0;
  readonly callTimes: number[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly durations: ReadonlyMap<string, number>,
    private readonly storm?: RateLimitStorm,
  ) {}

  async retrieve(batchId: string): Promise<MessageBatch> {
    this.calls++;
    const now = this.clock.now();
    this.callTimes.push(now);
    if (this.storm && now >= START_MS + this.storm.fromMs && now < START_MS + this.storm.toMs) {
      this.callsDuringStorm++;
      throw new BatchApiError({ kind: 'rate_limited', status: 429, message: 'Rate limited (429).', retryAfterMs: this.storm.retryAfterMs });
    }
    const durationMs = this.durations.get(batchId);
    if (durationMs === undefined) throw new BatchApiError({ kind: 'not_found', status: 404, message: `no batch ${batchId}` });
    const ended = now >= START_MS + durationMs;
    return {
      id: batchId,
      type: 'message_batch',
      processing_status: ended ? 'ended' : 'in_progress',
      request_counts: { processing: ended ? 0 : 100, succeeded: ended ? 100 : 0, errored: 0, canceled: 0, expired: 0 },
      created_at: new Date(START_MS).toISOString(),
      expires_at: new Date(START_MS + 24 * 3_600_000).toISOString(),
      ended_at: ended ? new Date(now).toISOString() : null,
      archived_at: null,
      cancel_initiated_at: null,
      results_url: ended ? `https://api.anthropic.com/v1/messages/batches/${batchId}/results` : null,
    };
  }

  create = () => this.refuse();
  listPage = () => this.refuse();
  cancel = () => this.refuse();
  delete = () => this.refuse();
  countTokens = () => this.refuse();
  listModels = () => this.refuse();
  listAll = (): AsyncIterable<MessageBatch> => ({ [Symbol.asyncIterator]: () => ({ next: () => this.refuse() }) });
  results = (): AsyncIterable<never> => ({ [Symbol.asyncIterator]: () => ({ next: () => this.refuse() }) });

  private refuse(): Promise<never> {
    this.calls++;
    return Promise.reject(new Error('the poller bench expects only retrieve calls'));
  }
}

/** A job with one running batch per id (submitted at START_MS). */
export function runningJob(jobId: string, batchIds: readonly string[]): Job {
  return {
    schemaVersion: 1,
    id: jobId,
    createdAt: START_MS,
    template: { name: 'summarize', model: 'claude-sonnet-4-6', maxTokens: 1024 },
    manifest: [],
    batches: batchIds.map((batchId, index) => ({
      index,
      customIds: [],
      intentAt: START_MS,
      requestsSha256: '0'.repeat(64),
      batchId,
      purpose: 'initial',
      status: 'in_progress',
      counts: { processing: 100, succeeded: 0, errored: 0, canceled: 0, expired: 0 },
    })),
    rows: {},
    estimate: { batchUsd: 0, syncUsd: 0, inputTokens: 0, outputTokensBound: 0 },
    requestsFile: `requests/${jobId}.jsonl`,
  };
}
