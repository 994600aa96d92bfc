import * as path from 'node:path';
import * as vscode from 'vscode';
import { loadAnalyzer } from '../../core/analysis/analyzer';
import { catalogAnalysisOptions } from '../../core/analysis/catalogOptions';
import type { AnalysisOptions } from '../../core/analysis/types';
import { ExactTokenCounter } from '../../core/tokens/exactCounter';
import { watchConfig, type ConfigRefresh } from '../../host/config';
import type { HostServices } from '../../host/services';
import { DocumentAnalysisCache } from './documentAnalysisCache';
import { PromptTokenCounts, type ExactPromptCounter } from './promptTokenCounts';

const SHOW_LOGS = 'Show Logs';

/**
 * What the cost lens, the cache lint and the prices share: one analysis per document version, one
 * token counter, and one reaction table for the settings that change what they show.
 */
export class PromptAnalysis implements vscode.Disposable {
  readonly cache: DocumentAnalysisCache;
  readonly tokenCounts: PromptTokenCounts;
  private readonly settingsEmitter = new vscode.EventEmitter<void>();
  /** Fires after a setting that changes the analysis or its display changed (cached analyses already dropped). */
  readonly onDidChangeSettings = this.settingsEmitter.event;
  private readonly subscriptions: vscode.Disposable[];
  /** Drops every analysis and redraws, as a setting change does: for catalog data that changed (live lifecycle). */
  readonly reanalyse: () => void;

  constructor(services: HostServices) {
    const { config, log } = services;
    const wasmDir = path.join(services.extensionContext.extensionPath, 'dist', 'wasm');
    // Built once per settings change: an analysis session reuses its per-statement results only
    // while it is handed the very same options object.
    let options: AnalysisOptions | undefined;
    this.cache = new DocumentAnalysisCache(
      () => loadAnalyzer(wasmDir),
      // The same options the CLI builds, so the editor and `batchlens lint` agree.
      () => (options ??= catalogAnalysisOptions(config.defaultModel, config.disabledRules, config.modelOverrides, services.workspaceRoot())),
      log,
      (error) => void showLoadFailure(services, error),
    );
    this.tokenCounts = new PromptTokenCounts(services, () => createExactCounter(services));

    const reanalyse = () => {
      options = undefined;
      this.cache.invalidateAll();
      this.settingsEmitter.fire();
    };
    this.reanalyse = reanalyse;
    const redisplay = () => this.settingsEmitter.fire();
    const table: ConfigRefresh[] = [
      { section: 'batchlens.defaultModel', refresh: reanalyse },
      { section: 'batchlens.modelOverrides', refresh: reanalyse },
      { section: 'batchlens.lint.disabledRules', refresh: reanalyse },
      { section: 'batchlens.usResidency', refresh: redisplay },
      { section: 'batchlens.exactTokenCounts', refresh: redisplay },
      { section: 'batchlens.lens.enabled', refresh: redisplay },
      { section: 'batchlens.lint.enabled', refresh: redisplay },
      { section: 'batchlens.hints.enabled', refresh: redisplay },
    ];
    this.subscriptions = [watchConfig(table, log), this.cache, this.tokenCounts, this.settingsEmitter];
  }

  dispose(): void {
    for (const subscription of this.subscriptions) {
      subscription.dispose();
    }
  }
}

async function createExactCounter(services: HostServices): Promise<ExactPromptCounter | undefined> {
  const api = await services.createBatchApiQuietly();
  if (!api) {
    return undefined;
  }
  // Counts persist across restarts (keyed by sha256 of the text + model; no text is stored).
  return new ExactTokenCounter({ api, logger: services.log, store: services.extensionContext.globalState });
}

async function showLoadFailure(services: HostServices, error: unknown): Promise<void> {
  const detail = error instanceof Error ? error.message : String(error);
  const choice = await vscode.window.showErrorMessage(
    `Batchlens: the prompt analyzer could not load, so the cost lens and cache lint are off. ${services.log.redact(detail)}`,
    SHOW_LOGS,
  );
  if (choice === SHOW_LOGS) {
    services.log.show(true);
  }
}
