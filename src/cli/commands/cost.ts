import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { type AnalysedPart, type FileAnalysis, analyseFiles } from '../../core/analysis/analyseFiles';
import { loadEngine } from '../../core/analysis/engine';
import { catalogAnalysisOptions } from '../../core/analysis/catalogOptions';
import { readPromptFile } from '../../core/analysis/llmFiles';
import { formatCellLocation } from '../../core/analysis/notebook';
import { type PricingOptions, countableText, pricePrompt, pricingOptions } from '../../core/analysis/promptPricing';
import { isTestFile } from '../../core/analysis/sourceFiles';
import type { PromptConstant } from '../../core/analysis/types';
import { resolveModel } from '../../core/pricing/catalog';
import { formatUsd } from '../../core/pricing/cost';
import { DEFAULT_MODEL } from '../../core/settings/schema';
import { estimateTextTokens } from '../../core/tokens/estimate';
import { type CliCommand, type CliIo, UsageError } from '../io';
import { loadCliSettings } from '../workspaceSettings';
import { collectOrThrow } from './lint';

/** One row of the report: a prompt the code holds (`constant`), or a whole request's known input per call (`call`). */
interface PromptCost {
  kind: 'constant' | 'call';
  name: string;
  /** 1-based, in the file or (for notebooks) in the cell. */
  line: number;
  /** The notebook cell's index among all cells (0-based), for prompts in a notebook. */
  cell?: number;
  /** Where the text was found: how the code holds it (see PromptKind), and the prompt file read for it. */
  source: PromptConstant['kind'];
  file?: string;
  /** For a `call`: the prompt files the request sends, whose text its total counts. */
  files?: string[];
  /** Characters of the text the API receives (escapes decoded, run-time parts not counted). */
  chars: number;
  tokens: number;
  exact: boolean;
  hasDynamicParts: boolean;
  model: string;
  /** Set when the code's model id is not one the catalog knows exactly: `unknown model id X — priced as Y (nearest)`. */
  modelNote?: string;
  /** Set when the prompt could not be priced (a prompt file that was not found). */
  unpriced?: string;
  costs: { syncUsd: number; batchUsd: number; cacheReadUsd: number; cacheWrite5mUsd: number };
}

interface FileReport {
  path: string;
  prompts: PromptCost[];
  skippedReason?: string;
  /** Why the file's strings are not listed although it was analysed. */
  note?: string;
}

export const costCommand: CliCommand = {
  name: 'cost',
  summary: 'List prompts (constants, locals, returned, fields, prompt files) and whole requests with estimated tokens and price per call',
  usage: [
    'Usage: batchlens cost <files|folders...> [--model M] [--json] [--include-tests]',
    '',
    `  --model          price every prompt with this model (default: the model the code uses, else batchlens.defaultModel, else ${DEFAULT_MODEL})`,
    '  --json           print JSON instead of a table; each entry has kind "constant" (a prompt the code holds) or "call" (a request\'s whole known input per call)',
    '  --include-tests  list prompts of test files found in folders too (test_*.py, *_test.py, *.test.ts, *.spec.js, test/ and tests/ folders); files named on the command line are always listed',
    '',
    'Jupyter notebooks (.ipynb) are read as one program of their code cells; locations read notebook.ipynb#cell<N>:<line>.',
    'Files that neither call a model nor import an LLM client, and are not imported by a file that does, list no prompts.',
    'Token counts are estimates (≈), computed offline; prices come from the built-in catalog, with batchlens.modelOverrides and batchlens.usResidency as in the editor.',
  ].join('\n'),
  async run(args: string[], io: CliIo): Promise<number> {
    let parsed;
    try {
      parsed = parseArgs({ args, allowPositionals: true, options: { model: { type: 'string' }, json: { type: 'boolean' }, 'include-tests': { type: 'boolean' } } });
    } catch (error) {
      throw new UsageError(error instanceof Error ? error.message : String(error));
    }
    if (parsed.positionals.length === 0) throw new UsageError('give at least one file or folder');
    const settings = loadCliSettings(io);
    const pricing = pricingOptions(settings);
    const forced = parsed.values.model;
    if (forced) {
      try {
        resolveModel(forced, pricing.modelOverrides);
      } catch (error) {
        throw new UsageError(error instanceof Error ? error.message : String(error));
      }
    }
    const collected = await collectOrThrow(parsed.positionals, io.cwd, settings.filesExclude);
    const includeTests = parsed.values['include-tests'] === true;
    const files = includeTests ? collected : collected.filter((file) => file.named || !isTestFile(file.displayPath));
    const testsLeftOut = collected.length - files.length;
    const analyzer = await loadEngine().loadAnalyzer();
    const options = catalogAnalysisOptions(forced ?? pricing.defaultModel, [], pricing.modelOverrides);
    const report = analyseFiles(analyzer, files, options).map((analysis) => fileReport(analysis, { forced, pricing, cwd: io.cwd }));
    for (const file of report) if (file.skippedReason) io.stderr(`batchlens cost: skipped ${file.path}: ${file.skippedReason}\n`);
    if (parsed.values.json) io.stdout(`${JSON.stringify({ files: report, ...(testsLeftOut > 0 ? { testFilesLeftOut: testsLeftOut } : {}) })}\n`);
    else io.stdout(renderTable(report, testsLeftOut));
    return 0;
  },
};

interface PricingContext {
  forced?: string;
  /** The price settings the lens uses too (default model, overrides, US residency). */
  pricing: PricingOptions;
  cwd: string;
}

function fileReport(analysis: FileAnalysis, context: PricingContext): FileReport {
  const base = { path: analysis.file.displayPath };
  if (analysis.skippedReason) return { ...base, prompts: [], skippedReason: analysis.skippedReason };
  if (!analysis.reachesModel) return { ...base, prompts: [], note: 'neither calls a model nor imports an LLM client, and no file that does imports it' };
  const prompts: PromptCost[] = [];
  for (const part of analysis.parts) {
    // Every prompt the code writes is a `constant` entry (an inline argument too: `source` says so);
    // a `call` entry totals a request, so constants and calls are never to be summed together.
    for (const prompt of part.prompts) prompts.push(priceEntry('constant', prompt, part, analysis, context));
    for (const call of part.calls ?? []) prompts.push(priceEntry('call', call, part, analysis, context));
  }
  prompts.sort((a, b) => (a.cell ?? 0) - (b.cell ?? 0) || a.line - b.line);
  return { ...base, prompts };
}

function priceEntry(kind: PromptCost['kind'], prompt: PromptConstant, part: AnalysedPart, analysis: FileAnalysis, context: PricingContext): PromptCost {
  let text = prompt.text;
  let unpriced: string | undefined;
  if (prompt.kind === 'prompt-file' && prompt.file !== undefined) {
    const read = readPromptFile(analysis.file.absolutePath, prompt.file, context.cwd);
    if (read === undefined) unpriced = `prompt file ${prompt.file} not found next to ${path.basename(analysis.file.absolutePath)} or in the working directory`;
    text = read ?? '';
  }
  // A request's total counts the prompt files it sends; one that cannot be read leaves its part unknown.
  let filesMissing = false;
  for (const file of prompt.files ?? []) {
    const read = readPromptFile(analysis.file.absolutePath, file, context.cwd);
    if (read === undefined) filesMissing = true;
    else text = text === '' ? read : `${text}\n\n${read}`;
  }
  // Priced as the lens prices it: the same model choice, static text and price options; the offline estimate counts.
  const { choice, count, prices, unknownModel } = pricePrompt(text, context.forced ?? prompt.model, context.pricing, (countable, entry) => ({
    tokens: unpriced ? 0 : estimateTextTokens(countable, entry.tokenizer),
    exact: false,
  }));
  const modelNote = context.forced ? undefined : unknownModel;
  return {
    kind,
    name: prompt.name,
    line: prompt.range.startLine + 1,
    ...(part.cell === undefined ? {} : { cell: part.cell }),
    source: prompt.kind,
    ...(prompt.file !== undefined ? { file: prompt.file } : {}),
    ...(prompt.files !== undefined ? { files: prompt.files } : {}),
    chars: countableText(text).length,
    tokens: count.tokens,
    exact: count.exact,
    hasDynamicParts: prompt.hasDynamicParts || filesMissing,
    model: choice.entry.id,
    ...(modelNote ? { modelNote } : {}),
    ...(unpriced ? { unpriced } : {}),
    costs: { syncUsd: prices.syncUsd, batchUsd: prices.batchUsd, cacheReadUsd: prices.cacheReadUsd, cacheWrite5mUsd: prices.cacheWrite5mUsd },
  };
}

function renderTable(report: FileReport[], testsLeftOut: number): string {
  const rows: string[][] = [['location', 'kind', 'prompt', 'tokens', 'model', 'sync/call', 'batch/call', 'cache write 5m', 'cache read']];
  const notes: string[] = [];
  for (const file of report) {
    for (const prompt of file.prompts) {
      const location = prompt.cell === undefined ? `${file.path}:${prompt.line}` : formatCellLocation(file.path, prompt.cell, prompt.line - 1);
      rows.push([
        location,
        prompt.kind,
        prompt.name,
        prompt.unpriced ? 'unpriced' : `≈${prompt.tokens.toLocaleString('en-US')}`,
        prompt.modelNote ? `${prompt.model} (nearest)` : prompt.model,
        prompt.unpriced ? '-' : formatUsd(prompt.costs.syncUsd),
        prompt.unpriced ? '-' : formatUsd(prompt.costs.batchUsd),
        prompt.unpriced ? '-' : formatUsd(prompt.costs.cacheWrite5mUsd),
        prompt.unpriced ? '-' : formatUsd(prompt.costs.cacheReadUsd),
      ]);
      if (prompt.modelNote) notes.push(`${location}: ${prompt.modelNote}`);
      if (prompt.unpriced) notes.push(`${location}: ${prompt.unpriced}`);
    }
  }
  const quiet = report.filter((file) => file.note).length;
  const skipped = report.filter((file) => file.skippedReason);
  const footer: string[] = [];
  if (quiet > 0) footer.push(`${quiet} file${quiet === 1 ? '' : 's'} neither talk${quiet === 1 ? 's' : ''} to a model nor ${quiet === 1 ? 'is' : 'are'} imported by one: no prompts listed there.`);
  if (testsLeftOut > 0) footer.push(`${testsLeftOut} test file${testsLeftOut === 1 ? '' : 's'} left out (--include-tests lists them).`);
  for (const file of skipped) footer.push(`Skipped ${file.path}: ${file.skippedReason}`);
  if (rows.length === 1) return `${['No prompts found.', ...footer].join('\n')}\n`;
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  const lines = rows.map((row) => row.map((cell, column) => (column >= 3 && column !== 4 ? cell.padStart(widths[column]) : cell.padEnd(widths[column]))).join('  ').trimEnd());
  return `${[...lines, ...notes.map((note) => `note: ${note}`), ...footer].join('\n')}\nToken counts are estimates (≈); prompt prices exclude output tokens. "call" rows are a request's whole known input per call.\n`;
}
