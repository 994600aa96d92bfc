import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { loadAnalyzer } from '../../core/analysis/analyzer';
import { catalogAnalysisOptions } from '../../core/analysis/catalogOptions';
import { PLACEHOLDER } from '../../core/analysis/resolve';
import { resolveModel } from '../../core/pricing/catalog';
import type { ModelOverrides } from '../../core/pricing/overrides';
import { formatUsd, pricePerCall } from '../../core/pricing/cost';
import { estimateTextTokens } from '../../core/tokens/estimate';
import { type CliCommand, type CliIo, UsageError } from '../io';
import { loadCliSettings } from '../workspaceSettings';
import { collectOrThrow } from './lint';

const DEFAULT_MODEL = 'claude-sonnet-4-6';

interface PromptCost {
  name: string;
  line: number;
  chars: number;
  tokens: number;
  exact: boolean;
  model: string;
  costs: { syncUsd: number; batchUsd: number; cacheReadUsd: number; cacheWrite5mUsd: number };
}

export const costCommand: CliCommand = {
  name: 'cost',
  summary: 'List prompt constants with estimated tokens and price per call (sync, batch, cache write/read)',
  usage: [
    'Usage: batchlens cost <files|folders...> [--model M] [--json]',
    '',
    `  --model  price every prompt with this model (default: the model the code uses, else batchlens.defaultModel, else ${DEFAULT_MODEL})`,
    '  --json   print JSON instead of a table',
    '',
    'Token counts are estimates (≈), computed offline; prices come from the built-in catalog.',
  ].join('\n'),
  async run(args: string[], io: CliIo): Promise<number> {
    let parsed;
    try {
      parsed = parseArgs({ args, allowPositionals: true, options: { model: { type: 'string' }, json: { type: 'boolean' } } });
    } catch (error) {
      throw new UsageError(error instanceof Error ? error.message : String(error));
    }
    if (parsed.positionals.length === 0) throw new UsageError('give at least one file or folder');
    const settings = loadCliSettings(io);
    const overrides = settings.modelOverrides;
    const defaultModel = settings.defaultModel ?? DEFAULT_MODEL;
    const forced = parsed.values.model;
    if (forced) {
      try {
        resolveModel(forced, overrides);
      } catch (error) {
        throw new UsageError(error instanceof Error ? error.message : String(error));
      }
    }
    const files = collectOrThrow(parsed.positionals, io.cwd);
    const analyzer = await loadAnalyzer();
    const options = catalogAnalysisOptions(forced ?? defaultModel, [], overrides);
    const report = files.map((file) => {
      const text = fs.readFileSync(file.absolutePath, 'utf8');
      const result = analyzer.analyze(text, file.language, options);
      const prompts = result.prompts.map((prompt): PromptCost => {
        const { entry } = resolveModelOrDefault(forced ?? prompt.model ?? defaultModel, defaultModel, overrides);
        const staticText = prompt.text.split(PLACEHOLDER).join('');
        const tokens = estimateTextTokens(staticText, entry.tokenizer);
        const prices = pricePerCall(entry, tokens);
        return {
          name: prompt.name,
          line: prompt.range.startLine + 1,
          chars: staticText.length,
          tokens,
          exact: false,
          model: entry.id,
          costs: { syncUsd: prices.syncUsd, batchUsd: prices.batchUsd, cacheReadUsd: prices.cacheReadUsd, cacheWrite5mUsd: prices.cacheWrite5mUsd },
        };
      });
      return { path: file.displayPath, prompts, ...(result.skippedReason ? { skippedReason: result.skippedReason } : {}) };
    });
    if (parsed.values.json) io.stdout(`${JSON.stringify({ files: report })}\n`);
    else io.stdout(renderTable(report));
    return 0;
  },
};

/** A model the catalog cannot place (no family in its id) is priced as the default model. */
function resolveModelOrDefault(model: string, defaultModel: string, overrides: ModelOverrides) {
  try {
    return resolveModel(model, overrides);
  } catch {
    return resolveModel(defaultModel, overrides);
  }
}

function renderTable(report: { path: string; prompts: PromptCost[] }[]): string {
  const rows: string[][] = [['location', 'prompt', 'tokens', 'model', 'sync/call', 'batch/call', 'cache write 5m', 'cache read']];
  for (const file of report) {
    for (const prompt of file.prompts) {
      rows.push([
        `${file.path}:${prompt.line}`,
        prompt.name,
        `≈${prompt.tokens.toLocaleString('en-US')}`,
        prompt.model,
        formatUsd(prompt.costs.syncUsd),
        formatUsd(prompt.costs.batchUsd),
        formatUsd(prompt.costs.cacheWrite5mUsd),
        formatUsd(prompt.costs.cacheReadUsd),
      ]);
    }
  }
  if (rows.length === 1) return 'No prompt constants found.\n';
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  const lines = rows.map((row) => row.map((cell, column) => (column >= 2 && column !== 3 ? cell.padStart(widths[column]) : cell.padEnd(widths[column]))).join('  ').trimEnd());
  return `${lines.join('\n')}\nToken counts are estimates (≈); prompt prices exclude output tokens.\n`;
}
