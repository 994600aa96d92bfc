/*
 * A set of strings kept as fixed-width digests in typed arrays, for the per-row bookkeeping of a
 * 100,000-row job (paths already read, custom ids handed out or seen): 16 bytes a row outside the
 * JavaScript heap instead of a string, a Map entry and a share of a Map table that V8 regrows in its
 * old generation. The digest is 128 bits, so two different strings of one job share a digest with a
 * probability below 1e-28: a set of strings in all but name. Not a defence against crafted input
 * (the hash is not cryptographic); every string it holds comes from the user's own files.
 */

/** Words of a digest (4 x 32 bits). */
const WORDS = 4;
/** Slots are at most this full before the table doubles (linear probing stays short below it). */
const MAX_LOAD = 0.8;
const INITIAL_SLOTS = 1024;

/** Four rounds' worth of 32-bit mixing constants (odd, with well-spread bits). */
const M1 = 0x239b961b;
const M2 = 0xab0e9789;
const M3 = 0x38b34ae5;
const M4 = 0xa1e38b93;

function rotl(value: number, bits: number): number {
  return (value << bits) | (value >>> (32 - bits));
}

/** The final avalanche of one 32-bit lane: every input bit moves about half of the output bits. */
function finalMix(value: number): number {
  let h = value;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Writes the 128-bit digest of `text` (its UTF-16 code units, two to a 32-bit word, eight to a block
 * of four lanes that feed each other, then the length and a final avalanche) into `out[at..at+3]`.
 */
export function digest128(text: string, out: Uint32Array, at = 0): void {
  digestUnits(text.length, (index) => text.charCodeAt(index), out, at);
}

/**
 * `digest128` of the ASCII text in `bytes[start..end)`, read from the bytes (no string is made): the
 * same digest as the text's, since an ASCII byte is its own UTF-16 code unit.
 */
export function digest128Ascii(bytes: Uint8Array, start: number, end: number, out: Uint32Array, at = 0): void {
  digestUnits(end - start, (index) => bytes[start + index], out, at);
}

function digestUnits(length: number, unitAt: (index: number) => number, out: Uint32Array, at: number): void {
  let h1 = 0x6a09e667;
  let h2 = 0xbb67ae85;
  let h3 = 0x3c6ef372;
  let h4 = 0xa54ff53a;
  const word = (index: number): number => (index < length ? unitAt(index) : 0) | ((index + 1 < length ? unitAt(index + 1) : 0) << 16);
  for (let index = 0; index < length; index += 8) {
    let k1 = word(index);
    let k2 = word(index + 2);
    let k3 = word(index + 4);
    let k4 = word(index + 6);
    k1 = Math.imul(rotl(Math.imul(k1, M1), 15), M2);
    h1 = (Math.imul(rotl(h1 ^ k1, 19) + h2, 5) + 0x561ccd1b) | 0;
    k2 = Math.imul(rotl(Math.imul(k2, M2), 16), M3);
    h2 = (Math.imul(rotl(h2 ^ k2, 17) + h3, 5) + 0x0bcaa747) | 0;
    k3 = Math.imul(rotl(Math.imul(k3, M3), 17), M4);
    h3 = (Math.imul(rotl(h3 ^ k3, 15) + h4, 5) + 0x96cd1c35) | 0;
    k4 = Math.imul(rotl(Math.imul(k4, M4), 18), M1);
    h4 = (Math.imul(rotl(h4 ^ k4, 13) + h1, 5) + 0x32ac3b17) | 0;
  }
  h1 ^= length;
  h2 ^= length;
  h3 ^= length;
  h4 ^= length;
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  h1 = finalMix(h1);
  h2 = finalMix(h2);
  h3 = finalMix(h3);
  h4 = finalMix(h4);
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  out[at] = h1;
  out[at + 1] = h2;
  out[at + 2] = h3;
  out[at + 3] = h4;
}

/**
 * Strings by 128-bit digest (`digest128`), each with an optional 32-bit value (a row index, another
 * digest's low word), in one open-addressed table of typed arrays that doubles when 80% full.
 */
export class DigestSet {
  private keys = new Uint32Array(INITIAL_SLOTS * WORDS);
  private values = new Uint32Array(INITIAL_SLOTS);
  private count = 0;
  /** The digest being looked up, reused for every call. */
  private readonly probe = new Uint32Array(WORDS);

  /** Strings added. */
  get size(): number {
    return this.count;
  }

  has(text: string): boolean {
    return this.slotOf(text) >= 0;
  }

  /** The value stored with `text`, or undefined when `text` was never added. */
  get(text: string): number | undefined {
    const slot = this.slotOf(text);
    return slot >= 0 ? this.values[slot] : undefined;
  }

  /** Adds `text` with `value` (a 32-bit unsigned integer); false, changing nothing, when it is there already. */
  add(text: string, value = 0): boolean {
    digest128(text, this.probe);
    return this.addProbe(value);
  }

  /** `add` for the ASCII text in `bytes[start..end)`, read from the bytes: the same entry as `add` of the text. */
  addAscii(bytes: Uint8Array, start: number, end: number, value = 0): boolean {
    digest128Ascii(bytes, start, end, this.probe);
    return this.addProbe(value);
  }

  /** Adds the digest in `probe`, unless it is there already. */
  private addProbe(value: number): boolean {
    const slot = this.findProbe();
    if (slot >= 0) return false;
    if ((this.count + 1) / this.slots > MAX_LOAD) this.grow();
    const free = this.freeSlotFor(this.probe, 0, this.keys);
    this.keys.set(this.probe, free * WORDS);
    this.values[free] = value;
    this.count += 1;
    return true;
  }

  private get slots(): number {
    return this.values.length;
  }

  /** The slot holding `text`'s digest, or -1; leaves the digest in `probe`. */
  private slotOf(text: string): number {
    digest128(text, this.probe);
    return this.findProbe();
  }

  /** The slot holding the digest in `probe`, or -1. */
  private findProbe(): number {
    const probe = this.probe;
    // An all-zero word 0 marks an empty slot: a digest that has one is moved off it (one bit of 128).
    if (probe[0] === 0) probe[0] = 1;
    const keys = this.keys;
    const mask = this.slots - 1;
    for (let slot = probe[1] & mask; ; slot = (slot + 1) & mask) {
      const at = slot * WORDS;
      if (keys[at] === 0) return -1;
      if (keys[at] === probe[0] && keys[at + 1] === probe[1] && keys[at + 2] === probe[2] && keys[at + 3] === probe[3]) return slot;
    }
  }

  /** The first empty slot on the digest's probe path in `keys`. */
  private freeSlotFor(digest: Uint32Array, offset: number, keys: Uint32Array): number {
    const mask = keys.length / WORDS - 1;
    for (let slot = digest[offset + 1] & mask; ; slot = (slot + 1) & mask) {
      if (keys[slot * WORDS] === 0) return slot;
    }
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldValues = this.values;
    const keys = new Uint32Array(oldKeys.length * 2);
    const values = new Uint32Array(oldValues.length * 2);
    for (let slot = 0; slot < oldValues.length; slot++) {
      const at = slot * WORDS;
      if (oldKeys[at] === 0) continue;
      const free = this.freeSlotFor(oldKeys, at, keys);
      keys.set(oldKeys.subarray(at, at + WORDS), free * WORDS);
      values[free] = oldValues[slot];
    }
    this.keys = keys;
    this.values = values;
  }
}
