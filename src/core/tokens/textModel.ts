import type { TokenizerGeneration } from '../pricing/modelEntry';
import { BPE_COUNT_NAMES, type BpeCounts, countBpe } from './bpeCounter';

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
    // fitted [1]: words cost what the reference vocabulary says, 2% more.
    letterTokens: 1.024,
    // fitted [1]: today's tokenizer splits numbers finer (the reference holds many 3-4 digit numbers whole).
    digitTokens: 1.72,
    // fitted [1]: punctuation runs merge less ('":' or '},' more often two tokens); most visible in JSON.
    punctTokens: 1.165,
    // fitted [1]: indentation and line breaks merge less.
    spaceTokens: 1.46,
    // fitted [0]: nothing beyond digitTokens.
    digits: 0,
    // fitted [0.25]: 10k of "a" cost 3,345 tokens on Claude 3.5 Haiku, one per three letters.
    runLetters: 0.333,
  },
  new: {
    // fitted [1.3]
    letterTokens: 1.29,
    // fitted [1.3]
    digitTokens: 1.3,
    // fitted [1.3]: punctuation costs the most more in the newer tokenizer.
    punctTokens: 1.5,
    // fitted [1.3]
    spaceTokens: 1.3,
    // fitted [0]
    digits: 0,
    // fitted [0.333], kept: no row has a letter run in the newer tokenizer.
    runLetters: 0.333,
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
 * reference vocabulary (bpeVocabulary.ts). Linear in the length of the text.
 *
 * @example estimateTextTokens('Hello, world', 'legacy') // 3
 */
export function estimateTextTokens(text: string, tokenizer: TokenizerGeneration, model: Readonly<TextModel> = DEFAULT_TEXT_MODEL): number {
  if (typeof text !== 'string' || text.length === 0) return 0;
  return Math.max(1, Math.round(priceBpeCounts(countBpe(text), model[tokenizer])));
}
