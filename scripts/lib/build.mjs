// Builds what the real-VS-Code runs install: the Batchlens .vsix (`npm run package`) and the
// integration test harness .vsix (the harness extension plus the bundled suites).
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import esbuild from 'esbuild';
import { REPO_ROOT } from './tools.mjs';

export const BATCHLENS_VSIX = path.join(REPO_ROOT, 'batchlens.vsix');
const HARNESS_SOURCE = path.join(REPO_ROOT, 'test', 'integration', 'harness');
const SUITE_SOURCE = path.join(REPO_ROOT, 'test', 'integration', 'suite');
const HARNESS_OUT = path.join(REPO_ROOT, 'out', 'integration', 'harness');
export const HARNESS_VSIX = path.join(REPO_ROOT, 'out', 'integration', 'batchlens-test-harness.vsix');
/** The suites compiled one file each, for the harness and for @vscode/test-cli (.vscode-test.mjs). */
export const SUITE_OUT = path.join(REPO_ROOT, 'out', 'integration', 'suite');

/** `npm run package`: production bundle + vsce package -> batchlens.vsix. Output only on failure. */
export function packageBatchlens() {
  const result = spawnSync('npm', ['run', 'package', '--silent'], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (result.status !== 0 || !existsSync(BATCHLENS_VSIX)) {
    throw new Error(`\`npm run package\` failed (exit ${result.status}); the Batchlens .vsix could not be built:\n${result.stdout}${result.stderr}`);
  }
  return BATCHLENS_VSIX;
}

/** What goes into the .vsix: when none of it changed since the .vsix was written, the .vsix is current. */
const VSIX_INPUTS = ['src', 'media', 'package.json', 'package-lock.json', 'README.md', 'CHANGELOG.md', 'LICENSE', 'esbuild.js', '.vscodeignore'];

/** Newest modification time (ms) of a file, or of any file under a folder. */
function newestMtime(target) {
  if (!existsSync(target)) return 0;
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(target)) newest = Math.max(newest, newestMtime(path.join(target, entry)));
  return newest;
}

/**
 * `npm run package` only when an input of the .vsix is newer than the .vsix (the demo's restarts
 * then take seconds, not a rebuild). Returns the path and whether it was rebuilt.
 */
export function packageBatchlensIfStale() {
  if (existsSync(BATCHLENS_VSIX)) {
    const built = statSync(BATCHLENS_VSIX).mtimeMs;
    const inputs = Math.max(...VSIX_INPUTS.map((input) => newestMtime(path.join(REPO_ROOT, input))));
    if (inputs < built) return { vsix: BATCHLENS_VSIX, rebuilt: false };
  }
  return { vsix: packageBatchlens(), rebuilt: true };
}

const bundleOptions = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'inline',
  logLevel: 'warning',
  external: ['vscode'],
};

/** Compiles each integration suite to out/integration/suite/<name>.test.js (vscode stays external). */
export async function bundleSuites() {
  rmSync(SUITE_OUT, { recursive: true, force: true });
  const entryPoints = readdirSync(SUITE_SOURCE).filter((name) => name.endsWith('.test.ts')).map((name) => path.join(SUITE_SOURCE, name));
  if (entryPoints.length === 0) throw new Error(`no integration suites in ${SUITE_SOURCE}`);
  await esbuild.build({ ...bundleOptions, entryPoints, outdir: SUITE_OUT });
  return entryPoints.length;
}

/**
 * Builds the harness extension: its manifest, its bundled entry and a copy of the suites inside
 * its own folder (so `require('vscode')` in a suite resolves to the harness's API), then packs it.
 */
export async function packageHarness() {
  rmSync(HARNESS_OUT, { recursive: true, force: true });
  mkdirSync(path.join(HARNESS_OUT, 'suite'), { recursive: true });
  copyFileSync(path.join(HARNESS_SOURCE, 'package.json'), path.join(HARNESS_OUT, 'package.json'));
  copyFileSync(path.join(HARNESS_SOURCE, 'README.md'), path.join(HARNESS_OUT, 'README.md'));
  await esbuild.build({ ...bundleOptions, entryPoints: [path.join(HARNESS_SOURCE, 'extension.ts')], outfile: path.join(HARNESS_OUT, 'extension.js') });
  for (const name of readdirSync(SUITE_OUT)) copyFileSync(path.join(SUITE_OUT, name), path.join(HARNESS_OUT, 'suite', name));
  rmSync(HARNESS_VSIX, { force: true });
  const vsce = path.join(REPO_ROOT, 'node_modules', '.bin', 'vsce');
  const result = spawnSync(vsce, ['package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '--out', HARNESS_VSIX], { cwd: HARNESS_OUT, encoding: 'utf8' });
  if (result.status !== 0 || !existsSync(HARNESS_VSIX)) {
    throw new Error(`vsce could not package the test harness (exit ${result.status}):\n${result.stdout}${result.stderr}`);
  }
  return HARNESS_VSIX;
}
