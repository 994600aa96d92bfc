import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Job, RowAttempt } from '../../../../src/core/jobs/jobModel';
import { rowStatsContext } from '../../../../src/core/tracking/jobRowStats';
import { rowsLogPlaceOf, rowsWereRead } from '../../../../src/core/tracking/jobRowsLog';
import { FileJobStore } from '../../../../src/core/tracking/jobStore';
import { RowsLogIndex, UnindexableLogError, hashKey } from '../../../../src/core/tracking/rowsLogIndex';
import { downloadResults } from '../../../../src/core/tracking/resultsWriter';
import { silentLogger } from '../../../../src/core/util/logger';
import { sha256Hex } from '../../../../src/core/util/sha256';
import { FakeBatchApi, counts, makeBatch, makeJob } from './support/fakes';
import { scriptedResults, succeeded } from './support/results';

/** Two custom ids and two paths whose keys hash alike: the index must tell them apart by what it reads back. */
const COLLIDING_IDS = ['row-539599', 'row-722382'];
const COLLIDING_PATHS = ['out/f786078.md', 'out/f1022920.md'];

function attempt(batchId: string, outcome: RowAttempt['outcome'], extra: Partial<RowAttempt> = {}): RowAttempt {
  return { batchId, outcome, ...extra };
}

/** A job of 40 rows (two of them with colliding ids) in an initial batch and a retry batch of three rows. */
function jobWithRetry(id: string): Job {
  const files = Array.from({ length: 40 }, (_, i) => `src/f${i}.ts`);
  const job = makeJob(id, files, []);
  job.manifest[10] = { ...job.manifest[10], customId: COLLIDING_IDS[0] };
  job.manifest[20] = { ...job.manifest[20], customId: COLLIDING_IDS[1] };
  const ids = job.manifest.map((entry) => entry.customId);
  job.batches.push(makeBatch({ index: 0, batchId: 'msgbatch_1', status: 'ended', counts: counts({ succeeded: 37, errored: 3 }), customIds: ids }));
  job.batches.push(makeBatch({ index: 1, batchId: 'msgbatch_2', purpose: 'retry', status: 'ended', counts: counts({ succeeded: 3 }), customIds: [ids[3], COLLIDING_IDS[0], ids[30]] }));
  return job;
}

async function storeWith(job: Job): Promise<{ root: string; store: FileJobStore }> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'bl-index-'));
  const store = new FileJobStore(root);
  await store.create(job);
  return { root, store };
}

/** The index of the job's log as its header vouches for it now. */
async function indexOf(store: FileJobStore, jobId: string): Promise<RowsLogIndex> {
  const place = rowsLogPlaceOf((await store.get(jobId)) as Job);
  assert.ok(place, 'a split store job has a rows log');
  return RowsLogIndex.open(place);
}

/** Everything the index answers, compared with the job read whole from the same log. */
async function assertSameAsWholeJob(store: FileJobStore, jobId: string, index: RowsLogIndex): Promise<void> {
  const whole = (await store.get(jobId)) as Job;
  const context = rowStatsContext(whole);
  const indexed = index.statsContext(whole.batches, whole.template.model);
  assert.equal(index.rows, whole.manifest.length);
  for (const entry of whole.manifest) {
    assert.deepEqual(index.entryOf(entry.customId), entry);
    assert.deepEqual(index.attemptsOf(entry.customId), whole.rows[entry.customId] ?? [], `attempts of ${entry.customId}`);
    const positions = whole.batches.flatMap((batch, position) => (batch.customIds.includes(entry.customId) ? [position] : []));
    assert.deepEqual([...index.batchPositionsOf(entry.customId)].sort(), positions);
    assert.equal(indexed.currentPosition(entry.customId), context.currentPosition(entry.customId));
    for (let position = 0; position < whole.batches.length; position++) {
      assert.equal(indexed.holds(position, entry.customId), context.holds(position, entry.customId));
    }
  }
  for (const [file, hash] of Object.entries(whole.writtenFiles ?? {})) assert.equal(index.writtenHashOf(file), hash, file);
  assert.equal(index.entryOf('row-unknown'), undefined);
  assert.deepEqual(index.attemptsOf('row-unknown'), []);
  assert.equal(index.writtenHashOf('out/never-written.md'), undefined);
}

describe('rows log index', () => {
  it('answers entries, attempts, batch membership and written files exactly as the whole job read from the log', async () => {
    assert.equal(hashKey(COLLIDING_IDS[0]), hashKey(COLLIDING_IDS[1]), 'the two ids collide');
    assert.equal(hashKey(COLLIDING_PATHS[0]), hashKey(COLLIDING_PATHS[1]), 'the two paths collide');
    const job = jobWithRetry('job_i');
    const { store } = await storeWith(job);
    const ids = job.manifest.map((entry) => entry.customId);
    await store.update('job_i', (stored) => {
      stored.rows[ids[3]] = [attempt('msgbatch_1', 'errored', { errorType: 'overloaded_error' })];
      stored.rows[COLLIDING_IDS[0]] = [attempt('msgbatch_1', 'errored')];
      stored.rows[COLLIDING_IDS[1]] = [attempt('msgbatch_1', 'succeeded', { outputPath: COLLIDING_PATHS[1] })];
      stored.writtenFiles = { [COLLIDING_PATHS[0]]: 'hash-a', [COLLIDING_PATHS[1]]: 'hash-b' };
    });
    // Appended by results saves: a retry's attempt after the first, one batch's attempt replaced, a path written again.
    await store.appendResults(
      'job_i',
      new Map([
        [ids[3], attempt('msgbatch_2', 'succeeded', { outputPath: 'out/3.md' })],
        [COLLIDING_IDS[1], attempt('msgbatch_1', 'succeeded', { outputPath: 'out/again.md', rawLine: 7 })],
      ]),
      new Map([[COLLIDING_PATHS[0], 'hash-a2']]),
      () => undefined,
    );
    const index = await indexOf(store, 'job_i');
    try {
      await assertSameAsWholeJob(store, 'job_i', index);
      assert.equal(index.writtenHashOf(COLLIDING_PATHS[0]), 'hash-a2', 'the last line of a path wins');
      assert.deepEqual(index.batchPositionsOf(COLLIDING_IDS[0]).sort(), [0, 1]);
      assert.deepEqual(index.batchPositionsOf(COLLIDING_IDS[1]), [0]);
    } finally {
      index.close();
    }
  });

  it('indexes keys that are not plain ASCII (parsed whole) exactly as plain ones (read from the bytes)', async () => {
    const job = jobWithRetry('job_k');
    const odd = ['row-é', 'row-"quoted"', 'row-back\\slash'];
    // Rows 1, 2 and 4: row 3 is in the retry batch, which names it by its plain id.
    odd.forEach((customId, i) => (job.manifest[[1, 2, 4][i]] = { ...job.manifest[[1, 2, 4][i]], customId }));
    job.batches[0].customIds = job.manifest.map((entry) => entry.customId);
    const { store } = await storeWith(job);
    const plainId = job.manifest[0].customId;
    await store.appendResults(
      'job_k',
      new Map([
        [odd[0], attempt('msgbatch_1', 'succeeded', { outputPath: 'out/naïve.md' })],
        [odd[1], attempt('msgbatch_1', 'errored')],
        [plainId, attempt('msgbatch_1', 'succeeded', { outputPath: 'out/plain.md' })],
      ]),
      new Map([
        ['out/naïve.md', 'hash-n'],
        ['out/"q".md', 'hash-q'],
        ['out/plain.md', 'hash-p'],
      ]),
      () => undefined,
    );
    const index = await indexOf(store, 'job_k');
    const place = rowsLogPlaceOf((await store.get('job_k')) as Job);
    const writtenOnly = RowsLogIndex.open(place!, { writtenOnly: true });
    try {
      await assertSameAsWholeJob(store, 'job_k', index);
      assert.equal(index.attemptsOf(odd[0])[0]?.outputPath, 'out/naïve.md');
      assert.equal(index.attemptsOf(plainId)[0]?.outputPath, 'out/plain.md');
      for (const [file, hash] of [['out/naïve.md', 'hash-n'], ['out/"q".md', 'hash-q'], ['out/plain.md', 'hash-p']]) {
        assert.equal(index.writtenHashOf(file), hash, file);
        assert.equal(writtenOnly.writtenHashOf(file), hash, `${file} (written files only)`);
      }
      assert.equal(writtenOnly.entryOf(plainId), undefined, 'a written-files index keeps no rows');
    } finally {
      index.close();
      writtenOnly.close();
    }
  });

  it('follows the log: appended lines are indexed, a rewritten log is indexed again, bytes past the header are never read', async () => {
    const job = jobWithRetry('job_f');
    const { root, store } = await storeWith(job);
    const ids = job.manifest.map((entry) => entry.customId);
    const index = await indexOf(store, 'job_f');
    try {
      assert.deepEqual(index.attemptsOf(ids[5]), []);
      await store.appendResults('job_f', new Map([[ids[5], attempt('msgbatch_1', 'succeeded', { outputPath: 'out/5.md' })]]), new Map([['out/5.md', 'h5']]), () => undefined);
      index.follow(rowsLogPlaceOf((await store.get('job_f')) as Job) as { path: string; bytes: number });
      assert.deepEqual(index.attemptsOf(ids[5]), [attempt('msgbatch_1', 'succeeded', { outputPath: 'out/5.md' })]);
      assert.equal(index.writtenHashOf('out/5.md'), 'h5');

      // Bytes a crash left after the last header write: not part of the log.
      const place = rowsLogPlaceOf((await store.get('job_f')) as Job) as { path: string; bytes: number };
      await fs.appendFile(place.path, `${JSON.stringify({ w: 'out/torn.md', h: 'ht' })}\n{"r":"row-6","a":{"bat`);
      const fresh = RowsLogIndex.open(place);
      assert.equal(fresh.writtenHashOf('out/torn.md'), undefined);
      assert.equal(fresh.bytes, place.bytes);
      fresh.close();

      // Rows removed: a new generation of the log, which the index reads from its start.
      await store.update('job_f', (stored) => {
        delete stored.rows[ids[5]];
        stored.rows[ids[6]] = [attempt('msgbatch_1', 'expired')];
      });
      const rewritten = rowsLogPlaceOf((await store.get('job_f')) as Job) as { path: string; bytes: number };
      assert.notEqual(rewritten.path, place.path);
      await assert.rejects(fs.stat(place.path), 'the old generation is gone');
      index.follow(rewritten);
      await assertSameAsWholeJob(store, 'job_f', index);
      assert.deepEqual(index.attemptsOf(ids[5]), []);
      assert.equal(path.dirname(rewritten.path), path.join(root, '.batchlens', 'jobs'));
    } finally {
      index.close();
    }
  });

  it('reads a custom-id line written in another form (spaces, an escape) as a replay does', async () => {
    const job = jobWithRetry('job_e');
    const { store } = await storeWith(job);
    const place = rowsLogPlaceOf((await store.get('job_e')) as Job) as { path: string; bytes: number };
    const log = await fs.readFile(place.path, 'utf8');
    // The retry batch's line, rewritten by hand with a space and an escaped character: the same ids.
    const retryLine = log.split('\n').find((line) => line.startsWith('{"b":1,'));
    assert.ok(retryLine);
    const ids = (JSON.parse(retryLine) as { c: string[] }).c;
    const handWritten = `{"b": 1, "c": [${ids.map((id) => JSON.stringify(id).replace('-', '\\u002d')).join(', ')}]}`;
    const changed = log.replace(retryLine, handWritten);
    await fs.writeFile(place.path, changed);
    const index = RowsLogIndex.open({ path: place.path, bytes: Buffer.byteLength(changed) });
    try {
      assert.deepEqual(index.batchPositionsOf(ids[0]).sort(), [0, 1]);
      assert.deepEqual(index.batchPositionsOf(ids[2]).sort(), [0, 1]);
      assert.deepEqual(index.batchPositionsOf(job.manifest[4].customId), [0]);
    } finally {
      index.close();
    }
  });

  it('refuses a log that names a custom id its manifest does not (the download then reads the job whole)', async () => {
    const job = makeJob('job_u', ['src/a.ts'], []);
    job.batches.push(makeBatch({ batchId: 'msgbatch_1', status: 'ended', customIds: ['row-0', 'row-elsewhere'] }));
    const { store } = await storeWith(job);
    await assert.rejects(indexOf(store, 'job_u'), UnindexableLogError);
  });

  it('a results download of a store job never reads the job whole', async () => {
    const job = jobWithRetry('job_d');
    job.batches.pop();
    job.batches[0].counts = counts({ succeeded: 40 });
    const { root, store } = await storeWith(job);
    const handedOut: Job[] = [];
    const get = store.get.bind(store);
    store.get = async (jobId) => {
      const read = await get(jobId);
      if (read) handedOut.push(read);
      return read;
    };
    const api = new FakeBatchApi();
    api.resultsImpl = scriptedResults(job.manifest.map((entry) => succeeded(entry.customId, `summary of ${entry.relativePath}`))).impl;
    const report = await downloadResults('job_d', { store, api, logger: silentLogger, saveEveryLines: 5 });
    assert.equal(report.writtenCount, 40);
    assert.ok(handedOut.length > 3, 'the download read the job, saved progress and followed the log');
    assert.deepEqual(handedOut.map(rowsWereRead), handedOut.map(() => false), 'no job object the download used had its rows read');
    assert.equal(await fs.readFile(path.join(root, '.batchlens/results/job_d/src/f7.ts.md'), 'utf8'), 'summary of src/f7.ts\n');
    const done = await get('job_d');
    assert.equal(Object.keys(done?.rows ?? {}).length, 40);
    assert.equal(done?.batches[0].resultsComplete, true);
  });
});

describe('results download ledger over the store', () => {
  it("replaces a file another job recorded writing with exactly its content, and keeps one whose content no job wrote", async () => {
    const first = makeJob('job_a', ['src/a.ts', 'src/b.ts'], [makeBatch({ batchId: 'msgbatch_a', status: 'ended', customIds: ['row-0', 'row-1'] })]);
    first.writtenFiles = { 'src/a.ts.summary.md': sha256Hex('old summary\n'), 'src/b.ts.summary.md': sha256Hex('what Batchlens wrote\n') };
    const { root, store } = await storeWith(first);
    const second = makeJob('job_b', ['src/a.ts', 'src/b.ts'], [makeBatch({ batchId: 'msgbatch_b', status: 'ended', counts: counts({ succeeded: 2 }), customIds: ['row-0', 'row-1'] })]);
    second.template.outputPattern = '{{file.path}}.summary.md';
    await store.create(second);
    await fs.mkdir(path.join(root, 'src'), { recursive: true });
    await fs.writeFile(path.join(root, 'src/a.ts.summary.md'), 'old summary\n');
    // job_a wrote b's file, but the user changed it since: its content is no job's.
    await fs.writeFile(path.join(root, 'src/b.ts.summary.md'), 'edited by hand\n');
    const api = new FakeBatchApi();
    api.resultsImpl = scriptedResults([succeeded('row-0', 'new A'), succeeded('row-1', 'new B')]).impl;
    const report = await downloadResults('job_b', { store, api, logger: silentLogger, location: 'besideSource' });
    assert.deepEqual(
      report.written.map((file) => [file.outputPath, file.change]).sort(),
      [['src/a.ts.summary.md', 'updated'], ['src/b.ts.summary.1.md', 'created']],
    );
    assert.equal(await fs.readFile(path.join(root, 'src/a.ts.summary.md'), 'utf8'), 'new A\n');
    assert.equal(await fs.readFile(path.join(root, 'src/b.ts.summary.md'), 'utf8'), 'edited by hand\n');
  });
});
