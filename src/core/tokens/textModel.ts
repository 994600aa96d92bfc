import type { TokenizerGeneration } from '../pricing/modelEntry';
import { BPE_COUNT_NAMES, type BpeCounts, countBpeBounded } from './bpeCounter';

/** Tokens of the model's tokenizer per reference-vocabulary token of each kind (see `BpeCounts`). */
export type TextCoefficients = Record<keyof BpeCounts, number>;

/** One set of rates per tokenizer generation. */
export type TextModel = Record<TokenizerGeneration, TextCoefficients>;

/**
 * How many tokens today's tokenizers spend per reference-vocabulary token, by kind of piece. Fitted
 * by `scripts/calibrate-tokens.ts` on the recorded exchanges in `shared/data/tokens` (least absolute
 * relative error, pulled towards the prior in brackets, a value set before looking at the rows),
 * then rounded. The priors: the same count as the reference for the older tokenizer; for the newer
 * one (Claude Opus 4.7 and later) the pricing page's "approximately 30% more".
 */
export const DEFAULT_TEXT_MODEL: Readonly<TextModel> = {
  legacy: {
    // fitted [1]: short and common words cost a little less than the reference says.
    letterTokens: 0.94,
    // fitted [1]
    digitTokens: 1,
    // fitted [0]: and numbers a little more, by their length.
    digits: 0.15,
    // fitted [1]: punctuation runs merge less ('":' or '},' more often two tokens); most visible in JSON.
    punctTokens: 1.215,
    // fitted [1]: indentation and line breaks merge less.
    spaceTokens: 1.34,
    // fitted [0.25]: 10k of "a" cost 3,345 tokens on Claude 3.5 Haiku, one per three letters (tidyverse/ellmer).
    runLetters: 0.333,
    // fitted [1]: long words split more than in the reference ("incremental", Latin filler text).
    longWordTokens: 1.233,
  },
  new: {
    // fitted [1.3]
    letterTokens: 1.25,
    // fitted [1.3]
    digitTokens: 1.3,
    // fitted [0]
    digits: 0,
    // fitted [1.3]: punctuation costs the most more in the newer tokenizer (JSON, code).
    punctTokens: 1.515,
    // fitted [1.3]
    spaceTokens: 1.4,
    // fitted [0.333], kept: no row has a letter run in the newer tokenizer.
    runLetters: 0.333,
    // fitted [1.3]
    longWordTokens: 1.34,
  },
};

/** Tokens of measured text under the given rates (unrounded). */
export function priceBpeCounts(counts: BpeCounts, rates: Readonly<TextCoefficients>): number {
  let tokens = 0;
  for (const name of BPE_COUNT_NAMES) tokens += counts[name] * rates[name];
  return tokens;
}

/**
 * Estimates how many tokens `text` costs on its own (no request framing), for the given tokenizer
 * generation. An estimate, never an exact count; 0 for the empty string. The first call loads the
 * reference vocabulary (bpeVocabulary.ts). Linear in the length of the text up to a megabyte; longer
 * texts are counted on a sample (`countBpeBounded`).
 *
 * @example estimateTextTokens('Hello, world', 'legacy') // 3
 */
export function estimateTextTokens(text: string, tokenizer: TokenizerGeneration, model: Readonly<TextModel> = DEFAULT_TEXT_MODEL): number {
  if (typeof text !== 'string' || text.length === 0) return 0;
  return Math.max(1, Math.round(priceBpeCounts(countBpeBounded(text), model[tokenizer])));
}
