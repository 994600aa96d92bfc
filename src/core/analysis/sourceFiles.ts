import * as fs from 'node:fs';
import * as path from 'node:path';
import { ExclusionRules, repositoryTop } from '../files/exclusionRules';
import { walkTree } from '../files/walkTree';
import type { SourceLanguage } from './types';

/** The language each analysed file extension parses as. */
const LANGUAGE_BY_EXTENSION: Record<string, SourceLanguage> = {
  '.py': 'python',
  '.ts': 'typescript',
  '.mts': 'typescript',
  '.cts': 'typescript',
  '.tsx': 'typescriptreact',
  '.js': 'javascript',
  '.mjs': 'javascript',
  '.cjs': 'javascript',
  '.jsx': 'javascriptreact',
};

/** The language of a file by its extension, or undefined when the analyzer does not read it. */
export function languageForPath(file: string): SourceLanguage | undefined {
  if (file.endsWith('.d.ts')) return undefined;
  return LANGUAGE_BY_EXTENSION[path.extname(file).toLowerCase()];
}

/** How a collected file is read: as source in a language, as a Jupyter notebook (its kernel names the language), or not at all. */
export type FileKind = SourceLanguage | 'notebook';

function kindForPath(file: string): FileKind | undefined {
  return path.extname(file).toLowerCase() === '.ipynb' ? 'notebook' : languageForPath(file);
}

/** Test files (listed by `cost` only with --include-tests): test folders and test-named files. */
export function isTestFile(file: string): boolean {
  const posix = toPosix(file);
  return /(^|\/)(tests?|__tests__|spec|__mocks__)\//.test(posix) || /(^|\/)(test_[^/]*\.py|[^/]*_test\.py|conftest\.py|[^/]*\.(test|spec)\.[cm]?[jt]sx?)$/.test(posix);
}

/**
 * Whether the editor's cost lens belongs on a document, by the same rule as `cost`: test files get
 * none unless `includeTests`. `workspacePath` is the path inside its workspace folder; a document
 * outside any folder is judged by its file name only (a parent folder named `tests` says nothing then).
 */
export function lensShownFor(workspacePath: string | undefined, fileName: string, includeTests: boolean): boolean {
  return includeTests || !isTestFile(workspacePath ?? path.basename(toPosix(fileName)));
}

export interface SourceFile {
  /** Absolute path. */
  absolutePath: string;
  /** The path to print: as given for files, relative to the working directory for folder contents. */
  displayPath: string;
  language: FileKind;
  /** Set for a file named on the command line that the analyzer cannot read (never silently dropped). */
  skippedReason?: string;
  /** True when the file was named on the command line rather than found in a folder. */
  named?: boolean;
}

export interface CollectSourceOptions {
  /** `files.exclude`-style globs (the enabled ones), relative to the walked folder's root (see below). */
  filesExclude?: readonly string[];
}

/**
 * Expands files and folders into the source files to analyse. Folders are walked by the same
 * `walkTree` and `ExclusionRules` as a batch's files: every `.gitignore` from the repository's top
 * down as git reads them (a nested `!keep.py` re-includes), `filesExclude` globs relative to the
 * working directory (or to the repository's top for a folder outside it), and `node_modules`, `.git`
 * and `.batchlens` never entered. Named files are kept even when ignored; a named file the analyzer
 * cannot read is returned with a `skippedReason`.
 * @throws Error naming the first argument that does not exist.
 */
export async function collectSourceFiles(inputs: string[], cwd: string, options: CollectSourceOptions = {}): Promise<SourceFile[]> {
  const out: SourceFile[] = [];
  const seen = new Set<string>();
  for (const input of inputs) {
    const absolute = path.resolve(cwd, input);
    let stat: fs.Stats;
    try {
      stat = await fs.promises.stat(absolute);
    } catch {
      throw new Error(`no such file or folder: ${input}`);
    }
    if (stat.isDirectory()) await walkFolder(absolute, cwd, options, out, seen);
    else {
      if (seen.has(absolute)) continue;
      seen.add(absolute);
      const language = kindForPath(absolute);
      if (language) out.push({ absolutePath: absolute, displayPath: toPosix(input), language, named: true });
      else out.push({ absolutePath: absolute, displayPath: toPosix(input), language: 'python', named: true, skippedReason: `not a file the analyzer reads (Python, TypeScript, JavaScript or a Jupyter notebook)${absolute.endsWith('.d.ts') ? ': a declaration file' : ''}` });
    }
  }
  return out;
}

async function walkFolder(folder: string, cwd: string, options: CollectSourceOptions, out: SourceFile[], seen: Set<string>): Promise<void> {
  const top = (await repositoryTop(folder)) ?? folder;
  // Globs are relative to the working directory (the workspace) when the folder is inside it.
  const root = isInside(cwd, folder) && isInside(top, cwd) ? cwd : top;
  const rules = new ExclusionRules({ root, top, filesExclude: options.filesExclude });
  for await (const listing of walkTree(root, toPosix(path.relative(root, folder)), rules)) {
    // An unreadable folder has no files to offer; the walk goes on.
    if ('error' in listing) continue;
    for (const entry of listing.entries) {
      if (entry.kind !== 'file' || entry.excludedBy !== undefined) continue;
      const language = kindForPath(entry.relativePath);
      const absolute = path.join(root, entry.relativePath);
      if (!language || seen.has(absolute)) continue;
      seen.add(absolute);
      out.push({ absolutePath: absolute, displayPath: toPosix(path.relative(cwd, absolute)) || path.basename(absolute), language });
    }
  }
}

/** Whether `candidate` is `folder` or inside it. */
function isInside(folder: string, candidate: string): boolean {
  const relative = path.relative(folder, candidate);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

function toPosix(file: string): string {
  return file.split(path.sep).join('/');
}
