import type { BatchApi, MessageBatch } from '../api/batchApi';
import type { Clock } from '../util/clock';
import type { Logger } from '../util/logger';
import { failureFacts, isAbort } from './apiErrors';
import { Emitter } from './events';
import type { BatchRecord, Job, JobStore } from '../jobs/jobModel';
import { type JobSummary, jobPhase, runningBatches, summarizeJob } from './jobStatus';

export const DEFAULT_INITIAL_INTERVAL_MS = 5_000;
export const DEFAULT_GROWTH_FACTOR = 1.5;
export const DEFAULT_MAX_INTERVAL_MS = 300_000;

export interface PollerOptions {
  store: JobStore;
  /** The API to poll with; undefined when no key is set (recorded as state; the poller waits for a poke). */
  getApi: () => Promise<BatchApi | undefined>;
  clock: Clock;
  logger: Logger;
  /** In [0, 1); injectable so backoff jitter is testable. */
  random?: () => number;
  /** The first interval after a submit or a change (ms). */
  initialIntervalMs?: number;
  /** Interval multiplier per tick that changed nothing. */
  growthFactor?: number;
  /** The cap (`batchlens.poll.maxIntervalSeconds`), read fresh at each tick. */
  maxIntervalMs?: number | (() => number);
  /** Reconciles unconfirmed submission intents once, before the first tick. */
  reconcile?: (signal: AbortSignal) => Promise<void>;
  /** Only jobs it accepts are polled (`batch status --wait` follows one job). */
  jobFilter?: (job: Job) => boolean;
}

export type PollerState = 'starting' | 'idle' | 'waiting' | 'polling' | 'stopped';

export interface JobEvent {
  job: Job;
  summary: JobSummary;
}

interface TickOutcome {
  changed: boolean;
  failed: boolean;
  retryAfterMs?: number;
}

/**
 * Follows every running batch in the store until it ends. One `retrieve` per running batch per tick;
 * no request at all while nothing runs (it waits for `poke()` or `notifyStoreChanged()`); the interval
 * starts short after a submit and grows by `growthFactor` per unchanged tick up to the cap; errors
 * back off exponentially with jitter and honour `retryAfterMs`. Failures become state
 * (`lastPollError` on the batch, plus a log line), never exceptions. `dispose()` stops at once,
 * aborting the sleep and any request in flight.
 *
 * @example
 * const poller = new Poller({ store, getApi: async () => api, clock: systemClock, logger });
 * poller.onJobEnded(({ job, summary }) => notify(job, summary.counts));
 * poller.start();
 */
export class Poller {
  private readonly updated: Emitter<JobEvent>;
  private readonly ended: Emitter<JobEvent>;
  private readonly stateChanged: Emitter<PollerState>;
  readonly onJobUpdated;
  readonly onJobEnded;
  readonly onStateChange;

  private readonly abort = new AbortController();
  private readonly random: () => number;
  private readonly initialIntervalMs: number;
  private readonly growthFactor: number;
  private currentState: PollerState = 'starting';
  private intervalMs: number;
  private nextTickAt: number | undefined;
  /** No tick before this time (retry-after or error backoff), whatever else asks for one. */
  private holdUntil = 0;
  private errorStreak = 0;
  private knownRunning = new Set<string>();
  private wakeRequested = false;
  private wakeWaiter: (() => void) | undefined;
  private cycleWaiters: Array<() => void> = [];
  private running: Promise<void> | undefined;
  /** What `store.list()` returned last and the store's change stamp at that time. */
  private listed: { stamp: string; jobs: Job[] } | undefined;

  constructor(private readonly options: PollerOptions) {
    const report = (error: unknown) => options.logger.error(`Batch tracker listener failed: ${failureFacts(error).message}`);
    this.updated = new Emitter<JobEvent>(report);
    this.ended = new Emitter<JobEvent>(report);
    this.stateChanged = new Emitter<PollerState>(report);
    this.onJobUpdated = this.updated.event;
    this.onJobEnded = this.ended.event;
    this.onStateChange = this.stateChanged.event;
    this.random = options.random ?? Math.random;
    this.initialIntervalMs = options.initialIntervalMs ?? DEFAULT_INITIAL_INTERVAL_MS;
    this.growthFactor = options.growthFactor ?? DEFAULT_GROWTH_FACTOR;
    this.intervalMs = this.initialIntervalMs;
  }

  get state(): PollerState {
    return this.currentState;
  }

  /** The interval the next unchanged tick will wait (ms); exposed for the log and tests. */
  get currentIntervalMs(): number {
    return this.intervalMs;
  }

  /** Resolves once the loop has stopped after `dispose()`. */
  get stopped(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  /** Reconciles intents, then resumes polling every unfinished batch (the first tick is immediate). */
  start(): void {
    if (!this.running && !this.abort.signal.aborted) {
      this.running = this.loop();
    }
  }

  /** New work was submitted: poll soon and restart the interval from the short end. */
  poke(): void {
    this.intervalMs = this.initialIntervalMs;
    const soon = this.options.clock.now() + this.initialIntervalMs;
    this.nextTickAt = Math.min(this.nextTickAt ?? soon, soon);
    this.signalWake();
  }

  /** The store changed elsewhere (another window, the CLI): re-read it; new batches are polled soon. */
  notifyStoreChanged(): void {
    this.signalWake();
  }

  /** Polls at once (still honouring retry-after) and resolves when that cycle is over. */
  refreshNow(): Promise<void> {
    if (this.currentState === 'stopped' || !this.running) {
      return Promise.resolve();
    }
    const done = new Promise<void>((resolve) => this.cycleWaiters.push(resolve));
    this.nextTickAt = this.options.clock.now();
    this.signalWake();
    return done;
  }

  dispose(): void {
    if (this.abort.signal.aborted) {
      return;
    }
    this.abort.abort();
    this.signalWake();
    if (!this.running) {
      this.setState('stopped');
    }
  }

  private async loop(): Promise<void> {
    try {
      await this.reconcileOnce();
      this.nextTickAt = this.options.clock.now();
      while (!this.abort.signal.aborted) {
        await this.cycle();
      }
    } catch (error) {
      if (!isAbort(error)) {
        this.options.logger.error(`Batch poller stopped: ${failureFacts(error).message}`);
      }
    } finally {
      this.finishCycle();
      this.setState('stopped');
      this.updated.clear();
      this.ended.clear();
    }
  }

  private async reconcileOnce(): Promise<void> {
    if (!this.options.reconcile) {
      return;
    }
    try {
      await this.options.reconcile(this.abort.signal);
    } catch (error) {
      if (isAbort(error)) {
        throw error;
      }
      this.options.logger.warn(`Could not reconcile submission intents: ${failureFacts(error).message}`);
    }
  }

  /** One pass: read the store, then sleep, idle, or tick. */
  private async cycle(): Promise<void> {
    const jobs = await this.pollableJobs();
    const running = runningBatches(jobs);
    if (running.length === 0) {
      this.knownRunning = new Set();
      this.nextTickAt = undefined;
      this.intervalMs = this.initialIntervalMs;
      this.setState('idle');
      this.finishCycle();
      await this.waitForWake();
      return;
    }
    this.noticeNewBatches(running.map(({ batch }) => batch.batchId as string));
    const now = this.options.clock.now();
    const dueAt = Math.max(this.nextTickAt ?? now, this.holdUntil);
    if (now < dueAt) {
      this.setState('waiting');
      await this.sleepOrWake(dueAt - now);
      return;
    }
    const api = await this.options.getApi();
    if (!api) {
      await this.recordFailureOnAll(running, 'No API key: set one with "Batchlens: Set API Key" or ANTHROPIC_API_KEY.');
      this.nextTickAt = undefined;
      this.setState('idle');
      this.finishCycle();
      await this.waitForWake();
      this.nextTickAt ??= this.options.clock.now();
      return;
    }
    this.setState('polling');
    const outcome = await this.tick(running, api);
    this.schedule(outcome);
    this.finishCycle();
  }

  private async pollableJobs(): Promise<Job[]> {
    const jobs = await this.listJobs();
    return this.options.jobFilter ? jobs.filter(this.options.jobFilter) : jobs;
  }

  /**
   * The store's jobs, re-read only when a job file changed: parsing is linear in a job's rows, and a
   * tick that changed nothing must not cost more for a 100k-row job than for a 10-row one.
   */
  private async listJobs(): Promise<Job[]> {
    const stamp = await this.options.store.changeStamp?.();
    if (stamp !== undefined && this.listed?.stamp === stamp) {
      return this.listed.jobs;
    }
    const jobs = await this.options.store.list();
    this.listed = stamp === undefined ? undefined : { stamp, jobs };
    return jobs;
  }

  /** A batch we have not seen running before (a submit from elsewhere) is polled soon. */
  private noticeNewBatches(batchIds: string[]): void {
    const fresh = batchIds.some((id) => !this.knownRunning.has(id));
    if (fresh && this.knownRunning.size > 0) {
      this.intervalMs = this.initialIntervalMs;
      const soon = this.options.clock.now() + this.initialIntervalMs;
      this.nextTickAt = Math.min(this.nextTickAt ?? soon, soon);
    } else if (fresh && this.nextTickAt === undefined) {
      this.nextTickAt = this.options.clock.now() + this.initialIntervalMs;
    }
    this.knownRunning = new Set(batchIds);
  }

  private schedule(outcome: TickOutcome): void {
    const now = this.options.clock.now();
    if (outcome.failed) {
      this.errorStreak += 1;
      const backoffMs = Math.min(this.maxIntervalMs(), this.initialIntervalMs * 2 ** this.errorStreak);
      const jitteredMs = Math.round(backoffMs * (1 - 0.25 * this.random()));
      const delayMs = Math.max(jitteredMs, outcome.retryAfterMs ?? 0);
      this.holdUntil = now + delayMs;
      this.nextTickAt = now + delayMs;
      this.options.logger.debug(`Batch poller: error #${this.errorStreak}, next poll in ${delayMs} ms`);
      return;
    }
    this.errorStreak = 0;
    this.holdUntil = 0;
    this.intervalMs = outcome.changed
      ? this.initialIntervalMs
      : Math.min(this.maxIntervalMs(), this.intervalMs * this.growthFactor);
    this.nextTickAt = now + this.intervalMs;
  }

  private maxIntervalMs(): number {
    const configured = this.options.maxIntervalMs;
    const value = typeof configured === 'function' ? configured() : configured ?? DEFAULT_MAX_INTERVAL_MS;
    return Math.max(this.initialIntervalMs, value);
  }

  /** One retrieve per running batch; a rate limit ends the tick early (no point asking again now). */
  private async tick(running: Array<{ jobId: string; batch: BatchRecord }>, api: BatchApi): Promise<TickOutcome> {
    const outcome: TickOutcome = { changed: false, failed: false };
    for (const { jobId, batch } of running) {
      if (this.abort.signal.aborted) {
        break;
      }
      try {
        const remote = await api.retrieve(batch.batchId as string, { signal: this.abort.signal });
        if (await this.applyRemote(jobId, batch, remote)) {
          outcome.changed = true;
        }
      } catch (error) {
        if (isAbort(error) || this.abort.signal.aborted) {
          throw error;
        }
        const facts = failureFacts(error);
        outcome.failed = true;
        this.options.logger.warn(`Polling batch ${batch.batchId} of ${jobId} failed: ${facts.message}`);
        await this.recordFailure(jobId, batch, facts.message);
        if (facts.retryAfterMs !== undefined) {
          outcome.retryAfterMs = Math.max(outcome.retryAfterMs ?? 0, facts.retryAfterMs);
          break;
        }
      }
    }
    return outcome;
  }

  /** Writes what the API said, only when it differs from the store; fires updated / ended. */
  private async applyRemote(jobId: string, seen: BatchRecord, remote: MessageBatch): Promise<boolean> {
    const counts = { ...remote.request_counts };
    const changed =
      seen.status !== remote.processing_status ||
      JSON.stringify(seen.counts) !== JSON.stringify(counts) ||
      seen.expiresAt !== remote.expires_at;
    if (!changed && seen.lastPollError === undefined) {
      return false;
    }
    let endedNow = false;
    const job = await this.options.store.update(jobId, (fresh) => {
      const record = fresh.batches.find((candidate) => candidate.batchId === remote.id);
      if (!record) {
        return;
      }
      const phaseBefore = jobPhase(fresh);
      record.status = remote.processing_status;
      record.counts = counts;
      record.createdAt = remote.created_at;
      record.expiresAt = remote.expires_at;
      record.endedAt = remote.ended_at;
      record.resultsUrl = remote.results_url;
      delete record.lastPollError;
      endedNow = phaseBefore !== 'ended' && jobPhase(fresh) === 'ended';
    });
    const event = { job, summary: summarizeJob(job) };
    this.updated.fire(event);
    if (endedNow) {
      this.options.logger.info(`Job ${jobId} ended: ${JSON.stringify(event.summary.counts)}`);
      this.ended.fire(event);
    }
    return changed;
  }

  private async recordFailure(jobId: string, seen: BatchRecord, message: string): Promise<void> {
    if (seen.lastPollError === message) {
      return;
    }
    try {
      const job = await this.options.store.update(jobId, (fresh) => {
        const record = fresh.batches.find((candidate) => candidate.index === seen.index);
        if (record) {
          record.lastPollError = message;
        }
      });
      this.updated.fire({ job, summary: summarizeJob(job) });
    } catch (error) {
      this.options.logger.warn(`Could not record the polling error on ${jobId}: ${failureFacts(error).message}`);
    }
  }

  private async recordFailureOnAll(running: Array<{ jobId: string; batch: BatchRecord }>, message: string): Promise<void> {
    for (const { jobId, batch } of running) {
      await this.recordFailure(jobId, batch, message);
    }
  }

  private setState(state: PollerState): void {
    if (this.currentState !== state && this.currentState !== 'stopped') {
      this.currentState = state;
      this.stateChanged.fire(state);
    }
  }

  private finishCycle(): void {
    const waiters = this.cycleWaiters;
    this.cycleWaiters = [];
    waiters.forEach((resolve) => resolve());
  }

  private signalWake(): void {
    const waiter = this.wakeWaiter;
    if (waiter) {
      this.wakeWaiter = undefined;
      waiter();
    } else {
      this.wakeRequested = true;
    }
  }

  private waitForWake(): Promise<void> {
    if (this.wakeRequested || this.abort.signal.aborted) {
      this.wakeRequested = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      this.wakeWaiter = () => {
        this.wakeRequested = false;
        resolve();
      };
    });
  }

  /** Sleeps on the injected clock; a wake or dispose ends the sleep early (and cancels its timer). */
  private async sleepOrWake(ms: number): Promise<void> {
    if (this.wakeRequested) {
      this.wakeRequested = false;
      return;
    }
    const sleepAbort = new AbortController();
    const stopSleep = () => sleepAbort.abort();
    this.abort.signal.addEventListener('abort', stopSleep, { once: true });
    const woken = this.waitForWake().then(stopSleep);
    try {
      await this.options.clock.sleep(ms, sleepAbort.signal);
    } catch (error) {
      if (!isAbort(error)) {
        throw error;
      }
    } finally {
      this.abort.signal.removeEventListener('abort', stopSleep);
      if (this.wakeWaiter) {
        this.wakeWaiter = undefined;
      }
      void woken;
    }
  }
}
