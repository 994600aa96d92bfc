/** The API's hard limits for one batch. */
export const API_MAX_REQUESTS_PER_BATCH = 100_000;
export const API_MAX_BATCH_BYTES = 256_000_000;
/** What we allow ourselves: ~10% under the size limit, for JSON framing and HTTP overhead. */
export const DEFAULT_MAX_BATCH_BYTES = 230_000_000;

export interface SplitLimits {
  /** At most this many requests per batch (clamped to the API's 100,000). */
  maxRequests: number;
  /** At most this many bytes of serialized create body per batch. */
  maxBytes: number;
}

/** A batch of the plan: which requests (by position in the job) go together. */
export interface PlannedBatch {
  /** Positions in the job's request list, in order. */
  indexes: number[];
  /** Bytes of `{"requests":[...]}` for this batch. */
  bodyBytes: number;
}

/** A request that cannot fit in any batch on its own. */
export class RequestTooLargeError extends Error {
  override name = 'RequestTooLargeError';
}

const BODY_FRAMING_BYTES = Buffer.byteLength('{"requests":[]}');

/**
 * Splits a job's requests, in order, into as few consecutive batches as the limits allow: a new
 * batch starts when the next request would pass `maxRequests` (never more than 100,000) or
 * `maxBytes` of serialized body. `requestBytes[i]` is the byte length of request i's JSON.
 * Throws `RequestTooLargeError` when one request alone is over `maxBytes`.
 */
export function splitIntoBatches(requestBytes: readonly number[], limits: SplitLimits): PlannedBatch[] {
  const maxRequests = Math.max(1, Math.min(API_MAX_REQUESTS_PER_BATCH, Math.floor(limits.maxRequests)));
  const batches: PlannedBatch[] = [];
  let current: PlannedBatch | undefined;
  requestBytes.forEach((bytes, index) => {
    if (BODY_FRAMING_BYTES + bytes > limits.maxBytes) {
      throw new RequestTooLargeError(`request ${index + 1} is ${bytes} bytes, over the ${limits.maxBytes}-byte batch budget`);
    }
    // A comma separates requests after the first.
    const added = current && current.indexes.length > 0 ? bytes + 1 : bytes;
    if (!current || current.indexes.length >= maxRequests || current.bodyBytes + added > limits.maxBytes) {
      current = { indexes: [], bodyBytes: BODY_FRAMING_BYTES };
      batches.push(current);
      current.indexes.push(index);
      current.bodyBytes += bytes;
      return;
    }
    current.indexes.push(index);
    current.bodyBytes += added;
  });
  return batches;
}
