import assert from 'node:assert/strict';
import { APIError } from '@anthropic-ai/sdk';
import { createBatchApi } from '../../../../src/core/api/anthropicBatchApi';
import { STORAGE_NOT_READY_WAIT_MS, explainApiError, toBatchApiError } from '../../../../src/core/api/errors';
import { failureFacts } from '../../../../src/core/tracking/apiErrors';
import type { Logger } from '../../../../src/core/util/logger';
import type { Emulator } from '../../../emulator/emulator';
import { TEST_KEY, failure, startEmulator, userRequest } from '../../support/emulatorHarness';

function coded(status: number, type: string, errorCode: string, headers: Record<string, string> = {}): APIError {
  const body = { type: 'error', error: { type, message: `about ${errorCode}`, details: { error_code: errorCode } }, request_id: 'req_9' };
  return APIError.generate(status, body, undefined, new Headers({ 'request-id': 'req_9', ...headers }));
}

describe('API errors by error_code', () => {
  for (const code of ['enforced_spend_limit_reached', 'contract_spend_limit_reached']) {
    it(`treats a 429 ${code} as final (billing, not transient, no retry-after) and says what to do`, () => {
      const error = toBatchApiError(coded(429, 'rate_limit_error', code, { 'retry-after': '5' }));
      assert.equal(error.kind, 'billing');
      assert.equal(error.errorCode, code);
      assert.equal(error.isTransient, false);
      assert.equal(error.retryAfterMs, undefined);
      const text = explainApiError(error);
      assert.match(text, /spend limit/);
      assert.match(text, new RegExp(`\\(error_code ${code}, request_id req_9\\)\\.$`));
    });
  }

  it('keeps ramp_limit_exceeded a rate limit that honours retry-after', () => {
    const error = toBatchApiError(coded(429, 'rate_limit_error', 'ramp_limit_exceeded', { 'retry-after': '42' }));
    assert.equal(error.kind, 'rate_limited');
    assert.equal(error.isTransient, true);
    assert.equal(error.retryAfterMs, 42_000);
    assert.match(explainApiError(error), /ramp limit\): try again in 42 seconds/);
  });

  it('waits a minute on storage_not_ready (503) without a retry-after, and the header when given', () => {
    const bare = toBatchApiError(coded(503, 'api_error', 'storage_not_ready'));
    assert.deepEqual([bare.kind, bare.isTransient, bare.retryAfterMs], ['server', true, STORAGE_NOT_READY_WAIT_MS]);
    assert.equal(toBatchApiError(coded(503, 'api_error', 'storage_not_ready', { 'retry-after': '7' })).retryAfterMs, 7_000);
    assert.match(explainApiError(bare), /storage is not ready yet: try again in 60 seconds/);
  });

  it('reports 402 linked_organization_spend_limit_reached and 400 workspace_human_review_disabled with their own words', () => {
    const linked = toBatchApiError(coded(402, 'billing_error', 'linked_organization_spend_limit_reached'));
    assert.equal(linked.kind, 'billing');
    assert.match(explainApiError(linked), /linked organization has reached its spend limit/);
    const review = toBatchApiError(coded(400, 'invalid_request_error', 'workspace_human_review_disabled'));
    assert.equal(review.kind, 'invalid_request');
    assert.match(explainApiError(review), /human review is disabled/);
  });

  it('puts error_code and request_id into the facts the tracker logs and stores', () => {
    const facts = failureFacts(toBatchApiError(coded(429, 'rate_limit_error', 'enforced_spend_limit_reached')));
    assert.equal(facts.errorCode, 'enforced_spend_limit_reached');
    assert.equal(facts.requestId, 'req_9');
    assert.equal(facts.message, 'about enforced_spend_limit_reached (error_code enforced_spend_limit_reached, request_id req_9)');
    assert.equal(failureFacts(new Error('plain')).message, 'plain');
  });
});

describe('API errors by error_code, against the emulator', () => {
  let emulator: Emulator;
  const lines: string[] = [];
  const logger: Logger = { trace: () => undefined, debug: (m) => lines.push(String(m)), info: () => undefined, warn: () => undefined, error: () => undefined };

  beforeEach(async () => {
    emulator = await startEmulator();
    lines.length = 0;
  });
  afterEach(async () => {
    await emulator.close();
  });

  it('stops at the first spend-limit 429: the SDK does not retry it, even with retries allowed', async () => {
    emulator.admin.setFaults([{ kind: 'status', status: 429, errorType: 'rate_limit_error', errorCode: 'enforced_spend_limit_reached', message: 'spend limit reached' }]);
    const api = createBatchApi({ apiKey: TEST_KEY, baseUrl: emulator.url, maxRetries: 2, logger });
    const error = await failure(api.listPage());
    assert.equal(error.kind, 'billing');
    assert.equal(error.errorCode, 'enforced_spend_limit_reached');
    assert.match(error.requestId ?? '', /^req_/);
    assert.equal(emulator.admin.requests().length, 1, 'one request, no retry storm');
    assert.ok(lines.some((line) => line.includes('error_code enforced_spend_limit_reached, request_id req_')), lines.join('\n'));
  });

  it('still lets the SDK retry an ordinary 429 (and a ramp limit), honouring retry-after', async () => {
    emulator.admin.setFaults([{ kind: 'status', status: 429, errorType: 'rate_limit_error', errorCode: 'ramp_limit_exceeded', retryAfterSeconds: 0, times: 1 }]);
    const api = createBatchApi({ apiKey: TEST_KEY, baseUrl: emulator.url, maxRetries: 2, logger });
    assert.deepEqual((await api.listPage()).batches, []);
    assert.equal(emulator.admin.requests().length, 2, 'retried once, then succeeded');
  });

  it('never repeats create when the connection drops (SDK 1.17 resends after dropped connections unless maxRetries is 0)', async () => {
    emulator.admin.setFaults([{ kind: 'reset', method: 'POST', path: '/v1/messages/batches', times: 1 }]);
    const api = createBatchApi({ apiKey: TEST_KEY, baseUrl: emulator.url, maxRetries: 2, logger });
    const error = await failure(api.create([userRequest('a', 'x')]));
    assert.equal(error.kind, 'connection');
    assert.equal(emulator.admin.requests().filter((request) => request.method === 'POST').length, 1, 'one create attempt');
  });
});
