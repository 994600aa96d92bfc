import { nodeCrypto } from './nodeCrypto';

let hashOnce: ((data: string | Uint8Array) => string) | undefined;

/**
 * sha256 of `data` (a string is hashed as UTF-8), hex. `crypto.hash` is one call instead of a Hash
 * object, about twice as fast for the small inputs hashed per file and per row of a batch; the
 * editors' Node before 20.12 (VS Code 1.90 ships 20.9) lacks it and gets the Hash object. Chosen on
 * the first hash, as crypto itself loads then (nodeCrypto.ts).
 */
export function sha256Hex(data: string | Uint8Array): string {
  if (!hashOnce) {
    const crypto = nodeCrypto();
    hashOnce = typeof crypto.hash === 'function' ? (input) => crypto.hash('sha256', input, 'hex') : (input) => crypto.createHash('sha256').update(input).digest('hex');
  }
  return hashOnce(data);
}
