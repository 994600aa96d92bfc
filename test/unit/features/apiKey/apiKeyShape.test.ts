import { strict as assert } from 'node:assert';
import { explainApiError, BatchApiError } from '../../../../src/core/api/errors';
import { apiKeyShapeProblem, isKeyProblem } from '../../../../src/features/apiKey/apiKeyShape';

const REAL_SHAPE = 'sk-ant-api03-' + 'x'.repeat(93) + 'AA';

describe('apiKey/apiKeyShape', () => {
  it('accepts a key shaped like a real one, with stray spaces around it', () => {
    assert.equal(apiKeyShapeProblem(REAL_SHAPE), undefined);
    assert.equal(apiKeyShapeProblem(`  ${REAL_SHAPE}\n`), undefined);
  });

  const rejected: Array<[string, string, RegExp]> = [
    ['an empty value', '   ', /Enter an API key/],
    ['another provider\'s key', 'sk-proj-' + 'a'.repeat(60), /starts with "sk-ant-"/],
    ['a key with a space inside', 'sk-ant-api03-abc def' + 'a'.repeat(40), /only letters, digits/],
    ['a quoted key', `"${REAL_SHAPE}"`, /starts with "sk-ant-"/],
    ['a truncated key', 'sk-ant-api03-abc', /too short/],
    ['a pasted paragraph', 'sk-ant-' + 'a'.repeat(400), /too long/],
  ];
  for (const [name, value, reason] of rejected) {
    it(`rejects ${name} without echoing it`, () => {
      const problem = apiKeyShapeProblem(value);
      assert.ok(problem, 'expected a problem');
      assert.match(problem, reason);
      if (value.trim() !== '') {
        assert.ok(!problem.includes(value.trim()));
      }
    });
  }

  it('recognises a refused key in the words failures reach the user in, and nothing else', () => {
    const refused = new BatchApiError({ kind: 'auth', status: 401, message: 'invalid x-api-key', apiType: 'authentication_error' });
    assert.equal(isKeyProblem(explainApiError(refused)), true);
    assert.equal(isKeyProblem('401 {"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}'), true);
    assert.equal(isKeyProblem('Anthropic is overloaded (529); try again later'), false);
    assert.equal(isKeyProblem('open a folder first: batch jobs are kept in the workspace (.batchlens/).'), false);
  });
});
