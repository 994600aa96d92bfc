import * as vscode from 'vscode';

/** Composes the features; makes no network call and scans nothing. */
export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('Batchlens', { log: true });
  context.subscriptions.push(log);
}

export function deactivate(): void {}
