import * as fs from 'node:fs';
import * as path from 'node:path';
import ignore, { type Ignore } from 'ignore';
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

/** Folders never walked, whatever .gitignore says. */
const ALWAYS_SKIPPED = new Set(['node_modules', '.git']);

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

interface IgnoreLayer {
  base: string;
  rules: Ignore;
}

/**
 * Expands files and folders into the source files to analyse. Folders are walked recursively,
 * honouring every .gitignore on the way (nested ones apply below their folder) and skipping
 * node_modules and .git. Named files are kept even when ignored; a named file the analyzer cannot
 * read is returned with a `skippedReason`.
 * @throws Error naming the first argument that does not exist.
 */
export function collectSourceFiles(inputs: string[], cwd: string): SourceFile[] {
  const out: SourceFile[] = [];
  const seen = new Set<string>();
  for (const input of inputs) {
    const absolute = path.resolve(cwd, input);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(absolute);
    } catch {
      throw new Error(`no such file or folder: ${input}`);
    }
    if (stat.isDirectory()) walk(absolute, cwd, ancestorLayers(absolute), out, seen);
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

/** .gitignore files of the folders above a walked folder, up to the repository root. */
function ancestorLayers(folder: string): IgnoreLayer[] {
  const layers: IgnoreLayer[] = [];
  let current = path.dirname(folder);
  while (current !== path.dirname(current)) {
    const layer = readLayer(current);
    if (layer) layers.unshift(layer);
    if (fs.existsSync(path.join(current, '.git'))) break;
    current = path.dirname(current);
  }
  return layers;
}

function readLayer(folder: string): IgnoreLayer | undefined {
  try {
    const text = fs.readFileSync(path.join(folder, '.gitignore'), 'utf8');
    return { base: folder, rules: ignore().add(text) };
  } catch {
    return undefined;
  }
}

function isIgnored(layers: IgnoreLayer[], absolute: string, isDirectory: boolean): boolean {
  for (const layer of layers) {
    const relative = toPosix(path.relative(layer.base, absolute));
    if (!relative || relative.startsWith('..')) continue;
    if (layer.rules.ignores(isDirectory ? `${relative}/` : relative)) return true;
  }
  return false;
}

function walk(folder: string, cwd: string, parentLayers: IgnoreLayer[], out: SourceFile[], seen: Set<string>): void {
  const own = readLayer(folder);
  const layers = own ? [...parentLayers, own] : parentLayers;
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(folder, { withFileTypes: true });
  } catch {
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const absolute = path.join(folder, entry.name);
    if (entry.isDirectory()) {
      if (ALWAYS_SKIPPED.has(entry.name) || isIgnored(layers, absolute, true)) continue;
      walk(absolute, cwd, layers, out, seen);
    } else if (entry.isFile()) {
      const language = kindForPath(entry.name);
      if (!language || seen.has(absolute) || isIgnored(layers, absolute, false)) continue;
      seen.add(absolute);
      out.push({ absolutePath: absolute, displayPath: toPosix(path.relative(cwd, absolute)) || entry.name, language });
    }
  }
}

function toPosix(file: string): string {
  return file.split(path.sep).join('/');
}
