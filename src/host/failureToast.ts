import vscode = require('vscode');
import { isKeyProblem } from '../features/apiKey/apiKeyShape';
import type { BatchlensLog } from './log';

const SET_API_KEY = 'Set API Key';
const SHOW_LOGS = 'Show Logs';

/**
 * An error toast with a way out: "Set API Key" when the key was refused, and "Show Logs" always.
 * `message` is redacted of any key before it is shown.
 */
export async function showFailureToast(log: BatchlensLog, message: string): Promise<void> {
  const text = log.redact(message);
  const choice = await vscode.window.showErrorMessage(`Batchlens: ${text}`, ...(isKeyProblem(text) ? [SET_API_KEY, SHOW_LOGS] : [SHOW_LOGS]));
  if (choice === SET_API_KEY) await vscode.commands.executeCommand('batchlens.setApiKey');
  if (choice === SHOW_LOGS) log.show(true);
}
