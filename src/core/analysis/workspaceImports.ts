import * as fs from 'node:fs';
import * as path from 'node:path';

/*
 * What a source file imports, by local name, and which workspace file each import names. Text-only
 * (regular expressions over import statements), so the workspace index can list the importers of a
 * file without parsing every file in the workspace.
 */

/** A name bound by an import: a function or constant of a module, or the module itself (a namespace). */
export interface ImportedName {
  /** The name the importing file uses (`build`, `prompts`, `pkg.prompts`). */
  local: string;
  /** The module as written (`./prompts`, `.prompts`, `pkg.prompts`). */
  spec: string;
  /** The exported name, or undefined when `local` stands for the whole module. */
  imported?: string;
}

const PY_FROM = /^[ \t]*from[ \t]+([.\w]+)[ \t]+import[ \t]+(\([^)]*\)|[^\n#;]+)/gm;
const PY_IMPORT = /^[ \t]*import[ \t]+([^\n#;]+)/gm;
const JS_IMPORT = /\bimport\s+(?:type\s+)?([\w$]+\s*,?\s*)?(\{[^}]*\}|\*\s+as\s+[\w$]+)?\s*from\s*['"]([^'"\n]+)['"]/g;
const JS_REQUIRE = /\b(?:const|let|var)\s+(\{[^}]*\}|[\w$]+)\s*=\s*require\(\s*['"]([^'"\n]+)['"]\s*\)/g;

/** The names a Python or JS/TS text imports. */
export function importsOf(text: string, python: boolean): ImportedName[] {
  return python ? pythonImports(text) : jsImports(text);
}

function pythonImports(text: string): ImportedName[] {
  const out: ImportedName[] = [];
  for (const match of text.matchAll(PY_FROM)) {
    const spec = match[1];
    for (const part of match[2].replace(/[()\\\n]/g, ' ').split(',')) {
      const words = part.trim().split(/\s+/);
      const imported = words[0];
      if (!imported || !/^\w+$/.test(imported)) continue;
      const local = words[1] === 'as' && words[2] ? words[2] : imported;
      out.push({ local, spec, imported });
    }
  }
  for (const match of text.matchAll(PY_IMPORT)) {
    for (const part of match[1].split(',')) {
      const words = part.trim().split(/\s+/);
      const spec = words[0];
      if (!spec || !/^[\w.]+$/.test(spec)) continue;
      out.push({ local: words[1] === 'as' && words[2] ? words[2] : spec, spec });
    }
  }
  return out;
}

function jsImports(text: string): ImportedName[] {
  const out: ImportedName[] = [];
  const named = (list: string, spec: string, separator: RegExp): void => {
    for (const part of list.replace(/[{}]/g, '').split(',')) {
      const words = part.trim().replace(/^type\s+/, '').split(separator).map((word) => word.trim());
      if (!words[0] || !/^[\w$]+$/.test(words[0])) continue;
      out.push({ local: words[1] && /^[\w$]+$/.test(words[1]) ? words[1] : words[0], spec, imported: words[0] });
    }
  };
  for (const match of text.matchAll(JS_IMPORT)) {
    const [, defaultName, rest, spec] = match;
    const fallback = defaultName?.replace(/[\s,]/g, '');
    if (fallback) out.push({ local: fallback, spec, imported: 'default' });
    if (rest?.startsWith('{')) named(rest, spec, /\s+as\s+/);
    else if (rest) out.push({ local: rest.replace(/^\*\s+as\s+/, '').trim(), spec });
  }
  for (const match of text.matchAll(JS_REQUIRE)) {
    const [, binding, spec] = match;
    if (binding.startsWith('{')) named(binding, spec, /\s*:\s*/);
    else out.push({ local: binding, spec });
  }
  return out;
}

const JS_EXTENSIONS = ['.ts', '.tsx', '.js', '.jsx', '.mjs', '.cjs', '.mts', '.cts'];

function isFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * The workspace file a module spec names from `importer`, or undefined (a package, a path outside
 * `root`). JS: relative specs, with or without extension, `index` files, `.js` written for `.ts`.
 * Python: relative specs (`.prompts`, `..pkg.mod`) and absolute ones found from a folder between
 * the importer and `root` (`pkg.prompts` → `<folder>/pkg/prompts.py` or its `__init__.py`).
 */
export function resolveSpec(importer: string, spec: string, python: boolean, root: string): string | undefined {
  const inside = (file: string): boolean => !path.relative(root, file).startsWith('..');
  if (!python) {
    if (!spec.startsWith('.')) return undefined;
    const base = path.resolve(path.dirname(importer), spec);
    const stem = base.replace(/\.[cm]?js$/, '');
    const candidates = [base, ...JS_EXTENSIONS.map((ext) => stem + ext), ...JS_EXTENSIONS.map((ext) => path.join(base, `index${ext}`))];
    return candidates.find((file) => inside(file) && /\.[cm]?[jt]sx?$/.test(file) && isFile(file));
  }
  const pyFile = (folder: string, dotted: string): string | undefined => {
    if (!dotted) return isFile(path.join(folder, '__init__.py')) ? path.join(folder, '__init__.py') : undefined;
    const base = path.join(folder, ...dotted.split('.'));
    return [`${base}.py`, path.join(base, '__init__.py')].find((file) => inside(file) && isFile(file));
  };
  const dots = /^\.*/.exec(spec)?.[0].length ?? 0;
  if (dots > 0) {
    let folder = path.dirname(importer);
    for (let level = 1; level < dots; level++) folder = path.dirname(folder);
    return inside(folder) ? pyFile(folder, spec.slice(dots)) : undefined;
  }
  for (let folder = path.dirname(importer); inside(folder); folder = path.dirname(folder)) {
    const found = pyFile(folder, spec);
    if (found) return found;
    if (folder === path.dirname(folder)) break;
  }
  return undefined;
}
