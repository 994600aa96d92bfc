import type { ModelInfo } from '@anthropic-ai/sdk/resources/models';
import { BUILTIN_MODELS } from '../../src/core/pricing/catalog';
import { lifecycleAt, type LifecycleOnDate } from '../../src/core/pricing/lifecycle';
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
  /** The catalog lifecycle on the emulator's clock. */
  lifecycle: LifecycleOnDate;
}

function dayOf(nowMs: number): string {
  return new Date(nowMs).toISOString().slice(0, 10);
}

function isRetired(entry: ModelEntry, nowMs: number): boolean {
  return lifecycleAt(entry.lifecycle, dayOf(nowMs)).state === 'retired';
}

/** The catalog entry named by `id` (an id or an alias, exact match as the API does), unless retired. */
export function findServedModel(id: string, nowMs: number): ModelEntry | undefined {
  const entry = BUILTIN_MODELS.find((candidate) => candidate.id === id || candidate.aliases.includes(id));
  return entry && !isRetired(entry, nowMs) ? entry : undefined;
}

/** Every catalog model with its lifecycle on the emulator's clock, in catalog order (presented as newest first). */
export function catalogModels(nowMs: number): EmulatedModel[] {
  return BUILTIN_MODELS.map((entry) => {
    const lifecycle = lifecycleAt(entry.lifecycle, dayOf(nowMs));
    return { entry, retired: lifecycle.state === 'retired', lifecycle };
  });
}

/**
 * `ModelInfo` as `GET /v1/models` returns it. The catalog has no release dates, so `created_at` is
 * the epoch value the API documents for an unknown release date. The API's lifecycle has no
 * "legacy": a legacy model is `active`. Of the capabilities, only `batch` is served (the catalog
 * knows nothing else about them, and Batchlens reads nothing else).
 */
export function modelInfo(model: EmulatedModel): ModelInfo {
  const { state, deprecatedOn, retiresOn } = model.lifecycle;
  const at = (day: string | undefined) => (day ? rfc3339(Date.parse(`${day}T00:00:00Z`)) : null);
  return {
    type: 'model',
    id: model.entry.id,
    display_name: model.entry.displayName,
    created_at: rfc3339(0),
    capabilities: { batch: { supported: true } } as unknown as ModelInfo['capabilities'],
    lifecycle: state === 'retired' ? 'retired' : state === 'deprecated' ? 'deprecated' : 'active',
    deprecated_at: state === 'retired' || state === 'deprecated' ? at(deprecatedOn ?? retiresOn) : null,
    retires_at: at(retiresOn),
    line: model.entry.family,
    max_input_tokens: model.entry.contextWindowTokens,
    max_tokens: model.entry.maxOutputTokens,
  } satisfies ModelInfo;
}
