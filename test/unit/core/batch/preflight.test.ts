import { strict as assert } from 'node:assert';
import type { BatchRequest } from '../../../../src/core/api/batchApi';
import { API_VERSION_2023, API_VERSION_2026, BATCHLENS_API_VERSION, apiVersionForSdk } from '../../../../src/core/api/apiVersions';
import { type PreflightCheck, checkBatchPlan, describePreflight, preflightRequests } from '../../../../src/core/batch/preflight';

const TODAY = '2026-12-04';

function row(customId: string, params: Record<string, unknown> = {}): BatchRequest {
  return {
    custom_id: customId,
    params: { model: 'claude-sonnet-4-6', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }], ...params },
  } as unknown as BatchRequest;
}

function checksOf(request: BatchRequest, options: { apiVersion?: string; inputTokens?: number } = {}): PreflightCheck[] {
  const report = preflightRequests([request], { apiVersion: options.apiVersion ?? API_VERSION_2026, today: TODAY, inputTokens: options.inputTokens === undefined ? undefined : [options.inputTokens] });
  return report.problems.map((problem) => problem.check);
}

const cached = (ttl: '5m' | '1h') => ({ type: 'text', text: 'x', cache_control: { type: 'ephemeral', ttl } });

describe('pre-flight', () => {
  it('sends with the API version of the SDK Batchlens ships (1.x sends 2026-10-21)', () => {
    assert.equal(BATCHLENS_API_VERSION, API_VERSION_2026);
    assert.equal(apiVersionForSdk('typescript', '0.132.0'), API_VERSION_2023);
    assert.equal(apiVersionForSdk('python', '2.0.0'), API_VERSION_2026);
    assert.equal(apiVersionForSdk('python', '1.9.9'), API_VERSION_2023);
    assert.equal(apiVersionForSdk('csharp', '13.1.0'), API_VERSION_2026);
    assert.equal(apiVersionForSdk('go', 'v1.4.0'), API_VERSION_2023);
    assert.equal(apiVersionForSdk('python', undefined), undefined);
  });

  it('passes a plain row', () => {
    assert.deepEqual(checksOf(row('a')), []);
  });

  for (const name of ['temperature', 'top_p', 'top_k']) {
    it(`fails ${name} under 2026-10-21 (even at a default value) and passes it under 2023-06-01`, () => {
      assert.deepEqual(checksOf(row('a', { [name]: name === 'top_k' ? 0 : 1 })), ['removed_parameter']);
      assert.deepEqual(checksOf(row('a', { [name]: 1 }), { apiVersion: API_VERSION_2023 }), []);
    });
  }

  it('fails an unknown model with the nearest id, and a retired one with its successor', () => {
    const unknown = preflightRequests([row('a', { model: 'claude-sonnet-4-6-20250514' })], { today: TODAY });
    assert.deepEqual(unknown.problems.map((p) => p.check), ['unknown_model']);
    assert.match(unknown.problems[0]!.message, /did you mean "claude-sonnet-4-6"/);
    const retired = preflightRequests([row('a', { model: 'claude-sonnet-4-5' })], { today: TODAY });
    assert.deepEqual(retired.problems.map((p) => p.check), ['retired_model']);
    assert.match(retired.problems[0]!.message, /retired on 2026-11-30.*use claude-sonnet-5-5/);
    assert.deepEqual(checksOf(row('a', { model: 'claude-opus-4-5' })), [], 'deprecated is still served');
    assert.deepEqual(preflightRequests([row('a', { model: 'claude-sonnet-4-5' })], { today: '2026-11-29' }).problems, [], 'served before its retirement');
  });

  it('prices a model defined only in the overrides and does not call it unknown', () => {
    const report = preflightRequests([row('a', { model: 'claude-sonnet-9' })], { today: TODAY, modelOverrides: { 'claude-sonnet-9': { inputUsdPerMTok: 1 } } });
    assert.deepEqual(report.problems, []);
  });

  it('fails max_tokens above the model maximum and below 1', () => {
    assert.deepEqual(checksOf(row('a', { max_tokens: 64_001 })), ['max_tokens']);
    assert.deepEqual(checksOf(row('a', { max_tokens: 64_000 })), []);
    assert.deepEqual(checksOf(row('a', { max_tokens: 0 })), ['max_tokens']);
  });

  it('fails a prompt longer than the context window', () => {
    assert.deepEqual(checksOf(row('a', { model: 'claude-haiku-4-5' }), { inputTokens: 200_001 }), ['prompt_too_long']);
    assert.deepEqual(checksOf(row('a', { model: 'claude-haiku-4-5' }), { inputTokens: 200_000 }), []);
  });

  it('fails more than 4 breakpoints, counting the automatic one', () => {
    const four = [cached('1h'), cached('1h'), cached('1h'), cached('1h')];
    assert.deepEqual(checksOf(row('a', { system: four })), []);
    assert.deepEqual(checksOf(row('a', { system: four, cache_control: { type: 'ephemeral' } })), ['breakpoints']);
    assert.deepEqual(checksOf(row('a', { system: [...four, cached('1h')] })), ['breakpoints']);
  });

  it('fails a 1h breakpoint after a 5m one, in tools-system-messages order', () => {
    assert.deepEqual(checksOf(row('a', { system: [cached('5m')], messages: [{ role: 'user', content: [cached('1h')] }] })), ['ttl_order']);
    assert.deepEqual(checksOf(row('a', { tools: [{ name: 't', input_schema: { type: 'object' }, cache_control: { type: 'ephemeral', ttl: '1h' } }], system: [cached('5m')] })), []);
  });

  it('fails a document in an assistant turn and citations in a user text block under 2026-10-21 only', () => {
    const document = row('a', {
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: [{ type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'x' } }] },
        { role: 'user', content: 'go on' },
      ],
    });
    const citations = row('a', { messages: [{ role: 'user', content: [{ type: 'text', text: 'x', citations: [{ type: 'char_location', cited_text: 'x' }] }] }] });
    assert.deepEqual(checksOf(document), ['assistant_document']);
    assert.deepEqual(checksOf(citations), ['user_citations']);
    assert.deepEqual(checksOf(document, { apiVersion: API_VERSION_2023 }), []);
    assert.deepEqual(checksOf(citations, { apiVersion: API_VERSION_2023 }), []);
    const emptyCitations = row('a', { messages: [{ role: 'user', content: [{ type: 'text', text: 'x', citations: [] }] }] });
    assert.deepEqual(checksOf(emptyCitations), []);
  });

  it('fails a custom_id that breaks the pattern or repeats one, naming the first use', () => {
    const report = preflightRequests([row('ok_1'), row('bad id!'), row('ok_1'), row('x'.repeat(65))], { today: TODAY });
    assert.deepEqual(report.problems.map((p) => [p.index, p.check]), [[1, 'custom_id'], [2, 'duplicate_custom_id'], [3, 'custom_id']]);
    assert.match(report.problems[1]!.message, /already used by row 1/);
  });

  it('fails a row over 32 MB', () => {
    const report = preflightRequests([row('a')], { today: TODAY, rowBytes: [33 * 1024 * 1024] });
    assert.deepEqual(report.problems.map((p) => p.check), ['row_size']);
  });

  it('checks the split: no batch over 100,000 requests or 256 MB', () => {
    assert.deepEqual(checkBatchPlan([{ first: 0, count: 2, bodyBytes: 1000 }]), []);
    assert.equal(checkBatchPlan([{ first: 0, count: 100_001, bodyBytes: 10 }]).length, 1);
    assert.match(checkBatchPlan([{ first: 0, count: 1, bodyBytes: 256_000_001 }])[0]!, /at most 256000000/);
  });

  it('counts failing rows, not problems, and says so in one headline', () => {
    const requests = [row('a', { temperature: 0.2, top_p: 0.9 }), row('b'), row('c', { model: 'claude-haiku-4-5' })];
    const report = preflightRequests(requests, { today: TODAY, inputTokens: [10, 10, 250_000] });
    assert.equal(report.failingRows, 2);
    assert.deepEqual(report.failingCustomIds, ['a', 'c']);
    assert.equal(report.problems.length, 3);
    const lines = describePreflight(report);
    assert.equal(lines[0], 'Pre-flight: 2 rows would fail (of 3, anthropic-version 2026-10-21).');
    assert.match(lines[3]!, /^ {2}c: the prompt \(≈250,000 tokens\) is longer than claude-haiku-4-5's 200,000-token context window$/);
    assert.equal(describePreflight(preflightRequests([row('a')], { today: TODAY }))[0], 'Pre-flight: no row would fail (1 checked against anthropic-version 2026-10-21).');
  });
});
