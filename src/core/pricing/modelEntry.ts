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

/** Prices a model had before a change: in force on every day before `until` (an ISO date, exclusive). */
export interface EarlierPrices {
  until: string;
  rates: PriceRates;
  bands?: PriceBand[];
  source: string;
}

/**
 * A figure of an entry that was found only in third-party sources (price trackers that say they read
 * the live page) or assumed from a sibling model: shown with a mark wherever it is displayed.
 */
export type UnverifiedFigure = keyof PriceRates | 'minCacheableTokens' | 'id';

/**
 * Where a model is in its life on the Claude API. `legacy` models are still served but superseded;
 * a `deprecated` one has a retirement date; a `retired` one fails at request time.
 */
export type LifecycleState = 'active' | 'legacy' | 'deprecated' | 'retired';

/** The dated facts a lifecycle state is computed from (see `lifecycleAt`). */
export interface ModelLifecycle {
  /** The state while no date below has passed: `active` or `legacy`. */
  base: 'active' | 'legacy';
  /** ISO date the deprecation was announced, when it was. */
  deprecatedOn?: string;
  /** ISO date the model stops (or stopped) being served on the Claude API. */
  retiresOn?: string;
  /** The id to move to. */
  successor?: string;
  source: string;
  /** ISO date the lifecycle facts were read (or refreshed from `GET /v1/models`). */
  asOf: string;
}

/** One model of the catalog: data, with provenance. */
export interface ModelEntry {
  id: string;
  /** Other first-party ids for the same model (dateless aliases, dated snapshots). */
  aliases: string[];
  /** Short human name, e.g. "Sonnet 4.6". */
  displayName: string;
  family: ModelFamily;
  tokenizer: TokenizerGeneration;
  /** Shortest prefix the API caches; undefined when Anthropic has not published it (no warning is given on a guess). */
  minCacheableTokens?: number;
  contextWindowTokens: number;
  /** The most `max_tokens` a request (batch rows included) may ask for without a beta header. */
  maxOutputTokens: number;
  /** The prices in force now (since `pricesSince` when they changed). */
  rates: PriceRates;
  /** ISO date the current `rates` took effect, when they replaced `earlierPrices`. */
  pricesSince?: string;
  /** Prices before a change, oldest first. */
  earlierPrices?: EarlierPrices[];
  /** Fraction of the price paid in a batch (0.5 = 50% off every token). */
  batchPriceFactor: number;
  bands?: PriceBand[];
  /** Multiplier on every category for US-only inference (`inference_geo`); absent when not offered. */
  usResidencyMultiplier?: number;
  /** ISO date the prices were read. */
  asOf: string;
  /** Where the figures come from. */
  source: string;
  /** Figures that come from third parties or are assumed; empty or absent when all are official. */
  unverified?: UnverifiedFigure[];
  lifecycle: ModelLifecycle;
  /** Whether the model takes Message Batches, when `GET /v1/models` said so (absent: assumed yes). */
  supportsBatch?: boolean;
}
