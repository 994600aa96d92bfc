import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';

const REPO = path.resolve(__dirname, '../../..');
/** The SARIF 2.1.0 JSON schema (final, "rtm.5") as the @microsoft/jest-sarif package ships it. */
const SARIF_SCHEMA = path.join(REPO, 'node_modules', '@microsoft', 'jest-sarif', 'lib', 'schemas', 'sarif-2.1.0-rtm.5.json');

/** A cached system prompt that starts with today's date: BL001 (and its prompt is priced by `cost`). */
const FIXTURE = [
  'import datetime',
  'import anthropic',
  '',
  'client = anthropic.Anthropic()',
  'RULES = "You review pull requests for a payments team. Point out risky changes first."',
  '',
  '',
  'def review(diff: str):',
  '    return client.messages.create(',
  '        model="claude-sonnet-4-6",',
  '        max_tokens=800,',
  '        system=[{"type": "text", "text": f"Time: {datetime.datetime.now()}. {RULES}", "cache_control": {"type": "ephemeral"}}],',
  '        messages=[{"role": "user", "content": diff}],',
  '    )',
  '',
].join('\n');

function npx(cwd: string, cache: string, args: string[]) {
  // --offline: the package has no dependencies, so installing it needs no registry at all.
  const run = spawnSync('npx', ['--offline', '--yes', ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, npm_config_cache: cache, npm_config_update_notifier: 'false', ANTHROPIC_API_KEY: '' },
  });
  return { code: run.status ?? -1, stdout: run.stdout, stderr: run.stderr };
}

describe('the npm package of the CLI (scripts/pack-cli.mjs)', function () {
  this.timeout(120_000);
  let work: string;
  let tarball: string;

  before(async () => {
    execFileSync(process.execPath, [path.join(REPO, 'esbuild.js')], { cwd: REPO, stdio: 'pipe' });
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'batchlens-npm-'));
    const printed = execFileSync(process.execPath, [path.join(REPO, 'scripts', 'pack-cli.mjs'), '--no-build', '--out', work], { cwd: REPO, encoding: 'utf8' });
    tarball = path.resolve(REPO, printed.trim());
  });

  after(async () => {
    await fs.rm(work, { recursive: true, force: true });
  });

  it('carries only the bundle, its lazy chunks, the tree-sitter files, the README and the licence, with a bin, engines and no dependencies', () => {
    const version = JSON.parse(execFileSync('node', ['-p', 'JSON.stringify(require("./package.json").version)'], { cwd: REPO, encoding: 'utf8' })) as string;
    assert.equal(path.basename(tarball), `batchlens-${version}.tgz`);
    const files = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).trim().split('\n').sort();
    assert.deepEqual(files, [
      'package/LICENSE',
      'package/README.md',
      'package/dist/analysis-engine.js',
      'package/dist/anthropic-sdk.js',
      'package/dist/bpe-vocabulary.json',
      'package/dist/cli.js',
      'package/dist/ignore.js',
      'package/dist/picomatch.js',
      'package/dist/wasm/tree-sitter-javascript.wasm',
      'package/dist/wasm/tree-sitter-python.wasm',
      'package/dist/wasm/tree-sitter-tsx.wasm',
      'package/dist/wasm/tree-sitter-typescript.wasm',
      'package/dist/wasm/tree-sitter.js',
      'package/dist/wasm/tree-sitter.wasm',
      'package/dist/yaml.js',
      'package/package.json',
    ]);
    const manifest = JSON.parse(execFileSync('tar', ['xzOf', tarball, 'package/package.json'], { encoding: 'utf8' })) as Record<string, unknown>;
    assert.deepEqual(manifest.bin, { batchlens: 'dist/cli.js' });
    assert.deepEqual(manifest.engines, { node: '>=20.19.0' });
    assert.equal(manifest.private, undefined);
    assert.equal(manifest.dependencies, undefined);
    assert.equal(manifest.main, undefined, 'the extension entry point is not part of the CLI package');
  });

  it('runs `lint` and `cost` from an empty folder through npx, and its SARIF validates against the SARIF 2.1.0 schema', async () => {
    const project = path.join(work, 'project');
    await fs.mkdir(project);
    await fs.copyFile(tarball, path.join(project, path.basename(tarball)));
    await fs.writeFile(path.join(project, 'review.py'), FIXTURE);
    const cache = path.join(work, 'npm-cache');

    const lint = npx(project, cache, [`./${path.basename(tarball)}`, 'lint', '.', '--format', 'sarif']);
    assert.equal(lint.code, 1, `lint reports the finding and exits 1: ${lint.stderr}`);
    const sarif = JSON.parse(lint.stdout) as { version: string; runs: Array<{ results: Array<{ ruleId: string }> }> };
    const ruleIds = sarif.runs[0].results.map((result) => result.ruleId);
    assert.ok(ruleIds.includes('BL001'), `the clock reading before the breakpoint is reported: ${ruleIds.join(', ')}`);

    const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
    addFormats(ajv);
    const validate = ajv.compile(JSON.parse(await fs.readFile(SARIF_SCHEMA, 'utf8')) as object);
    assert.ok(validate(sarif), JSON.stringify(validate.errors, null, 2));
    // The validator is not vacuous: a log that breaks the schema is refused.
    assert.equal(validate({ ...sarif, version: '2.0.0' }), false);

    const cost = npx(project, cache, [`./${path.basename(tarball)}`, 'cost', '.', '--json']);
    assert.equal(cost.code, 0, cost.stderr);
    const prompts = JSON.parse(cost.stdout) as unknown;
    assert.match(JSON.stringify(prompts), /review\.py/);
    assert.match(JSON.stringify(prompts), /claude-sonnet-4-6/);
  });
});
