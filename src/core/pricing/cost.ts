import type { ModelEntry, PriceRates } from './modelEntry';

/** Tokens of one request (or a sum of requests), split by how each is billed. */
export interface TokenUsage {
  /** Uncached input: with caching, only the tokens after the last breakpoint. */
  inputTokens: number;
  outputTokens: number;
  cacheWrite5mTokens?: number;
  cacheWrite1hTokens?: number;
  cacheReadTokens?: number;
}

export type PriceMode = 'sync' | 'batch';

export interface PriceOptions {
  mode: PriceMode;
  /** US-only inference (`inference_geo`): a multiplier on every category where the model offers it. */
  usResidency?: boolean;
}

/** Exact USD per category (each the nearest double to the exact decimal) and their exact sum. */
export interface CostBreakdown {
  inputUsd: number;
  outputUsd: number;
  /** 5m and 1h cache writes together. */
  cacheWriteUsd: number;
  cacheReadUsd: number;
  totalUsd: number;
  /** Which price band applied, for models priced by prompt length. */
  band?: string;
  notes: string[];
}

/*
 * Exact arithmetic: every price and factor becomes an integer count of millionths (a rate of $0.30 per
 * million tokens is 300,000 micro-USD), tokens are multiplied in BigInt, and the sum is turned into a
 * JS number once, from its exact decimal string. So 1M input + 1M output + 1M cache read on Sonnet 4.6
 * is exactly 18.3, not 18.299999999999997.
 */
/** A non-negative decimal as an integer count of millionths (prices and factors have at most 6 decimals). */
function toMillionths(value: number): bigint {
  return BigInt(Math.round(value * 1_000_000));
}

/**
 * Cost in units of 1e-24 USD: tokens x (USD/MTok in millionths) x factor millionths x factor
 * millionths, where "per MTok" contributes the last 1e-6.
 */
const SCALE_DIGITS = 24;

function scaledCost(tokens: number, usdPerMTok: number, factors: bigint[]): bigint {
  return factors.reduce((product, factor) => product * factor, BigInt(tokens) * toMillionths(usdPerMTok));
}

/** The nearest double to an exact amount in units of 1e-24 USD. */
function scaledToUsd(amount: bigint): number {
  const negative = amount < 0n;
  const digits = (negative ? -amount : amount).toString().padStart(SCALE_DIGITS + 1, '0');
  const whole = digits.slice(0, digits.length - SCALE_DIGITS);
  const fraction = digits.slice(digits.length - SCALE_DIGITS);
  return Number(`${negative ? '-' : ''}${whole}.${fraction}`);
}

function checkTokens(name: string, value: number | undefined): number {
  const tokens = value ?? 0;
  if (!Number.isSafeInteger(tokens) || tokens < 0) {
    throw new RangeError(`${name} must be a whole number of tokens, at least 0 (got ${String(value)})`);
  }
  return tokens;
}

/** Prompt length as the price bands count it: uncached input plus cache writes and reads. */
export function promptTokensOf(usage: TokenUsage): number {
  return usage.inputTokens + (usage.cacheWrite5mTokens ?? 0) + (usage.cacheWrite1hTokens ?? 0) + (usage.cacheReadTokens ?? 0);
}

function formatTokenCount(tokens: number): string {
  return tokens.toLocaleString('en-US');
}

/** The rates for a prompt of this length, and a label when the model is priced by prompt length. */
export function ratesForPrompt(entry: ModelEntry, promptTokens: number): { rates: PriceRates; band?: string } {
  const bands = [...(entry.bands ?? [])].sort((a, b) => a.aboveInputTokens - b.aboveInputTokens);
  if (bands.length === 0) return { rates: entry.rates };
  const applying = bands.filter((band) => promptTokens > band.aboveInputTokens).pop();
  if (applying) return { rates: applying.rates, band: `prompt over ${formatTokenCount(applying.aboveInputTokens)} tokens` };
  return { rates: entry.rates, band: `prompt up to ${formatTokenCount(bands[0]!.aboveInputTokens)} tokens` };
}

/** The multipliers every category gets under these options, as millionths, plus notes about them. */
function factorsFor(entry: ModelEntry, options: { mode: PriceMode; usResidency?: boolean }): { factors: bigint[]; notes: string[] } {
  const notes: string[] = [];
  const batch = options.mode === 'batch' ? entry.batchPriceFactor : 1;
  let residency = 1;
  if (options.usResidency) {
    if (entry.usResidencyMultiplier !== undefined) residency = entry.usResidencyMultiplier;
    else notes.push(`US-only inference is not offered for ${entry.displayName}; priced without a residency multiplier`);
  }
  return { factors: [toMillionths(batch), toMillionths(residency)], notes };
}

/**
 * The exact cost of a request's token usage. The batch discount and the US-residency multiplier apply
 * to every category (input, output, cache writes and reads stack with both); for a model priced by
 * prompt length, the band the whole prompt (input + cache writes + reads) falls in prices every token.
 * @throws RangeError when a token count is negative or not a whole number.
 * @example priceUsage(sonnet46, { inputTokens: 1e6, outputTokens: 1e6, cacheReadTokens: 1e6 }, { mode: 'batch' }).totalUsd === 9.15
 */
export function priceUsage(entry: ModelEntry, usage: TokenUsage, options: PriceOptions): CostBreakdown {
  const input = checkTokens('inputTokens', usage.inputTokens);
  const output = checkTokens('outputTokens', usage.outputTokens);
  const write5m = checkTokens('cacheWrite5mTokens', usage.cacheWrite5mTokens);
  const write1h = checkTokens('cacheWrite1hTokens', usage.cacheWrite1hTokens);
  const read = checkTokens('cacheReadTokens', usage.cacheReadTokens);

  const { rates, band } = ratesForPrompt(entry, input + write5m + write1h + read);
  const { factors, notes } = factorsFor(entry, options);
  // Factors are millionths and rates are micro-USD per million tokens: divide by 1e6 four times.
  const inputScaled = scaledCost(input, rates.input, factors);
  const outputScaled = scaledCost(output, rates.output, factors);
  const writeScaled = scaledCost(write5m, rates.cacheWrite5m, factors) + scaledCost(write1h, rates.cacheWrite1h, factors);
  const readScaled = scaledCost(read, rates.cacheRead, factors);
  const breakdown: CostBreakdown = {
    inputUsd: scaledToUsd(inputScaled),
    outputUsd: scaledToUsd(outputScaled),
    cacheWriteUsd: scaledToUsd(writeScaled),
    cacheReadUsd: scaledToUsd(readScaled),
    totalUsd: scaledToUsd(inputScaled + outputScaled + writeScaled + readScaled),
    notes,
  };
  if (band) breakdown.band = band;
  return breakdown;
}

/**
 * Exact USD per million tokens of each category after the batch discount and residency multiplier
 * (for price tables: Sonnet 4.6 in a batch reads the cache at 0.15).
 */
export function effectiveRates(entry: ModelEntry, rates: PriceRates, options: PriceOptions): PriceRates {
  const { factors } = factorsFor(entry, options);
  const perMillion = (usdPerMTok: number) => scaledToUsd(scaledCost(1_000_000, usdPerMTok, factors));
  return {
    input: perMillion(rates.input),
    output: perMillion(rates.output),
    cacheWrite5m: perMillion(rates.cacheWrite5m),
    cacheWrite1h: perMillion(rates.cacheWrite1h),
    cacheRead: perMillion(rates.cacheRead),
  };
}

/** What a prompt of `promptTokens` costs per call in each price mode (prompt only; output excluded). */
export interface PerCallPrices {
  /** All tokens as uncached input, synchronous. */
  syncUsd: number;
  /** All tokens as uncached input, in a batch. */
  batchUsd: number;
  /** All tokens written to a 5-minute cache entry (the first call). */
  cacheWrite5mUsd: number;
  /** All tokens written to a 1-hour cache entry. */
  cacheWrite1hUsd: number;
  /** All tokens read from the cache, synchronous. */
  cacheReadUsd: number;
  /** All tokens read from the cache in a batch: the stacked discount. */
  batchCacheReadUsd: number;
  band?: string;
  notes: string[];
}

/**
 * A prompt's price per call as uncached input (sync and batch), as a cache write (5m, 1h) and as a
 * cache read (sync and batch). Used by the prompt cost lens and the price table.
 * @throws RangeError when `promptTokens` is negative or not a whole number.
 */
export function pricePerCall(entry: ModelEntry, promptTokens: number, options: { usResidency?: boolean } = {}): PerCallPrices {
  const sync = { mode: 'sync' as const, usResidency: options.usResidency };
  const batch = { mode: 'batch' as const, usResidency: options.usResidency };
  const asInput = priceUsage(entry, { inputTokens: promptTokens, outputTokens: 0 }, sync);
  const prices: PerCallPrices = {
    syncUsd: asInput.totalUsd,
    batchUsd: priceUsage(entry, { inputTokens: promptTokens, outputTokens: 0 }, batch).totalUsd,
    cacheWrite5mUsd: priceUsage(entry, { inputTokens: 0, outputTokens: 0, cacheWrite5mTokens: promptTokens }, sync).totalUsd,
    cacheWrite1hUsd: priceUsage(entry, { inputTokens: 0, outputTokens: 0, cacheWrite1hTokens: promptTokens }, sync).totalUsd,
    cacheReadUsd: priceUsage(entry, { inputTokens: 0, outputTokens: 0, cacheReadTokens: promptTokens }, sync).totalUsd,
    batchCacheReadUsd: priceUsage(entry, { inputTokens: 0, outputTokens: 0, cacheReadTokens: promptTokens }, batch).totalUsd,
    notes: [...asInput.notes, ...unverifiedPriceNotes(entry)],
  };
  if (asInput.band) prices.band = asInput.band;
  return prices;
}

const PRICE_FIGURE_LABELS: Partial<Record<string, string>> = {
  input: 'input',
  output: 'output',
  cacheWrite5m: '5m cache write',
  cacheWrite1h: '1h cache write',
  cacheRead: 'cache read',
};

/** "Fable 5.2: cache read price from third-party sources only (unverified)", when a price figure is not official. */
function unverifiedPriceNotes(entry: ModelEntry): string[] {
  const labels = (entry.unverified ?? []).map((figure) => PRICE_FIGURE_LABELS[figure]).filter((label): label is string => label !== undefined);
  return labels.length === 0 ? [] : [`${entry.displayName}: ${labels.join(', ')} price from third-party sources only (unverified)`];
}

/** The `usage` object of a Messages API response or batch result, as far as pricing needs it. */
export interface ApiUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  cache_creation?: { ephemeral_5m_input_tokens?: number | null; ephemeral_1h_input_tokens?: number | null } | null;
  service_tier?: string | null;
  inference_geo?: string | null;
}

/**
 * Converts an API `usage` object into TokenUsage and the options to price it with. `service_tier`
 * "batch" means batch prices; `inference_geo` "us" means US residency. Without the `cache_creation`
 * split, every cache-creation token counts as a 5-minute write (the default TTL).
 */
export function usageFromApi(usage: ApiUsage): { usage: TokenUsage; mode: PriceMode; usResidency: boolean } {
  const creation = usage.cache_creation_input_tokens ?? 0;
  const split = usage.cache_creation;
  const has5m = typeof split?.ephemeral_5m_input_tokens === 'number';
  const has1h = typeof split?.ephemeral_1h_input_tokens === 'number';
  let write5m = creation;
  let write1h = 0;
  if (has5m || has1h) {
    write1h = split?.ephemeral_1h_input_tokens ?? 0;
    write5m = split?.ephemeral_5m_input_tokens ?? Math.max(0, creation - write1h);
  }
  return {
    usage: {
      inputTokens: usage.input_tokens ?? 0,
      outputTokens: usage.output_tokens ?? 0,
      cacheWrite5mTokens: write5m,
      cacheWrite1hTokens: write1h,
      cacheReadTokens: usage.cache_read_input_tokens ?? 0,
    },
    mode: usage.service_tier === 'batch' ? 'batch' : 'sync',
    usResidency: typeof usage.inference_geo === 'string' && usage.inference_geo.toLowerCase() === 'us',
  };
}

/**
 * A USD amount for display, with precision that suits its size: two decimals from $1 up ($18.30,
 * $45,000.00), two significant digits below ($0.50, $0.0037, $0.0004), and "<$0.000001" for dust.
 */
export function formatUsd(usd: number): string {
  if (!Number.isFinite(usd)) return `$${String(usd)}`;
  const sign = usd < 0 ? '-' : '';
  const size = Math.abs(usd);
  if (size === 0) return '$0.00';
  if (size < 0.000001) return `${sign}<$0.000001`;
  if (size >= 1) return `${sign}$${size.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
  const decimals = Math.min(6, Math.max(2, 1 - Math.floor(Math.log10(size))));
  // Intl rounds the shortest decimal form (0.0375 -> 0.038), where toFixed rounds the binary value (0.037).
  const rounded = size.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
  // A trailing zero past the cents is dropped only when the shorter figure is exact ($0.0004, but $0.0020 for 0.00204).
  const shortened = rounded.replace(/(\.\d\d\d*?)0+$/, '$1');
  return `${sign}$${Number(shortened) === size ? shortened : rounded}`;
}
