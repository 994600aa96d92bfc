import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { discardPreparedJob } from '../../../../src/core/batch/prepareJob';
import { submitPendingBatches, submitPreparedJob } from '../../../../src/core/batch/submitJob';
import { ManifestLog } from '../../../../src/core/jobs/manifestLog';
import { RequestsFileWriter, readRequestLines } from '../../../../src/core/jobs/requestsFile';
import { FileJobStore } from '../../../../src/core/tracking/jobStore';
import { fakeBatchApi, manualClock } from '../../support/fakeBatchApi';
import { prepareDocs, textWorkspace } from '../../support/jobFixtures';

describe('a new job\'s manifest, written as its rows log while it is built', () => {
  it('becomes the stored job\'s rows log as written, and the job reads back the same manifest', async () => {
    const root = await textWorkspace(5);
    const clock = manualClock();
    const store = new FileJobStore(root, { clock });
    const prepared = await prepareDocs(root, clock.now());
    assert.ok(prepared.manifestLog, 'a job to submit writes its manifest to disk');
    assert.equal(prepared.rows, 5);
    const built = [...prepared.manifestEntries()];
    assert.deepEqual(built.map((entry) => entry.relativePath), ['docs/f0.md', 'docs/f1.md', 'docs/f2.md', 'docs/f3.md', 'docs/f4.md']);
    assert.deepEqual(prepared.job.manifest, built, 'the job record reads the same entries on first touch');

    await submitPreparedJob(prepared, { store, api: fakeBatchApi({ now: clock.now }), clock, maxRequestsPerBatch: 2 });
    const header = JSON.parse(await fs.readFile(path.join(store.dir, 'jobs', `${prepared.job.id}.json`), 'utf8')) as { rowsFile: string; rowStats: { manifestRows: number } };
    assert.equal(header.rowsFile, prepared.manifestLog.rowsFile, 'the log written while building is the one the header names');
    assert.equal(header.rowStats.manifestRows, 5);
    const stored = (await store.get(prepared.job.id))!;
    assert.deepEqual(stored.manifest, built);
    assert.deepEqual(stored.batches.map((batch) => batch.customIds.length), [2, 2, 1]);
    // What submit leaves behind is the job and its files, with no temp file of the log.
    assert.deepEqual((await fs.readdir(path.join(store.dir, 'jobs'))).filter((name) => name.endsWith('.tmp')), []);
  });

  it('never sends a row stored twice in a second batch, though each batch is read from where the last ended', async () => {
    const root = await textWorkspace(4);
    const clock = manualClock();
    const store = new FileJobStore(root, { clock });
    const api = fakeBatchApi({ now: clock.now });
    const prepared = await prepareDocs(root, clock.now());
    const file = await prepared.requests!.commit();
    await store.createWithRowsLog(prepared.job, prepared.manifestLog!);
    // The first row copied after the second (every row has the same length here, so only its id tells).
    const lines = (await fs.readFile(file, 'utf8')).trimEnd().split('\n');
    await fs.writeFile(file, `${[lines[0], lines[1], lines[0], lines[2], lines[3]].join('\n')}\n`);
    await assert.rejects(submitPendingBatches(prepared.job.id, { store, api, clock, maxRequestsPerBatch: 2 }), /is stored twice/);
    assert.equal(api.batches.length, 1, 'the first batch went out; the one holding the copy did not');
    assert.equal((await store.get(prepared.job.id))!.batches.length, 1, 'no intent was recorded for it');
  });

  it('leaves nothing behind when the prepared job is discarded', async () => {
    const root = await textWorkspace(3);
    const prepared = await prepareDocs(root, Date.now());
    await discardPreparedJob(prepared);
    assert.deepEqual(await fs.readdir(path.join(root, '.batchlens', 'jobs')), []);
  });

  it('reads back entries whose paths hold characters of several bytes, across read chunks', async () => {
    const storeDir = await fs.mkdtemp(path.join(os.tmpdir(), 'bl-manifest-'));
    const log = await ManifestLog.open(storeDir, 'job_20261122T080000Z_abcdef');
    const entries = Array.from({ length: 12_000 }, (_, index) => ({ customId: `c${index}`, relativePath: `docs/été-${'ü'.repeat(index % 7)}/${index}.md`, contentSha256: 'a'.repeat(64), bytes: index, estimatedInputTokens: index + 1 }));
    for (const entry of entries) await log.append(entry);
    await log.written();
    assert.ok((await fs.stat(path.join(storeDir, 'jobs'))).isDirectory());
    assert.deepEqual([...log.entries()], entries);
    await log.place();
    assert.deepEqual([...log.entries()], entries, 'read from its new place once placed');
    await log.discard();
    assert.ok(await fs.stat(path.join(storeDir, log.rowsFile)), 'a placed log belongs to its job: discard keeps it');
  });
});

describe('requests file writer: lines encoded into write chunks', () => {
  it('keeps every line byte for byte: characters of several bytes, and a line over one write chunk', async () => {
    const storeDir = await fs.mkdtemp(path.join(os.tmpdir(), 'bl-requests-bytes-'));
    const writer = await RequestsFileWriter.open(storeDir, 'job_d');
    const lines = [
      ...Array.from({ length: 3_000 }, (_, index) => JSON.stringify({ custom_id: `r${index}`, text: `ünïcødé ✓ ${'€'.repeat(index % 300)}` })),
      JSON.stringify({ custom_id: 'big', text: '漢'.repeat(700_000) }),
      JSON.stringify({ custom_id: 'after', text: 'x' }),
    ];
    for (const line of lines) await writer.append(line);
    const file = await writer.commit();
    assert.equal(await fs.readFile(file, 'utf8'), `${lines.join('\n')}\n`);
    const read = [];
    for await (const row of readRequestLines(file)) read.push(row.customId);
    assert.equal(read.length, lines.length);
  });
});
