// Helpers shared by the integration suites. They run inside a real VS Code extension host (through
// the code-server harness here, through @vscode/test-cli on a desktop) against the installed
// Batchlens extension and the sample workspace in test/fixtures/workspace.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

export const EXTENSION_ID = 'batchlens.batchlens';

/** Prices (USD per million tokens) from docs/reference: the lens must show these exact rates. */
export const RATES = {
  'Sonnet 4.6': { input: 3, batchInput: 1.5, cacheRead: 0.3 },
  'Haiku 4.5': { input: 1, batchInput: 0.5, cacheRead: 0.1 },
} as const;

export function workspaceRoot(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the tests need the sample workspace (test/fixtures/workspace) open');
  return folder.uri;
}

export function fixtureUri(relativePath: string): vscode.Uri {
  return vscode.Uri.joinPath(workspaceRoot(), ...relativePath.split('/'));
}

export async function openFixture(relativePath: string): Promise<vscode.TextEditor> {
  const document = await vscode.workspace.openTextDocument(fixtureUri(relativePath));
  return vscode.window.showTextDocument(document, { preview: false });
}

/** Polls `probe` until it returns a value other than undefined, or fails with `what`. */
export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const suffix = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${suffix}`);
}

export function batchlensExtension(): vscode.Extension<unknown> {
  const extension = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(extension, `${EXTENSION_ID} is not installed in this VS Code`);
  return extension;
}

/** The code of a diagnostic, whether given plainly or as `{ value, target }` (a docs link). */
export function codeOf(diagnostic: vscode.Diagnostic): string | undefined {
  const code = diagnostic.code;
  if (code === undefined) return undefined;
  return typeof code === 'object' ? String(code.value) : String(code);
}

export function batchlensDiagnostics(uri: vscode.Uri, code?: string): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'Batchlens' && (code === undefined || codeOf(d) === code));
}

/** Waits until Batchlens has published at least one diagnostic with `code` for `uri`. */
export function waitForDiagnostic(uri: vscode.Uri, code: string, timeoutMs?: number): Promise<vscode.Diagnostic[]> {
  return waitFor(`a Batchlens ${code} diagnostic in ${uri.path}`, () => {
    const found = batchlensDiagnostics(uri, code);
    return found.length > 0 ? found : undefined;
  }, timeoutMs);
}

export function waitForNoDiagnostic(uri: vscode.Uri, code: string, timeoutMs?: number): Promise<true> {
  return waitFor(`the Batchlens ${code} diagnostic in ${uri.path} to go away`, () => (batchlensDiagnostics(uri, code).length === 0 ? true : undefined), timeoutMs);
}

/** The resolved CodeLenses VS Code would render for `uri`. */
export async function codeLensesOf(uri: vscode.Uri): Promise<vscode.CodeLens[]> {
  const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 100);
  return lenses ?? [];
}

export interface LensFigures {
  estimate: boolean;
  tokens: number;
  model: string;
  syncUsd: number;
  batchUsd: number;
  cachedUsd: number;
}

const LENS_TITLE = /^(≈?)([\d,]+) tokens · (.+?) \$([\d.]+)\/call · batch \$([\d.]+) · cached(?: read)? \$([\d.]+)/;

/** Reads `≈1,240 tokens · Sonnet 4.6 $0.0037/call · batch $0.0019 · cached $0.0004`. */
export function parseLensTitle(title: string): LensFigures | undefined {
  const match = LENS_TITLE.exec(title);
  if (!match) return undefined;
  return {
    estimate: match[1] === '≈',
    tokens: Number(match[2].replace(/,/g, '')),
    model: match[3],
    syncUsd: Number(match[4]),
    batchUsd: Number(match[5]),
    cachedUsd: Number(match[6]),
  };
}

/** Waits for the cost lens on `line` (0-based) of `uri` and returns its title and figures. */
export async function waitForCostLens(uri: vscode.Uri, line: number, model?: string): Promise<{ title: string; figures: LensFigures }> {
  return waitFor(`a cost lens${model ? ` for ${model}` : ''} on line ${line + 1} of ${uri.path}`, async () => {
    for (const lens of await codeLensesOf(uri)) {
      const title = lens.command?.title ?? '';
      const figures = parseLensTitle(title);
      if (figures && lens.range.start.line === line && (model === undefined || figures.model === model)) return { title, figures };
    }
    return undefined;
  });
}

/** Asserts that a shown dollar figure is `exact` rounded the way it is displayed. */
export function assertDisplayedUsd(shown: number, exact: number, label: string): void {
  // The display rounds to its last shown decimal (at least 4 places); allow that much and 1% more.
  const tolerance = 0.00005 + exact * 0.01;
  assert.ok(Math.abs(shown - exact) <= tolerance, `${label}: shown $${shown}, expected about $${exact.toFixed(6)}`);
}

/** Checks every figure of a cost lens against the model's rates and the token count it shows. */
export function assertLensPrices(figures: LensFigures, model: keyof typeof RATES): void {
  const rates = RATES[model];
  assert.equal(figures.model, model);
  assertDisplayedUsd(figures.syncUsd, (figures.tokens * rates.input) / 1e6, `${model} sync price`);
  assertDisplayedUsd(figures.batchUsd, (figures.tokens * rates.batchInput) / 1e6, `${model} batch price`);
  assertDisplayedUsd(figures.cachedUsd, (figures.tokens * rates.cacheRead) / 1e6, `${model} cached read price`);
}

/** The 0-based line of the first occurrence of `needle` in the document. */
export function lineOf(document: vscode.TextDocument, needle: string): number {
  const offset = document.getText().indexOf(needle);
  assert.ok(offset >= 0, `"${needle}" not found in ${document.uri.path}`);
  return document.positionAt(offset).line;
}

/** Sets a Batchlens user setting and returns a function that restores the previous value. */
export async function withSetting(key: string, value: unknown): Promise<() => Promise<void>> {
  const config = vscode.workspace.getConfiguration('batchlens');
  const previous = config.inspect(key)?.globalValue;
  await config.update(key, value, vscode.ConfigurationTarget.Global);
  return async () => {
    await vscode.workspace.getConfiguration('batchlens').update(key, previous, vscode.ConfigurationTarget.Global);
  };
}

/** Reverts the active editor's unsaved changes (the workspace is a per-run copy, but suites share it). */
export async function revertActiveEditor(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.files.revert');
}
