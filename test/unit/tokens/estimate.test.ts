import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  type CalibrationReport,
  FITTED_COEFFICIENTS,
  calibrationReport,
  coefficientValue,
  parseCalibrationRows,
} from '../../../src/core/tokens/calibration';
import { DEFAULT_ESTIMATOR_COEFFICIENTS, estimateRequestTokens, estimateTextTokens } from '../../../src/core/tokens/estimate';
import { imageTokensForSize } from '../../../src/core/tokens/mediaTokens';

const CALIBRATION_FILE = path.join(__dirname, '..', '..', 'fixtures', 'tokens', 'calibration.jsonl');

const PROSE = 'Batch requests cost half as much as synchronous ones, and results arrive within a day. ';

function tinyPngBase64(width: number, height: number): string {
  const bytes = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(bytes, 0);
  bytes.writeUInt32BE(13, 8);
  bytes.write('IHDR', 12, 'latin1');
  bytes.writeUInt32BE(width, 16);
  bytes.writeUInt32BE(height, 20);
  return bytes.toString('base64');
}

describe('offline token estimator', () => {
  describe('on the calibration set', () => {
    let report: CalibrationReport;

    before(function () {
      this.timeout(60_000);
      report = calibrationReport(parseCalibrationRows(readFileSync(CALIBRATION_FILE, 'utf8')));
    });

    // The issue aims at under 5% mean absolute error; the shipped coefficients measure 3.6%.
    it('misses by under 5% on average', () => {
      assert.ok(report.estimator.meanAbsError < 0.05, `mean |error| ${report.estimator.meanAbsError}`);
    });

    // Refitting without the predicted rows measures 9.0% (leave-one-out) and 8.6% (leave-one-source-out);
    // most of it comes from three rows whose feature (thinking, a letter run) nothing else informs.
    it('stays under 10% when each row is predicted by coefficients fitted without it', () => {
      assert.ok(report.leaveOneOut.meanAbsError < 0.1, `leave-one-out ${report.leaveOneOut.meanAbsError}`);
      assert.ok(report.leaveOneSourceOut.meanAbsError < 0.1, `leave-one-source-out ${report.leaveOneSourceOut.meanAbsError}`);
    });

    it('beats chars/4 by a wide margin, on average and in the worst case', () => {
      assert.ok(report.estimator.meanAbsError * 4 < report.charsOverFour.meanAbsError);
      assert.ok(report.leaveOneOut.meanAbsError * 3 < report.charsOverFour.meanAbsError);
      assert.ok(Math.abs(report.estimator.worst.signedError) < Math.abs(report.charsOverFour.worst.signedError));
    });

    it('ships the coefficients the calibration fits, rounded', () => {
      for (const fitted of FITTED_COEFFICIENTS) {
        const shipped = coefficientValue(DEFAULT_ESTIMATOR_COEFFICIENTS, fitted);
        const refit = coefficientValue(report.refit, fitted);
        assert.ok(Math.abs(shipped - refit) <= Math.max(0.01, Math.abs(refit) * 0.02), `${fitted.name}: shipped ${shipped}, refit ${refit}`);
      }
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
      assert.equal(estimateTextTokens('日本語のテキスト', 'legacy'), 8);
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
      assert.ok(estimate.parts.system > 0 && estimate.parts.thinking > 0);
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
