import assert from 'node:assert/strict';
import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
} from '@anthropic-ai/sdk';
import { pathOf, resolveBaseUrl } from '../../../../src/core/api/anthropicBatchApi';
import { BatchApiError, explainApiError, kindForStatus, parseRetryAfterMs, toBatchApiError, type BatchApiErrorKind } from '../../../../src/core/api/errors';

const KEY = 'sk-ant-api03-secret-value';

function apiError(status: number, type: string, message: string, headers: Record<string, string> = {}): APIError {
  const body = { type: 'error', error: { type, message }, request_id: 'req_1' };
  return APIError.generate(status, body, undefined, new Headers({ 'request-id': 'req_1', ...headers }));
}

describe('toBatchApiError', () => {
  const table: Array<[number, string, BatchApiErrorKind]> = [
    [400, 'invalid_request_error', 'invalid_request'],
    [401, 'authentication_error', 'auth'],
    [402, 'billing_error', 'billing'],
    [403, 'permission_error', 'permission'],
    [404, 'not_found_error', 'not_found'],
    [409, 'conflict_error', 'invalid_request'],
    [413, 'request_too_large', 'too_large'],
    [429, 'rate_limit_error', 'rate_limited'],
    [500, 'api_error', 'server'],
    [504, 'timeout_error', 'timeout'],
    [529, 'overloaded_error', 'overloaded'],
  ];
  for (const [status, type, kind] of table) {
    it(`maps HTTP ${status} ${type} to ${kind}, keeping status, type and request id`, () => {
      const mapped = toBatchApiError(apiError(status, type, `about ${type}`));
      assert.equal(mapped.kind, kind);
      assert.equal(mapped.status, status);
      assert.equal(mapped.apiType, type);
      assert.equal(mapped.requestId, 'req_1');
      assert.equal(mapped.message, `about ${type}`);
    });
  }

  it('maps the SDK connection, timeout and abort errors', () => {
    assert.equal(toBatchApiError(new APIConnectionError({ message: 'Connection error.' })).kind, 'connection');
    assert.equal(toBatchApiError(new APIConnectionTimeoutError()).kind, 'timeout');
    assert.equal(toBatchApiError(new APIUserAbortError()).kind, 'aborted');
  });

  it('reads retry-after as seconds, retry-after-ms first, and an HTTP date', () => {
    assert.equal(toBatchApiError(apiError(429, 'rate_limit_error', 'slow down', { 'retry-after': '30' })).retryAfterMs, 30_000);
    assert.equal(parseRetryAfterMs(new Headers({ 'retry-after-ms': '250', 'retry-after': '9' })), 250);
    assert.equal(parseRetryAfterMs(new Headers({ 'retry-after': new Date(61_000).toUTCString() }), 1_000), 60_000);
    assert.equal(parseRetryAfterMs(new Headers()), undefined);
  });

  it('scrubs the key from messages', () => {
    const mapped = toBatchApiError(apiError(400, 'invalid_request_error', `bad ${KEY}`), [KEY]);
    assert.equal(mapped.message, 'bad sk-ant-…[redacted]');
  });

  it('passes a BatchApiError through and unwraps one the SDK wrapped', () => {
    const inner = new BatchApiError({ kind: 'auth', message: 'No Anthropic API key is set.' });
    assert.equal(toBatchApiError(inner), inner);
    assert.equal(toBatchApiError(new Error('The `apiKey` function failed', { cause: inner })), inner);
  });

  it('agrees with the status table for statuses the SDK leaves as plain APIError', () => {
    assert.equal(kindForStatus(418), 'invalid_request');
    assert.equal(kindForStatus(503), 'server');
  });
});

describe('explainApiError', () => {
  const kinds: BatchApiErrorKind[] = ['auth', 'permission', 'not_found', 'invalid_request', 'too_large', 'rate_limited', 'overloaded', 'server', 'billing', 'connection', 'timeout', 'aborted'];
  for (const kind of kinds) {
    it(`explains ${kind} in one sentence without the key`, () => {
      const text = explainApiError(new BatchApiError({ kind, message: `details ${KEY}`.replace(KEY, '***') }));
      assert.ok(text.length > 10);
      assert.ok(!text.includes(KEY));
      assert.equal(text.split(/[.!?]\s/).length, 1, text);
    });
  }

  it('carries the API message for an invalid request', () => {
    assert.match(explainApiError(new BatchApiError({ kind: 'invalid_request', message: 'max_tokens: Field required' })), /max_tokens: Field required/);
  });
});

describe('resolveBaseUrl and pathOf', () => {
  it('prefers the setting, then ANTHROPIC_BASE_URL, then the SDK default', () => {
    assert.equal(resolveBaseUrl('http://127.0.0.1:4010/', { ANTHROPIC_BASE_URL: 'http://proxy' }), 'http://127.0.0.1:4010');
    assert.equal(resolveBaseUrl('  ', { ANTHROPIC_BASE_URL: 'http://proxy/anthropic' }), 'http://proxy/anthropic');
    assert.equal(resolveBaseUrl(undefined, {}), 'https://api.anthropic.com');
  });

  it('keeps only the path of an absolute results_url, and strips a base path prefix it shares', () => {
    assert.equal(pathOf('https://api.anthropic.com/v1/messages/batches/msgbatch_1/results'), '/v1/messages/batches/msgbatch_1/results');
    assert.equal(pathOf('http://proxy/anthropic/v1/x?y=1', 'http://proxy/anthropic'), '/v1/x?y=1');
    assert.equal(pathOf('/v1/x'), '/v1/x');
  });
});
