import * as assert from 'node:assert/strict';
import { RequestTooLargeError, positionsOf, splitIntoBatches } from '../../../../src/core/jobs/splitBatches';

const FRAMING = Buffer.byteLength('{"requests":[]}');

describe('splitIntoBatches', () => {
  it('keeps everything in one batch under the limits', () => {
    const plan = splitIntoBatches([10, 20, 30], { maxRequests: 100, maxBytes: 1000 });
    assert.deepEqual(plan.map(positionsOf), [[0, 1, 2]]);
    assert.equal(plan[0].bodyBytes, FRAMING + 60 + 2);
  });

  it('splits by the per-batch request maximum', () => {
    const plan = splitIntoBatches([1, 1, 1, 1, 1], { maxRequests: 2, maxBytes: 1000 });
    assert.deepEqual(plan.map(positionsOf), [[0, 1], [2, 3], [4]]);
  });

  it('never puts more than the API limit of 100,000 requests in one batch', () => {
    const plan = splitIntoBatches(new Array<number>(250_001).fill(10), { maxRequests: 1_000_000, maxBytes: 1e12 });
    assert.deepEqual(plan.map((batch) => batch.count), [100_000, 100_000, 50_001]);
  });

  it('splits by serialized size, counting framing and commas', () => {
    // Each body: framing + sizes + commas. 40 + 40 + 1 + framing fits 100; a third does not.
    const plan = splitIntoBatches([40, 40, 40, 40], { maxRequests: 100, maxBytes: FRAMING + 81 });
    assert.deepEqual(plan.map(positionsOf), [[0, 1], [2, 3]]);
    assert.ok(plan.every((batch) => batch.bodyBytes <= FRAMING + 81));
    assert.equal(plan[0].bodyBytes, FRAMING + 81);
  });

  it('matches the real serialized size of the body it plans', () => {
    const requests = Array.from({ length: 7 }, (_, index) => ({ custom_id: `r${index}`, params: { text: 'é'.repeat(index * 3) } }));
    const plan = splitIntoBatches(requests.map((r) => Buffer.byteLength(JSON.stringify(r))), { maxRequests: 3, maxBytes: 1e6 });
    assert.equal(plan.length, 3);
    for (const batch of plan) {
      const body = JSON.stringify({ requests: positionsOf(batch).map((index) => requests[index]) });
      assert.equal(batch.bodyBytes, Buffer.byteLength(body));
    }
  });

  it('refuses a single request larger than the byte budget', () => {
    assert.throws(() => splitIntoBatches([10, 500], { maxRequests: 10, maxBytes: 200 }), RequestTooLargeError);
  });

  it('plans nothing for no requests', () => {
    assert.deepEqual(splitIntoBatches([], { maxRequests: 10, maxBytes: 100 }), []);
  });
});
