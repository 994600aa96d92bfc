import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { batchDownloadedCount, storedRowStats } from '../../../../src/core/tracking/jobRowStats';
import { FileJobStore } from '../../../../src/core/tracking/jobStore';
import { computeJobSavings } from '../../../../src/core/tracking/savings';
import { batchChildren, batchNodes, jobNode, rowNodes } from '../../../../src/features/tracker/treeModel';
import { counts, makeBatch, makeJob } from '../../core/tracking/support/fakes';

const NOW = Date.parse('2026-11-22T09:00:00Z');
const flagsOf = (contextValue: string) => contextValue.split(' ').sort();

describe('Batches tree model', () => {
  it('marks a running job for cancel and copy, not for delete, with a spinning icon and expiry', () => {
    const job = makeJob('job_run', ['a.ts', 'b.ts'], [makeBatch({ batchId: 'msgbatch_1', customIds: ['row-0', 'row-1'], status: 'in_progress', expiresAt: '2026-11-23T07:59:00Z', counts: counts({ processing: 2 }) })]);
    const node = jobNode(job, NOW);
    assert.deepEqual(flagsOf(node.contextValue), ['hasId', 'job', 'running']);
    assert.equal(node.icon.id, 'sync~spin');
    assert.equal(node.label, 'summarize · 2 files');
    assert.equal(node.description, 'running · 2 processing · expires in 22h 59m');
    assert.match(node.tooltip, /msgbatch_1/);
    assert.match(node.tooltip, /Preview estimate: \$[\d.]+ if every row used max_tokens/);
  });

  it("puts the preview's expected cost and the actual cost side by side in an ended job's tooltip", () => {
    const job = makeJob('job_cost', ['a.ts'], [makeBatch({ batchId: 'msgbatch_1', customIds: ['row-0'], status: 'ended', counts: counts({ succeeded: 1 }) })]);
    job.estimate = { ...job.estimate, batchUsd: 0.05, expectedBatchUsd: 0.0031, expectedBasis: 'history' };
    job.rows = { 'row-0': [{ batchId: 'msgbatch_1', outcome: 'succeeded', usage: { input_tokens: 1000, output_tokens: 200, service_tier: 'batch' }, model: 'claude-sonnet-4-6' }] };
    const node = jobNode(job, NOW, computeJobSavings(job));
    assert.match(node.tooltip, /Expected cost \(preview\): ≈\$0\.0031 at batch price \(output from the template's history\); ceiling \$0\.05 if every row used max_tokens/);
    // (1,000 x $3 + 200 x $15) / 1M x 0.5
    assert.match(node.tooltip, /Actual cost: \$0\.003 for 1 rows/);
  });

  it('marks an ended job with failures for results, retry and delete, with a warning icon', () => {
    const job = makeJob('job_done', ['a.ts', 'b.ts'], [makeBatch({ batchId: 'msgbatch_1', customIds: ['row-0', 'row-1'], status: 'ended', counts: counts({ succeeded: 1, errored: 1 }) })]);
    job.rows = {
      'row-0': [{ batchId: 'msgbatch_1', outcome: 'succeeded', outputPath: '.batchlens/results/job_done/a.ts.md' }],
      'row-1': [{ batchId: 'msgbatch_1', outcome: 'errored', errorType: 'overloaded_error', errorMessage: 'Overloaded' }],
    };
    job.batches[0].lastPollError = undefined;
    const node = jobNode(job, NOW);
    assert.deepEqual(flagsOf(node.contextValue), ['deletable', 'ended', 'hasFailed', 'hasId', 'hasResults', 'job']);
    assert.equal(node.icon.id, 'warning');

    const [batch] = batchNodes(job);
    assert.deepEqual(flagsOf(batch.contextValue), ['batch', 'ended', 'hasId']);
    const rows = rowNodes(job, batch.batch);
    assert.deepEqual(rows.map((row) => [row.label, row.icon.id, row.contextValue]), [
      ['a.ts', 'check', 'row hasResults'],
      ['b.ts', 'error', 'row hasFailed'],
    ]);
    assert.equal(rows[1].description, 'overloaded_error');
  });

  it('offers retry as soon as an ended batch reports failed rows, before its results are downloaded', () => {
    const job = makeJob('job_failed', ['a.ts', 'b.ts', 'c.ts'], [makeBatch({ batchId: 'msgbatch_1', customIds: ['row-0', 'row-1', 'row-2'], status: 'ended', counts: counts({ succeeded: 1, errored: 1, expired: 1 }) })]);
    assert.deepEqual(flagsOf(jobNode(job, NOW).contextValue), ['deletable', 'ended', 'hasFailed', 'hasId', 'job']);
    const clean = makeJob('job_clean', ['a.ts'], [makeBatch({ batchId: 'msgbatch_2', customIds: ['row-0'], status: 'ended', counts: counts({ succeeded: 1 }) })]);
    assert.ok(!flagsOf(jobNode(clean, NOW).contextValue).includes('hasFailed'));
  });

  it('shows a polling failure in the tooltip as state', () => {
    const job = makeJob('job_err', ['a.ts'], [makeBatch({ batchId: 'msgbatch_1', customIds: ['row-0'], status: 'in_progress', lastPollError: '529 overloaded' })]);
    const node = jobNode(job, NOW);
    assert.match(node.tooltip, /Last poll error: 529 overloaded/);
    assert.equal(node.icon.color, 'problemsWarningIcon.foreground');
  });

  it('has no rows under a batch before its results are downloaded', () => {
    const job = makeJob('job_x', ['a.ts'], [makeBatch({ batchId: 'msgbatch_1', customIds: ['row-0'], status: 'ended', counts: counts({ succeeded: 1 }) })]);
    assert.deepEqual(rowNodes(job, job.batches[0]), []);
  });

  it('groups a large batch\'s rows into pages and builds the rows of one page only', () => {
    const files = Array.from({ length: 1201 }, (_, i) => `src/f${i}.ts`);
    const customIds = files.map((_, i) => `row-${i}`);
    const job = makeJob('job_big', files, [makeBatch({ batchId: 'msgbatch_1', customIds, status: 'ended', counts: counts({ succeeded: 1200, errored: 1 }) })]);
    // Row 1 has no result yet (downloads stop anywhere); row 700 failed.
    job.rows = Object.fromEntries(
      customIds
        .filter((id) => id !== 'row-1')
        .map((id) => [id, [id === 'row-700' ? { batchId: 'msgbatch_1', outcome: 'errored' as const, errorType: 'overloaded_error' } : { batchId: 'msgbatch_1', outcome: 'succeeded' as const }]]),
    );
    const pages = batchChildren(job, job.batches[0], 500);
    assert.deepEqual(pages.map((page) => [page.kind, page.label, page.description]), [
      ['page', 'Rows 1–500', ''],
      ['page', 'Rows 501–1,000', '1 failed'],
      ['page', 'Rows 1,001–1,200', ''],
    ]);
    const second = pages[1];
    assert.ok(second.kind === 'page');
    const rows = rowNodes(job, second.batch, second.start, second.end);
    assert.equal(rows.length, 500);
    // Page 2 starts at manifest row 501 because row 1 has no result.
    assert.equal(rows[0].customId, 'row-501');
    assert.equal(rows[rows.length - 1].customId, 'row-1000');
    assert.equal(rows.find((row) => row.customId === 'row-700')?.icon.id, 'error');
    // A batch that fits on one page opens straight to its rows.
    assert.deepEqual(batchChildren(job, job.batches[0], 5000).map((node) => node.kind).slice(0, 1), ['row']);
  });

  it('shows a stored 20k-row job and its batches from the header alone, and reads the rows only when a batch is opened, a page at a time', async () => {
    const rowsCount = 20_000;
    const files = Array.from({ length: rowsCount }, (_, i) => `src/f${i}.ts`);
    const job = makeJob('job_huge', files, []);
    const customIds = job.manifest.map((entry) => entry.customId);
    job.batches.push(makeBatch({ batchId: 'msgbatch_1', customIds, status: 'ended', counts: counts({ succeeded: rowsCount - 3, errored: 3 }) }));
    job.rows = Object.fromEntries(customIds.map((id, i) => [id, [{ batchId: 'msgbatch_1', outcome: i % 7000 === 0 ? ('errored' as const) : ('succeeded' as const) }]]));
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'bl-tree-'));
    await new FileJobStore(root).create(job);
    const stored = await new FileJobStore(root).get('job_huge');
    assert.ok(stored);

    const node = jobNode(stored, NOW);
    assert.equal(node.label, 'summarize · 20000 files');
    assert.match(node.description, /^done with failures · 19997 succeeded · 3 errored · /);
    assert.deepEqual(flagsOf(node.contextValue), ['deletable', 'ended', 'hasFailed', 'hasId', 'job']);
    const [batch] = batchNodes(stored);
    assert.equal(batch.label, 'Batch 1 · 20,000 rows');
    assert.equal(batchDownloadedCount(stored, stored.batches[0], () => -1), rowsCount, 'downloaded rows counted from the header');
    assert.ok(storedRowStats(stored), 'the job node and its batches did not read the rows');

    const pages = batchChildren(stored, stored.batches[0]);
    assert.equal(storedRowStats(stored), undefined, 'opening the batch read the rows');
    assert.equal(pages.length, 40);
    assert.deepEqual([pages[0].label, pages[39].label], ['Rows 1–500', 'Rows 19,501–20,000']);
    assert.equal(pages[14].description, '1 failed', 'row 7000 failed');
    const page = pages[14];
    assert.ok(page.kind === 'page');
    const rows = rowNodes(stored, page.batch, page.start, page.end);
    assert.equal(rows.length, 500);
    assert.equal(rows[0].customId, customIds[7000]);
    assert.equal(rows[0].icon.id, 'error');
  });
});
