import type { Message } from '@anthropic-ai/sdk/resources/messages/messages';
import { sha256Hex } from './ids';
import { countTextTokens, lastUserText, tokenizerOf } from './prompt';
import type { CacheUsage } from './promptCache';

const CLOSINGS = [
  'The main point is stated first and the details follow.',
  'It reads as a short, self-contained piece.',
  'Most of it is setup; the key idea comes near the end.',
  'It mixes explanation with examples.',
  'It is mostly structure, with little prose.',
  'The tone is practical and direct.',
];

/**
 * The reply text: a pure function of the request, readable, and different for different prompts.
 * It quotes the first words of the last user message and adds a closing chosen by the request hash.
 */
export function replyText(params: Record<string, unknown>): string {
  const digest = sha256Hex(JSON.stringify(params));
  const words = lastUserText(params).split(/\s+/).filter(Boolean);
  const opening = words.slice(0, 8).join(' ');
  const quoted = opening ? `"${opening}${words.length > 8 ? '…' : ''}"` : 'an empty prompt';
  const closing = CLOSINGS[Number.parseInt(digest.slice(0, 8), 16) % CLOSINGS.length];
  return `Summary (emulated): a ${words.length}-word text beginning ${quoted}. ${closing} [${digest.slice(0, 8)}]`;
}

/**
 * A complete `Message`, for a succeeded batch row (`service_tier: 'batch'`) or a synchronous
 * `POST /v1/messages` (`'standard'`). Output is counted with the emulator's (estimated) token counter
 * and cut to `max_tokens` (with stop_reason `max_tokens`) at 4 UTF-8 bytes per allowed token.
 */
export function buildMessage(
  id: string,
  params: Record<string, unknown>,
  cache: CacheUsage,
  serviceTier: 'batch' | 'standard' = 'batch',
): Message {
  const maxTokens = typeof params['max_tokens'] === 'number' ? params['max_tokens'] : 1;
  const tokenizer = tokenizerOf(params['model']);
  let text = replyText(params);
  let stopReason: 'end_turn' | 'max_tokens' = 'end_turn';
  if (countTextTokens(text, tokenizer) > maxTokens) {
    text = Buffer.from(text, 'utf8').subarray(0, maxTokens * 4).toString('utf8').replace(/\uFFFD+$/, '');
    stopReason = 'max_tokens';
  }
  return {
    id,
    type: 'message',
    role: 'assistant',
    model: String(params['model']),
    content: [{ type: 'text', text, citations: null }],
    stop_reason: stopReason,
    stop_sequence: null,
    stop_details: null,
    container: null,
    diagnostics: null,
    usage: {
      input_tokens: cache.input_tokens,
      output_tokens: Math.min(countTextTokens(text, tokenizer), maxTokens),
      cache_creation_input_tokens: cache.cache_creation_input_tokens,
      cache_read_input_tokens: cache.cache_read_input_tokens,
      cache_creation: cache.cache_creation,
      output_tokens_details: null,
      server_tool_use: null,
      inference_geo: null,
      service_tier: serviceTier,
      speed: null,
    },
  } satisfies Message;
}
