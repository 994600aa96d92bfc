import { strict as assert } from 'node:assert';
import { CATALOG_AS_OF } from '../../../../src/core/pricing/catalog';
import type { Job, RowAttempt, UsageRecord } from '../../../../src/core/jobs/jobModel';
import { computeJobSavings, computeSavingsReport, renderSavingsMarkdown } from '../../../../src/core/tracking/savings';
import { counts, makeBatch, makeJob } from './support/fakes';

function row(usage: UsageRecord, model = 'claude-sonnet-4-6'): RowAttempt[] {
  return [{ batchId: 'msgbatch_1', outcome: 'succeeded', usage, model }];
}

function jobWithRows(id: string, rows: Record<string, RowAttempt[]>, createdAt = 0): Job {
  const job = makeJob(id, Object.keys(rows), [makeBatch({ batchId: 'msgbatch_1', customIds: Object.keys(rows), status: 'ended', counts: counts() })]);
  job.rows = rows;
  job.createdAt = createdAt;
  return job;
}

// Sonnet 4.6: input $3, output $15, 5m write $3.75, 1h write $6, read $0.30 per MTok; batch 50% off.
const sonnetJob = () =>
  jobWithRows('job_s', {
    // 1h write: 1000x3 + 500x15 + 2000x6, halved = 0.01125; baseline 3000x3 + 500x15 = 0.0165
    a: row({ input_tokens: 1000, output_tokens: 500, cache_creation_input_tokens: 2000, cache_read_input_tokens: 0, cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 2000 }, service_tier: 'batch' }),
    // read: (1000x3 + 500x15 + 2000x0.3) / 2 = 0.00555; baseline 0.0165
    b: row({ input_tokens: 1000, output_tokens: 500, cache_creation_input_tokens: 0, cache_read_input_tokens: 2000, service_tier: 'batch' }),
    // 5m write: (10x3 + 10x15 + 1000x3.75) / 2 = 0.001965; baseline 1010x3 + 10x15 = 0.00318
    c: row({ input_tokens: 10, output_tokens: 10, cache_creation_input_tokens: 1000, cache_read_input_tokens: 0, cache_creation: { ephemeral_5m_input_tokens: 1000, ephemeral_1h_input_tokens: 0 }, service_tier: 'batch' }),
    d: [{ batchId: 'msgbatch_1', outcome: 'errored', errorType: 'api_error', errorMessage: 'boom' }],
  });

describe('savings', () => {
  it('says how many succeeded rows are not downloaded yet instead of leaving them out silently', () => {
    const job = jobWithRows('job_partial', { a: row({ input_tokens: 100, output_tokens: 10, service_tier: 'batch' }) });
    job.batches[0].counts = counts({ succeeded: 3 });
    const savings = computeJobSavings(job);
    assert.equal(savings.pricedRows, 1);
    assert.equal(savings.notDownloadedRows, 2);
    assert.ok(savings.notes.some((note) => /2 succeeded rows are not downloaded yet and not counted/.test(note)));
    assert.match(renderSavingsMarkdown(computeSavingsReport([job])), /2 succeeded rows are not downloaded yet/);
    job.batches[0].counts = counts({ succeeded: 1 });
    assert.equal(computeJobSavings(job).notDownloadedRows, 0);
  });

  it('prices each succeeded row by its usage and compares with sync, uncached, to the exact cent fraction', () => {
    const savings = computeJobSavings(sonnetJob());
    assert.equal(savings.pricedRows, 3);
    assert.equal(savings.actualUsd, 0.018765);
    assert.equal(savings.syncUncachedUsd, 0.03618);
    assert.equal(savings.savedUsd, 0.017415);
    assert.deepEqual(savings.tokens, { inputTokens: 2010, outputTokens: 1010, cacheWrite5mTokens: 1000, cacheWrite1hTokens: 2000, cacheReadTokens: 2000 });
  });

  it('prices a row without service_tier at the batch price (it came from a batch)', () => {
    const job = jobWithRows('job_t', { a: row({ input_tokens: 1_000_000, output_tokens: 0 }) });
    assert.equal(computeJobSavings(job).actualUsd, 1.5);
    assert.equal(computeJobSavings(job).syncUncachedUsd, 3);
  });

  it('prices a job with the prices in force on the day it was created (Sonnet 5.5 reads: $0.20 before 2026-10-07, $0.10 after)', () => {
    const usage = { input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 1_000_000, service_tier: 'batch' };
    const before = jobWithRows('job_old', { a: row(usage, 'claude-sonnet-5-5') }, Date.parse('2026-10-06T12:00:00Z'));
    const after = jobWithRows('job_new', { a: row(usage, 'claude-sonnet-5-5') }, Date.parse('2026-10-07T00:00:00Z'));
    assert.equal(computeJobSavings(before).actualUsd, 0.1);
    assert.equal(computeJobSavings(after).actualUsd, 0.05);
  });

  it('leaves rows of a model it cannot price out of both figures, and says so', () => {
    const job = jobWithRows('job_u', {
      a: row({ input_tokens: 1_000_000, output_tokens: 0, service_tier: 'batch' }),
      b: row({ input_tokens: 1_000_000, output_tokens: 0, service_tier: 'batch' }, 'gpt-4o'),
    });
    const savings = computeJobSavings(job);
    assert.equal(savings.unpricedRows, 1);
    assert.equal(savings.actualUsd, 1.5);
    assert.match(savings.notes.join(' '), /gpt-4o/);
  });

  it('totals across jobs exactly and carries the catalog date', () => {
    const other = jobWithRows('job_v', { a: row({ input_tokens: 1_000_000, output_tokens: 1_000_000, service_tier: 'batch' }) }, 10);
    const report = computeSavingsReport([sonnetJob(), other]);
    assert.deepEqual(report.jobs.map((job) => job.jobId), ['job_v', 'job_s']);
    assert.equal(report.totals.actualUsd, 9.018765);
    assert.equal(report.totals.syncUncachedUsd, 18.03618);
    assert.equal(report.totals.savedUsd, 9.017415);
    assert.equal(report.catalogAsOf, CATALOG_AS_OF);
    const markdown = renderSavingsMarkdown(report);
    assert.match(markdown, new RegExp(`as of \\*\\*${CATALOG_AS_OF}\\*\\*`));
    assert.match(markdown, /\| \*\*Total\*\* \| \| 4 \| \*\*\$9\.02\*\*/);
  });
});
