import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import type { MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages/messages';
import { API_VERSION_2023, API_VERSION_2026 } from '../../src/core/api/apiVersions';
import { findModel } from '../../src/core/pricing/catalog';
import type { Emulator } from './emulator';
import { MODEL, TEST_KEY, manualClock, sdkClient, startEmulator } from '../unit/support/emulatorHarness';

/*
 * The synchronous `POST /v1/messages`, driven through the official SDK: validated like a batch row
 * under the `anthropic-version` the client sends, answered with usage from the same prompt cache
 * and reply builder as the batch results.
 */

// A fixed timeout keeps the SDK from refusing large max_tokens without streaming (a client-side rule).
const OPTIONS = { timeout: 60_000 };
const body = (extra: Record<string, unknown> = {}) =>
  ({ model: MODEL, max_tokens: 200, messages: [{ role: 'user', content: 'Summarise the attached notes' }], ...extra }) as MessageCreateParamsNonStreaming;
const legacyClient = (emulator: Emulator) =>
  new Anthropic({ baseURL: emulator.url, apiKey: TEST_KEY, maxRetries: 0, defaultHeaders: { 'anthropic-version': API_VERSION_2023 } });

const removedUnder2026: Array<[string, Record<string, unknown>, RegExp]> = [
  ['temperature', { temperature: 0.2 }, /^400 .*temperature: Extra inputs are not permitted/],
  ['top_p', { top_p: 0.9 }, /top_p: Extra inputs are not permitted/],
  ['top_k', { top_k: 40 }, /top_k: Extra inputs are not permitted/],
  [
    'a document block in an assistant turn',
    {
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: [{ type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'x' } }] },
        { role: 'user', content: 'more' },
      ],
    },
    /messages\.1\.content\.0: document blocks are not permitted in assistant messages/,
  ],
  [
    'citations in a user text block',
    { messages: [{ role: 'user', content: [{ type: 'text', text: 'x', citations: [{ type: 'char_location', cited_text: 'x', document_index: 0, start_char_index: 0, end_char_index: 1 }] }] }] },
    /messages\.0\.content\.0\.citations: Extra inputs are not permitted/,
  ],
];

describe('emulator POST /v1/messages', () => {
  let emulator: Emulator;

  beforeEach(async () => {
    // After Sonnet 4.5's retirement (2026-11-30).
    emulator = await startEmulator({ clock: manualClock(Date.parse('2026-12-04T10:00:00Z')) });
  });
  afterEach(async () => {
    await emulator.close();
  });

  for (const [name, extra, wording] of removedUnder2026) {
    it(`refuses ${name} with a synchronous 400 under 2026-10-21 and accepts it under 2023-06-01`, async () => {
      const strict = sdkClient(emulator, { maxRetries: 0 });
      await assert.rejects(strict.messages.create(body(extra), OPTIONS), (error: unknown) => {
        assert.ok(error instanceof Anthropic.BadRequestError, String(error));
        assert.equal((error.error as { error?: { type?: string } }).error?.type, 'invalid_request_error');
        assert.match(error.message, wording);
        return true;
      });
      assert.equal(emulator.admin.requests().at(-1)?.anthropicVersion, API_VERSION_2026, 'the SDK sends 2026-10-21 by default');

      const message = await legacyClient(emulator).messages.create(body(extra), OPTIONS);
      assert.equal(message.type, 'message');
      assert.ok(message.usage.input_tokens > 0);
      assert.equal(emulator.admin.requests().at(-1)?.anthropicVersion, API_VERSION_2023);
    });
  }

  for (const [kind, model] of [
    ['an unknown', 'claude-sonnet-4-6-20250514'],
    ['a retired', 'claude-sonnet-4-5-20250929'],
  ]) {
    it(`answers ${kind} model with the same error a batch row gets`, async () => {
      const client = sdkClient(emulator, { maxRetries: 0 });
      const syncError = await client.messages.create(body({ model }), OPTIONS).then(
        () => assert.fail('the call should fail'),
        (error: unknown) => error,
      );
      assert.ok(syncError instanceof Anthropic.NotFoundError, String(syncError));

      const batch = await client.messages.batches.create({ requests: [{ custom_id: 'row', params: body({ model }) }] });
      emulator.admin.endBatch(batch.id);
      const rows = [];
      for await (const row of await client.messages.batches.results(batch.id)) rows.push(row);
      assert.equal(rows[0]?.result.type, 'errored');
      const rowError = (rows[0]?.result as { error: { error: { type: string; message: string } } }).error.error;
      const sent = (syncError.error as { error: { type: string; message: string } }).error;
      assert.deepEqual({ type: sent.type, message: sent.message }, rowError);
      assert.equal(rowError.message, `model: ${model}`);
    });
  }

  it('answers a Message whose usage and text match what a batch row with the same params gets', async () => {
    const minimum = findModel(MODEL)?.minCacheableTokens ?? 0;
    assert.ok(minimum > 0);
    const params = body({ system: [{ type: 'text', text: 'a'.repeat((minimum + 200) * 4), cache_control: { type: 'ephemeral' } }] });
    const client = sdkClient(emulator, { maxRetries: 0 });

    const first = await client.messages.create(params, OPTIONS);
    const second = await client.messages.create(params, OPTIONS);
    assert.equal(first.role, 'assistant');
    assert.equal(first.usage.service_tier, 'standard');
    const written = first.usage.cache_creation_input_tokens ?? 0;
    assert.ok(written >= minimum + 200, 'the first call writes the prefix');
    assert.equal(first.usage.cache_read_input_tokens, 0);
    assert.equal(second.usage.cache_read_input_tokens, written, 'the second call reads it');
    assert.notEqual(first.id, second.id);
    const counted = await client.messages.countTokens({ model: MODEL, system: params.system, messages: params.messages });
    assert.equal(first.usage.input_tokens + written, counted.input_tokens);

    // A fresh emulator, same params in a batch: the row's first (writing) reply has the same usage and text.
    const other = await startEmulator({ clock: manualClock(Date.parse('2026-12-04T10:00:00Z')) });
    try {
      const batchClient = sdkClient(other, { maxRetries: 0 });
      const batch = await batchClient.messages.batches.create({ requests: [{ custom_id: 'row', params }] });
      other.admin.endBatch(batch.id);
      let rows = 0;
      for await (const row of await batchClient.messages.batches.results(batch.id)) {
        rows++;
        assert.equal(row.result.type, 'succeeded');
        if (row.result.type === 'succeeded') {
          assert.deepEqual({ ...row.result.message.usage, service_tier: 'standard' }, first.usage);
          assert.deepEqual(row.result.message.content, first.content);
        }
      }
      assert.equal(rows, 1);
    } finally {
      await other.close();
    }
  });

  it('cuts the reply at max_tokens with stop_reason max_tokens', async () => {
    const message = await sdkClient(emulator, { maxRetries: 0 }).messages.create(body({ max_tokens: 3 }), OPTIONS);
    assert.equal(message.stop_reason, 'max_tokens');
    assert.equal(message.usage.output_tokens, 3);
  });

  it('refuses a missing max_tokens and a max_tokens above the model maximum like a batch row', async () => {
    const client = sdkClient(emulator, { maxRetries: 0 });
    const limit = findModel(MODEL)?.maxOutputTokens ?? 0;
    await assert.rejects(client.messages.create(body({ max_tokens: limit + 1 }), OPTIONS), new RegExp(`max_tokens: ${limit + 1} > ${limit}`));
    const { max_tokens: _dropped, ...withoutMax } = body();
    await assert.rejects(client.messages.create(withoutMax as MessageCreateParamsNonStreaming, OPTIONS), /max_tokens: Field required/);
  });
});
