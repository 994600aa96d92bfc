import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CustomIdAllocator, customIdForPath } from '../../../../src/core/batch/customIds';
import { FilesInFlightWatch, describeFilesInFlight, describeFilesInFlightDetail, findFilesInFlight, inFlightDecision } from '../../../../src/core/batch/inFlight';
import { describeEscapingOutput, findEscapingOutput } from '../../../../src/core/tracking/outputCheck';
import { JOB_SCHEMA_VERSION, type BatchRecord, type Job } from '../../../../src/core/jobs/jobModel';
import { rowsWereRead } from '../../../../src/core/tracking/jobRowsLog';
import { FileJobStore } from '../../../../src/core/tracking/jobStore';

/** A job of `paths` (content hash = 'sha-' + path) whose ids carry `tag` (none: a job from before tags). */
function jobOf(id: string, paths: string[], tag: string | undefined, record: Partial<BatchRecord>, outputPattern?: string): Job {
  const ids = new CustomIdAllocator({ tag });
  const manifest = paths.map((relativePath) => ({ customId: ids.allocate(relativePath), relativePath, contentSha256: `sha-${relativePath}`, bytes: 10, estimatedInputTokens: 5 }));
  return {
    schemaVersion: JOB_SCHEMA_VERSION,
    id,
    createdAt: 0,
    template: { name: 'summarize', model: 'claude-sonnet-4-6', maxTokens: 100, ...(outputPattern ? { outputPattern } : {}) },
    ...(tag ? { customIdTag: tag } : {}),
    manifest,
    batches: [{ index: 0, customIds: manifest.map((entry) => entry.customId), intentAt: 0, requestsSha256: 'x', purpose: 'initial', ...record }],
    rows: {},
    estimate: { batchUsd: 0, syncUsd: 0, inputTokens: 0, outputTokensBound: 0 },
    requestsFile: `requests/${id}.jsonl`,
  };
}

describe('files in flight (the check before sending files again)', () => {
  const candidate = jobOf('job_new', ['src/a.ts', 'src/b.ts', 'src/c.ts'], 'cccc3333', {});

  it('finds files a running job holds by path and content, whatever tags the two jobs\' ids carry (an old untagged job too)', () => {
    const running = jobOf('job_old', ['src/b.ts', 'src/a.ts'], undefined, { batchId: 'msgbatch_1', status: 'in_progress' });
    assert.equal(running.manifest[0].customId, customIdForPath('src/b.ts'));
    const found = findFilesInFlight(candidate, [running]);
    assert.deepEqual(found, [{ jobId: 'job_old', paths: ['src/a.ts', 'src/b.ts'], holders: ['msgbatch_1'] }]);
    assert.equal(describeFilesInFlight(found), '2 of these files are already in flight: 2 in job job_old (msgbatch_1)');
  });

  it('counts an open intent as holding its files, and an ended batch or a create proven unsent as holding none', () => {
    const intent = jobOf('job_intent', ['src/c.ts'], 'aaaa1111', {});
    const ended = jobOf('job_ended', ['src/a.ts'], 'bbbb2222', { batchId: 'msgbatch_2', status: 'ended' });
    const unsent = jobOf('job_unsent', ['src/b.ts'], 'dddd4444', { notSubmitted: true });
    assert.deepEqual(findFilesInFlight(candidate, [intent, ended, unsent]), [{ jobId: 'job_intent', paths: ['src/c.ts'], holders: ['submitting'] }]);
  });

  it("reads no row of a stored job whose batches have all ended (a finished 100k-row job costs the check nothing)", async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'bl-inflight-'));
    const store = new FileJobStore(root);
    await store.create(jobOf('job_done', ['src/a.ts', 'src/b.ts'], 'bbbb2222', { batchId: 'msgbatch_2', status: 'ended' }));
    await store.create(jobOf('job_running', ['src/c.ts'], 'aaaa1111', { batchId: 'msgbatch_3', status: 'in_progress' }));
    const [done, running] = await store.list();
    assert.deepEqual(findFilesInFlight(candidate, [done, running]), [{ jobId: 'job_running', paths: ['src/c.ts'], holders: ['msgbatch_3'] }]);
    assert.equal(rowsWereRead(done), false, 'the finished job was passed over on its header');
    assert.equal(rowsWereRead(running), true, 'the running one was compared row by row');
  });

  it('lists a file two batches of one job hold once, in the new job\'s order, with both batches in theirs', () => {
    const running = jobOf('job_old', ['src/c.ts', 'src/b.ts', 'src/a.ts'], 'aaaa1111', { batchId: 'msgbatch_1', status: 'in_progress' });
    const [c, b, a] = running.manifest.map((entry) => entry.customId);
    running.batches = [
      { ...running.batches[0], index: 0, customIds: [c, b], batchId: 'msgbatch_1' },
      { ...running.batches[0], index: 1, customIds: [b, a], batchId: 'msgbatch_2', purpose: 'retry' },
    ];
    const other = jobOf('job_other', ['src/c.ts'], 'bbbb2222', {});
    const watch = new FilesInFlightWatch(candidate, [running, other]);
    for (const entry of candidate.manifest) watch.add(entry);
    const expected = [
      { jobId: 'job_old', paths: ['src/a.ts', 'src/b.ts', 'src/c.ts'], holders: ['msgbatch_1', 'msgbatch_2'] },
      { jobId: 'job_other', paths: ['src/c.ts'], holders: ['submitting'] },
    ];
    assert.deepEqual(watch.found(), expected);
    assert.deepEqual(findFilesInFlight(candidate, [running, other]), expected);
  });

  it('lets changed content through: the same path with other content is a new request', () => {
    const running = jobOf('job_old', ['src/a.ts'], 'aaaa1111', { batchId: 'msgbatch_1', status: 'in_progress' });
    running.manifest[0].contentSha256 = 'sha-edited';
    assert.deepEqual(findFilesInFlight(candidate, [running]), []);
  });

  it('decides: nothing held or `again` sends; `again: false` or no one to ask refuses; otherwise asks', () => {
    const found = [{ jobId: 'job_old', paths: ['src/a.ts'], holders: ['msgbatch_1'] }];
    assert.equal(inFlightDecision([], { canAsk: false }), 'send');
    assert.equal(inFlightDecision(found, { again: true, canAsk: false }), 'send');
    assert.equal(inFlightDecision(found, { again: false, canAsk: true }), 'refuse');
    assert.equal(inFlightDecision(found, { canAsk: false }), 'refuse');
    assert.equal(inFlightDecision(found, { canAsk: true }), 'ask');
  });

  it('details which job holds which files, capped with a count of the rest', () => {
    const found = [
      { jobId: 'job_a', paths: ['f1', 'f2', 'f3'], holders: ['msgbatch_1'] },
      { jobId: 'job_b', paths: ['g1'], holders: ['submitting'] },
    ];
    assert.deepEqual(describeFilesInFlightDetail(found, 2), ['Job job_a (batch msgbatch_1):', '  f1', '  f2', '  … and 1 more', 'Job job_b (its batch id is being recovered):', '  g1']);
  });
});

describe('output patterns that leave the workspace (checked before sending)', () => {
  // Constructing a store touches no files; only its paths are read.
  const store = new FileJobStore(path.join(os.tmpdir(), 'batchlens-output-check'));

  it('finds a pattern climbing out with `..` and words the refusal for the template\'s output line', () => {
    const job = jobOf('job_x', ['src/a.ts'], 'aaaa1111', {}, '../../outside/{name}.md');
    const escaping = findEscapingOutput(job, store);
    assert.ok(escaping);
    assert.equal(escaping.sourcePath, 'src/a.ts');
    assert.match(describeEscapingOutput(escaping), /^the template's output pattern puts results outside the workspace \('.*outside.*' for src\/a\.ts: it climbs out with `\.\.`\); fix its `output:` line\. Nothing was sent\.$/);
  });

  it('accepts the default layout', () => {
    assert.equal(findEscapingOutput(jobOf('job_y', ['src/a.ts'], 'aaaa1111', {}), store), undefined);
  });
});
