import type { ModelInfo } from '@anthropic-ai/sdk/resources/models';
import { BUILTIN_MODELS } from '../../src/core/pricing/catalog';
import type { ModelEntry } from '../../src/core/pricing/modelEntry';
import { rfc3339 } from './ids';

/**
 * The emulator serves the models of Batchlens's own catalog (`src/core/pricing/catalog.ts`), so the
 * extension and its emulator agree on ids, aliases, limits and minimum cacheable tokens.
 */
export interface EmulatedModel {
  entry: ModelEntry;
  /** True once the catalog's retirement date has passed on the emulator's clock. */
  retired: boolean;
}

function isRetired(entry: ModelEntry, nowMs: number): boolean {
  return entry.retired !== undefined && Date.parse(entry.retired) <= nowMs;
}

/** The catalog entry named by `id` (an id or an alias, exact match as the API does), unless retired. */
export function findServedModel(id: string, nowMs: number): ModelEntry | undefined {
  const entry = BUILTIN_MODELS.find((candidate) => candidate.id === id || candidate.aliases.includes(id));
  return entry && !isRetired(entry, nowMs) ? entry : undefined;
}

/** Every catalog model with its lifecycle on the emulator's clock, in catalog order (presented as newest first). */
export function catalogModels(nowMs: number): EmulatedModel[] {
  return BUILTIN_MODELS.map((entry) => ({ entry, retired: isRetired(entry, nowMs) }));
}

/**
 * `ModelInfo` as `GET /v1/models` returns it. The catalog has no release dates, so `created_at` is
 * the epoch value the API documents for an unknown release date.
 */
export function modelInfo(model: EmulatedModel): ModelInfo {
  const retiredAt = model.entry.retired ? rfc3339(Date.parse(model.entry.retired)) : null;
  return {
    type: 'model',
    id: model.entry.id,
    display_name: model.entry.displayName,
    created_at: rfc3339(0),
    capabilities: null,
    lifecycle: model.retired ? 'retired' : 'active',
    deprecated_at: model.retired ? retiredAt : null,
    retires_at: model.retired ? retiredAt : null,
    line: model.entry.family,
    max_input_tokens: model.entry.contextWindowTokens,
    max_tokens: model.entry.maxOutputTokens,
  } satisfies ModelInfo;
}
