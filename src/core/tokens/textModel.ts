import type { TokenizerGeneration } from '../pricing/modelEntry';
import { TEXT_FEATURE_NAMES, type TextFeatures, measureText } from './textFeatures';

/** Tokens per unit of each text feature (see `TextFeatures` for what each counts). */
export type TextCoefficients = Record<keyof TextFeatures, number>;

/**
 * The text model's rates, for the older tokenizer. The four marked "fitted" were fitted by
 * `scripts/calibrate-tokens.ts` on the calibration set (least absolute relative error, pulled
 * towards the prior in brackets, a value set before looking at the rows) and rounded; the others are set from how byte-pair vocabularies
 * behave, because the calibration rows hold too few of those pieces to fit them.
 */
export const DEFAULT_TEXT_COEFFICIENTS: Readonly<TextCoefficients> = {
  // fitted [1]: a word with its leading space is one token; the 17% over one covers suffix and
  // rare-word splits the length rule misses.
  words: 1.17,
  // fitted [0.25]: past 7 letters a word adds a token every ~7 letters (long stems and suffixes are in the vocabulary).
  wordExcessChars: 0.15,
  // fitted [0.25]: a 10k run of "a" costs one token per 3.0 letters; the prior is plain long-word splitting.
  letterRunChars: 0.333,
  // fitted [1]: punctuation mostly merges with its neighbours ('":', '},', '.\n', "://" are single tokens),
  // so about one token per two characters, most visible in JSON.
  punctuation: 0.45,
  // Rule lines ("=====") merge into long tokens in code-trained vocabularies: about 8 characters each.
  ruleChars: 0.125,
  // One token per group of up to three digits (already grouped by the scan).
  digitGroups: 1,
  // One token per indentation run (already divided by 8 spaces by the scan).
  spaceRuns: 1,
  // One token per one or two line breaks.
  newlinePairs: 1,
  // Han, kana and hangul: about one token per character in a vocabulary trained on some of each.
  wideChars: 1,
  // Emoji and rare symbols fall back to bytes, merged in pairs: a 4-byte emoji costs ~2 tokens.
  otherBytes: 0.5,
  // An accented letter usually breaks a word into one more piece.
  accentedLetters: 0.5,
};

/**
 * The newer tokenizer (Claude Opus 4.7 and later, Mythos Preview, the 5.x models) spends "roughly
 * 1x to 1.35x" the tokens of the older one on the same text; the pricing page says "approximately
 * 30% more". We apply 1.3 to text (an estimate, unmeasured on these rows: only one has that tokenizer).
 */
export const NEW_TOKENIZER_TEXT_FACTOR = 1.3;

/** Multiplier on text tokens for a tokenizer generation. */
export function textFactor(tokenizer: TokenizerGeneration): number {
  return tokenizer === 'new' ? NEW_TOKENIZER_TEXT_FACTOR : 1;
}

/** Tokens of measured text features under the given rates (unrounded, older tokenizer). */
export function priceTextFeatures(features: TextFeatures, coefficients: Readonly<TextCoefficients> = DEFAULT_TEXT_COEFFICIENTS): number {
  let tokens = 0;
  for (const name of TEXT_FEATURE_NAMES) tokens += features[name] * coefficients[name];
  return tokens;
}

/**
 * Estimates how many tokens `text` costs on its own (no request framing), for the given tokenizer
 * generation. An estimate from text statistics, never an exact count; 0 for the empty string.
 * Linear in the length of the text.
 *
 * @example estimateTextTokens('Hello, world', 'legacy') // 3
 */
export function estimateTextTokens(text: string, tokenizer: TokenizerGeneration): number {
  if (typeof text !== 'string' || text.length === 0) return 0;
  return Math.max(1, Math.round(priceTextFeatures(measureText(text)) * textFactor(tokenizer)));
}
