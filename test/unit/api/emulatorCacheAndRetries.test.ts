import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import type { MessageBatchIndividualResponse } from '@anthropic-ai/sdk/resources/messages/batches';
import type { Usage } from '@anthropic-ai/sdk/resources/messages/messages';
import { findModel } from '../../../src/core/pricing/catalog';
import type { Emulator } from '../../emulator/emulator';
import { MODEL, sdkClient, startEmulator, userRequest } from './emulatorHarness';

/** `bytes` of text: the emulator counts ceil(bytes / 4) tokens. */
const textOf = (bytes: number, seed = 'a') => seed.repeat(bytes);

async function usages(emulator: Emulator, client: Anthropic, id: string): Promise<Map<string, Usage>> {
  emulator.admin.endBatch(id);
  const out = new Map<string, Usage>();
  for await (const row of await client.messages.batches.results(id)) {
    const r: MessageBatchIndividualResponse = row;
    assert.equal(r.result.type, 'succeeded', `${r.custom_id} should succeed`);
    if (r.result.type === 'succeeded') {
      out.set(r.custom_id, r.result.message.usage);
    }
  }
  return out;
}

describe('emulator prompt cache usage', () => {
  let emulator: Emulator;
  let client: Anthropic;
  const minimum = findModel(MODEL)?.minCacheableTokens ?? 0;

  beforeEach(async () => {
    emulator = await startEmulator();
    client = sdkClient(emulator);
  });
  afterEach(async () => {
    await emulator.close();
  });

  const sharedSystem = (tokens: number, ttl?: '5m' | '1h') => [
    { type: 'text' as const, text: textOf(tokens * 4), cache_control: { type: 'ephemeral' as const, ...(ttl ? { ttl } : {}) } },
  ];

  it('writes the shared prefix on the first row and reads it on the next (the tail stays input)', async () => {
    const systemTokens = minimum + 200;
    const created = await client.messages.batches.create({
      requests: [
        userRequest('first', 'abcdefgh', { system: sharedSystem(systemTokens) }),
        userRequest('second', 'ijklmnopqrst', { system: sharedSystem(systemTokens) }),
      ],
    });
    const usage = await usages(emulator, client, created.id);
    const first = usage.get('first');
    const second = usage.get('second');
    assert.equal(first?.cache_creation_input_tokens, systemTokens);
    assert.deepEqual(first?.cache_creation, { ephemeral_5m_input_tokens: systemTokens, ephemeral_1h_input_tokens: 0 });
    assert.equal(first?.cache_read_input_tokens, 0);
    assert.equal(first?.input_tokens, 2 + 3, 'only the tokens after the breakpoint: 8 bytes + the message marker');
    assert.equal(second?.cache_read_input_tokens, systemTokens);
    assert.equal(second?.cache_creation_input_tokens, 0);
    assert.equal(second?.input_tokens, 3 + 3);
  });

  it('never caches a prefix below the model minimum', async () => {
    const created = await client.messages.batches.create({
      requests: [
        userRequest('a', 'abcd', { system: sharedSystem(minimum - 1) }),
        userRequest('b', 'abcd', { system: sharedSystem(minimum - 1) }),
      ],
    });
    for (const usage of (await usages(emulator, client, created.id)).values()) {
      assert.equal(usage.cache_creation_input_tokens, 0);
      assert.equal(usage.cache_read_input_tokens, 0);
      assert.equal(usage.input_tokens, minimum - 1 + 1 + 3);
    }
  });

  it('charges 1h writes to ephemeral_1h and reads them from a later batch after 5 minutes', async () => {
    const tokens = minimum + 10;
    const one = await client.messages.batches.create({ requests: [userRequest('w', 'abcd', { system: sharedSystem(tokens, '1h') })] });
    const written = (await usages(emulator, client, one.id)).get('w');
    assert.deepEqual(written?.cache_creation, { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: tokens });

    emulator.admin.advance(10 * 60_000);
    const two = await client.messages.batches.create({ requests: [userRequest('r', 'efgh', { system: sharedSystem(tokens, '1h') })] });
    assert.equal((await usages(emulator, client, two.id)).get('r')?.cache_read_input_tokens, tokens);
  });

  it('lets a 5m entry lapse: after 6 idle minutes the next batch writes again', async () => {
    const tokens = minimum + 10;
    const one = await client.messages.batches.create({ requests: [userRequest('w', 'abcd', { system: sharedSystem(tokens) })] });
    await usages(emulator, client, one.id);
    emulator.admin.advance(6 * 60_000);
    const two = await client.messages.batches.create({ requests: [userRequest('again', 'abcd', { system: sharedSystem(tokens) })] });
    const again = (await usages(emulator, client, two.id)).get('again');
    assert.equal(again?.cache_read_input_tokens, 0);
    assert.equal(again?.cache_creation_input_tokens, tokens);
  });

  it('keys the cache per model: the same prefix on another model writes again', async () => {
    const tokens = 5000;
    const created = await client.messages.batches.create({
      requests: [
        userRequest('sonnet', 'abcd', { system: sharedSystem(tokens) }),
        userRequest('opus', 'abcd', { system: sharedSystem(tokens), model: 'claude-opus-4-8' }),
      ],
    });
    const usage = await usages(emulator, client, created.id);
    assert.equal(usage.get('opus')?.cache_creation_input_tokens, tokens);
    assert.equal(usage.get('opus')?.cache_read_input_tokens, 0);
  });
});

describe('the SDK retrying against emulator faults', () => {
  let emulator: Emulator;

  beforeEach(async () => {
    emulator = await startEmulator();
  });
  afterEach(async () => {
    await emulator.close();
  });

  const attempts = (path: string) => emulator.admin.requests().filter((r) => r.path === path);

  it('retries 429 after retry-after and then succeeds (3 attempts seen)', async () => {
    emulator.admin.setFaults([{ kind: 'rate_limit', method: 'GET', path: '/v1/messages/batches', times: 2, retryAfterSeconds: 0.02 }]);
    const page = await sdkClient(emulator).messages.batches.list();
    assert.deepEqual(page.data, []);
    const seen = attempts('/v1/messages/batches');
    assert.deepEqual(seen.map((r) => r.status), [429, 429, 200]);
    assert.deepEqual(seen.map((r) => r.retryCount), [0, 1, 2]);
  });

  it('retries 529 overloaded and then succeeds', async () => {
    emulator.admin.setFaults([{ kind: 'overloaded', path: '/v1/models', times: 1 }]);
    const page = await sdkClient(emulator).models.list();
    assert.ok(page.data.length > 0);
    assert.deepEqual(attempts('/v1/models').map((r) => r.status), [529, 200]);
  });

  it('gives up after maxRetries and surfaces the 429', async () => {
    emulator.admin.setFaults([{ kind: 'rate_limit', times: 10, retryAfterSeconds: 0.01 }]);
    await assert.rejects(sdkClient(emulator, { maxRetries: 2 }).messages.batches.list(), Anthropic.RateLimitError);
    assert.equal(attempts('/v1/messages/batches').length, 3);
  });

  it('serves faults set through the admin HTTP endpoint', async () => {
    const set = await fetch(`${emulator.url}/_admin/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ faults: [{ kind: 'status', status: 403, errorType: 'permission_error', times: 1 }] }),
    });
    assert.equal(set.status, 200);
    await assert.rejects(sdkClient(emulator, { maxRetries: 0 }).messages.batches.list(), Anthropic.PermissionDeniedError);
    const state = (await (await fetch(`${emulator.url}/_admin/state`)).json()) as { faults: Array<{ hits: number }> };
    assert.equal(state.faults[0].hits, 1);
    const bad = await fetch(`${emulator.url}/_admin/faults`, { method: 'POST', body: JSON.stringify([{ kind: 'explode' }]) });
    assert.equal(bad.status, 400);
  });
});
