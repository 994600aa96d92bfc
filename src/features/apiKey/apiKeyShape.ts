/**
 * Checks that a pasted value looks like an Anthropic API key before it is stored. Pure (no
 * `vscode`). Messages never echo the value: it may be a real key pasted into the wrong place.
 */

const KEY_PREFIX = 'sk-ant-';
/** Real keys are ~108 characters (`sk-ant-api03-` + body); allow shorter test and admin keys, reject fragments. */
const MIN_KEY_LENGTH = 32;
const MAX_KEY_LENGTH = 256;
const KEY_CHARACTERS = /^[A-Za-z0-9_-]+$/;

/** Returns why `value` is not a plausible API key, or undefined when it is. Leading/trailing spaces are ignored. */
export function apiKeyShapeProblem(value: string): string | undefined {
  const key = value.trim();
  if (key === '') {
    return 'Enter an API key.';
  }
  if (!key.startsWith(KEY_PREFIX)) {
    return `An Anthropic API key starts with "${KEY_PREFIX}".`;
  }
  if (!KEY_CHARACTERS.test(key)) {
    return 'An Anthropic API key has only letters, digits, "-" and "_" (no spaces or quotes).';
  }
  if (key.length < MIN_KEY_LENGTH) {
    return `That is too short for an Anthropic API key (at least ${MIN_KEY_LENGTH} characters).`;
  }
  if (key.length > MAX_KEY_LENGTH) {
    return `That is too long for an Anthropic API key (at most ${MAX_KEY_LENGTH} characters).`;
  }
  return undefined;
}

/** Whether a failure's message says the API refused the key (as `explainApiError` words it, or the API's own text). */
export function isKeyProblem(message: string): boolean {
  return /api key|x-api-key|authentication_error|invalid bearer|unauthori[sz]ed/i.test(message);
}
