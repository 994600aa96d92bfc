/**
 * Which catalog entry prices a prompt, shared by the cost lens and `batchlens cost`. Pure.
 */
import { findModel, newestOfFamily, resolveModel } from '../pricing/catalog';
import type { ModelEntry } from '../pricing/modelEntry';
import type { ModelOverrides } from '../pricing/overrides';

export interface ModelChoice {
  entry: ModelEntry;
  /** Says when the entry is not the model the code names (never priced silently as another model). */
  note?: string;
  /** The id the code names when the catalog does not know it exactly (priced as `entry`, the nearest). */
  unknownId?: string;
}

function knownExactly(id: string, overrides: ModelOverrides): boolean {
  if (findModel(id)) return true;
  try {
    return resolveModel(id, overrides).note === undefined;
  } catch {
    return false;
  }
}

/** `unknown model id X — priced as Y (nearest)`: the words the lens, the table and the JSON use. */
export function unknownModelText(choice: ModelChoice): string | undefined {
  return choice.unknownId === undefined ? undefined : `unknown model id ${choice.unknownId} — priced as ${choice.entry.id} (nearest)`;
}

/**
 * The entry for `modelId` (the call's literal model, if any), else for `defaultModel`. An id the
 * catalog cannot price falls back to the default model, and an unusable default to the newest
 * Sonnet, each with a note saying so.
 */
export function chooseModel(modelId: string | undefined, defaultModel: string, overrides: ModelOverrides): ModelChoice {
  const notes: string[] = [];
  const named = modelId !== undefined && modelId.trim() !== '' ? modelId.trim() : undefined;
  // Known exactly: the catalog (or the user's overrides) resolves the id without a note saying it had to guess.
  const exact = named !== undefined && knownExactly(named, overrides);
  const unknown = named !== undefined && !exact ? { unknownId: named } : {};
  for (const candidate of [modelId, defaultModel]) {
    if (candidate === undefined || candidate.trim() === '') {
      continue;
    }
    try {
      const { entry, note } = resolveModel(candidate, overrides);
      if (note) {
        notes.push(note);
      }
      return notes.length > 0 ? { entry, note: notes.join('; '), ...unknown } : { entry, ...unknown };
    } catch (error) {
      notes.push(`${error instanceof Error ? error.message : String(error)}; priced as the next choice`);
    }
  }
  const entry = newestOfFamily('sonnet');
  notes.push(`priced as ${entry.displayName} (${entry.id})`);
  return { entry, note: notes.join('; '), ...unknown };
}
