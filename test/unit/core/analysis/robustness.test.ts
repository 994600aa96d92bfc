import { strict as assert } from 'node:assert';
import { OPTIONS, analyzer } from './support';
import type { SourceLanguage } from '../../../../src/core/analysis/types';

const LANGUAGES: SourceLanguage[] = ['python', 'typescript', 'typescriptreact', 'javascript', 'javascriptreact'];

describe('analyzer robustness', () => {
  // The analyzer catches its own exceptions and reports them as a skip ("analysis failed: …"), so
  // "did not throw" proves nothing: each of these texts must be analysed, not skipped.
  it('analyses random bytes, half-typed code and deep nesting in every language without an internal failure', async () => {
    const engine = await analyzer();
    const inputs = [
      '',
      '\uFFFD\uD800 broken surrogate \uDC00',
      'client.messages.create(system=[{"text": f"{',
      'client.messages.create({ system: [{ text: `${',
      '('.repeat(5000) + 'x' + ')'.repeat(5000),
      '[' .repeat(3000),
      '"a" + '.repeat(4000) + '"b"',
      Array.from({ length: 2000 }, (_, index) => String.fromCharCode(32 + ((index * 7919) % 9000))).join(''),
    ];
    for (const language of LANGUAGES) {
      for (const input of inputs) {
        const result = engine.analyze(input, language, OPTIONS);
        assert.ok(Array.isArray(result.findings) && Array.isArray(result.prompts));
        assert.equal(result.skippedReason, undefined, `${language}, input starting ${JSON.stringify(input.slice(0, 40))}`);
      }
    }
  });

  it('skips binary-looking and oversized text with a reason', async () => {
    const engine = await analyzer();
    assert.match(engine.analyze('SYSTEM_PROMPT = "x"\n\u0000\u0001', 'python', OPTIONS).skippedReason ?? '', /binary/);
    assert.match(engine.analyze('x'.repeat(5_000_001), 'javascript', OPTIONS).skippedReason ?? '', /too large/);
  });

  it('analyses a huge generated file and still finds the problem at its end', async () => {
    const engine = await analyzer();
    const filler = Array.from({ length: 4000 }, (_, index) => `def helper_${index}(value):\n    return value * ${index}\n`).join('\n');
    const text = `import anthropic\nclient = anthropic.Anthropic()\n${filler}\ndef ask(q, user):\n    return client.messages.create(model="claude-sonnet-4-6", max_tokens=10, system=[{"type": "text", "text": f"You are a helpful assistant for the support team. User: {user}", "cache_control": {"type": "ephemeral"}}], messages=[{"role": "user", "content": q}])\n\nask("hi", input("user? "))\n`;
    const result = engine.analyze(text, 'python', OPTIONS);
    assert.deepEqual(result.findings.filter((finding) => finding.code === 'BL001').map((finding) => text.slice(finding.range.start, finding.range.end)), ['user']);
  });

  it('reports 0-based lines and UTF-16 columns after non-ASCII text', async () => {
    const engine = await analyzer();
    const text = 'import anthropic\nclient = anthropic.Anthropic()\nNOTE = "héllo 😀"\ndef ask(q, name):\n    return client.messages.create(model="claude-sonnet-4-6", max_tokens=5, system=[{"type": "text", "text": f"Résumé 😀 assistant for the whole team. {datetime.now()}", "cache_control": {"type": "ephemeral"}}], messages=[{"role": "user", "content": q}])\n';
    const finding = engine.analyze(text, 'python', OPTIONS).findings.find((candidate) => candidate.code === 'BL001');
    assert.ok(finding);
    assert.equal(text.slice(finding.range.start, finding.range.end), 'datetime.now()');
    assert.equal(finding.range.startLine, 4);
    assert.equal(text.split('\n')[4].slice(finding.range.startColumn, finding.range.endColumn), 'datetime.now()');
  });
});
