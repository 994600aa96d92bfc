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

/** A batch of the plan: which requests (a run of positions in the job) go together. */
export interface PlannedBatch {
  /** Position in the job's request list of the batch's first request. */
  first: number;
  /** Requests in the batch: positions `first` to `first + count - 1`. */
  count: number;
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
 * `maxBytes` of serialized body. `requestBytes[i]` is the byte length of request i's JSON. A batch
 * is a run of positions (no list of them), so planning 100,000 rows allocates nothing per row.
 * Throws `RequestTooLargeError` when one request alone is over `maxBytes`.
 */
export function splitIntoBatches(requestBytes: ArrayLike<number>, limits: SplitLimits): PlannedBatch[] {
  const maxRequests = Math.max(1, Math.min(API_MAX_REQUESTS_PER_BATCH, Math.floor(limits.maxRequests)));
  const batches: PlannedBatch[] = [];
  let current: PlannedBatch | undefined;
  for (let index = 0; index < requestBytes.length; index++) {
    const bytes = requestBytes[index];
    if (BODY_FRAMING_BYTES + bytes > limits.maxBytes) {
      throw new RequestTooLargeError(`request ${index + 1} is ${bytes} bytes, over the ${limits.maxBytes}-byte batch budget`);
    }
    // A comma separates requests after the first.
    const added = current ? bytes + 1 : bytes;
    if (!current || current.count >= maxRequests || current.bodyBytes + added > limits.maxBytes) {
      current = { first: index, count: 1, bodyBytes: BODY_FRAMING_BYTES + bytes };
      batches.push(current);
      continue;
    }
    current.count += 1;
    current.bodyBytes += added;
  }
  return batches;
}

/** The positions of a planned batch's requests, in order (for callers holding the requests in an array). */
export function positionsOf(batch: PlannedBatch): number[] {
  return Array.from({ length: batch.count }, (_, offset) => batch.first + offset);
}
