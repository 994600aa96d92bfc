export type { ModelEntry, ModelFamily, PriceBand, PriceRates, TokenizerGeneration } from './modelEntry';
export { BUILTIN_MODELS, CATALOG_AS_OF, CATALOG_SOURCE, UnknownModelError, currentModels, findModel, newestOfFamily, resolveModel } from './catalog';
export { type ModelOverride, type ModelOverrides, OVERRIDE_SOURCE, familyFromId, parseModelOverrides } from './overrides';
export {
  type ApiUsage,
  type CostBreakdown,
  type PerCallPrices,
  type PriceMode,
  type PriceOptions,
  type TokenUsage,
  effectiveRates,
  formatUsd,
  priceUsage,
  pricePerCall,
  promptTokensOf,
  ratesForPrompt,
  usageFromApi,
} from './cost';
export { type PriceTable, type PriceTableRow, buildPriceTable, formatUsdPerMTok, priceRowsFor, renderPriceTableMarkdown, renderPriceTableText } from './priceTable';
