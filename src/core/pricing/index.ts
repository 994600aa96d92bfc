export type { EarlierPrices, LifecycleState, ModelEntry, ModelFamily, ModelLifecycle, PriceBand, PriceRates, TokenizerGeneration, UnverifiedFigure } from './modelEntry';
export {
  BUILTIN_MODELS,
  CATALOG_AS_OF,
  CATALOG_SOURCE,
  UnknownModelError,
  currentModels,
  entryAt,
  findModel,
  isRetiredOn,
  isoToday,
  knownIds,
  newestOfFamily,
  priceAt,
  resolveModel,
} from './catalog';
export { type LifecycleOnDate, describeLifecycle, lifecycleAt, modelLifecycleAt } from './lifecycle';
export { canonicalModelId, nearestModelId } from './modelIds';
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
