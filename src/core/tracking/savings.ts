import { CATALOG_AS_OF, priceAt } from '../pricing/catalog';
import { type PriceMode, type TokenUsage, formatUsd, priceUsage, promptTokensOf, ratesForPrompt, usageFromApi } from '../pricing/cost';
import type { ModelEntry } from '../pricing/modelEntry';
import type { ModelOverrides } from '../pricing/overrides';
import type { Job } from '../jobs/jobModel';
import { storedRowStats } from './jobRowStats';
import type { UsageBucket } from './usageTotals';

export interface TokenTotals {
  inputTokens: number;
  outputTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  cacheReadTokens: number;
}

export interface JobSavings {
  jobId: string;
  template: string;
  /** Models seen in the results (or the template's when none). */
  models: string[];
  /** Succeeded rows that were priced. */
  pricedRows: number;
  /** Succeeded rows whose model the catalog cannot price (left out of both figures). */
  unpricedRows: number;
  /** Rows the API reports succeeded whose results are not downloaded yet (left out of both figures until they are). */
  notDownloadedRows: number;
  tokens: TokenTotals;
  /** What the results cost: each row's usage at the price its `service_tier` says (batch when absent). */
  actualUsd: number;
  /** The same tokens sent synchronously with no caching: every prompt token as plain input. */
  syncUncachedUsd: number;
  savedUsd: number;
  /** `savedUsd / syncUncachedUsd`, or undefined when there is nothing to compare. */
  savedFraction?: number;
  /** The submission's estimate, for comparison (an estimate, labelled as such). */
  estimate: { batchUsd: number; syncUsd: number };
  notes: string[];
}

export interface SavingsReport {
  jobs: JobSavings[];
  totals: { pricedRows: number; unpricedRows: number; actualUsd: number; syncUncachedUsd: number; savedUsd: number; savedFraction?: number };
  /** The price catalog's as-of date: figures are only as current as it. */
  catalogAsOf: string;
}

/**
 * Actual cost and savings of one job from the `usage` of every succeeded result (every succeeded
 * attempt was billed once; errored, canceled and expired rows were not billed). The baseline is the
 * same token totals at the synchronous price with no caching. Sums are exact decimals.
 */
export function computeJobSavings(job: Job, overrides?: ModelOverrides): JobSavings {
  // A job from the store whose header keeps usage totals is priced from them, without reading its rows.
  const buckets = storedRowStats(job)?.usage;
  const sums = (buckets && sumsFromBuckets(job, buckets, overrides)) ?? sumsFromRows(job, overrides);
  return savingsOf(job, sums);
}

/** Token totals and exact costs of a job's succeeded attempts. */
interface Sums {
  tokens: TokenTotals;
  actual: bigint;
  baseline: bigint;
  pricedRows: number;
  unpricedRows: number;
  models: Set<string>;
  notes: Set<string>;
}

function emptySums(): Sums {
  return {
    tokens: { inputTokens: 0, outputTokens: 0, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0 },
    actual: 0n,
    baseline: 0n,
    pricedRows: 0,
    unpricedRows: 0,
    models: new Set(),
    notes: new Set(),
  };
}

/** Every succeeded attempt priced one by one. */
function sumsFromRows(job: Job, overrides: ModelOverrides | undefined): Sums {
  const sums = emptySums();
  for (const attempts of Object.values(job.rows)) {
    for (const attempt of attempts) {
      if (attempt.outcome !== 'succeeded' || !attempt.usage) {
        continue;
      }
      const modelId = attempt.model ?? job.template.model;
      sums.models.add(modelId);
      const entry = priceEntry(job, modelId, overrides, sums, 1);
      if (!entry) continue;
      const converted = usageFromApi(attempt.usage);
      // A result line of a batch was billed at batch prices even when the usage omits service_tier.
      const mode = attempt.usage.service_tier ? converted.mode : 'batch';
      addPriced(sums, entry, converted.usage, mode, converted.usResidency, 1);
    }
  }
  return sums;
}

/**
 * The header's usage totals priced once per bucket: the same figures as the rows give, or undefined
 * when a bucket's rows straddle a prompt-length band of their model (then only the rows can say).
 */
function sumsFromBuckets(job: Job, buckets: readonly UsageBucket[], overrides: ModelOverrides | undefined): Sums | undefined {
  const sums = emptySums();
  for (const bucket of buckets) {
    if (bucket.rows <= 0) continue;
    sums.models.add(bucket.model);
    const entry = priceEntry(job, bucket.model, overrides, sums, bucket.rows);
    if (!entry) continue;
    const { rates } = ratesForPrompt(entry, bucket.minPromptTokens);
    if (ratesForPrompt(entry, bucket.maxPromptTokens).rates !== rates) return undefined;
    const usage: TokenUsage = {
      inputTokens: bucket.inputTokens,
      outputTokens: bucket.outputTokens,
      cacheWrite5mTokens: bucket.cacheWrite5mTokens,
      cacheWrite1hTokens: bucket.cacheWrite1hTokens,
      cacheReadTokens: bucket.cacheReadTokens,
    };
    // Every row of the bucket is in this band: the summed tokens are priced at its rates.
    addPriced(sums, { ...entry, rates, bands: undefined }, usage, bucket.mode, bucket.usResidency, bucket.rows);
  }
  return sums;
}

/** The prices in force when the job was submitted (a price cut later does not rewrite an old bill), or undefined for a model the catalog cannot price. */
function priceEntry(job: Job, modelId: string, overrides: ModelOverrides | undefined, sums: Sums, rows: number): ModelEntry | undefined {
  try {
    return priceAt(modelId, job.createdAt, overrides);
  } catch (error) {
    sums.unpricedRows += rows;
    sums.notes.add(error instanceof Error ? error.message : String(error));
    return undefined;
  }
}

function addPriced(sums: Sums, entry: ModelEntry, usage: TokenUsage, mode: PriceMode, usResidency: boolean, rows: number): void {
  const actualCost = priceUsage(entry, usage, { mode, usResidency });
  const uncached: TokenUsage = { inputTokens: promptTokensOf(usage), outputTokens: usage.outputTokens };
  const baselineCost = priceUsage(entry, uncached, { mode: 'sync', usResidency });
  actualCost.notes.forEach((note) => sums.notes.add(note));
  sums.actual += toScaled(actualCost.totalUsd);
  sums.baseline += toScaled(baselineCost.totalUsd);
  addTokens(sums.tokens, usage);
  sums.pricedRows += rows;
}

function savingsOf(job: Job, sums: Sums): JobSavings {
  const { tokens, actual, baseline, pricedRows, unpricedRows, models, notes } = sums;
  if (models.size === 0) {
    models.add(job.template.model);
  }
  const reportedSucceeded = job.batches.reduce((sum, batch) => sum + (batch.counts?.succeeded ?? 0), 0);
  const notDownloadedRows = Math.max(0, reportedSucceeded - pricedRows - unpricedRows);
  if (notDownloadedRows > 0) {
    notes.add(`${job.id}: ${notDownloadedRows} succeeded row${notDownloadedRows === 1 ? ' is' : 's are'} not downloaded yet and not counted; download the results to include ${notDownloadedRows === 1 ? 'it' : 'them'}.`);
  }
  const actualUsd = fromScaled(actual);
  const syncUncachedUsd = fromScaled(baseline);
  return {
    jobId: job.id,
    template: job.template.name,
    models: [...models],
    pricedRows,
    unpricedRows,
    notDownloadedRows,
    tokens,
    actualUsd,
    syncUncachedUsd,
    savedUsd: fromScaled(baseline - actual),
    savedFraction: baseline > 0n ? Number(baseline - actual) / Number(baseline) : undefined,
    estimate: { batchUsd: job.estimate.batchUsd, syncUsd: job.estimate.syncUsd },
    notes: [...notes],
  };
}

/** Savings of each job (newest first) and their exact totals, with the catalog's as-of date. */
export function computeSavingsReport(jobs: readonly Job[], overrides?: ModelOverrides): SavingsReport {
  const perJob = [...jobs].sort((a, b) => b.createdAt - a.createdAt).map((job) => computeJobSavings(job, overrides));
  const actual = perJob.reduce((sum, job) => sum + toScaled(job.actualUsd), 0n);
  const baseline = perJob.reduce((sum, job) => sum + toScaled(job.syncUncachedUsd), 0n);
  return {
    jobs: perJob,
    totals: {
      pricedRows: perJob.reduce((sum, job) => sum + job.pricedRows, 0),
      unpricedRows: perJob.reduce((sum, job) => sum + job.unpricedRows, 0),
      actualUsd: fromScaled(actual),
      syncUncachedUsd: fromScaled(baseline),
      savedUsd: fromScaled(baseline - actual),
      savedFraction: baseline > 0n ? Number(baseline - actual) / Number(baseline) : undefined,
    },
    catalogAsOf: CATALOG_AS_OF,
  };
}

function addTokens(into: TokenTotals, usage: TokenUsage): void {
  into.inputTokens += usage.inputTokens;
  into.outputTokens += usage.outputTokens;
  into.cacheWrite5mTokens += usage.cacheWrite5mTokens ?? 0;
  into.cacheWrite1hTokens += usage.cacheWrite1hTokens ?? 0;
  into.cacheReadTokens += usage.cacheReadTokens ?? 0;
}

/*
 * Sums of USD amounts stay exact: each amount from `priceUsage` is the nearest double to an exact
 * decimal, whose shortest round-trip form is that decimal; it is added as an integer of 1e-18 USD.
 */
const SCALE = 18;

function toScaled(usd: number): bigint {
  const [mantissa, exponentText] = usd.toExponential().split('e');
  const exponent = Number(exponentText);
  const negative = mantissa.startsWith('-');
  const [whole, fraction = ''] = mantissa.replace('-', '').split('.');
  const digits = BigInt(whole + fraction);
  const shift = SCALE + exponent - fraction.length;
  const scaled = shift >= 0 ? digits * 10n ** BigInt(shift) : digits / 10n ** BigInt(-shift);
  return negative ? -scaled : scaled;
}

function fromScaled(value: bigint): number {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(SCALE + 1, '0');
  return Number(`${negative ? '-' : ''}${digits.slice(0, -SCALE)}.${digits.slice(-SCALE)}`);
}

/** The report as Markdown: one table row per job, then totals and the catalog date. */
export function renderSavingsMarkdown(report: SavingsReport): string {
  const lines = [
    '# Batchlens savings',
    '',
    `Prices from the Batchlens catalog as of **${report.catalogAsOf}**. Actual cost is priced from each result's \`usage\`; the baseline is the same tokens sent synchronously without caching.`,
    '',
    '| Job | Template | Rows | Actual | Sync, uncached | Saved |',
    '|---|---|---:|---:|---:|---:|',
    ...report.jobs.map(
      (job) =>
        `| \`${job.jobId}\` | ${job.template} | ${job.pricedRows} | ${formatUsd(job.actualUsd)} | ${formatUsd(job.syncUncachedUsd)} | ${formatUsd(job.savedUsd)}${percent(job.savedFraction)} |`,
    ),
    `| **Total** | | ${report.totals.pricedRows} | **${formatUsd(report.totals.actualUsd)}** | **${formatUsd(report.totals.syncUncachedUsd)}** | **${formatUsd(report.totals.savedUsd)}${percent(report.totals.savedFraction)}** |`,
    '',
  ];
  const notes = [...new Set(report.jobs.flatMap((job) => job.notes))];
  if (report.totals.unpricedRows > 0 || notes.length > 0) {
    lines.push('Notes:', '');
    if (report.totals.unpricedRows > 0) {
      lines.push(`- ${report.totals.unpricedRows} succeeded rows could not be priced and are left out of both figures.`);
    }
    notes.forEach((note) => lines.push(`- ${note}`));
    lines.push('');
  }
  return lines.join('\n');
}

/** Plain text for the CLI. */
export function renderSavingsText(report: SavingsReport): string {
  const rows = report.jobs.map((job) => [job.jobId, job.template, String(job.pricedRows), formatUsd(job.actualUsd), formatUsd(job.syncUncachedUsd), `${formatUsd(job.savedUsd)}${percent(job.savedFraction)}`]);
  const header = ['JOB', 'TEMPLATE', 'ROWS', 'ACTUAL', 'SYNC UNCACHED', 'SAVED'];
  const total = ['TOTAL', '', String(report.totals.pricedRows), formatUsd(report.totals.actualUsd), formatUsd(report.totals.syncUncachedUsd), `${formatUsd(report.totals.savedUsd)}${percent(report.totals.savedFraction)}`];
  const table = [header, ...rows, total];
  const widths = header.map((_, column) => Math.max(...table.map((row) => row[column].length)));
  const text = table.map((row) => row.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd());
  const pending = report.jobs.filter((job) => job.notDownloadedRows > 0).map((job) => `${job.jobId}: ${job.notDownloadedRows} succeeded row(s) not downloaded yet, not counted (run \`batchlens batch results ${job.jobId}\`).`);
  return [...text, ...(pending.length > 0 ? ['', ...pending] : []), '', `Prices as of ${report.catalogAsOf} (Batchlens catalog).`, ''].join('\n');
}

function percent(fraction: number | undefined): string {
  return fraction === undefined ? '' : ` (${(fraction * 100).toFixed(1)}%)`;
}
