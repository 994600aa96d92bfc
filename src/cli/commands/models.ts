import { parseArgs } from 'node:util';
import * as path from 'node:path';
import { catalogModels, entryAt, isoToday, useLiveModelFacts } from '../../core/pricing/catalog';
import { LIVE_MODELS_CACHE_FILE, loadLiveModels } from '../../core/pricing/liveModels';
import { apiKeyFrom, createCliBatchApi } from './batch/context';
import { effectiveRates } from '../../core/pricing/cost';
import { describeLifecycle, modelLifecycleAt } from '../../core/pricing/lifecycle';
import type { ModelEntry } from '../../core/pricing/modelEntry';
import { alignColumns, buildPriceTable, figureLabel, renderPriceTableText } from '../../core/pricing/priceTable';
import { type CliCommand, type CliIo, UsageError } from '../io';

const USAGE = [
  'Usage: batchlens models [--json] [--date YYYY-MM-DD] [--refresh]',
  '',
  'Lists the model catalog: prices in every mode (USD per million tokens), limits, tokenizer and lifecycle',
  '(active, legacy, deprecated with its retirement date, retired), with sources and as-of dates.',
  'Figures found only in third-party sources are marked † (unverified). With ANTHROPIC_API_KEY set, lifecycle,',
  'retirement dates, batch capability and limits follow GET /v1/models (cached in .batchlens/models-cache.json,',
  'refreshed at most once a day; offline, the cache or the bundled data is used). Prices are always bundled.',
  '',
  'Options:',
  '  --json             print every model (retired ones included) as a JSON array',
  '  --date YYYY-MM-DD  prices and lifecycle in force on that day (default: today)',
  '  --refresh          ask GET /v1/models now, even if the cache is less than a day old (needs a key)',
].join('\n');

/** One model as `models --json` prints it: the entry's data on `date` plus its batch rates, spelled out. */
function modelJson(model: ModelEntry, date: string) {
  const entry = entryAt(model, date);
  const lifecycle = modelLifecycleAt(model, date);
  return {
    id: entry.id,
    aliases: entry.aliases,
    displayName: entry.displayName,
    family: entry.family,
    tokenizer: entry.tokenizer,
    /** null: Anthropic has not published it. */
    minCacheableTokens: entry.minCacheableTokens ?? null,
    contextWindowTokens: entry.contextWindowTokens,
    maxOutputTokens: entry.maxOutputTokens,
    rates: entry.rates,
    pricesDate: date,
    pricesSince: model.earlierPrices?.length ? (model.pricesSince ?? null) : null,
    earlierPrices: model.earlierPrices ?? [],
    batchRates: effectiveRates(entry, entry.rates, { mode: 'batch' }),
    bands: (entry.bands ?? []).map((band) => ({
      aboveInputTokens: band.aboveInputTokens,
      rates: band.rates,
      batchRates: effectiveRates(entry, band.rates, { mode: 'batch' }),
    })),
    usResidencyMultiplier: entry.usResidencyMultiplier ?? null,
    lifecycle: {
      state: lifecycle.state,
      deprecatedOn: lifecycle.deprecatedOn ?? null,
      retiresOn: lifecycle.retiresOn ?? null,
      successor: lifecycle.successor ?? null,
      source: lifecycle.source,
      asOf: lifecycle.asOf,
    },
    retired: lifecycle.state === 'retired' ? (lifecycle.retiresOn ?? null) : null,
    /** false only when GET /v1/models says the model takes no batches. */
    supportsBatch: model.supportsBatch ?? null,
    /** Figures found only in third-party sources (or assumed): treat them as likely, not official. */
    unverified: model.unverified ?? [],
    asOf: entry.asOf,
    source: entry.source,
  };
}

function tokensLabel(tokens: number): string {
  return tokens >= 1_000_000 ? `${tokens / 1_000_000}M` : `${Math.round(tokens / 1000)}k`;
}

function minimumLabel(entry: ModelEntry): string {
  if (entry.minCacheableTokens === undefined) return 'unknown';
  const mark = entry.unverified?.includes('minCacheableTokens') ? ' †' : '';
  return `${entry.minCacheableTokens.toLocaleString('en-US')}${mark}`;
}

function limitsTable(models: readonly ModelEntry[], date: string): string {
  const header = ['Model', 'Id', 'Aliases', 'Family', 'Tokenizer', 'Lifecycle', 'Min cache', 'Context', 'Max out'];
  const rows = models.map((entry) => [
    entry.displayName,
    entry.id,
    entry.aliases.join(', ') || '-',
    entry.family,
    entry.tokenizer,
    describeLifecycle(modelLifecycleAt(entry, date)),
    minimumLabel(entry),
    tokensLabel(entry.contextWindowTokens),
    tokensLabel(entry.maxOutputTokens),
  ]);
  const unverified = models
    .filter((entry) => entry.unverified?.includes('minCacheableTokens'))
    .map((entry) => entry.displayName);
  const notes = [
    `Lifecycle as of ${date}; "unknown" minimum: not published by Anthropic (no cache-minimum warning is given on a guess).`,
  ];
  if (unverified.length > 0) notes.push(`† ${figureLabel('minCacheableTokens')} from third-party sources only: ${unverified.join(', ')}.`);
  return `${alignColumns([header, ...rows], 6)}\n\n${notes.join('\n')}`;
}

/** `--json` and `--date`; any other argument is a usage error. */
function parseFlags(args: string[]): { json: boolean; date: string; refresh: boolean } {
  let values: { json?: boolean; date?: string; refresh?: boolean };
  try {
    values = parseArgs({ args, strict: true, allowPositionals: false, options: { json: { type: 'boolean' }, date: { type: 'string' }, refresh: { type: 'boolean' } } }).values;
  } catch (error) {
    // parseArgs explains over several lines; the CLI promises one.
    throw new UsageError((error instanceof Error ? error.message : String(error)).split('\n')[0]!, { cause: error });
  }
  return { json: values.json ?? false, date: parseDateOption(values.date), refresh: values.refresh ?? false };
}

/** `--date YYYY-MM-DD` (a real calendar day), or today. */
export function parseDateOption(value: string | undefined): string {
  if (value === undefined) return isoToday();
  const day = value.trim();
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`)) || new Date(`${day}T00:00:00Z`).toISOString().slice(0, 10) !== day) {
    throw new UsageError(`--date must be a day as YYYY-MM-DD (got '${value}')`);
  }
  return day;
}

export const modelsCommand: CliCommand = {
  name: 'models',
  summary: 'List the model catalog with prices in every mode (sync, batch, cache write/read)',
  usage: USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    const { json, date, refresh } = parseFlags(args);
    if (refresh && !apiKeyFrom(io)) throw new UsageError('--refresh needs an API key: set ANTHROPIC_API_KEY');
    const api = apiKeyFrom(io) ? createCliBatchApi(io) : undefined;
    const live = await loadLiveModels({
      cacheFile: path.join(io.cwd, LIVE_MODELS_CACHE_FILE),
      listModels: api ? () => api.listModels() : undefined,
      nowMs: Date.now(),
      force: refresh,
    });
    if (live.note && api) io.stderr(`batchlens models: ${live.note}\n`);
    useLiveModelFacts(live.facts);
    try {
      const models = catalogModels();
      if (json) {
        io.stdout(`${JSON.stringify(models.map((entry) => modelJson(entry, date)), null, 2)}\n`);
        return 0;
      }
      const prices = renderPriceTableText(buildPriceTable({ models, includeRetired: true, date }));
      const origin = live.facts ? `\nLifecycle and limits from GET /v1/models, fetched ${live.facts.fetchedAt}.\n` : '';
      io.stdout(`Prices\n\n${prices}\nLimits\n\n${limitsTable(models, date)}\n${origin}`);
    } finally {
      useLiveModelFacts(undefined);
    }
    return 0;
  },
};
