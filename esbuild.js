// Bundles the extension and the CLI. Type checking is separate (`npm run typecheck`).
const esbuild = require('esbuild');
const fs = require('node:fs');
const path = require('node:path');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** The tree-sitter runtime and grammars are loaded from files at run time, so they ship beside the bundle. */
function copyTreeSitterWasm() {
  const from = path.join(__dirname, 'node_modules', '@vscode', 'tree-sitter-wasm', 'wasm');
  const to = path.join(__dirname, 'dist', 'wasm');
  fs.mkdirSync(to, { recursive: true });
  for (const name of ['tree-sitter.js', 'tree-sitter.wasm', 'tree-sitter-python.wasm', 'tree-sitter-typescript.wasm', 'tree-sitter-tsx.wasm', 'tree-sitter-javascript.wasm']) {
    fs.copyFileSync(path.join(from, name), path.join(to, name));
  }
}

/** @type {import('esbuild').BuildOptions} */
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  sourcesContent: false,
  logLevel: 'warning',
  // The tree-sitter runtime is loaded from dist/wasm at run time (see src/core/analysis/parser.ts).
  external: ['vscode'],
  // Prefer packages' ES module builds: jsonc-parser's UMD build requires its parts at run time, which a bundle cannot follow.
  mainFields: ['module', 'main'],
};

/**
 * Code that only some features need lives in files beside the bundles, required on first use, so
 * loading the extension or the CLI does not even parse it (compiling the bundle's source is most of
 * activation's cost). Each bundle's `require` of one of these modules is pointed at its file:
 * - the Anthropic SDK (src/core/api/sdkLoader.ts): only a batch or an exact token count needs it;
 * - `yaml` (src/core/batch/templates.ts): only a template file with front matter needs it;
 * - the byte-pair vocabulary (src/core/tokens/bpeVocabulary.ts, ~700 KB of JSON): only an estimate
 *   needs it, and Node's `require` of a .json file is a plain JSON.parse.
 * The modules' own code must reach them with a `require` inside a function; test/unit/host/lazyChunks
 * checks that activating the bundle requires none of them.
 */
const LAZY_CHUNKS = [
  { request: '@anthropic-ai/sdk', file: 'anthropic-sdk.js' },
  { request: 'yaml', file: 'yaml.js' },
  { request: '@anthropic-ai/tokenizer/dist/cjs/claude.json', file: 'bpe-vocabulary.json', copy: true },
];

const lazyChunksBesideBundle = {
  name: 'lazy-chunks-beside-bundle',
  setup(build) {
    for (const chunk of LAZY_CHUNKS) {
      const filter = new RegExp(`^${chunk.request.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`);
      build.onResolve({ filter }, () => ({ path: `./${chunk.file}`, external: true }));
    }
  },
};

/** The JSON chunks are copied as they are; the code chunks are bundled on their own below. */
function copyJsonChunks() {
  for (const chunk of LAZY_CHUNKS.filter((item) => item.copy)) {
    fs.copyFileSync(require.resolve(chunk.request), path.join(__dirname, 'dist', chunk.file));
  }
}

const entries = [
  { entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', plugins: [lazyChunksBesideBundle] },
  { entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' }, plugins: [lazyChunksBesideBundle] },
  ...LAZY_CHUNKS.filter((chunk) => !chunk.copy).map((chunk) => ({
    stdin: { contents: `module.exports = require(${JSON.stringify(chunk.request)});`, resolveDir: __dirname, loader: 'js' },
    outfile: `dist/${chunk.file}`,
  })),
];

async function main() {
  copyTreeSitterWasm();
  copyJsonChunks();
  const contexts = await Promise.all(entries.map((entry) => esbuild.context({ ...common, ...entry })));
  if (watch) {
    await Promise.all(contexts.map((ctx) => ctx.watch()));
    return;
  }
  await Promise.all(contexts.map((ctx) => ctx.rebuild()));
  await Promise.all(contexts.map((ctx) => ctx.dispose()));
  fs.chmodSync(path.join(__dirname, 'dist', 'cli.js'), 0o755);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
