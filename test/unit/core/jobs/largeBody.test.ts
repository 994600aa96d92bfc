import * as assert from 'node:assert/strict';
import { STREAM_BODY_ABOVE_BYTES, createBatchApi } from '../../../../src/core/api/anthropicBatchApi';
import { emulatorForSuite } from '../../support/emulatorHarness';

describe('a create body above the streaming threshold', function () {
  this.timeout(30_000);
  const emulator = emulatorForSuite();

  it('is sent as a stream with its length, and the API receives every request of it', async () => {
    const content = 'word '.repeat(Math.ceil(STREAM_BODY_ABOVE_BYTES / 3 / 5) + 1_000);
    const requests = ['a', 'b', 'c'].map((id) => ({ custom_id: id, params: { model: 'claude-sonnet-4-6', max_tokens: 10, messages: [{ role: 'user', content }] } }));
    const body = Buffer.from(JSON.stringify({ requests }));
    assert.ok(body.byteLength > STREAM_BODY_ABOVE_BYTES, 'the body takes the streamed path');
    const api = createBatchApi({ apiKey: 'sk-ant-test-large-body', baseUrl: emulator().url });
    const batch = await api.createFromJson!(body);
    assert.equal(batch.request_counts.processing, 3);
    const post = emulator().admin.requests().filter((request) => request.method === 'POST' && request.path === '/v1/messages/batches');
    assert.equal(post.length, 1);
    assert.equal(post[0]!.status, 200);
  });
});
