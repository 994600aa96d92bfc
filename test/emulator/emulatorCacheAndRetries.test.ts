import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import type { MessageBatchIndividualResponse } from '@anthropic-ai/sdk/resources/messages/batches';
import type { Usage } from '@anthropic-ai/sdk/resources/messages/messages';
import { findModel } from '../../src/core/pricing/catalog';
import type { Emulator } from './emulator';
import { countTextTokens, flattenPrompt, tokenizerOf } from './prompt';
import { MODEL, sdkClient, startEmulator, userRequest } from '../unit/support/emulatorHarness';

/** The emulator's (estimated) token count of a whole request, as count_tokens reports it. */
const requestTokens = (params: object) => flattenPrompt(params as Record<string, unknown>).totalTokens;

/** The shortest run of prose whose emulated count (the project's estimator) reaches `tokens`. */
function textOfAtLeast(tokens: number): string {
  const unit = 'the quick brown fox jumps over a lazy dog. ';
  let low = 1;
  let high = 1;
  while (countTextTokens(unit.repeat(high), tokenizerOf(MODEL)) < tokens) high *= 2;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    if (countTextTokens(unit.repeat(middle), tokenizerOf(MODEL)) >= tokens) high = middle;
    else low = middle + 1;
  }
  return unit.repeat(low);
}

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

  const sharedSystem = (text: string, ttl?: '5m' | '1h') => [
    { type: 'text' as const, text, cache_control: { type: 'ephemeral' as const, ...(ttl ? { ttl } : {}) } },
  ];

  it('writes the shared prefix on the first row and reads it on the next (the tail stays input)', async () => {
    const system = textOfAtLeast(minimum + 200);
    const systemTokens = countTextTokens(system, tokenizerOf(MODEL));
    const first = userRequest('first', 'abcdefgh', { system: sharedSystem(system) });
    const second = userRequest('second', 'ijklmnopqrst uvwxyz', { system: sharedSystem(system) });
    const created = await client.messages.batches.create({ requests: [first, second] });
    const usage = await usages(emulator, client, created.id);
    const written = usage.get('first');
    const read = usage.get('second');
    assert.equal(written?.cache_creation_input_tokens, systemTokens);
    assert.deepEqual(written?.cache_creation, { ephemeral_5m_input_tokens: systemTokens, ephemeral_1h_input_tokens: 0 });
    assert.equal(written?.cache_read_input_tokens, 0);
    assert.equal(written?.input_tokens, requestTokens(first.params) - systemTokens, 'only the tokens after the breakpoint');
    assert.equal(read?.cache_read_input_tokens, systemTokens);
    assert.equal(read?.cache_creation_input_tokens, 0);
    assert.equal(read?.input_tokens, requestTokens(second.params) - systemTokens);
    assert.ok(read.input_tokens > written.input_tokens, 'the longer tail counts more');
  });

  it('never caches a prefix below the model minimum', async () => {
    const system = textOfAtLeast(minimum - 40);
    assert.ok(countTextTokens(system, tokenizerOf(MODEL)) < minimum);
    const a = userRequest('a', 'abcd', { system: sharedSystem(system) });
    const created = await client.messages.batches.create({ requests: [a, userRequest('b', 'abcd', { system: sharedSystem(system) })] });
    const rows = await usages(emulator, client, created.id);
    assert.equal(rows.size, 2);
    for (const usage of rows.values()) {
      assert.equal(usage.cache_creation_input_tokens, 0);
      assert.equal(usage.cache_read_input_tokens, 0);
      assert.equal(usage.input_tokens, requestTokens(a.params));
    }
  });

  it('charges 1h writes to ephemeral_1h and reads them from a later batch after 5 minutes', async () => {
    const system = textOfAtLeast(minimum + 10);
    const tokens = countTextTokens(system, tokenizerOf(MODEL));
    const one = await client.messages.batches.create({ requests: [userRequest('w', 'abcd', { system: sharedSystem(system, '1h') })] });
    const written = (await usages(emulator, client, one.id)).get('w');
    assert.deepEqual(written?.cache_creation, { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: tokens });

    emulator.admin.advance(10 * 60_000);
    const two = await client.messages.batches.create({ requests: [userRequest('r', 'efgh', { system: sharedSystem(system, '1h') })] });
    assert.equal((await usages(emulator, client, two.id)).get('r')?.cache_read_input_tokens, tokens);
  });

  it('lets a 5m entry lapse: after 6 idle minutes the next batch writes again', async () => {
    const system = textOfAtLeast(minimum + 10);
    const tokens = countTextTokens(system, tokenizerOf(MODEL));
    const one = await client.messages.batches.create({ requests: [userRequest('w', 'abcd', { system: sharedSystem(system) })] });
    await usages(emulator, client, one.id);
    emulator.admin.advance(6 * 60_000);
    const two = await client.messages.batches.create({ requests: [userRequest('again', 'abcd', { system: sharedSystem(system) })] });
    const again = (await usages(emulator, client, two.id)).get('again');
    assert.equal(again?.cache_read_input_tokens, 0);
    assert.equal(again?.cache_creation_input_tokens, tokens);
  });

  it('keys the cache per model: the same prefix on another model writes again', async () => {
    const system = textOfAtLeast(5000);
    const tokens = countTextTokens(system, tokenizerOf('claude-opus-4-8'));
    const created = await client.messages.batches.create({
      requests: [
        userRequest('sonnet', 'abcd', { system: sharedSystem(system) }),
        userRequest('opus', 'abcd', { system: sharedSystem(system), model: 'claude-opus-4-8' }),
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
