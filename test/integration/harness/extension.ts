// Test harness extension: runs the integration suites with mocha inside the extension host of a
// real VS Code and writes the outcome as JSON for scripts/run-integration.mjs to read. code-server
// rejects --extensionDevelopmentPath, so this installed extension plays the test runner's part.
import { appendFileSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';

interface HarnessConfig {
  /** Absolute path of mocha's CommonJS build (node_modules/mocha/lib/mocha.cjs). */
  mochaPath: string;
  resultsFile: string;
  /** One JSON line per finished test, appended as the run goes (the runner prints them live). */
  progressFile: string;
  timeoutMs: number;
  /** Optional mocha --grep. */
  grep?: string;
}

export interface TestOutcome {
  fullTitle: string;
  title: string;
  file?: string;
  durationMs?: number;
  error?: { message: string; stack?: string };
}

export interface HarnessResults {
  vscodeVersion: string;
  appName: string;
  passes: TestOutcome[];
  failures: TestOutcome[];
  pending: TestOutcome[];
  durationMs: number;
}

interface MochaRunnable {
  title: string;
  file?: string;
  duration?: number;
  fullTitle(): string;
}

interface MochaRunner {
  on(event: 'pass' | 'pending', listener: (test: MochaRunnable) => void): void;
  on(event: 'fail', listener: (test: MochaRunnable, error: Error) => void): void;
}

interface MochaInstance {
  addFile(file: string): void;
  run(done: (failures: number) => void): unknown;
}

type MochaConstructor = new (options: Record<string, unknown>) => MochaInstance;

function outcome(test: MochaRunnable, error?: Error): TestOutcome {
  return {
    fullTitle: test.fullTitle(),
    title: test.title,
    file: test.file ? path.basename(test.file) : undefined,
    durationMs: test.duration,
    error: error ? { message: String(error.message ?? error), stack: error.stack } : undefined,
  };
}

async function runSuites(config: HarnessConfig, suiteDir: string): Promise<HarnessResults> {
  const started = Date.now();
  const results: HarnessResults = { vscodeVersion: vscode.version, appName: vscode.env.appName, passes: [], failures: [], pending: [], durationMs: 0 };
  // A reporter that only records; the runner prints mocha-style output from the JSON.
  class RecordingReporter {
    constructor(runner: MochaRunner) {
      const record = (list: TestOutcome[], status: string, test: MochaRunnable, error?: Error) => {
        const entry = outcome(test, error);
        list.push(entry);
        appendFileSync(config.progressFile, `${JSON.stringify({ status, ...entry })}\n`);
      };
      runner.on('pass', (test) => record(results.passes, 'pass', test));
      runner.on('pending', (test) => record(results.pending, 'pending', test));
      runner.on('fail', (test, error) => record(results.failures, 'fail', test, error));
    }
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- mocha is loaded from the repository at run time, not bundled.
  const Mocha = require(config.mochaPath) as MochaConstructor;
  const mocha = new Mocha({ ui: 'bdd', timeout: config.timeoutMs, color: false, reporter: RecordingReporter, grep: config.grep });
  for (const name of readdirSync(suiteDir).filter((file) => file.endsWith('.test.js')).sort()) {
    mocha.addFile(path.join(suiteDir, name));
  }
  await new Promise<void>((resolve) => mocha.run(() => resolve()));
  results.durationMs = Date.now() - started;
  return results;
}

function writeResults(file: string, results: unknown): void {
  // Written whole and renamed, so the runner never reads a half-written file.
  writeFileSync(`${file}.partial`, JSON.stringify(results, null, 2));
  renameSync(`${file}.partial`, file);
}

export function activate(context: vscode.ExtensionContext): void {
  const configPath = process.env.BATCHLENS_TEST_HARNESS_CONFIG;
  if (!configPath) return;
  const config = JSON.parse(readFileSync(configPath, 'utf8')) as HarnessConfig;
  runSuites(config, path.join(context.extensionPath, 'suite')).then(
    (results) => writeResults(config.resultsFile, results),
    (error: unknown) => writeResults(config.resultsFile, { crashed: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
  );
}

export function deactivate(): void {}
