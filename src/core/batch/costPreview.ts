import { type CostBreakdown, type TokenUsage, formatUsd, priceUsage, ratesForPrompt } from '../pricing/cost';
import type { ModelEntry } from '../pricing/modelEntry';
import type { SkipReason, SkippedFile } from './collectFiles';
import { DEFAULT_OUTPUT_RATIO, type OutputExpectation, describeOutputExpectation, expectedRowOutputTokens } from './outputHistory';
import type { CacheTtl } from './templates';

export interface CostPreviewInput {
  model: ModelEntry;
  /** The catalog's note when the model id was priced as another model. */
  modelNote?: string;
  /** Prompt tokens of each request (shared prefix included). */
  rowInputTokens: ArrayLike<number>;
  /** Whether `rowInputTokens` came from count_tokens rather than the offline estimator. */
  exactInputTokens: boolean;
  /** For an offline estimate: how many rows were counted in full (a large job counts a sample, `RowTokenEstimator`). */
  sampling?: { rows: number; countedRows: number };
  /** Tokens of the cached system prefix every row shares (0 when the template has no system prompt). */
  sharedPrefixTokens: number;
  ttl: CacheTtl;
  maxTokens: number;
  skipped: readonly SkippedFile[];
  batches: number;
  usResidency?: boolean;
  /** How output is expected per row (the template's history); the default ratio when absent. */
  expectedOutput?: OutputExpectation;
}

/** The job priced with the output it is expected to produce (rather than at max_tokens). */
export interface ExpectedCost {
  outputTokens: number;
  batchUsd: number;
  syncUsd: number;
  savingUsd: number;
  expectation: OutputExpectation;
  /** Where the output figure comes from, in words. */
  basis: string;
}

/** What the user sees before confirming. Every $ figure is an estimate: token counts and output are bounds or guesses. */
export interface CostPreview {
  label: 'estimate';
  modelId: string;
  modelName: string;
  files: number;
  batches: number;
  skipped: readonly SkippedFile[];
  skippedByReason: Partial<Record<SkipReason, number>>;
  inputTokens: number;
  exactInputTokens: boolean;
  /** Set when a large job's rows were estimated from a counted sample: rows counted of rows in all. */
  sampling?: { rows: number; countedRows: number };
  sharedPrefixTokens: number;
  /** Whether the estimate prices the shared prefix as one cache write and N-1 reads. */
  cacheApplied: boolean;
  ttl: CacheTtl;
  /** max_tokens x rows: what output can cost at most. */
  outputTokensBound: number;
  /** The ceiling: every row at max_tokens, at the batch price (what the job can cost at most, input estimate aside). */
  batchUsd: number;
  /** The ceiling's rows as sync calls. */
  syncUsd: number;
  savingUsd: number;
  /** The expected cost: output from the template's history, else the default ratio. */
  expected: ExpectedCost;
  /** Saving as a percentage of the sync price, 0-100. */
  savingPercent: number;
  batchBreakdown: CostBreakdown;
  syncBreakdown: CostBreakdown;
  warnings: string[];
}

/**
 * Prices a job before it is sent. Batch: every row at the batch price, and when the shared system
 * prefix reaches the model's minimum cacheable length, that prefix as ONE cache write (at the
 * template's ttl) plus N-1 cache reads. Sync: the same rows as ordinary uncached calls. Two
 * figures: the ceiling (output at max_tokens per row) and the expected cost (output from the
 * template's history or the default ratio). Rows are grouped by price band, so models priced by
 * prompt length stay exact. Pure. Rows are read one at a time, never copied into a list of usages.
 */
export function buildCostPreview(input: CostPreviewInput): CostPreview {
  const rowTokens = input.rowInputTokens;
  const rows = rowTokens.length;
  let smallestRow = input.sharedPrefixTokens;
  let inputTokens = 0;
  for (let index = 0; index < rows; index++) {
    smallestRow = Math.min(smallestRow, rowTokens[index]);
    inputTokens += rowTokens[index];
  }
  // The prefix can never be more than a whole row (the estimator and count_tokens may disagree slightly).
  const prefix = Math.max(0, smallestRow);
  const outputTokensBound = rows * input.maxTokens;
  const warnings: string[] = [];
  if (input.modelNote) warnings.push(input.modelNote);

  // An unpublished minimum is not guessed: the prefix is assumed cacheable, and the preview says so.
  const minimum = input.model.minCacheableTokens;
  const cacheApplied = rows > 0 && prefix > 0 && (minimum === undefined || prefix >= minimum);
  if (input.sharedPrefixTokens > 0 && !cacheApplied && minimum !== undefined) {
    warnings.push(
      `The shared system prompt (≈${prefix.toLocaleString('en-US')} tokens) is below ${input.model.displayName}'s minimum cacheable length ` +
        `(${minimum.toLocaleString('en-US')} tokens): the API will not cache it, so it is priced as ordinary input.`,
    );
  }
  if (cacheApplied && minimum === undefined) {
    warnings.push(`${input.model.displayName}'s minimum cacheable length is not published: the estimate assumes the shared prefix is cached.`);
  }
  if (rows > 1 && cacheApplied) {
    warnings.push('Cache hits inside a batch are best effort (30-98% typical); the estimate assumes every row after the first reads the cache.');
  }

  const batchUsage = (rowTokens: number, first: boolean, outputTokens: number): TokenUsage => {
    if (!cacheApplied) return { inputTokens: rowTokens, outputTokens };
    const cached = first ? (input.ttl === '1h' ? { cacheWrite1hTokens: prefix } : { cacheWrite5mTokens: prefix }) : { cacheReadTokens: prefix };
    return { inputTokens: rowTokens - prefix, outputTokens, ...cached };
  };
  const priceJob = (rowOutput: (rowTokens: number) => number) => ({
    batch: priceRows(input.model, rows, (index) => batchUsage(rowTokens[index], index === 0, rowOutput(rowTokens[index])), 'batch', input.usResidency),
    sync: priceRows(input.model, rows, (index) => ({ inputTokens: rowTokens[index], outputTokens: rowOutput(rowTokens[index]) }), 'sync', input.usResidency),
  });
  const ceiling = priceJob(() => input.maxTokens);
  const batchBreakdown = ceiling.batch;
  const syncBreakdown = ceiling.sync;
  const expectation = input.expectedOutput ?? { basis: 'ratio', ratio: DEFAULT_OUTPUT_RATIO };
  const rowExpected = (tokens: number) => expectedRowOutputTokens(expectation, tokens, input.maxTokens);
  const expectedPrices = priceJob(rowExpected);
  let expectedOutputTokens = 0;
  for (let index = 0; index < rows; index++) expectedOutputTokens += rowExpected(rowTokens[index]);
  const expected: ExpectedCost = {
    outputTokens: expectedOutputTokens,
    batchUsd: expectedPrices.batch.totalUsd,
    syncUsd: expectedPrices.sync.totalUsd,
    savingUsd: roundUsd(expectedPrices.sync.totalUsd - expectedPrices.batch.totalUsd),
    expectation,
    basis: describeOutputExpectation(expectation),
  };
  const savingUsd = roundUsd(syncBreakdown.totalUsd - batchBreakdown.totalUsd);
  const skippedByReason: Partial<Record<SkipReason, number>> = {};
  for (const skip of input.skipped) skippedByReason[skip.reason] = (skippedByReason[skip.reason] ?? 0) + 1;
  return {
    label: 'estimate',
    modelId: input.model.id,
    modelName: input.model.displayName,
    files: rows,
    batches: input.batches,
    skipped: input.skipped,
    skippedByReason,
    inputTokens,
    exactInputTokens: input.exactInputTokens,
    ...(input.sampling && input.sampling.countedRows < input.sampling.rows ? { sampling: input.sampling } : {}),
    sharedPrefixTokens: prefix,
    cacheApplied,
    ttl: input.ttl,
    outputTokensBound,
    batchUsd: batchBreakdown.totalUsd,
    syncUsd: syncBreakdown.totalUsd,
    savingUsd,
    expected,
    savingPercent: syncBreakdown.totalUsd > 0 ? roundPercent((savingUsd / syncBreakdown.totalUsd) * 100) : 0,
    batchBreakdown,
    syncBreakdown,
    warnings,
  };
}

/**
 * Prices `rows` rows exactly (`usageAt` gives row i's usage): rows in the same price band are summed
 * into one usage and priced once with that band's rates (priceUsage would otherwise pick the band of the sum).
 */
function priceRows(model: ModelEntry, rows: number, usageAt: (index: number) => TokenUsage, mode: 'batch' | 'sync', usResidency?: boolean): CostBreakdown {
  const groups = new Map<string, { rates: ModelEntry['rates']; usage: Required<TokenUsage> }>();
  for (let index = 0; index < rows; index++) {
    const usage = usageAt(index);
    const prompt = usage.inputTokens + (usage.cacheWrite5mTokens ?? 0) + (usage.cacheWrite1hTokens ?? 0) + (usage.cacheReadTokens ?? 0);
    const { rates, band } = ratesForPrompt(model, prompt);
    const key = band ?? '';
    let group = groups.get(key);
    if (!group) {
      group = { rates, usage: { inputTokens: 0, outputTokens: 0, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0 } };
      groups.set(key, group);
    }
    group.usage.inputTokens += usage.inputTokens;
    group.usage.outputTokens += usage.outputTokens;
    group.usage.cacheWrite5mTokens += usage.cacheWrite5mTokens ?? 0;
    group.usage.cacheWrite1hTokens += usage.cacheWrite1hTokens ?? 0;
    group.usage.cacheReadTokens += usage.cacheReadTokens ?? 0;
  }
  const total: CostBreakdown = { inputUsd: 0, outputUsd: 0, cacheWriteUsd: 0, cacheReadUsd: 0, totalUsd: 0, notes: [] };
  for (const { rates, usage } of groups.values()) {
    const part = priceUsage({ ...model, rates, bands: undefined }, usage, { mode, usResidency });
    total.inputUsd = roundUsd(total.inputUsd + part.inputUsd);
    total.outputUsd = roundUsd(total.outputUsd + part.outputUsd);
    total.cacheWriteUsd = roundUsd(total.cacheWriteUsd + part.cacheWriteUsd);
    total.cacheReadUsd = roundUsd(total.cacheReadUsd + part.cacheReadUsd);
    total.totalUsd = roundUsd(total.totalUsd + part.totalUsd);
    for (const note of part.notes) if (!total.notes.includes(note)) total.notes.push(note);
  }
  return total;
}

/** Sums of exact decimal amounts, kept free of binary float noise (1e-12 USD is far below any price). */
function roundUsd(usd: number): number {
  return Number(usd.toFixed(12));
}

function roundPercent(percent: number): number {
  return Number(percent.toFixed(2));
}

/** `estimate`, or for a large job `estimate: 10,900 of 100,000 files counted, the rest from their size`. */
export function sampledLabel(preview: Pick<CostPreview, 'sampling'>): string {
  if (!preview.sampling) return 'estimate';
  const count = (n: number) => n.toLocaleString('en-US');
  return `estimate: ${count(preview.sampling.countedRows)} of ${count(preview.sampling.rows)} files counted, the rest from their size`;
}

/** The preview as plain text lines for the CLI and the editor's details view. */
export function describeCostPreview(preview: CostPreview): string[] {
  const count = (n: number) => n.toLocaleString('en-US');
  const skippedParts = Object.entries(preview.skippedByReason).map(([reason, n]) => `${n} ${reason}`);
  const lines = [
    `Files: ${count(preview.files)} in ${count(preview.batches)} batch${preview.batches === 1 ? '' : 'es'} · model ${preview.modelName} (${preview.modelId})`,
    `Skipped: ${preview.skipped.length === 0 ? 'none' : `${count(preview.skipped.length)} (${skippedParts.join(', ')})`}`,
    `Input tokens: ${preview.exactInputTokens ? '' : '≈'}${count(preview.inputTokens)} (${preview.exactInputTokens ? 'exact, count_tokens' : sampledLabel(preview)})` +
      (preview.sharedPrefixTokens > 0 ? ` · shared system prefix ≈${count(preview.sharedPrefixTokens)} tokens${preview.cacheApplied ? `, cached (${preview.ttl})` : ', not cached'}` : ''),
    `Expected output: ≈${count(preview.expected.outputTokens)} tokens (${preview.expected.basis})`,
    `Expected batch price: ≈${formatUsd(preview.expected.batchUsd)} (estimate) · same job as sync calls ≈${formatUsd(preview.expected.syncUsd)} · saving ≈${formatUsd(preview.expected.savingUsd)}`,
    `Ceiling: ≈${formatUsd(preview.batchUsd)} if every row used all ${count(preview.outputTokensBound)} output tokens (max_tokens × files; sync ≈${formatUsd(preview.syncUsd)})`,
    `Saving at the ceiling: ≈${formatUsd(preview.savingUsd)} (${preview.savingPercent}%)`,
  ];
  for (const warning of preview.warnings) lines.push(`Note: ${warning}`);
  return lines;
}
