import type { Logger } from '../util/logger';
import type { TokenCountStore } from './exactCounter';

/** A persistent key-value store shaped like VS Code's `Memento` (global state), with its key listing. */
export interface StateStore {
  get(key: string): unknown;
  update(key: string, value: unknown): PromiseLike<void> | Promise<void>;
  keys(): readonly string[];
}

export interface TokenCountCacheOptions {
  /** Most counts kept; the least recently used go first. */
  maxEntries?: number;
  logger?: Logger;
}

/** Where the bounded cache lives in the state store: one value, `[key, count]` pairs, oldest first. */
export const TOKEN_COUNT_CACHE_STATE_KEY = 'batchlens.tokenCountCache.v1';
export const DEFAULT_MAX_CACHED_TOKEN_COUNTS = 2_000;
/** Earlier versions stored each count under its own key (`[<base URL>|]batchlens.tokenCount.<model>:<sha256>`), without a bound. */
const LEGACY_KEY_MARKER = 'batchlens.tokenCount.';

/**
 * Exact token counts that survive restarts, bounded: at most `maxEntries` counts, the least recently
 * used (read or written) evicted first, so global state cannot grow without limit however many
 * prompt texts pass through the lens. Counts are keyed by a hash of the text (no prompt text is
 * stored). Counts left by earlier versions under their own keys are folded in (up to the bound)
 * and their keys removed on first use. Reads are answered from memory; a read's new recency is
 * saved with the next write.
 */
export class TokenCountCache implements TokenCountStore {
  private entries?: Map<string, number>;
  private readonly maxEntries: number;
  /** The write in progress; writes are serialised so the last one to start holds the final state. */
  private writing: Promise<void> = Promise.resolve();
  /** A write asked for that has not started yet: later saves join it. */
  private queued?: Promise<void>;

  constructor(
    private readonly state: StateStore,
    private readonly options: TokenCountCacheOptions = {},
  ) {
    this.maxEntries = Math.max(1, Math.floor(options.maxEntries ?? DEFAULT_MAX_CACHED_TOKEN_COUNTS));
  }

  /** How many counts are cached. */
  get size(): number {
    return this.load().size;
  }

  get(key: string): number | undefined {
    const entries = this.load();
    const value = entries.get(key);
    if (value === undefined) return undefined;
    // Most recently used goes last.
    entries.delete(key);
    entries.set(key, value);
    return value;
  }

  update(key: string, value: unknown): Promise<void> {
    const entries = this.load();
    entries.delete(key);
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) {
      entries.set(key, value);
      this.evict(entries);
    }
    return this.save();
  }

  /** Forgets every count (also any left by earlier versions); resolves to how many there were. */
  async clear(): Promise<number> {
    const entries = this.load();
    const count = entries.size;
    entries.clear();
    await this.save();
    return count;
  }

  private load(): Map<string, number> {
    if (this.entries) return this.entries;
    const entries = new Map<string, number>();
    const stored = this.state.get(TOKEN_COUNT_CACHE_STATE_KEY);
    if (Array.isArray(stored)) {
      for (const pair of stored) {
        if (Array.isArray(pair) && typeof pair[0] === 'string' && typeof pair[1] === 'number' && Number.isFinite(pair[1]) && pair[1] >= 0) {
          entries.set(pair[0], pair[1]);
        }
      }
    }
    this.entries = entries;
    this.migrateLegacyKeys(entries);
    this.evict(entries);
    return entries;
  }

  private migrateLegacyKeys(entries: Map<string, number>): void {
    const legacy = this.state.keys().filter((key) => key.includes(LEGACY_KEY_MARKER));
    if (legacy.length === 0) return;
    // Their age is unknown: they count as older than anything already in the bounded cache.
    const merged = new Map<string, number>();
    for (const key of legacy) {
      const value = this.state.get(key);
      if (typeof value === 'number' && Number.isFinite(value) && value >= 0) merged.set(key, value);
    }
    for (const [key, value] of entries) {
      merged.delete(key);
      merged.set(key, value);
    }
    entries.clear();
    for (const [key, value] of merged) entries.set(key, value);
    this.evict(entries);
    this.writing = this.writing
      .then(async () => {
        for (const key of legacy) await this.state.update(key, undefined);
      })
      .catch((error: unknown) => this.options.logger?.warn(`could not remove old token counts: ${error instanceof Error ? error.message : String(error)}`));
    this.save().catch((error: unknown) => this.options.logger?.warn(`could not save token counts: ${error instanceof Error ? error.message : String(error)}`));
  }

  private evict(entries: Map<string, number>): void {
    for (const key of entries.keys()) {
      if (entries.size <= this.maxEntries) break;
      entries.delete(key);
    }
  }

  /**
   * Writes the whole (bounded) list. Writes run one at a time; saves asked for while one waits to
   * start join it, so a burst of new counts costs one write that holds all of them.
   */
  private save(): Promise<void> {
    if (this.queued) return this.queued;
    const write = this.writing.then(() => {
      this.queued = undefined;
      const entries = this.entries ?? new Map<string, number>();
      return this.state.update(TOKEN_COUNT_CACHE_STATE_KEY, entries.size === 0 ? undefined : [...entries]);
    });
    this.queued = write;
    // A failed write is reported to its callers and does not stop the next one.
    this.writing = write.then(
      () => undefined,
      () => undefined,
    );
    return write;
  }
}
