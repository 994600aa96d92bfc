import { sha256Hex } from '../util/sha256';
import type { TokenizerGeneration } from '../pricing/modelEntry';
import type { Logger } from '../util/logger';
import { BPE_COUNT_NAMES, type BpeCounts, countBpeBounded } from './bpeCounter';
import type { TokenCountStore } from './exactCounter';
import { DEFAULT_TEXT_MODEL, type TextModel, priceBpeCounts } from './textModel';

/*
 * Learning from exact counts. Each time count_tokens answers for one of the workspace's prompts we
 * keep a small record: a hash of the text (never the text), the model, the text's measured
 * features and the exact count. Later estimates for that workspace are scaled by how far the
 * offline estimate has missed on its own prompts, per tokenizer generation: a workspace of
 * digit-heavy tables or of another language learns that the general rates miss it, and by how much.
 */

/** One exact count, as kept in the workspace's state. */
export interface ExactCountRecord {
  /** sha256 of the text, hex: identifies a prompt without keeping it. */
  hash: string;
  model: string;
  tokenizer: TokenizerGeneration;
  /** The text's reference-vocabulary counts: enough to re-estimate it under any future rates. */
  features: BpeCounts;
  /** The text's own tokens from count_tokens (request framing subtracted). */
  exact: number;
}

/** A workspace-corrected estimate of a text's own tokens. */
export interface CalibratedEstimate {
  tokens: number;
  /** How many of the workspace's exact counts (same tokenizer generation) shaped the correction; 0 for none. */
  calibratedOn: number;
}

export const STORE_KEY = 'batchlens.tokenCalibration';
/** Records kept per workspace: the newest this many (a record is ~200 bytes). */
export const MAX_RECORDS = 200;
/**
 * How strongly the correction is held at 1, in prompts: with one recorded prompt the estimate moves
 * a third of the way (in log terms) to that prompt's ratio, with 30 about 94% of the way.
 */
const PRIOR_PROMPTS = 2;
/** A prompt's weight grows with its size up to this many estimated tokens (short ones are rounding noise). */
const FULL_WEIGHT_TOKENS = 20;
/** The correction never scales an estimate by more than this factor either way. */
const MAX_FACTOR = 2;

function isRecord(value: unknown): value is ExactCountRecord {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Partial<ExactCountRecord>;
  return (
    typeof record.hash === 'string' &&
    typeof record.model === 'string' &&
    (record.tokenizer === 'legacy' || record.tokenizer === 'new') &&
    typeof record.exact === 'number' &&
    Number.isFinite(record.exact) &&
    typeof record.features === 'object' &&
    record.features !== null &&
    BPE_COUNT_NAMES.every((name) => typeof (record.features as Partial<BpeCounts>)[name] === 'number')
  );
}

/**
 * The exact counts of one workspace and the correction they imply. Reads the store once, keeps
 * the records in memory and writes them back after each new count. Malformed stored entries are
 * dropped, never trusted.
 */
export class WorkspaceTokenCalibration {
  private records: ExactCountRecord[];
  private readonly factors = new Map<TokenizerGeneration, { factor: number; prompts: number }>();

  constructor(
    private readonly store: TokenCountStore | undefined,
    private readonly logger?: Logger,
    private readonly rates: Readonly<TextModel> = DEFAULT_TEXT_MODEL,
  ) {
    const stored = store?.get(STORE_KEY);
    this.records = Array.isArray(stored) ? stored.filter(isRecord).slice(-MAX_RECORDS) : [];
  }

  /** Records an exact count of `text`'s own tokens for `model`. A text already recorded for the model is replaced. */
  async record(text: string, model: string, tokenizer: TokenizerGeneration, exactOwnTokens: number): Promise<void> {
    if (text.length === 0 || !Number.isFinite(exactOwnTokens) || exactOwnTokens <= 0) return;
    const hash = sha256Hex(text);
    const record: ExactCountRecord = { hash, model, tokenizer, features: countBpeBounded(text), exact: exactOwnTokens };
    this.records = [...this.records.filter((other) => other.hash !== hash || other.model !== model), record].slice(-MAX_RECORDS);
    this.factors.clear();
    try {
      await this.store?.update(STORE_KEY, this.records);
    } catch (error) {
      this.logger?.warn(`could not store a token count record: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** How many exact counts this workspace holds for a tokenizer generation. */
  promptsFor(tokenizer: TokenizerGeneration): number {
    return this.records.filter((record) => record.tokenizer === tokenizer).length;
  }

  /**
   * The multiplier for offline estimates under `tokenizer`: the weighted geometric mean of
   * exact / estimated over the recorded prompts, pulled towards 1 by `PRIOR_PROMPTS`.
   */
  correction(tokenizer: TokenizerGeneration): { factor: number; prompts: number } {
    const cached = this.factors.get(tokenizer);
    if (cached) return cached;
    let weightedLogRatio = 0;
    let weight = 0;
    let prompts = 0;
    for (const record of this.records) {
      if (record.tokenizer !== tokenizer) continue;
      const estimated = priceBpeCounts(record.features, this.rates[tokenizer]);
      if (estimated <= 0) continue;
      const w = Math.min(1, estimated / FULL_WEIGHT_TOKENS);
      weightedLogRatio += w * Math.log(record.exact / estimated);
      weight += w;
      prompts += 1;
    }
    const factor = Math.min(MAX_FACTOR, Math.max(1 / MAX_FACTOR, Math.exp(weightedLogRatio / (weight + PRIOR_PROMPTS))));
    const result = { factor, prompts };
    this.factors.set(tokenizer, result);
    return result;
  }

  /** The offline estimate of `text`'s own tokens, corrected by this workspace's exact counts. Always an estimate. */
  estimate(text: string, tokenizer: TokenizerGeneration): CalibratedEstimate {
    if (typeof text !== 'string' || text.length === 0) return { tokens: 0, calibratedOn: 0 };
    const { factor, prompts } = this.correction(tokenizer);
    const raw = priceBpeCounts(countBpeBounded(text), this.rates[tokenizer]);
    return { tokens: Math.max(1, Math.round(raw * factor)), calibratedOn: prompts };
  }
}
