import vscode = require('vscode');
import type { RuleCode } from '../core/analysis/types';
import type { Logger } from '../core/util/logger';
import type { ModelOverrides } from '../core/pricing/overrides';
import { checkDisabledRules } from '../core/analysis/ruleSettings';
import { readSetting } from '../core/settings/readSettings';
import { SETTINGS_SECTION, type ResultsLocation, type SettingId, type SettingKey, type SettingValues } from '../core/settings/schema';
import { readUserLevelSetting } from './userLevelSetting';

export type { ResultsLocation };

/**
 * The one typed reader of Batchlens settings in the editor. Every getter reads the configuration
 * afresh, so a changed setting takes effect on the next read without a reload; every value is
 * validated by the core's `readSetting` (the schema in `core/settings/schema.ts`, shared with the CLI),
 * and what it drops is logged once.
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
    return this.read('defaultModel');
  }
  /** Well-formed entries of `batchlens.modelOverrides`; a malformed entry is dropped whole and logged. */
  get modelOverrides(): ModelOverrides {
    return this.read('modelOverrides');
  }
  get usResidency(): boolean {
    return this.read('usResidency');
  }

  // API
  /**
   * The configured base URL, or '' to fall back to `ANTHROPIC_BASE_URL` and then the public API.
   * User settings only: the API key goes there, so a workspace value is ignored.
   */
  get apiBaseUrl(): string {
    const checked = readSetting('apiBaseUrl', readUserLevelSetting(vscode.workspace.getConfiguration(SETTINGS_SECTION), 'apiBaseUrl'));
    this.report(checked.problems);
    return checked.value;
  }
  /** `batchlens.apiTimeoutSeconds` in ms: how long one API call may wait before it is given up. */
  get apiTimeoutMs(): number {
    return this.read('apiTimeoutSeconds') * 1000;
  }
  /** `batchlens.workspaceId`: the Anthropic workspace to act on, or '' for the key's default workspace. */
  get workspaceId(): string {
    return this.read('workspaceId');
  }
  get exactTokenCounts(): boolean {
    return this.read('exactTokenCounts');
  }

  // Prompt cost lens
  get lensEnabled(): boolean {
    return this.read('lens.enabled');
  }
  /** `batchlens.lens.includeTests`: cost lenses in test files too (like `cost --include-tests`). */
  get lensIncludeTests(): boolean {
    return this.read('lens.includeTests');
  }
  get hintsEnabled(): boolean {
    return this.read('hints.enabled');
  }

  // Cache lint
  get lintEnabled(): boolean {
    return this.read('lint.enabled');
  }
  get reportUnknownValues(): boolean {
    return this.read('lint.reportUnknownValues');
  }
  get disabledRules(): RuleCode[] {
    return this.read('lint.disabledRules');
  }

  // Batch submission
  get exclude(): string[] {
    return this.read('exclude');
  }
  get maxFileBytes(): number {
    return this.read('maxFileBytes');
  }
  get confirmAboveUsd(): number {
    return this.read('confirmAboveUsd');
  }
  get maxRequestsPerBatch(): number {
    return this.read('maxRequestsPerBatch');
  }
  get defaultTemplate(): string {
    return this.read('defaultTemplate');
  }

  // Batch tracker
  get resultsLocation(): ResultsLocation {
    return this.read('results.location');
  }
  get resultsOpenSideBySide(): boolean {
    return this.read('results.openSideBySide');
  }
  get pollMaxIntervalSeconds(): number {
    return this.read('poll.maxIntervalSeconds');
  }

  /**
   * Adds `code` to `batchlens.lint.disabledRules` where the user's setting lives: the workspace
   * when it sets the list, else user settings.
   */
  async disableRule(code: RuleCode): Promise<void> {
    const configuration = vscode.workspace.getConfiguration(SETTINGS_SECTION);
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

  /** One setting, validated against the shared schema; what it drops is logged once. */
  private read<K extends SettingKey>(key: K): SettingValues[K] {
    const checked = readSetting(key, vscode.workspace.getConfiguration(SETTINGS_SECTION, this.scope).get<unknown>(key));
    this.report(checked.problems);
    return checked.value;
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

/** The part of a setting id before a dot, e.g. `batchlens.lint` for every `batchlens.lint.*` setting. */
export type SettingPrefix = PrefixOf<SettingId>;
type PrefixOf<Id> = Id extends `${infer Head}.${infer Group}.${string}` ? `${Head}.${Group}` : never;

/** One row of a feature's reaction table: when `section` changes, run `refresh`. */
export interface ConfigRefresh {
  /** A full setting id such as `batchlens.lens.enabled`, or the prefix of several such as `batchlens.lint`. */
  section: SettingId | SettingPrefix;
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
