import vscode = require('vscode');

/** The one SecretStorage key the API key lives under. */
const API_KEY_SECRET = 'batchlens.anthropicApiKey';

export type ApiKeySource = 'secretStorage' | 'environment';

/**
 * The Anthropic API key: SecretStorage first, then `ANTHROPIC_API_KEY`. The key is never written to
 * settings, state or logs, and never appears in an error message.
 */
export class ApiKeyStore implements vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  private readonly subscription: vscode.Disposable;
  /** Fires when the stored key is set or cleared, from this window or another one. */
  readonly onDidChange = this.changeEmitter.event;

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.subscription = secrets.onDidChange((event) => {
      if (event.key === API_KEY_SECRET) {
        this.changeEmitter.fire();
      }
    });
  }

  /** The key to use, or undefined when neither SecretStorage nor the environment has one. */
  async get(): Promise<string | undefined> {
    return (await this.lookUp())?.key;
  }

  /** Where the key in use comes from, without revealing it. */
  async source(): Promise<ApiKeySource | undefined> {
    return (await this.lookUp())?.source;
  }

  async set(key: string): Promise<void> {
    await this.secrets.store(API_KEY_SECRET, key);
  }

  /** Deletes the stored key; an `ANTHROPIC_API_KEY` in the environment still applies afterwards. */
  async clear(): Promise<void> {
    await this.secrets.delete(API_KEY_SECRET);
  }

  dispose(): void {
    this.subscription.dispose();
    this.changeEmitter.dispose();
  }

  private async lookUp(): Promise<{ key: string; source: ApiKeySource } | undefined> {
    const stored = (await this.secrets.get(API_KEY_SECRET))?.trim();
    if (stored) {
      return { key: stored, source: 'secretStorage' };
    }
    const fromEnv = this.env.ANTHROPIC_API_KEY?.trim();
    return fromEnv ? { key: fromEnv, source: 'environment' } : undefined;
  }
}
