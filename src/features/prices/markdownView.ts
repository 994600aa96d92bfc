import vscode = require('vscode');
import type { Logger } from '../../core/util/logger';

/** Read-only documents Batchlens renders (price tables); they live only in memory. */
export const BATCHLENS_SCHEME = 'batchlens';

/**
 * Shows generated Markdown as a read-only virtual document (scheme `batchlens`) in the Markdown
 * preview. A virtual document, unlike an untitled one, never asks to be saved, and it works in
 * code-server as in desktop VS Code. Showing the same title again updates that document in place.
 */
export class MarkdownView implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly contents = new Map<string, string>();
  private readonly changeEmitter = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changeEmitter.event;
  private readonly registration: vscode.Disposable;

  constructor(private readonly log: Logger) {
    this.registration = vscode.workspace.registerTextDocumentContentProvider(BATCHLENS_SCHEME, this);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? '';
  }

  /** Opens (or refreshes) the document titled `title` with `markdown`, as a rendered preview when possible. */
  async show(title: string, markdown: string): Promise<vscode.Uri> {
    const uri = vscode.Uri.from({ scheme: BATCHLENS_SCHEME, path: `/${title.replace(/[\\/]/g, '-')}.md` });
    const key = uri.toString();
    const known = this.contents.has(key);
    this.contents.set(key, markdown);
    if (known) {
      this.changeEmitter.fire(uri);
    }
    try {
      await vscode.commands.executeCommand('markdown.showPreview', uri);
    } catch (error) {
      // Without the built-in Markdown extension the source is still readable.
      this.log.warn('The Markdown preview is unavailable; showing the Markdown source', error);
      const document = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(document, { preview: true });
    }
    return uri;
  }

  dispose(): void {
    this.registration.dispose();
    this.changeEmitter.dispose();
    this.contents.clear();
  }
}
