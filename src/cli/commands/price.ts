import { parseArgs } from 'node:util';
import { UnknownModelError, resolveModel } from '../../core/pricing/catalog';
import { type CostBreakdown, type TokenUsage, formatUsd, priceUsage } from '../../core/pricing/cost';
import { alignColumns, figureLabel } from '../../core/pricing/priceTable';
import { type CliCommand, type CliIo, UsageError } from '../io';
import { loadCliSettings } from '../workspaceSettings';
import { parseDateOption } from './models';

const USAGE = [
  'Usage: batchlens price --model M --input-tokens N --output-tokens N [options]',
  '',
  'Prints what a request with this token usage costs, synchronously and in a batch, side by side.',
  '',
  'Options:',
  '  --model M                 model id or alias, also as a Bedrock or Vertex id (an unknown id is an error, with the nearest id)',
  '  --date YYYY-MM-DD         price with the prices in force on that day (default: today)',
  '  --input-tokens N          uncached input tokens',
  '  --output-tokens N         output tokens',
  '  --cache-write-tokens N    tokens written to the prompt cache',
  '  --cache-write-ttl 5m|1h   the cache entry\'s lifetime (default 5m; 1h writes cost 2x input)',
  '  --cache-read-tokens N     tokens read from the prompt cache',
  '  --us-residency            price US-only inference (1.1x on models that offer it)',
  '  --json                    print {"model", "sync": {...}, "batch": {...}, "asOf"} as JSON',
].join('\n');

/** A whole, non-negative token count given on the command line. */
function tokenCount(option: string, value: string | undefined, required: boolean): number {
  if (value === undefined) {
    if (required) throw new UsageError(`--${option} is required (a whole number of tokens)`);
    return 0;
  }
  const count = /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
  if (!Number.isSafeInteger(count)) {
    throw new UsageError(`--${option} must be a whole number of tokens, at least 0 (got '${value}')`);
  }
  return count;
}

const VALUE_OPTIONS = new Set(['--model', '--date', '--input-tokens', '--output-tokens', '--cache-write-tokens', '--cache-write-ttl', '--cache-read-tokens']);

/** `--input-tokens -5` becomes `--input-tokens=-5`, so a negative count gets our message, not parseArgs' "ambiguous". */
function joinNegativeValues(args: string[]): string[] {
  const joined: string[] = [];
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index]!;
    const next = args[index + 1];
    if (VALUE_OPTIONS.has(arg) && next !== undefined && /^-\d/.test(next)) {
      joined.push(`${arg}=${next}`);
      index += 1;
    } else {
      joined.push(arg);
    }
  }
  return joined;
}

function parse(args: string[]) {
  try {
    return parseArgs({
      args: joinNegativeValues(args),
      strict: true,
      allowPositionals: false,
      options: {
        model: { type: 'string' },
        date: { type: 'string' },
        'input-tokens': { type: 'string' },
        'output-tokens': { type: 'string' },
        'cache-write-tokens': { type: 'string' },
        'cache-write-ttl': { type: 'string' },
        'cache-read-tokens': { type: 'string' },
        'us-residency': { type: 'boolean' },
        json: { type: 'boolean' },
      },
    }).values;
  } catch (error) {
    // parseArgs explains over several lines; the CLI promises one.
    throw new UsageError((error instanceof Error ? error.message : String(error)).split('\n')[0]!, { cause: error });
  }
}

function usageFromOptions(values: ReturnType<typeof parse>): TokenUsage {
  const ttl = values['cache-write-ttl'] ?? '5m';
  if (ttl !== '5m' && ttl !== '1h') throw new UsageError(`--cache-write-ttl must be 5m or 1h (got '${ttl}')`);
  const writes = tokenCount('cache-write-tokens', values['cache-write-tokens'], false);
  return {
    inputTokens: tokenCount('input-tokens', values['input-tokens'], true),
    outputTokens: tokenCount('output-tokens', values['output-tokens'], true),
    cacheWrite5mTokens: ttl === '5m' ? writes : 0,
    cacheWrite1hTokens: ttl === '1h' ? writes : 0,
    cacheReadTokens: tokenCount('cache-read-tokens', values['cache-read-tokens'], false),
  };
}

function parts(cost: CostBreakdown) {
  return { inputUsd: cost.inputUsd, outputUsd: cost.outputUsd, cacheWriteUsd: cost.cacheWriteUsd, cacheReadUsd: cost.cacheReadUsd, totalUsd: cost.totalUsd };
}

function describeTokens(usage: TokenUsage): string {
  const items: Array<[number, string]> = [
    [usage.inputTokens, 'input'],
    [usage.outputTokens, 'output'],
    [usage.cacheWrite5mTokens ?? 0, 'cache write (5m)'],
    [usage.cacheWrite1hTokens ?? 0, 'cache write (1h)'],
    [usage.cacheReadTokens ?? 0, 'cache read'],
  ];
  return items
    .filter(([tokens], index) => tokens > 0 || index < 2)
    .map(([tokens, what]) => `${tokens.toLocaleString('en-US')} ${what}`)
    .join(' · ');
}

function savingLine(sync: CostBreakdown, batch: CostBreakdown): string {
  if (sync.totalUsd === 0) return 'Batch saves nothing on a request that costs nothing.';
  const percent = Math.round((1 - batch.totalUsd / sync.totalUsd) * 100);
  return `Batch saves ${formatUsd(sync.totalUsd - batch.totalUsd)} (${percent}%).`;
}

export const priceCommand: CliCommand = {
  name: 'price',
  summary: 'Price a request\'s token usage on a model, sync and batch side by side',
  usage: USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    const values = parse(args);
    const model = values.model?.trim();
    if (!model) throw new UsageError('--model is required (e.g. --model claude-sonnet-4-6; see `batchlens models`)');
    const usage = usageFromOptions(values);
    const date = parseDateOption(values.date);
    let resolved: ReturnType<typeof resolveModel>;
    try {
      resolved = resolveModel(model, loadCliSettings(io).modelOverrides, date);
    } catch (error) {
      if (error instanceof UnknownModelError) throw new UsageError(`${error.message} (see \`batchlens models\`)`, { cause: error });
      throw error;
    }
    const { entry, note } = resolved;
    const usResidency = values['us-residency'] ?? loadCliSettings(io).usResidency;
    const sync = priceUsage(entry, usage, { mode: 'sync', usResidency });
    const batch = priceUsage(entry, usage, { mode: 'batch', usResidency });
    const unverified = (entry.unverified ?? []).filter((figure) => figure !== 'minCacheableTokens' && figure !== 'id');
    const notes = [...new Set([...sync.notes, ...batch.notes])];
    if (unverified.length > 0) notes.push(`unverified (third-party sources only): ${unverified.map(figureLabel).join(', ')} price`);

    if (values.json) {
      const output: Record<string, unknown> = { model };
      if (entry.id !== model) output.resolvedAs = entry.id;
      if (note) output.note = note;
      output.sync = parts(sync);
      output.batch = parts(batch);
      if (sync.band) output.band = sync.band;
      if (usResidency) output.usResidency = true;
      if (notes.length > 0) output.notes = notes;
      output.pricesDate = date;
      if (unverified.length > 0) output.unverified = unverified;
      output.asOf = entry.asOf;
      io.stdout(`${JSON.stringify(output, null, 2)}\n`);
      return 0;
    }

    const lines = [`Model: ${entry.displayName} (${entry.id})${sync.band ? ` · ${sync.band}` : ''}${usResidency ? ' · US-only inference' : ''}`];
    if (note) lines.push(`Note: ${note}`);
    for (const extra of notes) lines.push(`Note: ${extra}`);
    lines.push(`Tokens: ${describeTokens(usage)}`, '');
    const cacheWrites = (usage.cacheWrite5mTokens ?? 0) + (usage.cacheWrite1hTokens ?? 0);
    const rows: Array<[string, keyof ReturnType<typeof parts>, boolean]> = [
      ['Input', 'inputUsd', true],
      ['Output', 'outputUsd', true],
      ['Cache write', 'cacheWriteUsd', cacheWrites > 0],
      ['Cache read', 'cacheReadUsd', (usage.cacheReadTokens ?? 0) > 0],
      ['Total', 'totalUsd', true],
    ];
    const table = alignColumns(
      [['', 'Sync', 'Batch'], ...rows.filter(([, , shown]) => shown).map(([label, key]) => [label, formatUsd(sync[key]), formatUsd(batch[key])])],
      1,
    );
    lines.push(table, '', savingLine(sync, batch), `Prices in force on ${date} (catalog as of ${entry.asOf}); source: ${entry.source}.`);
    io.stdout(`${lines.join('\n')}\n`);
    return 0;
  },
};
