/** Which tokenizer a model counts with: Claude 4.7+ and Mythos Preview use the newer one (~1.0-1.35x more tokens). */
export type TokenizerGeneration = 'legacy' | 'new';

export type ModelFamily = 'opus' | 'sonnet' | 'haiku' | 'fable' | 'mythos';

/** USD per million tokens for each price mode, before the batch discount and residency multiplier. */
export interface PriceRates {
  input: number;
  output: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  cacheRead: number;
}

/** A higher price that applies to every token of a request once its prompt exceeds `aboveInputTokens`. */
export interface PriceBand {
  /** Prompt length (input + cache writes + cache reads) above which `rates` apply. */
  aboveInputTokens: number;
  rates: PriceRates;
}

/** One model of the catalog: data, with provenance. */
export interface ModelEntry {
  id: string;
  aliases: string[];
  /** Short human name, e.g. "Sonnet 4.6". */
  displayName: string;
  family: ModelFamily;
  tokenizer: TokenizerGeneration;
  minCacheableTokens: number;
  contextWindowTokens: number;
  maxOutputTokens: number;
  rates: PriceRates;
  /** Fraction of the price paid in a batch (0.5 = 50% off every token). */
  batchPriceFactor: number;
  bands?: PriceBand[];
  /** Multiplier on every category for US-only inference (`inference_geo`); absent when not offered. */
  usResidencyMultiplier?: number;
  /** ISO date the prices were read. */
  asOf: string;
  /** Where the figures come from. */
  source: string;
  /** ISO date the model was retired on the Claude API, when it was. */
  retired?: string;
}
