import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Activation only registers providers and commands: the SDK, the YAML parser, the token vocabulary
 * and the tree-sitter runtime and grammars sit beside the bundle (esbuild.js) and load on first use.
 * The bundle bench's probe activates the built bundle with a fake `vscode` and lists every file
 * beside it that was required or read; this checks that list, not a timing.
 */
const REPO = path.resolve(__dirname, '../../..');
const DIST = path.join(REPO, 'dist');
const PROBE = path.join(REPO, 'bench', 'support', 'activationProbe.cjs');
const LAZY_CHUNKS = ['anthropic-sdk.js', 'yaml.js', 'bpe-vocabulary.json'];

interface ProbeResult {
  loaded: string[];
  subscriptions: number;
}

function probe(bundle: string, workspace: string): ProbeResult {
  return JSON.parse(execFileSync(process.execPath, [PROBE, bundle, workspace], { encoding: 'utf8' })) as ProbeResult;
}

describe('lazy chunks beside the bundle', function () {
  this.timeout(60_000);
  let scratch: string;

  before(function () {
    // `npm run test:unit` builds first; a lone run of this file builds if dist/ is missing.
    if (!fs.existsSync(path.join(DIST, 'extension.js'))) execFileSync(process.execPath, [path.join(REPO, 'esbuild.js')], { cwd: REPO, stdio: 'pipe' });
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'batchlens-lazy-'));
  });

  after(() => {
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  it('activating dist/extension.js loads none of them, nor the tree-sitter runtime or any grammar', () => {
    for (const chunk of LAZY_CHUNKS) assert.ok(fs.existsSync(path.join(DIST, chunk)), `esbuild.js writes dist/${chunk}`);
    assert.ok(fs.existsSync(path.join(DIST, 'wasm', 'tree-sitter-python.wasm')));
    const result = probe(path.join(DIST, 'extension.js'), scratch);
    assert.ok(result.subscriptions > 5, 'activate() registered its features');
    assert.deepEqual(result.loaded, []);
  });

  it('the bundles reach each chunk by a require of its file, and each chunk loads on its own', () => {
    for (const bundle of ['extension.js', 'cli.js']) {
      const source = fs.readFileSync(path.join(DIST, bundle), 'utf8');
      for (const chunk of LAZY_CHUNKS) assert.ok(source.includes(`require("./${chunk}")`), `${bundle} requires ./${chunk}`);
      assert.ok(!source.includes('"pat_str"'), `${bundle} does not inline the vocabulary`);
    }
    const script = [
      `const sdk = require(${JSON.stringify(path.join(DIST, 'anthropic-sdk.js'))});`,
      `const yaml = require(${JSON.stringify(path.join(DIST, 'yaml.js'))});`,
      `const vocabulary = require(${JSON.stringify(path.join(DIST, 'bpe-vocabulary.json'))});`,
      'console.log(JSON.stringify([typeof sdk.APIError, typeof yaml.parseDocument, typeof vocabulary.bpe_ranks]));',
    ].join('\n');
    assert.deepEqual(JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })), ['function', 'function', 'string']);
  });

  it('the probe does see a chunk or a grammar that a bundle loads at require time (the check above is not vacuous)', () => {
    const dir = path.join(scratch, 'eager');
    fs.mkdirSync(path.join(dir, 'wasm'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'yaml.js'), 'module.exports = {};');
    fs.writeFileSync(path.join(dir, 'wasm', 'grammar.wasm'), '');
    fs.writeFileSync(
      path.join(dir, 'extension.js'),
      "require('./yaml.js'); require('node:fs').readFileSync(require('node:path').join(__dirname, 'wasm', 'grammar.wasm'));\n" +
        "exports.activate = (context) => { for (let i = 0; i < 6; i++) context.subscriptions.push({ dispose() {} }); };\n",
    );
    assert.deepEqual(probe(path.join(dir, 'extension.js'), scratch).loaded, ['wasm/grammar.wasm', 'yaml.js']);
  });
});
