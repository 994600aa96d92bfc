import { CATALOG_SOURCE, catalogModels, entryAt, isoToday } from './catalog';
import { effectiveRates } from './cost';
import { describeLifecycle, modelLifecycleAt } from './lifecycle';
import type { ModelEntry, PriceRates, UnverifiedFigure } from './modelEntry';

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
  /** Some price on this row comes only from third parties (see `unverified` and the entry's source). */
  partlyVerified: boolean;
  /** The price figures of this row found only in third-party sources. */
  unverified: UnverifiedFigure[];
  /** "retired 2026-11-30", "deprecated, retires 2027-01-22", "legacy" (absent when active). */
  lifecycle?: string;
  /** ISO date the model was (or will be) retired, when known. */
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

const PRICE_FIGURES: readonly UnverifiedFigure[] = ['input', 'output', 'cacheWrite5m', 'cacheWrite1h', 'cacheRead'];

function rowFor(entry: ModelEntry, rates: PriceRates, usResidency: boolean, date: string, band?: string): PriceTableRow {
  const unverified = (entry.unverified ?? []).filter((figure) => PRICE_FIGURES.includes(figure));
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
    partlyVerified: unverified.length > 0,
    unverified,
    asOf: entry.asOf,
    source: entry.source,
  };
  if (band) row.band = band;
  const lifecycle = modelLifecycleAt(entry, date);
  if (lifecycle.state !== 'active') row.lifecycle = describeLifecycle(lifecycle);
  if (lifecycle.state === 'retired') row.retired = lifecycle.retiresOn;
  return row;
}

function tokensLabel(tokens: number): string {
  return tokens % 1000 === 0 ? `${tokens / 1000}k` : tokens.toLocaleString('en-US');
}

/** The rows of one model at the prices in force on `date`: one per price band when it is priced by prompt length. */
export function priceRowsFor(model: ModelEntry, usResidency = false, date: string = isoToday()): PriceTableRow[] {
  const entry = entryAt(model, date);
  const bands = [...(entry.bands ?? [])].sort((a, b) => a.aboveInputTokens - b.aboveInputTokens);
  if (bands.length === 0) return [rowFor(entry, entry.rates, usResidency, date)];
  const rows = [rowFor(entry, entry.rates, usResidency, date, `prompt ≤ ${tokensLabel(bands[0]!.aboveInputTokens)}`)];
  for (const band of bands) rows.push(rowFor(entry, band.rates, usResidency, date, `prompt > ${tokensLabel(band.aboveInputTokens)}`));
  return rows;
}

/**
 * The catalog as a models x price modes table at the prices in force on `date` (default today).
 * Models retired by then are left out unless asked for; with `usResidency` every figure includes the
 * US-only multiplier where the model offers it.
 */
export function buildPriceTable(
  options: { models?: readonly ModelEntry[]; includeRetired?: boolean; usResidency?: boolean; date?: string } = {},
): PriceTable {
  const date = options.date ?? isoToday();
  const usResidency = options.usResidency ?? false;
  const rows = (options.models ?? catalogModels())
    .flatMap((entry) => priceRowsFor(entry, usResidency, date))
    .filter((row) => options.includeRetired || row.retired === undefined);
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
  const lifecycle = row.lifecycle ? ` (${row.lifecycle})` : '';
  return `${row.displayName}${band}${lifecycle}${row.partlyVerified ? ` ${PARTLY_VERIFIED_MARK}` : ''}`;
}

const FIGURE_LABELS: Record<UnverifiedFigure, string> = {
  input: 'input',
  output: 'output',
  cacheWrite5m: '5m write',
  cacheWrite1h: '1h write',
  cacheRead: 'cache read',
  minCacheableTokens: 'minimum cacheable tokens',
  id: 'id',
};

/** A readable name for an unverified figure ("cache read"). */
export function figureLabel(figure: UnverifiedFigure): string {
  return FIGURE_LABELS[figure];
}

function footer(table: PriceTable): string[] {
  const lines = [`USD per million tokens, as of ${table.asOf}.${table.usResidency ? ' Includes the 1.1x US-only inference multiplier where offered.' : ''}`];
  if (table.rows.some((row) => row.partlyVerified)) {
    const marked = table.rows
      .filter((row) => row.partlyVerified)
      .map((row) => `${row.displayName}: ${row.unverified.map(figureLabel).join(', ')}`);
    lines.push(`${PARTLY_VERIFIED_MARK} unverified (third-party sources only): ${[...new Set(marked)].join('; ')}.`);
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
