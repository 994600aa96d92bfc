/**
 * How one prompt is priced per call, shared by the cost lens and `batchlens cost` so the two show
 * the same model, tokens and dollars: the model the code names (else `batchlens.defaultModel`), the
 * prompt's static text (run-time `{…}` placeholders not counted), and the settings' price options
 * (`modelOverrides`, `usResidency`). Pure (no `vscode`).
 */
import { pricePerCall, type PerCallPrices } from '../pricing/cost';
import type { ModelEntry } from '../pricing/modelEntry';
import type { ModelOverrides } from '../pricing/overrides';
import type { SettingValues } from '../settings/schema';
import { type ModelChoice, chooseModel, unknownModelText } from './modelChoice';
import { PLACEHOLDER } from './resolve';

/** The settings that decide a prompt's price. */
export interface PricingOptions {
  defaultModel: string;
  modelOverrides: ModelOverrides;
  usResidency: boolean;
}

export function pricingOptions(settings: Pick<SettingValues, 'defaultModel' | 'modelOverrides' | 'usResidency'>): PricingOptions {
  return { defaultModel: settings.defaultModel, modelOverrides: settings.modelOverrides, usResidency: settings.usResidency };
}

/**
 * The text whose tokens a prompt is counted by: its static text, run-time placeholders left out.
 * The cache lint (BL003) counts a cached prefix the same way, so the lens, `cost` and the lint show one number.
 */
export function countableText(promptText: string): string {
  return promptText.split(PLACEHOLDER).join('');
}

/** The catalog entry that prices a prompt sent with `modelId` (the call's literal model, if any). */
export function promptModel(modelId: string | undefined, options: PricingOptions): ModelChoice {
  return chooseModel(modelId, options.defaultModel, options.modelOverrides);
}

export interface TokenCount {
  tokens: number;
  /** From count_tokens rather than the offline estimate. */
  exact: boolean;
}

export interface PromptPrice<C extends TokenCount = TokenCount> {
  choice: ModelChoice;
  count: C;
  prices: PerCallPrices;
  /** `unknown model id X — priced as Y (nearest)` when the code's model is not one the catalog knows exactly. */
  unknownModel?: string;
}

/**
 * Prices a prompt's text per call. `countTokens` gets the countable text and the entry: the lens
 * answers with an exact count when one is known, the CLI with the offline estimate.
 */
export function pricePrompt<C extends TokenCount>(text: string, modelId: string | undefined, options: PricingOptions, countTokens: (countable: string, entry: ModelEntry) => C): PromptPrice<C> {
  const choice = promptModel(modelId, options);
  const count = countTokens(countableText(text), choice.entry);
  const prices = pricePerCall(choice.entry, count.tokens, { usResidency: options.usResidency });
  const unknownModel = unknownModelText(choice);
  return unknownModel === undefined ? { choice, count, prices } : { choice, count, prices, unknownModel };
}
