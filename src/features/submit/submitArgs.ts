import vscode = require('vscode');

/**
 * Options a caller (an integration test, another extension, a keybinding) may pass as the third
 * argument of `batchlens.batchSelectedFiles`, or the first of `batchlens.submitBatchQueue`, to run
 * without UI:
 * - `template`: a template name or file; skips the template QuickPick.
 * - `confirm`: `true` submits without the preview dialog; `false` stops after the preview (a dry run).
 * - `allowSecrets`: `true` sends likely-secret files without asking; `false` skips them without asking.
 * - `exact`: count input tokens with count_tokens (needs a key).
 * - `again`: `true` sends files another job still has in flight once more (billed again); `false`
 *   refuses them without asking. Without it the user is asked, or, with `confirm` set (no UI), refused.
 */
export interface SubmitCommandOptions {
  template?: string;
  confirm?: boolean;
  allowSecrets?: boolean;
  exact?: boolean;
  again?: boolean;
}

/** What the submit commands resolve to (undefined when the user cancelled before a preview existed). */
export interface SubmitCommandResult {
  jobId: string;
  /** Batch ids created; empty for a preview that was not submitted. */
  batches: string[];
  requests: number;
  skipped: Array<{ path: string; reason: string }>;
  estimate: { batchUsd: number; syncUsd: number };
  submitted: boolean;
  /** Why the job was not (fully) sent: the API's explanation of a failed create, or a refusal before sending. */
  error?: string;
}

/** Reads `(uri, uris, options)` as the explorer passes them (clicked item, whole selection), tolerating anything else. */
export function selectionFromArgs(clicked: unknown, selected: unknown): vscode.Uri[] {
  if (Array.isArray(selected)) {
    const uris = selected.filter((item): item is vscode.Uri => item instanceof vscode.Uri);
    if (uris.length > 0) return uris;
  }
  return clicked instanceof vscode.Uri ? [clicked] : [];
}

export function optionsFromArg(value: unknown): SubmitCommandOptions {
  if (typeof value !== 'object' || value === null || value instanceof vscode.Uri || Array.isArray(value)) return {};
  const raw = value as Record<string, unknown>;
  const options: SubmitCommandOptions = {};
  if (typeof raw.template === 'string') options.template = raw.template;
  if (typeof raw.confirm === 'boolean') options.confirm = raw.confirm;
  if (typeof raw.allowSecrets === 'boolean') options.allowSecrets = raw.allowSecrets;
  if (typeof raw.exact === 'boolean') options.exact = raw.exact;
  if (typeof raw.again === 'boolean') options.again = raw.again;
  return options;
}
