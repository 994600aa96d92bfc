/**
 * The analyzer's options from the user's settings and the catalog. Pure (no `vscode`), unit-tested.
 */
import type { AnalysisOptions, RuleCode } from '../../core/analysis/types';
import type { ModelOverrides } from '../../core/pricing/overrides';
import { estimateTextTokens } from '../../core/tokens/estimate';
import { chooseModel } from './modelChoice';

export interface AnalysisSettings {
  defaultModel: string;
  disabledRules: readonly RuleCode[];
  overrides: ModelOverrides;
}

/**
 * Options for one analysis: BL003's minimum and token estimate come from the catalog entry the
 * model resolves to (overrides applied), estimated with that model's tokenizer.
 */
export function buildAnalysisOptions(settings: AnalysisSettings): AnalysisOptions {
  const entryFor = (model: string) => chooseModel(model, settings.defaultModel, settings.overrides).entry;
  return {
    defaultModel: settings.defaultModel,
    disabledRules: [...settings.disabledRules],
    minCacheableTokens: (model) => entryFor(model).minCacheableTokens,
    estimateTokens: (text, model) => estimateTextTokens(text, entryFor(model).tokenizer),
  };
}
