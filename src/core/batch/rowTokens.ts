import * as path from 'node:path';
import type { BatchRequest } from '../api/batchApi';
import type { TokenizerGeneration } from '../pricing/modelEntry';
import { estimateRequestTokens } from '../tokens/estimate';

/** Jobs up to this many rows have every row counted with the byte-pair estimator. */
export const COUNT_EVERY_ROW_UP_TO = 1_000;
/** Past that, one row in this many is counted; the others are estimated from their size. */
export const SAMPLE_EVERY = 10;
/**
 * Past this many rows each type's rate rests on hundreds of counted files (900 of them for a job of
 * one type), which a sparser sample no longer moves: one row in `SPARSE_SAMPLE_EVERY` is counted from
 * here on. Counting one row in ten cost a 100,000-file preview about a second for no better figure.
 */
export const SPARSE_SAMPLING_FROM = 10_000;
export const SPARSE_SAMPLE_EVERY = 100;
/*
 * From the same row on, an uncounted row's prompt without its file is not counted either: it is the
 * type's last counted one, give or take its path's length at the type's rate (the path is all that
 * differs between them). Counting it for each of 90,000 rows cost a 100,000-file preview about a
 * second of its five, and moved the estimate by a few tokens a row at most.
 */
/** A file type needs this many counted rows before its rate is used for the others. */
const MIN_SAMPLES_PER_TYPE = 20;
/** Files at least this long are always counted (far below any context window, so pre-flight's length check stays exact). */
const ALWAYS_COUNT_CHARS = 20_000;
/** Text that is not ASCII is always counted: its rate varies too much between files. */
const NOT_ASCII = /[\u0080-\uffff]/;

/** One row's estimated prompt tokens, and its shared system prefix's. */
export interface RowTokens {
  inputTokens: number;
  systemTokens: number;
}

/**
 * The offline estimate of each row's prompt tokens, for jobs of any size. Small jobs have every row
 * counted with the byte-pair estimator. In a large job the files of one type are alike, so past
 * `COUNT_EVERY_ROW_UP_TO` rows one in `SAMPLE_EVERY` is counted (one in `SPARSE_SAMPLE_EVERY` past
 * `SPARSE_SAMPLING_FROM`), and each other row is its prompt
 * without the file (counted: the path, the template, the system prompt; past `SPARSE_SAMPLING_FROM`
 * the type's last counted one adjusted for the path's length) plus the file's characters
 * at the tokens-per-character rate its type's counted rows showed. Long files, files that are not
 * plain ASCII and file types with too few counted rows are always counted. Every figure stays an
 * estimate (≈), and `countedRows` says how many rows were counted.
 */
export class RowTokenEstimator {
  private rows = 0;
  private counted = 0;
  private readonly rates = new Map<string, { rows: number; chars: number; tokens: number }>();
  /** Per type, the last counted row's prompt without its file, and its path's length. */
  private readonly fixedOfType = new Map<string, { tokens: number; systemTokens: number; pathChars: number }>();

  constructor(
    private readonly tokenizer: TokenizerGeneration,
    private readonly model: string,
  ) {}

  /** Rows estimated so far, and how many of them were counted in full. */
  get sampling(): { rows: number; countedRows: number } {
    return { rows: this.rows, countedRows: this.counted };
  }

  /**
   * `params` is the row's request; `withoutFile` the same request rendered for an empty file (built
   * only when needed); `content` the file's text and `relativePath` its path; `asciiOnly` whether
   * the text is all ASCII, when the caller knows it without a scan (else the text is scanned).
   */
  estimate(params: BatchRequest['params'], withoutFile: () => BatchRequest['params'], content: string, relativePath: string, asciiOnly?: boolean): RowTokens {
    const index = this.rows++;
    const type = path.posix.extname(relativePath).toLowerCase();
    const rate = this.rates.get(type);
    const count =
      index < COUNT_EVERY_ROW_UP_TO ||
      index % (index < SPARSE_SAMPLING_FROM ? SAMPLE_EVERY : SPARSE_SAMPLE_EVERY) === 0 ||
      content.length >= ALWAYS_COUNT_CHARS ||
      (rate?.rows ?? 0) < MIN_SAMPLES_PER_TYPE ||
      !(asciiOnly ?? !NOT_ASCII.test(content));
    if (count) {
      this.counted += 1;
      const full = estimateRequestTokens(params, this.tokenizer, { model: this.model });
      // Only large jobs ever use the rates, so only they pay for the prompt without the file.
      if (index + 1 >= COUNT_EVERY_ROW_UP_TO / 2) {
        const fixed = estimateRequestTokens(withoutFile(), this.tokenizer, { model: this.model });
        const entry = rate ?? { rows: 0, chars: 0, tokens: 0 };
        entry.rows += 1;
        entry.chars += content.length;
        entry.tokens += Math.max(0, full.inputTokens - fixed.inputTokens);
        this.rates.set(type, entry);
        this.fixedOfType.set(type, { tokens: fixed.inputTokens, systemTokens: fixed.parts.system, pathChars: relativePath.length });
      }
      return { inputTokens: full.inputTokens, systemTokens: full.parts.system };
    }
    const perChar = rate!.chars > 0 ? rate!.tokens / rate!.chars : 0;
    const known = index >= SPARSE_SAMPLING_FROM ? this.fixedOfType.get(type) : undefined;
    if (known) {
      const fixedTokens = Math.max(0, known.tokens + Math.round((relativePath.length - known.pathChars) * perChar));
      return { inputTokens: fixedTokens + Math.round(content.length * perChar), systemTokens: known.systemTokens };
    }
    const fixed = estimateRequestTokens(withoutFile(), this.tokenizer, { model: this.model });
    return { inputTokens: fixed.inputTokens + Math.round(content.length * perChar), systemTokens: fixed.parts.system };
  }
}
