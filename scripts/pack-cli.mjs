#!/usr/bin/env node
// Packs the `batchlens` CLI as an npm package: `batchlens-<version>.tgz`, installable in an empty
// folder (`npx ./batchlens-<version>.tgz lint .`). The repository's own package.json is the VS Code
// extension's manifest (vsce refuses a `files` list beside .vscodeignore, and its dependencies are
// only needed to build), so the CLI gets its own manifest here, made from the same name, version and
// metadata: no dependencies (esbuild bundles all of them into dist/cli.js), a `files` whitelist of the
// bundle, the tree-sitter runtime and grammars, the README and the licence.
// Usage: node scripts/pack-cli.mjs [--out <folder>] [--no-build]
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The files esbuild.js puts beside the bundles, which dist/cli.js requires on first use (see lazy-chunks.cjs). */
const LAZY_CHUNKS = createRequire(import.meta.url)('./lazy-chunks.cjs').LAZY_CHUNKS.map((chunk) => chunk.file);

/** The tree-sitter files dist/cli.js loads at run time (copied into dist/wasm by esbuild.js). */
const WASM_FILES = ['tree-sitter.js', 'tree-sitter.wasm', 'tree-sitter-python.wasm', 'tree-sitter-typescript.wasm', 'tree-sitter-tsx.wasm', 'tree-sitter-javascript.wasm'];

/** The published package's manifest, from the repository's: same identity, the CLI's own entry points. */
export function cliManifest(root = REPO_ROOT) {
  const extension = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  return {
    name: extension.name,
    version: extension.version,
    description: 'Command line of Batchlens: lint prompt caching (text, JSON, SARIF), price prompts, and submit and track Claude Message Batches.',
    license: extension.license,
    repository: extension.repository,
    homepage: extension.homepage,
    bugs: extension.bugs,
    keywords: extension.keywords,
    bin: { batchlens: 'dist/cli.js' },
    engines: { node: extension.engines.node },
    files: ['dist/cli.js', ...LAZY_CHUNKS.map((file) => `dist/${file}`), 'dist/wasm/'],
  };
}

/**
 * Stages the package in a temporary folder and runs `npm pack` there.
 * @returns the absolute path of the tarball written into `outDir`.
 */
export function packCli({ outDir = REPO_ROOT, build = true } = {}) {
  if (build) {
    run(process.execPath, [path.join(REPO_ROOT, 'esbuild.js'), '--production'], REPO_ROOT);
  }
  const cli = path.join(REPO_ROOT, 'dist', 'cli.js');
  if (!existsSync(cli)) throw new Error('dist/cli.js is missing: run `npm run build` first (or drop --no-build)');
  const stage = mkdtempSync(path.join(tmpdir(), 'batchlens-npm-'));
  try {
    mkdirSync(path.join(stage, 'dist', 'wasm'), { recursive: true });
    copyFileSync(cli, path.join(stage, 'dist', 'cli.js'));
    for (const name of LAZY_CHUNKS) copyFileSync(path.join(REPO_ROOT, 'dist', name), path.join(stage, 'dist', name));
    for (const name of WASM_FILES) copyFileSync(path.join(REPO_ROOT, 'dist', 'wasm', name), path.join(stage, 'dist', 'wasm', name));
    copyFileSync(path.join(REPO_ROOT, 'README.md'), path.join(stage, 'README.md'));
    copyFileSync(path.join(REPO_ROOT, 'LICENSE'), path.join(stage, 'LICENSE'));
    writeFileSync(path.join(stage, 'package.json'), `${JSON.stringify(cliManifest(), null, 2)}\n`);
    mkdirSync(outDir, { recursive: true });
    const before = new Set(readdirSync(outDir));
    const packed = run('npm', ['pack', '--json', '--pack-destination', path.resolve(outDir)], stage);
    const [{ filename }] = JSON.parse(packed);
    const tarball = path.join(path.resolve(outDir), filename);
    if (!existsSync(tarball) && !before.has(filename)) throw new Error(`npm pack wrote no ${filename}`);
    return tarball;
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

function run(command, args, cwd) {
  // --ignore-scripts: the staged folder has no scripts; it also keeps a user's npm config from running any.
  const fullArgs = command === 'npm' ? [...args, '--ignore-scripts'] : args;
  const result = spawnSync(command, fullArgs, { cwd, encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`${command} ${fullArgs.join(' ')} failed (exit ${result.status}):\n${result.stdout}${result.stderr}`);
  }
  return result.stdout;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { out: { type: 'string' }, 'no-build': { type: 'boolean', default: false } } });
  const tarball = packCli({ outDir: values.out ? path.resolve(values.out) : REPO_ROOT, build: !values['no-build'] });
  console.log(path.relative(process.cwd(), tarball) || tarball);
}
