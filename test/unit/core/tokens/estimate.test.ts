import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { deflateSync } from 'node:zlib';
import { SAMPLE_ABOVE_CHARS, countBpe, countBpeBounded } from '../../../../src/core/tokens/bpeCounter';
import { type CalibrationRow, FITTED_COEFFICIENTS, coefficientValue, fitCoefficients, rowFlags } from '../../../../src/core/tokens/calibration';
import {
  DEFAULT_ESTIMATOR_COEFFICIENTS,
  type EstimatorCoefficients,
  estimateRequestTokens,
  estimateTextTokens,
  priceRequestFeatures,
} from '../../../../src/core/tokens/estimate';
import { imageTokensForSize } from '../../../../src/core/tokens/mediaTokens';
import { pdfText } from '../../../../src/core/tokens/pdfText';
import { measureRequest } from '../../../../src/core/tokens/requestFeatures';

const TEXTS = JSON.parse(readFileSync(path.join(__dirname, '..', '..', '..', 'fixtures', 'tokens', 'synthetic-texts.json'), 'utf8')) as Record<string, string>;
const ROOT = path.join(__dirname, '..', '..', '..', '..');

const PROSE = 'Batch requests cost half as much as synchronous ones, and results arrive within a day. ';

function total(counts: ReturnType<typeof countBpe>): number {
  return counts.letterTokens + counts.longWordTokens + counts.digitTokens + counts.punctTokens + counts.spaceTokens;
}

function tinyPngBase64(width: number, height: number): string {
  const bytes = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(bytes, 0);
  bytes.writeUInt32BE(13, 8);
  bytes.write('IHDR', 12, 'latin1');
  bytes.writeUInt32BE(width, 16);
  bytes.writeUInt32BE(height, 20);
  return bytes.toString('base64');
}

/** A one-page PDF whose page shows `lines` with the standard text operators; `compress` deflates the page stream. */
function syntheticPdf(lines: string[], compress: boolean): string {
  const content = `BT /F1 12 Tf 72 720 Td ${lines.map((line) => `(${line.replace(/[()\\]/g, (c) => `\\${c}`)}) Tj 0 -14 Td`).join(' ')} ET`;
  const stream = compress ? deflateSync(Buffer.from(content, 'latin1')).toString('latin1') : content;
  const filter = compress ? ' /Filter /FlateDecode' : '';
  const pdf = [
    '%PDF-1.4',
    '1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj',
    '2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj',
    '3 0 obj << /Type /Page /Parent 2 0 R /Contents 4 0 R >> endobj',
    `4 0 obj << /Length ${stream.length}${filter} >>\nstream\n${stream}\nendstream endobj`,
    '%%EOF',
  ].join('\n');
  return Buffer.from(pdf, 'latin1').toString('base64');
}

describe('offline token estimator', () => {
  describe('reference vocabulary', () => {
    it('counts exactly what the published reference tokenizer counts, on every kind of text', () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const reference = require('@anthropic-ai/tokenizer') as { countTokens(text: string): number };
      for (const [kind, text] of Object.entries({ ...TEXTS, wide: '日本語のテキストと🙂', long: `x${'yz'.repeat(300)}` })) {
        assert.equal(total(countBpe(text)), reference.countTokens(text), kind);
      }
    });

    it('sorts tokens by the kind of piece they come from', () => {
      const json = countBpe(TEXTS.json);
      assert.ok(json.punctTokens > json.letterTokens, JSON.stringify(json));
      const numbers = countBpe(TEXTS.numbers);
      assert.ok(numbers.digitTokens > numbers.letterTokens && numbers.digits >= 40, JSON.stringify(numbers));
      assert.ok(countBpe(TEXTS.indented).spaceTokens >= 5);
      const run = countBpe(`start ${'q'.repeat(90)} end`);
      assert.equal(run.runLetters, 90);
      assert.equal(run.letterTokens, 2);
    });

    it('counts a very long text on a sample that lands within 1% of the full count', function () {
      this.timeout(60_000);
      const parts = [TEXTS.prose, TEXTS.code, TEXTS.json, TEXTS.indented, TEXTS.numbers];
      const chunks: string[] = [];
      for (let index = 0; chunks.join('').length <= SAMPLE_ABOVE_CHARS * 1.5; index++) {
        for (let repeat = 0; repeat < 50; repeat++) chunks.push(`${parts[(index + repeat) % parts.length]}\n# section ${index}-${repeat}\n`);
      }
      const long = chunks.join('');
      const full = total(countBpe(long));
      const sampled = total(countBpeBounded(long));
      assert.ok(Math.abs(sampled - full) / full < 0.01, `sampled ${sampled} vs full ${full}`);
      assert.deepEqual(countBpeBounded(TEXTS.prose), countBpe(TEXTS.prose));
    });

    it('is loaded on the first estimate, not when the estimator is imported', () => {
      const probe = [
        "const vocabulary = require('./src/core/tokens/bpeVocabulary');",
        "const estimate = require('./src/core/tokens/estimate');",
        'const before = vocabulary.isBpeVocabularyLoaded();',
        "estimate.estimateTextTokens('hello there', 'legacy');",
        'console.log(JSON.stringify([before, vocabulary.isBpeVocabularyLoaded()]));',
      ].join('\n');
      const output = execFileSync(process.execPath, ['--import', 'tsx', '-e', probe], { cwd: ROOT, encoding: 'utf8' });
      assert.deepEqual(JSON.parse(output.trim()), [false, true]);
    });
  });

  describe('calibration fit', () => {
    const bodies: unknown[] = [
      { messages: [{ role: 'user', content: TEXTS.prose }] },
      { messages: [{ role: 'user', content: TEXTS.json }] },
      { system: TEXTS.prose, messages: [{ role: 'user', content: TEXTS.code }] },
      { messages: [{ role: 'user', content: TEXTS.numbers }] },
      { messages: [{ role: 'user', content: TEXTS.indented + TEXTS.prose }] },
      { messages: [{ role: 'user', content: TEXTS.code + TEXTS.json }] },
      { messages: [{ role: 'user', content: `${TEXTS.prose} ${TEXTS.numbers}` }] },
      { messages: [{ role: 'user', content: 'Short question?' }] },
    ];
    // A made-up truth: words 10% dearer, punctuation 40% dearer than the shipped rates.
    const truth: EstimatorCoefficients = {
      ...DEFAULT_ESTIMATOR_COEFFICIENTS,
      text: { ...DEFAULT_ESTIMATOR_COEFFICIENTS.text, legacy: { ...DEFAULT_ESTIMATOR_COEFFICIENTS.text.legacy, letterTokens: 1.15, punctTokens: 1.6 } },
    };
    const rows: CalibrationRow[] = bodies.map((request, index) => ({
      source: `synthetic/${index % 3}:row${index}`,
      model: 'claude-sonnet-4-5',
      request,
      usage: { input_tokens: priceRequestFeatures(measureRequest(request), 'legacy', truth).inputTokens },
      notes: 'kind=prose; tokenizer=old; flags=none',
    }));

    it('recovers the rates that produced the totals', () => {
      const refit = fitCoefficients(rows);
      assert.ok(Math.abs(refit.text.legacy.letterTokens - 1.15) < 0.05, String(refit.text.legacy.letterTokens));
      assert.ok(Math.abs(refit.text.legacy.punctTokens - 1.6) < 0.1, String(refit.text.legacy.punctTokens));
      // Rates no row informs stay at their priors.
      const unseen = FITTED_COEFFICIENTS.find((fitted) => fitted.group === 'hidden' && fitted.generation === 'new' && fitted.name === 'citationDocuments');
      assert.ok(unseen);
      assert.equal(coefficientValue(refit, unseen), unseen.prior);
    });

    it('reads the prompt-shaping flags of a row, ignoring how it was recorded', () => {
      const notes = 'kind=json; flags=tools,streamed(usage=message_start+message_delta merged),output also has tool_use blocks (counted in output_tokens, not in outputText); x';
      assert.deepEqual(rowFlags({ source: '', model: '', request: {}, usage: {}, notes }), ['tools']);
      assert.deepEqual(rowFlags({ source: '', model: '', request: {}, usage: {}, notes: 'flags=none' }), ['none']);
    });
  });

  describe('estimateTextTokens', () => {
    it('never decreases as text grows', () => {
      let previous = 0;
      for (let repeats = 1; repeats <= 40; repeats++) {
        const tokens = estimateTextTokens(PROSE.repeat(repeats), 'legacy');
        assert.ok(tokens >= previous, `${repeats} repeats: ${tokens} < ${previous}`);
        previous = tokens;
      }
      assert.ok(previous > 400);
    });

    it('gives the newer tokenizer at least as many tokens as the older one', () => {
      for (const text of ['Hello', PROSE, 'def f(x):\n    return x * 2\n', '{"a": [1, 2, 3]}', '日本語のテキスト', 'a'.repeat(5000)]) {
        assert.ok(estimateTextTokens(text, 'new') >= estimateTextTokens(text, 'legacy'), text.slice(0, 20));
      }
      assert.ok(estimateTextTokens(PROSE.repeat(50), 'new') > estimateTextTokens(PROSE.repeat(50), 'legacy') * 1.2);
    });

    it('prices a run of one letter at about three letters per token, not as one word', () => {
      const tokens = estimateTextTokens('a'.repeat(9000), 'legacy');
      assert.ok(tokens > 2800 && tokens < 3200, String(tokens));
    });

    it('counts English prose near four characters per token', () => {
      const text = PROSE.repeat(100);
      const charsPerToken = text.length / estimateTextTokens(text, 'legacy');
      assert.ok(charsPerToken > 3.5 && charsPerToken < 5.5, String(charsPerToken));
    });

    it('counts CJK text near one token per character and emoji as several', () => {
      const cjk = estimateTextTokens('日本語のテキスト', 'legacy');
      assert.ok(cjk >= 7 && cjk <= 11, String(cjk));
      assert.ok(estimateTextTokens('🙂🙂🙂', 'legacy') >= 5);
    });

    it('returns 0 for empty text and at least 1 otherwise', () => {
      assert.equal(estimateTextTokens('', 'legacy'), 0);
      assert.equal(estimateTextTokens('.', 'legacy'), 1);
    });
  });

  describe('estimateRequestTokens', () => {
    const hello = { model: 'claude-sonnet-4-20250514', messages: [{ role: 'user', content: 'Hello, world' }] };

    it('adds the request and turn framing (a one-turn "Hello, world" counts 10)', () => {
      const estimate = estimateRequestTokens(hello, 'legacy');
      assert.equal(estimate.inputTokens, 10);
      assert.equal(estimate.parts.framing, 7);
      assert.equal(estimate.estimate, true);
      assert.equal(estimate.exact, false);
    });

    it('sums its parts', () => {
      const body = { ...hello, system: 'Be terse.', tools: [{ name: 'f', description: 'd', input_schema: { type: 'object' } }], thinking: { type: 'enabled', budget_tokens: 1024 } };
      const estimate = estimateRequestTokens(body, 'legacy');
      const sum = Object.values(estimate.parts).reduce((a, b) => a + b, 0);
      assert.equal(estimate.inputTokens, sum);
      assert.ok(estimate.parts.system > 0 && estimate.parts.hidden > 0);
    });

    it('adds the documented hidden tool-use prompt, which depends on the model and tool_choice', () => {
      const tool = { name: 'get_weather', description: 'Get the weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } };
      const plain = estimateRequestTokens(hello, 'legacy').inputTokens;
      const auto = estimateRequestTokens({ ...hello, model: 'claude-haiku-4-5', tools: [tool] }, 'legacy').inputTokens;
      const forced = estimateRequestTokens({ ...hello, model: 'claude-haiku-4-5', tools: [tool], tool_choice: { type: 'any' } }, 'legacy').inputTokens;
      assert.ok(auto - plain > 496, `auto adds ${auto - plain}`);
      assert.equal(forced - auto, 588 - 496);
      const sonnet4 = estimateRequestTokens({ ...hello, tools: [tool] }, 'legacy').inputTokens;
      assert.equal(auto - sonnet4, 496 - 313);
    });

    it('does not open an assistant turn after a prefill', () => {
      const prefilled = { messages: [{ role: 'user', content: 'Hello, world' }, { role: 'assistant', content: '{' }] };
      const estimate = estimateRequestTokens(prefilled, 'legacy');
      // Two turns (3 each) and the start marker, without the 3-token assistant opener.
      assert.equal(estimate.parts.framing, 7);
    });

    it('ignores fields that cost no prompt tokens', () => {
      const decorated = { ...hello, max_tokens: 64000, stream: true, temperature: 0.2, stop_sequences: ['```'], service_tier: 'standard_only', metadata: { user_id: 'u' } };
      assert.deepEqual(estimateRequestTokens(decorated, 'legacy'), estimateRequestTokens(hello, 'legacy'));
    });

    it('prices images from their pixel size', () => {
      assert.equal(imageTokensForSize({ width: 200, height: 200 }), 54);
      assert.equal(imageTokensForSize({ width: 4000, height: 3000 }), 1600);
      const body = { messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: tinyPngBase64(750, 100) } }] }] };
      assert.equal(estimateRequestTokens(body, 'legacy').parts.media, 100);
      const byUrl = { messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } }] }] };
      assert.equal(estimateRequestTokens(byUrl, 'legacy').parts.media, 1600);
    });

    it('prices a PDF page as an image plus the text it shows', () => {
      const lines = ['Quarterly report', 'Revenue grew in every region except the north, where two stores closed.'];
      for (const compress of [false, true]) {
        assert.equal(pdfText(syntheticPdf(lines, compress)).text.replace(/\s+/g, ' ').trim(), lines.join(' '));
      }
      const document = (data: string) => ({ messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data } }] }] });
      const short = estimateRequestTokens(document(syntheticPdf(['Hi'], true)), 'legacy');
      const long = estimateRequestTokens(document(syntheticPdf(Array.from({ length: 40 }, () => lines[1]), true)), 'legacy');
      assert.equal(short.parts.framing - estimateRequestTokens({ messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'text', data: '' } }] }] }, 'legacy').parts.framing, DEFAULT_ESTIMATOR_COEFFICIENTS.framing.pdfPages);
      assert.ok(long.parts.messages - short.parts.messages > 40 * 12, `${long.parts.messages} vs ${short.parts.messages}`);
      assert.equal(pdfText('not a pdf').text, '');
    });

    it('adds the hidden instructions of thinking, structured output and citations, per tokenizer generation', () => {
      const ask = { role: 'user', content: 'Is a tomato a fruit?' };
      const base = (model: string) => estimateRequestTokens({ model, messages: [ask] }, model.includes('opus-5') ? 'new' : 'legacy').inputTokens;
      const withOption = (model: string, extra: Record<string, unknown>) => estimateRequestTokens({ model, messages: [ask], ...extra }, model.includes('opus-5') ? 'new' : 'legacy');
      const hidden = DEFAULT_ESTIMATOR_COEFFICIENTS.hidden;
      assert.equal(withOption('claude-sonnet-4-5', { thinking: { type: 'enabled', budget_tokens: 2048 } }).inputTokens - base('claude-sonnet-4-5'), hidden.legacy.thinkingEnabled);
      // Opus 4.6 has its own, longer adaptive-thinking instruction; Opus 5 adds about none.
      assert.equal(withOption('claude-opus-4-6', { thinking: { type: 'adaptive' } }).inputTokens - base('claude-opus-4-6'), 17);
      assert.equal(withOption('claude-opus-5', { thinking: { type: 'adaptive' } }).inputTokens - base('claude-opus-5'), hidden.new.thinkingAdaptive);
      const schema = { output_config: { format: { type: 'json_schema', schema: { type: 'object' } } } };
      const old = withOption('claude-haiku-4-5', schema);
      const newer = withOption('claude-opus-5', schema);
      assert.equal(old.parts.hidden, hidden.legacy.outputFormats);
      assert.equal(newer.parts.hidden, hidden.new.outputFormats);
      assert.ok(hidden.new.outputFormats > hidden.legacy.outputFormats && hidden.new.citationDocuments > hidden.legacy.citationDocuments);
      const cited = { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'The sky is blue.' }, citations: { enabled: true } };
      const plain = { ...cited, citations: undefined };
      const citedTokens = estimateRequestTokens({ messages: [{ role: 'user', content: [cited] }] }, 'legacy').inputTokens;
      const plainTokens = estimateRequestTokens({ messages: [{ role: 'user', content: [plain] }] }, 'legacy').inputTokens;
      assert.equal(citedTokens - plainTokens, hidden.legacy.citationDocuments);
    });

    it('counts thinking only for an assistant turn still in progress', () => {
      const thinking = (text: string) => ({ role: 'assistant', content: [{ type: 'thinking', thinking: text, signature: 's' }, { type: 'text', text: 'ok' }] });
      const long = 'reasoning '.repeat(200);
      const earlier = estimateRequestTokens({ messages: [{ role: 'user', content: 'q' }, thinking(long), { role: 'user', content: 'q2' }] }, 'legacy');
      const last = estimateRequestTokens({ messages: [{ role: 'user', content: 'q' }, thinking(long)] }, 'legacy');
      assert.ok(earlier.parts.messages < 20);
      assert.ok(last.parts.messages > 200);
    });

    const circular: Record<string, unknown> = { type: 'mystery' };
    circular.self = circular;
    const oddBodies: Array<[string, unknown]> = [
      ['undefined', undefined],
      ['null', null],
      ['a number', 42],
      ['a string', 'just text'],
      ['an array of messages', [{ role: 'user', content: 'hi' }]],
      ['messages not an array', { messages: { role: 'user' } }],
      ['a message that is null', { messages: [null, 7, 'x'] }],
      ['content of numbers', { messages: [{ role: 'user', content: 12345 }] }],
      ['blocks of unknown types', { messages: [{ role: 'user', content: [{ type: 'hologram', data: [1, 2] }, null, 3, 'loose'] }] }],
      ['a circular block', { messages: [{ role: 'user', content: [circular] }] }],
      ['a bigint in tool input', { messages: [{ role: 'assistant', content: [{ type: 'tool_use', name: 'f', input: { n: BigInt(1) } }] }] }],
      ['tools that are not objects', { messages: [], tools: ['x', null, 3], tool_choice: 'any' }],
      ['a document without source', { messages: [{ role: 'user', content: [{ type: 'document' }] }] }],
      ['a document with broken base64', { messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'base64', data: '%%%' } }] }] }],
      ['an image with garbage data', { messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', data: 'AAAA' } }] }] }],
      ['system as an object', { system: { text: 'x' }, messages: [] }],
      ['thinking as a string', { messages: [], thinking: 'on' }],
      ['deeply nested tool results', { messages: [{ role: 'user', content: nestedToolResult(40) }] }],
      ['lone surrogates', { messages: [{ role: 'user', content: '\ud800abc\udfff' }] }],
    ];

    for (const [name, body] of oddBodies) {
      it(`never throws on ${name}`, () => {
        const estimate = estimateRequestTokens(body, 'new');
        assert.ok(Number.isInteger(estimate.inputTokens) && estimate.inputTokens >= 1, String(estimate.inputTokens));
        assert.equal(estimate.estimate, true);
      });
    }
  });
});

function nestedToolResult(depth: number): unknown[] {
  let content: unknown[] = [{ type: 'text', text: 'bottom' }];
  for (let level = 0; level < depth; level++) content = [{ type: 'tool_result', tool_use_id: `t${level}`, content }];
  return content;
}
