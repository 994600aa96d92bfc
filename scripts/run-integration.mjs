#!/usr/bin/env node
// Runs test/integration/suite/*.test.ts inside the extension host of a real VS Code (code-server):
// packs Batchlens and the test harness as .vsix files, installs both into a fresh profile, opens
// the workbench in headless Chromium (which starts the extension host), waits for the harness's
// results file and prints them mocha-style. Exit code 1 when a test fails or the run breaks.
// Usage: node scripts/run-integration.mjs [--grep <pattern>] [--keep] [--vsix <file>] [--timeout-minutes N]
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createRequire } from 'node:module';
import { openWorkbench } from './lib/browser.mjs';
import { bundleSuites, packageBatchlens, packageHarness } from './lib/build.mjs';
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
  const run = createRun({ runDir, fixtureWorkspace: FIXTURE_WORKSPACE });
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
  }));

  // The suites talk to no network: no API key in the environment, no real Anthropic base URL.
  const env = { BATCHLENS_TEST_HARNESS_CONFIG: configFile, ANTHROPIC_API_KEY: '', ANTHROPIC_BASE_URL: 'http://127.0.0.1:9' };
  const server = await startCodeServer(run, { env });
  console.log(`integration: code-server at ${server.url}, running the suites in its extension host`);
  let browser;
  let failed = true;
  try {
    ({ browser } = await openWorkbench(server.url));
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
    await browser?.close();
    await server.stop();
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
