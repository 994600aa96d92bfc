import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { fixtureUri, openFixture, waitForDiagnostic, waitForNoDiagnostic } from './support';

describe('cache lint evidence across files (editor)', () => {
  it('flags a parameter of support_bot.py that chat_cli.py, which imports it, fills with a uuid (BL001 naming the caller)', async () => {
    const editor = await openFixture('crossfile/support_bot.py');
    const [finding] = await waitForDiagnostic(editor.document.uri, 'BL001', 30_000);
    assert.equal(finding.severity, vscode.DiagnosticSeverity.Warning);
    assert.equal(editor.document.getText(finding.range).replace(/^\{|\}$/g, ''), 'conversation_note');
    assert.match(finding.message, /the parameter `conversation_note`, which a caller in crossfile\/chat_cli\.py:8 passes .*uuid/);
  });

  it('drops the finding when the caller file changes on disk to pass a constant, without touching support_bot.py', async () => {
    const editor = await openFixture('crossfile/support_bot.py');
    await waitForDiagnostic(editor.document.uri, 'BL001', 30_000);
    const caller = fixtureUri('crossfile/chat_cli.py');
    const before = await vscode.workspace.fs.readFile(caller);
    try {
      await vscode.workspace.fs.writeFile(caller, Buffer.from(Buffer.from(before).toString('utf8').replace('uuid.uuid4().hex', '"support"')));
      await waitForNoDiagnostic(editor.document.uri, 'BL001', 30_000);
    } finally {
      await vscode.workspace.fs.writeFile(caller, before);
    }
    await waitForDiagnostic(editor.document.uri, 'BL001', 30_000);
  });
});
