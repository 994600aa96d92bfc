import vscode = require('vscode');
import { toDiagnostic } from '../../host/convert';
import type { HostServices } from '../../host/services';
import { analysedLanguage, type DocumentAnalysisCache, siblingCells } from '../analysis/documentAnalysisCache';
import { displaySeverity, visibleFindings } from '../../core/analysis/findingFilter';

/** Long enough to skip the analysis between keystrokes, short enough to feel live. */
const EDIT_DEBOUNCE_MS = 300;

/**
 * Cache-lint diagnostics in the "batchlens" collection: immediate when a document opens or is
 * saved, debounced while it is edited, removed when it closes or the lint is turned off.
 */
export class CacheLintDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('batchlens');
  private readonly pending = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly services: HostServices,
    private readonly cache: DocumentAnalysisCache,
  ) {
    this.subscriptions = [
      vscode.workspace.onDidOpenTextDocument((document) => this.lintNow(document)),
      vscode.workspace.onDidSaveTextDocument((document) => {
        // A saved file gets the same answer `batchlens lint` gives: tree-sitter's error recovery
        // can differ between an incremental and a fresh parse of half-typed code.
        this.cache.analyzeFromScratch(document);
        this.lintNow(document);
      }),
      vscode.workspace.onDidChangeTextDocument((event) => {
        if (event.contentChanges.length > 0) {
          this.lintSoon(event.document);
          // A notebook is one program: an edit in one cell can change the findings of the others.
          for (const sibling of siblingCells(event.document)) {
            this.lintSoon(sibling);
          }
        }
      }),
      vscode.workspace.onDidCloseTextDocument((document) => this.forget(document.uri)),
    ];
    this.relintOpenDocuments();
  }

  /** Re-lints every open document (settings that change the analysis or its filtering changed). */
  relintOpenDocuments(): void {
    for (const document of vscode.workspace.textDocuments) {
      this.lintNow(document);
    }
  }

  dispose(): void {
    for (const timer of this.pending.values()) {
      clearTimeout(timer);
    }
    this.pending.clear();
    for (const subscription of this.subscriptions) {
      subscription.dispose();
    }
    this.collection.dispose();
  }

  private lintNow(document: vscode.TextDocument): void {
    if (!analysedLanguage(document)) {
      return;
    }
    this.cancelPending(document.uri);
    void this.lint(document);
  }

  private lintSoon(document: vscode.TextDocument): void {
    if (!analysedLanguage(document)) {
      return;
    }
    this.cancelPending(document.uri);
    const key = document.uri.toString();
    this.pending.set(
      key,
      setTimeout(() => {
        this.pending.delete(key);
        void this.lint(document);
      }, EDIT_DEBOUNCE_MS),
    );
  }

  private async lint(document: vscode.TextDocument): Promise<void> {
    try {
      // The settings of this file (multi-root: its folder's).
      const config = this.services.config.forResource(document.uri);
      if (!config.lintEnabled) {
        this.collection.delete(document.uri);
        return;
      }
      const version = document.version;
      const result = await this.cache.analyze(document);
      // A newer edit has its own run queued; a closed document must not get diagnostics back.
      if (document.isClosed || document.version !== version) {
        return;
      }
      if (!result) {
        this.collection.delete(document.uri);
        return;
      }
      const findings = visibleFindings(result.findings, { hintsEnabled: config.hintsEnabled, disabledRules: config.disabledRules });
      this.collection.set(
        document.uri,
        findings.map((finding) => toDiagnostic(document, { ...finding, severity: displaySeverity(finding) })),
      );
    } catch (error) {
      this.services.log.error(`Cache lint of ${document.uri.toString(true)} failed`, error);
    }
  }

  private cancelPending(uri: vscode.Uri): void {
    const key = uri.toString();
    const timer = this.pending.get(key);
    if (timer !== undefined) {
      clearTimeout(timer);
      this.pending.delete(key);
    }
  }

  private forget(uri: vscode.Uri): void {
    this.cancelPending(uri);
    this.collection.delete(uri);
  }
}
