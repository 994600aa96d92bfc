import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { batchlensExtension, openFixture, waitFor } from './support';

interface ContributedCommand {
  command: string;
}

describe('activation', () => {
  it('stays inactive until a prompt file opens (no startup cost)', () => {
    // Runs first: nothing has opened a Python, TypeScript or JavaScript file yet.
    assert.equal(batchlensExtension().isActive, false);
  });

  it('activates when a Python file opens', async () => {
    const editor = await openFixture('prompts/ticket_classifier.py');
    assert.equal(editor.document.languageId, 'python');
    await waitFor('Batchlens to activate', () => (batchlensExtension().isActive ? true : undefined));
  });

  it('declares activation on TypeScript and JavaScript files too', async () => {
    const events = (batchlensExtension().packageJSON as { activationEvents: string[] }).activationEvents;
    for (const language of ['typescript', 'javascript', 'typescriptreact', 'javascriptreact']) {
      assert.ok(events.includes(`onLanguage:${language}`), `missing onLanguage:${language}`);
    }
    const ts = await openFixture('src/summarizeDocs.ts');
    const js = await openFixture('src/triage.js');
    assert.equal(ts.document.languageId, 'typescript');
    assert.equal(js.document.languageId, 'javascript');
  });

  it('registers every command it contributes', async () => {
    const declared = (batchlensExtension().packageJSON as { contributes: { commands: ContributedCommand[] } }).contributes.commands.map((c) => c.command);
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = declared.filter((id) => !registered.has(id));
    assert.deepEqual(missing, [], `contributed but not registered: ${missing.join(', ')}`);
  });
});
