import * as path from 'node:path';
import vscode = require('vscode');
import { loadEngine } from '../../core/analysis/engine';
import { settingsAnalysisOptions } from '../../core/analysis/catalogOptions';
import type { AnalysisOptions } from '../../core/analysis/types';
import { resolveModel } from '../../core/pricing/catalog';
import type { ModelEntry } from '../../core/pricing/modelEntry';
import type { ModelOverrides } from '../../core/pricing/overrides';
import { ExactTokenCounter, type TokenCountStore } from '../../core/tokens/exactCounter';
import { tokenizerForModel } from '../../core/tokens/tokenizerForModel';
import { WorkspaceTokenCalibration } from '../../core/tokens/workspaceCalibration';
import { watchConfig, type ConfigRefresh } from '../../host/config';
import type { HostServices } from '../../host/services';
import { DocumentAnalysisCache } from './documentAnalysisCache';
import { PromptTokenCounts, type ExactPromptCounter } from './promptTokenCounts';
import { WorkspaceEvidence } from './workspaceEvidence';

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
    // Built once per settings change and workspace folder (multi-root: each folder's settings): an
    // analysis session reuses its per-statement results only while it is handed the very same options object.
    const optionsByFolder = new Map<string, AnalysisOptions>();
    // Exact counts teach this workspace's estimates (hashes and counts only, in workspace state).
    const calibration = new WorkspaceTokenCalibration(services.extensionContext.workspaceState, log);
    this.tokenCounts = new PromptTokenCounts(services, () => createExactCounter(services, calibration), calibration);
    const optionsForFolder = (resource: vscode.Uri): AnalysisOptions => {
      const folder = vscode.workspace.getWorkspaceFolder(resource);
      const key = folder?.uri.toString() ?? '';
      let options = optionsByFolder.get(key);
      if (!options) {
        const settings = folder ? config.forResource(folder.uri) : config;
        const dependencyDir = folder?.uri.scheme === 'file' ? folder.uri.fsPath : services.workspaceRoot();
        options = withExactCounts(
          settingsAnalysisOptions(
            { defaultModel: settings.defaultModel, modelOverrides: settings.modelOverrides, 'lint.disabledRules': settings.disabledRules, 'lint.reportUnknownValues': settings.reportUnknownValues },
            dependencyDir,
          ),
          this.tokenCounts,
          settings.modelOverrides,
        );
        optionsByFolder.set(key, options);
      }
      return options;
    };
    // Evidence from other files (callers, imported helpers, the nearest dependency files), as `batchlens lint` reads it.
    const evidence = new WorkspaceEvidence(
      (uri) => {
        const folder = vscode.workspace.getWorkspaceFolder(uri);
        return folder?.uri.scheme === 'file' ? folder.uri.fsPath : undefined;
      },
      // Another file changed on disk: what it passes or returns may change this document's findings.
      () => {
        this.cache.invalidateAll();
        this.settingsEmitter.fire();
      },
    );
    this.cache = new DocumentAnalysisCache(
      () => loadEngine().loadAnalyzer({ wasmDir, languages: [] }).then((analyzer) => evidence.analyzerLoaded(analyzer)),
      // The same options the CLI builds, so the editor and `batchlens lint` agree; token figures in
      // findings (BL003) use the exact count the lens shows when count_tokens has answered for that text.
      (resource, document) => evidence.optionsFor(optionsForFolder(resource), document),
      log,
      (error) => void showLoadFailure(services, error),
    );

    const reanalyse = () => {
      optionsByFolder.clear();
      this.cache.invalidateAll();
      this.settingsEmitter.fire();
    };
    this.reanalyse = reanalyse;
    const redisplay = () => this.settingsEmitter.fire();
    const table: ConfigRefresh[] = [
      { section: 'batchlens.defaultModel', refresh: reanalyse },
      { section: 'batchlens.modelOverrides', refresh: reanalyse },
      { section: 'batchlens.lint.disabledRules', refresh: reanalyse },
      { section: 'batchlens.lint.reportUnknownValues', refresh: reanalyse },
      { section: 'batchlens.usResidency', refresh: redisplay },
      { section: 'batchlens.exactTokenCounts', refresh: reanalyse },
      // A new endpoint counts anew: no reload needed.
      {
        section: 'batchlens.apiBaseUrl',
        refresh: () => {
          this.tokenCounts.resetCounter();
          reanalyse();
        },
      },
      { section: 'batchlens.lens.enabled', refresh: redisplay },
      { section: 'batchlens.lint.enabled', refresh: redisplay },
      { section: 'batchlens.hints.enabled', refresh: redisplay },
    ];
    // An exact count changes the number a finding states: analyse again so it says the same as the lens.
    const exactArrived = this.tokenCounts.onDidCountExactly(reanalyse);
    this.subscriptions = [watchConfig(table, log), exactArrived, this.cache, this.tokenCounts, this.settingsEmitter, evidence];
  }

  dispose(): void {
    for (const subscription of this.subscriptions) {
      subscription.dispose();
    }
  }
}

/** Analysis options whose token figures are the exact counts already known, else the estimate. */
function withExactCounts(base: AnalysisOptions, counts: PromptTokenCounts, overrides: ModelOverrides): AnalysisOptions {
  const estimate = base.estimateTokens;
  return {
    ...base,
    estimateTokens: (text, model) => {
      let entry: ModelEntry | undefined;
      try {
        entry = resolveModel(model, overrides).entry;
      } catch {
        // An unknown model has no exact count either: the estimate answers.
      }
      // The number the lens shows for the same text: exact when known, else this workspace's calibrated estimate.
      return (entry ? counts.peek(text, entry) : undefined) ?? (estimate ? estimate(text, model) : Math.ceil(text.length / 4));
    },
  };
}

async function createExactCounter(services: HostServices, calibration: WorkspaceTokenCalibration): Promise<ExactPromptCounter | undefined> {
  const api = await services.createBatchApiQuietly();
  if (!api) {
    return undefined;
  }
  // Counts persist across restarts (keyed by sha256 of the text + model; no text is stored), kept
  // apart per API base URL so an emulator's counts never stand in for the real API's.
  const baseUrl = services.config.apiBaseUrl.trim();
  return new ExactTokenCounter({
    api,
    logger: services.log,
    store: scopedStore(services.tokenCountCache, baseUrl),
    onExactCount: (text, model, ownTokens) => calibration.record(text, model, tokenizerForModel(model, services.config.modelOverrides), ownTokens),
  });
}

function scopedStore(store: TokenCountStore, scope: string): TokenCountStore {
  if (scope === '') return store;
  return { get: (key) => store.get(`${scope}|${key}`), update: (key, value) => store.update(`${scope}|${key}`, value) };
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
