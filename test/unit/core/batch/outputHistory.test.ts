import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_OUTPUT_RATIO, expectedRowOutputTokens, outputHistoryOf } from '../../../../src/core/batch/outputHistory';
import type { Job, RowAttempt } from '../../../../src/core/jobs/jobModel';
import { rowsWereRead } from '../../../../src/core/tracking/jobRowsLog';
import { storedSucceededOutput } from '../../../../src/core/tracking/jobRowStats';
import { FileJobStore } from '../../../../src/core/tracking/jobStore';

function job(id: string, template: string, rows: Record<string, RowAttempt[]>): Job {
  return {
    schemaVersion: 1,
    id,
    createdAt: 0,
    template: { name: template, model: 'claude-sonnet-4-6', maxTokens: 1024 },
    manifest: [],
    batches: [],
    rows,
    estimate: { batchUsd: 0, syncUsd: 0, inputTokens: 0, outputTokensBound: 0 },
    requestsFile: `requests/${id}.jsonl`,
  };
}

const succeeded = (output: number): RowAttempt => ({ batchId: 'msgbatch_1', outcome: 'succeeded', usage: { input_tokens: 500, output_tokens: output } });

describe('outputHistoryOf', () => {
  it('averages output tokens over the succeeded rows of the same template only', () => {
    const jobs = [
      job('a', 'summarize', { r1: [succeeded(40)], r2: [succeeded(60)] }),
      job('b', 'summarize', { r1: [{ batchId: 'x', outcome: 'errored', errorType: 'overloaded_error' }, succeeded(80)] }),
      job('c', 'review', { r1: [succeeded(900)] }),
    ];
    assert.deepEqual(outputHistoryOf(jobs, 'summarize'), { basis: 'history', meanOutputTokens: 60, rows: 3, jobs: 2 });
    assert.deepEqual(outputHistoryOf(jobs, 'review'), { basis: 'history', meanOutputTokens: 900, rows: 1, jobs: 1 });
  });

  it("gives the same history from a store's row stats without reading any job's rows", async () => {
    const store = new FileJobStore(await fs.mkdtemp(path.join(os.tmpdir(), 'bl-history-')));
    const jobs = [
      job('job_a', 'summarize', { r1: [succeeded(40)], r2: [succeeded(60)] }),
      job('job_b', 'summarize', { r1: [{ batchId: 'x', outcome: 'errored', errorType: 'overloaded_error' }, succeeded(80)] }),
      job('job_c', 'review', { r1: [succeeded(900)] }),
    ];
    for (const each of jobs) await store.create(each);
    const stored = await store.list();
    assert.deepEqual(outputHistoryOf(stored, 'summarize', storedSucceededOutput), outputHistoryOf(jobs, 'summarize'));
    assert.deepEqual(outputHistoryOf(stored, 'review', storedSucceededOutput), outputHistoryOf(jobs, 'review'));
    assert.ok(stored.every((each) => !rowsWereRead(each)), 'no rows were read');
  });

  it('has no history for a template whose rows were not downloaded or did not succeed', () => {
    const jobs = [job('a', 'summarize', {}), job('b', 'summarize', { r: [{ batchId: 'x', outcome: 'expired' }] })];
    assert.equal(outputHistoryOf(jobs, 'summarize'), undefined);
  });

  it('expects a row never to exceed max_tokens', () => {
    assert.equal(expectedRowOutputTokens({ basis: 'ratio', ratio: DEFAULT_OUTPUT_RATIO }, 4000, 512), 512);
    assert.equal(expectedRowOutputTokens({ basis: 'ratio', ratio: DEFAULT_OUTPUT_RATIO }, 400, 512), 100);
    assert.equal(expectedRowOutputTokens({ basis: 'history', meanOutputTokens: 41.6, rows: 5, jobs: 1 }, 9999, 512), 42);
  });
});
