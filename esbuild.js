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
 * The Anthropic SDK is three quarters of the code, and only a batch or an exact token count needs it:
 * it is bundled on its own into dist/anthropic-sdk.js, and the bundles' one `require` of it (in
 * src/core/api/sdkLoader.ts, run on first use) is pointed at that file, so loading the extension does
 * not even parse it.
 */
const sdkBesideBundle = {
  name: 'sdk-beside-bundle',
  setup(build) {
    build.onResolve({ filter: /^@anthropic-ai\/sdk$/ }, (args) => (args.kind === 'require-call' ? { path: './anthropic-sdk.js', external: true } : undefined));
  },
};

const entries = [
  { entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', plugins: [sdkBesideBundle] },
  { entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' }, plugins: [sdkBesideBundle] },
  { stdin: { contents: "module.exports = require('@anthropic-ai/sdk');", resolveDir: __dirname, loader: 'js' }, outfile: 'dist/anthropic-sdk.js' },
];

async function main() {
  copyTreeSitterWasm();
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
