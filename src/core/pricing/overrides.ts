import type { ModelEntry, ModelFamily, PriceRates, TokenizerGeneration, UnverifiedFigure } from './modelEntry';

/** One entry of the `batchlens.modelOverrides` setting: any subset of these fields. */
export interface ModelOverride {
  inputUsdPerMTok?: number;
  outputUsdPerMTok?: number;
  cacheWrite5mUsdPerMTok?: number;
  cacheWrite1hUsdPerMTok?: number;
  cacheReadUsdPerMTok?: number;
  /** Fraction taken off in a batch: 0.5 means batch costs half. */
  batchDiscount?: number;
  minCacheableTokens?: number;
  family?: ModelFamily;
  tokenizer?: TokenizerGeneration;
  displayName?: string;
}

/** The `batchlens.modelOverrides` setting: model id -> fields to add or replace. */
export type ModelOverrides = Readonly<Record<string, ModelOverride>>;

export const OVERRIDE_SOURCE = 'user setting batchlens.modelOverrides';

const FAMILIES: readonly ModelFamily[] = ['opus', 'sonnet', 'haiku', 'fable', 'mythos'];
const TOKENIZERS: readonly TokenizerGeneration[] = ['legacy', 'new'];
const RATE_KEYS = ['inputUsdPerMTok', 'outputUsdPerMTok', 'cacheWrite5mUsdPerMTok', 'cacheWrite1hUsdPerMTok', 'cacheReadUsdPerMTok'] as const;
const KNOWN_KEYS = new Set<string>([...RATE_KEYS, 'batchDiscount', 'minCacheableTokens', 'family', 'tokenizer', 'displayName']);

/** The family a model id names ("claude-opus-4-9" -> opus), or undefined when it names none. */
export function familyFromId(id: string): ModelFamily | undefined {
  const lower = id.toLowerCase();
  return FAMILIES.find((family) => lower.includes(family));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonNegativeFinite(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

function isFamily(value: unknown): value is ModelFamily {
  return typeof value === 'string' && (FAMILIES as readonly string[]).includes(value);
}

function isTokenizer(value: unknown): value is TokenizerGeneration {
  return typeof value === 'string' && (TOKENIZERS as readonly string[]).includes(value);
}

/** Validates one entry; returns the override or the reasons it was rejected. */
function parseOneOverride(id: string, raw: unknown): { override?: ModelOverride; errors: string[] } {
  const where = `batchlens.modelOverrides["${id}"]`;
  if (!isPlainObject(raw)) {
    return { errors: [`${where} must be an object of fields, e.g. { "inputUsdPerMTok": 2.5 }`] };
  }
  const errors: string[] = [];
  const override: ModelOverride = {};
  for (const key of Object.keys(raw)) {
    if (!KNOWN_KEYS.has(key)) {
      errors.push(`${where}.${key} is not a known field (known: ${[...KNOWN_KEYS].join(', ')})`);
    }
  }
  for (const key of RATE_KEYS) {
    const value = raw[key];
    if (value === undefined) continue;
    if (isNonNegativeFinite(value)) override[key] = value;
    else errors.push(`${where}.${key} must be a number of USD per million tokens, at least 0`);
  }
  if (raw.batchDiscount !== undefined) {
    if (isNonNegativeFinite(raw.batchDiscount) && raw.batchDiscount <= 1) override.batchDiscount = raw.batchDiscount;
    else errors.push(`${where}.batchDiscount must be a fraction from 0 to 1 (0.5 = batch costs half)`);
  }
  if (raw.minCacheableTokens !== undefined) {
    if (Number.isSafeInteger(raw.minCacheableTokens) && (raw.minCacheableTokens as number) >= 0) override.minCacheableTokens = raw.minCacheableTokens as number;
    else errors.push(`${where}.minCacheableTokens must be a whole number of tokens, at least 0`);
  }
  if (raw.family !== undefined) {
    if (isFamily(raw.family)) override.family = raw.family;
    else errors.push(`${where}.family must be one of ${FAMILIES.join(', ')}`);
  }
  if (raw.tokenizer !== undefined) {
    if (isTokenizer(raw.tokenizer)) override.tokenizer = raw.tokenizer;
    else errors.push(`${where}.tokenizer must be "legacy" or "new"`);
  }
  if (raw.displayName !== undefined) {
    if (typeof raw.displayName === 'string' && raw.displayName.trim() !== '') override.displayName = raw.displayName.trim();
    else errors.push(`${where}.displayName must be a non-empty string`);
  }
  if (!override.family && !familyFromId(id)) {
    errors.push(`${where} needs a "family" (${FAMILIES.join(', ')}): the id names none`);
  }
  return errors.length > 0 ? { errors } : { override, errors };
}

/**
 * Validates the `batchlens.modelOverrides` setting. An entry with any bad field is dropped whole (a
 * half-applied negotiated rate would misprice silently) and each problem is reported; nothing throws.
 */
export function parseModelOverrides(raw: unknown): { overrides: ModelOverrides; errors: string[] } {
  if (raw === undefined || raw === null) return { overrides: {}, errors: [] };
  if (!isPlainObject(raw)) {
    return { overrides: {}, errors: ['batchlens.modelOverrides must be an object keyed by model id'] };
  }
  const overrides: Record<string, ModelOverride> = {};
  const errors: string[] = [];
  for (const [id, value] of Object.entries(raw)) {
    const key = id.trim().toLowerCase();
    if (key === '') {
      errors.push('batchlens.modelOverrides has an entry with an empty model id');
      continue;
    }
    const parsed = parseOneOverride(id, value);
    errors.push(...parsed.errors);
    if (parsed.override) overrides[key] = parsed.override;
  }
  return { overrides, errors };
}

function overriddenRates(base: PriceRates, override: ModelOverride): PriceRates {
  return {
    input: override.inputUsdPerMTok ?? base.input,
    output: override.outputUsdPerMTok ?? base.output,
    cacheWrite5m: override.cacheWrite5mUsdPerMTok ?? base.cacheWrite5m,
    cacheWrite1h: override.cacheWrite1hUsdPerMTok ?? base.cacheWrite1h,
    cacheRead: override.cacheReadUsdPerMTok ?? base.cacheRead,
  };
}

function withCommonFields(entry: ModelEntry, override: ModelOverride): ModelEntry {
  return {
    ...entry,
    displayName: override.displayName ?? entry.displayName,
    family: override.family ?? entry.family,
    tokenizer: override.tokenizer ?? entry.tokenizer,
    minCacheableTokens: override.minCacheableTokens ?? entry.minCacheableTokens,
    batchPriceFactor: override.batchDiscount === undefined ? entry.batchPriceFactor : 1 - override.batchDiscount,
    source: OVERRIDE_SOURCE,
  };
}

const OVERRIDE_FIELD: Record<UnverifiedFigure, keyof ModelOverride | undefined> = {
  input: 'inputUsdPerMTok',
  output: 'outputUsdPerMTok',
  cacheWrite5m: 'cacheWrite5mUsdPerMTok',
  cacheWrite1h: 'cacheWrite1hUsdPerMTok',
  cacheRead: 'cacheReadUsdPerMTok',
  minCacheableTokens: 'minCacheableTokens',
  id: undefined,
};

/** A catalog entry with only the fields the user gave replaced; its price bands are kept, and a figure the user gave is no longer "unverified". */
export function applyOverride(entry: ModelEntry, override: ModelOverride): ModelEntry {
  const overridden: ModelEntry = { ...withCommonFields(entry, override), rates: overriddenRates(entry.rates, override) };
  const unverified = (entry.unverified ?? []).filter((figure) => {
    const field = OVERRIDE_FIELD[figure];
    return field === undefined || override[field] === undefined;
  });
  if (unverified.length > 0) overridden.unverified = unverified;
  else delete overridden.unverified;
  return overridden;
}

/**
 * A model the catalog does not have, built from its family's newest model (`template`). When the user
 * gives an input price but no cache prices, the cache prices follow it at the standard 1.25x / 2x /
 * 0.1x rather than keeping the template's (a different model's) figures. The template's price bands
 * are dropped: they belong to that model.
 */
export function createOverriddenModel(id: string, template: ModelEntry, override: ModelOverride): ModelEntry {
  const input = override.inputUsdPerMTok;
  const base: PriceRates =
    input === undefined
      ? template.rates
      : { input, output: template.rates.output, cacheWrite5m: input * 1.25, cacheWrite1h: input * 2, cacheRead: input / 10 };
  const { bands: _bands, earlierPrices: _earlier, pricesSince: _since, unverified: _unverified, minCacheableTokens: _minimum, ...rest } = template;
  return {
    ...withCommonFields({ ...rest, id, aliases: [], displayName: id }, override),
    rates: overriddenRates(base, override),
    lifecycle: { base: 'active', source: OVERRIDE_SOURCE, asOf: template.lifecycle.asOf },
  };
}
