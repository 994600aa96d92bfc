/**
 * The Markdown documents behind "Show Model Prices" and the cost lens's per-prompt table. Pure (no
 * `vscode`), so both documents are unit-tested in plain Node.
 */
import { BUILTIN_MODELS, currentModels, isoToday, resolveModel } from '../../core/pricing/catalog';
import { describeLifecycle, modelLifecycleAt } from '../../core/pricing/lifecycle';
import { formatUsd, pricePerCall } from '../../core/pricing/cost';
import type { ModelEntry } from '../../core/pricing/modelEntry';
import type { ModelOverrides } from '../../core/pricing/overrides';
import { buildPriceTable, renderPriceTableMarkdown } from '../../core/pricing/priceTable';

/**
 * The catalog as the user prices it: built-in models with their overrides applied, then models only
 * the overrides define. `includeRetired` keeps retired built-in models (the full catalog view).
 */
export function modelsWithOverrides(overrides: ModelOverrides, includeRetired: boolean): ModelEntry[] {
  const builtIn = (includeRetired ? BUILTIN_MODELS : currentModels()).map((entry) => resolveModel(entry.id, overrides).entry);
  const builtInIds = new Set(BUILTIN_MODELS.flatMap((entry) => [entry.id, ...entry.aliases]));
  const added: ModelEntry[] = [];
  for (const id of Object.keys(overrides)) {
    if (!builtInIds.has(id)) {
      try {
        added.push(resolveModel(id, overrides).entry);
      } catch {
        // parseModelOverrides already rejected entries that cannot be priced; nothing to show for them.
      }
    }
  }
  return [...builtIn, ...added];
}

function tokens(count: number): string {
  return count.toLocaleString('en-US');
}

/** A minimum cacheable length as shown: "unknown" when unpublished, † when it comes from third parties only. */
function minimumCell(entry: ModelEntry): string {
  if (entry.minCacheableTokens === undefined) return 'unknown';
  return `${tokens(entry.minCacheableTokens)}${entry.unverified?.includes('minCacheableTokens') ? ' †' : ''}`;
}

/** "Show Model Prices": every model x price mode (USD per MTok), then cache minimums and context windows. */
export function renderModelPricesMarkdown(options: { overrides: ModelOverrides; usResidency: boolean }): string {
  const models = modelsWithOverrides(options.overrides, true);
  const table = renderPriceTableMarkdown(buildPriceTable({ models, includeRetired: true, usResidency: options.usResidency }));
  const limits = [
    '## Cache minimums and limits',
    '',
    'A cached prefix shorter than the minimum is not cached at all (no error; the request is billed as uncached input). ' +
      '"unknown": Anthropic has not published it; † from third-party sources only (unverified).',
    '',
    '| Model | Lifecycle | Min cacheable tokens | Context window | Max output | Tokenizer | As of | Source |',
    '|---|---|---:|---:|---:|---|---|---|',
    ...models.map((entry) => {
      const lifecycle = modelLifecycleAt(entry, isoToday());
      return (
        `| ${entry.displayName} | ${describeLifecycle(lifecycle)} (${escapeCell(lifecycle.source)}) | ${minimumCell(entry)} | ` +
        `${tokens(entry.contextWindowTokens)} | ${tokens(entry.maxOutputTokens)} | ${entry.tokenizer} | ${entry.asOf} | ${escapeCell(entry.source)} |`
      );
    }),
    '',
  ];
  return `${table}\n${limits.join('\n')}`;
}

/** A prompt's token count under one model: exact from count_tokens, or an offline estimate. */
export interface PromptTokenCount {
  tokens: number;
  exact: boolean;
  /** For an estimate: how many of the workspace's exact counts corrected it (0 or absent: none). */
  calibratedOn?: number;
}

export interface PromptPricesInput {
  /** The prompt's name as the lens shows it, e.g. `SYSTEM_PROMPT`. */
  name: string;
  /** Token count of the prompt under a model (models differ in tokenizer). */
  tokensFor: (entry: ModelEntry) => PromptTokenCount;
  models: readonly ModelEntry[];
  usResidency: boolean;
  /** The model the code uses, marked in the table. */
  modelInUse?: string;
  hasDynamicParts?: boolean;
}

/** The per-prompt table: what this prompt costs per call on every current model, in every price mode. */
export function renderPromptPricesMarkdown(input: PromptPricesInput): string {
  const rows = input.models.map((entry) => {
    const count = input.tokensFor(entry);
    const prices = pricePerCall(entry, count.tokens, { usResidency: input.usResidency });
    const marker = entry.id === input.modelInUse ? ' **(in use)**' : '';
    const minimum = entry.minCacheableTokens;
    const belowMinimum = minimum !== undefined && count.tokens < minimum ? ` ⚠ below ${tokens(minimum)}` : '';
    const unverified = (entry.unverified ?? []).some((figure) => figure !== 'minCacheableTokens' && figure !== 'id') ? ' †' : '';
    return (
      `| ${entry.displayName}${unverified}${marker} | ${count.exact ? '' : '≈'}${tokens(count.tokens)} | ${formatUsd(prices.syncUsd)} | ${formatUsd(prices.batchUsd)} | ` +
      `${formatUsd(prices.cacheWrite5mUsd)} | ${formatUsd(prices.cacheWrite1hUsd)} | ${formatUsd(prices.cacheReadUsd)} | ${formatUsd(prices.batchCacheReadUsd)} | ` +
      `${minimumCell(entry)}${belowMinimum} |`
    );
  });
  const anyEstimate = input.models.some((entry) => !input.tokensFor(entry).exact);
  const notes = [
    'Per call, for the prompt alone (output tokens excluded). Sync and batch price the prompt as uncached input; ' +
      'a cache write is paid on the first call, a cache read on every call after it while the cache is warm.',
  ];
  if (anyEstimate) {
    notes.push('≈ marks an offline token estimate; each model counts with its own tokenizer.');
  }
  if (input.models.some((entry) => (entry.unverified ?? []).length > 0)) {
    notes.push('† some figures of this model come from third-party sources only (unverified); "unknown" minimum: not published.');
  }
  if (input.hasDynamicParts) {
    notes.push('Parts of this prompt are only known at run time and are not counted.');
  }
  if (input.usResidency) {
    notes.push('Includes the US-only inference multiplier where the model offers it.');
  }
  return [
    `# Prices for \`${input.name.replace(/`/g, "'")}\``,
    '',
    '| Model | Tokens | Sync | Batch | 5m write | 1h write | Cache read | Batch cache read | Min cacheable |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    ...notes.map((note) => `${note}  `),
    '',
  ].join('\n');
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}
