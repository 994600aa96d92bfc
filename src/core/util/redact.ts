/**
 * The one redaction of secrets: removes anything that could be an Anthropic API key from text bound
 * for a log, an error message or a toast, in the editor, the CLI and the API layer alike.
 */

/** `sk-ant-` followed by the key body; matches partial keys too, which are still secrets. */
const ANTHROPIC_KEY_PATTERN = /sk-ant-[A-Za-z0-9_-]*/g;

export const REDACTED_KEY = 'sk-ant-…[redacted]';

/** What a known secret of another shape becomes. */
export const REDACTED = '[redacted]';

/**
 * Returns `text` with every `sk-ant-…` run, and every exact occurrence of the `knownSecrets`
 * (keys of another shape, e.g. from `ANTHROPIC_API_KEY`), replaced by a redaction marker.
 */
export function redactSecrets(text: string, knownSecrets: Iterable<string> = []): string {
  let redacted = text.replace(ANTHROPIC_KEY_PATTERN, REDACTED_KEY);
  for (const secret of knownSecrets) {
    // Short strings would blank out ordinary words; real keys are long.
    if (secret.length >= 8) {
      redacted = redacted.split(secret).join(REDACTED);
    }
  }
  return redacted;
}

/** Renders a log argument as text (errors with their stack, objects as JSON) so it can be redacted before output. */
export function formatLogArgument(value: unknown): string {
  if (value instanceof Error) {
    return value.stack ?? `${value.name}: ${value.message}`;
  }
  if (typeof value === 'string') {
    return value;
  }
  if (value === undefined || typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' || value === null) {
    return String(value);
  }
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/** Joins a log message and its arguments into one redacted line. */
export function formatLogLine(message: string | Error, args: readonly unknown[], knownSecrets: Iterable<string> = []): string {
  const parts = [formatLogArgument(message), ...args.map(formatLogArgument)];
  return redactSecrets(parts.join(' '), knownSecrets);
}
