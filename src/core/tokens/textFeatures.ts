/**
 * Counts the text statistics the offline estimator prices: one linear scan, no regex per piece,
 * so 10 MB of text takes well under a second.
 *
 * The scan mimics how a byte-pair tokenizer pre-splits text: letter runs (split at camel humps),
 * digit runs, punctuation runs, whitespace runs. Each kind of piece then costs tokens at a rate
 * set in `textModel.ts`.
 */

/** Counts of the pieces a text splits into; each is priced by a coefficient of the text model. */
export interface TextFeatures {
  /** Letter segments (words, or parts of camelCase words): each costs at least one token. */
  words: number;
  /** Letters beyond the length a word usually fits in one token; long and rare words split. */
  wordExcessChars: number;
  /** Letters in long runs of one repeated letter ("aaaa…"), which tokenize in short fixed chunks. */
  letterRunChars: number;
  /** ASCII punctuation and symbols outside rule lines. */
  punctuation: number;
  /** Characters in runs of one repeated symbol ("=====", "-----"), which merge into long tokens. */
  ruleChars: number;
  /** Digit runs, priced in groups of up to three digits. */
  digitGroups: number;
  /** Runs of two or more spaces, or tabs (indentation). */
  spaceRuns: number;
  /** Line breaks, priced in pairs ("\n\n" is one token). */
  newlinePairs: number;
  /** Han, kana and hangul characters: roughly one token each. */
  wideChars: number;
  /** UTF-8 bytes of other non-ASCII characters (emoji, symbols): byte fallback. */
  otherBytes: number;
  /** Non-ASCII letters inside words (accents), which break common merges. */
  accentedLetters: number;
}

export const TEXT_FEATURE_NAMES: ReadonlyArray<keyof TextFeatures> = [
  'words',
  'wordExcessChars',
  'letterRunChars',
  'punctuation',
  'ruleChars',
  'digitGroups',
  'spaceRuns',
  'newlinePairs',
  'wideChars',
  'otherBytes',
  'accentedLetters',
];

export function emptyTextFeatures(): TextFeatures {
  return {
    words: 0,
    wordExcessChars: 0,
    letterRunChars: 0,
    punctuation: 0,
    ruleChars: 0,
    digitGroups: 0,
    spaceRuns: 0,
    newlinePairs: 0,
    wideChars: 0,
    otherBytes: 0,
    accentedLetters: 0,
  };
}

/** Adds `from` into `into` (mutates and returns `into`). */
export function addTextFeatures(into: TextFeatures, from: TextFeatures): TextFeatures {
  for (const name of TEXT_FEATURE_NAMES) into[name] += from[name];
  return into;
}

/**
 * Lowercase words up to this many letters are usually one token: the vocabularies of these
 * tokenizers hold the common English words whole, and a 65k vocabulary runs out around 7 letters.
 */
const ONE_TOKEN_WORD_LETTERS = 7;
/** All-caps words merge far less (IGNORE, CRITICAL): only short acronyms (API, LLM) are one token. */
const ONE_TOKEN_CAPS_LETTERS = 3;
/** A run of one repeated character this long is not a word but a filler run ("aaaa", "====="). */
const REPEATED_RUN_MIN = 4;
/** Spaces one token of indentation covers (code indents in 2, 4 and 8 space steps). */
const SPACES_PER_TOKEN = 8;
/** Digits one token covers: numbers are split in groups of up to three digits. */
const DIGITS_PER_TOKEN = 3;

const enum CharKind {
  Lower,
  Upper,
  Digit,
  Space,
  Newline,
  Punct,
  AccentedLetter,
  Wide,
  Other,
}

const NON_ASCII_LETTER = /\p{L}/u;

function isWide(code: number): boolean {
  return (
    (code >= 0x3040 && code <= 0x30ff) || // hiragana, katakana
    (code >= 0x3400 && code <= 0x4dbf) || // CJK extension A
    (code >= 0x4e00 && code <= 0x9fff) || // CJK unified ideographs
    (code >= 0xac00 && code <= 0xd7af) || // hangul syllables
    (code >= 0xf900 && code <= 0xfaff) || // CJK compatibility ideographs
    (code >= 0xff00 && code <= 0xffef) || // full-width forms
    (code >= 0x20000 && code <= 0x2ffff) // CJK extensions B-F
  );
}

function classify(code: number, char: string): CharKind {
  if (code >= 97 && code <= 122) return CharKind.Lower;
  if (code >= 65 && code <= 90) return CharKind.Upper;
  if (code >= 48 && code <= 57) return CharKind.Digit;
  if (code === 32 || code === 9) return CharKind.Space;
  if (code === 10 || code === 13) return CharKind.Newline;
  if (code < 128) return CharKind.Punct;
  if (isWide(code)) return CharKind.Wide;
  if (NON_ASCII_LETTER.test(char)) return CharKind.AccentedLetter;
  return CharKind.Other;
}

function isLetter(kind: CharKind): boolean {
  return kind === CharKind.Lower || kind === CharKind.Upper || kind === CharKind.AccentedLetter;
}

function utf8Bytes(code: number): number {
  if (code < 0x80) return 1;
  if (code < 0x800) return 2;
  if (code < 0x10000) return 3;
  return 4;
}

/** Accumulates one letter segment (a word, or a camel hump of one). */
function addWordSegment(features: TextFeatures, length: number, allCaps: boolean, repeatedOneChar: boolean): void {
  if (length === 0) return;
  if (repeatedOneChar && length >= REPEATED_RUN_MIN * 2) {
    features.letterRunChars += length;
    return;
  }
  features.words += 1;
  const oneTokenLength = allCaps && length > 1 ? ONE_TOKEN_CAPS_LETTERS : ONE_TOKEN_WORD_LETTERS;
  features.wordExcessChars += Math.max(0, length - oneTokenLength);
}

/**
 * Scans `text` once and counts its pieces. Never throws; works on any string, including lone
 * surrogates and control characters.
 */
export function measureText(text: string): TextFeatures {
  const features = emptyTextFeatures();
  const length = text.length;
  let index = 0;

  // The word being read: its length, whether it is all capitals, whether it repeats one letter.
  let wordLength = 0;
  let wordAllCaps = true;
  let wordFirstChar = -1;
  let wordOneChar = true;
  let previousKind: CharKind | undefined;

  // The punctuation / space / newline / digit run being read.
  let runKind: CharKind | undefined;
  let runLength = 0;
  let runFirstChar = -1;
  let runOneChar = true;
  let runHasTab = false;

  const flushWord = (): void => {
    addWordSegment(features, wordLength, wordAllCaps, wordOneChar);
    wordLength = 0;
    wordAllCaps = true;
    wordFirstChar = -1;
    wordOneChar = true;
  };

  const flushRun = (): void => {
    if (runKind === undefined || runLength === 0) {
      runKind = undefined;
      return;
    }
    switch (runKind) {
      case CharKind.Digit:
        features.digitGroups += Math.ceil(runLength / DIGITS_PER_TOKEN);
        break;
      case CharKind.Punct:
        if (runOneChar && runLength >= REPEATED_RUN_MIN) features.ruleChars += runLength;
        else features.punctuation += runLength;
        break;
      case CharKind.Space:
        // A single space is absorbed by the next word ("▁word"); longer runs are indentation.
        if (runLength >= 2 || runHasTab) features.spaceRuns += Math.ceil(runLength / SPACES_PER_TOKEN);
        break;
      case CharKind.Newline:
        features.newlinePairs += Math.ceil(runLength / 2);
        break;
      default:
        break;
    }
    runKind = undefined;
    runLength = 0;
    runFirstChar = -1;
    runOneChar = true;
    runHasTab = false;
  };

  while (index < length) {
    const code = text.codePointAt(index) ?? 0;
    const width = code > 0xffff ? 2 : 1;
    const char = width === 1 ? text[index] : text.slice(index, index + width);
    const kind = classify(code, char);
    index += width;

    if (isLetter(kind)) {
      if (runKind !== undefined) flushRun();
      // A capital after a lowercase letter starts a new token in practice ("Open|Telemetry").
      if (kind === CharKind.Upper && previousKind === CharKind.Lower && wordLength > 0) flushWord();
      if (kind === CharKind.AccentedLetter) features.accentedLetters += 1;
      if (kind !== CharKind.Upper) wordAllCaps = false;
      if (wordFirstChar === -1) wordFirstChar = code;
      else if (code !== wordFirstChar) wordOneChar = false;
      wordLength += 1;
      previousKind = kind;
      continue;
    }

    if (wordLength > 0) flushWord();
    previousKind = kind;

    if (kind === CharKind.Wide) {
      flushRun();
      features.wideChars += 1;
      continue;
    }
    if (kind === CharKind.Other) {
      flushRun();
      features.otherBytes += utf8Bytes(code);
      continue;
    }
    if (runKind !== kind) {
      flushRun();
      runKind = kind;
    }
    if (runFirstChar === -1) runFirstChar = code;
    else if (code !== runFirstChar) runOneChar = false;
    if (code === 9) runHasTab = true;
    if (kind !== CharKind.Newline || code === 10) runLength += 1;
  }
  flushWord();
  flushRun();
  return features;
}
