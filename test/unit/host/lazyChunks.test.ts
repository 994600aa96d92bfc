import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ModelInfo } from '@anthropic-ai/sdk/resources/models';
import { catalogAnalysisOptions } from '../../../src/core/analysis/catalogOptions';
import type { AnalysisEngine } from '../../../src/core/analysis/engine';
import { useLiveModelFacts } from '../../../src/core/pricing/catalog';
import { factsOf } from '../../../src/core/pricing/liveModels';

/**
 * Activation only registers providers and commands: the SDK, the YAML parser, the token vocabulary
 * and the tree-sitter runtime and grammars sit beside the bundle (esbuild.js) and load on first use.
 * The bundle bench's probe activates the built bundle with a fake `vscode` and lists every file
 * beside it that was required or read; this checks that list, not a timing.
 */
const REPO = path.resolve(__dirname, '../../..');
const DIST = path.join(REPO, 'dist');
const PROBE = path.join(REPO, 'bench', 'support', 'activationProbe.cjs');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const LAZY_CHUNKS = (require('../../../scripts/lazy-chunks.cjs') as { LAZY_CHUNKS: { file: string }[] }).LAZY_CHUNKS.map((chunk) => chunk.file);

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
    const load = (file: string) => `require(${JSON.stringify(path.join(DIST, file))})`;
    const script = [
      `const sdk = ${load('anthropic-sdk.js')};`,
      `const engine = ${load('analysis-engine.js')};`,
      `const yaml = ${load('yaml.js')};`,
      `const ignore = ${load('ignore.js')};`,
      `const picomatch = ${load('picomatch.js')};`,
      `const vocabulary = ${load('bpe-vocabulary.json')};`,
      'const checks = [typeof sdk.APIError, typeof engine.loadAnalyzer, typeof yaml.parseDocument, ignore().add("*.log").ignores("a.log"), picomatch("**/*.py")("a/b.py"), typeof vocabulary.bpe_ranks];',
      'console.log(JSON.stringify(checks));',
    ].join('\n');
    assert.equal(LAZY_CHUNKS.length, 6, 'each chunk is checked below');
    assert.deepEqual(JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })), ['function', 'function', 'function', true, true, 'string']);
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

describe('the analyzer beside the bundle', function () {
  this.timeout(60_000);

  afterEach(() => useLiveModelFacts(undefined));

  it('sees the model facts the rest of the process loaded from GET /v1/models, though it has its own copy of the catalog', async () => {
    if (!fs.existsSync(path.join(DIST, 'analysis-engine.js'))) execFileSync(process.execPath, [path.join(REPO, 'esbuild.js')], { cwd: REPO, stdio: 'pipe' });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const engine = require(path.join(DIST, 'analysis-engine.js')) as AnalysisEngine;
    const analyzer = await engine.loadAnalyzer({ wasmDir: path.join(DIST, 'wasm'), languages: ['python'] });
    const source = 'import anthropic\nclient = anthropic.Anthropic()\nclient.messages.create(model="claude-sonnet-4-6", max_tokens=64, messages=[{"role": "user", "content": "hi"}])\n';
    const options = { ...catalogAnalysisOptions('claude-sonnet-4-6'), today: '2026-12-04' };
    const retirements = () => analyzer.analyze(source, 'python', options).findings.filter((finding) => finding.code === 'BL007');
    assert.deepEqual(retirements(), [], 'the bundled catalog has the model in service');
    useLiveModelFacts({
      fetchedAt: '2026-12-04T12:00:00Z',
      models: [factsOf({ type: 'model', id: 'claude-sonnet-4-6', display_name: 'Claude Sonnet 4.6', created_at: '2025-01-01T00:00:00Z', lifecycle: 'retired', deprecated_at: '2026-09-01T00:00:00Z', retires_at: '2026-12-01T00:00:00Z' } as unknown as ModelInfo)],
    });
    const [finding] = retirements();
    assert.ok(finding, 'the live retirement reaches the chunk');
    assert.match(finding.message, /retired on 2026-12-01/);
  });
});
