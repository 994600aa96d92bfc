import { catalogModels, resolveModel } from '../pricing/catalog';
import type { ModelOverrides } from '../pricing/overrides';
import type { SettingValues } from '../settings/schema';
import { estimateTextTokens } from '../tokens/estimate';
import { tokenizerForModel } from '../tokens/tokenizerForModel';
import { detectSdkVersions } from './sdkVersions';
import type { AnalysisOptions, RuleCode } from './types';

/**
 * Analysis options backed by the pricing catalog (BL003 minimums) and the token estimator. Models
 * the catalog cannot place get no minimum, so BL003 stays silent for them rather than guessing; a
 * model it knows without a published minimum gets null, which BL003 reports as unknown.
 */
export function catalogAnalysisOptions(defaultModel: string, disabledRules: RuleCode[] = [], overrides?: ModelOverrides, dependencyDir?: string): AnalysisOptions {
  const tokenizerOf = perModelPerDay((model) => {
    try {
      return tokenizerForModel(model, overrides);
    } catch {
      return undefined;
    }
  });
  return {
    defaultModel,
    disabledRules,
    // BL008 needs the SDK version the workspace installs: read once, from its dependency files.
    ...(dependencyDir ? { sdkApiVersions: detectSdkVersions(dependencyDir) } : {}),
    minCacheableTokens: perModelPerDay((model) => {
      try {
        return resolveModel(model, overrides).entry.minCacheableTokens ?? null;
      } catch {
        return undefined;
      }
    }),
    largestMinCacheableTokens: largestPublishedMinimum(),
    estimateTokens: (text, model) => {
      const tokenizer = tokenizerOf(model);
      if (tokenizer === undefined) return Math.ceil(text.length / 4);
      try {
        return estimateTextTokens(text, tokenizer);
      } catch {
        return Math.ceil(text.length / 4);
      }
    },
  };
}

/** The settings that decide what the analysis reports (the editor and `batchlens lint` pass the same). */
export type AnalysisSettings = Pick<SettingValues, 'defaultModel' | 'modelOverrides' | 'lint.disabledRules' | 'lint.reportUnknownValues'>;

/**
 * The analysis options of a workspace's settings: the one recipe the editor's lens and lint and the
 * CLI's `lint` build their options with, so both report the same findings for the same settings.
 */
export function settingsAnalysisOptions(settings: AnalysisSettings, dependencyDir?: string): AnalysisOptions {
  return {
    ...catalogAnalysisOptions(settings.defaultModel, settings['lint.disabledRules'], settings.modelOverrides, dependencyDir),
    reportUnknownValues: settings['lint.reportUnknownValues'],
  };
}

const DAY_MS = 86_400_000;

/**
 * `lookup` remembered per model for the current UTC day: the catalog's answer is dated (an entry
 * can change on a given day), and every request of every analysis asks it again.
 */
function perModelPerDay<T>(lookup: (model: string) => T): (model: string) => T {
  let dayStart = Number.NaN;
  let known = new Map<string, T>();
  return (model) => {
    const now = Date.now();
    if (!(now >= dayStart && now < dayStart + DAY_MS)) {
      dayStart = now - (now % DAY_MS);
      known = new Map();
    }
    if (known.has(model)) return known.get(model) as T;
    const value = lookup(model);
    known.set(model, value);
    return value;
  };
}

function largestPublishedMinimum(): number | undefined {
  const published = catalogModels().flatMap((entry) => (entry.minCacheableTokens === undefined ? [] : [entry.minCacheableTokens]));
  return published.length > 0 ? Math.max(...published) : undefined;
}
