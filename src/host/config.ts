import * as vscode from 'vscode';
import type { RuleCode } from '../core/analysis/types';
import type { Logger } from '../core/util/logger';
import { parseModelOverrides, type ModelOverrides } from '../core/pricing/overrides';
import { checkDisabledRules } from '../core/analysis/ruleSettings';
import { readUserLevelSetting } from './userLevelSetting';

const SECTION = 'batchlens';

export type ResultsLocation = 'store' | 'besideSource';

/**
 * The one typed reader of Batchlens settings. Every getter reads the configuration afresh, so a
 * changed setting takes effect on the next read without a reload; object settings go through the
 * type guards in `core/analysis/ruleSettings.ts` and the catalog's `parseModelOverrides`, and what they drop is logged once.
 */
export class BatchlensConfig {
  constructor(
    private readonly log: Logger,
    /** The file or folder whose settings are read (multi-root: its folder's `.vscode/settings.json` counts); none = the window's. */
    private readonly scope?: vscode.ConfigurationScope,
    private readonly reportedProblems = new Set<string>(),
  ) {}

  /** The same reader for the settings that apply to `uri`: in a multi-root workspace, its folder's. */
  forResource(uri: vscode.Uri): BatchlensConfig {
    return new BatchlensConfig(this.log, uri, this.reportedProblems);
  }

  // Models and prices
  get defaultModel(): string {
    return this.string('defaultModel', 'claude-sonnet-4-6');
  }
  /** Well-formed entries of `batchlens.modelOverrides`; a malformed entry is dropped whole and logged. */
  get modelOverrides(): ModelOverrides {
    const parsed = parseModelOverrides(this.raw('modelOverrides'));
    this.report(parsed.errors);
    return parsed.overrides;
  }
  get usResidency(): boolean {
    return this.boolean('usResidency', false);
  }

  // API
  /**
   * The configured base URL, or '' to fall back to `ANTHROPIC_BASE_URL` and then the public API.
   * User settings only: the API key goes there, so a workspace value is ignored.
   */
  get apiBaseUrl(): string {
    const value = readUserLevelSetting(vscode.workspace.getConfiguration(SECTION), 'apiBaseUrl');
    return typeof value === 'string' ? value.trim() : '';
  }
  /** `batchlens.apiTimeoutSeconds` in ms: how long one API call may wait before it is given up. */
  get apiTimeoutMs(): number {
    return Math.min(3600, this.positiveNumber('apiTimeoutSeconds', 120)) * 1000;
  }
  /** `batchlens.workspaceId`: the Anthropic workspace to act on, or '' for the key's default workspace. */
  get workspaceId(): string {
    return this.string('workspaceId', '');
  }
  get exactTokenCounts(): boolean {
    return this.boolean('exactTokenCounts', true);
  }

  // Prompt cost lens
  get lensEnabled(): boolean {
    return this.boolean('lens.enabled', true);
  }
  /** `batchlens.lens.includeTests`: cost lenses in test files too (like `cost --include-tests`). */
  get lensIncludeTests(): boolean {
    return this.boolean('lens.includeTests', false);
  }
  get hintsEnabled(): boolean {
    return this.boolean('hints.enabled', true);
  }

  // Cache lint
  get lintEnabled(): boolean {
    return this.boolean('lint.enabled', true);
  }
  get reportUnknownValues(): boolean {
    return this.boolean('lint.reportUnknownValues', false);
  }
  get disabledRules(): RuleCode[] {
    const checked = checkDisabledRules(this.raw('lint.disabledRules'));
    this.report(checked.problems);
    return checked.value;
  }

  // Batch submission
  get exclude(): string[] {
    const raw = this.raw('exclude');
    return Array.isArray(raw) ? raw.filter((item): item is string => typeof item === 'string' && item.trim() !== '') : [];
  }
  get maxFileBytes(): number {
    return this.positiveNumber('maxFileBytes', 1_000_000);
  }
  get confirmAboveUsd(): number {
    const value = this.raw('confirmAboveUsd');
    return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 1;
  }
  get maxRequestsPerBatch(): number {
    return Math.min(100_000, Math.floor(this.positiveNumber('maxRequestsPerBatch', 100_000)));
  }
  get defaultTemplate(): string {
    return this.string('defaultTemplate', 'summarize');
  }

  // Batch tracker
  get resultsLocation(): ResultsLocation {
    return this.raw('results.location') === 'besideSource' ? 'besideSource' : 'store';
  }
  get resultsOpenSideBySide(): boolean {
    return this.boolean('results.openSideBySide', true);
  }
  get pollMaxIntervalSeconds(): number {
    return Math.max(10, this.positiveNumber('poll.maxIntervalSeconds', 300));
  }

  /**
   * Adds `code` to `batchlens.lint.disabledRules` where the user's setting lives: the workspace
   * when it sets the list, else user settings.
   */
  async disableRule(code: RuleCode): Promise<void> {
    const configuration = vscode.workspace.getConfiguration(SECTION);
    const inspected = configuration.inspect<unknown>('lint.disabledRules');
    const target =
      inspected?.workspaceValue !== undefined && vscode.workspace.workspaceFolders
        ? vscode.ConfigurationTarget.Workspace
        : vscode.ConfigurationTarget.Global;
    const current = checkDisabledRules(target === vscode.ConfigurationTarget.Workspace ? inspected?.workspaceValue : inspected?.globalValue).value;
    if (!current.includes(code)) {
      await configuration.update('lint.disabledRules', [...current, code], target);
    }
  }

  private raw(key: string): unknown {
    return vscode.workspace.getConfiguration(SECTION, this.scope).get<unknown>(key);
  }

  private string(key: string, fallback: string): string {
    const value = this.raw(key);
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : fallback;
  }

  private boolean(key: string, fallback: boolean): boolean {
    const value = this.raw(key);
    return typeof value === 'boolean' ? value : fallback;
  }

  private positiveNumber(key: string, fallback: number): number {
    const value = this.raw(key);
    return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : fallback;
  }

  private report(problems: readonly string[]): void {
    for (const problem of problems) {
      if (!this.reportedProblems.has(problem)) {
        this.reportedProblems.add(problem);
        this.log.warn(problem);
      }
    }
  }
}

/** One row of a feature's reaction table: when `section` changes, run `refresh`. */
export interface ConfigRefresh {
  /** A full section such as `batchlens.lens.enabled`, or a prefix such as `batchlens.lint`. */
  section: string;
  refresh: () => void;
}

/**
 * Reacts to configuration changes through a table of (section -> refresh). A refresh shared by
 * several changed sections in one event runs once.
 */
export function watchConfig(table: readonly ConfigRefresh[], log: Logger): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((event) => {
    const due = new Set<() => void>();
    for (const { section, refresh } of table) {
      if (event.affectsConfiguration(section)) {
        due.add(refresh);
      }
    }
    for (const refresh of due) {
      try {
        refresh();
      } catch (error) {
        log.error('Batchlens: applying a settings change failed', error);
      }
    }
  });
}
