import type { ModelEntry, ModelFamily, PriceRates } from './modelEntry';
import { type ModelOverrides, applyOverride, createOverriddenModel, familyFromId } from './overrides';

/*
 * The built-in model catalog: prices and limits as data, each entry with its own as-of date and source.
 * Facts come from ../shared/reference/anthropic-api.md §4 (minimum cacheable tokens) and §5 (prices).
 * Within a family the entries are listed newest first: an unknown id of that family is priced as the
 * first one that is not retired (see resolveModel).
 */

const PRICING_PAGE = 'platform.claude.com/docs/en/about-claude/pricing (as mirrored 2026-08-21)';
const CACHE_MINIMUMS = 'build-with-claude/prompt-caching "Cache limitations" (as mirrored 2026-08-22)';
const MAIN_TABLE_AS_OF = '2026-08-21';
/** The date the newer, partly verified pages were read (they are undated). */
const NEWER_PAGES_AS_OF = '2026-11-22';

const ONE_MILLION = 1_000_000;
const TWO_HUNDRED_K = 200_000;
const STANDARD_BATCH_FACTOR = 0.5;
const US_RESIDENCY = 1.1;

/** Rates with the documented cache multipliers on base input: 5m write 1.25x, 1h write 2x, read 0.1x (§4). */
function standardRates(input: number, output: number): PriceRates {
  return { input, output, cacheWrite5m: input * 1.25, cacheWrite1h: input * 2, cacheRead: input / 10 };
}

function mainTableSource(minimumNote = CACHE_MINIMUMS): string {
  return `${PRICING_PAGE}; minimum cacheable tokens: ${minimumNote}`;
}

export const BUILTIN_MODELS: readonly ModelEntry[] = [
  // ---- Fable ----
  {
    id: 'claude-fable-5-1',
    aliases: [],
    displayName: 'Fable 5.1',
    family: 'fable',
    tokenizer: 'new',
    minCacheableTokens: 512,
    contextWindowTokens: ONE_MILLION,
    maxOutputTokens: 128_000,
    rates: { input: 10, output: 50, cacheWrite5m: 12.5, cacheWrite1h: 20, cacheRead: 0.25 },
    batchPriceFactor: STANDARD_BATCH_FACTOR,
    usResidencyMultiplier: US_RESIDENCY,
    asOf: NEWER_PAGES_AS_OF,
    source:
      'platform.claude.com/docs/en/about-claude/pricing (undated page, read 2026-11-22): $10/$50, cache hits $0.25 (0.025x); ' +
      'partly verified: cache writes assumed at the standard 1.25x/2x, minimum cacheable tokens taken from Fable 5 (512, one third-party note agrees)',
  },
  {
    id: 'claude-fable-5',
    aliases: [],
    displayName: 'Fable 5',
    family: 'fable',
    tokenizer: 'new',
    minCacheableTokens: 512,
    contextWindowTokens: ONE_MILLION,
    maxOutputTokens: 128_000,
    rates: standardRates(10, 50),
    batchPriceFactor: STANDARD_BATCH_FACTOR,
    usResidencyMultiplier: US_RESIDENCY,
    asOf: MAIN_TABLE_AS_OF,
    source: mainTableSource(),
  },
  // ---- Mythos ----
  {
    id: 'claude-mythos-5-1',
    aliases: [],
    displayName: 'Mythos 5.1',
    family: 'mythos',
    tokenizer: 'new',
    minCacheableTokens: 512,
    contextWindowTokens: ONE_MILLION,
    maxOutputTokens: 128_000,
    rates: { input: 10, output: 50, cacheWrite5m: 12.5, cacheWrite1h: 20, cacheRead: 0.25 },
    batchPriceFactor: STANDARD_BATCH_FACTOR,
    usResidencyMultiplier: US_RESIDENCY,
    asOf: NEWER_PAGES_AS_OF,
    source:
      'platform.claude.com/docs/en/about-claude/pricing (undated page, read 2026-11-22): listed with Fable 5.1 at $10/$50, cache hits $0.25 (0.025x); ' +
      'partly verified: id assumed from the 5.x naming, cache writes assumed at 1.25x/2x, minimum cacheable tokens taken from Mythos 5 (512)',
  },
  {
    id: 'claude-mythos-5',
    aliases: [],
    displayName: 'Mythos 5',
    family: 'mythos',
    tokenizer: 'new',
    minCacheableTokens: 512,
    contextWindowTokens: ONE_MILLION,
    maxOutputTokens: 128_000,
    rates: standardRates(10, 50),
    batchPriceFactor: STANDARD_BATCH_FACTOR,
    usResidencyMultiplier: US_RESIDENCY,
    asOf: MAIN_TABLE_AS_OF,
    source: `${mainTableSource()} (limited availability)`,
  },
  // ---- Opus ----
  {
    id: 'claude-opus-5-5',
    aliases: [],
    displayName: 'Opus 5.5',
    family: 'opus',
    tokenizer: 'new',
    minCacheableTokens: 512,
    contextWindowTokens: ONE_MILLION,
    maxOutputTokens: 128_000,
    rates: { input: 4, output: 20, cacheWrite5m: 5, cacheWrite1h: 8, cacheRead: 0.2 },
    batchPriceFactor: STANDARD_BATCH_FACTOR,
    usResidencyMultiplier: US_RESIDENCY,
    asOf: NEWER_PAGES_AS_OF,
    source:
      'platform.claude.com/docs/en/models/opus-5-5/overview (undated page, read 2026-11-22): $4/$20, 5m $5, 1h $8, read $0.20 (0.05x); ' +
      'partly verified: minimum cacheable tokens taken from Opus 5 (512)',
  },
  {
    id: 'claude-opus-5',
    aliases: [],
    displayName: 'Opus 5',
    family: 'opus',
    tokenizer: 'new',
    minCacheableTokens: 512,
    contextWindowTokens: ONE_MILLION,
    maxOutputTokens: 128_000,
    rates: standardRates(5, 25),
    batchPriceFactor: STANDARD_BATCH_FACTOR,
    usResidencyMultiplier: US_RESIDENCY,
    asOf: MAIN_TABLE_AS_OF,
    source: mainTableSource(),
  },
  {
    id: 'claude-opus-4-8',
    aliases: [],
    displayName: 'Opus 4.8',
    family: 'opus',
    tokenizer: 'new',
    minCacheableTokens: 1024,
    contextWindowTokens: ONE_MILLION,
    maxOutputTokens: 128_000,
    rates: standardRates(5, 25),
    batchPriceFactor: STANDARD_BATCH_FACTOR,
    usResidencyMultiplier: US_RESIDENCY,
    asOf: MAIN_TABLE_AS_OF,
    source: mainTableSource(),
  },
  {
    id: 'claude-opus-4-7',
    aliases: [],
    displayName: 'Opus 4.7',
    family: 'opus',
    tokenizer: 'new',
    minCacheableTokens: 2048,
    contextWindowTokens: ONE_MILLION,
    maxOutputTokens: 128_000,
    rates: standardRates(5, 25),
    batchPriceFactor: STANDARD_BATCH_FACTOR,
    usResidencyMultiplier: US_RESIDENCY,
    asOf: MAIN_TABLE_AS_OF,
    source: mainTableSource(),
  },
  {
    id: 'claude-opus-4-6',
    aliases: [],
    displayName: 'Opus 4.6',
    family: 'opus',
    tokenizer: 'legacy',
    minCacheableTokens: 4096,
    contextWindowTokens: ONE_MILLION,
    maxOutputTokens: 128_000,
    rates: standardRates(5, 25),
    batchPriceFactor: STANDARD_BATCH_FACTOR,
    usResidencyMultiplier: US_RESIDENCY,
    asOf: MAIN_TABLE_AS_OF,
    source: mainTableSource(),
  },
  {
    id: 'claude-opus-4-5-20251101',
    aliases: ['claude-opus-4-5'],
    displayName: 'Opus 4.5',
    family: 'opus',
    tokenizer: 'legacy',
    minCacheableTokens: 4096,
    contextWindowTokens: TWO_HUNDRED_K,
    maxOutputTokens: 64_000,
    rates: standardRates(5, 25),
    batchPriceFactor: STANDARD_BATCH_FACTOR,
    asOf: MAIN_TABLE_AS_OF,
    source: mainTableSource(),
  },
  {
    id: 'claude-opus-4-1-20250805',
    aliases: ['claude-opus-4-1'],
    displayName: 'Opus 4.1',
    family: 'opus',
    tokenizer: 'legacy',
    minCacheableTokens: 1024,
    contextWindowTokens: TWO_HUNDRED_K,
    maxOutputTokens: 32_000,
    rates: standardRates(15, 75),
    batchPriceFactor: STANDARD_BATCH_FACTOR,
    asOf: MAIN_TABLE_AS_OF,
    source: `${mainTableSource()}; retirement: about-claude/model-deprecations`,
    retired: '2026-08-05',
  },
  {
    id: 'claude-opus-4-20250514',
    aliases: ['claude-opus-4-0'],
    displayName: 'Opus 4',
    family: 'opus',
    tokenizer: 'legacy',
    minCacheableTokens: 1024,
    contextWindowTokens: TWO_HUNDRED_K,
    maxOutputTokens: 32_000,
    rates: standardRates(15, 75),
    batchPriceFactor: STANDARD_BATCH_FACTOR,
    asOf: MAIN_TABLE_AS_OF,
    source: `${mainTableSource()}; retirement: about-claude/model-deprecations`,
    retired: '2026-06-15',
  },
  // ---- Sonnet ----
  {
    id: 'claude-sonnet-5-5',
    aliases: [],
    displayName: 'Sonnet 5.5',
    family: 'sonnet',
    tokenizer: 'new',
    minCacheableTokens: 1024,
    contextWindowTokens: ONE_MILLION,
    maxOutputTokens: 128_000,
    rates: { input: 2, output: 10, cacheWrite5m: 2.5, cacheWrite1h: 4, cacheRead: 0.2 },
    batchPriceFactor: STANDARD_BATCH_FACTOR,
    usResidencyMultiplier: US_RESIDENCY,
    asOf: NEWER_PAGES_AS_OF,
    source:
      'platform.claude.com/docs/en/models/sonnet-5-5/overview (undated page, read 2026-11-22): $2/$10, 5m $2.50, 1h $4, read $0.20; ' +
      'partly verified: third-party trackers report reads cut to $0.10 on 2026-10-07 (override it in batchlens.modelOverrides if your bill shows that); ' +
      'minimum cacheable tokens taken from Sonnet 5 (1,024)',
  },
  {
    id: 'claude-sonnet-5',
    aliases: [],
    displayName: 'Sonnet 5',
    family: 'sonnet',
    tokenizer: 'new',
    minCacheableTokens: 1024,
    contextWindowTokens: ONE_MILLION,
    maxOutputTokens: 128_000,
    rates: standardRates(2, 10),
    batchPriceFactor: STANDARD_BATCH_FACTOR,
    usResidencyMultiplier: US_RESIDENCY,
    asOf: MAIN_TABLE_AS_OF,
    source: `${mainTableSource()} ($2/$10 is the standard price; the announced rise to $3/$15 will not occur)`,
  },
  {
    id: 'claude-sonnet-4-6',
    aliases: [],
    displayName: 'Sonnet 4.6',
    family: 'sonnet',
    tokenizer: 'legacy',
    minCacheableTokens: 1024,
    contextWindowTokens: ONE_MILLION,
    maxOutputTokens: 64_000,
    rates: standardRates(3, 15),
    batchPriceFactor: STANDARD_BATCH_FACTOR,
    usResidencyMultiplier: US_RESIDENCY,
    asOf: MAIN_TABLE_AS_OF,
    source: mainTableSource(),
  },
  {
    id: 'claude-sonnet-4-5-20250929',
    aliases: ['claude-sonnet-4-5'],
    displayName: 'Sonnet 4.5',
    family: 'sonnet',
    tokenizer: 'legacy',
    minCacheableTokens: 1024,
    contextWindowTokens: TWO_HUNDRED_K,
    maxOutputTokens: 64_000,
    rates: standardRates(3, 15),
    batchPriceFactor: STANDARD_BATCH_FACTOR,
    asOf: MAIN_TABLE_AS_OF,
    source: mainTableSource(),
  },
  {
    id: 'claude-sonnet-4-20250514',
    aliases: ['claude-sonnet-4-0'],
    displayName: 'Sonnet 4',
    family: 'sonnet',
    tokenizer: 'legacy',
    minCacheableTokens: 1024,
    contextWindowTokens: TWO_HUNDRED_K,
    maxOutputTokens: 64_000,
    rates: standardRates(3, 15),
    batchPriceFactor: STANDARD_BATCH_FACTOR,
    asOf: MAIN_TABLE_AS_OF,
    source: `${mainTableSource()}; retirement: about-claude/model-deprecations`,
    retired: '2026-06-15',
  },
  // ---- Haiku ----
  {
    id: 'claude-haiku-5-5',
    aliases: [],
    displayName: 'Haiku 5.5',
    family: 'haiku',
    tokenizer: 'new',
    minCacheableTokens: 4096,
    contextWindowTokens: ONE_MILLION,
    maxOutputTokens: 128_000,
    rates: { input: 0.1, output: 0.5, cacheWrite5m: 0.125, cacheWrite1h: 0.2, cacheRead: 0.01 },
    bands: [
      {
        aboveInputTokens: 100_000,
        rates: { input: 0.5, output: 2.5, cacheWrite5m: 0.625, cacheWrite1h: 1, cacheRead: 0.05 },
      },
    ],
    batchPriceFactor: STANDARD_BATCH_FACTOR,
    usResidencyMultiplier: US_RESIDENCY,
    asOf: NEWER_PAGES_AS_OF,
    source:
      'platform.claude.com/docs/en/models/haiku-5-5/overview (undated page, read 2026-11-22; released 2026-10-07): ' +
      'prompts up to 100k tokens $0.10/$0.50, 5m $0.125, 1h $0.20; over 100k $0.50/$2.50 (the prompt counts cache reads and writes); ' +
      'partly verified: cache reads $0.01/$0.05 from third-party trackers, over-100k cache writes assumed at 1.25x/2x, ' +
      'minimum cacheable tokens taken from Haiku 4.5 (4,096)',
  },
  {
    id: 'claude-haiku-4-5-20251001',
    aliases: ['claude-haiku-4-5'],
    displayName: 'Haiku 4.5',
    family: 'haiku',
    tokenizer: 'legacy',
    minCacheableTokens: 4096,
    contextWindowTokens: TWO_HUNDRED_K,
    maxOutputTokens: 64_000,
    rates: standardRates(1, 5),
    batchPriceFactor: STANDARD_BATCH_FACTOR,
    asOf: MAIN_TABLE_AS_OF,
    source: mainTableSource(),
  },
  {
    id: 'claude-3-5-haiku-20241022',
    aliases: ['claude-3-5-haiku-latest'],
    displayName: 'Haiku 3.5',
    family: 'haiku',
    tokenizer: 'legacy',
    minCacheableTokens: 2048,
    contextWindowTokens: TWO_HUNDRED_K,
    maxOutputTokens: 8_192,
    rates: standardRates(0.8, 4),
    batchPriceFactor: STANDARD_BATCH_FACTOR,
    asOf: MAIN_TABLE_AS_OF,
    source: `${mainTableSource()}; retirement: about-claude/model-deprecations`,
    retired: '2026-02-19',
  },
];

/** The newest as-of date of any built-in entry. */
export const CATALOG_AS_OF: string = BUILTIN_MODELS.map((entry) => entry.asOf).reduce((newest, date) => (date > newest ? date : newest));

export const CATALOG_SOURCE =
  'Anthropic pricing and model pages (platform.claude.com/docs), main table as of 2026-08-21; ' +
  'models released since (Fable/Mythos 5.1, Opus/Sonnet/Haiku 5.5) partly verified as of 2026-11-22. ' +
  'Override or add entries with the batchlens.modelOverrides setting.';


/** A model id that names no catalog entry, no override and no family: nothing to price it as. */
export class UnknownModelError extends Error {
  override name = 'UnknownModelError';
  constructor(readonly modelId: string) {
    super(`unknown model "${modelId}": not in the catalog and names no family (opus, sonnet, haiku, fable, mythos); add it to batchlens.modelOverrides`);
  }
}

function normalizeId(id: string): string {
  return id.trim().toLowerCase();
}

/** The catalog entry whose id or alias is `id` (case and surrounding spaces ignored), else undefined. */
export function findModel(id: string): ModelEntry | undefined {
  const wanted = normalizeId(id);
  return BUILTIN_MODELS.find((entry) => entry.id === wanted || entry.aliases.includes(wanted));
}

/** Models still served on the Claude API, in catalog order (newest first within a family). */
export function currentModels(): ModelEntry[] {
  return BUILTIN_MODELS.filter((entry) => !entry.retired);
}

/** The newest model of a family that is not retired. */
export function newestOfFamily(family: ModelFamily): ModelEntry {
  const entry = currentModels().find((candidate) => candidate.family === family);
  if (!entry) throw new Error(`the catalog has no current ${family} model`);
  return entry;
}

function overrideFor(overrides: ModelOverrides | undefined, ids: string[]) {
  if (!overrides) return undefined;
  for (const id of ids) {
    if (Object.prototype.hasOwnProperty.call(overrides, id)) return overrides[id];
  }
  return undefined;
}

/**
 * The entry to price `id` with: the catalog entry (by id or alias) with the user's overrides applied;
 * else a model the overrides define; else the newest current model of the family the id names, with
 * a `note` saying so (never silently).
 * @throws UnknownModelError when the id is none of these.
 * @example resolveModel('claude-sonnet-4-5').entry.id === 'claude-sonnet-4-5-20250929'
 */
export function resolveModel(id: string, overrides?: ModelOverrides): { entry: ModelEntry; note?: string } {
  const wanted = normalizeId(id);
  const known = findModel(wanted);
  if (known) {
    const override = overrideFor(overrides, [wanted, known.id, ...known.aliases]);
    return { entry: override ? applyOverride(known, override) : known };
  }
  const override = overrideFor(overrides, [wanted]);
  const family = override?.family ?? familyFromId(wanted);
  if (!family) throw new UnknownModelError(id.trim());
  const template = newestOfFamily(family);
  if (override) return { entry: createOverriddenModel(wanted, template, override) };
  return { entry: template, note: `unknown model "${id.trim()}", priced as ${template.displayName} (${template.id})` };
}
