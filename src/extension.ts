import vscode = require('vscode');
import { PromptAnalysis } from './features/analysis/promptAnalysis';
import { registerApiKeyFeature } from './features/apiKey/registerApiKeyFeature';
import { registerLensFeature } from './features/lens/registerLensFeature';
import { registerLintFeature } from './features/lint/registerLintFeature';
import { registerLiveLifecycle } from './features/prices/registerLiveLifecycle';
import { registerPricesFeature } from './features/prices/registerPricesFeature';
import { registerSubmitFeature } from './features/submit/registerSubmitFeature';
import { registerTrackerFeature } from './features/tracker/registerTrackerFeature';
import { createServices } from './host/createServices';
import { redactSecrets } from './core/util/redact';

/** What `activate()` returns to tests and other extensions: whether a key is set, never the key. */
export interface BatchlensApi {
  hasApiKey(): Promise<boolean>;
}

/** Composes the features; makes no network call and scans nothing. Each feature is one line. */
export function activate(context: vscode.ExtensionContext): BatchlensApi {
  try {
    const services = createServices(context);
    const prompts = new PromptAnalysis(services);
    context.subscriptions.push(
      prompts,
      registerApiKeyFeature(services),
      registerPricesFeature(services, prompts.tokenCounts),
      registerLiveLifecycle(services, prompts.reanalyse),
      registerLensFeature(services, prompts),
      registerLintFeature(services, prompts),
      registerSubmitFeature(services),
      registerTrackerFeature(services),
    );
    return { hasApiKey: async () => (await services.getApiKey()) !== undefined };
  } catch (error) {
    // A failed activation would otherwise only show as commands that "are not found".
    const detail = error instanceof Error ? error.message : String(error);
    void vscode.window.showErrorMessage(`Batchlens failed to start: ${redactSecrets(detail)}`);
    console.error(`Batchlens activation failed: ${redactSecrets(error instanceof Error ? (error.stack ?? detail) : detail)}`);
    throw error;
  }
}

export function deactivate(): void {}
