import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { batchlensDiagnostics, codeOf, openFixture, waitFor, waitForDiagnostic } from './support';

/** The source text a diagnostic underlines, without the braces of an f-string or template slot. */
function underlined(document: vscode.TextDocument, diagnostic: vscode.Diagnostic): string {
  return document.getText(diagnostic.range).replace(/^\$?\{/, '').replace(/\}$/, '');
}

describe('cache lint diagnostics', () => {
  it('flags the ticket body interpolated into the cached Python system block (BL001 on the expression)', async () => {
    const editor = await openFixture('prompts/ticket_classifier.py');
    const [finding] = await waitForDiagnostic(editor.document.uri, 'BL001');
    assert.equal(finding.source, 'Batchlens');
    assert.equal(finding.severity, vscode.DiagnosticSeverity.Warning);
    assert.equal(underlined(editor.document, finding), 'ticket_body');
    assert.ok(finding.message.length > 20, 'the message says why caching breaks');
    // Related information: the caller's per-request argument (the evidence) and the breakpoint.
    const related = (finding.relatedInformation ?? []).map((item) => [item.message, editor.document.getText(item.location.range)]);
    assert.ok(related.some(([message, text]) => /passed to `classify`/.test(message) && text === 'ticket'), JSON.stringify(related));
    assert.ok(related.some(([message, text]) => /breakpoint/.test(message) && text.startsWith('"cache_control"')), JSON.stringify(related));
  });

  it('does not flag the module constant interpolated in the same f-string', async () => {
    const editor = await openFixture('prompts/ticket_classifier.py');
    await waitForDiagnostic(editor.document.uri, 'BL001');
    const onConstant = batchlensDiagnostics(editor.document.uri).filter((d) => underlined(editor.document, d) === 'SYSTEM_PROMPT');
    assert.deepEqual(onConstant, []);
  });

  it('flags Date.now() inside the cached JavaScript block', async () => {
    const editor = await openFixture('src/triage.js');
    const [finding] = await waitForDiagnostic(editor.document.uri, 'BL001');
    assert.equal(finding.severity, vscode.DiagnosticSeverity.Warning);
    assert.equal(underlined(editor.document, finding), 'Date.now()');
  });

  it('reports no BL001 for the TypeScript file whose cached block is a constant', async () => {
    const editor = await openFixture('src/summarizeDocs.ts');
    // Wait until Batchlens has analysed the file (its cost lens is the sign), then expect no BL001.
    await waitFor('the TypeScript file to be analysed', async () => {
      const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', editor.document.uri, 10);
      return lenses && lenses.length > 0 ? true : undefined;
    });
    assert.deepEqual(batchlensDiagnostics(editor.document.uri, 'BL001'), []);
  });

  it('links each code to its documentation', async () => {
    const editor = await openFixture('prompts/ticket_classifier.py');
    const [finding] = await waitForDiagnostic(editor.document.uri, 'BL001');
    assert.equal(codeOf(finding), 'BL001');
    assert.equal(typeof finding.code, 'object', 'the code carries a docs link target');
    const target = (finding.code as { target: vscode.Uri }).target;
    assert.match(target.toString(), /bl001/i);
  });
});
