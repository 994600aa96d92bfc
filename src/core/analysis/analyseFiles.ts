/**
 * Reads and analyses the files a CLI run collected: source files as they are, notebooks as one
 * program split back into cells. Every file comes back, analysed or with the reason it was not.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadEngine } from './engine';
import { ModelImporters, reachesModel, talksToModel } from './llmFiles';
import { analyseNotebook, formatCellLocation, jsonLineOfCellLine, parseNotebook } from './notebook';
import { SdkVersionsByFolder } from './sdkVersions';
import type { SourceFile } from './sourceFiles';
import { WorkspaceIndex } from './workspaceIndex';
import type { AnalysisOptions, Analyzer, Finding, PromptConstant } from './types';

/** Prompts and findings of a file, or of one notebook cell (ranges relative to the cell). */
export interface AnalysedPart {
  /** The cell's index among all the notebook's cells (0-based); undefined for a plain source file. */
  cell?: number;
  prompts: PromptConstant[];
  findings: Finding[];
  /** Whole requests (kind `request`), see AnalysisResult.calls. */
  calls?: PromptConstant[];
}

export interface FileAnalysis {
  file: SourceFile;
  parts: AnalysedPart[];
  /** The file's text as stored (a notebook's JSON), for SARIF regions; empty for a source file without fixes. */
  text: string;
  /** True when the file talks to a model or is imported by a file that does (see llmFiles.ts). */
  reachesModel: boolean;
  skippedReason?: string;
}

/**
 * Analyses every file; a file that cannot be read or parsed comes back with `skippedReason` and no
 * parts. Files are read once; only a file with quick fixes keeps its text (SARIF fix regions).
 */
export function analyseFiles(analyzer: Analyzer, files: SourceFile[], options: AnalysisOptions, workspace: AnalyseFilesWorkspace = {}): FileAnalysis[] {
  const importers = new ModelImporters();
  // Evidence across files (a caller in another file, an imported helper) comes from the collected files only.
  const root = workspace.root ?? repositoryRoot(commonFolder(files.map((file) => file.absolutePath)));
  const sources = files.filter((file) => !file.skippedReason && file.language !== 'notebook');
  const displayPaths = new Map(sources.map((file) => [file.absolutePath, file.displayPath]));
  const index = new WorkspaceIndex(root, () => [...displayPaths.keys()], loadEngine().lowerModuleWith(analyzer), (file) => displayPaths.get(file));
  const sdkVersions = workspace.sdkVersions ? new SdkVersionsByFolder(workspace.root) : undefined;
  const optionsFor = (file: SourceFile): AnalysisOptions => {
    const own = index.optionsFor(options, file.absolutePath);
    return sdkVersions ? { ...own, sdkApiVersions: sdkVersions.forFile(file.absolutePath) } : own;
  };
  const pending: { analysis: FileAnalysis; program: string }[] = [];
  const out = files.map((file): FileAnalysis => {
    if (file.skippedReason) return { file, parts: [], text: '', reachesModel: false, skippedReason: file.skippedReason };
    let text: string;
    try {
      text = fs.readFileSync(file.absolutePath, 'utf8');
    } catch (error) {
      return { file, parts: [], text: '', reachesModel: false, skippedReason: `cannot read: ${error instanceof Error ? error.message : String(error)}` };
    }
    let analysis: FileAnalysis;
    let program = text;
    if (file.language === 'notebook') {
      const notebook = parseNotebook(text);
      if ('skippedReason' in notebook) return { file, parts: [], text: '', reachesModel: false, skippedReason: notebook.skippedReason };
      const analysed = analyseNotebook(analyzer, notebook, sdkVersions ? { ...options, sdkApiVersions: sdkVersions.forFile(file.absolutePath) } : options);
      program = analysed.program.text;
      analysis = { file, parts: analysed.cells, text, reachesModel: false, ...(analysed.skippedReason ? { skippedReason: analysed.skippedReason } : {}) };
    } else {
      const result = analyzer.analyze(text, file.language, optionsFor(file));
      const hasFixes = result.findings.some((finding) => finding.fixes.length > 0);
      analysis = { file, parts: [{ prompts: result.prompts, findings: result.findings, calls: result.calls ?? [] }], text: hasFixes ? text : '', reachesModel: false, ...(result.skippedReason ? { skippedReason: result.skippedReason } : {}) };
    }
    importers.add(program);
    if (talksToModel(program)) analysis.reachesModel = true;
    else if (analysis.parts.some((part) => part.prompts.length > 0)) pending.push({ analysis, program });
    return analysis;
  });
  // Only files with prompts that do not talk to a model themselves need their importers looked up.
  for (const { analysis, program } of pending) analysis.reachesModel = reachesModel(analysis.file.absolutePath, program, importers);
  return out;
}

/** Where the analysed files sit, for evidence across files and dependency-file lookups. */
export interface AnalyseFilesWorkspace {
  /** The workspace root (default: the files' common folder). */
  root?: string;
  /** Read each file's SDK version (BL008) from the dependency files nearest it, up to the root. */
  sdkVersions?: boolean;
}

/** The repository `folder` is in (the nearest folder above with `.git`), else `folder`: where absolute imports resolve from. */
function repositoryRoot(folder: string): string {
  for (let current = folder; ; current = path.dirname(current)) {
    if (fs.existsSync(path.join(current, '.git'))) return current;
    if (path.dirname(current) === current) return folder;
  }
}

/** The deepest folder holding every file. */
export function commonFolder(files: string[]): string {
  if (files.length === 0) return process.cwd();
  let common = path.dirname(files[0]);
  for (const file of files.slice(1)) {
    while (path.relative(common, file).startsWith('..') || path.isAbsolute(path.relative(common, file))) {
      const parent = path.dirname(common);
      if (parent === common) return common;
      common = parent;
    }
  }
  return common;
}

/** `path:12` for a file line, `path#cell3:12` for a line of a notebook cell (both 0-based in, 1-based out). */
export function formatLocation(file: SourceFile, part: AnalysedPart, line: number, column?: number): string {
  const base = part.cell === undefined ? `${file.displayPath}:${line + 1}` : formatCellLocation(file.displayPath, part.cell, line);
  return column === undefined ? base : `${base}:${column + 1}`;
}

/** The 1-based line of the stored file for a 0-based line of a part (a notebook's JSON line of the cell line). */
export function storedLine(analysis: FileAnalysis, part: AnalysedPart, line: number): number {
  if (part.cell === undefined) return line + 1;
  return jsonLineOfCellLine(analysis.text, part.cell, line) ?? 1;
}
