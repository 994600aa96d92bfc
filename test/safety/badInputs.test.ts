import * as assert from 'node:assert/strict';
import { BAD_INPUT_CASES, runBadInputCases } from './badInputs';

describe('bad input: a clear one-line error, the right exit code, nothing sent, nothing lost', function () {
  this.timeout(120_000);

  it(`holds for all ${BAD_INPUT_CASES.length} cases`, async () => {
    assert.ok(BAD_INPUT_CASES.length >= 40);
    const results = await runBadInputCases();
    assert.equal(results.length, BAD_INPUT_CASES.length);
    const failures = results.filter((result) => result.problems.length > 0).map((result) => `${result.name}: ${result.problems.join('; ')}`);
    assert.deepEqual(failures, []);
    assert.ok(results.every((result) => result.nothingSent && result.nothingLost && result.message.length > 0));
  });
});
