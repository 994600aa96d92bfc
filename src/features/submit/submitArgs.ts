import * as vscode from 'vscode';

/**
 * Options a caller (an integration test, another extension, a keybinding) may pass as the third
 * argument of `batchlens.batchSelectedFiles`, or the first of `batchlens.submitBatchQueue`, to run
 * without UI:
 * - `template`: a template name or file; skips the template QuickPick.
 * - `confirm`: `true` submits without the preview dialog; `false` stops after the preview (a dry run).
 * - `allowSecrets`: `true` sends likely-secret files without asking; `false` skips them without asking.
 * - `exact`: count input tokens with count_tokens (needs a key).
 */
export interface SubmitCommandOptions {
  template?: string;
  confirm?: boolean;
  allowSecrets?: boolean;
  exact?: boolean;
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
  /** The API's explanation when a create call failed. */
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
  return options;
}
