import type { TokenizerGeneration } from '../pricing/modelEntry';
import type { HiddenPromptCounts } from './requestFeatures';

/*
 * Hidden instructions the API adds to the prompt for some request options. The figures are what the
 * recorded exchanges in `shared/data/tokens` show: the prompt total minus everything else the
 * estimator counts in the same request (the hidden instruction is the only difference between
 * sibling rows that share a prompt). They are not published by Anthropic.
 */

/** Tokens of each hidden instruction, for one tokenizer generation. */
export type HiddenPromptCoefficients = Record<keyof HiddenPromptCounts, number>;

/**
 * The general figures, refit by `scripts/calibrate-tokens.ts` (prior in brackets) and rounded. The
 * same instruction costs more in the newer tokenizer, as any text does.
 */
export const DEFAULT_HIDDEN_PROMPTS: Readonly<Record<TokenizerGeneration, HiddenPromptCoefficients>> = {
  legacy: {
    // fitted [29]: "enabled" thinking with a budget; 27-30 tokens on each of Claude 3.7 Sonnet, Opus 4,
    // 4.1, 4.5, 4.6, Sonnet 4.5 and Haiku 4.5 (one-turn rows of maruel/genai, crmne/ruby_llm, tidyverse/ellmer).
    thinkingEnabled: 29,
    // fitted [0]: "adaptive" thinking on Sonnet 4.6: 2 tokens (maruel/genai claude-sonnet-4-6_thinking).
    thinkingAdaptive: 1,
    // fitted [100]: structured output (output_config.format) adds 117-157 tokens besides the schema
    // (maruel/genai GenSync-JSONSchema on Haiku 4.5, Opus 4.6, Sonnet 4.5/4.6; crmne/ruby_llm; ellmer).
    outputFormats: 127,
    // fitted [500]: a text document with citations enabled: 542-584 tokens more than without
    // (maruel/genai GenSync-Citations on Haiku 4.5 and Opus 4.6; crmne/ruby_llm chat_citations).
    citationDocuments: 538,
  },
  new: {
    // fitted [29]: no row has "enabled" thinking on a newer-tokenizer model; the older figure is kept.
    thinkingEnabled: 29,
    // fitted [0]: adaptive thinking adds 0-6 tokens on Opus 4.8, Opus 5 and Sonnet 5 (maruel/genai
    // *_thinking, tmc/langchaingo, crmne/ruby_llm, activeagents/activeagent).
    thinkingAdaptive: 1,
    // fitted [130]: 165 on Opus 4.8 and 166 on Opus 5 (maruel/genai GenSync-JSONSchema). The priors
    // of the newer generation are the older ones' x1.3, as for any text.
    outputFormats: 166,
    // fitted [650]: 779 on Opus 4.8 and 782 on Sonnet 5 (maruel/genai GenSync-Citations).
    citationDocuments: 773,
  },
};

/**
 * Models whose thinking instruction differs from their generation's general figure, measured on
 * that model. Checked in order (more specific ids first).
 */
const DOCUMENTED_THINKING: ReadonlyArray<readonly [RegExp, Partial<Record<'enabled' | 'adaptive', number>>]> = [
  // Opus 4.6's adaptive-thinking instruction is longer: 17 tokens
  // (simonw/llm-anthropic tests/cassettes/test_anthropic/test_opus_46_adaptive_thinking.yaml).
  [/opus-4-6/, { adaptive: 17 }],
];

/** The measured size of `model`'s thinking instruction in `mode`, or undefined to use the generation's figure. */
export function documentedThinkingTokens(model: string | undefined, mode: 'enabled' | 'adaptive'): number | undefined {
  const id = (model ?? '').toLowerCase();
  return DOCUMENTED_THINKING.find(([pattern]) => pattern.test(id))?.[1][mode];
}
