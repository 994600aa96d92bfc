import vscode = require('vscode');
import { analyseNotebook, type ParsedNotebook } from '../../core/analysis/notebook';
import type { AnalysisOptions, AnalysisResult, AnalysisSession, Analyzer, SourceLanguage } from '../../core/analysis/types';
import type { Logger } from '../../core/util/logger';
import { toTextChanges } from '../../host/convert';
import { PendingEdits } from './pendingEdits';

/** The scheme of a notebook cell's text document. */
export const NOTEBOOK_CELL_SCHEME = 'vscode-notebook-cell';
const ANALYSED_LANGUAGES: ReadonlySet<string> = new Set<SourceLanguage>(['python', 'typescript', 'typescriptreact', 'javascript', 'javascriptreact']);
/** Real documents only: diff views (`git:`) and our own previews would duplicate every diagnostic. */
const ANALYSED_SCHEMES: ReadonlySet<string> = new Set(['file', 'untitled', 'vscode-vfs', 'vscode-remote', NOTEBOOK_CELL_SCHEME]);

/** The documents the lens, lint and quick fixes serve. */
export const ANALYSED_DOCUMENTS: vscode.DocumentSelector = [...ANALYSED_LANGUAGES].flatMap((language) =>
  [...ANALYSED_SCHEMES].map((scheme) => ({ language, scheme })),
);

export function analysedLanguage(document: vscode.TextDocument): SourceLanguage | undefined {
  return ANALYSED_LANGUAGES.has(document.languageId) && ANALYSED_SCHEMES.has(document.uri.scheme)
    ? (document.languageId as SourceLanguage)
    : undefined;
}

/** The notebook a cell document belongs to, if it is a cell of an open notebook. */
export function notebookOf(document: vscode.TextDocument): vscode.NotebookDocument | undefined {
  if (document.uri.scheme !== NOTEBOOK_CELL_SCHEME) return undefined;
  const key = document.uri.toString();
  return vscode.workspace.notebookDocuments.find((notebook) => notebook.getCells().some((cell) => cell.document.uri.toString() === key));
}

/** The other code cells of the notebook a cell belongs to (their analysis depends on this cell's text). */
export function siblingCells(document: vscode.TextDocument): vscode.TextDocument[] {
  const notebook = notebookOf(document);
  if (!notebook) return [];
  return notebook
    .getCells()
    .filter((cell) => cell.kind === vscode.NotebookCellKind.Code && cell.document !== document)
    .map((cell) => cell.document);
}

interface NotebookState {
  /** Cell document versions the results were computed from. */
  signature: string;
  generation: number;
  /** Per cell document (uri), its part of the whole-notebook analysis, ranges relative to the cell. */
  cells: Map<string, AnalysisResult>;
  /** The notebook's code cells joined, for callers that judge the notebook as a whole (does it talk to a model?). */
  programText: string;
}

interface DocumentState {
  language: SourceLanguage;
  session: AnalysisSession;
  /** Edits since the session last analysed. */
  edits: PendingEdits;
  result?: { version: number; generation: number; value: AnalysisResult };
}

/**
 * One analysis per document version, shared by the cost lens, the diagnostics and the quick fixes.
 * Each open document keeps an incremental session fed with its content changes; the session is
 * disposed when the document closes. The analyzer (tree-sitter runtime) loads on the first request,
 * and each grammar on the first document of its language, so activation loads nothing.
 */
export class DocumentAnalysisCache implements vscode.Disposable {
  private analyzer?: Promise<Analyzer | undefined>;
  private readonly documents = new Map<string, DocumentState>();
  private readonly notebooks = new Map<string, NotebookState>();
  /** Languages whose grammar failed to load (logged once each). */
  private readonly grammarFailures = new Set<SourceLanguage>();
  /** Bumped when the options change (settings), so every cached result is recomputed once. */
  private generation = 0;
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly loadAnalyzer: () => Promise<Analyzer>,
    /**
     * The options for a file: in a multi-root workspace its folder's settings decide them; with the
     * document, evidence from other files (callers, imported helpers) is added.
     */
    private readonly options: (resource: vscode.Uri, document?: vscode.TextDocument) => AnalysisOptions,
    private readonly log: Logger,
    private readonly onLoadFailure: (error: unknown) => void,
  ) {
    this.subscriptions = [
      vscode.workspace.onDidChangeTextDocument((event) => this.recordChanges(event)),
      vscode.workspace.onDidCloseTextDocument((document) => this.forget(document.uri)),
    ];
  }

  /**
   * The analysis of the document's current version, or undefined when the document is not
   * Python/TS/JS or the analyzer could not load. Never rejects.
   */
  async analyze(document: vscode.TextDocument): Promise<AnalysisResult | undefined> {
    const language = analysedLanguage(document);
    if (!language || document.isClosed) {
      return undefined;
    }
    const analyzer = await this.getAnalyzer();
    if (!analyzer || document.isClosed || !(await this.prepare(analyzer, language)) || document.isClosed) {
      return undefined;
    }
    try {
      const notebook = notebookOf(document);
      if (notebook) {
        return this.analyzeNotebookCell(analyzer, notebook, document, language);
      }
      return this.analyzeNow(analyzer, document, language);
    } catch (error) {
      this.log.error(`Analysing ${document.uri.toString(true)} failed`, error);
      this.forget(document.uri);
      return undefined;
    }
  }

  /** The joined code of the notebook a cell belongs to, once analysed (see NotebookState.programText). */
  notebookText(document: vscode.TextDocument): string | undefined {
    const notebook = notebookOf(document);
    return notebook ? this.notebooks.get(notebook.uri.toString())?.programText : undefined;
  }

  /**
   * A cell's part of its notebook's analysis: the code cells of the cell's language are analysed
   * as one program (a constant of cell 2 resolves in cell 5), once per set of cell versions.
   */
  private analyzeNotebookCell(analyzer: Analyzer, notebook: vscode.NotebookDocument, document: vscode.TextDocument, language: SourceLanguage): AnalysisResult {
    const cells = notebook.getCells().filter((cell) => cell.kind === vscode.NotebookCellKind.Code && cell.document.languageId === document.languageId);
    const signature = cells.map((cell) => `${cell.document.uri.toString()}@${cell.document.version}`).join('|');
    const key = notebook.uri.toString();
    let state = this.notebooks.get(key);
    if (!state || state.signature !== signature || state.generation !== this.generation) {
      const parsed: ParsedNotebook = { language, cells: cells.map((cell) => ({ index: cell.index, source: cell.document.getText() })) };
      const analysed = analyseNotebook(analyzer, parsed, this.options(notebook.uri));
      const byIndex = new Map(analysed.cells.map((part) => [part.cell, part]));
      const results = new Map<string, AnalysisResult>();
      for (const cell of cells) {
        const part = byIndex.get(cell.index);
        results.set(cell.document.uri.toString(), {
          language,
          prompts: part?.prompts ?? [],
          findings: part?.findings ?? [],
          calls: part?.calls ?? [],
          ...(analysed.skippedReason ? { skippedReason: analysed.skippedReason } : {}),
        });
      }
      state = { signature, generation: this.generation, cells: results, programText: analysed.program.text };
      this.notebooks.set(key, state);
    }
    return state.cells.get(document.uri.toString()) ?? { language, prompts: [], findings: [] };
  }

  /** Drops the document's incremental session, so its next analysis parses the whole text afresh. */
  analyzeFromScratch(document: vscode.TextDocument): void {
    this.forget(document.uri);
  }

  /** Settings that feed the analysis changed: every document is re-analysed on its next request. */
  invalidateAll(): void {
    this.generation += 1;
  }

  dispose(): void {
    for (const subscription of this.subscriptions) {
      subscription.dispose();
    }
    for (const uri of [...this.documents.keys()]) {
      this.forgetKey(uri);
    }
  }

  private analyzeNow(analyzer: Analyzer, document: vscode.TextDocument, language: SourceLanguage): AnalysisResult {
    const key = document.uri.toString();
    let state = this.documents.get(key);
    if (state && state.language !== language) {
      this.forgetKey(key);
      state = undefined;
    }
    if (!state) {
      state = { language, session: analyzer.createSession(language), edits: new PendingEdits() };
      this.documents.set(key, state);
    }
    const cached = state.result;
    if (cached && cached.version === document.version && cached.generation === this.generation) {
      return cached.value;
    }
    // Options are applied to the whole file on every update, so recorded edits stay replayable after a settings change.
    const value = state.session.update(document.getText(), this.options(document.uri, document), state.edits.take(document.version));
    state.result = { version: document.version, generation: this.generation, value };
    return value;
  }

  private recordChanges(event: vscode.TextDocumentChangeEvent): void {
    this.documents.get(event.document.uri.toString())?.edits.record(event.document.version, toTextChanges(event.contentChanges));
  }

  /**
   * Loads the language's grammar on its first document; false when it cannot load. Each request
   * tries again (a grammar file can come back), but the failure is logged once per language.
   */
  private async prepare(analyzer: Analyzer, language: SourceLanguage): Promise<boolean> {
    try {
      await analyzer.prepare(language);
      return true;
    } catch (error) {
      if (!this.grammarFailures.has(language)) {
        this.grammarFailures.add(language);
        this.log.error(`Loading the ${language} grammar (tree-sitter) failed; ${language} files are not analysed`, error);
      }
      return false;
    }
  }

  private getAnalyzer(): Promise<Analyzer | undefined> {
    this.analyzer ??= this.loadAnalyzer().then(
      (analyzer) => {
        this.log.info('Prompt analyzer loaded');
        return analyzer;
      },
      (error: unknown) => {
        this.log.error('Loading the prompt analyzer (tree-sitter) failed; the cost lens and cache lint are off', error);
        this.onLoadFailure(error);
        return undefined;
      },
    );
    return this.analyzer;
  }

  private forget(uri: vscode.Uri): void {
    this.forgetKey(uri.toString());
    if (uri.scheme === NOTEBOOK_CELL_SCHEME) {
      // A closed cell document means its notebook closed or changed shape: analyse it afresh.
      for (const [key, state] of this.notebooks) {
        if (state.cells.has(uri.toString())) this.notebooks.delete(key);
      }
    }
  }

  private forgetKey(key: string): void {
    const state = this.documents.get(key);
    if (state) {
      this.documents.delete(key);
      try {
        state.session.dispose();
      } catch (error) {
        this.log.warn('Disposing an analysis session failed', error);
      }
    }
  }
}
