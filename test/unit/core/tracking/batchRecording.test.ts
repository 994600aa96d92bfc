import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { pendingCustomIds, submitPendingBatches, submitPreparedJob } from '../../../../src/core/batch/submitJob';
import type { Job, RowAttempt } from '../../../../src/core/jobs/jobModel';
import { rowsWereRead } from '../../../../src/core/tracking/jobRowsLog';
import { type JobRowStats, computeRowStats } from '../../../../src/core/tracking/jobRowStats';
import { FileJobStore } from '../../../../src/core/tracking/jobStore';
import { reconcileIntents } from '../../../../src/core/tracking/reconcile';
import { fakeBatchApi, manualClock } from '../../support/fakeBatchApi';
import { prepareDocs, textWorkspace } from '../../support/jobFixtures';
import { makeBatch, makeJob } from './support/fakes';

class SimulatedCrash extends Error {}

interface HeaderOnDisk {
  rowsFile: string;
  rowsBytes: number;
  rowStats: JobRowStats;
}

async function headerOf(store: FileJobStore, jobId: string): Promise<HeaderOnDisk> {
  return JSON.parse(await fs.readFile(path.join(store.dir, 'jobs', `${jobId}.json`), 'utf8')) as HeaderOnDisk;
}

/** The stats a full pass over the job's rows gives (what the header must agree with). */
async function statsFromRows(store: FileJobStore, jobId: string): Promise<JobRowStats> {
  const job = (await store.get(jobId))!;
  return computeRowStats(job);
}

function succeeded(batchId: string): RowAttempt {
  return { batchId, outcome: 'succeeded' };
}

/** A stored job of `rows` rows and no batch yet; returns the store. */
async function storedJob(id: string, rows: number): Promise<FileJobStore> {
  const store = new FileJobStore(await textWorkspace(0));
  await store.create(makeJob(id, Array.from({ length: rows }, (_, i) => `src/f${i}.ts`), []));
  return store;
}

const idsOf = (job: Job, from: number, to: number) => job.manifest.slice(from, to).map((entry) => entry.customId);

describe('recording a batch of a job without reading its rows', () => {
  it('appends a new batch and then its id to the log, reading no row, with the stats a pass over the rows gives', async () => {
    const store = await storedJob('job_fast', 200);
    const before = await headerOf(store, 'job_fast');
    const logPath = path.join(store.dir, before.rowsFile);
    const logBefore = await fs.readFile(logPath);
    const customIds = Array.from({ length: 120 }, (_, i) => `row-${i}`);

    const afterIntent = await store.update('job_fast', (job) => {
      job.batches.push(makeBatch({ index: 0, customIds }));
    });
    assert.equal(rowsWereRead(afterIntent), false, 'recording the intent read no row');
    const intentHeader = await headerOf(store, 'job_fast');
    assert.equal(intentHeader.rowsFile, before.rowsFile, 'appended to the same log');
    const logAfterIntent = await fs.readFile(logPath);
    assert.deepEqual(logAfterIntent.subarray(0, logBefore.length), logBefore, 'the earlier bytes are unchanged');
    assert.equal(logAfterIntent.subarray(logBefore.length).toString('utf8'), `${JSON.stringify({ b: 0, c: customIds })}\n`);
    assert.deepEqual(intentHeader.rowStats, await statsFromRows(store, 'job_fast'));
    assert.equal(intentHeader.rowStats.batches[0]?.spokenFor, 120);

    const afterId = await store.update('job_fast', (job) => {
      job.batches[0].batchId = 'msgbatch_fast1';
      job.batches[0].status = 'in_progress';
    });
    assert.equal(rowsWereRead(afterId), false, 'recording the id read no row');
    const idHeader = await headerOf(store, 'job_fast');
    assert.equal(idHeader.rowsBytes, intentHeader.rowsBytes, 'an id alone adds nothing to the log');
    assert.deepEqual(idHeader.rowStats, await statsFromRows(store, 'job_fast'));

    const read = (await store.get('job_fast'))!;
    assert.deepEqual(read.batches[0].customIds, customIds);
    assert.equal(read.batches[0].batchId, 'msgbatch_fast1');
    assert.equal(pendingCustomIds(read).length, 80);
  });

  it('takes the full comparison when rows change hands or a stored attempt names the new id, and the stats still match the rows', async () => {
    const store = await storedJob('job_slow', 30);
    const all = idsOf((await store.get('job_slow'))!, 0, 30);
    await store.update('job_slow', (job) => {
      job.batches.push(makeBatch({ index: 0, batchId: 'msgbatch_a', status: 'ended', customIds: all }));
      for (const customId of all) job.rows[customId] = [customId === 'row-0' ? { batchId: 'msgbatch_a', outcome: 'errored' } : succeeded('msgbatch_a')];
    });

    // A retry batch takes row-0 from the first batch: the first batch's counts change, which only its rows can say.
    const retried = await store.update('job_slow', (job) => {
      job.batches.push(makeBatch({ index: 1, purpose: 'retry', customIds: ['row-0'] }));
    });
    assert.equal(rowsWereRead(retried), true, 'a batch whose rows another batch holds is compared in full');
    let header = await headerOf(store, 'job_slow');
    assert.deepEqual(header.rowStats, await statsFromRows(store, 'job_slow'));
    assert.equal(header.rowStats.batches[0]?.spokenFor, 29);
    assert.equal(header.rowStats.batches[0]?.outcomes.errored, 0, "row-0's error no longer counts for the first batch");

    // An attempt already names the id the retry is given (results recorded before the id, as an adopted batch's may be).
    await store.update('job_slow', (job) => {
      job.rows['row-0'] = [...job.rows['row-0'], succeeded('msgbatch_b')];
    });
    const named = await store.update('job_slow', (job) => {
      job.batches[1].batchId = 'msgbatch_b';
      job.batches[1].status = 'ended';
    });
    assert.equal(rowsWereRead(named), true, 'an id a stored attempt names is compared in full');
    header = await headerOf(store, 'job_slow');
    assert.deepEqual(header.rowStats, await statsFromRows(store, 'job_slow'));
    assert.equal(header.rowStats.batches[1]?.outcomes.succeeded, 1);
  });

  it('records many batches of one job, each from what the log gained since the last, and still sees rows change hands later', async () => {
    const store = await storedJob('job_many', 60);
    for (let batch = 0; batch < 6; batch++) {
      const customIds = Array.from({ length: 10 }, (_, i) => `row-${batch * 10 + i}`);
      const intent = await store.update('job_many', (job) => {
        job.batches.push(makeBatch({ index: batch, customIds }));
      });
      const created = await store.update('job_many', (job) => {
        job.batches[batch].batchId = `msgbatch_m${batch}`;
      });
      assert.equal(rowsWereRead(intent) || rowsWereRead(created), false, `batch ${batch} was recorded without reading the rows`);
      assert.deepEqual((await headerOf(store, 'job_many')).rowStats, await statsFromRows(store, 'job_many'));
    }
    // Results arrive after the log was digested: one names a batch id no record has yet.
    await store.update('job_many', (job) => {
      job.rows['row-0'] = [{ batchId: 'msgbatch_m0', outcome: 'errored' }, succeeded('msgbatch_later')];
      job.rows['row-1'] = [succeeded('msgbatch_m0')];
    });
    const retry = await store.update('job_many', (job) => {
      job.batches.push(makeBatch({ index: 6, purpose: 'retry', customIds: ['row-0'] }));
    });
    assert.equal(rowsWereRead(retry), true, 'row-0 changes hands: compared in full');
    const named = await store.update('job_many', (job) => {
      job.batches[6].batchId = 'msgbatch_later';
    });
    assert.equal(rowsWereRead(named), true, 'an attempt appended after the digest names this id: compared in full');
    const header = await headerOf(store, 'job_many');
    assert.deepEqual(header.rowStats, await statsFromRows(store, 'job_many'));
    assert.equal(header.rowStats.batches[6]?.outcomes.succeeded, 1);
    assert.equal(header.rowStats.batches[0]?.spokenFor, 9);
  });

  it('digests a log of several megabytes a megabyte at a time, a custom-id line longer than one read included, and still sees a row change hands', async () => {
    const rows = 20_000;
    const store = new FileJobStore(await textWorkspace(0));
    const job = makeJob('job_large', Array.from({ length: rows }, (_, i) => `src/module-${i % 97}/file-${i}.ts`), []);
    job.manifest = job.manifest.map((entry, i) => ({ ...entry, customId: `row-${String(i).padStart(6, '0')}-${'x'.repeat(50)}` }));
    await store.create(job);
    const all = job.manifest.map((entry) => entry.customId);
    const first = all.slice(0, rows - 1);
    assert.ok(Buffer.byteLength(JSON.stringify({ b: 0, c: first })) > 1 << 20, 'the custom-id line is longer than one read');

    const intent = await store.update('job_large', (stored) => {
      stored.batches.push(makeBatch({ index: 0, customIds: first }));
    });
    const created = await store.update('job_large', (stored) => {
      stored.batches[0].batchId = 'msgbatch_large';
    });
    assert.equal(rowsWereRead(intent) || rowsWereRead(created), false, 'the first batch was recorded without reading the rows');
    assert.ok((await headerOf(store, 'job_large')).rowsBytes > 3 * (1 << 20), 'the log spans several reads');

    // The last row, in no batch yet, goes in a batch of its own: nothing changes hands.
    const last = await store.update('job_large', (stored) => {
      stored.batches.push(makeBatch({ index: 1, customIds: [all[rows - 1]] }));
    });
    assert.equal(rowsWereRead(last), false, 'a row no batch holds is recorded without reading the rows');
    // A row from the middle of the long line: the digest must know the first batch holds it.
    const retry = await store.update('job_large', (stored) => {
      stored.batches.push(makeBatch({ index: 2, purpose: 'retry', customIds: [all[12_345]] }));
    });
    assert.equal(rowsWereRead(retry), true, 'the row changes hands: compared in full');
    const header = await headerOf(store, 'job_large');
    assert.deepEqual(header.rowStats, await statsFromRows(store, 'job_large'));
    assert.equal(header.rowStats.batches[0]?.spokenFor, rows - 2);
  });

  it('reads a custom-id line holding escapes or text beyond ASCII as JSON, and still sees those rows change hands', async () => {
    const store = await storedJob('job_escapes', 3);
    const odd = ['row-é', 'row-"quoted"', 'row-\\back'];
    await store.update('job_escapes', (job) => {
      job.batches.push(makeBatch({ index: 0, customIds: odd }));
    });
    await store.update('job_escapes', (job) => {
      job.batches[0].batchId = 'msgbatch_odd';
    });
    for (const [index, customId] of odd.entries()) {
      const retry = await store.update('job_escapes', (job) => {
        job.batches.push(makeBatch({ index: index + 1, purpose: 'retry', customIds: [customId] }));
      });
      assert.equal(rowsWereRead(retry), true, `${customId} changes hands: compared in full`);
    }
    const header = await headerOf(store, 'job_escapes');
    assert.deepEqual(header.rowStats, await statsFromRows(store, 'job_escapes'));
  });

  it('takes the full comparison for custom ids repeated within the new batch', async () => {
    const store = await storedJob('job_twice', 5);
    const updated = await store.update('job_twice', (job) => {
      job.batches.push(makeBatch({ index: 0, customIds: ['row-1', 'row-2', 'row-1'] }));
    });
    assert.equal(rowsWereRead(updated), true);
    const header = await headerOf(store, 'job_twice');
    assert.deepEqual(header.rowStats, await statsFromRows(store, 'job_twice'));
    assert.equal(header.rowStats.batches[0]?.spokenFor, 2);
    assert.equal(header.rowStats.batches[0]?.rows, 3);
  });

  it('a kill between a batch intent and its id keeps every custom id of the intent; reconciliation records the id and nothing is sent twice', async () => {
    const root = await textWorkspace(7);
    const clock = manualClock();
    const api = fakeBatchApi({ now: () => clock.now() + 1_500 });
    const store = new FileJobStore(root, { clock });
    const prepared = await prepareDocs(root, clock.now(), 3);
    let creates = 0;
    await assert.rejects(
      submitPreparedJob(prepared, {
        store, api, clock, maxRequestsPerBatch: 3,
        // The first batch is recorded in full; the process dies right after the second create returned.
        afterCreate: () => {
          if (++creates === 2) throw new SimulatedCrash('killed between create and id');
        },
      }),
      SimulatedCrash,
    );
    const crashed = (await store.get(prepared.job.id))!;
    assert.equal(crashed.batches.length, 2);
    assert.equal(crashed.batches[0].batchId, api.batches[0].id);
    assert.equal(crashed.batches[1].batchId, undefined, 'the second id was never recorded');
    assert.deepEqual(crashed.batches[1].customIds, [...api.sent.get(api.batches[1].id)!].map((request) => request.custom_id), 'the intent holds exactly the rows sent');
    assert.deepEqual(computeRowStats(crashed), (await headerOf(store, prepared.job.id)).rowStats, 'the header agrees with the rows');
    assert.equal(pendingCustomIds(crashed).length, 1, 'the open intent covers its rows: only the never-sent row is pending');

    clock.current += 60_000;
    const report = await reconcileIntents({ store, api, clock });
    assert.deepEqual(report.matched, [{ jobId: prepared.job.id, index: 1, batchId: api.batches[1].id }]);
    const resumed = await submitPendingBatches(prepared.job.id, { store, api, clock, maxRequestsPerBatch: 3 });
    assert.equal(resumed.created.length, 1);
    assert.equal(resumed.unsentRequests, 0);
    const sent = [...api.sent.values()].flat().map((request) => request.custom_id);
    assert.equal(sent.length, 7, 'three creates, every row once');
    assert.equal(new Set(sent).size, 7, 'no row was sent twice');
    const final = (await store.get(prepared.job.id))!;
    assert.deepEqual(final.batches.map((batch) => batch.batchId), api.batches.map((batch) => batch.id));
    assert.deepEqual(computeRowStats(final), (await headerOf(store, prepared.job.id)).rowStats);
  });

  it('stops before recording or sending a batch whose stored rows are not the ones built', async () => {
    const root = await textWorkspace(4);
    const clock = manualClock();
    const api = fakeBatchApi({ now: clock.now });
    const store = new FileJobStore(root, { clock });
    const prepared = await prepareDocs(root, clock.now());
    prepared.requestBytes[2] += 1;
    await assert.rejects(submitPreparedJob(prepared, { store, api, clock, maxRequestsPerBatch: 10 }), /stored requests changed while they were being sent \(row 3\)/);
    assert.equal(api.batches.length, 0, 'nothing was sent');
    assert.deepEqual((await store.get(prepared.job.id))!.batches, [], 'no intent was recorded');
  });
});
