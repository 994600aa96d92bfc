import { strict as assert } from 'node:assert';
import { runCli } from '../../../src/cli/main';
import { recordingIo } from '../support/recordingIo';

describe('cli', () => {
  it('rejects an unknown command with exit code 2 and a one-line error', async () => {
    const io = recordingIo();
    assert.equal(await runCli(['frobnicate'], io), 2);
    assert.match(io.err, /unknown command 'frobnicate'/);
    assert.equal(io.err.trim().split('\n').length, 1);
  });
});
