import * as assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import * as vscode from 'vscode';
import type { AdoptCommandResult } from '../../../src/features/tracker/registerWorkspaceBatches';
import type { WorkspaceRootItem } from '../../../src/features/tracker/workspaceBatchesProvider';
import { type RootItem, type SubmitResult, EMULATOR_KEY, clearNotifications, emulatedBatches, emulatorUrl, forgetEmulatorKey, ui, useEmulatorKey } from './batchSupport';
import { batchlensDiagnostics, lineOf, waitFor, waitForCostLens, waitForDiagnostic, waitForNoDiagnostic } from './support';

// Runs only in the runner's multi-root session: batchlens.code-workspace with the folders alpha and
// beta, each a copy of the sample workspace.
function folder(name: string): vscode.WorkspaceFolder {
  const found = vscode.workspace.workspaceFolders?.find((candidate) => candidate.name === name);
  assert.ok(found, `the multi-root workspace has a folder named ${name}`);
  return found;
}

function fileIn(name: string, relativePath: string): vscode.Uri {
  return vscode.Uri.joinPath(folder(name).uri, ...relativePath.split('/'));
}

function jobFiles(name: string): string[] {
  const dir = path.join(folder(name).uri.fsPath, '.batchlens', 'jobs');
  return existsSync(dir) ? readdirSync(dir).filter((file) => file.endsWith('.json')) : [];
}

function batchSelected(uris: vscode.Uri[]): Thenable<SubmitResult | undefined> {
  return vscode.commands.executeCommand<SubmitResult | undefined>('batchlens.batchSelectedFiles', uris[0], uris, { template: 'summarize', confirm: true, allowSecrets: false });
}

describe('@multi-root a workspace of two folders', () => {
  before(async () => {
    assert.deepEqual(vscode.workspace.workspaceFolders?.map((candidate) => candidate.name), ['alpha', 'beta']);
    await useEmulatorKey();
  });

  after(async () => {
    await forgetEmulatorKey();
    await clearNotifications();
  });

  it('the lens and the lint work in the second folder too', async () => {
    const document = await vscode.workspace.openTextDocument(fileIn('beta', 'src/triage.js'));
    await vscode.window.showTextDocument(document, { preview: false });
    await waitForCostLens(document.uri, lineOf(document, 'const TRIAGE_SYSTEM_PROMPT'));
    await waitForDiagnostic(document.uri, 'BL001');
  });

  it('the lens and the lint follow each file’s folder settings', async () => {
    // Written as "Workspace Folder" settings of beta (its .vscode/settings.json).
    const betaSettings = () => vscode.workspace.getConfiguration('batchlens', folder('beta').uri);
    await betaSettings().update('lint.disabledRules', ['BL001'], vscode.ConfigurationTarget.WorkspaceFolder);
    await betaSettings().update('defaultModel', 'claude-haiku-4-5', vscode.ConfigurationTarget.WorkspaceFolder);
    try {
      await waitFor('beta’s folder settings to apply', () => (betaSettings().get<string>('defaultModel') === 'claude-haiku-4-5' ? true : undefined));
      assert.notEqual(vscode.workspace.getConfiguration('batchlens', folder('alpha').uri).get<string>('defaultModel'), 'claude-haiku-4-5');
      const alphaTriage = await vscode.workspace.openTextDocument(fileIn('alpha', 'src/triage.js'));
      const betaTriage = await vscode.workspace.openTextDocument(fileIn('beta', 'src/triage.js'));
      await vscode.window.showTextDocument(alphaTriage, { preview: false });
      await vscode.window.showTextDocument(betaTriage, { preview: false });
      await waitForDiagnostic(alphaTriage.uri, 'BL001');
      await waitForNoDiagnostic(betaTriage.uri, 'BL001');
      assert.ok(batchlensDiagnostics(alphaTriage.uri, 'BL001').length > 0, 'alpha keeps BL001: beta’s setting is beta’s alone');

      // summarizeDocs.ts does not name its model: the folder's default model prices it.
      const alphaDocs = await vscode.workspace.openTextDocument(fileIn('alpha', 'src/summarizeDocs.ts'));
      const betaDocs = await vscode.workspace.openTextDocument(fileIn('beta', 'src/summarizeDocs.ts'));
      await waitForCostLens(alphaDocs.uri, lineOf(alphaDocs, 'export const SUMMARY_SYSTEM_PROMPT'), 'Sonnet 4.6');
      await waitForCostLens(betaDocs.uri, lineOf(betaDocs, 'export const SUMMARY_SYSTEM_PROMPT'), 'Haiku 4.5');
    } finally {
      await betaSettings().update('lint.disabledRules', undefined, vscode.ConfigurationTarget.WorkspaceFolder);
      await betaSettings().update('defaultModel', undefined, vscode.ConfigurationTarget.WorkspaceFolder);
    }
  });

  it('the analysis itself uses the folder’s settings: a rule the workspace turns off, one folder turns back on', async () => {
    const windowSettings = () => vscode.workspace.getConfiguration('batchlens');
    const betaSettings = () => vscode.workspace.getConfiguration('batchlens', folder('beta').uri);
    // The .code-workspace turns BL001 off; beta's own settings turn every rule back on.
    await windowSettings().update('lint.disabledRules', ['BL001'], vscode.ConfigurationTarget.Workspace);
    await betaSettings().update('lint.disabledRules', [], vscode.ConfigurationTarget.WorkspaceFolder);
    try {
      await waitFor('the settings to apply', () => (betaSettings().get<string[]>('lint.disabledRules')?.length === 0 && windowSettings().get<string[]>('lint.disabledRules')?.length === 1 ? true : undefined));
      const alphaTriage = await vscode.workspace.openTextDocument(fileIn('alpha', 'src/triage.js'));
      const betaTriage = await vscode.workspace.openTextDocument(fileIn('beta', 'src/triage.js'));
      await vscode.window.showTextDocument(alphaTriage, { preview: false });
      await vscode.window.showTextDocument(betaTriage, { preview: false });
      await waitForNoDiagnostic(alphaTriage.uri, 'BL001');
      await waitForDiagnostic(betaTriage.uri, 'BL001');
    } finally {
      await betaSettings().update('lint.disabledRules', undefined, vscode.ConfigurationTarget.WorkspaceFolder);
      await windowSettings().update('lint.disabledRules', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('a submission reads the settings of its files’ folder: beta’s exclude leaves out what alpha batches', async () => {
    const dryRun = (name: string) => vscode.commands.executeCommand<SubmitResult | undefined>('batchlens.batchSelectedFiles', fileIn(name, 'docs'), [fileIn(name, 'docs')], { template: 'summarize', confirm: false, allowSecrets: false });
    const betaSettings = () => vscode.workspace.getConfiguration('batchlens', folder('beta').uri);
    await betaSettings().update('exclude', ['tickets/**', 'docs/tickets/**'], vscode.ConfigurationTarget.WorkspaceFolder);
    try {
      await waitFor('beta’s exclude to apply', () => (betaSettings().get<string[]>('exclude')?.length === 2 ? true : undefined));
      const alpha = await dryRun('alpha');
      const beta = await dryRun('beta');
      assert.ok(alpha && beta, 'both dry runs return a preview');
      assert.equal(alpha.submitted, false);
      assert.ok(alpha.requests > beta.requests, `alpha ${alpha.requests} requests, beta ${beta.requests}: beta leaves its tickets out`);
      assert.equal(beta.requests, 1, 'beta batches release-notes.md alone');
    } finally {
      await betaSettings().update('exclude', undefined, vscode.ConfigurationTarget.WorkspaceFolder);
    }
  });

  // Before any submission here, so no "job ended" toast can crowd out the one this test reads.
  it('a selection from both folders is refused with its reason, and nothing is sent or stored', async () => {
    await clearNotifications();
    const batchesBefore = (await emulatedBatches()).length;
    const alphaJobs = jobFiles('alpha');
    const betaJobs = jobFiles('beta');
    const result = await batchSelected([fileIn('alpha', 'docs/release-notes.md'), fileIn('beta', 'docs/release-notes.md')]);
    assert.equal(result, undefined);
    const text = await ui('notification', 'spans workspace folders');
    assert.match(text, /alpha and beta/);
    assert.equal((await emulatedBatches()).length, batchesBefore);
    assert.deepEqual(jobFiles('alpha'), alphaJobs);
    assert.deepEqual(jobFiles('beta'), betaJobs);
  });

  it('a submission goes to the job store of the folder its files belong to, and the tracker shows every folder', async () => {
    const inBeta = await batchSelected([fileIn('beta', 'docs/release-notes.md')]);
    assert.ok(inBeta?.submitted, `submitted from beta: ${JSON.stringify(inBeta)}`);
    assert.deepEqual(jobFiles('beta'), [`${inBeta.jobId}.json`], 'the job is in beta/.batchlens/jobs');
    assert.deepEqual(jobFiles('alpha'), [], 'alpha’s store is untouched');

    const inAlpha = await batchSelected([fileIn('alpha', 'docs/tickets/ticket-1041.txt')]);
    assert.ok(inAlpha?.submitted, `submitted from alpha: ${JSON.stringify(inAlpha)}`);
    assert.deepEqual(jobFiles('alpha'), [`${inAlpha.jobId}.json`]);
    assert.deepEqual(jobFiles('beta'), [`${inBeta.jobId}.json`]);

    const items = (await vscode.commands.executeCommand<Array<RootItem & { folder: string }>>('batchlens.refreshBatches')) ?? [];
    const byJob = new Map(items.map((item) => [item.jobId, item.folder]));
    assert.equal(byJob.get(inAlpha.jobId), 'alpha');
    assert.equal(byJob.get(inBeta.jobId), 'beta');
  });

  it('an adopted batch joins the folder of the active editor, and the Workspace Batches view then leaves it out', async () => {
    const client = new Anthropic({ apiKey: EMULATOR_KEY, baseURL: emulatorUrl(), maxRetries: 0 });
    const stamp = Date.now().toString(36);
    const made = await client.messages.batches.create({
      requests: [`mr-${stamp}-a`, `mr-${stamp}-b`].map((customId) => ({ custom_id: customId, params: { model: 'claude-sonnet-4-6', max_tokens: 60, messages: [{ role: 'user', content: `One line about ${customId}.` }] } })),
    });
    const listed = async () => ((await vscode.commands.executeCommand<WorkspaceRootItem[]>('batchlens.refreshWorkspaceBatches')) ?? []).some((item) => item.batchId === made.id);
    await waitFor('the SDK batch in the Workspace Batches view', async () => ((await listed()) ? true : undefined));
    const alphaBefore = jobFiles('alpha');
    const betaBefore = jobFiles('beta');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(fileIn('beta', 'src/triage.js')), { preview: false });
    const adopted = await vscode.commands.executeCommand<AdoptCommandResult>('batchlens.adoptBatch', made.id);
    assert.ok(adopted?.created, `adopted: ${JSON.stringify(adopted)}`);
    assert.deepEqual(jobFiles('beta').sort(), [...betaBefore, `${adopted.jobId}.json`].sort(), 'the adopted job is in beta/.batchlens/jobs');
    assert.deepEqual(jobFiles('alpha'), alphaBefore, 'alpha’s store is untouched');
    assert.equal(await listed(), false, 'a batch a folder’s job records is no longer offered');
  });
});
