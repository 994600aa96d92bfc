import type * as AnalyzerModule from './analyzer';

/** The tree-sitter analyzer: lowering, resolution, the rules and prompt assembly (see analyzer.ts). */
export type AnalysisEngine = typeof AnalyzerModule;

let loaded: AnalysisEngine | undefined;

/**
 * The analyzer's module, loaded on first use. It is about a quarter of the extension's code, and
 * nothing at activation needs it: the first analysis waits for the tree-sitter runtime anyway. The
 * bundles reach it through this `require` inside a function, which esbuild.js points at a file
 * beside the bundle (`analysis-engine.js`), so loading the extension does not even compile it.
 * Under tsx (tests, benches) the `require` loads the source module as it is.
 */
export function loadEngine(): AnalysisEngine {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded ??= require('./analyzer') as AnalysisEngine;
  return loaded;
}
