import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../../../../src/cli/main';
import { reachesModel, talksToModel } from '../../../../src/core/analysis/llmFiles';
import { chooseModel, unknownModelText } from '../../../../src/core/analysis/modelChoice';
import { lensShownFor } from '../../../../src/core/analysis/sourceFiles';
import { decodeEscapes, nonProseReason } from '../../../../src/core/analysis/promptText';
import type { SourceLanguage } from '../../../../src/core/analysis/types';
import { recordingIo } from '../../support/recordingIo';
import { OPTIONS, analyzer } from './support';

async function prompts(text: string, language: SourceLanguage = 'python'): Promise<string[]> {
  const result = (await analyzer()).analyze(text, language, OPTIONS);
  return result.prompts.map((prompt) => `${prompt.kind} ${prompt.name}@${prompt.range.startLine + 1}`);
}

describe('prompt discovery', () => {
  it('finds function-local prompt variables and templates, and prompts a function returns (lens on the function)', async () => {
    const found = await prompts(
      [
        'import anthropic',
        'def grade(answer):',
        '    rubric_prompt = f"Grade the answer from 0 to 5 and justify the grade in one sentence: {answer}"',
        '    return rubric_prompt',
        '',
        'def build_system_prompt(team):',
        '    return f"You help the {team} team triage incidents. Ask for logs before guessing a cause."',
      ].join('\n'),
    );
    assert.deepEqual(found, ['local grade: rubric_prompt@3', 'returned build_system_prompt()@6']);
  });

  it('finds prompts returned by TypeScript arrow functions, even when no request word is in the body', async () => {
    const found = await prompts("import { generateText } from 'ai';\nexport const SYSTEM_PROMPT_GENERIC = async (user: string) => `You are a helpful assistant for ${user}. Answer briefly.`;\n", 'typescript');
    assert.deepEqual(found, ['returned SYSTEM_PROMPT_GENERIC()@2']);
  });

  it('finds prompt fields of object literals, dicts, keyword arguments and message lists', async () => {
    const ts = await prompts(
      [
        "import { generateText } from 'ai';",
        'export async function run(q: string) {',
        '  const { text } = await generateText({',
        "    model: 'claude-haiku-4-5',",
        "    system: 'You are a research assistant. Cite a source for every claim you make.',",
        '    prompt: `Question: ${q}`,',
        '  });',
        '  return text;',
        '}',
      ].join('\n'),
      'typescript',
    );
    // A Vercel AI SDK call with a Claude model is a request the analyzer models: its fields are the request's arguments.
    assert.deepEqual(ts, ['sdk-argument system (messages.create)@5', 'sdk-argument messages[0].content (messages.create)@6']);
    const py = await prompts(
      [
        'from agents import Agent',
        'helper = Agent(name="Helper", instructions="Answer questions about the travel policy, quoting the section you use.")',
        'REQUEST = {"model": "claude-haiku-4-5", "messages": [{"role": "system", "content": "You translate English into French and keep the formatting."}, {"role": "user", "content": "Translate the next line for me please, keeping the tone of the original."}]}',
      ].join('\n'),
    );
    assert.deepEqual(py, ['field Agent(instructions)@2', 'field REQUEST.messages[0].content@3', 'field REQUEST.messages[1].content@3']);
  });

  it('finds prompt files read by path and names the file', async () => {
    const result = (await analyzer()).analyze('import anthropic\nREVIEWER = open("prompts/reviewer.md").read()\nDATA = open("data/rows.txt").read()\n', 'python', OPTIONS);
    assert.deepEqual(
      result.prompts.map((prompt) => [prompt.kind, prompt.name, prompt.file]),
      [['prompt-file', 'REVIEWER', 'prompts/reviewer.md']],
    );
  });

  it('finds prompt files read through a with block or pathlib, at module level and in a function', async () => {
    const source = [
      'import anthropic',
      'from pathlib import Path',
      'with open("prompts/system.md") as f:',
      '    SYSTEM = f.read()',
      'GUIDE = Path("prompts/guide.md").read_text()',
      'def load():',
      '    with open("prompts/grader.md", encoding="utf-8") as handle, open("data/rows.txt") as rows:',
      '        grader_prompt = handle.read()',
      '        data = rows.read()',
      '    return grader_prompt',
    ].join('\n');
    const result = (await analyzer()).analyze(source, 'python', OPTIONS);
    assert.deepEqual(
      result.prompts.map((prompt) => [prompt.kind, prompt.name, prompt.file, prompt.range.startLine + 1]),
      [
        ['prompt-file', 'SYSTEM', 'prompts/system.md', 4],
        ['prompt-file', 'GUIDE', 'prompts/guide.md', 5],
        ['prompt-file', 'load: grader_prompt', 'prompts/grader.md', 8],
      ],
    );
  });

  it('leaves out markup, SQL, CSS, shell and trivial strings that no call sends, but keeps them when a call sends them', async () => {
    const found = await prompts(
      [
        'import anthropic',
        'client = anthropic.Anthropic()',
        'PAGE_TEMPLATE = """<html><body><div class="x"><p>{body}</p></div></body></html>"""',
        'QUERY_PROMPT = "SELECT id, name FROM users WHERE active = 1"',
        'SYSTEM_PROMPT = "hi"',
        'SCRIPT_TEMPLATE = """#!/bin/bash\\nset -e\\napt-get update\\npip install -r requirements.txt"""',
        'HTML_SYSTEM = """<html><body><div>Reply in HTML.</div></body></html>"""',
        'client.messages.create(model="claude-haiku-4-5", max_tokens=5, system=HTML_SYSTEM, messages=[{"role": "user", "content": "Write the page for me now."}])',
      ].join('\n'),
    );
    assert.deepEqual(found, ['named-constant HTML_SYSTEM@7', 'sdk-argument messages[0].content (messages.create)@8']);
  });

  it('counts the text the API receives: escape sequences decoded', async () => {
    const result = (await analyzer()).analyze('SYSTEM_PROMPT = "Line one of the prompt.\\nLine two\\tends \\u00e9."\n', 'python', OPTIONS);
    assert.equal(result.prompts[0].text, 'Line one of the prompt.\nLine two\tends é.');
    assert.equal(decodeEscapes('a\\\\nb\\x41\\u{1F600}'), 'a\\nbA😀');
  });

  it('reports each SDK request as one call entry with the whole known input', async () => {
    const result = (await analyzer()).analyze(
      'import anthropic\nc = anthropic.Anthropic()\nSYSTEM = "You are terse and precise in every answer."\nc.messages.create(model="claude-haiku-4-5", max_tokens=5, system=SYSTEM, messages=[{"role": "user", "content": "Say the capital of France."}])\n',
      'python',
      OPTIONS,
    );
    assert.deepEqual(
      result.calls?.map((call) => [call.kind, call.name, call.range.startLine + 1, call.model, call.text]),
      [['request', 'messages.create request', 4, 'claude-haiku-4-5', 'You are terse and precise in every answer.\n\nSay the capital of France.']],
    );
  });

  it('names non-prose strings', () => {
    assert.equal(nonProseReason('<div><p>Hello there, friend</p></div>'), 'markup');
    assert.equal(nonProseReason('query Viewer { viewer { login name } }'), 'GraphQL');
    assert.equal(nonProseReason('.btn { color: red; } .card { margin: 0; }'), 'CSS');
    assert.equal(nonProseReason('ok'), 'empty or trivial');
    assert.equal(nonProseReason('Select the best answer from the list and explain why.'), undefined);
    assert.equal(nonProseReason('You answer with <answer> tags around the final result, nothing else.'), undefined);
  });
});

describe('which files talk to a model', () => {
  it('knows LLM imports, model calls and model ids, and a module imported by such a file', () => {
    assert.equal(talksToModel('import anthropic\n'), true);
    assert.equal(talksToModel("import { streamText } from 'ai';\n"), true);
    assert.equal(talksToModel('const MODEL = "claude-haiku-4-5";\n'), true);
    assert.equal(talksToModel('import smtplib\nWELCOME_EMAIL = "Hello {name}"\n'), false);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchlens-reach-'));
    try {
      fs.writeFileSync(path.join(dir, 'prompts.py'), 'REVIEW_PROMPT = "Review the code."\n');
      fs.writeFileSync(path.join(dir, 'mailer.py'), 'WELCOME = "Hello"\n');
      fs.writeFileSync(path.join(dir, 'agent.py'), 'import anthropic\nfrom prompts import REVIEW_PROMPT\n');
      assert.equal(reachesModel(path.join(dir, 'prompts.py'), 'REVIEW_PROMPT = "Review the code."\n'), true);
      assert.equal(reachesModel(path.join(dir, 'mailer.py'), 'WELCOME = "Hello"\n'), false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('unknown model ids', () => {
  it('says which id is unknown and what it is priced as', () => {
    const choice = chooseModel('claude-3-opus-20240229', 'claude-sonnet-4-6', {});
    assert.match(unknownModelText(choice) ?? '', /^unknown model id claude-3-opus-20240229 — priced as claude-sonnet-[\w-]+ \(nearest\)$/);
    assert.equal(unknownModelText(chooseModel('claude-haiku-4-5', 'claude-sonnet-4-6', {})), undefined);
  });
});

describe('batchlens cost', () => {
  it('gives each entry a kind, notes unknown model ids, reads prompt files, mutes files that never talk to a model and leaves tests out', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchlens-cost-'));
    try {
      fs.mkdirSync(path.join(dir, 'prompts'));
      fs.mkdirSync(path.join(dir, 'tests'));
      fs.writeFileSync(path.join(dir, 'prompts', 'system.md'), 'You review pull requests.\nBe brief and concrete about every bug you find.\n');
      fs.writeFileSync(
        path.join(dir, 'app.py'),
        'import anthropic\nc = anthropic.Anthropic()\nSYSTEM_PROMPT = open("prompts/system.md").read()\nc.messages.create(model="claude-3-opus-20240229", max_tokens=9, system=SYSTEM_PROMPT, messages=[{"role": "user", "content": "Review this diff please."}])\n',
      );
      fs.writeFileSync(path.join(dir, 'mailer.py'), 'import smtplib\nWELCOME_EMAIL_TEMPLATE = "Hello {name}, welcome to the service we run for you."\n');
      fs.writeFileSync(path.join(dir, 'tests', 'test_app.py'), 'SYSTEM_PROMPT = "You are a test double for the review bot."\n');
      const io = recordingIo(dir);
      assert.equal(await runCli(['cost', '.', '--json'], io), 0);
      const output = JSON.parse(io.out);
      const files = Object.fromEntries(output.files.map((file: { path: string }) => [file.path, file]));
      assert.deepEqual(Object.keys(files).sort(), ['app.py', 'mailer.py']);
      assert.equal(output.testFilesLeftOut, 1);
      assert.deepEqual(files['mailer.py'].prompts, []);
      assert.match(files['mailer.py'].note, /neither calls a model/);
      type Entry = { kind: string; source: string; line: number; chars: number; tokens: number; modelNote: string; hasDynamicParts: boolean };
      const entries: Entry[] = files['app.py'].prompts;
      const constant = entries.find((entry) => entry.source === 'prompt-file') as Entry;
      const call = entries.find((entry) => entry.kind === 'call') as Entry;
      const inline = entries.find((entry) => entry.source === 'sdk-argument') as Entry;
      assert.deepEqual([constant.kind, call.source, inline.kind], ['constant', 'request', 'constant']);
      assert.equal(constant.source, 'prompt-file');
      assert.equal(constant.chars, fs.readFileSync(path.join(dir, 'prompts', 'system.md'), 'utf8').length);
      assert.match(constant.modelNote, /^unknown model id claude-3-opus-20240229 — priced as .* \(nearest\)$/);
      assert.equal(call.line, 4);
      // The call's entry is the whole request: the user message and the prompt file's text, all known.
      const systemText = fs.readFileSync(path.join(dir, 'prompts', 'system.md'), 'utf8');
      assert.equal(call.chars, 'Review this diff please.'.length + 2 + systemText.length);
      assert.deepEqual([call.hasDynamicParts, (call as Entry & { files: string[] }).files], [false, ['prompts/system.md']]);
      assert.ok(call.tokens > constant.tokens);
      // Read through a with block inside a function: the prompt and the call's total both count the file.
      fs.writeFileSync(
        path.join(dir, 'agent.py'),
        'import anthropic\nc = anthropic.Anthropic()\ndef review(diff):\n    with open("prompts/system.md") as f:\n        system_prompt = f.read()\n    return c.messages.create(model="claude-haiku-4-5", max_tokens=9, system=system_prompt, messages=[{"role": "user", "content": "Review this diff please."}])\n',
      );
      const agentRun = recordingIo(dir);
      await runCli(['cost', 'agent.py', '--json'], agentRun);
      const agent: Entry[] = JSON.parse(agentRun.out).files[0].prompts;
      const agentFile = agent.find((entry) => entry.source === 'prompt-file') as Entry;
      const agentCall = agent.find((entry) => entry.kind === 'call') as Entry;
      assert.equal(agentFile.chars, systemText.length);
      assert.deepEqual([agentCall.chars, agentCall.hasDynamicParts], ['Review this diff please.'.length + 2 + systemText.length, false]);
      const withTests = recordingIo(dir);
      await runCli(['cost', '.', '--json', '--include-tests'], withTests);
      assert.ok(JSON.parse(withTests.out).files.some((file: { path: string }) => file.path === 'tests/test_app.py'));
      const table = recordingIo(dir);
      await runCli(['cost', 'app.py'], table);
      assert.match(table.out, /note: app\.py:3: unknown model id claude-3-opus-20240229 — priced as/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('cost lens in test files', () => {
  it('leaves test files without a lens unless tests are included, by the rule cost uses', () => {
    const tests: [string | undefined, string][] = [
      ['tests/test_app.py', '/w/tests/test_app.py'],
      ['pkg/app_test.py', '/w/pkg/app_test.py'],
      ['conftest.py', '/w/conftest.py'],
      ['src/agent.test.ts', '/w/src/agent.test.ts'],
      ['web/__tests__/chat.js', '/w/web/__tests__/chat.js'],
      ['spec/review.spec.mjs', '/w/spec/review.spec.mjs'],
      [undefined, '/elsewhere/test_prompts.py'],
    ];
    for (const [inWorkspace, fileName] of tests) {
      assert.equal(lensShownFor(inWorkspace, fileName, false), false, fileName);
      assert.equal(lensShownFor(inWorkspace, fileName, true), true, fileName);
    }
    // Not tests: a file named like one only in part, and a folder called tests above the workspace.
    assert.equal(lensShownFor('src/testing_prompts.py', '/w/src/testing_prompts.py', false), true);
    assert.equal(lensShownFor('app.py', '/home/me/tests/w/app.py', false), true);
    assert.equal(lensShownFor(undefined, '/home/me/tests/app.py', false), true);
  });
});
