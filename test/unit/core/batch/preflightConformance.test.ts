import { strict as assert } from 'node:assert';
import Anthropic from '@anthropic-ai/sdk';
import type { MessageBatchIndividualResponse } from '@anthropic-ai/sdk/resources/messages/batches';
import type { BatchRequest } from '../../../../src/core/api/batchApi';
import { API_VERSION_2023, API_VERSION_2026 } from '../../../../src/core/api/apiVersions';
import { preflightRequests } from '../../../../src/core/batch/preflight';
import { countTextTokens } from '../../../emulator/prompt';
import type { Emulator } from '../../../emulator/emulator';
import { TEST_KEY, manualClock, startEmulator } from '../../support/emulatorHarness';

/*
 * Pre-flight (src/core/batch/preflight.ts) and the emulator (test/emulator/validation.ts) implement
 * the API's row rules independently. This table holds them to the same verdict for each row, under
 * both API versions, inside a batch and as a synchronous POST /v1/messages: if either drifts from
 * the other, a row disagrees here.
 */

const DAY = '2026-12-04';
const cached = (ttl: '5m' | '1h') => ({ type: 'text', text: 'x', cache_control: { type: 'ephemeral', ttl } });
const LONG_TEXT = 'abcd'.repeat(205_000); // 205,000 emulator tokens: over Haiku 4.5's 200k window by any count

const rows: Array<[string, Record<string, unknown>]> = [
  ['plain', {}],
  ['temperature', { temperature: 0.2 }],
  ['top_p', { top_p: 0.9 }],
  ['top_k', { top_k: 40 }],
  ['unknown_model', { model: 'claude-sonnet-4-6-20250514' }],
  ['retired_model', { model: 'claude-sonnet-4-5-20250929' }],
  ['deprecated_model', { model: 'claude-opus-4-5' }],
  ['max_tokens_over', { max_tokens: 64_001 }],
  ['max_tokens_at', { max_tokens: 64_000 }],
  ['prompt_too_long', { model: 'claude-haiku-4-5', messages: [{ role: 'user', content: LONG_TEXT }] }],
  ['five_breakpoints', { system: [cached('1h'), cached('1h'), cached('1h'), cached('1h'), cached('1h')] }],
  ['four_plus_auto', { system: [cached('1h'), cached('1h'), cached('1h'), cached('1h')], cache_control: { type: 'ephemeral' } }],
  ['ttl_order', { system: [cached('5m')], messages: [{ role: 'user', content: [cached('1h')] }] }],
  ['ttl_ok', { system: [cached('1h')], messages: [{ role: 'user', content: [cached('5m')] }] }],
  [
    'assistant_document',
    {
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: [{ type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'x' } }] },
        { role: 'user', content: 'more' },
      ],
    },
  ],
  ['user_citations', { messages: [{ role: 'user', content: [{ type: 'text', text: 'x', citations: [{ type: 'char_location', cited_text: 'x', document_index: 0, start_char_index: 0, end_char_index: 1 }] }] }] }],
];

function request(customId: string, params: Record<string, unknown>): BatchRequest {
  return { custom_id: customId, params: { model: 'claude-sonnet-4-6', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }], ...params } } as unknown as BatchRequest;
}

describe('pre-flight and the emulator agree on a table of rows', () => {
  let emulator: Emulator;

  beforeEach(async () => {
    emulator = await startEmulator({ clock: manualClock(Date.parse(`${DAY}T10:00:00Z`)) });
  });
  afterEach(async () => {
    await emulator.close();
  });

  it('the long row is long by the emulator\'s own count too', () => {
    assert.ok(countTextTokens(LONG_TEXT) > 200_000);
  });

  for (const version of [API_VERSION_2026, API_VERSION_2023]) {
    it(`gives the same verdict for every row under anthropic-version ${version}`, async () => {
      const requests = rows.map(([name, params]) => request(name, params));
      // Pre-flight gets the emulator's token counts for the context check (its own estimate is tested elsewhere).
      const inputTokens = requests.map((r) => countTextTokens(JSON.stringify(r.params.messages)));
      const report = preflightRequests(requests, { apiVersion: version, today: DAY, inputTokens });
      const predicted = new Set(report.failingCustomIds);

      const client = new Anthropic({ baseURL: emulator.url, apiKey: TEST_KEY, maxRetries: 0, defaultHeaders: { 'anthropic-version': version } });
      const batch = await client.messages.batches.create({ requests: requests as never });
      emulator.admin.endBatch(batch.id);
      const results: MessageBatchIndividualResponse[] = [];
      for await (const result of await client.messages.batches.results(batch.id)) results.push(result);
      const errored = new Set(results.filter((result) => result.result.type === 'errored').map((result) => result.custom_id));

      for (const [name] of rows) {
        assert.equal(predicted.has(name), errored.has(name), `${name} under ${version}: pre-flight says ${predicted.has(name) ? 'fail' : 'pass'}, the emulator ${errored.has(name) ? 'errored' : 'succeeded'}`);
      }
      // The table is not vacuous: both verdicts occur, and the version makes a difference.
      assert.ok(errored.size > 0 && errored.size < rows.length);
      assert.equal(errored.has('temperature'), version === API_VERSION_2026);
      assert.ok(emulator.admin.requests().every((r) => r.anthropicVersion === version));
    });
  }

  for (const version of [API_VERSION_2026, API_VERSION_2023]) {
    it(`gives the same verdict for every row sent to POST /v1/messages under anthropic-version ${version}`, async () => {
      const requests = rows.map(([name, params]) => request(name, params));
      const inputTokens = requests.map((r) => countTextTokens(JSON.stringify(r.params.messages)));
      const predicted = new Set(preflightRequests(requests, { apiVersion: version, today: DAY, inputTokens }).failingCustomIds);

      const client = new Anthropic({ baseURL: emulator.url, apiKey: TEST_KEY, maxRetries: 0, defaultHeaders: { 'anthropic-version': version } });
      const refused = new Set<string>();
      for (const { custom_id: name, params } of requests) {
        // A fixed timeout: without one the SDK itself refuses a large max_tokens unless streaming.
        const outcome = await client.messages.create(params as never, { timeout: 60_000 }).then(
          () => 'answered',
          (error: unknown) => error,
        );
        if (outcome !== 'answered') {
          assert.ok(outcome instanceof Anthropic.APIError && (outcome.status === 400 || outcome.status === 404), `${name}: ${String(outcome)}`);
          refused.add(name);
        }
      }
      for (const [name] of rows) {
        assert.equal(predicted.has(name), refused.has(name), `${name} under ${version}: pre-flight says ${predicted.has(name) ? 'fail' : 'pass'}, POST /v1/messages ${refused.has(name) ? 'refused it' : 'answered'}`);
      }
      assert.ok(refused.size > 0 && refused.size < rows.length);
      assert.equal(refused.has('temperature'), version === API_VERSION_2026);
      assert.ok(emulator.admin.requests().every((r) => r.anthropicVersion === version && r.path === '/v1/messages'));
    });
  }

  it('answers count_tokens synchronously with a 400 under 2026-10-21 and counts under 2023-06-01', async () => {
    const body = { model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'hi' }], temperature: 0.2 } as never;
    const strict = new Anthropic({ baseURL: emulator.url, apiKey: TEST_KEY, maxRetries: 0 });
    await assert.rejects(strict.messages.countTokens(body), (error: unknown) => error instanceof Anthropic.BadRequestError && /temperature: Extra inputs are not permitted/.test(error.message));
    assert.equal(emulator.admin.requests().at(-1)?.anthropicVersion, API_VERSION_2026, 'the SDK sends 2026-10-21 by default');
    const legacy = new Anthropic({ baseURL: emulator.url, apiKey: TEST_KEY, maxRetries: 0, defaultHeaders: { 'anthropic-version': API_VERSION_2023 } });
    assert.ok((await legacy.messages.countTokens(body)).input_tokens > 0);
  });
});
