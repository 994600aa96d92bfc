import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { type SubmitResult, clearNotifications, emulatedBatches, forgetEmulatorKey, ui, useEmulatorKey, workspacePath, workspaceUri } from './batchSupport';
import { assertLensPrices, batchlensExtension, lineOf, openFixture, waitForCostLens, waitForDiagnostic } from './support';

// Runs only in the runner's Restricted Mode session: workspace trust on, the folder not trusted.
describe('@restricted Restricted Mode (an untrusted workspace)', () => {
  before(async () => {
    assert.equal(vscode.workspace.isTrusted, false, 'this suite needs an untrusted workspace (the runner opens one with workspace trust on)');
    // Storing a key is local (SecretStorage); with one set, only trust keeps the network features off.
    await useEmulatorKey();
  });

  after(async () => {
    await forgetEmulatorKey();
    await clearNotifications();
  });

  it('Batchlens is active: the cost lens shows its offline estimate', async () => {
    const editor = await openFixture('prompts/ticket_classifier.py');
    assert.ok(batchlensExtension().isActive, 'Batchlens activated in Restricted Mode');
    const { title, figures } = await waitForCostLens(editor.document.uri, lineOf(editor.document, 'SYSTEM_PROMPT = """'));
    assert.ok(figures.estimate, `no exact count is asked for in Restricted Mode, so the lens is an estimate: ${title}`);
    assertLensPrices(figures, 'Sonnet 4.6');
  });

  it('the cache lint reports its diagnostic', async () => {
    const editor = await openFixture('src/triage.js');
    const [diagnostic] = await waitForDiagnostic(editor.document.uri, 'BL001');
    assert.ok(diagnostic.message.length > 0);
  });

  it('refuses a submission with its one-line reason, and nothing reaches the API or the job store', async () => {
    const batchesBefore = (await emulatedBatches()).length;
    const uri = workspaceUri('docs/release-notes.md');
    const result = await vscode.commands.executeCommand<SubmitResult | undefined>('batchlens.batchSelectedFiles', uri, [uri], { template: 'summarize', confirm: true });
    assert.equal(result, undefined, 'the command did not submit');
    const text = await ui('notification', 'Submitting a batch is off in Restricted Mode');
    assert.match(text, /sends your API key over the network/);
    assert.match(text, /Trust this workspace/);
    assert.equal((await emulatedBatches()).length, batchesBefore, 'the emulator received no batch');
    assert.equal(existsSync(workspacePath('.batchlens/jobs')), false, 'no job was recorded');
  });

  it('a tracker command that needs the API says why too', async () => {
    await clearNotifications();
    await vscode.commands.executeCommand('batchlens.adoptBatch', 'msgbatch_01RestrictedModeProbe');
    const text = await ui('notification', 'is off in Restricted Mode');
    assert.match(text, /Calling the Anthropic API is off in Restricted Mode/);
  });

  it('exact token counts stay off even with a key set', async () => {
    const editor = await openFixture('src/summarizeDocs.ts');
    const line = lineOf(editor.document, 'export const SUMMARY_SYSTEM_PROMPT');
    await waitForCostLens(editor.document.uri, line);
    // Long enough for a count_tokens answer from the loopback emulator to have arrived were one asked for.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const { title, figures } = await waitForCostLens(editor.document.uri, line);
    assert.ok(figures.estimate, `still an estimate: ${title}`);
  });
});
