import { strict as assert } from 'node:assert';
import { loadAnalyzer } from '../../../../src/core/analysis/analyzer';
import { defaultWasmDir, loadRuntime } from '../../../../src/core/analysis/runtime';
import { OPTIONS, analyzer as fullAnalyzer } from './support';

const PYTHON = 'import anthropic\nclient = anthropic.Anthropic()\nRULES = "You review code."\nclient.messages.create(model="claude-sonnet-4-6", max_tokens=10, system=RULES, messages=[])\n';

describe('grammars load on the first document of their language (runtime.ts)', function () {
  this.timeout(60_000);

  it('a runtime loaded with no languages compiles each grammar only when asked, once per grammar file', async () => {
    const runtime = await loadRuntime(defaultWasmDir(), []);
    assert.deepEqual([...runtime.languages.keys()], []);
    const typescript = await runtime.load('typescript');
    assert.deepEqual([...runtime.languages.keys()], ['typescript']);
    assert.equal(await runtime.load('typescript'), typescript, 'a second request returns the loaded grammar');
    // JSX parses with the javascript grammar: one file, one compiled grammar.
    const [javascript, jsx] = await Promise.all([runtime.load('javascript'), runtime.load('javascriptreact')]);
    assert.equal(jsx, javascript);
    assert.deepEqual([...runtime.languages.keys()].sort(), ['javascript', 'javascriptreact', 'typescript']);
  });

  it('an analyzer loaded with no grammar says so for an unprepared language, and after prepare() finds what the full analyzer finds', async () => {
    const lazy = await loadAnalyzer({ languages: [] });
    const before = lazy.analyze(PYTHON, 'python', OPTIONS);
    assert.match(before.skippedReason ?? '', /python grammar is not loaded/);
    await lazy.prepare('python');
    const after = lazy.analyze(PYTHON, 'python', OPTIONS);
    const full = (await fullAnalyzer()).analyze(PYTHON, 'python', OPTIONS);
    assert.equal(after.skippedReason, undefined);
    assert.ok(after.prompts.length > 0, 'the prompt constant is found');
    assert.deepEqual(after, full);
  });
});
