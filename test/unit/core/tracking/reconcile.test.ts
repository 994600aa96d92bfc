import * as assert from 'node:assert/strict';
import { submitPendingBatches, submitPreparedJob } from '../../../../src/core/batch/submitJob';
import { FileJobStore } from '../../../../src/core/tracking/jobStore';
import { DEFAULT_RECONCILE_WINDOW_MS, describeReconcileReport, reconcileIntents } from '../../../../src/core/tracking/reconcile';
import { fakeBatchApi, manualClock } from '../../support/fakeBatchApi';
import { prepareDocs, textWorkspace } from '../../support/jobFixtures';

class SimulatedCrash extends Error {}

describe('reconcileIntents', () => {
  it('makes no API call when no intent is open', async () => {
    const root = await textWorkspace(2);
    const clock = manualClock();
    const api = fakeBatchApi({ now: clock.now });
    const store = new FileJobStore(root, { clock });
    await submitPreparedJob(await prepareDocs(root, clock.now()), { store, api, clock, maxRequestsPerBatch: 10 });
    const listsBefore = api.listCalls();
    const report = await reconcileIntents({ store, api, clock });
    assert.deepEqual(report, { matched: [], notSubmitted: [], pending: [], ambiguous: [], verified: [], undone: [] });
    assert.equal(api.listCalls(), listsBefore);
  });

  it('recovers the id of a batch created just before a crash, and never sends it again', async () => {
    const root = await textWorkspace(3);
    const clock = manualClock();
    const api = fakeBatchApi({ now: () => clock.now() + 1_500 });
    const store = new FileJobStore(root, { clock });
    const prepared = await prepareDocs(root, clock.now());
    await assert.rejects(
      submitPreparedJob(prepared, {
        store, api, clock, maxRequestsPerBatch: 10,
        afterCreate: () => {
          throw new SimulatedCrash('killed after create');
        },
      }),
      SimulatedCrash,
    );
    assert.equal((await store.get(prepared.job.id))?.batches[0].batchId, undefined);

    clock.current += 60_000;
    const report = await reconcileIntents({ store, api, clock });
    assert.deepEqual(report.matched, [{ jobId: prepared.job.id, index: 0, batchId: api.batches[0].id }]);
    const job = (await store.get(prepared.job.id))!;
    assert.equal(job.batches[0].batchId, api.batches[0].id);
    assert.equal(job.batches[0].status, 'in_progress');
    assert.match(describeReconcileReport(report) ?? '', /recovered 1 batch id/);

    const again = await submitPendingBatches(prepared.job.id, { store, api, clock, maxRequestsPerBatch: 10 });
    assert.equal(again.created.length, 0);
    assert.equal(api.batches.length, 1, 'the batch was sent exactly once');
  });

  it('marks an intent whose create never happened as not submitted once the window has passed, so it can be sent', async () => {
    const root = await textWorkspace(2);
    const clock = manualClock();
    const api = fakeBatchApi({ now: clock.now });
    const store = new FileJobStore(root, { clock });
    const prepared = await prepareDocs(root, clock.now());
    // The connection drops before the request reaches the API: the same state a crash before create leaves, an open intent.
    const create = api.create;
    api.create = async () => {
      throw new Error('socket hang up');
    };
    const outcome = await submitPreparedJob(prepared, { store, api, clock, maxRequestsPerBatch: 10 });
    assert.equal(outcome.failure?.definite, false);
    api.create = create;

    clock.current += 60_000;
    const early = await reconcileIntents({ store, api, clock });
    assert.deepEqual(early.pending, [{ jobId: prepared.job.id, index: 0 }], 'inside the window another process may still be submitting');
    assert.equal((await store.get(prepared.job.id))?.batches[0].notSubmitted, undefined);

    clock.current += DEFAULT_RECONCILE_WINDOW_MS + 5 * 60_000;
    const late = await reconcileIntents({ store, api, clock });
    assert.deepEqual(late.notSubmitted, [{ jobId: prepared.job.id, index: 0 }]);
    const job = (await store.get(prepared.job.id))!;
    assert.equal(job.batches[0].notSubmitted, true);
    assert.match(job.batches[0].submitError ?? '', /safe to submit again/);
    assert.match(describeReconcileReport(late) ?? '', /never created/);

    const resent = await submitPendingBatches(prepared.job.id, { store, api, clock, maxRequestsPerBatch: 10 });
    assert.equal(resent.created.length, 1);
    assert.equal(api.batches.length, 1);
  });

  it('matches by request count and time, and never takes a batch another record owns or one from before the intent', async () => {
    const root = await textWorkspace(3);
    const clock = manualClock();
    const api = fakeBatchApi({ now: clock.now });
    const store = new FileJobStore(root, { clock });
    // An unrelated batch of the same size created long before, and one of another size right after.
    await api.create([{ custom_id: 'x', params: { model: 'm', max_tokens: 1, messages: [] } }, { custom_id: 'y', params: { model: 'm', max_tokens: 1, messages: [] } }]);
    clock.current += 30 * 60_000;
    const prepared = await prepareDocs(root, clock.now(), 2);
    await assert.rejects(
      submitPreparedJob(prepared, {
        store, api, clock, maxRequestsPerBatch: 2,
        afterCreate: (_batch, record) => {
          if (record.index === 1) throw new SimulatedCrash('killed after the second create');
        },
      }),
      SimulatedCrash,
    );
    clock.current += 10_000;
    await api.create([{ custom_id: 'z', params: { model: 'm', max_tokens: 1, messages: [] } }, { custom_id: 'w', params: { model: 'm', max_tokens: 1, messages: [] } }, { custom_id: 'v', params: { model: 'm', max_tokens: 1, messages: [] } }]);
    const report = await reconcileIntents({ store, api, clock });
    // Batch 0 (2 rows) was recorded; batch 1 (1 row) is the third batch created overall.
    assert.deepEqual(report.matched, [{ jobId: prepared.job.id, index: 1, batchId: api.batches[2].id }]);
    const job = (await store.get(prepared.job.id))!;
    assert.deepEqual(job.batches.map((record) => record.batchId), [api.batches[1].id, api.batches[2].id]);
  });

  it('adopts none of several fitting batches and shows them; honours acceptBatch (e.g. a workspace id)', async () => {
    const root = await textWorkspace(2);
    const clock = manualClock();
    const api = fakeBatchApi({ now: clock.now });
    const store = new FileJobStore(root, { clock });
    const prepared = await prepareDocs(root, clock.now());
    await assert.rejects(
      submitPreparedJob(prepared, { store, api, clock, maxRequestsPerBatch: 10, afterCreate: () => { throw new SimulatedCrash('killed'); } }),
      SimulatedCrash,
    );
    // A teammate's batch of the same size a few seconds later.
    clock.current += 5_000;
    await api.create([{ custom_id: 'x', params: { model: 'm', max_tokens: 1, messages: [] } }, { custom_id: 'y', params: { model: 'm', max_tokens: 1, messages: [] } }]);
    const [ours, theirs] = api.batches;

    const report = await reconcileIntents({ store, api, clock });
    assert.deepEqual(report.matched, []);
    assert.deepEqual(report.ambiguous, [{ jobId: prepared.job.id, index: 0, candidates: [ours.id, theirs.id] }]);
    let job = (await store.get(prepared.job.id))!;
    assert.equal(job.batches[0].batchId, undefined);
    assert.deepEqual(job.batches[0].candidateBatchIds, [ours.id, theirs.id]);
    assert.match(describeReconcileReport(report) ?? '', /fits 2 batches .*none adopted/);

    const narrowed = await reconcileIntents({ store, api, clock, acceptBatch: (batch) => batch.id !== theirs.id });
    assert.deepEqual(narrowed.matched, [{ jobId: prepared.job.id, index: 0, batchId: ours.id }]);
    job = (await store.get(prepared.job.id))!;
    assert.equal(job.batches[0].batchId, ours.id);
    assert.equal(job.batches[0].adoption, 'unverified');
    assert.equal(job.batches[0].candidateBatchIds, undefined);
  });
});
