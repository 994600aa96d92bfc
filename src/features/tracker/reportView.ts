import vscode = require('vscode');

/** Read-only in-memory documents of the tracker (savings report, raw result lines). */
export const TRACKER_REPORT_SCHEME = 'batchlens-report';

/**
 * Serves generated text as virtual documents: they never ask to be saved and refresh in place when
 * shown again under the same name.
 */
export class ReportView implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly contents = new Map<string, string>();
  private readonly changeEmitter = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changeEmitter.event;
  private readonly registration = vscode.workspace.registerTextDocumentContentProvider(TRACKER_REPORT_SCHEME, this);

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? '';
  }

  /** Sets the content of `name` (e.g. `savings.md`) and returns its URI. */
  put(name: string, text: string): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: TRACKER_REPORT_SCHEME, path: `/${name.replace(/[\\/]/g, '-')}` });
    const known = this.contents.has(uri.toString());
    this.contents.set(uri.toString(), text);
    if (known) {
      this.changeEmitter.fire(uri);
    }
    return uri;
  }

  /** Shows Markdown rendered (falling back to the source when the preview is unavailable). */
  async showMarkdown(name: string, markdown: string): Promise<vscode.Uri> {
    const uri = this.put(name, markdown);
    try {
      await vscode.commands.executeCommand('markdown.showPreview', uri);
    } catch {
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: true });
    }
    return uri;
  }

  dispose(): void {
    this.registration.dispose();
    this.changeEmitter.dispose();
  }
}
