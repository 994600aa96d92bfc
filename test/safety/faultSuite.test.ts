import * as assert from 'node:assert/strict';
import { FAULT_SCENARIOS, runFaultScenarios } from './faultScenarios';

describe('fault suite: the CLI against the emulator behind a fault-injecting proxy', function () {
  this.timeout(120_000);

  it('loses no job, bills no row twice, loses or duplicates no row, and says what happened, for every fault', async () => {
    const rows = await runFaultScenarios();
    assert.equal(rows.length, FAULT_SCENARIOS.length);
    for (const row of rows) {
      const where = `${row.fault} × ${row.operation}`;
      assert.deepEqual(row.problems, [], where);
      assert.deepEqual(row.damage, { lostJobs: 0, duplicateBatches: 0, rowsLost: 0, rowsDuplicated: 0 }, where);
      assert.ok(row.message.length > 0, `${where} printed a message`);
    }
    // The faults really fired: every submit fault failed its command, and every kill killed its process.
    assert.deepEqual(rows.filter((row) => row.operation === 'batch submit' && !row.fault.startsWith('kill')).map((row) => row.exitCode), [1, 1, 1, 1, 1, 1]);
    assert.deepEqual(rows.filter((row) => row.fault.startsWith('kill')).map((row) => row.exitCode), [137, 137, 137]);
  });
});
