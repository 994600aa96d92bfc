/**
 * How the emulator sees a Messages request: an ordered list of blocks (tools, then system, then
 * messages: the order the real prompt cache uses), each with a token count and its cache_control.
 *
 * Token counting is the emulator's own, deterministic and documented (it is not a tokenizer):
 * - a text block costs ceil(UTF-8 bytes / 4) tokens;
 * - any other block (tool definition, image, document, tool_use, tool_result...) costs
 *   ceil(UTF-8 bytes of its JSON, without cache_control, / 4);
 * - each message adds 3 tokens for its role marker (counted on its first block).
 * `count_tokens` returns the sum; replies' `usage` splits the same sum into cache read / write / input.
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

export function countTextTokens(text: string): number {
  return text.length === 0 ? 0 : Math.ceil(Buffer.byteLength(text, 'utf8') / 4);
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

function blockFrom(section: string, block: unknown, extraTokens = 0): PromptBlock {
  if (typeof block === 'string') {
    return { key: `${section}:${JSON.stringify(block)}`, tokens: countTextTokens(block) + extraTokens };
  }
  if (!isObject(block)) {
    return { key: `${section}:${JSON.stringify(block)}`, tokens: extraTokens };
  }
  const bare = withoutCacheControl(block);
  const tokens =
    block['type'] === 'text' && typeof block['text'] === 'string'
      ? countTextTokens(block['text'])
      : countTextTokens(JSON.stringify(bare));
  return { key: `${section}:${JSON.stringify(bare)}`, tokens: tokens + extraTokens, ttl: ttlOf(block) };
}

/** Flattens `tools`, `system` and `messages` of a request into prompt blocks. */
export function flattenPrompt(params: JsonObject): FlatPrompt {
  const blocks: PromptBlock[] = [];
  const tools = params['tools'];
  if (Array.isArray(tools)) {
    for (const tool of tools) {
      blocks.push(blockFrom('tool', tool));
    }
  }
  const system = params['system'];
  if (typeof system === 'string') {
    if (system.length > 0) {
      blocks.push(blockFrom('system', system));
    }
  } else if (Array.isArray(system)) {
    for (const block of system) {
      blocks.push(blockFrom('system', block));
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
          blocks.push(blockFrom(role, block, index === 0 ? MESSAGE_OVERHEAD_TOKENS : 0)),
        );
      } else {
        blocks.push(blockFrom(role, typeof content === 'string' ? content : '', MESSAGE_OVERHEAD_TOKENS));
      }
    }
  }
  const totalTokens = blocks.reduce((sum, block) => sum + block.tokens, 0);
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
