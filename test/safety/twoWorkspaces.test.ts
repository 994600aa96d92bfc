import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { createSubmitCommand } from '../../src/cli/commands/batch/submit';
import { createBatchApi } from '../../src/core/api/anthropicBatchApi';
import { FileJobStore } from '../../src/core/tracking/jobStore';
import { DEFAULT_RECONCILE_WINDOW_MS, reconcileIntents } from '../../src/core/tracking/reconcile';
import { type Emulator, createEmulator } from '../emulator/emulator';
import { TEST_KEY, type Rig, cli, createRig, emulatorBatches, endAll } from './harness';

/** Output files written under A's results folder, as workspace-relative paths. */
async function outputsOf(rig: Rig): Promise<string[]> {
  const dir = path.join(rig.root, '.batchlens', 'results');
  const found: string[] = [];
  const walk = async (folder: string): Promise<void> => {
    for (const entry of await fs.readdir(folder, { withFileTypes: true }).catch(() => [])) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (!entry.name.endsWith('.jsonl')) found.push(path.relative(rig.root, full));
    }
  };
  await walk(dir);
  return found.sort();
}

/**
 * A's create was lost and `foreignBatchId` (another workspace's or a clone's batch) is the only fit:
 * reconcile adopts it provisionally, and once it ends its results do not carry A's custom_ids, so the
 * adoption is undone before anything is written. Returns A's job as stored afterwards.
 */
async function expectProvisionalAdoptionUndone(a: Rig, emulator: Emulator, foreignBatchId: string, whose: string) {
  await cli(a, ['batch', 'list']);
  let [job] = await new FileJobStore(a.root).list();
  assert.equal(job.batches[0].batchId, foreignBatchId);
  assert.equal(job.batches[0].adoption, 'unverified');
  await endAll(emulator);
  const results = await cli(a, ['batch', 'results', job.id]);
  assert.match(results.err, /another submission's .*adoption undone, nothing written/);
  [job] = await new FileJobStore(a.root).list();
  assert.equal(job.batches[0].batchId, undefined);
  assert.deepEqual(job.batches[0].rejectedBatchIds, [foreignBatchId]);
  assert.deepEqual(await outputsOf(a), [], `not one of ${whose} results was written into A`);
  assert.deepEqual(job.rows, {});
  return job;
}

describe('two workspaces on one emulator (one API key): A never adopts B\'s batch', function () {
  this.timeout(60_000);
  let emulator: Emulator;
  let a: Rig;
  let b: Rig;
  beforeEach(async () => {
    emulator = await createEmulator({ speed: 1 });
    // The same number of files on both sides, so request counts cannot tell the batches apart.
    a = await createRig({ emulator, prefix: 'alpha' });
    b = await createRig({ emulator, prefix: 'beta' });
  });
  afterEach(async () => {
    await a.close();
    await b.close();
    await emulator.close();
  });

  it('A crashes after its create: two candidates, none adopted until the results name A\'s files; then A\'s own batch is found', async () => {
    assert.equal((await cli(b, ['batch', 'submit', 'src', '--yes'])).code, 0);
    const crashing = createSubmitCommand({ afterCreate: () => { throw new Error('process killed after create'); } });
    const io = { out: '', err: '', cwd: a.root, env: { ANTHROPIC_API_KEY: TEST_KEY, ANTHROPIC_BASE_URL: a.proxy.url }, stdout: () => undefined, stderr: () => undefined };
    await assert.rejects(crashing.run(['src', '--yes'], io), /process killed/);
    const [bBatch, aBatch] = (await emulatorBatches(emulator)).reverse();

    const listed = await cli(a, ['batch', 'list']);
    assert.match(listed.err, /fits 2 batches .*none adopted/);
    let [job] = await new FileJobStore(a.root).list();
    assert.equal(job.batches[0].batchId, undefined);
    assert.deepEqual([...(job.batches[0].candidateBatchIds ?? [])].sort(), [aBatch.id, bBatch.id].sort());

    await endAll(emulator);
    const results = await cli(a, ['batch', 'results', job.id]);
    assert.equal(results.code, 0, results.err);
    [job] = await new FileJobStore(a.root).list();
    assert.equal(job.batches[0].batchId, aBatch.id, 'A adopted its own batch');
    assert.equal(job.batches[0].adoption, 'verified');
    const outputs = await outputsOf(a);
    assert.equal(outputs.length, 4);
    assert.ok(outputs.every((file) => file.includes('alpha')), outputs.join(', '));
    assert.equal((await emulatorBatches(emulator)).length, 2, 'nothing was sent twice');
  });

  it('A\'s create never arrives: B\'s batch is adopted only provisionally, nothing of it is written, the adoption is undone and A\'s files are offered for re-send', async () => {
    assert.equal((await cli(b, ['batch', 'submit', 'src', '--yes'])).code, 0);
    const [bBatch] = await emulatorBatches(emulator);
    a.proxy.setFaults([{ kind: 'drop', method: 'POST', path: '/v1/messages/batches', times: 1 }]);
    const lost = await cli(a, ['batch', 'submit', 'src', '--yes']);
    assert.equal(lost.code, 1);
    assert.match(lost.err, /do not resubmit/);
    assert.equal((await emulatorBatches(emulator)).length, 1, 'A\'s create never reached the API');

    // Only B's batch fits: adopted, but unverified, so A writes nothing from it.
    const job = await expectProvisionalAdoptionUndone(a, emulator, bBatch.id, 'B\'s');

    // Once the window has passed with no other batch, A's files are safe to send again, and are sent once.
    const api = createBatchApi({ apiKey: TEST_KEY, baseUrl: emulator.url });
    const later = { now: () => Date.now() + DEFAULT_RECONCILE_WINDOW_MS + 5 * 60_000, sleep: async () => undefined };
    const report = await reconcileIntents({ store: new FileJobStore(a.root), api, clock: later });
    assert.deepEqual(report.notSubmitted, [{ jobId: job.id, index: 0 }]);
    const resent = await cli(a, ['batch', 'submit', 'src', '--yes']);
    assert.equal(resent.code, 0, resent.err);
    const batches = await emulatorBatches(emulator);
    assert.equal(batches.length, 2, 'B\'s batch and A\'s one re-send');
    await endAll(emulator);
    const jobs = await new FileJobStore(a.root).list();
    const fresh = jobs.find((candidate) => candidate.id !== job.id)!;
    assert.equal((await cli(a, ['batch', 'results', fresh.id])).code, 0);
    const outputs = await outputsOf(a);
    assert.equal(outputs.length, 4);
    assert.ok(outputs.every((file) => file.includes('alpha')), outputs.join(', '));
  });

  it('a clone of A (the same files) sends its own tagged custom_ids: with both batches ended, A adopts only its own batch', async () => {
    const clone = await createRig({ emulator, prefix: 'alpha' });
    try {
      assert.equal((await cli(clone, ['batch', 'submit', 'src', '--yes'])).code, 0);
      const crashing = createSubmitCommand({ afterCreate: () => { throw new Error('process killed after create'); } });
      const io = { out: '', err: '', cwd: a.root, env: { ANTHROPIC_API_KEY: TEST_KEY, ANTHROPIC_BASE_URL: a.proxy.url }, stdout: () => undefined, stderr: () => undefined };
      await assert.rejects(crashing.run(['src', '--yes'], io), /process killed/);
      const [cloneBatch, aBatch] = (await emulatorBatches(emulator)).reverse();
      const [cloneJob] = await new FileJobStore(clone.root).list();
      let [job] = await new FileJobStore(a.root).list();
      // The same files, different ids: each job's ids carry its own tag.
      assert.deepEqual(job.manifest.map((entry) => entry.relativePath), cloneJob.manifest.map((entry) => entry.relativePath));
      assert.notEqual(job.customIdTag, cloneJob.customIdTag);
      assert.equal(job.manifest.filter((entry) => cloneJob.manifest.some((other) => other.customId === entry.customId)).length, 0);

      await endAll(emulator);
      const results = await cli(a, ['batch', 'results', job.id]);
      assert.equal(results.code, 0, results.err);
      [job] = await new FileJobStore(a.root).list();
      assert.equal(job.batches[0].batchId, aBatch.id, 'A adopted its own batch, not the clone\'s');
      assert.notEqual(job.batches[0].batchId, cloneBatch.id);
      assert.equal(job.batches[0].adoption, 'verified');
      assert.equal((await outputsOf(a)).length, 4);
      assert.equal((await emulatorBatches(emulator)).length, 2, 'nothing was sent twice');
    } finally {
      await clone.close();
    }
  });

  it('A\'s create never arrives and a clone\'s batch of the same files is the only fit: A never adopts it for good, nothing of it is written', async () => {
    const clone = await createRig({ emulator, prefix: 'alpha' });
    try {
      assert.equal((await cli(clone, ['batch', 'submit', 'src', '--yes'])).code, 0);
      const [cloneBatch] = await emulatorBatches(emulator);
      a.proxy.setFaults([{ kind: 'drop', method: 'POST', path: '/v1/messages/batches', times: 1 }]);
      const lost = await cli(a, ['batch', 'submit', 'src', '--yes']);
      assert.equal(lost.code, 1);
      assert.equal((await emulatorBatches(emulator)).length, 1, 'A\'s create never reached the API');

      // While the clone's batch runs it is the only fit: provisionally adopted, nothing written. Once
      // it ends, its results carry the clone's tag, not A's: the adoption is undone before anything is written.
      let job = await expectProvisionalAdoptionUndone(a, emulator, cloneBatch.id, 'the clone\'s');

      // A fresh reconcile of A never takes the ended clone batch again (its ids do not match A's manifest).
      const api = createBatchApi({ apiKey: TEST_KEY, baseUrl: emulator.url });
      const report = await reconcileIntents({ store: new FileJobStore(a.root), api, clock: { now: () => Date.now(), sleep: async () => undefined } });
      assert.deepEqual(report.matched, []);
      [job] = await new FileJobStore(a.root).list();
      assert.equal(job.batches[0].batchId, undefined);
    } finally {
      await clone.close();
    }
  });
});
