import * as vscode from 'vscode';
import { lowerModuleWith } from '../../core/analysis/analyzer';
import { SdkVersionsByFolder } from '../../core/analysis/sdkVersions';
import { collectSourceFiles } from '../../core/analysis/sourceFiles';
import type { AnalysisOptions, Analyzer } from '../../core/analysis/types';
import { WorkspaceIndex } from '../../core/analysis/workspaceIndex';

const SOURCE_GLOB = '**/*.{py,js,jsx,mjs,cjs,ts,tsx,mts,cts}';

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

  /** `changed` is called after a source file changed on disk (analyses that used its evidence are stale). */
  constructor(
    private readonly root: () => string | undefined,
    changed: () => void,
  ) {
    this.watcher = vscode.workspace.createFileSystemWatcher(SOURCE_GLOB);
    const drop = (listChanged: boolean) => (uri: vscode.Uri) => {
      this.index?.invalidate(uri.fsPath, listChanged);
      changed();
    };
    const dropManifests = () => {
      this.sdkVersions = undefined;
      changed();
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
    for (const subscription of this.subscriptions) subscription.dispose();
  }
}
