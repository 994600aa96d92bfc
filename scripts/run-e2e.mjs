#!/usr/bin/env node
// Runs the E2E suite (test/e2e/*.e2e.ts): packs Batchlens, installs it into a fresh code-server
// profile, starts code-server on 127.0.0.1 with a copy of the sample workspace, then runs mocha on
// the specs, which drive the workbench in headless Chromium and save screenshots to test-results/e2e.
// A fresh Message Batches emulator (test/emulator) stands in for the API: `batchlens.apiBaseUrl`
// points at it and batch.e2e.ts stores a key through the palette. workbench.e2e.ts runs first (it
// tours the fresh workspace, before any batch job exists); the other specs follow by name.
// Usage: node scripts/run-e2e.mjs [--grep <pattern>] [--keep] [--vsix <file>] [--update-screenshots]
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { packageBatchlens } from './lib/build.mjs';
import { startEmulator } from './lib/emulator.mjs';
import { codeServerVersion, createRun, installExtensions, startCodeServer, tailOf, vscodeVersionOf } from './lib/codeServer.mjs';
import { assertToolsInstalled, CHROMIUM_ARGS, CHROMIUM_BIN, REPO_ROOT } from './lib/tools.mjs';

const { values: options } = parseArgs({
  options: {
    grep: { type: 'string' },
    keep: { type: 'boolean', default: false },
    // Use an already built .vsix instead of running `npm run package`.
    vsix: { type: 'string' },
    // Copy the best screenshots into test/e2e/screenshots/ (committed; shown in test/e2e/README.md).
    'update-screenshots': { type: 'boolean', default: false },
  },
});

const FIXTURE_WORKSPACE = path.join(REPO_ROOT, 'test', 'fixtures', 'workspace');
const SCREENSHOTS = path.join(REPO_ROOT, 'test-results', 'e2e');
const SAVED_SCREENSHOTS = path.join(REPO_ROOT, 'test', 'e2e', 'screenshots');
const SAVED_SHOTS = [
  '02-codelens.png',
  '03-squiggle-and-problems.png',
  '05-quick-fix-menu.png',
  '07-batchlens-view.png',
  '08-model-prices.png',
  '12-batch-cost-preview.png',
  '14-batch-job-ended.png',
  '15-batch-result-open.png',
];
/** A 5-file batch takes about 10 s: long enough to see it running, short enough to wait for. */
const EMULATOR_SPEED = 30;
const FIRST_SPEC = 'workbench.e2e.ts';

/** Runs mocha on the specs, echoing its output; resolves with the output and exit code. */
function runMocha(env) {
  const specs = readdirSync(path.join(REPO_ROOT, 'test', 'e2e'))
    .filter((name) => name.endsWith('.e2e.ts'))
    .sort((a, b) => Number(b === FIRST_SPEC) - Number(a === FIRST_SPEC) || a.localeCompare(b))
    .map((name) => path.join('test', 'e2e', name));
  const args = ['--no-config', '--node-option', 'import=tsx', '--extension', 'ts', '--timeout', '120000', '--reporter', 'spec', ...(options.grep ? ['--grep', options.grep] : []), ...specs];
  const mocha = path.join(REPO_ROOT, 'node_modules', '.bin', 'mocha');
  return new Promise((resolve, reject) => {
    const child = spawn(mocha, args, { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
      process.stdout.write(chunk);
    });
    child.once('error', reject);
    child.once('exit', (code) => resolve({ output, code: code ?? 1 }));
  });
}

async function main() {
  assertToolsInstalled();
  const started = Date.now();
  const version = codeServerVersion();
  console.log(`e2e: code-server ${version} (VS Code ${vscodeVersionOf(version)}), Chromium ${CHROMIUM_BIN}`);
  const vsix = options.vsix ? path.resolve(options.vsix) : packageBatchlens();

  const runDir = mkdtempSync(path.join(tmpdir(), 'batchlens-e2e-'));
  const emulator = await startEmulator({ logFile: path.join(runDir, 'emulator.log'), speed: EMULATOR_SPEED });
  let server;
  let run;
  let failed = true;
  try {
    run = createRun({ runDir, fixtureWorkspace: FIXTURE_WORKSPACE, userSettings: { 'batchlens.apiBaseUrl': emulator.url } });
    installExtensions(run, [vsix]);
    // No key in the environment and an unroutable ANTHROPIC_BASE_URL: the only API is the emulator.
    server = await startCodeServer(run, { env: { ANTHROPIC_API_KEY: '', ANTHROPIC_BASE_URL: 'http://127.0.0.1:9' } });
    rmSync(SCREENSHOTS, { recursive: true, force: true });
    mkdirSync(SCREENSHOTS, { recursive: true });
    const { output, code } = await runMocha({
      BATCHLENS_E2E_URL: server.url,
      BATCHLENS_E2E_WORKSPACE: run.workspace,
      BATCHLENS_E2E_EMULATOR_URL: emulator.url,
      BATCHLENS_E2E_SCREENSHOTS: SCREENSHOTS,
      BATCHLENS_E2E_CHROMIUM: CHROMIUM_BIN,
      BATCHLENS_E2E_CHROMIUM_ARGS: JSON.stringify(CHROMIUM_ARGS),
    });
    const passed = Number(/(\d+) passing/.exec(output)?.[1] ?? 0);
    const failedCount = Number(/(\d+) failing/.exec(output)?.[1] ?? (code === 0 ? 0 : 1));
    const shots = readdirSync(SCREENSHOTS).filter((name) => name.endsWith('.png')).length;
    console.log(`e2e: ${shots} screenshot(s) in ${path.relative(REPO_ROOT, SCREENSHOTS)}/`);
    console.log(`e2e: ${passed} passed, ${failedCount} failed (${((Date.now() - started) / 1000).toFixed(1)} s in all)`);
    failed = code !== 0 || failedCount > 0 || passed === 0;
    if (options['update-screenshots'] && !failed) {
      mkdirSync(SAVED_SCREENSHOTS, { recursive: true });
      for (const name of SAVED_SHOTS) copyFileSync(path.join(SCREENSHOTS, name), path.join(SAVED_SCREENSHOTS, name));
      console.log(`e2e: copied ${SAVED_SHOTS.length} screenshots to ${path.relative(REPO_ROOT, SAVED_SCREENSHOTS)}/`);
    }
    if (failed) console.log(`--- code-server log tail ---\n${tailOf(run.logFile, 20)}`);
  } finally {
    await server?.stop();
    await emulator.stop();
    if (options.keep || failed) console.log(`e2e: run folder kept for inspection: ${runDir}`);
    else rmSync(runDir, { recursive: true, force: true });
  }
  process.exitCode = failed ? 1 : 0;
}

main().catch((error) => {
  console.error(`e2e: ${error.message ?? error}`);
  console.error('e2e: 0 passed, 1 failed (the run itself broke)');
  process.exitCode = 1;
});
