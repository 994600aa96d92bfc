import type * as vscode from 'vscode';
import type { ApiKeyGetter, BatchApi } from '../core/api/batchApi';
import type { TokenCountCache } from '../core/tokens/tokenCountCache';
import type { CommandRunner } from './commandRunner';
import type { BatchlensConfig } from './config';
import type { BatchlensLog } from './log';
import type { ApiKeyStore } from './secrets';
import type { WorkspaceTrustGate } from './workspaceTrust';

/**
 * What every feature gets from activation: one object that owns shared state, so features never
 * reach for globals. Implemented in `createServices.ts`.
 */
export interface HostServices {
  readonly extensionContext: vscode.ExtensionContext;
  /** SecretStorage first, then `ANTHROPIC_API_KEY`. */
  readonly getApiKey: ApiKeyGetter;
  /**
   * A BatchApi over the SDK with the configured base URL, or undefined (and a hint shown) when no key
   * is set. Rejects with the one-line Restricted Mode reason when the workspace is not trusted.
   */
  createBatchApi(): Promise<BatchApi | undefined>;
  /** The first workspace folder's path, or undefined with no folder open. */
  workspaceRoot(): string | undefined;
  /** Every workspace folder (multi-root: each keeps its own `.batchlens/` job store), in VS Code's order. */
  workspaceFolders(): Array<{ name: string; root: string }>;
  /** The workspace folder holding `fsPath` (the innermost when folders nest), or undefined when none does. */
  folderOf(fsPath: string): { name: string; root: string } | undefined;
  /** The log channel with its redaction of known keys. */
  readonly log: BatchlensLog;
  /** Typed settings, read fresh on every access. */
  readonly config: BatchlensConfig;
  /** The API key in SecretStorage (with the environment fallback); set, clear, change events. */
  readonly apiKeys: ApiKeyStore;
  /** Registers command tables; every handler's failure is logged and shown with "Show Logs". */
  readonly commands: CommandRunner;
  /**
   * Like `createBatchApi()`, but without the "Set an Anthropic API key" prompt and resolving to
   * undefined in Restricted Mode (for background work such as exact token counts).
   */
  createBatchApiQuietly(): Promise<BatchApi | undefined>;
  /** Restricted Mode: whether the workspace is trusted, the grant event, and the refusal with its reason. */
  readonly trust: WorkspaceTrustGate;
  /** Exact token counts kept across restarts in global state, bounded (least recently used go first). */
  readonly tokenCountCache: TokenCountCache;
}
