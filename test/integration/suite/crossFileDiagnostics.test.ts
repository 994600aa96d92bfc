import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { openFixture, waitForDiagnostic } from './support';

describe('cache lint evidence across files (editor)', () => {
  it('flags a parameter of support_bot.py that chat_cli.py, which imports it, fills with a uuid (BL001 naming the caller)', async () => {
    const editor = await openFixture('crossfile/support_bot.py');
    const [finding] = await waitForDiagnostic(editor.document.uri, 'BL001', 30_000);
    assert.equal(finding.severity, vscode.DiagnosticSeverity.Warning);
    assert.equal(editor.document.getText(finding.range).replace(/^\{|\}$/g, ''), 'conversation_note');
    assert.match(finding.message, /the parameter `conversation_note`, which a caller in crossfile\/chat_cli\.py:8 passes .*uuid/);
  });
});
