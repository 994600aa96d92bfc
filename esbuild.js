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
 * Code that only some features need lives in files beside the bundles (scripts/lazy-chunks.cjs says
 * which and why). Each bundle's `require` of one of these modules is pointed at its file; the
 * modules' own code must reach them with a `require` inside a function. test/unit/host/lazyChunks
 * checks that activating the bundle requires none of them.
 */
const { LAZY_CHUNKS } = require('./scripts/lazy-chunks.cjs');

/** Points the requests of every chunk but `own` (the one being built) at their files. */
const lazyChunksBesideBundle = (own) => ({
  name: 'lazy-chunks-beside-bundle',
  setup(build) {
    for (const chunk of LAZY_CHUNKS.filter((item) => item !== own)) {
      const filter = new RegExp(`^${chunk.request.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`);
      const from = chunk.from && path.join(__dirname, chunk.from);
      build.onResolve({ filter }, (args) => (from && args.importer !== from ? undefined : { path: `./${chunk.file}`, external: true }));
    }
  },
});

/** The JSON chunks are copied as they are; the code chunks are bundled on their own below. */
function copyJsonChunks() {
  for (const chunk of LAZY_CHUNKS.filter((item) => item.copy)) {
    fs.copyFileSync(require.resolve(chunk.request), path.join(__dirname, 'dist', chunk.file));
  }
}

const entries = [
  { entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', plugins: [lazyChunksBesideBundle()] },
  { entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' }, plugins: [lazyChunksBesideBundle()] },
  // A chunk's own lazy requests (the analyzer's of the vocabulary) stay lazy, pointed at their files too.
  ...LAZY_CHUNKS.filter((chunk) => !chunk.copy).map((chunk) => ({
    stdin: { contents: `module.exports = require(${JSON.stringify(chunk.source ?? chunk.request)});`, resolveDir: __dirname, loader: 'js' },
    outfile: `dist/${chunk.file}`,
    plugins: [lazyChunksBesideBundle(chunk)],
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
