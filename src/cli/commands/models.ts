import { parseArgs } from 'node:util';
import { BUILTIN_MODELS } from '../../core/pricing/catalog';
import { effectiveRates } from '../../core/pricing/cost';
import type { ModelEntry } from '../../core/pricing/modelEntry';
import { alignColumns, buildPriceTable, renderPriceTableText } from '../../core/pricing/priceTable';
import { type CliCommand, type CliIo, UsageError } from '../io';

const USAGE = [
  'Usage: batchlens models [--json]',
  '',
  'Lists the model catalog: prices in every mode (USD per million tokens), limits and tokenizer, with the as-of date.',
  '',
  'Options:',
  '  --json   print every model (retired ones included) as a JSON array',
].join('\n');

/** One model as `models --json` prints it: the entry's data plus its batch rates, spelled out. */
function modelJson(entry: ModelEntry) {
  return {
    id: entry.id,
    aliases: entry.aliases,
    displayName: entry.displayName,
    family: entry.family,
    tokenizer: entry.tokenizer,
    minCacheableTokens: entry.minCacheableTokens,
    contextWindowTokens: entry.contextWindowTokens,
    maxOutputTokens: entry.maxOutputTokens,
    rates: entry.rates,
    batchRates: effectiveRates(entry, entry.rates, { mode: 'batch' }),
    bands: (entry.bands ?? []).map((band) => ({
      aboveInputTokens: band.aboveInputTokens,
      rates: band.rates,
      batchRates: effectiveRates(entry, band.rates, { mode: 'batch' }),
    })),
    usResidencyMultiplier: entry.usResidencyMultiplier ?? null,
    retired: entry.retired ?? null,
    asOf: entry.asOf,
    source: entry.source,
  };
}

function tokensLabel(tokens: number): string {
  return tokens >= 1_000_000 ? `${tokens / 1_000_000}M` : `${Math.round(tokens / 1000)}k`;
}

function limitsTable(models: readonly ModelEntry[]): string {
  const header = ['Model', 'Id', 'Aliases', 'Family', 'Tokenizer', 'Min cache', 'Context', 'Max out'];
  const rows = models.map((entry) => [
    entry.retired ? `${entry.displayName} (retired ${entry.retired})` : entry.displayName,
    entry.id,
    entry.aliases.join(', ') || '-',
    entry.family,
    entry.tokenizer,
    entry.minCacheableTokens.toLocaleString('en-US'),
    tokensLabel(entry.contextWindowTokens),
    tokensLabel(entry.maxOutputTokens),
  ]);
  return alignColumns([header, ...rows], 5);
}

/** Whether `--json` was given; any other argument is a usage error. */
function parseJsonFlag(args: string[]): boolean {
  try {
    return parseArgs({ args, strict: true, allowPositionals: false, options: { json: { type: 'boolean' } } }).values.json ?? false;
  } catch (error) {
    // parseArgs explains over several lines; the CLI promises one.
    throw new UsageError((error instanceof Error ? error.message : String(error)).split('\n')[0]!, { cause: error });
  }
}

export const modelsCommand: CliCommand = {
  name: 'models',
  summary: 'List the model catalog with prices in every mode (sync, batch, cache write/read)',
  usage: USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    if (parseJsonFlag(args)) {
      io.stdout(`${JSON.stringify(BUILTIN_MODELS.map(modelJson), null, 2)}\n`);
      return 0;
    }
    const prices = renderPriceTableText(buildPriceTable({ includeRetired: true }));
    io.stdout(`Prices\n\n${prices}\nLimits\n\n${limitsTable(BUILTIN_MODELS)}\n`);
    return 0;
  },
};
