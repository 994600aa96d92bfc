import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { openFixture, revertActiveEditor, waitFor, waitForDiagnostic, waitForNoDiagnostic } from './support';

/**
 * Quick fixes that carry an edit for the diagnostic's range. (The actions that
 * vscode.executeCodeActionProvider returns do not carry their diagnostics, so they are matched by
 * range and kind; only Batchlens provides quick fixes for these files here.)
 */
async function quickFixesWithEdits(uri: vscode.Uri, diagnostic: vscode.Diagnostic): Promise<vscode.CodeAction[]> {
  const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, diagnostic.range, vscode.CodeActionKind.QuickFix.value);
  return (actions ?? []).filter((action) => action.edit && action.kind && vscode.CodeActionKind.QuickFix.contains(action.kind));
}

async function applyAndCheck(relativePath: string): Promise<void> {
  const editor = await openFixture(relativePath);
  const uri = editor.document.uri;
  try {
    const [finding] = await waitForDiagnostic(uri, 'BL001');
    const fixes = await waitFor('a Batchlens quick fix for BL001', async () => {
      const found = await quickFixesWithEdits(uri, finding);
      return found.length > 0 ? found : undefined;
    });
    const fix = fixes[0];
    assert.ok(fix.edit, 'the fix carries its edit');
    const before = editor.document.getText();
    assert.ok(await vscode.workspace.applyEdit(fix.edit), 'VS Code applied the edit');
    if (fix.command) await vscode.commands.executeCommand(fix.command.command, ...(fix.command.arguments ?? []));
    assert.notEqual(editor.document.getText(), before, 'the fix changed the code');
    await waitForNoDiagnostic(uri, 'BL001');
  } finally {
    // Later suites expect the fixture as it was.
    await vscode.window.showTextDocument(editor.document);
    await revertActiveEditor();
  }
}

describe('quick fixes', () => {
  it('moves the Python ticket body out of the cached block, and the BL001 diagnostic goes away', async () => {
    await applyAndCheck('prompts/ticket_classifier.py');
  });

  it('fixes the JavaScript timestamp in the cached block, and the BL001 diagnostic goes away', async () => {
    await applyAndCheck('src/triage.js');
  });

  it('offers to turn the rule off as well', async () => {
    const editor = await openFixture('prompts/ticket_classifier.py');
    const [finding] = await waitForDiagnostic(editor.document.uri, 'BL001');
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', editor.document.uri, finding.range, vscode.CodeActionKind.QuickFix.value);
    const turnOff = (actions ?? []).find((action) => action.title === 'Turn off rule BL001');
    assert.ok(turnOff?.command, 'a "Turn off rule BL001" action with a command');
    assert.deepEqual(turnOff.command.arguments, ['BL001']);
  });

  it('brings the diagnostic back when the fix is reverted', async () => {
    const editor = await openFixture('prompts/ticket_classifier.py');
    await waitForDiagnostic(editor.document.uri, 'BL001');
    assert.equal(editor.document.isDirty, false);
  });
});
