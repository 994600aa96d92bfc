#!/usr/bin/env node
// `npm run demo`: a real VS Code (code-server) on 127.0.0.1 with Batchlens installed from its .vsix
// (rebuilt only when a source changed) and the sample workspace open. The local Message Batches
// emulator (test/emulator) always stands in for the API, with a demo key, so nothing is billed and
// nothing leaves the machine; only `--real-api` uses the real API with ANTHROPIC_API_KEY. The first
// line printed says which. Prints the URL; Ctrl-C (or SIGTERM) stops everything and removes the run folder.
// Needs Linux (Debian/Ubuntu): the first run installs chromium and libkrb5-dev with apt-get (sudo).
// Usage: npm run demo [-- --port 8080] [-- --emulator-port 4010] [-- --keep] [-- --real-api]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { packageBatchlensIfStale } from './lib/build.mjs';
import { startEmulator } from './lib/emulator.mjs';
import { codeServerVersion, createRun, freePort, installExtensions, startCodeServer, tailOf, vscodeVersionOf } from './lib/codeServer.mjs';
import { assertToolsInstalled, REPO_ROOT } from './lib/tools.mjs';

const { values: options } = parseArgs({
  options: {
    port: { type: 'string', default: '8080' },
    'emulator-port': { type: 'string' },
    keep: { type: 'boolean', default: false },
    vsix: { type: 'string' },
    // The real, billed Anthropic API with ANTHROPIC_API_KEY instead of the emulator.
    'real-api': { type: 'boolean', default: false },
  },
});

/** Not a real key: the emulator accepts any key that starts with sk-ant-. */
const DEMO_API_KEY = 'sk-ant-demo-00000000000000000000000000000000';
const FIXTURE_WORKSPACE = path.join(REPO_ROOT, 'test', 'fixtures', 'workspace');

async function main() {
  const useRealApi = options['real-api'];
  if (useRealApi && !process.env.ANTHROPIC_API_KEY) {
    console.error('demo: --real-api needs ANTHROPIC_API_KEY in the environment. Without --real-api the demo uses the local emulator.');
    process.exit(2);
  }
  console.log(useRealApi
    ? 'demo: --real-api: batches go to the REAL Anthropic API with your ANTHROPIC_API_KEY and are billed.'
    : 'demo: using the local API emulator: nothing leaves this machine and nothing is billed (start with --real-api to use the real API).');
  // The toolchain (code-server, Chromium) installs itself on the first run; later runs check and skip.
  const setup = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'setup-vscode-tools.mjs'), '--quiet'], { cwd: REPO_ROOT, stdio: 'inherit' });
  if (setup.status !== 0) process.exit(setup.status ?? 1);
  assertToolsInstalled();
  const version = codeServerVersion();
  let vsix;
  if (options.vsix) vsix = path.resolve(options.vsix);
  else {
    const built = packageBatchlensIfStale();
    vsix = built.vsix;
    console.log(built.rebuilt ? 'demo: built batchlens.vsix' : 'demo: batchlens.vsix is up to date (no source changed); not rebuilt');
  }
  const runDir = mkdtempSync(path.join(tmpdir(), 'batchlens-demo-'));

  let emulator;
  const stops = [];
  let stopping = false;
  const stopAll = async (exitCode) => {
    if (stopping) return;
    stopping = true;
    console.log('\ndemo: stopping...');
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    if (options.keep) console.log(`demo: run folder kept: ${runDir}`);
    else rmSync(runDir, { recursive: true, force: true });
    console.log('demo: stopped.');
    process.exit(exitCode);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  try {
    const env = {};
    const userSettings = { 'workbench.colorTheme': 'Default Light Modern' };
    if (!useRealApi) {
      const emulatorPort = options['emulator-port'] ? Number(options['emulator-port']) : await freePort();
      emulator = await startEmulator({ port: emulatorPort, logFile: path.join(runDir, 'emulator.log') });
      stops.push(() => emulator.stop());
      userSettings['batchlens.apiBaseUrl'] = emulator.url;
      // The demo key replaces any real key in this process's environment: the emulator is the only API.
      env.ANTHROPIC_API_KEY = DEMO_API_KEY;
      env.ANTHROPIC_BASE_URL = emulator.url;
    }
    const run = createRun({ runDir, fixtureWorkspace: FIXTURE_WORKSPACE, userSettings });
    installExtensions(run, [vsix]);
    const server = await startCodeServer(run, { port: Number(options.port), env });
    stops.push(() => server.stop());
    server.process.once('exit', (code) => {
      if (!stopping) {
        console.error(`demo: code-server exited (code ${code}).\n${tailOf(run.logFile)}`);
        void stopAll(1);
      }
    });

    console.log('');
    console.log(`  Batchlens demo: VS Code ${vscodeVersionOf(version)} (code-server ${version.split(' ')[0]})`);
    console.log(`  Open ${server.url} in a browser.`);
    console.log(`  Workspace: ${run.workspace} (a copy of test/fixtures/workspace)`);
    console.log(emulator
      ? `  API: local emulator at ${emulator.url} with a demo key; nothing leaves this machine.`
      : '  API: https://api.anthropic.com with your ANTHROPIC_API_KEY (--real-api): batches are billed.');
    console.log(`  Logs: ${run.logFile}`);
    console.log('  Press Ctrl-C to stop.');
    console.log('');
  } catch (error) {
    console.error(`demo: ${error.message ?? error}`);
    await stopAll(1);
  }
}

void main();
