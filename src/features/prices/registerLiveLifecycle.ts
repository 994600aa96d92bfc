import * as path from 'node:path';
import vscode = require('vscode');
import { LIVE_MODELS_CACHE_FILE } from '../../core/pricing/liveModels';
import { LiveModelsRefresher } from '../../core/pricing/liveModelsRefresher';
import type { HostServices } from '../../host/services';

/**
 * Keeps lifecycle and limits (Show Model Prices, BL007, pre-flight) in step with `GET /v1/models`,
 * through the same cache file as `batchlens models` in this workspace. Nothing happens during
 * activation: the first check is deferred, and with no workspace folder or no key only the cache is read
 * (or nothing). Failures go to the log only.
 */
export function registerLiveLifecycle(services: HostServices, onDidUpdate: () => void): vscode.Disposable {
  const refresher = new LiveModelsRefresher({
    cacheFile: () => {
      const root = services.workspaceRoot();
      return root ? path.join(root, LIVE_MODELS_CACHE_FILE) : undefined;
    },
    modelLister: async () => {
      const api = await services.createBatchApiQuietly();
      return api ? () => api.listModels() : undefined;
    },
    nowMs: () => Date.now(),
    logger: services.log,
    onDidUpdate,
  });
  refresher.start();
  // A key set later gets its first refresh at once (in the background), not a day later.
  const keyChanges = services.apiKeys.onDidChange(() => void refresher.check());
  // In Restricted Mode the model list is not fetched (no API client is built); trust starts it.
  const trustGranted = services.trust.onDidGrant(() => void refresher.check());
  return vscode.Disposable.from(keyChanges, trustGranted, { dispose: () => refresher.dispose() });
}
