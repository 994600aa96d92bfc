// Starts and stops a real VS Code (code-server) the way DESIGN.md §5 describes: a fresh
// user-data and extensions folder per run, the extensions installed from .vsix files, workspace
// trust off unless a run asks for Restricted Mode, bound to 127.0.0.1.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, cpSync, createWriteStream, existsSync, mkdirSync, openSync, readSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { codeServerCommand, versionLine } from './tools.mjs';

/** Settings every run needs: trust off, and nothing that opens tabs or talks to the network. */
export const BASE_USER_SETTINGS = {
  'security.workspace.trust.enabled': false,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'chat.disableAIFeatures': true,
  'git.enabled': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
};

/** Asks the OS for a free loopback port. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** `code-server --version`, e.g. "4.139.1 abc123 with Code 1.139.1". */
export function codeServerVersion() {
  const result = spawnSync(...codeServerCommand('--version'), { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`code-server --version failed: ${result.stderr}`);
  return versionLine(result.stdout);
}

/** The VS Code version inside a `code-server --version` line. */
export function vscodeVersionOf(codeServerLine) {
  return /with Code (\S+)/.exec(codeServerLine)?.[1] ?? 'unknown';
}

/** Batchlens settings declared `"scope": "machine"` in package.json (where the API key is sent). */
const MACHINE_SCOPED_SETTINGS = ['batchlens.apiBaseUrl'];

/** Settings that turn workspace trust on with no modal prompt: an unknown folder opens in Restricted Mode. */
export const RESTRICTED_MODE_USER_SETTINGS = {
  'security.workspace.trust.enabled': true,
  'security.workspace.trust.startupPrompt': 'never',
  'security.workspace.trust.untrustedFiles': 'open',
};

/**
 * Creates a run folder with a fresh profile and a copy of the workspace (so tests never dirty the
 * repository's fixture). Returns the paths. `workspaceTrust: true` keeps VS Code's workspace trust on
 * (the copy is then untrusted: Restricted Mode). `multiRootFolders: ['alpha', 'beta']` copies the
 * fixture once per name and opens them together through `batchlens.code-workspace`.
 */
export function createRun({ runDir, fixtureWorkspace, userSettings = {}, workspaceTrust = false, multiRootFolders }) {
  const userDataDir = path.join(runDir, 'user-data');
  const extensionsDir = path.join(runDir, 'extensions');
  let workspace = path.join(runDir, 'workspace');
  mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  if (multiRootFolders) {
    for (const name of multiRootFolders) cpSync(fixtureWorkspace, path.join(runDir, 'workspace', name), { recursive: true });
    const file = path.join(runDir, 'workspace', 'batchlens.code-workspace');
    writeFileSync(file, `${JSON.stringify({ folders: multiRootFolders.map((name) => ({ path: name })), settings: {} }, null, 2)}\n`);
    workspace = file;
  } else {
    cpSync(fixtureWorkspace, workspace, { recursive: true });
  }
  const trustSettings = workspaceTrust ? RESTRICTED_MODE_USER_SETTINGS : {};
  writeFileSync(path.join(userDataDir, 'User', 'settings.json'), `${JSON.stringify({ ...BASE_USER_SETTINGS, ...trustSettings, ...userSettings }, null, 2)}\n`);
  // code-server is a remote window: `machine`-scoped settings count only from the machine's own
  // settings file, as they do over SSH, so those go there as well.
  const machineSettings = Object.fromEntries(Object.entries(userSettings).filter(([key]) => MACHINE_SCOPED_SETTINGS.includes(key)));
  if (Object.keys(machineSettings).length > 0) {
    mkdirSync(path.join(userDataDir, 'Machine'), { recursive: true });
    writeFileSync(path.join(userDataDir, 'Machine', 'settings.json'), `${JSON.stringify(machineSettings, null, 2)}\n`);
  }
  return { runDir, userDataDir, extensionsDir, workspace, workspaceTrust, logFile: path.join(runDir, 'code-server.log') };
}

/** Installs .vsix files into the run's extensions folder; throws with code-server's output on failure. */
export function installExtensions(run, vsixPaths) {
  const args = ['--user-data-dir', run.userDataDir, '--extensions-dir', run.extensionsDir];
  for (const vsix of vsixPaths) args.push('--install-extension', vsix);
  const result = spawnSync(...codeServerCommand(...args), { encoding: 'utf8' });
  const output = `${result.stdout}${result.stderr}`;
  if (result.status !== 0 || /Failed|Error/i.test(result.stderr)) {
    throw new Error(`code-server --install-extension failed (exit ${result.status}):\n${output}`);
  }
  return output.trim();
}

/** The last `lines` lines of a log file, for error messages. */
export function tailOf(file, lines = 40) {
  if (!existsSync(file)) return '(no log written)';
  const size = statSync(file).size;
  const length = Math.min(size, 64 * 1024);
  const buffer = Buffer.alloc(length);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buffer, 0, length, size - length);
  } finally {
    closeSync(fd);
  }
  return buffer.toString('utf8').split('\n').slice(-lines).join('\n');
}

async function waitForHttp(url, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`code-server exited with code ${child.exitCode} before it answered`);
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`code-server did not answer ${url} within ${timeoutMs / 1000} s`);
}

/**
 * Starts code-server on 127.0.0.1 for the run's profile and workspace. `env` is added to the
 * server's environment, which the extension host inherits. Resolves once it serves HTTP.
 */
export async function startCodeServer(run, { port, env = {}, startTimeoutMs = 60_000 } = {}) {
  const listenPort = port ?? (await freePort());
  const log = createWriteStream(run.logFile, { flags: 'a' });
  const [node, args] = codeServerCommand(
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${listenPort}`,
    '--user-data-dir', run.userDataDir,
    '--extensions-dir', run.extensionsDir,
    '--disable-telemetry',
    '--disable-update-check',
    ...(run.workspaceTrust ? [] : ['--disable-workspace-trust']),
    '--disable-getting-started-override',
    run.workspace,
  );
  const child = spawn(node, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so stopping it also stops the extension host and other children.
    detached: true,
  });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const url = `http://127.0.0.1:${listenPort}/`;
  const server = {
    url,
    port: listenPort,
    process: child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        return;
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }, 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
  try {
    await waitForHttp(`${url}healthz`, child, startTimeoutMs);
  } catch (error) {
    await server.stop();
    throw new Error(`${error.message}\n--- code-server log (${run.logFile}) ---\n${tailOf(run.logFile)}`, { cause: error });
  }
  return server;
}
