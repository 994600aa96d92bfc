#!/usr/bin/env node
// `npm run demo`: a real VS Code (code-server) on 127.0.0.1 with Batchlens installed from a freshly
// built .vsix and the sample workspace open. Unless ANTHROPIC_API_KEY is set, the local Message
// Batches emulator (test/emulator) stands in for the API and a demo key is used, so batches work
// offline. Prints the URL; Ctrl-C (or SIGTERM) stops everything and removes the run folder.
// Usage: npm run demo [-- --port 8080] [-- --emulator-port 4010] [-- --keep]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { packageBatchlens } from './lib/build.mjs';
import { startEmulator } from './lib/emulator.mjs';
import { codeServerVersion, createRun, freePort, installExtensions, startCodeServer, tailOf, vscodeVersionOf } from './lib/codeServer.mjs';
import { assertToolsInstalled, REPO_ROOT } from './lib/tools.mjs';

const { values: options } = parseArgs({
  options: {
    port: { type: 'string', default: '8080' },
    'emulator-port': { type: 'string' },
    keep: { type: 'boolean', default: false },
    vsix: { type: 'string' },
  },
});

/** Not a real key: the emulator accepts any key that starts with sk-ant-. */
const DEMO_API_KEY = 'sk-ant-demo-00000000000000000000000000000000';
const FIXTURE_WORKSPACE = path.join(REPO_ROOT, 'test', 'fixtures', 'workspace');

async function main() {
  assertToolsInstalled();
  const version = codeServerVersion();
  const vsix = options.vsix ? path.resolve(options.vsix) : packageBatchlens();
  const runDir = mkdtempSync(path.join(tmpdir(), 'batchlens-demo-'));
  const useRealApi = Boolean(process.env.ANTHROPIC_API_KEY);

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
    if (useRealApi) {
      console.log('demo: ANTHROPIC_API_KEY is set: batches go to the real Anthropic API and are billed.');
    } else {
      const emulatorPort = options['emulator-port'] ? Number(options['emulator-port']) : await freePort();
      emulator = await startEmulator({ port: emulatorPort, logFile: path.join(runDir, 'emulator.log') });
      stops.push(() => emulator.stop());
      userSettings['batchlens.apiBaseUrl'] = emulator.url;
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
      : '  API: https://api.anthropic.com with your ANTHROPIC_API_KEY.');
    console.log(`  Logs: ${run.logFile}`);
    console.log('  Press Ctrl-C to stop.');
    console.log('');
  } catch (error) {
    console.error(`demo: ${error.message ?? error}`);
    await stopAll(1);
  }
}

void main();
