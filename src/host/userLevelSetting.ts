import type * as vscode from 'vscode';

/** The parts of `WorkspaceConfiguration.inspect()` a user-level read looks at. */
export interface InspectedSetting<T> {
  defaultValue?: T;
  globalValue?: T;
  workspaceValue?: T;
  workspaceFolderValue?: T;
}

/**
 * The value a setting has in the user's own settings, else its default: workspace and folder values
 * are ignored. For settings that decide where the API key is sent (`batchlens.apiBaseUrl`): they are
 * `machine`-scoped in package.json, but scope is advisory in some hosts, so a workspace's
 * `.vscode/settings.json` could still reach `get()`; reading through `inspect()` makes the rule hold
 * whatever the host does.
 */
export function userLevelValue<T>(inspected: InspectedSetting<T> | undefined): T | undefined {
  return inspected?.globalValue ?? inspected?.defaultValue;
}

/** Reads `key` of `configuration` at user level only (see `userLevelValue`). */
export function readUserLevelSetting(configuration: vscode.WorkspaceConfiguration, key: string): unknown {
  return userLevelValue(configuration.inspect<unknown>(key));
}
