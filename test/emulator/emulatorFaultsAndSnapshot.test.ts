import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import type { Emulator } from './emulator';
import { parseFaults } from './faults';
import { manualClock, sdkClient, startEmulator, userRequest } from '../unit/support/emulatorHarness';

describe('emulator fault targeting, forced rows and snapshots', () => {
  let emulator: Emulator;

  afterEach(async () => {
    await emulator.close();
  });

  it('targets a fault by method and path glob, and stops after its count', async () => {
    emulator = await startEmulator();
    const client = sdkClient(emulator, { maxRetries: 0 });
    emulator.admin.setFaults([{ kind: 'server_error', method: 'GET', path: '/v1/messages/batches/*', times: 2 }]);
    const created = await client.messages.batches.create({ requests: [userRequest('a', 'x')] });
    assert.deepEqual((await client.messages.batches.list()).data.map((b) => b.id), [created.id], 'the list path is not targeted');
    await assert.rejects(client.messages.batches.retrieve(created.id), Anthropic.InternalServerError);
    await assert.rejects(client.messages.batches.retrieve(created.id), Anthropic.InternalServerError);
    assert.equal((await client.messages.batches.retrieve(created.id)).id, created.id, 'spent after 2 hits');
    assert.equal(emulator.admin.faults()[0].hits, 2);
  });

  it('forces rows to errored (with the chosen type) or expired by custom_id pattern', async () => {
    emulator = await startEmulator({
      faults: [
        { kind: 'row_error', customIdPattern: '^flaky-', errorType: 'overloaded_error' },
        { kind: 'row_expire', customIdPattern: '^late$' },
      ],
    });
    const client = sdkClient(emulator);
    const created = await client.messages.batches.create({
      requests: [userRequest('flaky-1', 'x'), userRequest('late', 'y'), userRequest('fine', 'z')],
    });
    emulator.admin.endBatch(created.id);
    const ended = await client.messages.batches.retrieve(created.id);
    assert.deepEqual(ended.request_counts, { processing: 0, succeeded: 1, errored: 1, canceled: 0, expired: 1 });
    const outcomes = new Map<string, string>();
    for await (const row of await client.messages.batches.results(created.id)) {
      outcomes.set(row.custom_id, row.result.type === 'errored' ? `errored:${row.result.error.error.type}` : row.result.type);
    }
    assert.deepEqual(Object.fromEntries(outcomes), { 'flaky-1': 'errored:overloaded_error', late: 'expired', fine: 'succeeded' });
  });

  it('refuses malformed fault rules with a message naming the rule', () => {
    assert.throws(() => parseFaults([{ kind: 'rate_limit' }, { kind: 'row_error' }]), /faults\[1\]\.customIdPattern/);
    assert.throws(() => parseFaults({ nope: true }), /expected an array/);
  });

  it('survives a restart through its snapshot file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'batchlens-emulator-'));
    const snapshotFile = join(dir, 'state.json');
    try {
      const clock = manualClock();
      emulator = await startEmulator({ clock, snapshotFile });
      const created = await sdkClient(emulator).messages.batches.create({ requests: [userRequest('keep', 'x')] });
      emulator.admin.advance(60_000);
      await emulator.close();
      assert.match(readFileSync(snapshotFile, 'utf8'), new RegExp(created.id));

      emulator = await startEmulator({ clock, snapshotFile });
      const client = sdkClient(emulator);
      const restored = await client.messages.batches.retrieve(created.id);
      assert.equal(restored.processing_status, 'ended', 'the advanced clock came back too');
      const rows: string[] = [];
      for await (const row of await client.messages.batches.results(created.id)) {
        rows.push(`${row.custom_id}:${row.result.type}`);
      }
      assert.deepEqual(rows, ['keep:succeeded']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
