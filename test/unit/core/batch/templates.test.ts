import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  TemplateError,
  TemplateNotFoundError,
  builtinTemplates,
  listTemplates,
  loadTemplate,
  parseTemplate,
  renderTemplateText,
} from '../../../../src/core/batch/templates';

const GOOD = [
  '---',
  'model: claude-haiku-4-5',
  'max_tokens: 300',
  'ttl: 5m',
  'output: "{{file.path}}.tags.json"',
  'system: |',
  '  You tag files.',
  '  Answer in JSON.',
  '---',
  '',
  'Tag {{ file.name }} ({{file.language}}) at {{file.path}}:',
  '{{file.content}}',
].join('\n');

function errorOf(text: string): TemplateError {
  try {
    parseTemplate(text, '.batchlens/templates/t.md');
  } catch (error) {
    assert.ok(error instanceof TemplateError, `expected a TemplateError, got ${String(error)}`);
    return error;
  }
  assert.fail('the template was accepted');
}

describe('templates', () => {
  it('parses front matter and body', () => {
    const template = parseTemplate(GOOD, '.batchlens/templates/tags.md');
    assert.equal(template.name, 'tags');
    assert.equal(template.model, 'claude-haiku-4-5');
    assert.equal(template.maxTokens, 300);
    assert.equal(template.ttl, '5m');
    assert.equal(template.outputPattern, '{{file.path}}.tags.json');
    assert.equal(template.system, 'You tag files.\nAnswer in JSON.\n');
    assert.equal(template.body, 'Tag {{ file.name }} ({{file.language}}) at {{file.path}}:\n{{file.content}}');
  });

  it('defaults ttl to 1h and max_tokens to 1024', () => {
    const template = parseTemplate('---\nmodel: claude-sonnet-4-6\n---\n{{file.content}}', 'x.md');
    assert.equal(template.ttl, '1h');
    assert.equal(template.maxTokens, 1024);
  });

  it('renders every variable in one pass, never expanding text that came from the file', () => {
    const template = parseTemplate(GOOD, 'tags.md');
    const text = renderTemplateText(template.body, { relativePath: 'src/app/main.py', content: 'print("{{file.path}}")' });
    assert.equal(text, 'Tag main.py (python) at src/app/main.py:\nprint("{{file.path}}")');
  });

  const bad: Array<[string, string, number, RegExp]> = [
    ['an unknown variable in the body', '---\nmodel: m\n---\nline one\nHello {{file.size}}', 5, /unknown variable \{\{file\.size\}\}/],
    ['a missing model', '---\nmax_tokens: 10\n---\n{{file.content}}', 1, /missing `model`/],
    ['invalid YAML', '---\nmodel: claude-sonnet-4-6\nmax_tokens: [1, 2\n---\nbody', 3, /invalid front matter/],
    ['a bad ttl', '---\nmodel: m\nttl: 10m\n---\nbody', 3, /`ttl` must be `5m` or `1h`/],
    ['an unknown front matter key', '---\nmodel: m\nmax_token: 5\n---\nbody', 3, /unknown front matter key 'max_token'/],
    ['a non-integer max_tokens', '---\nmodel: m\nmax_tokens: 1.5\n---\nbody', 3, /max_tokens/],
    // Removed by anthropic-version 2026-10-21, which the SDK Batchlens ships sends (reference §0).
    ['temperature: 0.2', '---\nmodel: m\nmax_tokens: 5\ntemperature: 0.2\n---\nbody', 4, /`temperature` is not accepted under anthropic-version 2026-10-21.*every row would fail; remove this line/],
    ['top_p', '---\nmodel: m\ntop_p: 0.9\n---\nbody', 3, /`top_p` is not accepted under anthropic-version 2026-10-21/],
    ['top_k', '---\nmodel: m\ntop_k: 40\n---\nbody', 3, /`top_k` is not accepted/],
    ['an unknown variable in output', '---\nmodel: m\noutput: "{{file.stem}}.md"\n---\nbody', 3, /unknown variable/],
    ['an unclosed front matter', '---\nmodel: m\nbody', 1, /no closing/],
    ['an empty body', '---\nmodel: m\n---\n\n', 5, /body .* is empty/],
    ['a front matter that is not a map', '---\n- a\n- b\n---\nbody', 2, /expected `key: value`/],
  ];
  for (const [what, text, line, message] of bad) {
    it(`rejects ${what}, naming file and line ${line}`, () => {
      const error = errorOf(text);
      assert.equal(error.file, '.batchlens/templates/t.md');
      assert.equal(error.line, line);
      assert.match(error.message, message);
      assert.ok(error.message.startsWith(`.batchlens/templates/t.md:${line}: `));
    });
  }

  it('has the seven built-ins, each with a cached system prompt and the file content in its body', () => {
    const templates = builtinTemplates('claude-sonnet-4-6');
    assert.deepEqual(templates.map((t) => t.name), ['summarize', 'review', 'document', 'explain', 'translate', 'classify', 'extract']);
    for (const template of templates) {
      assert.equal(template.model, 'claude-sonnet-4-6');
      assert.equal(template.ttl, '1h');
      assert.ok(template.system && template.system.length > 50);
      assert.ok(template.body.includes('{{file.content}}'));
      // The built-ins must pass the same validation as workspace templates.
      parseTemplate(`---\nmodel: m\n---\n${template.body}`, 'builtin.md');
    }
  });

  it('loads workspace templates before built-ins, by name or by file, and reports an unknown name', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'bl-templates-'));
    await fs.mkdir(path.join(root, '.batchlens/templates'), { recursive: true });
    await fs.writeFile(path.join(root, '.batchlens/templates/summarize.md'), '---\nmodel: claude-haiku-4-5\n---\nShort: {{file.content}}');
    await fs.writeFile(path.join(root, 'mine.md'), '---\nmodel: claude-opus-4-6\n---\nMine: {{file.content}}');
    const shadowing = await loadTemplate(root, 'summarize', 'claude-sonnet-4-6');
    assert.equal(shadowing.model, 'claude-haiku-4-5');
    assert.equal(shadowing.source, '.batchlens/templates/summarize.md');
    assert.equal((await loadTemplate(root, 'mine.md', 'x')).model, 'claude-opus-4-6');
    assert.equal((await loadTemplate(root, 'review', 'claude-sonnet-4-6')).source, 'built-in');
    await assert.rejects(loadTemplate(root, 'nope', 'x'), TemplateNotFoundError);
    const choices = await listTemplates(root);
    assert.equal(choices.filter((choice) => choice.name === 'summarize').length, 1);
    assert.equal(choices[0].source, '.batchlens/templates/summarize.md');
  });
});
