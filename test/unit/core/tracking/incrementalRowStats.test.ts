import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { MessageBatchIndividualResponse } from '../../../../src/core/api/batchApi';
import type { Job } from '../../../../src/core/jobs/jobModel';
import { computeRowStats, storedRowStats } from '../../../../src/core/tracking/jobRowStats';
import { FileJobStore } from '../../../../src/core/tracking/jobStore';
import { downloadResults } from '../../../../src/core/tracking/resultsWriter';
import { computeJobSavings } from '../../../../src/core/tracking/savings';
import { withUsageTotals } from '../../../../src/core/tracking/usageTotalsBackfill';
import { silentLogger } from '../../../../src/core/util/logger';
import { FakeBatchApi, counts, makeBatch, makeJob } from './support/fakes';
import { ended, errored, scriptedResults, succeeded } from './support/results';

const FILES = Array.from({ length: 8 }, (_, i) => `src/f${i}.ts`);

interface HeaderOnDisk {
  rowStats: ReturnType<typeof computeRowStats>;
  rowStatsStale?: boolean;
}

async function header(root: string, jobId: string): Promise<HeaderOnDisk> {
  return JSON.parse(await fs.readFile(path.join(root, '.batchlens', 'jobs', `${jobId}.json`), 'utf8')) as HeaderOnDisk;
}

/** The stats computed from the rows the store holds now (the job read whole). */
async function statsFromRows(store: FileJobStore, jobId: string) {
  const job = (await store.get(jobId)) as Job;
  return computeRowStats({ ...job, manifest: job.manifest, rows: job.rows, batches: job.batches.map((batch) => ({ ...batch, customIds: batch.customIds })) });
}

/** A job of 8 rows: batch 1 holds all of them, batch 2 (a retry) holds rows 0-2 again. */
async function workspace() {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'bl-incstats-'));
  const store = new FileJobStore(root);
  const api = new FakeBatchApi();
  const ids = FILES.map((_, i) => `row-${i}`);
  const job = makeJob('job_i', FILES, [
    makeBatch({ index: 0, batchId: 'msgbatch_1', customIds: ids, status: 'ended', counts: counts({ succeeded: 5, errored: 2, expired: 1 }) }),
  ]);
  await store.create(job);
  return { root, store, api, ids };
}

/** Results served per batch id. */
function serve(api: FakeBatchApi, byBatch: Record<string, MessageBatchIndividualResponse[]>): void {
  api.resultsImpl = (batchId, options) => scriptedResults(byBatch[batchId] ?? []).impl(batchId, options);
}

const usage = (input: number, output: number, extra: Record<string, unknown> = {}) => ({ input_tokens: input, output_tokens: output, service_tier: 'batch', ...extra });

describe('row stats and usage totals kept current from the appended attempts', () => {
  it('after downloads in several saves, a retry batch and a forced re-download, the header stats equal the stats computed from the rows', async () => {
    const { root, store, api, ids } = await workspace();
    serve(api, {
      msgbatch_1: [
        errored('row-0', 'overloaded_error', 'busy'),
        succeeded('row-1', 'one', usage(100, 10, { cache_read_input_tokens: 50 })),
        ended('row-2', 'expired'),
        succeeded('row-3', 'three', usage(200, 20, { cache_creation_input_tokens: 30 })),
        succeeded('row-4', 'four', usage(300, 30), 'claude-haiku-4-5'),
        succeeded('row-5', 'five', usage(400, 40, { service_tier: 'standard' })),
        errored('row-6', 'invalid_request_error', 'bad'),
        succeeded('row-7', 'seven', usage(500, 50, { inference_geo: 'us' })),
      ],
    });
    // Full updates (which read every row back) are counted: only the one moving the raw file into place may happen.
    let fullUpdates = 0;
    const update = store.update.bind(store);
    store.update = (jobId, mutate) => {
      fullUpdates += 1;
      return update(jobId, mutate);
    };
    // saveEveryLines 2: several appends before the last save.
    await downloadResults('job_i', { store, api, logger: silentLogger, saveEveryLines: 2 });
    assert.equal(fullUpdates, 1, 'the last save appended too: no full update recomputed the stats');
    let onDisk = await header(root, 'job_i');
    assert.equal(onDisk.rowStatsStale, undefined, 'the stats were kept current, not marked stale');
    assert.deepEqual(onDisk.rowStats, await statsFromRows(store, 'job_i'));
    assert.equal(onDisk.rowStats.failedDownloaded, 3);
    assert.equal(onDisk.rowStats.batches[0].downloaded, 8);

    // A retry batch of rows 0-2, downloaded: each row's latest attempt changes.
    await store.update('job_i', (job) => {
      job.batches.push(makeBatch({ index: 1, batchId: 'msgbatch_2', customIds: ids.slice(0, 3), status: 'ended', counts: counts({ succeeded: 2, errored: 1 }) }));
    });
    serve(api, {
      msgbatch_2: [succeeded('row-0', 'zero again', usage(110, 11)), succeeded('row-1', 'one again', usage(120, 12)), errored('row-2', 'overloaded_error', 'busy')],
    });
    await downloadResults('job_i', { store, api, logger: silentLogger, saveEveryLines: 1 });
    onDisk = await header(root, 'job_i');
    assert.equal(onDisk.rowStatsStale, undefined);
    assert.deepEqual(onDisk.rowStats, await statsFromRows(store, 'job_i'));
    assert.equal(onDisk.rowStats.failedDownloaded, 2, 'row 0 now succeeded; rows 2 and 6 still failed');
    assert.equal(onDisk.rowStats.batches[1].downloaded, 3);

    // A forced re-download of batch 1 whose rows now say otherwise: attempts are replaced, not added.
    serve(api, {
      msgbatch_1: [succeeded('row-6', 'six', usage(600, 60)), succeeded('row-1', 'one', usage(100, 10, { cache_read_input_tokens: 50 }))],
      msgbatch_2: [succeeded('row-0', 'zero again', usage(110, 11)), succeeded('row-1', 'one again', usage(120, 12)), errored('row-2', 'overloaded_error', 'busy')],
    });
    await downloadResults('job_i', { store, api, logger: silentLogger, force: true, saveEveryLines: 1 });
    onDisk = await header(root, 'job_i');
    assert.equal(onDisk.rowStatsStale, undefined);
    assert.deepEqual(onDisk.rowStats, await statsFromRows(store, 'job_i'));
    assert.equal(onDisk.rowStats.failedDownloaded, 1, 'row 6 succeeded on the forced re-read');
  });

  it('savings from the header totals equal savings from the rows, without reading the rows', async () => {
    const { store, api } = await workspace();
    serve(api, {
      msgbatch_1: [
        succeeded('row-0', 'a', usage(1000, 100, { cache_read_input_tokens: 5000 })),
        succeeded('row-1', 'b', usage(2000, 200, { cache_creation_input_tokens: 300, cache_creation: { ephemeral_5m_input_tokens: 100, ephemeral_1h_input_tokens: 200 } })),
        succeeded('row-2', 'c', usage(3000, 300), 'claude-haiku-4-5'),
        succeeded('row-3', 'd', usage(4000, 400, { service_tier: 'standard' })),
        succeeded('row-4', 'e', usage(5000, 500, { inference_geo: 'us' })),
        succeeded('row-5', 'f', usage(6000, 600), 'claude-unknown-model'),
        errored('row-6', 'invalid_request_error', 'bad'),
        ended('row-7', 'expired'),
      ],
    });
    await downloadResults('job_i', { store, api, logger: silentLogger, saveEveryLines: 3 });
    const stored = (await store.get('job_i')) as Job;
    assert.ok(storedRowStats(stored)?.usage, 'the header keeps usage totals');
    const fromHeader = computeJobSavings(stored);
    assert.ok(storedRowStats(stored), 'pricing from the totals did not read the rows');
    const job = (await store.get('job_i')) as Job;
    const fromRows = computeJobSavings({ ...job, rows: job.rows });
    assert.equal(fromHeader.pricedRows, 5);
    assert.equal(fromHeader.unpricedRows, 1);
    assert.ok(fromHeader.actualUsd > 0 && fromHeader.savedUsd > 0);
    assert.deepEqual({ ...fromHeader, models: [...fromHeader.models].sort(), notes: [...fromHeader.notes].sort() }, { ...fromRows, models: [...fromRows.models].sort(), notes: [...fromRows.notes].sort() });
  });

  it('a header written before usage totals were kept is priced from the rows once, and gets its totals then', async () => {
    const { root, store, api } = await workspace();
    serve(api, { msgbatch_1: [succeeded('row-0', 'a', usage(1000, 100)), succeeded('row-1', 'b', usage(2000, 200, { cache_read_input_tokens: 700 })), errored('row-2', 'invalid_request_error', 'bad')] });
    await downloadResults('job_i', { store, api, logger: silentLogger });
    const file = path.join(root, '.batchlens', 'jobs', 'job_i.json');
    const onDisk = JSON.parse(await fs.readFile(file, 'utf8')) as { rowStats: { usage?: unknown } };
    delete onDisk.rowStats.usage;
    await fs.writeFile(file, `${JSON.stringify(onDisk)}\n`);
    const old = (await store.get('job_i')) as Job;
    assert.equal(storedRowStats(old)?.usage, undefined, 'the old header has no totals');
    const fromRows = computeJobSavings({ ...old, rows: old.rows });

    const [backfilled] = await withUsageTotals(store, [(await store.get('job_i')) as Job]);
    assert.deepEqual(computeJobSavings(backfilled), fromRows);
    const stored = (await store.get('job_i')) as Job;
    assert.deepEqual(storedRowStats(stored)?.usage, (await statsFromRows(store, 'job_i')).usage, 'the header now keeps the totals');
    assert.equal(storedRowStats(stored)?.usage?.[0]?.inputTokens, 3000);
    assert.deepEqual(computeJobSavings(stored), fromRows);
    assert.ok(storedRowStats(stored), 'priced from the totals: the rows were not read');
  });
});
