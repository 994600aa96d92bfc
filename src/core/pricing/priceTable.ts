import { BUILTIN_MODELS, CATALOG_SOURCE } from './catalog';
import { effectiveRates } from './cost';
import type { ModelEntry, PriceRates } from './modelEntry';

/** One line of "Show Model Prices": a model (or one price band of it) in every price mode, USD per MTok. */
export interface PriceTableRow {
  modelId: string;
  displayName: string;
  /** For models priced by prompt length: which prompts this row prices, e.g. "prompt over 100,000 tokens". */
  band?: string;
  inputUsdPerMTok: number;
  outputUsdPerMTok: number;
  batchInputUsdPerMTok: number;
  batchOutputUsdPerMTok: number;
  cacheWrite5mUsdPerMTok: number;
  cacheWrite1hUsdPerMTok: number;
  cacheReadUsdPerMTok: number;
  /** Cache reads inside a batch: both discounts stacked. */
  batchCacheReadUsdPerMTok: number;
  /** The figures are partly verified (see the entry's source). */
  partlyVerified: boolean;
  retired?: string;
  asOf: string;
  source: string;
}

export interface PriceTable {
  /** The newest as-of date among the rows. */
  asOf: string;
  source: string;
  usResidency: boolean;
  rows: PriceTableRow[];
}

function rowFor(entry: ModelEntry, rates: PriceRates, usResidency: boolean, band?: string): PriceTableRow {
  const sync = effectiveRates(entry, rates, { mode: 'sync', usResidency });
  const batch = effectiveRates(entry, rates, { mode: 'batch', usResidency });
  const row: PriceTableRow = {
    modelId: entry.id,
    displayName: entry.displayName,
    inputUsdPerMTok: sync.input,
    outputUsdPerMTok: sync.output,
    batchInputUsdPerMTok: batch.input,
    batchOutputUsdPerMTok: batch.output,
    cacheWrite5mUsdPerMTok: sync.cacheWrite5m,
    cacheWrite1hUsdPerMTok: sync.cacheWrite1h,
    cacheReadUsdPerMTok: sync.cacheRead,
    batchCacheReadUsdPerMTok: batch.cacheRead,
    partlyVerified: entry.source.includes('partly verified'),
    asOf: entry.asOf,
    source: entry.source,
  };
  if (band) row.band = band;
  if (entry.retired) row.retired = entry.retired;
  return row;
}

function tokensLabel(tokens: number): string {
  return tokens % 1000 === 0 ? `${tokens / 1000}k` : tokens.toLocaleString('en-US');
}

/** The rows of one model: one per price band when it is priced by prompt length. */
export function priceRowsFor(entry: ModelEntry, usResidency = false): PriceTableRow[] {
  const bands = [...(entry.bands ?? [])].sort((a, b) => a.aboveInputTokens - b.aboveInputTokens);
  if (bands.length === 0) return [rowFor(entry, entry.rates, usResidency)];
  const rows = [rowFor(entry, entry.rates, usResidency, `prompt ≤ ${tokensLabel(bands[0]!.aboveInputTokens)}`)];
  for (const band of bands) rows.push(rowFor(entry, band.rates, usResidency, `prompt > ${tokensLabel(band.aboveInputTokens)}`));
  return rows;
}

/**
 * The catalog as a models x price modes table. Retired models are left out unless asked for;
 * with `usResidency` every figure includes the US-only multiplier where the model offers it.
 */
export function buildPriceTable(options: { models?: readonly ModelEntry[]; includeRetired?: boolean; usResidency?: boolean } = {}): PriceTable {
  const models = (options.models ?? BUILTIN_MODELS).filter((entry) => options.includeRetired || !entry.retired);
  const usResidency = options.usResidency ?? false;
  const rows = models.flatMap((entry) => priceRowsFor(entry, usResidency));
  const asOf = rows.map((row) => row.asOf).reduce((newest, date) => (date > newest ? date : newest), '');
  return { asOf, source: CATALOG_SOURCE, usResidency, rows };
}

/** A per-MTok rate with every significant decimal: $3.00, $0.30, $0.0125, $0.005. */
export function formatUsdPerMTok(usd: number): string {
  const text = usd.toFixed(6).replace(/0+$/, '');
  const [whole = '0', fraction = ''] = text.split('.');
  return `$${Number(whole).toLocaleString('en-US')}.${fraction.padEnd(2, '0')}`;
}

const COLUMNS: ReadonlyArray<{ title: string; value: (row: PriceTableRow) => number }> = [
  { title: 'Input', value: (row) => row.inputUsdPerMTok },
  { title: 'Output', value: (row) => row.outputUsdPerMTok },
  { title: 'Batch in', value: (row) => row.batchInputUsdPerMTok },
  { title: 'Batch out', value: (row) => row.batchOutputUsdPerMTok },
  { title: '5m write', value: (row) => row.cacheWrite5mUsdPerMTok },
  { title: '1h write', value: (row) => row.cacheWrite1hUsdPerMTok },
  { title: 'Cache read', value: (row) => row.cacheReadUsdPerMTok },
  { title: 'Batch read', value: (row) => row.batchCacheReadUsdPerMTok },
];

const PARTLY_VERIFIED_MARK = '†';

function modelLabel(row: PriceTableRow): string {
  const band = row.band ? ` (${row.band})` : '';
  const retired = row.retired ? ` (retired ${row.retired})` : '';
  return `${row.displayName}${band}${retired}${row.partlyVerified ? ` ${PARTLY_VERIFIED_MARK}` : ''}`;
}

function footer(table: PriceTable): string[] {
  const lines = [`USD per million tokens, as of ${table.asOf}.${table.usResidency ? ' Includes the 1.1x US-only inference multiplier where offered.' : ''}`];
  if (table.rows.some((row) => row.partlyVerified)) {
    lines.push(`${PARTLY_VERIFIED_MARK} partly verified: released after the last complete price snapshot; some figures come from model pages or third parties.`);
  }
  lines.push(`Source: ${table.source}`);
  return lines;
}

/** The table as Markdown (for the "Show Model Prices" preview). */
export function renderPriceTableMarkdown(table: PriceTable = buildPriceTable()): string {
  const header = `| Model | Id | ${COLUMNS.map((column) => column.title).join(' | ')} |`;
  const rule = `|---|---|${COLUMNS.map(() => '---:').join('|')}|`;
  const body = table.rows.map(
    (row) => `| ${modelLabel(row)} | \`${row.modelId}\` | ${COLUMNS.map((column) => formatUsdPerMTok(column.value(row))).join(' | ')} |`,
  );
  return [`# Claude model prices (as of ${table.asOf})`, '', header, rule, ...body, '', ...footer(table).map((line) => `${line}  `), ''].join('\n');
}

/** Lays out rows of cells as aligned plain-text columns: the first `leftColumns` left-aligned, the rest (figures) right-aligned. */
export function alignColumns(rows: string[][], leftColumns = 2): string {
  const widths = rows[0]!.map((_, index) => Math.max(...rows.map((cells) => (cells[index] ?? '').length)));
  return rows
    .map((cells) => cells.map((cell, index) => (index < leftColumns ? cell.padEnd(widths[index]!) : cell.padStart(widths[index]!))).join('  ').trimEnd())
    .join('\n');
}

/** The table as aligned plain text (for the CLI). */
export function renderPriceTableText(table: PriceTable = buildPriceTable()): string {
  const header = ['Model', 'Id', ...COLUMNS.map((column) => column.title)];
  const body = table.rows.map((row) => [modelLabel(row), row.modelId, ...COLUMNS.map((column) => formatUsdPerMTok(column.value(row)))]);
  return `${alignColumns([header, ...body])}\n\n${footer(table).join('\n')}\n`;
}
