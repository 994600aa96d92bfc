import type * as Sdk from '@anthropic-ai/sdk';

export type AnthropicSdk = typeof Sdk;

let loaded: AnthropicSdk | undefined;

/**
 * The official SDK, loaded on first use. Evaluating it costs more than the rest of the extension's
 * activation together, and it is only needed once a batch or an exact token count is asked for. A
 * plain `require` inside a function is what lets the bundler keep the module's evaluation lazy (a
 * static import would run it when the bundle loads).
 */
export function loadSdk(): AnthropicSdk {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded ??= require('@anthropic-ai/sdk') as AnthropicSdk;
  return loaded;
}
