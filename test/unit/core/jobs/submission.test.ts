import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createBatchApi } from '../../../../src/core/api/anthropicBatchApi';
import type { BatchApi } from '../../../../src/core/api/batchApi';
import { type PreparedJob, prepareJob } from '../../../../src/core/batch/prepareJob';
import { pendingCustomIds, submitPendingBatches, submitPreparedJob } from '../../../../src/core/batch/submitJob';
import { builtinTemplates } from '../../../../src/core/batch/templates';
import type { Job } from '../../../../src/core/jobs/jobModel';
import { FileJobStore } from '../../../../src/core/tracking/jobStore';
import { reconcileIntents } from '../../../../src/core/tracking/reconcile';
import { planRetry, submitRetry } from '../../../../src/core/tracking/retryPlanner';
import { systemClock } from '../../../../src/core/util/clock';
import { type Emulator, createEmulator } from '../../../emulator/emulator';
import { type FaultProxy, createFaultProxy } from '../../../emulator/faultProxy';

const KEY = 'sk-ant-test-protocol';
const CREATE = { method: 'POST', path: '/v1/messages/batches', times: 1 } as const;

/**
 * The one submission protocol (src/core/jobs/submission.ts), driven through both callers — the first
 * submission and a retry — against the emulator, with the emulator's own 429 / 500 and, behind a
 * proxy, a create the server processed whose answer never came back (a client timeout).
 */
describe('submission protocol: the same record for every create failure, on submit and on retry', function () {
  this.timeout(30_000);
  let emulator: Emulator;
  let proxy: FaultProxy;
  let root: string;
  let store: FileJobStore;
  let api: BatchApi;

  beforeEach(async () => {
    emulator = await createEmulator();
    proxy = await createFaultProxy(emulator.url);
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'bl-protocol-'));
    await fs.mkdir(path.join(root, 'docs'));
    for (let index = 0; index < 3; index++) await fs.writeFile(path.join(root, 'docs', `f${index}.md`), `Document number ${index}.\n`);
    store = new FileJobStore(root);
    api = createBatchApi({ apiKey: KEY, baseUrl: proxy.url, timeoutMs: 1_000 });
  });
  afterEach(async () => {
    await proxy.close();
    await emulator.close();
  });

  const createdOnServer = () => emulator.admin.requests().filter((request) => request.method === 'POST' && request.path === '/v1/messages/batches' && request.status === 200).length;

  function prepare(): Promise<PreparedJob> {
    const template = builtinTemplates('claude-sonnet-4-6').find((candidate) => candidate.name === 'summarize')!;
    return prepareJob({ root, selection: ['docs'], template, maxFileBytes: 10_000, maxRequestsPerBatch: 100, keepRequestsIn: store.dir, now: Date.now() });
  }

  /** A submitted job whose one batch ended with every row errored by a server error: all three are planned for a retry. */
  async function jobToRetry(): Promise<Job> {
    const outcome = await submitPreparedJob(await prepare(), { store, api, clock: systemClock, maxRequestsPerBatch: 100 });
    assert.equal(outcome.created.length, 1);
    const batchId = outcome.created[0]!;
    const job = await store.update(outcome.job.id, (stored) => {
      stored.batches[0]!.status = 'ended';
      for (const entry of stored.manifest) stored.rows[entry.customId] = [{ batchId, outcome: 'errored', errorType: 'api_error', errorMessage: 'Internal server error' }];
    });
    assert.equal(planRetry(job).toSend.length, 3);
    return job;
  }

  /** Runs one path with a fault on its create call; returns the job after it and the record the failed create left. */
  async function failOnce(pathName: 'submit' | 'retry', fault: () => void) {
    if (pathName === 'submit') {
      const prepared = await prepare();
      fault();
      const outcome = await submitPreparedJob(prepared, { store, api, clock: systemClock, maxRequestsPerBatch: 100 });
      const job = (await store.get(prepared.job.id))!;
      return { failure: outcome.failure, job, record: job.batches.at(-1)!, createdBefore: 0 };
    }
    const before = await jobToRetry();
    const createdBefore = createdOnServer();
    fault();
    const outcome = await submitRetry(planRetry(before), { store, api, clock: systemClock });
    const job = (await store.get(before.id))!;
    return { failure: outcome.failure, job, record: job.batches.at(-1)!, createdBefore };
  }

  /** The rows that path would send if called again now. */
  const sendableAgain = (pathName: 'submit' | 'retry', job: Job) => (pathName === 'submit' ? pendingCustomIds(job) : planRetry(job).toSend.map((row) => row.customId));

  for (const pathName of ['submit', 'retry'] as const) {
    describe(`on ${pathName}`, () => {
      it('a 429 proves nothing was created: the record is not submitted and its rows may be sent again', async () => {
        const { failure, job, record, createdBefore } = await failOnce(pathName, () => emulator.admin.setFaults([{ kind: 'rate_limit', ...CREATE }]));
        assert.equal(failure?.definite, true);
        assert.match(failure?.message ?? '', /rate-limiting.*Nothing was created/);
        assert.equal(record.purpose, pathName === 'submit' ? 'initial' : 'retry');
        assert.equal(record.batchId, undefined);
        assert.equal(record.notSubmitted, true);
        assert.equal(createdOnServer(), createdBefore, 'no batch exists for it');
        assert.deepEqual(sendableAgain(pathName, job), record.customIds, 'the same rows are offered again');
      });

      it('a 500 may hide a created batch: the intent stays open and its rows are not offered again', async () => {
        const { failure, job, record } = await failOnce(pathName, () => emulator.admin.setFaults([{ kind: 'server_error', ...CREATE }]));
        assert.equal(failure?.definite, false);
        assert.match(failure?.message ?? '', /internal error \(HTTP 500\).*do not resubmit/);
        assert.equal(record.batchId, undefined);
        assert.equal(record.notSubmitted, undefined);
        assert.ok(record.submitError);
        assert.deepEqual(sendableAgain(pathName, job), []);
      });

      it('a timeout after the server created the batch: the intent stays open, then reconciliation records the id; nothing is sent twice', async () => {
        const { failure, job, record, createdBefore } = await failOnce(pathName, () => proxy.setFaults([{ kind: 'hang', ...CREATE }]));
        assert.equal(failure?.definite, false);
        assert.match(failure?.message ?? '', /no answer came in time.*do not resubmit/);
        assert.equal(record.notSubmitted, undefined);
        assert.equal(createdOnServer(), createdBefore + 1, 'the server did create it');
        assert.deepEqual(sendableAgain(pathName, job), [], 'not offered again while it may exist');

        proxy.setFaults([]);
        const report = await reconcileIntents({ store, api, clock: systemClock });
        assert.equal(report.matched.length, 1);
        const after = (await store.get(job.id))!;
        const recovered = after.batches[record.index]!;
        assert.ok(recovered.batchId, 'the id is recorded');
        if (pathName === 'submit') {
          const again = await submitPendingBatches(job.id, { store, api, clock: systemClock, maxRequestsPerBatch: 100 });
          assert.deepEqual(again.created, []);
        }
        assert.equal(createdOnServer(), createdBefore + 1, 'still one batch: never billed twice');
      });
    });
  }
});
