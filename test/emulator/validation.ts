import { invalidRequest, notFound, type ApiErrorSpec } from './apiError';
import { findServedModel } from './models';
import { breakpointsOf, flattenPrompt } from './prompt';

export const CUSTOM_ID_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;
export const MAX_BREAKPOINTS = 4;

/**
 * `anthropic-version` values the emulator knows. From 2026-10-21 the API rejects the sampling
 * parameters, a `document` block in an assistant turn and a user text block with citations, in
 * Messages, count_tokens and every request inside a batch (reference §0); 2023-06-01 accepts them.
 */
export const VERSION_2023 = '2023-06-01';
export const VERSION_2026 = '2026-10-21';
const SAMPLING_PARAMETERS = ['temperature', 'top_p', 'top_k'];

function blocks(content: unknown): JsonObject[] {
  return Array.isArray(content) ? content.filter(isObject) : [];
}

/**
 * What `version` removed, as the API words it (`temperature: Extra inputs are not permitted`).
 * Shared by count_tokens (a synchronous 400) and batch rows (an `errored` result).
 */
export function validateForVersion(params: JsonObject, version: string): ApiErrorSpec | undefined {
  if (version < VERSION_2026) {
    return undefined;
  }
  for (const name of SAMPLING_PARAMETERS) {
    if (name in params) {
      return invalidRequest(`${name}: Extra inputs are not permitted`);
    }
  }
  const messages = Array.isArray(params['messages']) ? params['messages'] : [];
  for (const [index, message] of messages.entries()) {
    if (!isObject(message)) {
      continue;
    }
    for (const [blockIndex, block] of blocks(message['content']).entries()) {
      const at = `messages.${index}.content.${blockIndex}`;
      if (message['role'] === 'assistant' && block['type'] === 'document') {
        return invalidRequest(`${at}: document blocks are not permitted in assistant messages`);
      }
      if (message['role'] === 'user' && block['type'] === 'text' && Array.isArray(block['citations']) && block['citations'].length > 0) {
        return invalidRequest(`${at}.citations: Extra inputs are not permitted`);
      }
    }
  }
  return undefined;
}

export interface BatchRequestInput {
  custom_id: string;
  params: Record<string, unknown>;
}

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Validates a create body the way the API's schema does, failing the whole call with a 400 whose
 * message names the field (`requests.0.custom_id: String should match pattern ...`). Only the
 * envelope is checked here; `params` are validated per request when the batch runs.
 */
export function validateCreateBody(body: unknown, maxRequests: number): BatchRequestInput[] | ApiErrorSpec {
  if (!isObject(body)) {
    return invalidRequest('Input should be a valid dictionary');
  }
  const requests = body['requests'];
  if (requests === undefined) {
    return invalidRequest('requests: Field required');
  }
  if (!Array.isArray(requests)) {
    return invalidRequest('requests: Input should be a valid list');
  }
  if (requests.length === 0) {
    return invalidRequest('requests: List should have at least 1 item after validation, not 0');
  }
  if (requests.length > maxRequests) {
    return invalidRequest(`requests: List should have at most ${maxRequests} items after validation, not ${requests.length}`);
  }
  const firstIndexOf = new Map<string, number>();
  const valid: BatchRequestInput[] = [];
  for (const [index, request] of requests.entries()) {
    const at = `requests.${index}`;
    if (!isObject(request)) {
      return invalidRequest(`${at}: Input should be a valid dictionary`);
    }
    const customId = request['custom_id'];
    if (customId === undefined) {
      return invalidRequest(`${at}.custom_id: Field required`);
    }
    if (typeof customId !== 'string') {
      return invalidRequest(`${at}.custom_id: Input should be a valid string`);
    }
    if (customId.length === 0) {
      return invalidRequest(`${at}.custom_id: String should have at least 1 character`);
    }
    if (customId.length > 64) {
      return invalidRequest(`${at}.custom_id: String should have at most 64 characters`);
    }
    if (!CUSTOM_ID_PATTERN.test(customId)) {
      return invalidRequest(`${at}.custom_id: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'`);
    }
    const earlier = firstIndexOf.get(customId);
    if (earlier !== undefined) {
      return invalidRequest(
        `${at}.custom_id: custom_id '${customId}' is already used by requests.${earlier}; each request in a Message Batch needs a unique custom_id`,
      );
    }
    firstIndexOf.set(customId, index);
    const params = request['params'];
    if (params === undefined) {
      return invalidRequest(`${at}.params: Field required`);
    }
    if (!isObject(params)) {
      return invalidRequest(`${at}.params: Input should be a valid dictionary`);
    }
    valid.push({ custom_id: customId, params });
  }
  return valid;
}

/**
 * Validates one request's `params`: when a batch processes it (failures do not fail the create
 * call: like the real API, they come back as `errored` rows in the results), or as a synchronous
 * `POST /v1/messages` (`'message'`, where the same failure is the call's own 400/404).
 */
export function validateRequestParams(
  params: JsonObject,
  nowMs: number,
  version: string = VERSION_2023,
  context: 'batch' | 'message' = 'batch',
): ApiErrorSpec | undefined {
  const removed = validateForVersion(params, version);
  if (removed) {
    return removed;
  }
  const model = params['model'];
  if (model === undefined) {
    return invalidRequest('model: Field required');
  }
  if (typeof model !== 'string') {
    return invalidRequest('model: Input should be a valid string');
  }
  const entry = findServedModel(model, nowMs);
  if (!entry) {
    return notFound(`model: ${model}`);
  }
  const maxTokens = params['max_tokens'];
  if (maxTokens === undefined) {
    return invalidRequest('max_tokens: Field required');
  }
  if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens)) {
    return invalidRequest('max_tokens: Input should be a valid integer');
  }
  if (maxTokens < 1) {
    return invalidRequest('max_tokens: Input should be greater than or equal to 1');
  }
  if (maxTokens > entry.maxOutputTokens) {
    return invalidRequest(
      `max_tokens: ${maxTokens} > ${entry.maxOutputTokens}, which is the maximum allowed number of output tokens for ${model}`,
    );
  }
  const messages = params['messages'];
  if (messages === undefined) {
    return invalidRequest('messages: Field required');
  }
  if (!Array.isArray(messages)) {
    return invalidRequest('messages: Input should be a valid list');
  }
  if (messages.length === 0) {
    return invalidRequest('messages: at least one message is required');
  }
  for (const [index, message] of messages.entries()) {
    if (!isObject(message) || (message['role'] !== 'user' && message['role'] !== 'assistant')) {
      return invalidRequest(`messages.${index}.role: Input should be 'user' or 'assistant'`);
    }
  }
  if (params['stream'] === true) {
    // The real Messages endpoint streams server-sent events; the emulator does not, and says so
    // rather than answer a streaming client with a plain JSON body.
    return invalidRequest(
      context === 'batch' ? 'stream: Streaming is not supported for requests in a Message Batch.' : 'stream: the emulator does not stream responses (send stream: false)',
    );
  }
  const promptTokens = flattenPrompt(params).totalTokens;
  if (promptTokens > entry.contextWindowTokens) {
    return invalidRequest(`prompt is too long: ${promptTokens} tokens > ${entry.contextWindowTokens} maximum`);
  }
  return validateCacheControl(params);
}

function validateCacheControl(params: JsonObject): ApiErrorSpec | undefined {
  const bad = findBadCacheControl(params);
  if (bad) {
    return bad;
  }
  const breakpoints = breakpointsOf(flattenPrompt(params));
  if (breakpoints.length > MAX_BREAKPOINTS) {
    return invalidRequest(`A maximum of ${MAX_BREAKPOINTS} blocks with cache_control may be provided. Found ${breakpoints.length}.`);
  }
  let seen5m = false;
  for (const breakpoint of breakpoints) {
    if (breakpoint.ttl === '5m') {
      seen5m = true;
    } else if (seen5m) {
      return invalidRequest("A `ttl='1h'` cache_control block must not come after a `ttl='5m'` cache_control block");
    }
  }
  return undefined;
}

/** A cache_control whose type or ttl the API would reject, anywhere in the request. */
function findBadCacheControl(value: unknown): ApiErrorSpec | undefined {
  if (Array.isArray(value)) {
    for (const item of value) {
      const bad = findBadCacheControl(item);
      if (bad) {
        return bad;
      }
    }
    return undefined;
  }
  if (!isObject(value)) {
    return undefined;
  }
  const control = value['cache_control'];
  if (control !== undefined && control !== null) {
    if (!isObject(control) || control['type'] !== 'ephemeral') {
      return invalidRequest("cache_control.type: Input should be 'ephemeral'");
    }
    if (control['ttl'] !== undefined && control['ttl'] !== '5m' && control['ttl'] !== '1h') {
      return invalidRequest("cache_control.ttl: Input should be '5m' or '1h'");
    }
  }
  for (const [key, child] of Object.entries(value)) {
    if (key !== 'cache_control' && typeof child === 'object') {
      const bad = findBadCacheControl(child);
      if (bad) {
        return bad;
      }
    }
  }
  return undefined;
}
