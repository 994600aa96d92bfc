import { type BpeVocabulary, bpeVocabulary } from './bpeVocabulary';
import { detached } from '../util/detached';

/*
 * Counts byte-pair tokens of a text under the reference vocabulary (bpeVocabulary.ts), split by the
 * kind of piece they come from, because today's tokenizers differ from the reference by kind: the
 * calibration finds words close to it but punctuation, digits and whitespace less so.
 */

/** Reference-vocabulary tokens of a text, by the kind of piece the pre-tokenizer cut them from. */
export interface BpeCounts {
  /** Words and parts of words (letters, with their leading space; contractions such as 's). */
  letterTokens: number;
  /** Digit runs. */
  digitTokens: number;
  /** Punctuation and symbol runs (JSON's `":`, `},` and code's operators land here). */
  punctTokens: number;
  /** Whitespace runs: indentation and line breaks. */
  spaceTokens: number;
  /** Digits (the newer tokenizer splits numbers finer than the reference). */
  digits: number;
  /**
   * Letters in runs of one repeated letter ("aaaa…"): the reference vocabulary holds long runs as
   * single tokens, today's tokenizers do not (10k of "a" cost 3,345 tokens on Claude 3.5 Haiku).
   */
  runLetters: number;
  /** Word tokens of words longer than `LONG_WORD_LETTERS` letters (rarer words, which today's vocabularies split more). */
  longWordTokens: number;
}

export const BPE_COUNT_NAMES: ReadonlyArray<keyof BpeCounts> = ['letterTokens', 'digitTokens', 'punctTokens', 'spaceTokens', 'digits', 'runLetters', 'longWordTokens'];

export function emptyBpeCounts(): BpeCounts {
  return { letterTokens: 0, digitTokens: 0, punctTokens: 0, spaceTokens: 0, digits: 0, runLetters: 0, longWordTokens: 0 };
}

/** Adds `from` into `into` (mutates and returns `into`). */
export function addBpeCounts(into: BpeCounts, from: BpeCounts): BpeCounts {
  for (const name of BPE_COUNT_NAMES) into[name] += from[name];
  return into;
}

/**
 * Pieces longer than this many bytes (a 10k run of one letter, a base64 blob) are merged in chunks
 * of this size: merging is quadratic in the piece's length, and chunks cost within a token of the
 * whole.
 */
const MAX_PIECE_BYTES = 64;
/** Pieces up to this many bytes have their token count remembered (most words and punctuation runs repeat). */
const CACHED_PIECE_BYTES = 32;
/** Pieces remembered per cache generation, which bounds the cache to a few MB (see `TwoGenerationCache`). */
const MAX_CACHED_PIECES = 100_000;

/**
 * A bounded memo: when the current generation is full it becomes the old one and a new one starts;
 * an entry found in the old generation moves to the new. What keeps being used (a common line, a
 * common word) survives, while a stream of one-off entries (lines with their own numbers and names,
 * as most lines of a large job are) cannot push it out, as emptying the whole cache would.
 */
class TwoGenerationCache<V> {
  private current = new Map<string, V>();
  private old = new Map<string, V>();

  constructor(private readonly generationSize: number) {}

  get(key: string): V | undefined {
    const found = this.current.get(key);
    if (found !== undefined) return found;
    const aged = this.old.get(key);
    if (aged !== undefined) this.set(key, aged);
    return aged;
  }

  set(key: string, value: V): void {
    if (this.current.size >= this.generationSize) {
      this.old = this.current;
      this.current = new Map();
    }
    this.current.set(key, value);
  }
}


/**
 * Tokens of one piece (bytes as a latin1 string): repeatedly merge the adjacent pair of lowest rank.
 * The rank of each adjacent pair is kept in an array, and only the two pairs beside a merge are
 * looked up again, so a merge costs one scan of numbers rather than a look-up per pair.
 */
function mergeCount(bytes: string, ranks: Map<string, number>): number {
  if (bytes.length <= 1 || ranks.has(bytes)) return bytes.length === 0 ? 0 : 1;
  // starts[i] is where part i begins; part i ends where part i + 1 begins (or at the end).
  const starts: number[] = [];
  for (let index = 0; index < bytes.length; index++) starts.push(index);
  const endOf = (part: number): number => (part + 1 < starts.length ? starts[part + 1] : bytes.length);
  const pairRank = (part: number): number => ranks.get(bytes.slice(starts[part], endOf(part + 1))) ?? Number.POSITIVE_INFINITY;
  // pairRanks[i]: the rank of parts i and i + 1 merged.
  const pairRanks: number[] = [];
  for (let part = 0; part + 1 < starts.length; part++) pairRanks.push(pairRank(part));
  while (starts.length > 1) {
    let best = -1;
    let bestRank = Number.POSITIVE_INFINITY;
    for (let part = 0; part < pairRanks.length; part++) {
      if (pairRanks[part] < bestRank) {
        bestRank = pairRanks[part];
        best = part;
      }
    }
    if (best < 0) break;
    starts.splice(best + 1, 1);
    pairRanks.splice(best + 1, 1);
    if (best < pairRanks.length) pairRanks[best] = best + 1 < starts.length ? pairRank(best) : Number.POSITIVE_INFINITY;
    if (best + 1 >= starts.length) pairRanks.length = starts.length - 1;
    if (best > 0) pairRanks[best - 1] = pairRank(best - 1);
  }
  return starts.length;
}

/** A piece's UTF-8 bytes as a latin1 string (ASCII pieces, the common case, are their own bytes). */
function pieceBytes(piece: string): string {
  for (let index = 0; index < piece.length; index++) {
    if (piece.charCodeAt(index) > 0x7f) return Buffer.from(piece, 'utf8').toString('latin1');
  }
  return piece;
}

function pieceTokens(bytes: string, vocabulary: BpeVocabulary): number {
  let tokens = 0;
  for (let start = 0; start < bytes.length; start += MAX_PIECE_BYTES) {
    tokens += mergeCount(bytes.slice(start, start + MAX_PIECE_BYTES), vocabulary.ranks);
  }
  return tokens;
}

/** A word that is one letter repeated at least this often is priced as a run, not by the vocabulary. */
const RUN_MIN_LETTERS = 8;
/** Words longer than this many letters count as long (see `longWordTokens`). */
const LONG_WORD_LETTERS = 6;
const LETTER = /\p{L}/u;
const DIGIT = /\p{N}/u;
const SPACE = /\s/u;

/** The first character that says what kind of piece this is (a leading space belongs to the word after it). */
function kindOf(piece: string): keyof BpeCounts {
  const char = piece.length > 1 && piece[0] === ' ' ? piece[1] : piece[0];
  if (char === "'" && piece.length <= 3) return 'letterTokens';
  const code = char.charCodeAt(0);
  // ASCII, the common case, without a Unicode property look-up.
  if (code < 0x80) {
    if (code === 0x20 || (code >= 0x09 && code <= 0x0d)) return 'spaceTokens';
    if ((code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a)) return 'letterTokens';
    if (code >= 0x30 && code <= 0x39) return 'digitTokens';
    return 'punctTokens';
  }
  if (SPACE.test(char)) return 'spaceTokens';
  if (LETTER.test(char)) return 'letterTokens';
  if (DIGIT.test(char)) return 'digitTokens';
  return 'punctTokens';
}

function isLetterRun(piece: string): boolean {
  const word = piece[0] === ' ' ? piece.slice(1) : piece;
  if (word.length < RUN_MIN_LETTERS) return false;
  for (let index = 1; index < word.length; index++) if (word[index] !== word[0]) return false;
  return true;
}

/** What one piece adds to the counts: which count its tokens go to, and its digits or run letters. */
interface PieceCount {
  kind: keyof BpeCounts;
  tokens: number;
  digits: number;
  runLetters: number;
}

function measurePiece(piece: string, vocabulary: BpeVocabulary): PieceCount {
  const kind = kindOf(piece);
  if (kind === 'letterTokens' && isLetterRun(piece)) return { kind, tokens: 0, digits: 0, runLetters: piece.trimStart().length };
  const tokens = pieceTokens(pieceBytes(piece), vocabulary);
  if (kind === 'letterTokens' && piece.trimStart().length > LONG_WORD_LETTERS) return { kind: 'longWordTokens', tokens, digits: 0, runLetters: 0 };
  return { kind, tokens, digits: kind === 'digitTokens' ? piece.length - (piece[0] === ' ' ? 1 : 0) : 0, runLetters: 0 };
}

const pieceCache = new TwoGenerationCache<PieceCount>(MAX_CACHED_PIECES);

function addPiece(counts: BpeCounts, piece: string, vocabulary: BpeVocabulary): void {
  let measured = pieceCache.get(piece);
  if (measured === undefined) {
    measured = measurePiece(piece, vocabulary);
    if (piece.length <= CACHED_PIECE_BYTES) {
      pieceCache.set(detached(piece), measured);
    }
  }
  counts[measured.kind] += measured.tokens;
  counts.digits += measured.digits;
  counts.runLetters += measured.runLetters;
}

/**
 * Counts of one chunk of already-normalized text, piece by piece. `pattern` is the vocabulary's
 * pre-tokenizer, absent when the whole text is known to be plain ASCII (no chunk of it needs it).
 */
function countPieces(text: string, vocabulary: BpeVocabulary, pattern: RegExp | undefined): BpeCounts {
  const counts = emptyBpeCounts();
  if (pattern === undefined || !NON_ASCII.test(text)) {
    for (let start = 0; start < text.length; ) {
      const end = asciiPieceEnd(text, start);
      addPiece(counts, text.slice(start, end), vocabulary);
      start = end;
    }
    return counts;
  }
  pattern.lastIndex = 0;
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) addPiece(counts, match[0], vocabulary);
  return counts;
}

const enum Ascii {
  Space,
  Letter,
  Digit,
  Punct,
}

/** The pre-tokenizer's classes for ASCII: `\s`, `\p{L}`, `\p{N}`, and everything else. */
function asciiClass(code: number): Ascii {
  if (code === 0x20 || (code >= 0x09 && code <= 0x0d)) return Ascii.Space;
  if ((code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a)) return Ascii.Letter;
  if (code >= 0x30 && code <= 0x39) return Ascii.Digit;
  return Ascii.Punct;
}

/** `'s|'t|'re|'ve|'m|'ll|'d` at `start`: the contraction's length, or 0. */
function contractionLength(text: string, start: number): number {
  if (text.charCodeAt(start) !== 0x27) return 0;
  const next = text.charCodeAt(start + 1);
  if (next === 0x73 || next === 0x74 || next === 0x6d || next === 0x64) return 2;
  const after = text.charCodeAt(start + 2);
  if ((next === 0x72 && after === 0x65) || (next === 0x76 && after === 0x65) || (next === 0x6c && after === 0x6c)) return 3;
  return 0;
}

/** The pieces of ASCII text as the counter cuts them (exported so a test holds the scanner to the vocabulary's pattern). */
export function asciiPieces(text: string): string[] {
  const pieces: string[] = [];
  for (let start = 0; start < text.length; ) {
    const end = asciiPieceEnd(text, start);
    pieces.push(text.slice(start, end));
    start = end;
  }
  return pieces;
}

/**
 * Where the piece starting at `start` ends, for ASCII text: the vocabulary's pre-tokenizer pattern
 * (`'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`) followed by
 * hand, alternative by alternative, without a regular-expression match object per piece.
 */
function asciiPieceEnd(text: string, start: number): number {
  const length = text.length;
  const contraction = contractionLength(text, start);
  if (contraction > 0) return start + contraction;
  const first = text.charCodeAt(start);
  // ` ?X+` for letters, digits and punctuation: an optional leading space, then a run of one class.
  let runStart = start;
  let kind = asciiClass(first);
  if (first === 0x20 && start + 1 < length) {
    const second = asciiClass(text.charCodeAt(start + 1));
    if (second !== Ascii.Space) {
      runStart = start + 1;
      kind = second;
    }
  }
  if (kind !== Ascii.Space) {
    let end = runStart + 1;
    while (end < length && asciiClass(text.charCodeAt(end)) === kind) end++;
    return end;
  }
  // `\s+(?!\S)`, else `\s+`: a whitespace run leaves its last character to the piece after it.
  let end = start + 1;
  while (end < length && asciiClass(text.charCodeAt(end)) === Ascii.Space) end++;
  if (end < length && end - start >= 2) return end - 1;
  return end;
}

/** Lines up to this many characters have their counts remembered (source files repeat many lines: `}`, imports, idioms). */
const CACHED_CHUNK_CHARS = 256;
/** Lines remembered per cache generation, which bounds the cache to a few tens of MB. */
const MAX_CACHED_CHUNKS = 50_000;
const chunkCache = new TwoGenerationCache<BpeCounts>(MAX_CACHED_CHUNKS);

/** A printable ASCII character other than space: one the pre-tokenizer never joins to a line break. */
function isSolid(code: number): boolean {
  return code > 0x20 && code < 0x7f;
}

/**
 * Counts `text`'s reference-vocabulary tokens by kind of piece. Never throws (lone surrogates are
 * encoded as U+FFFD, as the API receives them). Linear in the length of the text.
 *
 * The text is cut before each line break that follows a printable character: no piece runs across
 * that point (the piece before it cannot take the break, and the pattern looks only forward), so the
 * pieces, and counts, of the parts are exactly those of the whole; a line seen before (`\n` with its
 * indentation and code: `  }`, an import, an idiom) is counted from the cache.
 */
export function countBpe(text: string): BpeCounts {
  if (text.length === 0) return emptyBpeCounts();
  for (const recent of recentlyCounted) if (recent.text === text) return { ...recent.counts };
  const counts = emptyBpeCounts();
  const vocabulary = bpeVocabulary();
  // NFKC leaves ASCII as it is; only other text pays for normalizing and for the Unicode pattern
  // (plain ASCII, most of a batch, is cut by hand, so its chunks are not scanned for it again).
  const plainAscii = !NON_ASCII.test(text);
  const pattern = plainAscii ? undefined : new RegExp(vocabulary.pieces.source, vocabulary.pieces.flags);
  const normalized = plainAscii ? text : text.normalize('NFKC');
  let start = 0;
  for (let newline = normalized.indexOf('\n', 1); newline >= 0; newline = normalized.indexOf('\n', newline + 1)) {
    if (!isSolid(normalized.charCodeAt(newline - 1))) continue;
    addBpeCounts(counts, chunkCounts(normalized.slice(start, newline), vocabulary, pattern));
    start = newline;
  }
  if (start < normalized.length) addBpeCounts(counts, chunkCounts(normalized.slice(start), vocabulary, pattern));
  recentlyCounted[nextRecent] = { text, counts: { ...counts } };
  nextRecent = (nextRecent + 1) % RECENT_TEXTS;
  return counts;
}

/**
 * The last few texts counted and their counts: a batch's estimate counts the job's one system prompt
 * again for every row (a few hundred characters, more than a cached line, between the row's own
 * texts), and the same string is then recognised by a comparison.
 */
const RECENT_TEXTS = 4;
const recentlyCounted: Array<{ text: string; counts: BpeCounts }> = [];
let nextRecent = 0;

/** Anything but tab, line breaks and printable ASCII: such text is normalized and cut by the full Unicode pattern (rare control characters included, which is only slower). */
const NON_ASCII = /[^\t-\r -~]/;

function chunkCounts(chunk: string, vocabulary: BpeVocabulary, pattern: RegExp | undefined): BpeCounts {
  if (chunk.length > CACHED_CHUNK_CHARS) return countPieces(chunk, vocabulary, pattern);
  let counts = chunkCache.get(chunk);
  if (counts === undefined) {
    counts = countPieces(chunk, vocabulary, pattern);
    chunkCache.set(detached(chunk), counts);
  }
  return counts;
}

/** Texts longer than this many characters are counted on evenly spaced windows (`countBpeBounded`). */
export const SAMPLE_ABOVE_CHARS = 1_000_000;
const SAMPLE_WINDOWS = 100;
const SAMPLE_WINDOW_CHARS = 2_000;

/**
 * `countBpe`, with the work bounded: a text longer than `SAMPLE_ABOVE_CHARS` is counted on 100
 * evenly spaced windows of 2,000 characters (each starting after a space or line break, so no
 * word is cut in two) and the counts are scaled to the whole length. Counting is a few MB/s on
 * base64 or symbol-heavy text, and a multi-megabyte file should not hold up a batch preview; on
 * such sizes the sample misses by well under 1%, and the result is an estimate anyway.
 */
export function countBpeBounded(text: string): BpeCounts {
  if (text.length <= SAMPLE_ABOVE_CHARS) return countBpe(text);
  const sampled = emptyBpeCounts();
  let sampledChars = 0;
  const stride = Math.floor(text.length / SAMPLE_WINDOWS);
  for (let window = 0; window < SAMPLE_WINDOWS; window++) {
    let start = window * stride;
    const boundary = text.slice(start, start + 200).search(/\s/);
    if (boundary >= 0) start += boundary;
    const piece = text.slice(start, start + SAMPLE_WINDOW_CHARS);
    addBpeCounts(sampled, countBpe(piece));
    sampledChars += piece.length;
  }
  const scale = text.length / Math.max(1, sampledChars);
  for (const name of BPE_COUNT_NAMES) sampled[name] *= scale;
  return sampled;
}
