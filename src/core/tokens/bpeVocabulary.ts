/*
 * The byte-pair vocabulary the offline estimator counts with: Anthropic's published tokenizer of the
 * Claude 2 generation (`@anthropic-ai/tokenizer`, 64,739 tokens, Apache-2.0). It is not the
 * tokenizer of today's models, but it was trained on the same kind of text, so its token counts
 * follow theirs closely once corrected per kind of piece and per tokenizer generation (textModel.ts).
 *
 * The vocabulary file (~700 KB of JSON) is required on first use, never at import time, so loading
 * the extension or the CLI does not pay for it; the first estimate takes a few tens of milliseconds.
 */

interface VocabularyFile {
  pat_str: string;
  /** tiktoken's compressed rank list: "! <first rank> <base64 token> <base64 token> …" lines. */
  bpe_ranks: string;
}

export interface BpeVocabulary {
  /** Rank of each token, keyed by its bytes as a latin1 string (one char per byte). */
  ranks: Map<string, number>;
  /** The pre-tokenizer: text is cut into pieces (words with their leading space, digit runs, …) before merging. */
  pieces: RegExp;
}

let loaded: BpeVocabulary | undefined;

function parseVocabulary(file: VocabularyFile): BpeVocabulary {
  const ranks = new Map<string, number>();
  for (const line of file.bpe_ranks.split('\n')) {
    if (line === '') continue;
    const fields = line.split(' ');
    const first = Number.parseInt(fields[1], 10);
    for (let index = 2; index < fields.length; index++) {
      ranks.set(Buffer.from(fields[index], 'base64').toString('latin1'), first + index - 2);
    }
  }
  return { ranks, pieces: new RegExp(file.pat_str, 'gu') };
}

/** The vocabulary, loaded and parsed on the first call. */
export function bpeVocabulary(): BpeVocabulary {
  if (!loaded) {
    // A plain require inside the function: esbuild bundles the JSON but evaluates it only here.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = parseVocabulary(require('@anthropic-ai/tokenizer/dist/cjs/claude.json') as VocabularyFile);
  }
  return loaded;
}

/** Whether the vocabulary has been loaded (the activation tests check that it is not). */
export function isBpeVocabularyLoaded(): boolean {
  return loaded !== undefined;
}
