import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import type {
  DeletedMessageBatch,
  MessageBatch,
  MessageBatchIndividualResponse,
} from '@anthropic-ai/sdk/resources/messages/batches';
import type { MessageTokensCount } from '@anthropic-ai/sdk/resources/messages/messages';
import type { ModelInfo } from '@anthropic-ai/sdk/resources/models';
import { BUILTIN_MODELS } from '../../src/core/pricing/catalog';
import { estimateRequestTokens } from '../../src/core/tokens/estimate';
import { tokenizerForModel } from '../../src/core/tokens/tokenizerForModel';
import type { Emulator } from './emulator';
import { DAY_MS, HOUR_MS } from './store';
import { MODEL, START_MS, TEST_KEY, sdkClient, startEmulator, userRequest } from '../unit/support/emulatorHarness';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

async function collect(client: Anthropic, id: string): Promise<MessageBatchIndividualResponse[]> {
  const rows: MessageBatchIndividualResponse[] = [];
  for await (const row of await client.messages.batches.results(id)) {
    rows.push(row);
  }
  return rows;
}

describe('emulator conformance, driven by the official SDK', () => {
  let emulator: Emulator;
  let client: Anthropic;

  beforeEach(async () => {
    emulator = await startEmulator();
    client = sdkClient(emulator);
  });
  afterEach(async () => {
    await emulator.close();
  });

  it('creates a batch that runs in_progress and ends with final request_counts', async () => {
    const created = await client.messages.batches.create({
      requests: [userRequest('a', 'First file'), userRequest('b', 'Second file'), userRequest('c', 'Third file')],
    });
    const shape: MessageBatch = created;
    assert.match(shape.id, /^msgbatch_[0-9A-Za-z]{24}$/);
    assert.equal(created.type, 'message_batch');
    assert.equal(created.processing_status, 'in_progress');
    assert.deepEqual(created.request_counts, { processing: 3, succeeded: 0, errored: 0, canceled: 0, expired: 0 });
    assert.match(created.created_at, RFC3339);
    assert.equal(Date.parse(created.expires_at) - Date.parse(created.created_at), 24 * HOUR_MS);
    assert.equal(created.ended_at, null);
    assert.equal(created.results_url, null);
    assert.equal(created.cancel_initiated_at, null);
    assert.equal(created.archived_at, null);

    emulator.admin.advance(60_000 / 100);
    const midway = await client.messages.batches.retrieve(created.id);
    assert.equal(midway.processing_status, 'in_progress');
    assert.equal(midway.request_counts.processing, 3, 'counts stay at processing until the whole batch ends');

    emulator.admin.advance(HOUR_MS);
    const ended = await client.messages.batches.retrieve(created.id);
    assert.equal(ended.processing_status, 'ended');
    assert.deepEqual(ended.request_counts, { processing: 0, succeeded: 3, errored: 0, canceled: 0, expired: 0 });
    assert.match(ended.ended_at ?? '', RFC3339);
    assert.equal(ended.results_url, `${emulator.url}/v1/messages/batches/${created.id}/results`);
  });

  it('streams one result per request through client.messages.batches.results(), not in request order', async () => {
    const ids = Array.from({ length: 8 }, (_, i) => `row-${i}`);
    const created = await client.messages.batches.create({ requests: ids.map((id) => userRequest(id, `Text number ${id}`)) });
    emulator.admin.endBatch(created.id);
    const rows = await collect(client, created.id);
    assert.deepEqual(rows.map((r) => r.custom_id).sort(), [...ids].sort());
    assert.notDeepEqual(rows.map((r) => r.custom_id), ids, 'the order is not the request order');
    const first = rows[0].result;
    assert.equal(first.type, 'succeeded');
    if (first.type === 'succeeded') {
      assert.equal(first.message.type, 'message');
      assert.equal(first.message.role, 'assistant');
      assert.equal(first.message.model, MODEL);
      assert.equal(first.message.usage.service_tier, 'batch');
      assert.match(first.message.content[0].type === 'text' ? first.message.content[0].text : '', /^Summary \(emulated\): /);
    }
  });

  it('gives the same reply to the same request and a different one to a different request', async () => {
    const created = await client.messages.batches.create({
      requests: [userRequest('x', 'Describe the moon'), userRequest('y', 'Describe the moon'), userRequest('z', 'Describe the sea')],
    });
    emulator.admin.endBatch(created.id);
    const texts = new Map(
      (await collect(client, created.id)).map((row) => [
        row.custom_id,
        row.result.type === 'succeeded' && row.result.message.content[0].type === 'text' ? row.result.message.content[0].text : '',
      ]),
    );
    assert.equal(texts.get('x'), texts.get('y'));
    assert.notEqual(texts.get('x'), texts.get('z'));
    assert.match(texts.get('x') ?? '', /"Describe the moon"/);
  });

  it('lists batches newest first, paging forward with after_id and backward with before_id (limit 2 over 5)', async () => {
    const made: string[] = [];
    for (let i = 0; i < 5; i++) {
      made.push((await client.messages.batches.create({ requests: [userRequest(`r${i}`, `batch ${i}`)] })).id);
      emulator.admin.advance(1000);
    }
    const newestFirst = [...made].reverse();

    const first = await client.messages.batches.list({ limit: 2 });
    assert.deepEqual(first.data.map((b) => b.id), newestFirst.slice(0, 2));
    assert.equal(first.has_more, true);
    assert.equal(first.first_id, newestFirst[0]);
    assert.equal(first.last_id, newestFirst[1]);

    const forward: string[][] = [];
    for await (const page of first.iterPages()) {
      forward.push(page.data.map((b) => b.id));
    }
    assert.deepEqual(forward, [newestFirst.slice(0, 2), newestFirst.slice(2, 4), newestFirst.slice(4)]);

    const all: string[] = [];
    for await (const batch of client.messages.batches.list({ limit: 2 })) {
      all.push(batch.id);
    }
    assert.deepEqual(all, newestFirst);

    const backward: string[][] = [];
    for await (const page of (await client.messages.batches.list({ limit: 2, before_id: newestFirst[4] })).iterPages()) {
      backward.push(page.data.map((b) => b.id));
    }
    assert.deepEqual(backward, [newestFirst.slice(2, 4), newestFirst.slice(0, 2)]);
  });

  it('cancels a running batch: canceling, then ended with unsent rows canceled and finished rows kept', async () => {
    const created = await client.messages.batches.create({
      requests: [userRequest('done', 'one'), userRequest('later-1', 'two'), userRequest('later-2', 'three')],
    });
    // The first of three rows finishes at a third of (5 min + 3 x 2 s) / 100.
    emulator.admin.advance(1100);
    const canceling = await client.messages.batches.cancel(created.id);
    assert.equal(canceling.processing_status, 'canceling');
    assert.match(canceling.cancel_initiated_at ?? '', RFC3339);
    assert.equal(canceling.request_counts.processing, 3);

    emulator.admin.advance(HOUR_MS);
    const ended = await client.messages.batches.retrieve(created.id);
    assert.equal(ended.processing_status, 'ended');
    assert.deepEqual(ended.request_counts, { processing: 0, succeeded: 1, errored: 0, canceled: 2, expired: 0 });
    const byId = new Map((await collect(client, created.id)).map((row) => [row.custom_id, row.result.type]));
    assert.deepEqual(Object.fromEntries(byId), { done: 'succeeded', 'later-1': 'canceled', 'later-2': 'canceled' });
  });

  it('refuses to delete a batch still in progress, then deletes it once ended', async () => {
    const created = await client.messages.batches.create({ requests: [userRequest('a', 'x')] });
    await assert.rejects(client.messages.batches.delete(created.id), (error: unknown) => {
      assert.ok(error instanceof Anthropic.BadRequestError);
      assert.equal(error.type, 'invalid_request_error');
      assert.match(error.apiMessage ?? '', /cancel it first/i);
      return true;
    });
    emulator.admin.endBatch(created.id);
    const deleted = await client.messages.batches.delete(created.id);
    assert.deepEqual({ ...deleted } satisfies DeletedMessageBatch, { id: created.id, type: 'message_batch_deleted' });
    await assert.rejects(client.messages.batches.retrieve(created.id), Anthropic.NotFoundError);
  });

  it('archives results 29 days after creation: the batch stays visible, its results are gone', async () => {
    const created = await client.messages.batches.create({ requests: [userRequest('a', 'x')] });
    emulator.admin.endBatch(created.id);
    emulator.admin.advance(29 * DAY_MS);
    const archived = await client.messages.batches.retrieve(created.id);
    assert.equal(archived.archived_at, new Date(START_MS + 29 * DAY_MS).toISOString());
    await assert.rejects(collect(client, created.id), Anthropic.NotFoundError);
  });

  it('expires rows still unprocessed 24 h after creation', async () => {
    await emulator.close();
    emulator = await startEmulator({ speed: 0.001 });
    client = sdkClient(emulator);
    const created = await client.messages.batches.create({ requests: [userRequest('a', 'x'), userRequest('b', 'y')] });
    emulator.admin.advance(25 * HOUR_MS);
    const ended = await client.messages.batches.retrieve(created.id);
    assert.equal(ended.processing_status, 'ended');
    assert.equal(ended.ended_at, ended.expires_at);
    assert.equal(ended.request_counts.expired, 2);
  });

  it('counts tokens with count_tokens (deterministic, and longer text counts more)', async () => {
    const short: MessageTokensCount = await client.messages.countTokens({ model: MODEL, messages: [{ role: 'user', content: 'abcd' }] });
    const long = await client.messages.countTokens({ model: MODEL, messages: [{ role: 'user', content: 'abcd'.repeat(100) }] });
    // Emulated: the project's estimator counts the whole request, delimiters included.
    const estimate = (content: string) => estimateRequestTokens({ model: MODEL, messages: [{ role: 'user', content }] }, tokenizerForModel(MODEL)).inputTokens;
    assert.equal(short.input_tokens, estimate('abcd'));
    assert.equal(long.input_tokens, estimate('abcd'.repeat(100)));
    assert.ok(long.input_tokens > short.input_tokens);
    const raw = await fetch(`${emulator.url}/v1/messages/count_tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-test', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'abcd' }] }),
    });
    assert.match(raw.headers.get('x-batchlens-emulated') ?? '', /emulated with the Batchlens offline token estimator/);
    await assert.rejects(
      client.messages.countTokens({ model: 'claude-nonexistent-9', messages: [{ role: 'user', content: 'x' }] }),
      Anthropic.NotFoundError,
    );
  });

  it('lists the catalog models with ModelInfo fields, paginated', async () => {
    const page = await client.models.list({ limit: 2 });
    assert.equal(page.data.length, 2);
    assert.equal(page.has_more, true);
    const models: ModelInfo[] = [];
    for await (const model of client.models.list({ limit: 3 })) {
      models.push(model);
    }
    const current = BUILTIN_MODELS.filter((m) => !m.lifecycle.retiresOn || Date.parse(m.lifecycle.retiresOn) > START_MS);
    assert.deepEqual(models.map((m) => m.id), current.map((m) => m.id));
    const sonnet = models.find((m) => m.id === MODEL);
    assert.ok(sonnet);
    assert.equal(sonnet.type, 'model');
    assert.equal(sonnet.lifecycle, 'active');
    assert.equal(sonnet.max_tokens, BUILTIN_MODELS.find((m) => m.id === MODEL)?.maxOutputTokens);
    assert.match(sonnet.created_at, RFC3339);
  });

  it('answers a bad custom_id with HTTP 400 invalid_request_error naming the field', async () => {
    await assert.rejects(client.messages.batches.create({ requests: [userRequest('bad id!', 'x')] }), (error: unknown) => {
      assert.ok(error instanceof Anthropic.BadRequestError);
      assert.equal(error.status, 400);
      assert.equal(error.type, 'invalid_request_error');
      assert.equal(error.apiMessage, "requests.0.custom_id: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'");
      assert.match(error.requestID ?? '', /^req_/);
      assert.deepEqual(Object.keys(error.error as object).sort(), ['error', 'request_id', 'type']);
      return true;
    });
  });

  it('refuses duplicate custom_ids and more requests than the limit', async () => {
    await assert.rejects(
      client.messages.batches.create({ requests: [userRequest('same', 'x'), userRequest('same', 'y')] }),
      /requests\.1\.custom_id: .*'same'/,
    );
    await emulator.close();
    emulator = await startEmulator({ limits: { maxRequestsPerBatch: 2 } });
    client = sdkClient(emulator);
    await assert.rejects(
      client.messages.batches.create({ requests: [userRequest('a', 'x'), userRequest('b', 'y'), userRequest('c', 'z')] }),
      /requests: List should have at most 2 items after validation, not 3/,
    );
  });

  it('answers a body over the size limit with 413 request_too_large', async () => {
    await emulator.close();
    emulator = await startEmulator({ limits: { maxBatchBytes: 2048 } });
    client = sdkClient(emulator);
    await assert.rejects(client.messages.batches.create({ requests: [userRequest('a', 'x'.repeat(4096))] }), (error: unknown) => {
      assert.ok(error instanceof Anthropic.APIError);
      assert.equal(error.status, 413);
      assert.equal(error.type, 'request_too_large');
      return true;
    });
  });

  it('turns invalid params into errored rows, not a failed create', async () => {
    const fiveBreakpoints = Array.from({ length: 5 }, (_, i) => ({ type: 'text' as const, text: `part ${i}`, cache_control: { type: 'ephemeral' as const } }));
    const created = await client.messages.batches.create({
      requests: [
        userRequest('five', 'x', { system: fiveBreakpoints }),
        { custom_id: 'no-max', params: { model: MODEL, messages: [{ role: 'user', content: 'x' }] } as never },
        userRequest('zero-max', 'x', { max_tokens: 0 }),
        userRequest('unknown-model', 'x', { model: 'claude-imaginary-1' }),
        userRequest('stream', 'x', { stream: true }),
        userRequest('ttl-order', 'x', {
          system: [
            { type: 'text', text: 'a', cache_control: { type: 'ephemeral', ttl: '5m' } },
            { type: 'text', text: 'b', cache_control: { type: 'ephemeral', ttl: '1h' } },
          ],
        }),
        userRequest('fine', 'x'),
      ],
    });
    emulator.admin.endBatch(created.id);
    const ended = await client.messages.batches.retrieve(created.id);
    assert.equal(ended.request_counts.errored, 6);
    assert.equal(ended.request_counts.succeeded, 1);
    const errors = new Map(
      (await collect(client, created.id)).map((row) => [
        row.custom_id,
        row.result.type === 'errored' ? `${row.result.error.error.type}: ${row.result.error.error.message}` : row.result.type,
      ]),
    );
    assert.equal(errors.get('five'), 'invalid_request_error: A maximum of 4 blocks with cache_control may be provided. Found 5.');
    assert.equal(errors.get('no-max'), 'invalid_request_error: max_tokens: Field required');
    assert.equal(errors.get('zero-max'), 'invalid_request_error: max_tokens: Input should be greater than or equal to 1');
    assert.equal(errors.get('unknown-model'), 'not_found_error: model: claude-imaginary-1');
    assert.match(errors.get('stream') ?? '', /^invalid_request_error: stream: /);
    assert.equal(errors.get('ttl-order'), "invalid_request_error: A `ttl='1h'` cache_control block must not come after a `ttl='5m'` cache_control block");
    assert.equal(errors.get('fine'), 'succeeded');
  });

  it('rejects a missing or revoked key with 401 authentication_error', async () => {
    await assert.rejects(sdkClient(emulator, { apiKey: 'sk-ant-revoked-abc' }).messages.batches.list(), Anthropic.AuthenticationError);
    await assert.rejects(sdkClient(emulator, { apiKey: 'not-a-key' }).messages.batches.list(), Anthropic.AuthenticationError);
    const response = await fetch(`${emulator.url}/v1/messages/batches`, { headers: { 'anthropic-version': '2023-06-01' } });
    assert.equal(response.status, 401);
    assert.match(response.headers.get('request-id') ?? '', /^req_/);
    assert.deepEqual(await response.json().then((b: { error: unknown }) => b.error), { type: 'authentication_error', message: 'x-api-key header is required' });
    const viaHeader = await fetch(`${emulator.url}/v1/messages/batches`, { headers: { 'anthropic-version': '2023-06-01', 'x-api-key': TEST_KEY } });
    assert.equal(viaHeader.status, 200, 'x-api-key works as well as the SDK\'s Bearer header');
  });

  it('accepts only the pinned key when one is configured', async () => {
    await emulator.close();
    emulator = await startEmulator({ apiKeys: ['sk-ant-only-this'] });
    await assert.rejects(sdkClient(emulator).messages.batches.list(), Anthropic.AuthenticationError);
    const page = await sdkClient(emulator, { apiKey: 'sk-ant-only-this' }).messages.batches.list();
    assert.deepEqual(page.data, []);
  });

  it('requires the anthropic-version header', async () => {
    const response = await fetch(`${emulator.url}/v1/messages/batches`, { headers: { 'x-api-key': TEST_KEY } });
    assert.equal(response.status, 400);
    assert.match(JSON.stringify(await response.json()), /anthropic-version: header is required/);
  });
});
