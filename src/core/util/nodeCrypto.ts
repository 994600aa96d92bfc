import type * as Crypto from 'node:crypto';

let loaded: typeof Crypto | undefined;

/**
 * `node:crypto`, loaded on first use. Requiring it loads some forty of Node's internal modules
 * (ciphers, keys, the whole of streams), several milliseconds, and activation hashes and draws
 * nothing; a module-level import would make every bundle load pay for it. ESLint points every
 * other import of `node:crypto` in src/ here.
 */
export function nodeCrypto(): typeof Crypto {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded ??= require('node:crypto') as typeof Crypto;
  return loaded;
}
