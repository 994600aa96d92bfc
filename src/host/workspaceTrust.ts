import vscode = require('vscode');

/**
 * Restricted Mode (an untrusted workspace) as Batchlens sees it: the cost lens (offline estimates)
 * and the cache lint read the workspace's files only, so they run; everything that sends the API
 * key over the network (submit, poll, results, exact token counts, live model lists) waits for
 * trust, because an untrusted folder must not be able to spend or leak the key.
 */
export class WorkspaceTrustGate {
  /** Fires once trust is granted (VS Code never takes it back without a reload). */
  readonly onDidGrant: vscode.Event<void> = vscode.workspace.onDidGrantWorkspaceTrust;

  get isTrusted(): boolean {
    return vscode.workspace.isTrusted;
  }

  /** Throws the one-line reason `action` is off when the workspace is not trusted. */
  require(action: string): void {
    if (!this.isTrusted) throw new RestrictedModeError(action);
  }
}

/** The one-line reason a network feature is off in Restricted Mode; shown as the command's failure. */
export function restrictedModeReason(action: string): string {
  return `${action} is off in Restricted Mode: it sends your API key over the network. Trust this workspace (Manage Workspace Trust) to use it.`;
}

export class RestrictedModeError extends Error {
  constructor(action: string) {
    super(restrictedModeReason(action));
    this.name = 'RestrictedModeError';
  }
}
