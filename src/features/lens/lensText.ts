/**
 * The words of the prompt cost lens. Pure (no `vscode`), so every format is unit-tested in plain Node.
 */
import type { PromptConstant } from '../../core/analysis/types';
import { formatUsd, type PerCallPrices } from '../../core/pricing/cost';

/** "≈1,240 tokens" for an estimate, "1,240 tokens" for an exact count from count_tokens. */
export function formatPromptTokens(tokens: number, exact: boolean): string {
  return `${exact ? '' : '≈'}${tokens.toLocaleString('en-US')} tokens`;
}

export interface CostLensFacts {
  tokens: number;
  exact: boolean;
  /** The short model name, e.g. "Sonnet 4.6". */
  modelName: string;
  prices: Pick<PerCallPrices, 'syncUsd' | 'batchUsd' | 'cacheReadUsd'>;
  /** `unknown model id X — priced as Y (nearest)` when the code's model id is not one the catalog knows exactly. */
  unknownModel?: string;
}

/**
 * The cost lens title, e.g. `≈1,240 tokens · Sonnet 4.6 $0.0037/call · batch $0.0019 · cached $0.0004`:
 * the prompt as uncached input (sync), in a batch, and read from the cache.
 */
export function costLensTitle(facts: CostLensFacts): string {
  return [
    formatPromptTokens(facts.tokens, facts.exact),
    `${facts.modelName} ${formatUsd(facts.prices.syncUsd)}/call`,
    `batch ${formatUsd(facts.prices.batchUsd)}`,
    `cached ${formatUsd(facts.prices.cacheReadUsd)}`,
    ...(facts.unknownModel ? [`⚠ ${facts.unknownModel}`] : []),
  ].join(' · ');
}

/** The lens of a prompt file the code reads by path but that is not there: nothing to price. */
export function missingPromptFileLensTitle(file: string): string {
  return `prompt file ${file} not found: not priced`;
}

/** The second lens, e.g. `⚠ below Sonnet 4.6's 1,024-token cache minimum`. */
export function cacheMinimumLensTitle(modelName: string, minCacheableTokens: number): string {
  return `⚠ below ${modelName}'s ${minCacheableTokens.toLocaleString('en-US')}-token cache minimum`;
}

/** A system prompt is usually the block people cache, even before they add `cache_control`. */
export function looksLikeSystemPrompt(prompt: Pick<PromptConstant, 'name'>): boolean {
  return /system/i.test(prompt.name);
}

/**
 * Whether the prompt deserves the below-minimum warning: it is (or looks like it will be) cached,
 * and it is shorter than the model's minimum, so a breakpoint on it alone would cache nothing.
 */
export function isBelowCacheMinimum(
  prompt: Pick<PromptConstant, 'name' | 'cached'>,
  tokens: number,
  minCacheableTokens: number | undefined,
): boolean {
  if (minCacheableTokens === undefined || tokens >= minCacheableTokens) {
    return false;
  }
  return prompt.cached === true || looksLikeSystemPrompt(prompt);
}

/** "Calibrated on 3 of your prompts (…)": the estimate was corrected by the workspace's exact counts. */
export function calibratedOnText(prompts: number): string {
  return `Calibrated on ${prompts.toLocaleString('en-US')} of your prompt${prompts === 1 ? '' : 's'} (exact counts from count_tokens correct the estimate).`;
}

/** The lens tooltip: what the figures mean, what is unknown, and any pricing note. */
export function costLensTooltip(options: {
  exact: boolean;
  /** For an estimate: how many of the workspace's exact counts corrected it. */
  calibratedOn?: number;
  hasDynamicParts: boolean;
  modelNote?: string;
  priceNotes?: readonly string[];
}): string {
  const lines = [
    options.exact
      ? 'Exact prompt tokens from the count_tokens endpoint.'
      : 'Estimated prompt tokens (offline estimate; an exact count replaces it when an API key is set).',
    'Per call: the prompt as uncached input, in a batch (50% off), and as a cache read. Click for every model and price mode.',
  ];
  if (!options.exact && (options.calibratedOn ?? 0) > 0) {
    lines.push(calibratedOnText(options.calibratedOn ?? 0));
  }
  if (options.hasDynamicParts) {
    lines.push('Parts known only at run time ({…}) are not counted.');
  }
  if (options.modelNote) {
    lines.push(options.modelNote);
  }
  lines.push(...(options.priceNotes ?? []));
  return lines.join('\n');
}
