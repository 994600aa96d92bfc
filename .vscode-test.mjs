// Desktop runs of the integration suites (test/integration/suite) with @vscode/test-cli, which
// downloads VS Code itself. The machines this project's CI runs on cannot download VS Code, so
// there the same suites run inside code-server instead (`npm run test:integration`, see the README,
// "Tests in a real VS Code"). On a desktop:
//
//   npm install --no-save @vscode/test-cli @vscode/test-electron
//   npm run build && node scripts/build-integration-suites.mjs
//   npx vscode-test                   # both configurations below
//   npx vscode-test --label floor     # only the engines.vscode floor
//
// Plain objects, so this file loads without @vscode/test-cli installed (defineConfig is the identity).
import { readFileSync } from 'node:fs';

const manifest = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
/** "^1.90.0" -> "1.90.0": the oldest VS Code the extension claims to support. */
const floorVersion = manifest.engines.vscode.replace(/^[^\d]*/, '');

const common = {
  files: 'out/integration/suite/**/*.test.js',
  workspaceFolder: 'test/fixtures/workspace',
  // Only Batchlens (the extension under development) runs; no API key reaches the suites.
  launchArgs: ['--disable-extensions', '--disable-workspace-trust'],
  env: { ANTHROPIC_API_KEY: '', ANTHROPIC_BASE_URL: 'http://127.0.0.1:9' },
  mocha: { ui: 'bdd', timeout: 60_000 },
};

export default [
  { label: 'floor', version: floorVersion, ...common },
  { label: 'stable', version: 'stable', ...common },
];
