import type * as vscode from 'vscode';
import type { ApiKeyGetter, BatchApi } from '../core/api/batchApi';
import type { Logger } from '../core/util/logger';

/**
 * What every feature gets from activation: one object that owns shared state, so features never
 * reach for globals. Implemented in `createServices.ts`.
 */
export interface BatchlensServices {
  readonly extensionContext: vscode.ExtensionContext;
  /** The single "Batchlens" LogOutputChannel, also usable as the core's Logger. */
  readonly log: vscode.LogOutputChannel & Logger;
  /** SecretStorage first, then `ANTHROPIC_API_KEY`. */
  readonly getApiKey: ApiKeyGetter;
  /** A BatchApi over the SDK with the configured base URL, or undefined (and a hint shown) when no key is set. */
  createBatchApi(): Promise<BatchApi | undefined>;
  /** The first workspace folder's path, or undefined with no folder open. */
  workspaceRoot(): string | undefined;
}
