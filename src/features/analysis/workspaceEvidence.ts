import * as vscode from 'vscode';
import { lowerModuleWith } from '../../core/analysis/analyzer';
import { SdkVersionsByFolder } from '../../core/analysis/sdkVersions';
import { collectSourceFiles } from '../../core/analysis/sourceFiles';
import type { AnalysisOptions, Analyzer } from '../../core/analysis/types';
import { WorkspaceIndex } from '../../core/analysis/workspaceIndex';

const SOURCE_GLOB = '**/*.{py,js,jsx,mjs,cjs,ts,tsx,mts,cts}';
/** Changes closer together than this are one burst (a save writes, a branch switch writes many files). */
const CHANGE_SETTLE_MS = 300;

/**
 * The editor's side of evidence across files: one workspace index (callers in other files, imported
 * helpers) and the SDK version nearest each file, both read lazily and dropped for a file when it
 * changes on disk, so a per-document analysis sees the same evidence `batchlens lint` does.
 */
export class WorkspaceEvidence implements vscode.Disposable {
  private analyzer: Analyzer | undefined;
  private index: WorkspaceIndex | undefined;
  private sdkVersions: SdkVersionsByFolder | undefined;
  private readonly watcher: vscode.FileSystemWatcher;
  private readonly subscriptions: vscode.Disposable[];

  private pending: ReturnType<typeof setTimeout> | undefined;

  /**
   * `changed` is called after source or dependency files changed on disk (analyses that used their
   * evidence are stale), once per burst of changes (a save, a branch switch), and only when the
   * index or the SDK versions were in use.
   */
  constructor(
    private readonly root: () => string | undefined,
    changed: () => void,
  ) {
    this.watcher = vscode.workspace.createFileSystemWatcher(SOURCE_GLOB);
    const later = () => {
      if (this.pending) clearTimeout(this.pending);
      this.pending = setTimeout(() => {
        this.pending = undefined;
        changed();
      }, CHANGE_SETTLE_MS);
    };
    const drop = (listChanged: boolean) => (uri: vscode.Uri) => {
      if (!this.index) return;
      this.index.invalidate(uri.fsPath, listChanged);
      later();
    };
    const dropManifests = () => {
      if (!this.sdkVersions) return;
      this.sdkVersions = undefined;
      later();
    };
    const manifests = vscode.workspace.createFileSystemWatcher('**/{package.json,package-lock.json,pyproject.toml,requirements*.txt,uv.lock,poetry.lock}');
    this.subscriptions = [
      this.watcher,
      this.watcher.onDidChange(drop(false)),
      this.watcher.onDidCreate(drop(true)),
      this.watcher.onDidDelete(drop(true)),
      manifests,
      manifests.onDidChange(dropManifests),
      manifests.onDidCreate(dropManifests),
      manifests.onDidDelete(dropManifests),
    ];
  }

  /** Called once the analyzer has loaded: the index parses other files with it. */
  analyzerLoaded(analyzer: Analyzer): Analyzer {
    this.analyzer = analyzer;
    return analyzer;
  }

  /** `base` with the evidence for `document` (the same objects until something changes, so sessions reuse results). */
  optionsFor(base: AnalysisOptions, document: vscode.TextDocument | undefined): AnalysisOptions {
    const root = this.root();
    if (!document || document.uri.scheme !== 'file' || !root || !this.analyzer) return base;
    const analyzer = this.analyzer;
    this.index ??= new WorkspaceIndex(root, () => collectSourceFiles([root], root).map((file) => file.absolutePath), lowerModuleWith(analyzer));
    this.sdkVersions ??= new SdkVersionsByFolder(root);
    return { ...this.index.optionsFor(base, document.uri.fsPath), sdkApiVersions: this.sdkVersions.forFile(document.uri.fsPath) };
  }

  dispose(): void {
    if (this.pending) clearTimeout(this.pending);
    for (const subscription of this.subscriptions) subscription.dispose();
  }
}
