import vscode = require('vscode');
import { loadEngine } from '../../core/analysis/engine';
import { ANALYSED_LANGUAGES } from '../../core/analysis/runtime';
import { SdkVersionsByFolder } from '../../core/analysis/sdkVersions';
import { collectSourceFiles } from '../../core/analysis/sourceFiles';
import type { AnalysisOptions, Analyzer } from '../../core/analysis/types';
import { WorkspaceIndex } from '../../core/analysis/workspaceIndex';

const SOURCE_GLOB = '**/*.{py,js,jsx,mjs,cjs,ts,tsx,mts,cts}';
const MANIFEST_GLOB = '**/{package.json,package-lock.json,pyproject.toml,requirements*.txt,uv.lock,poetry.lock}';
/** Changes closer together than this are one burst (a save writes, a branch switch writes many files). */
const CHANGE_SETTLE_MS = 300;

/** One workspace folder's evidence: its index over its own source files, and its SDK versions. */
interface FolderEvidence {
  index: WorkspaceIndex;
  /** The folder's source files, listed in the background (the walk is async; the index asks synchronously). */
  files: string[];
  sdkVersions?: SdkVersionsByFolder;
}

/**
 * The editor's side of evidence across files: per workspace folder, one index (callers in other
 * files, imported helpers) and the SDK version nearest each file, both read lazily and dropped for a
 * file when it changes on disk, so a per-document analysis sees the same evidence `batchlens lint`
 * sees when run on that folder.
 */
export class WorkspaceEvidence implements vscode.Disposable {
  private analyzer: Analyzer | undefined;
  private readonly folders = new Map<string, FolderEvidence>();
  private readonly subscriptions: vscode.Disposable[];
  private pending: ReturnType<typeof setTimeout> | undefined;
  private readonly later: () => void;

  /**
   * `rootOf` names the folder a file's evidence comes from (its workspace folder). `changed` is
   * called after source or dependency files changed on disk (analyses that used their evidence are
   * stale), once per burst of changes (a save, a branch switch), and only when evidence was in use.
   */
  constructor(
    private readonly rootOf: (uri: vscode.Uri) => string | undefined,
    changed: () => void,
  ) {
    this.later = () => {
      if (this.pending) clearTimeout(this.pending);
      this.pending = setTimeout(() => {
        this.pending = undefined;
        changed();
      }, CHANGE_SETTLE_MS);
    };
    const drop = (listChanged: boolean) => (uri: vscode.Uri) => {
      const root = this.rootOf(uri);
      const folder = root === undefined ? undefined : this.folders.get(root);
      if (!root || !folder) return;
      folder.index.invalidate(uri.fsPath);
      if (listChanged) this.listFiles(root, folder);
      else this.later();
    };
    const dropManifests = (uri: vscode.Uri) => {
      const root = this.rootOf(uri);
      const folder = root === undefined ? undefined : this.folders.get(root);
      if (!folder?.sdkVersions) return;
      folder.sdkVersions = undefined;
      this.later();
    };
    const sources = vscode.workspace.createFileSystemWatcher(SOURCE_GLOB);
    const manifests = vscode.workspace.createFileSystemWatcher(MANIFEST_GLOB);
    this.subscriptions = [
      sources,
      sources.onDidChange(drop(false)),
      sources.onDidCreate(drop(true)),
      sources.onDidDelete(drop(true)),
      manifests,
      manifests.onDidChange(dropManifests),
      manifests.onDidCreate(dropManifests),
      manifests.onDidDelete(dropManifests),
    ];
  }

  /**
   * Called once the analyzer has loaded: the index parses other files with it. The editor loads a
   * grammar on the first document of its language; the index may need the others (a TypeScript
   * file importing JavaScript), so they load now in the background and the indexes start afresh.
   */
  analyzerLoaded(analyzer: Analyzer): Analyzer {
    this.analyzer = analyzer;
    void Promise.all(ANALYSED_LANGUAGES.map((language) => analyzer.prepare(language))).then(
      () => this.restartAll(),
      () => undefined,
    );
    return analyzer;
  }

  /** `base` with the evidence for `document` (the same objects until something changes, so sessions reuse results). */
  optionsFor(base: AnalysisOptions, document: vscode.TextDocument | undefined): AnalysisOptions {
    if (!document || document.uri.scheme !== 'file' || !this.analyzer) return base;
    const root = this.rootOf(document.uri);
    if (!root) return base;
    let folder = this.folders.get(root);
    if (!folder) {
      const created: FolderEvidence = { index: new WorkspaceIndex(root, () => created.files, loadEngine().lowerModuleWith(this.analyzer)), files: [] };
      folder = created;
      this.folders.set(root, created);
      this.listFiles(root, created);
    }
    folder.sdkVersions ??= new SdkVersionsByFolder(root);
    return { ...folder.index.optionsFor(base, document.uri.fsPath), sdkApiVersions: folder.sdkVersions.forFile(document.uri.fsPath) };
  }

  dispose(): void {
    if (this.pending) clearTimeout(this.pending);
    for (const subscription of this.subscriptions) subscription.dispose();
  }

  private restartAll(): void {
    if (this.folders.size === 0) return;
    for (const folder of this.folders.values()) folder.index.invalidate('', true);
    this.later();
  }

  /** Lists a folder's source files (as `batchlens lint` walks them), then lets its index see the new list. */
  private listFiles(root: string, folder: FolderEvidence): void {
    collectSourceFiles([root], root).then(
      (files) => {
        folder.files = files.filter((file) => !file.skippedReason).map((file) => file.absolutePath);
        folder.index.invalidate('', true);
        this.later();
      },
      () => undefined,
    );
  }
}
