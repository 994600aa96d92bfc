import { type BpeVocabulary, bpeVocabulary } from './bpeVocabulary';

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
/** The cache is emptied when it reaches this many pieces, which bounds its memory to a few MB. */
const MAX_CACHED_PIECES = 100_000;

const pieceCache = new Map<string, number>();

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

function pieceTokens(piece: string, vocabulary: BpeVocabulary): number {
  const cached = pieceCache.get(piece);
  if (cached !== undefined) return cached;
  const bytes = pieceBytes(piece);
  let tokens = 0;
  for (let start = 0; start < bytes.length; start += MAX_PIECE_BYTES) {
    tokens += mergeCount(bytes.slice(start, start + MAX_PIECE_BYTES), vocabulary.ranks);
  }
  if (bytes.length <= CACHED_PIECE_BYTES) {
    if (pieceCache.size >= MAX_CACHED_PIECES) pieceCache.clear();
    pieceCache.set(piece, tokens);
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

/**
 * Counts `text`'s reference-vocabulary tokens by kind of piece. Never throws (lone surrogates are
 * encoded as U+FFFD, as the API receives them). Linear in the length of the text.
 */
export function countBpe(text: string): BpeCounts {
  const counts = emptyBpeCounts();
  if (text.length === 0) return counts;
  const vocabulary = bpeVocabulary();
  const pattern = new RegExp(vocabulary.pieces.source, vocabulary.pieces.flags);
  for (const match of text.normalize('NFKC').matchAll(pattern)) {
    const piece = match[0];
    const kind = kindOf(piece);
    if (kind === 'letterTokens' && isLetterRun(piece)) {
      counts.runLetters += piece.trimStart().length;
      continue;
    }
    const tokens = pieceTokens(piece, vocabulary);
    if (kind === 'letterTokens' && piece.trimStart().length > LONG_WORD_LETTERS) counts.longWordTokens += tokens;
    else counts[kind] += tokens;
    if (kind === 'digitTokens') counts.digits += piece.length - (piece[0] === ' ' ? 1 : 0);
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
