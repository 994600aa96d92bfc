import vscode = require('vscode');
import { showFailureToast } from './failureToast';
import type { CommandId } from './commandIds';
import type { BatchlensLog } from './log';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- command arguments come untyped from VS Code
export type CommandHandler = (...args: any[]) => unknown;

/** Command ids (declared in `commandIds.ts` and package.json) linked to their handlers; a feature registers its whole table at once. */
export type CommandTable = Readonly<Partial<Record<CommandId, CommandHandler>>>;

/**
 * The one place commands are registered. It owns their subscriptions, runs every handler, logs a
 * failure and shows it once with a "Show Logs" button (and "Set API Key" when the key was refused); the command then resolves to undefined
 * instead of rejecting, so a palette click never ends in VS Code's generic error toast.
 */
export class CommandRunner implements vscode.Disposable {
  private readonly registrations: vscode.Disposable[] = [];

  constructor(private readonly log: BatchlensLog) {}

  register(table: CommandTable): vscode.Disposable {
    const disposables = Object.entries(table).flatMap(([id, handler]) =>
      handler ? [vscode.commands.registerCommand(id, (...args: unknown[]) => this.run(id, handler, args))] : [],
    );
    this.registrations.push(...disposables);
    return vscode.Disposable.from(...disposables);
  }

  /** Runs `handler` as command `id` would, reporting a failure instead of throwing it. */
  async run(id: string, handler: CommandHandler, args: readonly unknown[]): Promise<unknown> {
    try {
      return await handler(...args);
    } catch (error) {
      this.log.error(`Command ${id} failed`, error);
      void this.showFailure(error);
      return undefined;
    }
  }

  dispose(): void {
    for (const disposable of this.registrations.splice(0)) {
      disposable.dispose();
    }
  }

  private async showFailure(error: unknown): Promise<void> {
    await showFailureToast(this.log, error instanceof Error ? error.message : String(error));
  }
}
