import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import type { MessageBatchIndividualResponse } from '@anthropic-ai/sdk/resources/messages/batches';
import { createBatchApi, type CreateBatchApiOptions } from '../../../../src/core/api/anthropicBatchApi';
import type { BatchApi } from '../../../../src/core/api/batchApi';
import { explainApiError, type BatchApiErrorKind } from '../../../../src/core/api/errors';
import { estimateRequestTokens } from '../../../../src/core/tokens/estimate';
import { tokenizerForModel } from '../../../../src/core/tokens/tokenizerForModel';
import type { Logger } from '../../../../src/core/util/logger';
import type { Emulator } from '../../../emulator/emulator';
import type { FaultRule } from '../../../emulator/faults';
import { TEST_KEY, failure, sdkClient, startEmulator, userRequest } from '../../support/emulatorHarness';

function recordingLogger(lines: string[]): Logger {
  const record = (message: string | Error, ...rest: unknown[]) => lines.push([String(message), ...rest.map((r) => JSON.stringify(r) ?? String(r))].join(' '));
  return { trace: record, debug: record, info: record, warn: record, error: record };
}

async function drain(rows: AsyncIterable<MessageBatchIndividualResponse>, into: string[]): Promise<void> {
  for await (const row of rows) {
    into.push(row.custom_id);
  }
}

describe('BatchApi over the SDK, against the emulator', () => {
  let emulator: Emulator;
  let logLines: string[];
  const api = (options: Partial<CreateBatchApiOptions> = {}): BatchApi =>
    createBatchApi({ apiKey: TEST_KEY, baseUrl: emulator.url, logger: recordingLogger(logLines), ...options });

  beforeEach(async () => {
    emulator = await startEmulator();
    logLines = [];
  });
  afterEach(async () => {
    await emulator.close();
    assert.ok(!logLines.some((line) => line.includes(TEST_KEY)), 'the key never reaches the log');
  });

  it('creates, retrieves, lists, cancels, deletes, counts tokens and lists models', async () => {
    const client = api();
    const created = await client.create([userRequest('a', 'one'), userRequest('b', 'two')]);
    assert.equal((await client.retrieve(created.id)).processing_status, 'in_progress');
    const second = await client.create([userRequest('c', 'three')]);
    const page = await client.listPage({ limit: 1 });
    assert.deepEqual(page, { batches: [await client.retrieve(second.id)], hasMore: true, lastId: second.id });
    const older = await client.listPage({ limit: 1, afterId: page.lastId ?? undefined });
    assert.deepEqual(older.batches.map((b) => b.id), [created.id]);
    const all: string[] = [];
    for await (const batch of client.listAll()) {
      all.push(batch.id);
    }
    assert.deepEqual(all, [second.id, created.id]);
    assert.equal((await client.cancel(second.id)).processing_status, 'canceling');
    emulator.admin.endBatch(second.id);
    await client.delete(second.id);
    assert.equal((await failure(client.retrieve(second.id))).kind, 'not_found');
    const counted = { model: 'claude-sonnet-4-6', messages: [{ role: 'user' as const, content: 'abcdefgh' }] };
    assert.equal(await client.countTokens(counted), estimateRequestTokens(counted, tokenizerForModel(counted.model)).inputTokens);
    assert.ok((await client.listModels()).some((m) => m.id === 'claude-sonnet-4-6'));
  });

  it('streams results row by row', async () => {
    const client = api();
    const created = await client.create(['a', 'b', 'c'].map((id) => userRequest(id, id)));
    emulator.admin.endBatch(created.id);
    const ids: string[] = [];
    await drain(client.results(created.id), ids);
    assert.deepEqual(ids.sort(), ['a', 'b', 'c']);
  });

  it('refuses to stream results before the batch has ended', async () => {
    const client = api();
    const created = await client.create([userRequest('a', 'x')]);
    const error = await failure(drain(client.results(created.id), []));
    assert.equal(error.kind, 'invalid_request');
  });

  const faultCases: Array<{ name: string; faults: FaultRule[]; kind: BatchApiErrorKind; status?: number; apiType?: string }> = [
    { name: '429 with retry-after', faults: [{ kind: 'rate_limit', retryAfterSeconds: 7 }], kind: 'rate_limited', status: 429, apiType: 'rate_limit_error' },
    { name: '500', faults: [{ kind: 'server_error' }], kind: 'server', status: 500, apiType: 'api_error' },
    { name: '529', faults: [{ kind: 'overloaded' }], kind: 'overloaded', status: 529, apiType: 'overloaded_error' },
    { name: '402', faults: [{ kind: 'status', status: 402 }], kind: 'billing', status: 402, apiType: 'billing_error' },
    { name: '403', faults: [{ kind: 'status', status: 403 }], kind: 'permission', status: 403, apiType: 'permission_error' },
    { name: 'connection reset', faults: [{ kind: 'reset' }], kind: 'connection' },
  ];
  for (const testCase of faultCases) {
    it(`maps ${testCase.name} to ${testCase.kind}`, async () => {
      emulator.admin.setFaults(testCase.faults);
      const error = await failure(api({ maxRetries: 0 }).retrieve('msgbatch_whatever'));
      assert.equal(error.kind, testCase.kind);
      assert.equal(error.status, testCase.status);
      assert.equal(error.apiType, testCase.apiType);
      if (testCase.status) {
        assert.match(error.requestId ?? '', /^req_/);
      }
      if (testCase.kind === 'rate_limited') {
        assert.equal(error.retryAfterMs, 7000);
        assert.match(explainApiError(error), /7 seconds/);
      }
    });
  }

  it('maps 401, 404, 400 (with the API message) and 413', async () => {
    assert.equal((await failure(api({ apiKey: 'sk-ant-revoked-1' }).listPage())).kind, 'auth');
    assert.equal((await failure(api().retrieve('msgbatch_missing'))).kind, 'not_found');
    const invalid = await failure(api().create([userRequest('bad id!', 'x')]));
    assert.equal(invalid.kind, 'invalid_request');
    assert.equal(invalid.message, "requests.0.custom_id: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'");
    assert.match(explainApiError(invalid), /String should match pattern/);

    await emulator.close();
    emulator = await startEmulator({ limits: { maxBatchBytes: 1000 } });
    const tooLarge = await failure(api().create([userRequest('a', 'x'.repeat(2000))]));
    assert.equal(tooLarge.kind, 'too_large');
    assert.equal(tooLarge.status, 413);
  });

  it('maps a timeout and a caller abort', async () => {
    emulator.admin.setFaults([{ kind: 'latency', latencyMs: 2000 }]);
    assert.equal((await failure(api({ maxRetries: 0, timeoutMs: 100 }).listPage())).kind, 'timeout');
    const controller = new AbortController();
    const pending = api().listPage({ signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    assert.equal((await failure(pending)).kind, 'aborted');
  });

  it('reports a missing key as auth without calling the API', async () => {
    const error = await failure(createBatchApi({ getApiKey: async () => undefined, baseUrl: emulator.url }).listPage());
    assert.equal(error.kind, 'auth');
    assert.match(error.message, /No Anthropic API key/);
    assert.equal(emulator.admin.requests().length, 0);
  });

  it('does not retry create (no idempotency key) but retries reads', async () => {
    emulator.admin.setFaults([{ kind: 'server_error', times: 1 }]);
    const client = api({ maxRetries: 2 });
    assert.equal((await failure(client.create([userRequest('a', 'x')]))).kind, 'server');
    assert.equal(emulator.admin.requests().filter((r) => r.method === 'POST').length, 1, 'one attempt only');
    const listed = await sdkClient(emulator).messages.batches.list();
    assert.deepEqual(listed.data, [], 'the failed create made no batch');

    emulator.admin.setFaults([{ kind: 'server_error', times: 1 }]);
    emulator.admin.clearRequests();
    assert.deepEqual((await client.listPage()).batches, []);
    assert.equal(emulator.admin.requests().length, 2, 'the read was retried once');
  });

  it('never puts the key in an error message or its explanation', async () => {
    emulator.admin.setFaults([{ kind: 'status', status: 400, message: `the key ${TEST_KEY} is malformed` }]);
    const error = await failure(api({ maxRetries: 0 }).listPage());
    assert.equal(error.kind, 'invalid_request');
    assert.ok(!error.message.includes(TEST_KEY), error.message);
    assert.match(error.message, /the key sk-ant-…\[redacted\] is malformed/);
    assert.ok(!explainApiError(error).includes(TEST_KEY));

    const viaGetter = await failure(
      createBatchApi({ getApiKey: async () => TEST_KEY, baseUrl: emulator.url, maxRetries: 0 }).listPage(),
    );
    assert.ok(!viaGetter.message.includes(TEST_KEY));
  });

  describe('results cut mid-stream', () => {
    const ids = Array.from({ length: 7 }, (_, i) => `row-${i}`);

    for (const mode of ['reset', 'end'] as const) {
      it(`reports a cut (${mode}) with a cursor and resumes with exactly the remaining rows`, async () => {
        const client = api();
        const created = await client.create(ids.map((id) => userRequest(id, id)));
        emulator.admin.endBatch(created.id);
        emulator.admin.setFaults([{ kind: 'cut_results', afterLines: 3, mode, times: 1 }]);

        const firstPass: string[] = [];
        const error = await failure(drain(client.results(created.id), firstPass));
        assert.equal(error.kind, 'connection');
        assert.deepEqual(error.cursor, { linesDelivered: 3 });
        assert.equal(firstPass.length, 3);
        assert.match(explainApiError(error), /cut after 3 result lines/);

        const secondPass: string[] = [];
        await drain(client.results(created.id, { resumeFrom: error.cursor }), secondPass);
        assert.equal(secondPass.length, 4);
        const union = [...firstPass, ...secondPass];
        assert.equal(new Set(union).size, union.length, 'no row twice');
        assert.deepEqual([...union].sort(), [...ids].sort(), 'no row missing');
      });
    }
  });

  it('downloads results from the configured base URL even when results_url names another host', async () => {
    await emulator.close();
    emulator = await startEmulator({ resultsBaseUrl: 'http://127.0.0.1:1' });
    const client = api();
    const created = await client.create([userRequest('a', 'x'), userRequest('b', 'y')]);
    emulator.admin.endBatch(created.id);
    assert.equal((await client.retrieve(created.id)).results_url, `http://127.0.0.1:1/v1/messages/batches/${created.id}/results`);

    // The bare SDK follows results_url to the other host and fails...
    await assert.rejects(
      (async () => drain(await sdkClient(emulator, { maxRetries: 0 }).messages.batches.results(created.id), []))(),
      Anthropic.APIConnectionError,
    );
    // ...while the BatchApi stays on the configured base URL.
    const ids: string[] = [];
    await drain(client.results(created.id), ids);
    assert.deepEqual(ids.sort(), ['a', 'b']);
  });
});
