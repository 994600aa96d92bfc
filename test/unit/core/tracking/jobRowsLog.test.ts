import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Job, RowAttempt } from '../../../../src/core/jobs/jobModel';
import { storedRowStats } from '../../../../src/core/tracking/jobRowStats';
import { summarizeJob } from '../../../../src/core/tracking/jobStatus';
import { FileJobStore } from '../../../../src/core/tracking/jobStore';
import { sweepStoreLeftovers } from '../../../../src/core/tracking/storeSweep';
import { counts, makeBatch, makeJob } from './support/fakes';

async function tempRoot(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'bl-rows-'));
}

interface HeaderOnDisk {
  storeFormat: number;
  rowsFile: string;
  rowsBytes: number;
  job: { batches: Array<Record<string, unknown>> };
}

async function header(root: string, jobId: string): Promise<HeaderOnDisk> {
  return JSON.parse(await fs.readFile(path.join(root, '.batchlens', 'jobs', `${jobId}.json`), 'utf8')) as HeaderOnDisk;
}

function attempt(batchId: string, outcome: RowAttempt['outcome'], extra: Partial<RowAttempt> = {}): RowAttempt {
  return { batchId, outcome, ...extra };
}

/** A job of `rows` files in one batch that has ended. */
function endedJob(id: string, rows: number): Job {
  const files = Array.from({ length: rows }, (_, i) => `src/f${i}.ts`);
  const job = makeJob(id, files, []);
  job.batches.push(makeBatch({ index: 0, batchId: 'msgbatch_1', status: 'ended', counts: counts({ succeeded: rows - 1, errored: 1 }), customIds: job.manifest.map((entry) => entry.customId) }));
  return job;
}

describe('job store: header + rows log', () => {
  it('keeps the rows out of the header: a status change rewrites the header alone and leaves the log untouched', async () => {
    const root = await tempRoot();
    const store = new FileJobStore(root);
    const job = endedJob('job_s', 50);
    job.batches[0].status = 'in_progress';
    await store.create(job);
    const before = await header(root, 'job_s');
    assert.equal(before.storeFormat, 2);
    assert.equal(before.job.batches[0].customIds, undefined, 'custom ids live in the log');
    const logPath = path.join(root, '.batchlens', before.rowsFile);
    const logBefore = await fs.stat(logPath);

    await store.update('job_s', (stored) => {
      stored.batches[0].status = 'ended';
    });

    const after = await header(root, 'job_s');
    const logAfter = await fs.stat(logPath);
    assert.equal(after.rowsFile, before.rowsFile);
    assert.equal(after.rowsBytes, before.rowsBytes);
    assert.equal(logAfter.mtimeMs, logBefore.mtimeMs, 'the rows log was not rewritten');
    assert.equal(logAfter.ino, logBefore.ino);
    const read = await store.get('job_s');
    assert.equal(read?.batches[0].status, 'ended');
    assert.equal(read?.batches[0].customIds.length, 50);
    assert.equal(read?.manifest.length, 50);
  });

  it('appends new attempts to the log (its earlier bytes unchanged) and reads them back', async () => {
    const root = await tempRoot();
    const store = new FileJobStore(root);
    await store.create(endedJob('job_a', 20));
    const first = await header(root, 'job_a');
    const logPath = path.join(root, '.batchlens', first.rowsFile);
    const logBefore = await fs.readFile(logPath);

    await store.update('job_a', (job) => {
      for (const entry of job.manifest.slice(0, 10)) job.rows[entry.customId] = [attempt('msgbatch_1', 'succeeded', { outputPath: `out/${entry.customId}.md` })];
      job.writtenFiles = { 'out/a.md': 'hash-a' };
    });
    await store.update('job_a', (job) => {
      // The results writer's way: one batch's attempt replaced by a newer one.
      const id = job.manifest[0].customId;
      job.rows[id] = [...job.rows[id].filter((earlier) => earlier.batchId !== 'msgbatch_1'), attempt('msgbatch_1', 'errored', { errorType: 'overloaded_error' })];
    });

    const second = await header(root, 'job_a');
    assert.equal(second.rowsFile, first.rowsFile, 'same log: appended, not rewritten');
    const logAfter = await fs.readFile(logPath);
    assert.ok(logAfter.length > logBefore.length);
    assert.deepEqual(logAfter.subarray(0, logBefore.length), logBefore, 'the earlier bytes are unchanged');
    const job = await store.get('job_a');
    assert.ok(job);
    assert.equal(Object.keys(job.rows).length, 10);
    assert.deepEqual(job.rows[job.manifest[0].customId], [attempt('msgbatch_1', 'errored', { errorType: 'overloaded_error' })]);
    assert.deepEqual(job.writtenFiles, { 'out/a.md': 'hash-a' });
  });

  it('gives the same summary from the header stats as from the rows, without reading the rows', async () => {
    const root = await tempRoot();
    const store = new FileJobStore(root);
    const job = endedJob('job_c', 30);
    // A retry batch speaks for two rows; the first batch's results are downloaded.
    const retried = job.manifest.slice(0, 2).map((entry) => entry.customId);
    for (const entry of job.manifest) job.rows[entry.customId] = [attempt('msgbatch_1', retried.includes(entry.customId) ? 'errored' : 'succeeded', { outputPath: 'x.md' })];
    job.batches.push(makeBatch({ index: 1, batchId: 'msgbatch_2', status: 'in_progress', purpose: 'retry', customIds: retried }));
    await store.create(job);
    const expected = summarizeJob(job);

    const stored = await store.get('job_c');
    assert.ok(stored);
    assert.ok(storedRowStats(stored), 'the stored job carries its row stats');
    assert.deepEqual(summarizeJob(stored), expected);
    assert.ok(storedRowStats(stored), 'summarizing did not read the rows');
    assert.deepEqual(expected.counts, { processing: 2, succeeded: 28, errored: 0, canceled: 0, expired: 0 });

    // Once the retry ends the counts follow it, still from the header.
    await store.update('job_c', (fresh) => {
      fresh.batches[1].status = 'ended';
      fresh.batches[1].counts = counts({ succeeded: 2 });
    });
    const ended = await store.get('job_c');
    assert.ok(ended && storedRowStats(ended));
    assert.deepEqual(summarizeJob(ended).counts, { processing: 0, succeeded: 30, errored: 0, canceled: 0, expired: 0 });
  });

  it('migrates a job file in the single-file format on read and on its next update', async () => {
    const root = await tempRoot();
    const old = endedJob('job_old', 5);
    old.rows[old.manifest[0].customId] = [attempt('msgbatch_1', 'succeeded', { outputPath: 'out/0.md' })];
    old.writtenFiles = { 'out/0.md': 'h0' };
    await fs.mkdir(path.join(root, '.batchlens', 'jobs'), { recursive: true });
    await fs.writeFile(path.join(root, '.batchlens', 'jobs', 'job_old.json'), `${JSON.stringify(old)}\n`);
    const store = new FileJobStore(root);

    const read = await store.get('job_old');
    assert.deepEqual(read, old, 'the old format reads as before');
    await store.update('job_old', (job) => {
      job.batches[0].lastPollError = 'boom';
    });

    const migrated = await header(root, 'job_old');
    assert.equal(migrated.storeFormat, 2);
    const again = await store.get('job_old');
    assert.deepEqual(JSON.parse(JSON.stringify(again)), { ...old, batches: [{ ...old.batches[0], lastPollError: 'boom' }] });
  });

  it('ignores log bytes a crash left after the last header write, and the next append replaces them', async () => {
    const root = await tempRoot();
    const store = new FileJobStore(root);
    await store.create(endedJob('job_k', 3));
    const { rowsFile } = await header(root, 'job_k');
    const logPath = path.join(root, '.batchlens', rowsFile);
    // An append that reached the log but not the header, cut mid-line.
    await fs.appendFile(logPath, '{"r":"ghost","a":{"batchId":"msgbatch_1","outcome":"succeeded"}}\n{"r":"gho');

    const read = await store.get('job_k');
    assert.deepEqual(read?.rows, {}, 'nothing the header does not vouch for');
    await store.update('job_k', (job) => {
      job.rows[job.manifest[1].customId] = [attempt('msgbatch_1', 'expired')];
    });
    const job = await store.get('job_k');
    assert.deepEqual(Object.keys(job?.rows ?? {}), [job?.manifest[1].customId]);
    assert.doesNotMatch(await fs.readFile(logPath, 'utf8'), /ghost/);
  });

  it('writes a new log generation when rows are removed, and removes the old one', async () => {
    const root = await tempRoot();
    const store = new FileJobStore(root);
    const job = endedJob('job_g', 4);
    for (const entry of job.manifest) job.rows[entry.customId] = [attempt('msgbatch_1', 'succeeded')];
    await store.create(job);
    const first = await header(root, 'job_g');
    await store.update('job_g', (stored) => {
      delete stored.rows[stored.manifest[0].customId];
    });
    const second = await header(root, 'job_g');
    assert.notEqual(second.rowsFile, first.rowsFile);
    await assert.rejects(fs.stat(path.join(root, '.batchlens', first.rowsFile)), /ENOENT/);
    assert.equal(Object.keys((await store.get('job_g'))?.rows ?? {}).length, 3);
    await store.delete('job_g');
    assert.deepEqual(await fs.readdir(path.join(root, '.batchlens', 'jobs')), [], 'delete removes the header and the log');
  });

  it('refuses to let a stored row be changed in place (it would be neither an append nor a rewrite)', async () => {
    const root = await tempRoot();
    const store = new FileJobStore(root);
    const job = endedJob('job_f', 2);
    job.rows[job.manifest[0].customId] = [attempt('msgbatch_1', 'succeeded')];
    await store.create(job);
    await assert.rejects(
      store.update('job_f', (stored) => {
        stored.rows[stored.manifest[0].customId][0].outputPath = 'sneaky.md';
      }),
      TypeError,
    );
  });

  it('appends results progress without reading the rows; until a full update the counts come from the rows, never from stale stats', async () => {
    const root = await tempRoot();
    const store = new FileJobStore(root);
    await store.create(endedJob('job_r', 10));
    const job = await store.get('job_r');
    assert.ok(job && store.canAppendResults(job));
    const ids = job.manifest.map((entry) => entry.customId);
    const attempts = new Map(ids.slice(0, 4).map((id, i) => [id, attempt('msgbatch_1', i === 0 ? 'errored' : 'succeeded', i === 0 ? {} : { outputPath: `out/${id}.md` })]));
    await store.appendResults('job_r', attempts, new Map([['out/x.md', 'hx']]), (stored) => {
      stored.batches[0].resultsLinesWritten = 4;
    });
    const progressed = await store.get('job_r');
    assert.ok(progressed);
    assert.equal(storedRowStats(progressed), undefined, 'stale stats are not used');
    const summary = summarizeJob(progressed);
    assert.equal(summary.rowsWithOutput, 3);
    assert.equal(summary.failedRowCount, 1);
    assert.equal(progressed.batches[0].resultsLinesWritten, 4);
    assert.deepEqual(progressed.writtenFiles, { 'out/x.md': 'hx' });
    // A second append replaces a row's attempt from the same batch.
    await store.appendResults('job_r', new Map([[ids[0], attempt('msgbatch_1', 'succeeded', { outputPath: 'out/0.md' })]]), new Map(), () => undefined);
    await store.update('job_r', (stored) => {
      stored.batches[0].resultsComplete = true;
    });
    const done = await store.get('job_r');
    assert.ok(done && storedRowStats(done), 'a full update makes the stats current again');
    assert.equal(summarizeJob(done).rowsWithOutput, 4);
    assert.equal(summarizeJob(done).failedRowCount, 1, 'from request_counts: the batch reported one errored row');
    assert.deepEqual(done.rows[ids[0]], [attempt('msgbatch_1', 'succeeded', { outputPath: 'out/0.md' })]);
    await assert.rejects(
      store.appendResults('job_r', new Map(), new Map(), (stored) => {
        stored.rows.sneaky = [];
      }),
      /batch records only/,
    );
  });

  it('appends lines longer than its 1 MB write buffer, and many lines across several writes, each whole', async () => {
    const root = await tempRoot();
    const store = new FileJobStore(root);
    await store.create(endedJob('job_long', 3000));
    const job = await store.get('job_long');
    assert.ok(job);
    const ids = job.manifest.map((entry) => entry.customId);
    // A 1.5 MB error message (one line over the buffer), between 2,999 ordinary rows (~1.2 MB together).
    const long = 'é'.repeat(750_000);
    const attempts = new Map(ids.map((id, i) => [id, i === 1500 ? attempt('msgbatch_1', 'errored', { errorType: 'api_error', errorMessage: long }) : attempt('msgbatch_1', 'succeeded', { outputPath: `out/${i}-ü.md` })]));
    const files = new Map(ids.map((_id, i) => [`out/${i}-ü.md`, `hash-${i}`]));
    await store.appendResults('job_long', attempts, files, () => undefined);
    await store.update('job_long', () => undefined);
    const read = await store.get('job_long');
    assert.ok(read);
    assert.equal(read.rows[ids[1500]]?.[0]?.errorMessage, long);
    assert.deepEqual(read.rows[ids[2999]], [attempt('msgbatch_1', 'succeeded', { outputPath: 'out/2999-ü.md' })]);
    assert.equal(Object.keys(read.rows).length, 3000);
    assert.equal(read.writtenFiles?.['out/0-ü.md'], 'hash-0');
    assert.equal(Object.keys(read.writtenFiles ?? {}).length, 3000);
  });

  it('sweeps a rows log no header names once it is a minute old, and never the live one', async () => {
    const root = await tempRoot();
    const store = new FileJobStore(root);
    await store.create(endedJob('job_w', 3));
    const { rowsFile } = await header(root, 'job_w');
    const jobs = path.join(root, '.batchlens', 'jobs');
    // A generation whose header was never written (killed in between), and one just being written.
    const orphan = path.join(jobs, 'job_w.rows.0123456789ab.jsonl');
    const fresh = path.join(jobs, 'job_w.rows.ba9876543210.jsonl');
    await fs.writeFile(orphan, '{"m":{}}\n');
    await fs.writeFile(fresh, '{"m":{}}\n');
    const old = new Date(Date.now() - 10 * 60_000);
    await fs.utimes(orphan, old, old);
    await fs.utimes(path.join(root, '.batchlens', rowsFile), old, old);

    const report = await sweepStoreLeftovers(root);

    assert.deepEqual(report.removed, ['.batchlens/jobs/job_w.rows.0123456789ab.jsonl']);
    await fs.access(fresh);
    assert.equal((await store.get('job_w'))?.manifest.length, 3, 'the live log is kept');
  });
});
