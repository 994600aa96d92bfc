import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { waitFor } from './support';

function allTabLabels(): string[] {
  return vscode.window.tabGroups.all.flatMap((group) => group.tabs.map((tab) => tab.label));
}

/** Text of every open document and of the active tab (a webview's title counts as its label). */
function visibleText(): string {
  return vscode.workspace.textDocuments.map((document) => document.getText()).join('\n');
}

describe('Batchlens: Show Model Prices', () => {
  it('opens a table of every current model with its prices', async () => {
    const labelsBefore = new Set(allTabLabels());
    // The command may open a document, a webview or a quick pick; do not wait on a pick being chosen.
    const ran = Promise.resolve(vscode.commands.executeCommand('batchlens.showModelPrices'));
    const outcome = await waitFor('the model price table to open', () => {
      const newTab = allTabLabels().find((label) => !labelsBefore.has(label) && /price/i.test(label));
      if (newTab) return `tab "${newTab}"`;
      const text = visibleText();
      if (/Sonnet 4\.6/.test(text) && /Haiku 4\.5/.test(text) && /Opus/.test(text) && /\$/.test(text)) return 'document';
      return undefined;
    });
    assert.ok(outcome);
    await Promise.race([ran, new Promise((resolve) => setTimeout(resolve, 1_000))]);
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });
});
