import vscode = require('vscode');
import { withDeadlines } from '../core/api/deadlineApi';
import { createBatchApi } from '../core/api/anthropicBatchApi';
import type { BatchApi } from '../core/api/batchApi';
import { TokenCountCache } from '../core/tokens/tokenCountCache';
import { CommandRunner } from './commandRunner';
import { BatchlensConfig } from './config';
import { createLog } from './log';
import { ApiKeyStore } from './secrets';
import type { HostServices } from './services';
import { WorkspaceTrustGate } from './workspaceTrust';

export const SET_API_KEY_COMMAND = 'batchlens.setApiKey';
const SET_API_KEY = 'Set API Key';

/**
 * Builds the objects every feature shares. Creating them makes no network call and reads no files;
 * each is pushed onto `context.subscriptions`.
 */
export function createServices(context: vscode.ExtensionContext): HostServices {
  const log = createLog();
  const config = new BatchlensConfig(log);
  const apiKeys = new ApiKeyStore(context.secrets);
  const commands = new CommandRunner(log);
  const trust = new WorkspaceTrustGate();
  const tokenCountCache = new TokenCountCache(context.globalState, { logger: log });
  context.subscriptions.push(log, apiKeys, commands);
  context.subscriptions.push(commands.register({ 'batchlens.showLogs': () => log.show() }));

  const getApiKey = async () => {
    const key = await apiKeys.get();
    if (key) {
      // Keys of an unusual shape (an env var for a proxy) are redacted by value as well.
      log.addSecret(key);
    }
    return key;
  };

  const buildBatchApi = async (promptForKey: boolean): Promise<BatchApi | undefined> => {
    // Restricted Mode: nothing that sends the key leaves the machine. A command says why; background work stays quiet.
    if (!trust.isTrusted) {
      if (promptForKey) trust.require('Calling the Anthropic API');
      return undefined;
    }
    const apiKey = await getApiKey();
    if (!apiKey) {
      if (promptForKey) {
        void promptToSetApiKey();
      }
      return undefined;
    }
    // The key is asked for again before every request, so setting or clearing it applies at once.
    // The base URL is `batchlens.apiBaseUrl`, else ANTHROPIC_BASE_URL, else the public API; every
    // request is scoped to `batchlens.workspaceId` when it is set, and every call has a deadline
    // (`batchlens.apiTimeoutSeconds`), so nothing waits on the network forever.
    const timeoutMs = config.apiTimeoutMs;
    return withDeadlines(createBatchApi({ getApiKey, baseUrl: config.apiBaseUrl, env: process.env, logger: log, timeoutMs, workspaceId: config.workspaceId }), { timeoutMs });
  };

  return {
    extensionContext: context,
    log,
    config,
    apiKeys,
    commands,
    getApiKey,
    createBatchApi: () => buildBatchApi(true),
    createBatchApiQuietly: () => buildBatchApi(false),
    trust,
    tokenCountCache,
    workspaceRoot: () => vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
    workspaceFolders: () => (vscode.workspace.workspaceFolders ?? []).filter((folder) => folder.uri.scheme === 'file').map(folderInfo),
    folderOf: (fsPath) => {
      const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(fsPath));
      return folder?.uri.scheme === 'file' ? folderInfo(folder) : undefined;
    },
  };
}

function folderInfo(folder: vscode.WorkspaceFolder): { name: string; root: string } {
  return { name: folder.name, root: folder.uri.fsPath };
}

async function promptToSetApiKey(): Promise<void> {
  const choice = await vscode.window.showWarningMessage(
    'Set an Anthropic API key to use the Batches API (or set ANTHROPIC_API_KEY before starting VS Code).',
    SET_API_KEY,
  );
  if (choice === SET_API_KEY) {
    await vscode.commands.executeCommand(SET_API_KEY_COMMAND);
  }
}
