import type { TokenizerGeneration } from '../pricing/modelEntry';
import { DEFAULT_HIDDEN_PROMPTS, type HiddenPromptCoefficients } from './hiddenPrompts';
import { HIDDEN_PROMPT_NAMES, type RequestFeatures, type RequestStructure, STRUCTURE_NAMES, measureRequest } from './requestFeatures';
import { DEFAULT_TEXT_MODEL, type TextModel, priceBpeCounts } from './textModel';

export { estimateTextTokens } from './textModel';

/** Tokens the API adds for each countable piece of a request's structure. */
export type FramingCoefficients = { request: number } & Record<keyof RequestStructure, number>;

/**
 * Framing and hidden-prompt rates, in whole tokens (markers are whole tokens). The "fitted" ones come
 * from `scripts/calibrate-tokens.ts` (prior in brackets; "kept" where the fit stayed at the prior);
 * the rest are set from the API's request format. One-turn prompts pin request + turn + opener at 7:
 * "Hello, world" (3 tokens of text) counts 10.
 */
export const DEFAULT_FRAMING_COEFFICIENTS: Readonly<FramingCoefficients> = {
  // fitted [1]: a start-of-prompt marker.
  request: 1,
  // fitted [3]: each turn opens with a role marker ("\n\nHuman:") and closes with a separator.
  messages: 3,
  // fitted [3]: after a user turn the API opens the assistant's turn ("\n\nAssistant:"); not after a prefill.
  assistantOpeners: 3,
  // fitted [2]: measured 0: the system prompt sits before the first turn marker with no delimiter of its own.
  systemPrompts: 0,
  // fitted [1]: each further content block of a turn (text after an image, several text blocks) costs
  // more than a separator: block markup.
  extraBlocks: 6,
  // fitted [10], kept: a document is wrapped in markup naming its source, title and index.
  documents: 10,
  // fitted [10]: a tool_use or tool_result block is wrapped in markup with the tool name and id.
  toolBlocks: 23,
  // fitted [10]: each tool definition is wrapped in its own function markup (on top of its JSON text).
  tools: 14,
  // fitted [1600]: each PDF page is also sent as an image (1600 is the documented cost of the largest
  // image); one-page PDFs of one word cost 1,594 tokens on Haiku 4.5 and Opus 4.8 (maruel/genai).
  pdfPages: 1559,
};

/** Every rate the request estimator uses; the calibration script refits some of them. */
export interface EstimatorCoefficients {
  text: Readonly<TextModel>;
  framing: Readonly<FramingCoefficients>;
  hidden: Readonly<Record<TokenizerGeneration, HiddenPromptCoefficients>>;
}

export const DEFAULT_ESTIMATOR_COEFFICIENTS: EstimatorCoefficients = {
  text: DEFAULT_TEXT_MODEL,
  framing: DEFAULT_FRAMING_COEFFICIENTS,
  hidden: DEFAULT_HIDDEN_PROMPTS,
};

/** An estimated prompt size, split by where the tokens come from. Always an estimate. */
export interface RequestTokenEstimate {
  /** Estimated prompt tokens: what input + cache write + cache read tokens would add up to. */
  inputTokens: number;
  parts: {
    /** Request, turn, block and tool-definition delimiters the API adds. */
    framing: number;
    system: number;
    messages: number;
    /** Tool definitions and output schemas, plus the hidden tool-use system prompt. */
    tools: number;
    /** Hidden instructions for thinking, structured output and citations (hiddenPrompts.ts). */
    hidden: number;
    /** Images, PDF pages and Anthropic-defined tools, from documented per-item figures. */
    media: number;
  };
  estimate: true;
  exact: false;
}

export interface EstimateOptions {
  /** The model id, when the body does not name it (picks the tool-use prompt size). */
  model?: string;
  /** Replaces the built-in rates (the calibration script's cross-validation). */
  coefficients?: EstimatorCoefficients;
}

function framingTokens(structure: RequestStructure, framing: Readonly<FramingCoefficients>): number {
  let tokens = framing.request;
  for (const name of STRUCTURE_NAMES) {
    tokens += structure[name] * framing[name];
  }
  return tokens;
}

/** Prices measured request features (exported for the calibration script, which measures once and refits). */
export function priceRequestFeatures(
  features: RequestFeatures,
  tokenizer: TokenizerGeneration,
  coefficients: EstimatorCoefficients = DEFAULT_ESTIMATOR_COEFFICIENTS,
): RequestTokenEstimate {
  const text = coefficients.text[tokenizer];
  const framing = coefficients.framing;
  const hidden = coefficients.hidden[tokenizer];
  const parts = {
    framing: Math.round(framingTokens(features.structure, framing)),
    system: Math.round(priceBpeCounts(features.systemText, text)),
    messages: Math.round(priceBpeCounts(features.messagesText, text)),
    tools: Math.round(priceBpeCounts(features.toolsText, text) + features.toolPromptTokens),
    hidden: Math.round(HIDDEN_PROMPT_NAMES.reduce((sum, name) => sum + features.hidden[name] * hidden[name], features.documentedHiddenTokens)),
    media: Math.round(features.mediaTokens),
  };
  const inputTokens = parts.framing + parts.system + parts.messages + parts.tools + parts.hidden + parts.media;
  return { inputTokens, parts, estimate: true, exact: false };
}

/**
 * Estimates the prompt tokens of a Messages request body (system, messages with any block types,
 * tools and tool_choice, thinking), including the framing and hidden prompts the API adds, for the
 * given tokenizer generation. Never throws: an odd body is measured as far as it makes sense and
 * unknown blocks count as their JSON text. Linear in the size of the body.
 *
 * @example
 * estimateRequestTokens({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'Hello, world' }] }, 'legacy')
 * // { inputTokens: 10, parts: { framing: 7, messages: 3, ... }, estimate: true, exact: false }
 */
export function estimateRequestTokens(body: unknown, tokenizer: TokenizerGeneration, options: EstimateOptions = {}): RequestTokenEstimate {
  return priceRequestFeatures(measureRequest(body, options.model), tokenizer, options.coefficients);
}
