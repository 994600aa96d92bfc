import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type * as TreeSitter from '@vscode/tree-sitter-wasm';
import { registerTreeSitterModule } from './syntaxNodes';
import type { SourceLanguage } from './types';

/** The web-tree-sitter module shipped inside @vscode/tree-sitter-wasm (ABI-matched to its grammars). */
export type TreeSitterModule = typeof TreeSitter;

/** The grammar file each language parses with; JSX parses with the javascript grammar. */
const GRAMMAR_FILES: Record<SourceLanguage, string> = {
  python: 'tree-sitter-python.wasm',
  typescript: 'tree-sitter-typescript.wasm',
  typescriptreact: 'tree-sitter-tsx.wasm',
  javascript: 'tree-sitter-javascript.wasm',
  javascriptreact: 'tree-sitter-javascript.wasm',
};

/**
 * Where the runtime and grammars live: beside the bundle (`dist/wasm`, copied by esbuild.js) when
 * running from dist, else the package folder (tests and benches run the TypeScript sources).
 */
export function defaultWasmDir(): string {
  const candidates = [
    path.join(__dirname, 'wasm'),
    path.join(__dirname, '..', '..', '..', 'node_modules', '@vscode', 'tree-sitter-wasm', 'wasm'),
  ];
  try {
    candidates.push(path.dirname(require.resolve('@vscode/tree-sitter-wasm/wasm/tree-sitter.js')));
  } catch {
    // Not resolvable from a bundle; the first candidates cover that case.
  }
  const found = candidates.find((dir) => fs.existsSync(path.join(dir, 'tree-sitter.js')));
  return found ?? candidates[0];
}

export interface LoadedRuntime {
  ts: TreeSitterModule;
  /** The grammars loaded so far, by language. */
  languages: Map<SourceLanguage, TreeSitter.Language>;
  /** Loads a language's grammar on first use (each grammar file once); later calls return it at once. */
  load(language: SourceLanguage): Promise<TreeSitter.Language>;
}

/** Every language the analyzer understands. */
export const ANALYSED_LANGUAGES = Object.keys(GRAMMAR_FILES) as SourceLanguage[];

/**
 * Loads the tree-sitter runtime from `wasmDir` with a run-time require (so the bundler leaves it a
 * file beside the bundle) and the grammars of `languages` (all by default). The editor passes none:
 * a grammar costs 10-30 ms to compile, so each loads on the first document of its language
 * (`load`).
 */
export async function loadRuntime(wasmDir: string, languages: readonly SourceLanguage[] = ANALYSED_LANGUAGES): Promise<LoadedRuntime> {
  const runtimePath = path.join(wasmDir, 'tree-sitter.js');
  // A run-time require of a computed path keeps esbuild from inlining the UMD runtime; the wasm files sit next to it.
  const ts = createRequire(__filename)(runtimePath) as TreeSitterModule;
  const moduleOptions = { locateFile: (file: string) => path.join(wasmDir, file) };
  await ts.Parser.init(moduleOptions);
  // Emscripten fills the options object with the module's exports: the lowerers' fast node reads use them.
  registerTreeSitterModule(ts.Node, moduleOptions);
  const loaded = new Map<SourceLanguage, TreeSitter.Language>();
  const byFile = new Map<string, Promise<TreeSitter.Language>>();
  const load = async (language: SourceLanguage): Promise<TreeSitter.Language> => {
    const ready = loaded.get(language);
    if (ready) return ready;
    const file = GRAMMAR_FILES[language];
    let grammar = byFile.get(file);
    if (!grammar) {
      grammar = ts.Language.load(path.join(wasmDir, file));
      byFile.set(file, grammar);
      // A failed load is not cached: the next document of that language tries again.
      grammar.catch(() => byFile.delete(file));
    }
    const compiled = await grammar;
    loaded.set(language, compiled);
    return compiled;
  };
  for (const language of languages) await load(language);
  return { ts, languages: loaded, load };
}
