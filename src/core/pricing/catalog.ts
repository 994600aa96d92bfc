import type { ModelEntry, ModelFamily, ModelLifecycle, PriceRates } from './modelEntry';
import { type ModelOverrides, applyOverride, createOverriddenModel } from './overrides';
import { canonicalModelId, nearestModelId } from './modelIds';
import { lifecycleAt } from './lifecycle';
import { type LiveModelsCache, withLiveFacts } from './liveModels';

/*
 * The built-in model catalog: prices, limits and lifecycle as data, each with its own as-of date and
 * source. Facts come from ../shared/reference/anthropic-api.md: §0 (2026-12-04) wins over §4 (minimum
 * cacheable tokens) and §5 (prices). Within a family the entries are listed newest first.
 */

const PRICING_PAGE = 'platform.claude.com/docs/en/about-claude/pricing (as mirrored 2026-08-21)';
const CACHE_MINIMUMS = 'build-with-claude/prompt-caching "Cache limitations" (as mirrored 2026-08-22)';
const MAIN_TABLE_AS_OF = '2026-08-21';
/** The date the newer, partly verified pages were read (they are undated). */
const NEWER_PAGES_AS_OF = '2026-11-22';
/** The date §0 of the reference was checked (release notes, SDK 1.17.0, third-party trackers). */
const UPDATE_AS_OF = '2026-12-04';

const DEPRECATIONS = 'about-claude/model-deprecations (as mirrored 2026-08-22)';
const SDK_DEPRECATIONS = '@anthropic-ai/sdk 1.12.0 and 1.13.0 deprecated-models list, 1.15.0 Model union (read 2026-12-04)';
const LEGACY_NOTE = 'official model overview: listed as legacy, still served (read 2026-12-04)';
const CURRENT_NOTE = 'official model overview (read 2026-12-04)';

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

const active = (source = CURRENT_NOTE): ModelLifecycle => ({ base: 'active', source, asOf: UPDATE_AS_OF });
const legacy = (successor: string): ModelLifecycle => ({ base: 'legacy', successor, source: LEGACY_NOTE, asOf: UPDATE_AS_OF });
const retiredOn = (date: string, successor: string, source = DEPRECATIONS): ModelLifecycle => ({
  base: 'legacy',
  retiresOn: date,
  successor,
  source,
  asOf: UPDATE_AS_OF,
});

export const BUILTIN_MODELS: readonly ModelEntry[] = [
  // ---- Fable ----
  {
    id: 'claude-fable-5-2',
    aliases: [],
    displayName: 'Fable 5.2',
    family: 'fable',
    tokenizer: 'new',
    contextWindowTokens: ONE_MILLION,
    maxOutputTokens: 128_000,
    rates: { input: 8, output: 40, cacheWrite5m: 10, cacheWrite1h: 16, cacheRead: 0.2 },
    batchPriceFactor: STANDARD_BATCH_FACTOR,
    usResidencyMultiplier: US_RESIDENCY,
    asOf: UPDATE_AS_OF,
    source:
      'official release notes 2026-11-09: $8/$40 (id in @anthropic-ai/sdk 1.7.0); ' +
      'cache writes $10 (5m) / $16 (1h) and cache read $0.20 from third-party trackers (several agreeing); minimum cacheable tokens not published',
    unverified: ['cacheWrite5m', 'cacheWrite1h', 'cacheRead'],
    lifecycle: active('official release notes 2026-11-09'),
  },
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
      'platform.claude.com/docs/en/about-claude/pricing (undated page, read 2026-11-22): $10/$50, 5m $12.50, 1h $20, cache hits $0.25 (0.025x); ' +
      'minimum cacheable tokens 512 from one third-party note (Fable 5 is 512)',
    unverified: ['minCacheableTokens'],
    lifecycle: active(),
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
    lifecycle: legacy('claude-fable-5-2'),
  },
  // ---- Mythos ----
  {
    id: 'claude-mythos-5-2',
    aliases: [],
    displayName: 'Mythos 5.2',
    family: 'mythos',
    tokenizer: 'new',
    contextWindowTokens: ONE_MILLION,
    maxOutputTokens: 128_000,
    rates: { input: 8, output: 40, cacheWrite5m: 10, cacheWrite1h: 16, cacheRead: 0.2 },
    batchPriceFactor: STANDARD_BATCH_FACTOR,
    usResidencyMultiplier: US_RESIDENCY,
    asOf: UPDATE_AS_OF,
    source:
      'official release notes 2026-11-09 (limited availability): $8/$40 (id in @anthropic-ai/sdk 1.7.0); ' +
      'cache writes $10 (5m) / $16 (1h) and cache read $0.20 from third-party trackers; minimum cacheable tokens not published',
    unverified: ['cacheWrite5m', 'cacheWrite1h', 'cacheRead'],
    lifecycle: active('official release notes 2026-11-09 (limited availability)'),
  },
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
      'id in the @anthropic-ai/sdk 1.17.0 Model union; minimum cacheable tokens taken from Mythos 5 (512)',
    unverified: ['minCacheableTokens'],
    lifecycle: active(),
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
    lifecycle: active(),
  },
  // ---- Opus ----
  {
    id: 'claude-opus-5-5',
    aliases: [],
    displayName: 'Opus 5.5',
    family: 'opus',
    tokenizer: 'new',
    contextWindowTokens: ONE_MILLION,
    maxOutputTokens: 128_000,
    rates: { input: 4, output: 20, cacheWrite5m: 5, cacheWrite1h: 8, cacheRead: 0.2 },
    batchPriceFactor: STANDARD_BATCH_FACTOR,
    usResidencyMultiplier: US_RESIDENCY,
    asOf: NEWER_PAGES_AS_OF,
    source:
      'platform.claude.com/docs/en/models/opus-5-5/overview (undated page, read 2026-11-22): $4/$20, 5m $5, 1h $8, read $0.20 (0.05x); ' +
      'minimum cacheable tokens not published',
    lifecycle: active(),
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
    lifecycle: legacy('claude-opus-5-5'),
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
    lifecycle: active(),
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
    lifecycle: active(),
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
    lifecycle: active(),
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
    lifecycle: {
      base: 'legacy',
      deprecatedOn: '2026-11-23',
      retiresOn: '2027-01-22',
      successor: 'claude-opus-5-5',
      source: SDK_DEPRECATIONS,
      asOf: UPDATE_AS_OF,
    },
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
    source: mainTableSource(),
    lifecycle: retiredOn('2026-08-05', 'claude-opus-5-5'),
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
    source: mainTableSource(),
    lifecycle: retiredOn('2026-06-15', 'claude-opus-5-5'),
  },
  // ---- Sonnet ----
  {
    id: 'claude-sonnet-5-5',
    aliases: [],
    displayName: 'Sonnet 5.5',
    family: 'sonnet',
    tokenizer: 'new',
    contextWindowTokens: ONE_MILLION,
    maxOutputTokens: 128_000,
    rates: { input: 2, output: 10, cacheWrite5m: 2.5, cacheWrite1h: 4, cacheRead: 0.1 },
    pricesSince: '2026-10-07',
    earlierPrices: [
      {
        until: '2026-10-07',
        rates: { input: 2, output: 10, cacheWrite5m: 2.5, cacheWrite1h: 4, cacheRead: 0.2 },
        source: 'platform.claude.com/docs/en/models/sonnet-5-5/overview (undated page, read 2026-11-22): read $0.20',
      },
    ],
    batchPriceFactor: STANDARD_BATCH_FACTOR,
    usResidencyMultiplier: US_RESIDENCY,
    asOf: UPDATE_AS_OF,
    source:
      'platform.claude.com/docs/en/models/sonnet-5-5/overview (undated page, read 2026-11-22): $2/$10, 5m $2.50, 1h $4; ' +
      'cache read $0.10 (0.05x) since 2026-10-07 from third-party trackers (four agreeing), $0.20 before; minimum cacheable tokens not published',
    unverified: ['cacheRead'],
    lifecycle: active(),
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
    lifecycle: legacy('claude-sonnet-5-5'),
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
    lifecycle: active(),
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
    lifecycle: retiredOn('2026-11-30', 'claude-sonnet-5-5', SDK_DEPRECATIONS),
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
    source: mainTableSource(),
    lifecycle: retiredOn('2026-06-15', 'claude-sonnet-5-5'),
  },
  {
    id: 'claude-3-7-sonnet-20250219',
    aliases: ['claude-3-7-sonnet-latest'],
    displayName: 'Sonnet 3.7',
    family: 'sonnet',
    tokenizer: 'legacy',
    minCacheableTokens: 1024,
    contextWindowTokens: TWO_HUNDRED_K,
    maxOutputTokens: 64_000,
    rates: standardRates(3, 15),
    batchPriceFactor: STANDARD_BATCH_FACTOR,
    asOf: UPDATE_AS_OF,
    source: 'third-party price trackers ($3/$15 with the standard cache multipliers); kept so old jobs can still be priced',
    unverified: ['input', 'output', 'cacheWrite5m', 'cacheWrite1h', 'cacheRead', 'minCacheableTokens'],
    lifecycle: retiredOn('2026-02-19', 'claude-sonnet-5-5'),
  },
  {
    // Real code still names 3.5 Sonnet (`claude-3-5-sonnet-latest` in many examples): it must read as
    // retired, not as an unknown id with a wrong "did you mean".
    id: 'claude-3-5-sonnet-20241022',
    aliases: ['claude-3-5-sonnet-latest', 'claude-3-5-sonnet-20240620'],
    displayName: 'Sonnet 3.5',
    family: 'sonnet',
    tokenizer: 'legacy',
    minCacheableTokens: 1024,
    contextWindowTokens: TWO_HUNDRED_K,
    maxOutputTokens: 8_192,
    rates: standardRates(3, 15),
    batchPriceFactor: STANDARD_BATCH_FACTOR,
    asOf: UPDATE_AS_OF,
    source: 'third-party price trackers ($3/$15 with the standard cache multipliers); kept so old code and jobs are recognised',
    unverified: ['input', 'output', 'cacheWrite5m', 'cacheWrite1h', 'cacheRead', 'minCacheableTokens'],
    lifecycle: retiredOn('2025-10-22', 'claude-sonnet-4-6', 'about-claude/model-deprecations as quoted by third parties (deprecated 2025-08-13, retired 2025-10-22)'),
  },
  // ---- Haiku ----
  {
    id: 'claude-haiku-5-5',
    aliases: [],
    displayName: 'Haiku 5.5',
    family: 'haiku',
    tokenizer: 'new',
    minCacheableTokens: 512,
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
    asOf: UPDATE_AS_OF,
    source:
      'platform.claude.com/docs/en/models/haiku-5-5/overview (undated page, read 2026-11-22; released 2026-10-07): ' +
      'prompts up to 100k tokens $0.10/$0.50, 5m $0.125, 1h $0.20; over 100k $0.50/$2.50 (the prompt counts cache reads and writes); ' +
      'third-party: cache reads $0.01/$0.05, over-100k cache writes $0.625/$1, minimum cacheable tokens 512 (third-party comparisons)',
    unverified: ['cacheRead', 'minCacheableTokens'],
    lifecycle: active(),
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
    lifecycle: active(),
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
    source: mainTableSource(),
    lifecycle: retiredOn('2026-02-19', 'claude-haiku-5-5'),
  },
  {
    id: 'claude-3-haiku-20240307',
    aliases: [],
    displayName: 'Haiku 3',
    family: 'haiku',
    tokenizer: 'legacy',
    minCacheableTokens: 2048,
    contextWindowTokens: TWO_HUNDRED_K,
    maxOutputTokens: 4_096,
    rates: { input: 0.25, output: 1.25, cacheWrite5m: 0.3, cacheWrite1h: 0.5, cacheRead: 0.03 },
    batchPriceFactor: STANDARD_BATCH_FACTOR,
    asOf: UPDATE_AS_OF,
    source:
      'third-party price listings: $0.25/$1.25, cache write $0.30, cache read $0.03 (1h write assumed at 2x input); ' +
      'minimum cacheable tokens 2,048 (reference §0); kept so old jobs can still be priced',
    unverified: ['input', 'output', 'cacheWrite5m', 'cacheWrite1h', 'cacheRead'],
    lifecycle: retiredOn('2026-04-20', 'claude-haiku-5-5'),
  },
];

/** The newest as-of date of any built-in entry. */
export const CATALOG_AS_OF: string = BUILTIN_MODELS.map((entry) => entry.asOf).reduce((newest, date) => (date > newest ? date : newest));

export const CATALOG_SOURCE =
  'Anthropic pricing and model pages (platform.claude.com/docs), main table as of 2026-08-21; ' +
  'models released since (Fable/Mythos 5.1 and 5.2, Opus/Sonnet/Haiku 5.5) and the 2026-10-07 Sonnet 5.5 cache-read cut as of 2026-12-04, ' +
  'some figures third-party only (marked). Override or add entries with the batchlens.modelOverrides setting.';

/** A model id that names no catalog entry and no override: it is reported, never priced as another model. */
export class UnknownModelError extends Error {
  override name = 'UnknownModelError';
  /** The closest catalog id, when one is close enough to be a likely typo. */
  readonly suggestion: string | undefined;
  constructor(readonly modelId: string) {
    const suggestion = modelId ? nearestModelId(modelId, knownIds()) : undefined;
    super(
      `unknown model "${modelId}": not in the catalog${suggestion ? ` (did you mean "${suggestion}"?)` : ''}; ` +
        'add it to batchlens.modelOverrides to price it',
    );
    this.suggestion = suggestion;
  }
}

/**
 * What `GET /v1/models` said, once loaded (see liveModels.ts); lifecycle and limits follow it. Kept
 * on the process rather than in this module: the analyzer is a file beside the bundle with its own
 * copy of this module (esbuild.js, engine.ts), and its rules must see the same facts as the rest.
 */
const LIVE_FACTS = Symbol.for('batchlens.liveModelFacts');

interface LiveFactsHolder {
  [LIVE_FACTS]?: LiveModelsCache;
}

/** Makes lifecycle, limits and batch capability follow `GET /v1/models` (undefined: bundled data only). Prices never change. */
export function useLiveModelFacts(facts: LiveModelsCache | undefined): void {
  (globalThis as LiveFactsHolder)[LIVE_FACTS] = facts;
}

function live(entry: ModelEntry): ModelEntry {
  const liveFacts = (globalThis as LiveFactsHolder)[LIVE_FACTS];
  return liveFacts ? withLiveFacts(entry, liveFacts) : entry;
}

/** Every catalog model, with the live lifecycle and limits when they were loaded. */
export function catalogModels(): ModelEntry[] {
  return BUILTIN_MODELS.map(live);
}

/** Every id and alias of the catalog. */
export function knownIds(): string[] {
  return BUILTIN_MODELS.flatMap((entry) => [entry.id, ...entry.aliases]);
}

/**
 * The catalog entry an id names exactly: its id or an alias, also written as a Bedrock id
 * (`anthropic.claude-…-v1:0`, with or without a `us.`/`eu.`/`global.` prefix) or a Vertex id
 * (`claude-…@20250929`). Case and surrounding spaces are ignored; nothing is matched by family.
 */
export function findModel(id: string): ModelEntry | undefined {
  const wanted = canonicalModelId(id);
  const entry = BUILTIN_MODELS.find((candidate) => candidate.id === wanted || candidate.aliases.includes(wanted));
  return entry && live(entry);
}

/** Today as an ISO date (UTC). */
export function isoToday(nowMs: number = Date.now()): string {
  return new Date(nowMs).toISOString().slice(0, 10);
}

/** Models still served on the Claude API on `date` (default today), in catalog order. */
export function currentModels(date: string = isoToday()): ModelEntry[] {
  return catalogModels().filter((entry) => !isRetiredOn(entry, date));
}

/** True once the model's retirement date has come. */
export function isRetiredOn(entry: ModelEntry, date: string): boolean {
  return entry.lifecycle.retiresOn !== undefined && entry.lifecycle.retiresOn <= date;
}

/** The newest model of a family that is not retired on `date`. */
export function newestOfFamily(family: ModelFamily, date: string = isoToday()): ModelEntry {
  const entry = currentModels(date).find((candidate) => candidate.family === family);
  if (!entry) throw new Error(`the catalog has no current ${family} model`);
  return entry;
}

/**
 * The entry with the prices in force on `date` (an ISO date or a time in ms): the current `rates`,
 * or the earlier ones while `date` is before their `until`. Nothing else changes.
 * @example entryAt(sonnet55, '2026-10-06').rates.cacheRead === 0.2
 */
export function entryAt(entry: ModelEntry, date: string | number): ModelEntry {
  const day = typeof date === 'number' ? isoToday(date) : date.slice(0, 10);
  const earlier = (entry.earlierPrices ?? []).find((prices) => day < prices.until);
  if (!earlier) return entry;
  const dated: ModelEntry = { ...entry, rates: earlier.rates, source: earlier.source };
  if (earlier.bands) dated.bands = earlier.bands;
  return dated;
}

function overrideFor(overrides: ModelOverrides | undefined, ids: string[]) {
  if (!overrides) return undefined;
  for (const id of ids) {
    if (Object.prototype.hasOwnProperty.call(overrides, id)) return overrides[id];
  }
  return undefined;
}

/**
 * The entry to price `id` with: the catalog entry it names exactly (see `findModel`) with the prices
 * in force on `at` (default: now) and the user's overrides applied; else a model the overrides define.
 * `note` says when the id is a retired model's (it is still priced, for old jobs).
 * @throws UnknownModelError (with the nearest id) when the id is neither.
 * @example resolveModel('claude-sonnet-4-6').entry.id === 'claude-sonnet-4-6'
 */
export function resolveModel(id: string, overrides?: ModelOverrides, at?: string | number): { entry: ModelEntry; note?: string } {
  const wanted = canonicalModelId(id);
  const known = findModel(wanted);
  if (known) {
    const day = typeof at === 'string' ? at.slice(0, 10) : isoToday(at ?? Date.now());
    const dated = entryAt(known, day);
    const override = overrideFor(overrides, [wanted, known.id, ...known.aliases]);
    const entry = override ? applyOverride(dated, override) : dated;
    const note = lifecycleNote(known, day);
    return note ? { entry, note } : { entry };
  }
  const override = overrideFor(overrides, [wanted]);
  if (!override) throw new UnknownModelError(id.trim());
  const familyOf = override.family ?? familyFromOverrideId(wanted);
  if (!familyOf) throw new UnknownModelError(id.trim());
  return { entry: createOverriddenModel(wanted, newestOfFamily(familyOf), override) };
}

/** "Sonnet 4.5 (claude-sonnet-4-5-20250929) was retired on 2026-11-30 …" for a retired or deprecated model, else undefined. */
export function lifecycleNote(entry: ModelEntry, day: string): string | undefined {
  const facts = lifecycleAt(entry.lifecycle, day);
  const successor = facts.successor ? `; successor: ${facts.successor}` : '';
  if (facts.state === 'retired') return `${entry.displayName} (${entry.id}) was retired on ${facts.retiresOn}: requests to it fail${successor}`;
  if (facts.state === 'deprecated' && facts.retiresOn) return `${entry.displayName} (${entry.id}) is deprecated and retires on ${facts.retiresOn}${successor}`;
  return undefined;
}

/**
 * The price of `model` on `date`: `resolveModel` at that date. Savings use it with the day a job ran,
 * so an old job keeps the prices it was billed at.
 */
export function priceAt(model: string, date: string | number, overrides?: ModelOverrides): ModelEntry {
  return resolveModel(model, overrides, date).entry;
}

const FAMILIES: readonly ModelFamily[] = ['opus', 'sonnet', 'haiku', 'fable', 'mythos'];

function familyFromOverrideId(id: string): ModelFamily | undefined {
  return FAMILIES.find((family) => id.includes(family));
}
