import { strict as assert } from 'node:assert';
import { apiKeyShapeProblem } from '../../../src/features/apiKey/apiKeyShape';

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
});
