import vscode = require('vscode');
import type { HostServices } from '../../host/services';
import { apiKeyShapeProblem } from './apiKeyShape';

/** Context key that welcome views and menus test: true when a key is stored or in the environment. */
export const HAS_API_KEY_CONTEXT = 'batchlens.hasApiKey';

/** The Get Started walkthrough contributed in package.json: `<publisher>.<name>#<walkthrough id>`. */
export const WALKTHROUGH_ID = 'batchlens.batchlens#batchlens.getStarted';

/**
 * "Batchlens: Set API Key" and "Batchlens: Clear API Key", and the `batchlens.hasApiKey` context key.
 *
 * `batchlens.setApiKey` takes the key as an optional first argument (for tests and scripts); without
 * one it asks in a masked input box. It resolves to true when a key was stored, false when the
 * input was cancelled or the argument was not shaped like a key (the reason is shown, never the value).
 * `batchlens.clearApiKey` resolves to true when a stored key was deleted.
 * `batchlens.getStarted` opens the Get Started walkthrough (set key → ... → savings).
 */
export function registerApiKeyFeature(services: HostServices): vscode.Disposable {
  const { apiKeys, commands, log } = services;

  const refreshContextKey = async () => {
    const hasKey = (await services.getApiKey()) !== undefined;
    await vscode.commands.executeCommand('setContext', HAS_API_KEY_CONTEXT, hasKey);
  };
  const refreshQuietly = () => {
    refreshContextKey().catch((error: unknown) => log.error('Updating the batchlens.hasApiKey context key failed', error));
  };

  const setApiKey = async (keyArgument?: unknown): Promise<boolean> => {
    const key = typeof keyArgument === 'string' ? keyArgument : await askForKey();
    if (key === undefined) {
      return false;
    }
    const problem = apiKeyShapeProblem(key);
    if (problem) {
      void vscode.window.showErrorMessage(`Batchlens: the API key was not saved. ${problem}`);
      return false;
    }
    await apiKeys.set(key.trim());
    await refreshContextKey();
    log.info('API key saved in SecretStorage');
    void vscode.window.showInformationMessage('Batchlens: API key saved in the editor\'s secret storage.');
    return true;
  };

  const clearApiKey = async (): Promise<boolean> => {
    const hadStoredKey = (await apiKeys.source()) === 'secretStorage';
    await apiKeys.clear();
    await refreshContextKey();
    const stillFromEnvironment = (await apiKeys.source()) === 'environment';
    log.info(hadStoredKey ? 'API key removed from SecretStorage' : 'No API key was stored in SecretStorage');
    const note = stillFromEnvironment ? ' ANTHROPIC_API_KEY from the environment still applies.' : '';
    void vscode.window.showInformationMessage(
      `Batchlens: ${hadStoredKey ? 'API key removed.' : 'No API key was stored.'}${note}`,
    );
    return hadStoredKey;
  };

  refreshQuietly();
  return vscode.Disposable.from(
    commands.register({
      'batchlens.setApiKey': setApiKey,
      'batchlens.clearApiKey': clearApiKey,
      'batchlens.getStarted': () => vscode.commands.executeCommand('workbench.action.openWalkthrough', WALKTHROUGH_ID, false),
    }),
    // Another window may set or clear the key; the secret store tells every window.
    apiKeys.onDidChange(refreshQuietly),
  );
}

async function askForKey(): Promise<string | undefined> {
  return vscode.window.showInputBox({
    title: 'Batchlens: Set API Key',
    prompt: 'Your Anthropic API key (console.anthropic.com → API keys). It is kept in the editor\'s secret storage only.',
    placeHolder: 'sk-ant-…',
    password: true,
    ignoreFocusOut: true,
    validateInput: (value) => apiKeyShapeProblem(value),
  });
}
