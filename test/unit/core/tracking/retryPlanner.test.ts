import { strict as assert } from 'node:assert';
import type { BatchRequest } from '../../../../src/core/api/batchApi';
import { BatchApiError } from '../../../../src/core/api/errors';
import type { Job, RowAttempt } from '../../../../src/core/jobs/jobModel';
import { jobCounts } from '../../../../src/core/tracking/jobStatus';
import { classifyAttempt, planRetry, submitRetry, type RetryClass } from '../../../../src/core/tracking/retryPlanner';
import { FakeBatchApi, FakeClock, MemoryJobStore, counts, makeBatch, makeJob, remoteBatch } from './support/fakes';

const table: Array<[Pick<RowAttempt, 'outcome' | 'errorType'>, RetryClass]> = [
  [{ outcome: 'errored', errorType: 'invalid_request_error' }, 'edit'],
  [{ outcome: 'errored', errorType: 'request_too_large' }, 'edit'],
  [{ outcome: 'errored', errorType: 'not_found_error' }, 'edit'],
  [{ outcome: 'errored', errorType: 'api_error' }, 'resend'],
  [{ outcome: 'errored', errorType: 'overloaded_error' }, 'resend'],
  [{ outcome: 'errored', errorType: 'rate_limit_error' }, 'resend'],
  [{ outcome: 'errored', errorType: 'timeout_error' }, 'resend'],
  [{ outcome: 'errored', errorType: 'some_new_server_error' }, 'resend'],
  [{ outcome: 'errored', errorType: 'authentication_error' }, 'account'],
  [{ outcome: 'errored', errorType: 'permission_error' }, 'account'],
  [{ outcome: 'errored', errorType: 'billing_error' }, 'account'],
  [{ outcome: 'expired' }, 'resubmit'],
  [{ outcome: 'canceled' }, 'canceled'],
  [{ outcome: 'succeeded' }, 'done'],
];

const FILES = ['a.ts', 'b.ts', 'c.ts', 'd.ts', 'e.ts', 'f.ts'];

function endedJob(): Job {
  const ids = FILES.map((_, i) => `row-${i}`);
  const job = makeJob('job_r', FILES, [makeBatch({ batchId: 'msgbatch_1', customIds: ids, status: 'ended', counts: counts({ succeeded: 2, errored: 2, expired: 1, canceled: 1 }), resultsComplete: true })]);
  const attempt = (partial: Partial<RowAttempt> & Pick<RowAttempt, 'outcome'>): RowAttempt[] => [{ batchId: 'msgbatch_1', ...partial }];
  job.rows = {
    'row-0': attempt({ outcome: 'succeeded', outputPath: 'out/a.md' }),
    'row-1': attempt({ outcome: 'errored', errorType: 'overloaded_error', errorMessage: 'Overloaded' }),
    'row-2': attempt({ outcome: 'errored', errorType: 'invalid_request_error', errorMessage: 'messages.0.content: empty' }),
    'row-3': attempt({ outcome: 'expired' }),
    'row-4': attempt({ outcome: 'canceled' }),
    'row-5': attempt({ outcome: 'succeeded', outputPath: 'out/f.md' }),
  };
  return job;
}

function requestFor(customId: string): BatchRequest {
  return { custom_id: customId, params: { model: 'claude-sonnet-4-6', max_tokens: 100, messages: [{ role: 'user', content: `body of ${customId}` }] } };
}

async function storeWith(job: Job) {
  const store = new MemoryJobStore('/ws');
  await store.create(job);
  store.requests.set(job.id, new Map(job.manifest.map((entry) => [entry.customId, requestFor(entry.customId)])));
  return store;
}

describe('retry planner', () => {
  for (const [attempt, expected] of table) {
    it(`classifies ${attempt.outcome}${attempt.errorType ? ` ${attempt.errorType}` : ''} as ${expected}`, () => {
      assert.equal(classifyAttempt(attempt), expected);
    });
  }

  it('sends server errors and expired rows, lists invalid requests for editing with the API message, leaves canceled out', () => {
    const plan = planRetry(endedJob());
    assert.deepEqual(plan.toSend.map((row) => row.customId), ['row-1', 'row-3']);
    assert.deepEqual(plan.forEditing, [
      { customId: 'row-2', relativePath: 'c.ts', retryClass: 'edit', errorType: 'invalid_request_error', errorMessage: 'messages.0.content: empty' },
    ]);
    assert.deepEqual(plan.canceledLeftOut.map((row) => row.customId), ['row-4']);
  });

  it('includes canceled rows when asked', () => {
    const plan = planRetry(endedJob(), { includeCanceled: true });
    assert.deepEqual(plan.toSend.map((row) => row.customId), ['row-1', 'row-3', 'row-4']);
  });

  it('does not plan rows whose results are not downloaded, or that a newer batch is working on', () => {
    const job = endedJob();
    job.batches[0].resultsComplete = false;
    job.rows = {};
    assert.equal(planRetry(job).awaitingResults.length, 6);

    const retried = endedJob();
    retried.batches.push(makeBatch({ index: 1, purpose: 'retry', batchId: 'msgbatch_2', customIds: ['row-1', 'row-3'], status: 'in_progress' }));
    const plan = planRetry(retried);
    assert.deepEqual(plan.toSend, []);
    assert.deepEqual(plan.inFlight, ['row-1', 'row-3']);
  });

  it('sends exactly the planned rows, unchanged, as a retry batch of the same job, intent first', async () => {
    const store = await storeWith(endedJob());
    const api = new FakeBatchApi();
    let intentSeenBeforeCreate = false;
    api.createImpl = async (requests) => {
      const stored = await store.get('job_r');
      const intent = stored?.batches[1];
      intentSeenBeforeCreate = intent !== undefined && intent.batchId === undefined && intent.purpose === 'retry';
      return remoteBatch('msgbatch_2', 'in_progress', counts({ processing: requests.length }));
    };
    const outcome = await submitRetry(planRetry(endedJob()), { store, api, clock: new FakeClock() });
    assert.equal(intentSeenBeforeCreate, true);
    assert.deepEqual(api.created, [[requestFor('row-1'), requestFor('row-3')]]);
    assert.deepEqual(outcome.created, ['msgbatch_2']);
    assert.deepEqual(outcome.sentCustomIds, ['row-1', 'row-3']);
    const job = await store.get('job_r');
    assert.equal(job?.batches.length, 2);
    assert.deepEqual(
      { purpose: job?.batches[1].purpose, batchId: job?.batches[1].batchId, index: job?.batches[1].index, customIds: job?.batches[1].customIds },
      { purpose: 'retry', batchId: 'msgbatch_2', index: 1, customIds: ['row-1', 'row-3'] },
    );
    assert.equal(job?.rows['row-1'].length, 1, 'the earlier attempt is kept; the retry adds to it later');
    assert.deepEqual(jobCounts(job as Job), counts({ succeeded: 2, errored: 1, canceled: 1, processing: 2 }));
  });

  it('marks a retry the API refused outright as not submitted, so it can be planned again', async () => {
    const store = await storeWith(endedJob());
    const api = new FakeBatchApi();
    api.createImpl = async () => {
      throw new BatchApiError({ kind: 'auth', message: 'invalid x-api-key', status: 401 });
    };
    const outcome = await submitRetry(planRetry(endedJob()), { store, api, clock: new FakeClock() });
    assert.equal(outcome.failure?.definite, true);
    const job = (await store.get('job_r')) as Job;
    assert.equal(job.batches[1].notSubmitted, true);
    assert.deepEqual(planRetry(job).toSend.map((row) => row.customId), ['row-1', 'row-3']);
  });

  it('keeps an ambiguous failure as an open intent (reconciliation decides), never resending it', async () => {
    const store = await storeWith(endedJob());
    const api = new FakeBatchApi();
    api.createImpl = async () => {
      throw new BatchApiError({ kind: 'timeout', message: 'timed out' });
    };
    const outcome = await submitRetry(planRetry(endedJob()), { store, api, clock: new FakeClock() });
    assert.equal(outcome.failure?.definite, false);
    const job = (await store.get('job_r')) as Job;
    assert.equal(job.batches[1].notSubmitted, undefined);
    assert.deepEqual(planRetry(job).toSend, []);
    assert.deepEqual(planRetry(job).inFlight, ['row-1', 'row-3']);
  });
});
