#!/usr/bin/env node
// Runs test/integration/suite/*.test.ts inside the extension host of a real VS Code (code-server):
// packs Batchlens and the test harness as .vsix files, installs both into a fresh profile, opens
// the workbench in headless Chromium (which starts the extension host), waits for the harness's
// results file and prints them mocha-style. Exit code 1 when a test fails or the run breaks.
// A fresh Message Batches emulator (test/emulator) serves the batch suites: the user settings point
// `batchlens.apiBaseUrl` at it and the suites find its URL in the harness config (`emulatorUrl`).
// The runner also answers the suites' UI requests (press a dialog button, read a notification)
// through the Playwright page it holds (scripts/lib/uiBridge.mjs).
// Usage: node scripts/run-integration.mjs [--grep <pattern>] [--keep] [--vsix <file>] [--timeout-minutes N]
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createRequire } from 'node:module';
import { openWorkbench } from './lib/browser.mjs';
import { bundleSuites, packageBatchlens, packageHarness } from './lib/build.mjs';
import { startEmulator } from './lib/emulator.mjs';
import { createUiBridge } from './lib/uiBridge.mjs';
import { codeServerVersion, createRun, installExtensions, startCodeServer, tailOf, vscodeVersionOf } from './lib/codeServer.mjs';
import { createProgressPrinter, printSummary } from './lib/report.mjs';
import { assertToolsInstalled, REPO_ROOT } from './lib/tools.mjs';

const { values: options } = parseArgs({
  options: {
    grep: { type: 'string' },
    keep: { type: 'boolean', default: false },
    // Use an already built .vsix instead of running `npm run package`.
    vsix: { type: 'string' },
    'timeout-minutes': { type: 'string', default: '15' },
  },
});

const FIXTURE_WORKSPACE = path.join(REPO_ROOT, 'test', 'fixtures', 'workspace');
const TEST_TIMEOUT_MS = 60_000;
/** Batches end on their own in a few seconds (5 requests: about 4 s) yet stay running long enough to cancel. */
const EMULATOR_SPEED = 80;

/** Prints tests as the harness finishes them and resolves with the final results file. */
async function followRun({ progressFile, resultsFile, timeoutMs, isAlive, onTimeout }) {
  const printer = createProgressPrinter();
  let offset = 0;
  const drain = () => {
    if (!existsSync(progressFile)) return;
    const text = readFileSync(progressFile, 'utf8');
    printer.push(text.slice(offset));
    offset = text.length;
  };
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(resultsFile)) {
    drain();
    if (!isAlive()) throw new Error('code-server stopped before the harness wrote its results');
    if (Date.now() > deadline) throw new Error(onTimeout());
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  drain();
  return JSON.parse(readFileSync(resultsFile, 'utf8'));
}

async function main() {
  assertToolsInstalled();
  const started = Date.now();
  const version = codeServerVersion();
  console.log(`integration: code-server ${version} (VS Code ${vscodeVersionOf(version)})`);

  const batchlensVsix = options.vsix ? path.resolve(options.vsix) : packageBatchlens();
  const suiteCount = await bundleSuites();
  const harnessVsix = await packageHarness();
  console.log(`integration: built ${path.basename(batchlensVsix)} and the harness with ${suiteCount} suite file(s)`);

  const runDir = mkdtempSync(path.join(tmpdir(), 'batchlens-integration-'));
  const emulator = await startEmulator({ logFile: path.join(runDir, 'emulator.log'), speed: EMULATOR_SPEED });
  let server;
  let browser;
  let bridge;
  let failed = true;
  try {
    const run = createRun({ runDir, fixtureWorkspace: FIXTURE_WORKSPACE, userSettings: { 'batchlens.apiBaseUrl': emulator.url } });
    installExtensions(run, [batchlensVsix, harnessVsix]);

    const resultsFile = path.join(runDir, 'results.json');
    const progressFile = path.join(runDir, 'progress.jsonl');
    const configFile = path.join(runDir, 'harness.json');
    const require = createRequire(import.meta.url);
    writeFileSync(configFile, JSON.stringify({
      mochaPath: require.resolve('mocha/lib/mocha.cjs'),
      resultsFile,
      progressFile,
      timeoutMs: TEST_TIMEOUT_MS,
      grep: options.grep,
      emulatorUrl: emulator.url,
      uiBridgeDir: path.join(runDir, 'ui-bridge'),
    }));

    // The suites talk to no network beyond the loopback emulator: no API key in the environment (the
    // batch suites store the emulator's key with batchlens.setApiKey), no real Anthropic base URL.
    const env = { BATCHLENS_TEST_HARNESS_CONFIG: configFile, ANTHROPIC_API_KEY: '', ANTHROPIC_BASE_URL: 'http://127.0.0.1:9' };
    server = await startCodeServer(run, { env });
    console.log(`integration: code-server at ${server.url}, emulator at ${emulator.url}, running the suites in its extension host`);
    let page;
    ({ browser, page } = await openWorkbench(server.url));
    bridge = createUiBridge(page, path.join(runDir, 'ui-bridge'));
    bridge.start();
    const results = await followRun({
      progressFile,
      resultsFile,
      timeoutMs: Number(options['timeout-minutes']) * 60_000,
      isAlive: () => server.process.exitCode === null,
      onTimeout: () => `no results from the harness after ${options['timeout-minutes']} min (did the extension host start?)\n--- code-server log ---\n${tailOf(run.logFile)}`,
    });
    if (results.crashed) throw new Error(`the harness crashed before the suites finished:\n${results.crashed}`);
    const counts = printSummary(results);
    console.log(`integration: the suites ran in the extension host of ${results.appName} ${results.vscodeVersion}`);
    console.log(`integration: ${counts.passed} passed, ${counts.failed} failed (${((Date.now() - started) / 1000).toFixed(1)} s in all)`);
    failed = counts.failed > 0 || counts.passed === 0;
  } finally {
    bridge?.stop();
    await browser?.close();
    await server?.stop();
    await emulator.stop();
    if (options.keep || failed) console.log(`integration: run folder kept for inspection: ${runDir} (code-server.log, extension host logs under user-data/logs)`);
    else rmSync(runDir, { recursive: true, force: true });
  }
  process.exitCode = failed ? 1 : 0;
}

main().catch((error) => {
  console.error(`integration: ${error.message ?? error}`);
  console.error('integration: 0 passed, 1 failed (the run itself broke)');
  process.exitCode = 1;
});
