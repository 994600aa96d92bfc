import type { TokenizerGeneration } from '../pricing/modelEntry';
import { UnknownModelError, resolveModel } from '../pricing/catalog';
import type { ModelOverrides } from '../pricing/overrides';

/** Claude 2, Claude Instant and Claude 3.x ids: all counted with the older tokenizer. */
const PRE_4_MODEL = /^claude-(2|instant|3)/;

/**
 * The tokenizer generation `modelId` counts with: the catalog entry's, except that an id the catalog
 * does not know but which names a pre-4 generation (claude-3-opus-…, claude-2.1) is 'legacy'.
 * Throws `UnknownModelError` like `resolveModel` for any other unknown id.
 */
export function tokenizerForModel(modelId: string, overrides?: ModelOverrides): TokenizerGeneration {
  try {
    return resolveModel(modelId, overrides).entry.tokenizer;
  } catch (error) {
    if (error instanceof UnknownModelError && PRE_4_MODEL.test(modelId.trim().toLowerCase())) return 'legacy';
    throw error;
  }
}
