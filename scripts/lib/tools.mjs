// Where the real-VS-Code toolchain lives (DESIGN.md §5) and how to find it.
// Everything sits in the git-ignored `.tools/` folder so that a fresh clone installs it with
// `npm run setup:vscode` and later runs reuse it.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const TOOLS_DIR = path.join(REPO_ROOT, '.tools');

/** Pinned versions: code-server 4.139.1 bundles VS Code 1.139 and requires Node 24. */
export const CODE_SERVER_VERSION = '4.139.1';
export const NODE_MAJOR = 24;

export const NODE24_DIR = path.join(TOOLS_DIR, 'node24');
export const NODE24_BIN = path.join(NODE24_DIR, 'bin', 'node');
export const CODE_SERVER_PREFIX = path.join(TOOLS_DIR, 'code-server');
export const CODE_SERVER_PACKAGE = path.join(CODE_SERVER_PREFIX, 'node_modules', 'code-server');
export const CODE_SERVER_ENTRY = path.join(CODE_SERVER_PACKAGE, 'out', 'node', 'entry.js');
/** Written last by the setup script, so its presence means the install finished. */
export const CODE_SERVER_MARKER = path.join(CODE_SERVER_PREFIX, `.installed-${CODE_SERVER_VERSION}`);
export const CHROMIUM_BIN = '/usr/bin/chromium';
/**
 * A config file of our own: without `--config`, code-server writes one with a generated password
 * to ~/.config/code-server. Every run passes its real settings as flags.
 */
export const CODE_SERVER_CONFIG = path.join(CODE_SERVER_PREFIX, 'config.yaml');

/** Arguments that start code-server with Node 24 and our config file. */
export function codeServerCommand(...args) {
  return [NODE24_BIN, [CODE_SERVER_ENTRY, '--config', CODE_SERVER_CONFIG, ...args]];
}

/** The version line of `code-server --version` output, e.g. "4.139.1 abc123 with Code 1.139.1". */
export function versionLine(output) {
  return output.split('\n').find((line) => /^\d+\.\d+\.\d+ /.test(line.trim()))?.trim() ?? output.trim();
}

/**
 * Chromium flags for this machine's closed network (DESIGN.md §5): without the
 * background-networking ones Chromium floods the log with refused connections.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** Throws an error that names the fix when the toolchain has not been installed. */
export function assertToolsInstalled() {
  const missing = [];
  if (!existsSync(NODE24_BIN)) missing.push(`Node 24 (${NODE24_BIN})`);
  if (!existsSync(CODE_SERVER_MARKER) || !existsSync(CODE_SERVER_ENTRY)) missing.push(`code-server ${CODE_SERVER_VERSION} (${CODE_SERVER_PREFIX})`);
  if (!existsSync(CHROMIUM_BIN)) missing.push(`Chromium (${CHROMIUM_BIN})`);
  if (missing.length > 0) {
    throw new Error(`The real-VS-Code toolchain is incomplete: missing ${missing.join(', ')}.\nRun \`npm run setup:vscode\` first.`);
  }
}
