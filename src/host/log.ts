import vscode = require('vscode');
import type { Logger } from '../core/util/logger';
import { formatLogLine, redactSecrets } from '../core/util/redact';

export type BatchlensLog = vscode.LogOutputChannel & Logger & {
  /** Also redact this exact value (a key of a shape the pattern does not catch) from everything logged. */
  addSecret(secret: string): void;
  /** `text` with every API key (by shape, or added with `addSecret`) replaced by a marker. */
  redact(text: string): string;
};

/**
 * The single "Batchlens" LogOutputChannel. Its level is set from the Output panel, so there is no
 * log-level setting. Every line is formatted here and redacted of API keys before it reaches the
 * channel, which is why arguments are not passed through to VS Code's own formatter.
 */
export function createLog(): BatchlensLog {
  const channel = vscode.window.createOutputChannel('Batchlens', { log: true });
  const secrets = new Set<string>();
  const line = (message: string | Error, args: readonly unknown[]) => formatLogLine(message, args, secrets);

  return {
    get name() {
      return channel.name;
    },
    get logLevel() {
      return channel.logLevel;
    },
    onDidChangeLogLevel: channel.onDidChangeLogLevel,
    trace: (message: string, ...args: unknown[]) => channel.trace(line(message, args)),
    debug: (message: string, ...args: unknown[]) => channel.debug(line(message, args)),
    info: (message: string, ...args: unknown[]) => channel.info(line(message, args)),
    warn: (message: string, ...args: unknown[]) => channel.warn(line(message, args)),
    error: (message: string | Error, ...args: unknown[]) => channel.error(line(message, args)),
    append: (value: string) => channel.append(redactSecrets(value, secrets)),
    appendLine: (value: string) => channel.appendLine(redactSecrets(value, secrets)),
    replace: (value: string) => channel.replace(redactSecrets(value, secrets)),
    clear: () => channel.clear(),
    show: (columnOrPreserveFocus?: vscode.ViewColumn | boolean, preserveFocus?: boolean) => {
      if (typeof columnOrPreserveFocus === 'boolean' || columnOrPreserveFocus === undefined) {
        channel.show(columnOrPreserveFocus);
      } else {
        channel.show(columnOrPreserveFocus, preserveFocus);
      }
    },
    hide: () => channel.hide(),
    dispose: () => channel.dispose(),
    addSecret: (secret: string) => {
      secrets.add(secret);
    },
    redact: (text: string) => redactSecrets(text, secrets),
  };
}
