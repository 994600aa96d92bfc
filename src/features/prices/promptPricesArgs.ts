/**
 * The argument of `batchlens.showPromptPrices`, as the cost lens passes it and tests may. Pure.
 */
export const SHOW_PROMPT_PRICES_COMMAND = 'batchlens.showPromptPrices';

export interface PromptPricesArgs {
  /** Heading of the table, e.g. `SYSTEM_PROMPT`. */
  name: string;
  /** The prompt text to count. */
  text: string;
  /** The model the code uses (marked in the table). */
  model?: string;
  /** The token count already known for `model` (other models are counted afresh). */
  tokens?: number;
  /** True when `tokens` is an exact count from count_tokens rather than an estimate. */
  exact?: boolean;
  hasDynamicParts?: boolean;
}

/** Checks an untyped command argument; throws an Error that says what is missing. */
export function checkPromptPricesArgs(value: unknown): PromptPricesArgs {
  if (typeof value !== 'object' || value === null) {
    throw new Error('Show Prices for This Prompt needs a prompt: click a prompt cost lens.');
  }
  const raw = value as Record<string, unknown>;
  if (typeof raw.text !== 'string') {
    throw new Error('Show Prices for This Prompt needs the prompt text ({ name, text }).');
  }
  const args: PromptPricesArgs = {
    name: typeof raw.name === 'string' && raw.name.trim() !== '' ? raw.name : 'prompt',
    text: raw.text,
  };
  if (typeof raw.model === 'string' && raw.model.trim() !== '') {
    args.model = raw.model.trim();
  }
  if (typeof raw.tokens === 'number' && Number.isSafeInteger(raw.tokens) && raw.tokens >= 0) {
    args.tokens = raw.tokens;
    args.exact = raw.exact === true;
  }
  if (raw.hasDynamicParts === true) {
    args.hasDynamicParts = true;
  }
  return args;
}
