import type { ModelInfo } from '@anthropic-ai/sdk/resources/models';
import type { Logger } from '../util/logger';
import { useLiveModelFacts } from './catalog';
import { LIVE_MODELS_MAX_AGE_MS, type LiveModelsCache, type LiveModelsResult, loadLiveModels } from './liveModels';

/*
 * The long-running twin of `batchlens models`: keeps the catalog's lifecycle and limits in step with
 * `GET /v1/models` inside a process that stays up (the editor). It never runs on the caller's path:
 * the first check waits `firstDelayMs`, later checks come every `checkEveryMs`, and a check asks the
 * API only when the last successful fetch (this process's, or the shared cache file's) is a day old.
 * A failure is logged and retried at the next check; nothing is thrown or shown.
 */

/** Leaves activation alone: the first check comes after this delay. */
export const FIRST_CHECK_DELAY_MS = 30_000;
/** How often to look; the API is asked only when the facts are `LIVE_MODELS_MAX_AGE_MS` old, so a failure is retried within the hour. */
export const CHECK_EVERY_MS = 60 * 60 * 1000;

export interface LiveModelsRefresherOptions {
  /** Where the facts are cached (shared with the CLI for the same workspace), or undefined to skip this check. */
  cacheFile(): string | undefined;
  /** How to list the models, or undefined when no key is set (then only the cache is read). */
  modelLister(): Promise<(() => Promise<ModelInfo[]>) | undefined>;
  nowMs(): number;
  logger: Logger;
  /** Called after new facts were applied to the catalog, to redraw what shows lifecycle. */
  onDidUpdate(facts: LiveModelsCache): void;
  timers?: { set(run: () => void, ms: number): unknown; clear(handle: unknown): void };
}

const realTimers = {
  set: (run: () => void, ms: number): unknown => {
    const handle = setTimeout(run, ms);
    // A pending check must never keep a process alive.
    handle.unref?.();
    return handle;
  },
  clear: (handle: unknown) => clearTimeout(handle as NodeJS.Timeout),
};

export class LiveModelsRefresher {
  private readonly timers: NonNullable<LiveModelsRefresherOptions['timers']>;
  private handle: unknown;
  private appliedFetchedAt: string | undefined;
  private disposed = false;
  private running: Promise<LiveModelsResult | undefined> | undefined;

  constructor(private readonly options: LiveModelsRefresherOptions) {
    this.timers = options.timers ?? realTimers;
  }

  /** Schedules the first check; returns at once. */
  start(firstDelayMs = FIRST_CHECK_DELAY_MS): void {
    this.schedule(firstDelayMs);
  }

  /** One check now: reads the cache, asks the API if the facts are a day old, applies what is newer. Never throws. */
  check(): Promise<LiveModelsResult | undefined> {
    // A key change during a scheduled check joins it rather than asking the API twice.
    this.running ??= this.checkOnce().finally(() => (this.running = undefined));
    return this.running;
  }

  private async checkOnce(): Promise<LiveModelsResult | undefined> {
    try {
      // Facts this process applied less than a day ago need no check (even if the cache file could not be written).
      if (this.appliedFetchedAt && this.options.nowMs() - Date.parse(this.appliedFetchedAt) < LIVE_MODELS_MAX_AGE_MS) return undefined;
      const cacheFile = this.options.cacheFile();
      if (!cacheFile) return undefined;
      const listModels = await this.options.modelLister();
      const result = await loadLiveModels({ cacheFile, listModels, nowMs: this.options.nowMs(), maxAgeMs: LIVE_MODELS_MAX_AGE_MS });
      if (result.note && listModels) this.options.logger.warn(`Model lifecycle: ${result.note}`);
      if (result.facts && result.facts.fetchedAt !== this.appliedFetchedAt) {
        this.appliedFetchedAt = result.facts.fetchedAt;
        useLiveModelFacts(result.facts);
        this.options.logger.info(`Model lifecycle and limits from GET /v1/models (${result.origin === 'fetched' ? 'fetched now' : `cached, fetched ${result.facts.fetchedAt}`})`);
        this.options.onDidUpdate(result.facts);
      }
      return result;
    } catch (error) {
      this.options.logger.warn(`Model lifecycle refresh failed: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  }

  dispose(): void {
    this.disposed = true;
    if (this.handle !== undefined) this.timers.clear(this.handle);
    this.handle = undefined;
  }

  private schedule(ms: number): void {
    if (this.disposed) return;
    this.handle = this.timers.set(() => {
      this.handle = undefined;
      void this.check().finally(() => this.schedule(CHECK_EVERY_MS));
    }, ms);
  }
}
