import { createHash } from 'node:crypto';
import { breakpointsOf, type CacheTtl, type FlatPrompt } from './prompt';

/** The usage fields a reply reports, as the real prompt cache fills them. */
export interface CacheUsage {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
}

export interface CacheEntry {
  ttl: CacheTtl;
  expiresAt: number;
}

const TTL_MS: Record<CacheTtl, number> = { '5m': 5 * 60_000, '1h': 60 * 60_000 };
/** Reads look back at most this many block positions per breakpoint, the breakpoint included. */
export const LOOKBACK_BLOCKS = 20;

/**
 * A prompt cache shared by every batch of the emulator (one workspace), keyed by model and the
 * exact content of the prefix. Faithful to the documented rules:
 * - writes happen only at breakpoints; the prefix ends at the last breakpoint;
 * - a read walks back up to 20 positions from each breakpoint looking for an earlier write, and the
 *   highest hit wins; a hit refreshes the entry's lifetime;
 * - tokens between the read position and the last breakpoint are written, each stretch charged to
 *   the TTL of the breakpoint that ends it (so 1h writes come before 5m writes);
 * - a breakpoint whose prefix is shorter than the model's minimum never caches;
 * - `input_tokens` counts only the tokens after the last (cacheable) breakpoint.
 */
export class PromptCache {
  private readonly entries = new Map<string, CacheEntry>();

  constructor(initial: Iterable<[string, CacheEntry]> = []) {
    for (const [key, entry] of initial) {
      this.entries.set(key, entry);
    }
  }

  /** Computes the usage of one request processed at `nowMs`, recording its writes and refreshing its read. */
  use(modelId: string, prompt: FlatPrompt, minCacheableTokens: number, nowMs: number): CacheUsage {
    const cumulative: number[] = [];
    const keys: string[] = [];
    let running = 0;
    let hash = createHash('sha256').update(`model:${modelId}`).digest('hex');
    for (const block of prompt.blocks) {
      running += block.tokens;
      cumulative.push(running);
      hash = createHash('sha256').update(hash).update('\u0000').update(block.key).digest('hex');
      keys.push(hash);
    }
    const breakpoints = breakpointsOf(prompt).filter((bp) => cumulative[bp.index] >= minCacheableTokens);
    if (breakpoints.length === 0) {
      return usage(prompt.totalTokens, 0, 0, 0);
    }

    let readAt = -1;
    for (const bp of breakpoints) {
      for (let p = bp.index; p >= 0 && p > bp.index - LOOKBACK_BLOCKS; p--) {
        if (this.isLive(keys[p], nowMs)) {
          readAt = Math.max(readAt, p);
          break;
        }
      }
    }
    if (readAt >= 0) {
      const hit = this.entries.get(keys[readAt]);
      if (hit) {
        hit.expiresAt = nowMs + TTL_MS[hit.ttl];
      }
    }

    let written5m = 0;
    let written1h = 0;
    let from = readAt >= 0 ? cumulative[readAt] : 0;
    for (const bp of breakpoints) {
      if (bp.index <= readAt) {
        continue;
      }
      const stretch = cumulative[bp.index] - from;
      if (bp.ttl === '1h') {
        written1h += stretch;
      } else {
        written5m += stretch;
      }
      from = cumulative[bp.index];
      this.entries.set(keys[bp.index], { ttl: bp.ttl, expiresAt: nowMs + TTL_MS[bp.ttl] });
    }
    const lastBreakpoint = breakpoints[breakpoints.length - 1].index;
    const read = readAt >= 0 ? cumulative[readAt] : 0;
    return usage(prompt.totalTokens - cumulative[lastBreakpoint], read, written5m, written1h);
  }

  snapshot(): Array<[string, CacheEntry]> {
    return [...this.entries];
  }

  get size(): number {
    return this.entries.size;
  }

  private isLive(key: string, nowMs: number): boolean {
    const entry = this.entries.get(key);
    if (!entry) {
      return false;
    }
    if (entry.expiresAt <= nowMs) {
      this.entries.delete(key);
      return false;
    }
    return true;
  }
}

function usage(input: number, read: number, written5m: number, written1h: number): CacheUsage {
  return {
    input_tokens: input,
    cache_creation_input_tokens: written5m + written1h,
    cache_read_input_tokens: read,
    cache_creation: { ephemeral_5m_input_tokens: written5m, ephemeral_1h_input_tokens: written1h },
  };
}
