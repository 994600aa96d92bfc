#!/usr/bin/env node
// Runs test/integration/suite/*.test.ts inside the extension host of a real VS Code (code-server):
// packs Batchlens and the test harness as .vsix files, installs both into a fresh profile, opens
// the workbench in headless Chromium (which starts the extension host), waits for the harness's
// results file and prints them mocha-style. Exit code 1 when a test fails or the run breaks.
// A fresh Message Batches emulator (test/emulator) serves the batch suites: the user settings point
// `batchlens.apiBaseUrl` at it and the suites find its URL in the harness config (`emulatorUrl`).
// The runner also answers the suites' UI requests (press a dialog button, read a notification)
// through the Playwright page it holds (scripts/lib/uiBridge.mjs). Three sessions run in turn (see
// SCENARIOS): the single trusted folder, Restricted Mode and a multi-root workspace.
// Usage: node scripts/run-integration.mjs [--grep <pattern>] [--keep] [--vsix <file>] [--timeout-minutes N]
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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

/**
 * Each scenario is its own code-server session. Suites tagged in a title run only in their scenario:
 * `@restricted` in an untrusted copy of the workspace (Restricted Mode), `@multi-root` in a
 * `.code-workspace` of two copies (alpha, beta); everything else in the trusted single folder.
 */
const SCENARIOS = [
  { name: 'single folder', tag: undefined, runOptions: {} },
  { name: 'Restricted Mode', tag: '@restricted', runOptions: { workspaceTrust: true } },
  { name: 'multi-root', tag: '@multi-root', runOptions: { multiRootFolders: ['alpha', 'beta'] } },
];
const TAGS = SCENARIOS.map((scenario) => scenario.tag).filter(Boolean);

/** The mocha grep for one scenario: its own tag (or none of the tags) and the user's --grep. */
function scenarioGrep(scenario, userGrep) {
  const own = scenario.tag ? `(?=.*${scenario.tag})` : `(?!.*(?:${TAGS.join('|')}))`;
  return `^${own}${userGrep ? `(?=.*(?:${userGrep}))` : ''}`;
}

/**
 * Whether a scenario has any test the user's --grep could pick, judged from the suites' source (the
 * titles of describe/it calls in the files that carry its tag, or carry no tag): saves a whole
 * code-server session when `--grep` names one suite.
 */
function scenarioMayMatch(scenario, userGrep) {
  if (!userGrep) return true;
  const pattern = new RegExp(userGrep);
  const suiteDir = path.join(REPO_ROOT, 'test', 'integration', 'suite');
  return readdirSync(suiteDir).filter((name) => name.endsWith('.test.ts')).some((name) => {
    const source = readFileSync(path.join(suiteDir, name), 'utf8');
    const tagged = TAGS.find((tag) => source.includes(tag));
    if (tagged !== scenario.tag) return false;
    const titles = [...source.matchAll(/\b(?:describe|it)\(\s*(['"`])((?:\\.|(?!\1).)*)\1/g)].map((match) => match[2]);
    return titles.some((title) => pattern.test(title)) || pattern.test(scenario.tag ?? '');
  });
}

async function runScenario(scenario, { runDir, batchlensVsix, harnessVsix, emulator }) {
  const run = createRun({ runDir, fixtureWorkspace: FIXTURE_WORKSPACE, userSettings: { 'batchlens.apiBaseUrl': emulator.url }, ...scenario.runOptions });
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
    grep: scenarioGrep(scenario, options.grep),
    emulatorUrl: emulator.url,
    uiBridgeDir: path.join(runDir, 'ui-bridge'),
  }));

  // The suites talk to no network beyond the loopback emulator: no API key in the environment (the
  // batch suites store the emulator's key with batchlens.setApiKey), no real Anthropic base URL.
  const env = { BATCHLENS_TEST_HARNESS_CONFIG: configFile, ANTHROPIC_API_KEY: '', ANTHROPIC_BASE_URL: 'http://127.0.0.1:9' };
  let server;
  let browser;
  let bridge;
  try {
    server = await startCodeServer(run, { env });
    console.log(`integration: [${scenario.name}] code-server at ${server.url}, emulator at ${emulator.url}, running the suites in its extension host`);
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
    console.log(`integration: [${scenario.name}] the suites ran in the extension host of ${results.appName} ${results.vscodeVersion}`);
    return counts;
  } finally {
    bridge?.stop();
    await browser?.close();
    await server?.stop();
  }
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

  const runRoot = mkdtempSync(path.join(tmpdir(), 'batchlens-integration-'));
  const emulator = await startEmulator({ logFile: path.join(runRoot, 'emulator.log'), speed: EMULATOR_SPEED });
  const total = { passed: 0, failed: 0 };
  let failed = true;
  try {
    for (const [index, scenario] of SCENARIOS.entries()) {
      if (!scenarioMayMatch(scenario, options.grep)) continue;
      const runDir = path.join(runRoot, `scenario-${index + 1}`);
      mkdirSync(runDir);
      const counts = await runScenario(scenario, { runDir, batchlensVsix, harnessVsix, emulator });
      total.passed += counts.passed;
      total.failed += counts.failed;
    }
    console.log(`integration: ${total.passed} passed, ${total.failed} failed (${((Date.now() - started) / 1000).toFixed(1)} s in all)`);
    failed = total.failed > 0 || total.passed === 0;
  } finally {
    await emulator.stop();
    if (options.keep || failed) console.log(`integration: run folder kept for inspection: ${runRoot} (one scenario-N folder per session: code-server.log, extension host logs under user-data/logs)`);
    else rmSync(runRoot, { recursive: true, force: true });
  }
  process.exitCode = failed ? 1 : 0;
}

main().catch((error) => {
  console.error(`integration: ${error.message ?? error}`);
  console.error('integration: 0 passed, 1 failed (the run itself broke)');
  process.exitCode = 1;
});
