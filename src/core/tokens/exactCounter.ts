import { sha256Hex } from '../util/sha256';
import type { BatchApi } from '../api/batchApi';
import type { Logger } from '../util/logger';
import { DEFAULT_FRAMING_COEFFICIENTS } from './estimate';

/** A persistent key-value store, shaped like VS Code's `Memento` (workspace state) so the editor can pass one. */
export interface TokenCountStore {
  get(key: string): unknown;
  update(key: string, value: unknown): PromiseLike<void> | Promise<void>;
}

export interface ExactTokenCounterOptions {
  /** Only `countTokens` is used. */
  api: Pick<BatchApi, 'countTokens'>;
  logger: Logger;
  /** Where counts survive restarts; without one they live in memory only. */
  store?: TokenCountStore;
  /** Most count_tokens calls in flight at once (the endpoint is free but rate limited). */
  maxConcurrent?: number;
  /** Told of every new exact count (the workspace calibration learns from them); its failures are logged. */
  onExactCount?: (text: string, model: string, ownTokens: number) => void | Promise<void>;
}

/**
 * Tokens `count_tokens` reports for `{messages: [{role: 'user', content: text}]}` beyond the text
 * itself: the request's start marker, the user turn's markers and the assistant turn opener. We
 * subtract them so a prompt constant's figure is its own tokens, comparable with the offline
 * estimate of the same text (which has no framing) and addable to other parts of a request.
 * The value is the estimator's framing for a one-user-turn request (1 + 3 + 3 = 7), which the
 * one-turn rows of the calibration set confirm ("Hello, world" counts 10 = 3 + 7).
 */
export const SINGLE_USER_TURN_FRAMING_TOKENS =
  DEFAULT_FRAMING_COEFFICIENTS.request + DEFAULT_FRAMING_COEFFICIENTS.messages + DEFAULT_FRAMING_COEFFICIENTS.assistantOpeners;

const STORE_KEY_PREFIX = 'batchlens.tokenCount.';
const DEFAULT_MAX_CONCURRENT = 4;

/**
 * Exact token counts of prompt texts through the free count_tokens endpoint, cached by
 * sha256(text) + model in memory and, when given, in a persistent store. Never blocks a caller:
 * `peek` answers synchronously from the cache, `count` returns a promise. Identical requests in
 * flight are shared; at most `maxConcurrent` run at once. A failed count is logged and resolves to
 * undefined, so the caller keeps showing its estimate.
 */
export class ExactTokenCounter {
  private readonly memory = new Map<string, number>();
  private readonly inFlight = new Map<string, Promise<number | undefined>>();
  private readonly waiting: Array<() => void> = [];
  private running = 0;
  private readonly maxConcurrent: number;

  constructor(private readonly options: ExactTokenCounterOptions) {
    this.maxConcurrent = Math.max(1, options.maxConcurrent ?? DEFAULT_MAX_CONCURRENT);
  }

  /** The cached exact count of `text`'s own tokens for `model`, or undefined when not counted yet. */
  peek(text: string, model: string): number | undefined {
    const key = cacheKey(text, model);
    const cached = this.memory.get(key);
    if (cached !== undefined) return cached;
    const stored = this.options.store?.get(key);
    if (typeof stored === 'number' && Number.isFinite(stored)) {
      this.memory.set(key, stored);
      return stored;
    }
    return undefined;
  }

  /**
   * The exact count of `text`'s own tokens for `model` (framing subtracted). Resolves to undefined,
   * never rejects, when the API call fails: the error is logged.
   */
  count(text: string, model: string): Promise<number | undefined> {
    const known = this.peek(text, model);
    if (known !== undefined) return Promise.resolve(known);
    const key = cacheKey(text, model);
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const request = this.countUncached(key, text, model).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, request);
    return request;
  }

  private async countUncached(key: string, text: string, model: string): Promise<number | undefined> {
    await this.acquire();
    try {
      const total = await this.options.api.countTokens({ model, messages: [{ role: 'user', content: text }] });
      const own = Math.max(0, total - SINGLE_USER_TURN_FRAMING_TOKENS);
      this.memory.set(key, own);
      await this.persist(key, own);
      await this.notify(text, model, own);
      return own;
    } catch (error) {
      this.options.logger.warn(`count_tokens failed for ${model}; keeping the estimate: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    } finally {
      this.release();
    }
  }

  private async persist(key: string, value: number): Promise<void> {
    if (!this.options.store) return;
    try {
      await this.options.store.update(key, value);
    } catch (error) {
      this.options.logger.warn(`could not store a token count: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private async notify(text: string, model: string, own: number): Promise<void> {
    try {
      await this.options.onExactCount?.(text, model, own);
    } catch (error) {
      this.options.logger.warn(`could not learn from a token count: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private acquire(): Promise<void> {
    if (this.running < this.maxConcurrent) {
      this.running += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running -= 1;
  }
}

function cacheKey(text: string, model: string): string {
  const digest = sha256Hex(text);
  return `${STORE_KEY_PREFIX}${model}:${digest}`;
}
