import type { TokenizerGeneration } from '../../src/core/pricing/modelEntry';
import { estimateRequestTokens, estimateTextTokens } from '../../src/core/tokens/estimate';
import { tokenizerForModel } from '../../src/core/tokens/tokenizerForModel';

/**
 * How the emulator sees a Messages request: an ordered list of blocks (tools, then system, then
 * messages: the order the real prompt cache uses), each with a token count and its cache_control.
 *
 * Token counts are EMULATED: the emulator has no tokenizer, so it uses Batchlens's own offline
 * estimator (src/core/tokens), the same one the editor and CLI show as "≈". Deterministic:
 * - a text block costs `estimateTextTokens(text)` for the model's tokenizer generation;
 * - any other block (tool definition, image, document, tool_use, tool_result...) costs the
 *   estimate of its JSON without cache_control;
 * - each message adds 3 tokens for its role marker (counted on its first block).
 * The request's total is the estimator's count of the whole request (framing included), never less
 * than the blocks' sum. `count_tokens` returns that total (with an `x-batchlens-emulated` header
 * saying so); replies' `usage` splits the same total into cache read / write / input.
 */

export type CacheTtl = '5m' | '1h';

export interface PromptBlock {
  /** Canonical text of the block without cache_control; the cache key hashes these in order. */
  key: string;
  tokens: number;
  /** Present when this block carries an explicit breakpoint. */
  ttl?: CacheTtl;
}

export interface FlatPrompt {
  blocks: PromptBlock[];
  totalTokens: number;
  /** The top-level (automatic) cache_control, which marks the last block. */
  autoTtl?: CacheTtl;
}

export const MESSAGE_OVERHEAD_TOKENS = 3;

/** Emulated tokens of a text: Batchlens's offline estimate for the tokenizer generation. */
export function countTextTokens(text: string, tokenizer: TokenizerGeneration = 'new'): number {
  return estimateTextTokens(text, tokenizer);
}

/** The tokenizer generation the model counts with; unknown models count as the current generation. */
export function tokenizerOf(model: unknown): TokenizerGeneration {
  try {
    return tokenizerForModel(String(model));
  } catch {
    return 'new';
  }
}

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function ttlOf(block: JsonObject): CacheTtl | undefined {
  const control = block['cache_control'];
  if (!isObject(control)) {
    return undefined;
  }
  return control['ttl'] === '1h' ? '1h' : '5m';
}

function withoutCacheControl(block: JsonObject): JsonObject {
  const { cache_control: _ignored, ...rest } = block;
  return rest;
}

function blockFrom(section: string, block: unknown, tokenizer: TokenizerGeneration, extraTokens = 0): PromptBlock {
  if (typeof block === 'string') {
    return { key: `${section}:${JSON.stringify(block)}`, tokens: countTextTokens(block, tokenizer) + extraTokens };
  }
  if (!isObject(block)) {
    return { key: `${section}:${JSON.stringify(block)}`, tokens: extraTokens };
  }
  const bare = withoutCacheControl(block);
  const tokens =
    block['type'] === 'text' && typeof block['text'] === 'string'
      ? countTextTokens(block['text'], tokenizer)
      : countTextTokens(JSON.stringify(bare), tokenizer);
  return { key: `${section}:${JSON.stringify(bare)}`, tokens: tokens + extraTokens, ttl: ttlOf(block) };
}

/** Flattens `tools`, `system` and `messages` of a request into prompt blocks. */
export function flattenPrompt(params: JsonObject): FlatPrompt {
  const tokenizer = tokenizerOf(params['model']);
  const blocks: PromptBlock[] = [];
  const tools = params['tools'];
  if (Array.isArray(tools)) {
    for (const tool of tools) {
      blocks.push(blockFrom('tool', tool, tokenizer));
    }
  }
  const system = params['system'];
  if (typeof system === 'string') {
    if (system.length > 0) {
      blocks.push(blockFrom('system', system, tokenizer));
    }
  } else if (Array.isArray(system)) {
    for (const block of system) {
      blocks.push(blockFrom('system', block, tokenizer));
    }
  }
  const messages = params['messages'];
  if (Array.isArray(messages)) {
    for (const message of messages) {
      if (!isObject(message)) {
        continue;
      }
      const role = String(message['role']);
      const content = message['content'];
      if (Array.isArray(content) && content.length > 0) {
        content.forEach((block, index) =>
          blocks.push(blockFrom(role, block, tokenizer, index === 0 ? MESSAGE_OVERHEAD_TOKENS : 0)),
        );
      } else {
        blocks.push(blockFrom(role, typeof content === 'string' ? content : '', tokenizer, MESSAGE_OVERHEAD_TOKENS));
      }
    }
  }
  const blockTokens = blocks.reduce((sum, block) => sum + block.tokens, 0);
  // The whole request as the estimator counts it (delimiters included), so count_tokens and usage agree with it.
  const totalTokens = Math.max(blockTokens, estimateRequestTokens(params, tokenizer).inputTokens);
  const auto = isObject(params['cache_control']) ? ttlOf(params) : undefined;
  return { blocks, totalTokens, autoTtl: auto };
}

/** Every breakpoint (explicit, plus the automatic one on the last block) in prompt order. */
export function breakpointsOf(prompt: FlatPrompt): Array<{ index: number; ttl: CacheTtl }> {
  const points = prompt.blocks.flatMap((block, index) => (block.ttl ? [{ index, ttl: block.ttl }] : []));
  const last = prompt.blocks.length - 1;
  // The automatic breakpoint lands on the last block; one already marked there is not counted twice.
  if (prompt.autoTtl && last >= 0 && !prompt.blocks[last].ttl) {
    points.push({ index: last, ttl: prompt.autoTtl });
  }
  return points;
}

/** The last text a user wrote in the request (what a reply talks about). */
export function lastUserText(params: JsonObject): string {
  const messages = Array.isArray(params['messages']) ? params['messages'] : [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i];
    if (!isObject(message) || message['role'] !== 'user') {
      continue;
    }
    const content = message['content'];
    if (typeof content === 'string') {
      return content;
    }
    if (Array.isArray(content)) {
      const texts = content.filter(isObject).flatMap((b) => (b['type'] === 'text' && typeof b['text'] === 'string' ? [b['text']] : []));
      if (texts.length > 0) {
        return texts.join(' ');
      }
    }
  }
  return '';
}
