/**
 * Which catalog entry prices a prompt. Pure (no `vscode`), unit-tested in plain Node.
 */
import { newestOfFamily, resolveModel } from '../../core/pricing/catalog';
import type { ModelEntry } from '../../core/pricing/modelEntry';
import type { ModelOverrides } from '../../core/pricing/overrides';

export interface ModelChoice {
  entry: ModelEntry;
  /** Says when the entry is not the model the code names (never priced silently as another model). */
  note?: string;
}

/**
 * The entry for `modelId` (the call's literal model, if any), else for `defaultModel`. An id the
 * catalog cannot price falls back to the default model, and an unusable default to the newest
 * Sonnet, each with a note saying so.
 */
export function chooseModel(modelId: string | undefined, defaultModel: string, overrides: ModelOverrides): ModelChoice {
  const notes: string[] = [];
  for (const candidate of [modelId, defaultModel]) {
    if (candidate === undefined || candidate.trim() === '') {
      continue;
    }
    try {
      const { entry, note } = resolveModel(candidate, overrides);
      if (note) {
        notes.push(note);
      }
      return notes.length > 0 ? { entry, note: notes.join('; ') } : { entry };
    } catch (error) {
      notes.push(`${error instanceof Error ? error.message : String(error)}; priced as the next choice`);
    }
  }
  const entry = newestOfFamily('sonnet');
  notes.push(`priced as ${entry.displayName} (${entry.id})`);
  return { entry, note: notes.join('; ') };
}
