import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import * as path from 'node:path';

const REPO = path.resolve(__dirname, '../../..');
const CLI = path.join(REPO, 'dist', 'cli.js');
const SEED_004 = path.join(REPO, 'test/fixtures/analysis/python/seed004_ticket_in_system.py');

/** Runs the bundle exactly as users do (`node dist/cli.js …`), not the sources through tsx. */
function cli(args: string[]): { code: number; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [CLI, ...args], { cwd: REPO, encoding: 'utf8', env: { ...process.env, ANTHROPIC_API_KEY: '' } });
  return { code: run.status ?? -1, stdout: run.stdout, stderr: run.stderr };
}

describe('the bundled CLI (dist/cli.js)', function () {
  this.timeout(60_000);

  before(() => {
    // Bundling problems (a dependency the bundle cannot follow, wasm files not copied) only show here.
    execFileSync(process.execPath, [path.join(REPO, 'esbuild.js')], { cwd: REPO, stdio: 'pipe' });
  });

  it('prices the issue example: sync 18.3 and batch 9.15', () => {
    const run = cli(['price', '--model', 'claude-sonnet-4-6', '--input-tokens', '1000000', '--output-tokens', '1000000', '--cache-read-tokens', '1000000', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const output = JSON.parse(run.stdout) as { sync: { totalUsd: number }; batch: { totalUsd: number } };
    assert.equal(output.sync.totalUsd, 18.3);
    assert.equal(output.batch.totalUsd, 9.15);
  });

  it('lists the catalog and reads workspace settings without failing', () => {
    const run = cli(['models', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const models = JSON.parse(run.stdout) as { id: string }[];
    assert.ok(models.some((model) => model.id === 'claude-sonnet-4-6'));
  });

  it('loads tree-sitter from dist/wasm and lints a seed fixture', () => {
    const run = cli(['lint', SEED_004, '--format', 'json']);
    assert.equal(run.code, 1, run.stderr);
    const report = JSON.parse(run.stdout) as { files: { findings: { code: string }[] }[] };
    assert.ok(report.files[0].findings.some((finding) => finding.code === 'BL001'));
  });

  it('fails a bad number with one line and exit code 2', () => {
    const run = cli(['price', '--model', 'claude-sonnet-4-6', '--input-tokens', 'many', '--output-tokens', '1']);
    assert.equal(run.code, 2);
    assert.equal(run.stderr.trim().split('\n').length, 1);
  });
});
