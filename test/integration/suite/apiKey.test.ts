import * as assert from 'node:assert/strict';
import { batchlensExtension, openFixture, waitFor } from './support';
import * as vscode from 'vscode';

/**
 * What Batchlens's activate() returns for tests and other extensions: whether a key is stored,
 * never the key itself.
 */
interface BatchlensApi {
  hasApiKey(): Promise<boolean>;
}

async function api(): Promise<BatchlensApi> {
  await openFixture('prompts/ticket_classifier.py');
  const extension = batchlensExtension();
  const exports = (extension.isActive ? extension.exports : await extension.activate()) as Partial<BatchlensApi> | undefined;
  assert.equal(typeof exports?.hasApiKey, 'function', 'activate() returns { hasApiKey(): Promise<boolean> }');
  return exports as BatchlensApi;
}

describe('API key commands', () => {
  it('batchlens.setApiKey stores a key given as argument in SecretStorage, batchlens.clearApiKey removes it', async () => {
    const batchlens = await api();
    await vscode.commands.executeCommand('batchlens.clearApiKey');
    assert.equal(await batchlens.hasApiKey(), false);
    await vscode.commands.executeCommand('batchlens.setApiKey', 'sk-ant-api03-integration-test-key-0000000000');
    await waitFor('the key to be stored', async () => ((await batchlens.hasApiKey()) ? true : undefined));
    await vscode.commands.executeCommand('batchlens.clearApiKey');
    await waitFor('the key to be cleared', async () => ((await batchlens.hasApiKey()) ? undefined : true));
  });

  it('batchlens.setApiKey refuses text that is not an Anthropic key and stores nothing', async () => {
    const batchlens = await api();
    await vscode.commands.executeCommand('batchlens.clearApiKey');
    await vscode.commands.executeCommand('batchlens.setApiKey', 'not a key').then(
      () => undefined,
      () => undefined, // Rejecting with a clear error is as good as showing one.
    );
    assert.equal(await batchlens.hasApiKey(), false);
  });
});
