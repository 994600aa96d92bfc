import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type * as TreeSitter from '@vscode/tree-sitter-wasm';
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
  languages: Map<SourceLanguage, TreeSitter.Language>;
}

/**
 * Loads the tree-sitter runtime from `wasmDir` with a run-time require (so the bundler leaves it a
 * file beside the bundle) and every grammar the analyzer understands.
 */
export async function loadRuntime(wasmDir: string): Promise<LoadedRuntime> {
  const runtimePath = path.join(wasmDir, 'tree-sitter.js');
  // A run-time require of a computed path keeps esbuild from inlining the UMD runtime; the wasm files sit next to it.
  const ts = createRequire(__filename)(runtimePath) as TreeSitterModule;
  await ts.Parser.init({ locateFile: (file: string) => path.join(wasmDir, file) });
  const languages = new Map<SourceLanguage, TreeSitter.Language>();
  const byFile = new Map<string, TreeSitter.Language>();
  for (const [language, file] of Object.entries(GRAMMAR_FILES) as [SourceLanguage, string][]) {
    let grammar = byFile.get(file);
    if (!grammar) {
      grammar = await ts.Language.load(path.join(wasmDir, file));
      byFile.set(file, grammar);
    }
    languages.set(language, grammar);
  }
  return { ts, languages };
}
