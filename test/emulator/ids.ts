import { createHash, randomBytes } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `length` base62 characters from the given bytes (each byte picks one character). */
function toBase62(bytes: Uint8Array, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) {
    out += BASE62[bytes[i % bytes.length] % 62];
  }
  return out;
}

/** A fresh id like the API's: `msgbatch_` / `req_` followed by 24 base62 characters. */
export function randomId(prefix: string): string {
  return prefix + toBase62(randomBytes(24), 24);
}

/** An id derived from `seed`, for things that must be the same on every run (message ids). */
export function stableId(prefix: string, seed: string): string {
  return prefix + toBase62(createHash('sha256').update(seed).digest(), 24);
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** RFC 3339 with a `Z` offset, as the API writes timestamps. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString();
}
