/*
 * The hidden system prompt the API adds whenever a request carries tools. Its size is documented
 * per model and per tool_choice (tool-use overview, "Tool use system prompt token count"; the
 * current table for 4.x/5 models, the earlier table for the Claude 3 models it no longer lists).
 * These are published figures, not fitted ones, except Opus 5's (measured, see below).
 */

interface ToolPromptSize {
  /** tool_choice auto or none (and no tool_choice). */
  auto: number;
  /** tool_choice any or tool. */
  forced: number;
}

/** Checked in order: more specific ids first (sonnet-4-5 before sonnet-4). */
const DOCUMENTED_TOOL_PROMPTS: ReadonlyArray<readonly [RegExp, ToolPromptSize]> = [
  // Opus 5 is not in the table; measured once: 281 with tool_choice auto (maruel/genai
  // claude-opus-5_thinking GenSync-Tools-SquareRoot). The forced figure keeps Opus 4.8's +120.
  [/opus-5(?![-.]\d)/, { auto: 281, forced: 401 }],
  [/opus-4-8/, { auto: 290, forced: 410 }],
  [/opus-4-7/, { auto: 675, forced: 804 }],
  [/opus-4-6/, { auto: 497, forced: 589 }],
  [/opus-4-5/, { auto: 496, forced: 588 }],
  [/opus-4/, { auto: 313, forced: 315 }],
  [/sonnet-5(?![-.]\d)/, { auto: 354, forced: 474 }],
  [/sonnet-4-6/, { auto: 497, forced: 589 }],
  [/sonnet-4-5/, { auto: 496, forced: 588 }],
  [/sonnet-4/, { auto: 313, forced: 315 }],
  [/haiku-4-5/, { auto: 496, forced: 588 }],
  [/3-5-haiku|haiku-3-5/, { auto: 264, forced: 355 }],
  [/3-7-sonnet|sonnet-3-7|3-5-sonnet-20241022|3-5-sonnet-latest/, { auto: 346, forced: 313 }],
  [/3-5-sonnet/, { auto: 294, forced: 261 }],
  [/3-opus/, { auto: 530, forced: 281 }],
  [/3-sonnet/, { auto: 159, forced: 235 }],
  [/3-haiku/, { auto: 264, forced: 340 }],
];

/**
 * For a model the table does not list (newer ids, custom names) we take the newest documented
 * generation's figure (Sonnet 5), which sits in the middle of the 4.x/5 range (290-675).
 */
const UNLISTED_MODEL_TOOL_PROMPT: ToolPromptSize = { auto: 354, forced: 474 };

/**
 * Tokens of the hidden tool-use system prompt for `model` under `toolChoiceType`
 * ("auto", "any", "tool", "none", or undefined when the request sets none).
 */
export function toolPromptTokens(model: string | undefined, toolChoiceType: string | undefined): number {
  const id = (model ?? '').toLowerCase();
  const size = DOCUMENTED_TOOL_PROMPTS.find(([pattern]) => pattern.test(id))?.[1] ?? UNLISTED_MODEL_TOOL_PROMPT;
  return toolChoiceType === 'any' || toolChoiceType === 'tool' ? size.forced : size.auto;
}
