import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { API_VERSION_2023, API_VERSION_2026 } from '../../../../src/core/api/apiVersions';
import { catalogAnalysisOptions } from '../../../../src/core/analysis/catalogOptions';
import { apiVersionForRange, detectSdkVersions } from '../../../../src/core/analysis/sdkVersions';
import type { AnalysisOptions, Finding, SourceLanguage } from '../../../../src/core/analysis/types';
import { runCli } from '../../../../src/cli/main';
import { recordingIo } from '../../support/recordingIo';
import { analyzer, applyEdits, hasSyntaxError } from './support';

const STRICT: AnalysisOptions = { defaultModel: 'claude-sonnet-4-6', today: '2026-12-04', sdkApiVersions: { python: { apiVersion: API_VERSION_2026, source: 'requirements.txt: anthropic>=2' }, typescript: { apiVersion: API_VERSION_2026, source: 'package.json: @anthropic-ai/sdk ^1.17.0' } } };

const py = (model: string, extra = '') =>
  `import anthropic\nclient = anthropic.Anthropic()\nreply = client.messages.create(\n    model="${model}",\n    max_tokens=100,${extra}\n    messages=[{"role": "user", "content": "hi"}],\n)\n`;
const ts = (model: string, extra = '') =>
  `import Anthropic from '@anthropic-ai/sdk';\nconst client = new Anthropic();\nexport const reply = client.messages.create({ model: '${model}', max_tokens: 100,${extra} messages: [{ role: 'user', content: 'hi' }] });\n`;

async function findings(text: string, language: SourceLanguage, options: AnalysisOptions = STRICT): Promise<Finding[]> {
  return (await analyzer()).analyze(text, language, options).findings.filter((finding) => ['BL007', 'BL008', 'BL009'].includes(finding.code));
}

async function fixed(text: string, language: SourceLanguage, finding: Finding): Promise<string> {
  const after = applyEdits(text, finding.fixes[0]!.edits);
  assert.equal(await hasSyntaxError(after, language), false, after);
  return after;
}

describe('API rules BL007-BL009', () => {
  it('BL007: a retired model is an error whose fix is the successor', async () => {
    const text = py('claude-sonnet-4-5-20250929');
    const [finding, ...rest] = await findings(text, 'python');
    assert.equal(rest.length, 0);
    assert.deepEqual([finding!.code, finding!.severity], ['BL007', 'error']);
    assert.match(finding!.message, /retired on 2026-11-30/);
    assert.match(await fixed(text, 'python', finding!), /model="claude-sonnet-5-5"/);
  });

  it('BL007: a deprecated model with a retirement date is a warning; a legacy one is silent; dates count', async () => {
    const [deprecated] = await findings(ts('claude-opus-4-5'), 'typescript');
    assert.deepEqual([deprecated!.code, deprecated!.severity], ['BL007', 'warning']);
    assert.match(deprecated!.message, /retires on 2027-01-22/);
    assert.match(await fixed(ts('claude-opus-4-5'), 'typescript', deprecated!), /model: 'claude-opus-5-5'/);
    assert.deepEqual(await findings(py('claude-opus-5'), 'python'), []);
    assert.deepEqual(await findings(py('claude-sonnet-4-5-20250929'), 'python', { ...STRICT, today: '2026-10-01' }).then((list) => list.map((f) => f.severity)), ['warning']);
  });

  it('BL008: temperature under an SDK that sends 2026-10-21 is an error whose fix removes it (Python and TypeScript)', async () => {
    const text = py('claude-sonnet-4-6', '\n    temperature=0.2,');
    const [finding] = await findings(text, 'python');
    assert.deepEqual([finding!.code, finding!.severity], ['BL008', 'error']);
    assert.match(finding!.message, /requirements\.txt: anthropic>=2/);
    assert.doesNotMatch(await fixed(text, 'python', finding!), /temperature/);
    const tsText = ts('claude-sonnet-4-6', ' top_p: 0.9, top_k: 5,');
    const tsFindings = await findings(tsText, 'typescript');
    assert.deepEqual(tsFindings.map((f) => f.code), ['BL008', 'BL008']);
    assert.doesNotMatch(await fixed(tsText, 'typescript', tsFindings[0]!), /top_p/);
  });

  it('BL008: silent under an SDK that sends 2023-06-01, an info when the version is unknown', async () => {
    const text = py('claude-sonnet-4-6', '\n    temperature=0.2,');
    assert.deepEqual(await findings(text, 'python', { ...STRICT, sdkApiVersions: { python: { apiVersion: API_VERSION_2023 } } }), []);
    const [unknown] = await findings(text, 'python', { ...STRICT, sdkApiVersions: {} });
    assert.deepEqual([unknown!.code, unknown!.severity], ['BL008', 'info']);
    assert.match(unknown!.message, /SDK version is unknown/);
  });

  it('BL009: an unknown id says "did you mean" and fixes to it; an id with no near match has no fix', async () => {
    const text = py('claude-sonnet-4-6-20250514');
    const [finding] = await findings(text, 'python');
    assert.deepEqual([finding!.code, finding!.severity], ['BL009', 'warning']);
    assert.match(finding!.message, /did you mean "claude-sonnet-4-6"/);
    assert.match(await fixed(text, 'python', finding!), /model="claude-sonnet-4-6"/);
    const [far] = await findings(py('my-own-model'), 'python');
    assert.deepEqual([far!.code, far!.fixes.length], ['BL009', 0]);
    assert.deepEqual(await findings(py('us.anthropic.claude-sonnet-4-6'), 'python'), [], 'a Bedrock id of a known model is known');
  });

  it('honours disabled rules', async () => {
    assert.deepEqual(await findings(py('claude-sonnet-4-5-20250929', '\n    temperature=0.2,'), 'python', { ...STRICT, disabledRules: ['BL007', 'BL008'] }), []);
  });
});

describe('SDK version from dependency files', () => {
  const ranges: Array<[string, 'python' | 'typescript', string | undefined]> = [
    ['>=2', 'python', API_VERSION_2026],
    ['==2.1.0', 'python', API_VERSION_2026],
    ['==1.9.0', 'python', API_VERSION_2023],
    ['<2', 'python', API_VERSION_2023],
    ['~=1.5', 'python', API_VERSION_2023],
    ['>=1.5', 'python', undefined],
    ['', 'python', undefined],
    ['^1.17.0', 'typescript', API_VERSION_2026],
    ['^0.132.0', 'typescript', API_VERSION_2023],
    ['>=0.100.0', 'typescript', undefined],
  ];
  for (const [spec, language, expected] of ranges) {
    it(`reads ${language} "${spec}" as ${expected ?? 'unknown'}`, () => {
      assert.equal(apiVersionForRange(language, spec), expected);
    });
  }

  function workspace(files: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchlens-sdk-'));
    fs.mkdirSync(path.join(dir, '.git'));
    for (const [name, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      fs.writeFileSync(path.join(dir, name), text);
    }
    return dir;
  }

  it('prefers lock files, reads requirements*.txt, pyproject.toml and package.json, and walks up to the repository root', () => {
    const dir = workspace({
      'requirements-dev.txt': 'pytest\nanthropic[bedrock]>=1.0  # any\n',
      'uv.lock': '[[package]]\nname = "anthropic"\nversion = "2.3.1"\n',
      'package.json': JSON.stringify({ dependencies: { '@anthropic-ai/sdk': '^0.132.0' } }),
      'pkg/src/app.py': '',
    });
    try {
      const found = detectSdkVersions(path.join(dir, 'pkg', 'src'));
      assert.deepEqual(found.python, { apiVersion: API_VERSION_2026, source: 'uv.lock: anthropic 2.3.1' });
      assert.deepEqual(found.typescript, { apiVersion: API_VERSION_2023, source: 'package.json: @anthropic-ai/sdk ^0.132.0' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const poetry = workspace({ 'pyproject.toml': '[tool.poetry.dependencies]\npython = "^3.11"\nanthropic = "^2.0"\n', 'poetry.lock': '' });
    const lock = workspace({ 'package-lock.json': JSON.stringify({ packages: { 'node_modules/@anthropic-ai/sdk': { version: '1.17.0' } } }), 'package.json': '{}' });
    try {
      assert.equal(detectSdkVersions(poetry).python?.apiVersion, API_VERSION_2026);
      assert.deepEqual(detectSdkVersions(lock).typescript, { apiVersion: API_VERSION_2026, source: 'package-lock.json: @anthropic-ai/sdk 1.17.0' });
      assert.deepEqual(catalogAnalysisOptions('claude-sonnet-4-6', [], undefined, lock).sdkApiVersions?.typescript?.apiVersion, API_VERSION_2026);
    } finally {
      fs.rmSync(poetry, { recursive: true, force: true });
      fs.rmSync(lock, { recursive: true, force: true });
    }
  });

  it('batchlens lint finds requirements.txt next to the code: temperature=0.2 with anthropic>=2 is BL008 error, a retired id BL007', async () => {
    const dir = workspace({ 'requirements.txt': 'anthropic>=2\n', 'app.py': py('claude-sonnet-4-5-20250929', '\n    temperature=0.2,') });
    try {
      const io = recordingIo(dir);
      const code = await runCli(['lint', 'app.py', '--format', 'sarif'], io);
      assert.equal(code, 1);
      const results = JSON.parse(io.out).runs[0].results as Array<{ ruleId: string; level: string; fixes?: unknown[] }>;
      const bl008 = results.find((result) => result.ruleId === 'BL008');
      assert.equal(bl008?.level, 'error');
      assert.ok((bl008?.fixes?.length ?? 0) > 0, 'BL008 carries a fix');
      assert.equal(results.find((result) => result.ruleId === 'BL007')?.level, 'error');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
