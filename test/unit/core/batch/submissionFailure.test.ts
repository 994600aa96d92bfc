import * as assert from 'node:assert/strict';
import { APIConnectionError, APIConnectionTimeoutError, APIError } from '@anthropic-ai/sdk';
import { toBatchApiError } from '../../../../src/core/api/errors';
import { classifyCreateFailure } from '../../../../src/core/jobs/submissionFailure';

/** fetch's failure as undici raises it: a TypeError whose cause carries the socket code. */
function fetchFailure(code: string, message = `connect ${code}`): APIConnectionError {
  const socket = Object.assign(new Error(message), { code });
  return new APIConnectionError({ cause: new TypeError('fetch failed', { cause: socket }) });
}

const anthropicAnswer = (status: number, type: string) =>
  APIError.generate(status, { type: 'error', error: { type, message: 'x' } }, undefined, new Headers({ 'request-id': 'req_1' }));
const foreignAnswer = (status: number) => APIError.generate(status, undefined, '<html>no</html>', new Headers({ 'content-type': 'text/html' }));

describe('classifyCreateFailure: what a failed create proves', () => {
  const cases: Array<[string, unknown, 'notSent' | 'refused' | 'ambiguous', RegExp]> = [
    ['connection refused', fetchFailure('ECONNREFUSED'), 'notSent', /Nothing was sent: the connection was refused/],
    ['unknown host', fetchFailure('ENOTFOUND'), 'notSent', /host name does not resolve/],
    ['DNS server failure', fetchFailure('EAI_AGAIN'), 'notSent', /host name does not resolve/],
    ['a TLS certificate for another host', fetchFailure('ERR_TLS_CERT_ALTNAME_INVALID'), 'notSent', /could not be reached/],
    ['a port fetch refuses to use', new APIConnectionError({ cause: new TypeError('fetch failed', { cause: new Error('bad port') }) }), 'notSent', /could not be reached/],
    ['a non-API server\'s 501', foreignAnswer(501), 'notSent', /HTTP 501 and is not the Anthropic API/],
    ['a non-API server\'s 404 page', foreignAnswer(404), 'notSent', /HTTP 404 and is not the Anthropic API/],
    ['the socket closed after sending', fetchFailure('UND_ERR_SOCKET', 'other side closed'), 'ambiguous', /do not resubmit; Batchlens will find the batch/],
    ['a reset after sending', fetchFailure('ECONNRESET'), 'ambiguous', /do not resubmit/],
    ['a timeout', new APIConnectionTimeoutError(), 'ambiguous', /no answer came in time.*do not resubmit/],
    ['a gateway 504 without a request id', foreignAnswer(504), 'ambiguous', /gateway answered HTTP 504.*do not resubmit/],
    ['Anthropic\'s 500', anthropicAnswer(500, 'api_error'), 'ambiguous', /internal error \(HTTP 500\).*do not resubmit/],
    ['Anthropic\'s 401', anthropicAnswer(401, 'authentication_error'), 'refused', /rejected the API key.*Nothing was created/],
    ['Anthropic\'s 429', anthropicAnswer(429, 'rate_limit_error'), 'refused', /rate-limiting.*Nothing was created/],
    ['Anthropic\'s 529', anthropicAnswer(529, 'overloaded_error'), 'refused', /overloaded.*Nothing was created/],
    ['Anthropic\'s 413', anthropicAnswer(413, 'request_too_large'), 'refused', /larger than the API accepts/],
  ];
  for (const [name, error, expected, message] of cases) {
    it(`${name} → ${expected}`, () => {
      // Classified both raw and after the API layer wrapped it (the SDK error stays the cause).
      for (const candidate of [error, toBatchApiError(error)]) {
        const classified = classifyCreateFailure(candidate);
        assert.equal(classified.class, expected);
        assert.match(classified.message, message);
        // The advice that billed twice: an answer lost after sending must never say "try again".
        if (expected === 'ambiguous') assert.doesNotMatch(classified.message, /try again/i);
      }
    });
  }
});
