import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { BatchApiError } from '../../../../src/core/api/errors';
import { CUSTOM_ID_PATTERN } from '../../../../src/core/batch/customIds';
import type { BatchRequest } from '../../../../src/core/api/batchApi';
import { pendingCustomIds, submitPendingBatches, submitPreparedJob } from '../../../../src/core/batch/submitJob';
import { sha256Of } from '../../../../src/core/jobs/submission';
import { FileJobStore } from '../../../../src/core/tracking/jobStore';
import * as path from 'node:path';
import { discardPreparedJob, prepareJob } from '../../../../src/core/batch/prepareJob';
import { builtinTemplates } from '../../../../src/core/batch/templates';
import { bodyText, fakeBatchApi, manualClock } from '../../support/fakeBatchApi';
import { prepareDocs, textWorkspace } from '../../support/jobFixtures';

describe('prepareJob + submitPreparedJob', () => {
  it('builds one valid request per file with the cached system block shared byte for byte', async () => {
    const root = await textWorkspace(4);
    const prepared = await prepareDocs(root, Date.parse('2026-11-22T08:00:00Z'));
    // The requests were written as they were built; committing puts the file in place to read them back.
    const file = await prepared.requests!.commit();
    const requests = (await fs.readFile(file, 'utf8')).trimEnd().split('\n').map((line) => JSON.parse(line) as BatchRequest);
    prepared.requests = undefined;
    assert.equal(requests.length, 4);
    assert.equal(prepared.job.manifest.length, 4);
    assert.deepEqual(requests.map((request) => request.custom_id), prepared.job.manifest.map((entry) => entry.customId));
    assert.match(prepared.job.id, /^job_20261122T080000Z_[0-9a-f]{6}$/);
    const systems = requests.map((request) => JSON.stringify(request.params.system));
    assert.equal(new Set(systems).size, 1);
    assert.deepEqual((requests[0].params.system as Array<{ cache_control: unknown }>)[0].cache_control, { type: 'ephemeral', ttl: '1h' });
    assert.ok(requests.every((request) => CUSTOM_ID_PATTERN.test(request.custom_id)));
    assert.equal(new Set(requests.map((request) => request.custom_id)).size, 4);
    const content = requests[2].params.messages[0].content as string;
    assert.match(content, /File: docs\/f2\.md \(markdown\)/);
    assert.match(content, /Document number 2\./);
    assert.deepEqual(prepared.job.manifest.map((entry) => entry.relativePath), ['docs/f0.md', 'docs/f1.md', 'docs/f2.md', 'docs/f3.md']);
    assert.equal(prepared.job.manifest[0].bytes, 'Document number 0.\n'.length);
    assert.ok(prepared.job.manifest.every((entry) => entry.estimatedInputTokens > 0 && /^[0-9a-f]{64}$/.test(entry.contentSha256)));
  });

  it('keeps nothing for a preview only (a dry run), and refuses to submit it', async () => {
    const root = await textWorkspace(2);
    const template = builtinTemplates('claude-sonnet-4-6').find((t) => t.name === 'summarize')!;
    const watched: string[] = [];
    let watchedJob: string | undefined;
    const prepared = await prepareJob({
      root,
      selection: ['docs'],
      template,
      maxFileBytes: 10_000,
      maxRequestsPerBatch: 10,
      now: Date.now(),
      watchRows: (job) => {
        watchedJob = job.id;
        return (entry) => watched.push(entry.relativePath);
      },
    });
    assert.equal(prepared.rows, 2);
    assert.equal(prepared.preflight.rows, 2, 'every row was still checked');
    // No row is kept: each was shown to the watch as it was built, under the job's own id.
    assert.deepEqual(prepared.job.manifest, []);
    assert.deepEqual(watched, ['docs/f0.md', 'docs/f1.md']);
    assert.equal(watchedJob, prepared.job.id);
    assert.throws(() => [...prepared.manifestEntries()], /a preview keeps no manifest/);
    await assert.rejects(fs.access(path.join(root, '.batchlens')), 'no store folder was written');
    const clock = manualClock();
    await assert.rejects(
      submitPreparedJob(prepared, { store: new FileJobStore(root, { clock }), api: fakeBatchApi({ now: clock.now }), clock, maxRequestsPerBatch: 10 }),
      /prepared as a preview only/,
    );
  });

  it('leaves no requests file behind for a prepared job that is discarded', async () => {
    const root = await textWorkspace(2);
    const prepared = await prepareDocs(root, Date.now());
    await discardPreparedJob(prepared);
    assert.deepEqual(await fs.readdir(path.join(root, '.batchlens', 'requests')), []);
  });

  it('persists requests, intent, then the id for each batch: one job, several batches', async () => {
    const root = await textWorkspace(5);
    const clock = manualClock();
    const api = fakeBatchApi({ now: clock.now });
    const store = new FileJobStore(root, { clock });
    const prepared = await prepareDocs(root, clock.now(), 2);
    assert.equal(prepared.plan.length, 3);
    const outcome = await submitPreparedJob(prepared, { store, api, clock, maxRequestsPerBatch: 2 });
    assert.equal(outcome.created.length, 3);
    assert.equal(outcome.unsentRequests, 0);
    const job = (await store.get(prepared.job.id))!;
    assert.deepEqual(job.batches.map((record) => record.batchId), outcome.created);
    assert.deepEqual(job.batches.map((record) => record.customIds.length), [2, 2, 1]);
    assert.ok(job.batches.every((record) => record.status === 'in_progress' && record.requestsSha256.length === 64));
    // Exactly the stored bodies were sent, each row once.
    const stored = await store.readRequests(prepared.job.id);
    const sentRows = [...api.sent.values()].flat();
    assert.equal(sentRows.length, 5);
    for (const row of sentRows) assert.deepEqual(row, stored.get(row.custom_id));
    // Each intent's hash is the hash of exactly what was sent (reconciliation recognises a batch by it).
    assert.deepEqual(job.batches.map((record) => record.requestsSha256), outcome.created.map((id) => sha256Of(api.sent.get(id) ?? [])));
  });

  it('sends a pre-serialized body when the API takes one, identical to serializing the requests', async () => {
    const root = await textWorkspace(3);
    const clock = manualClock();
    const api = fakeBatchApi({ now: clock.now });
    const bodies: string[] = [];
    api.createFromJson = async (body, options) => {
      const text = await bodyText(body);
      bodies.push(text);
      return api.create((JSON.parse(text) as { requests: BatchRequest[] }).requests, options);
    };
    const store = new FileJobStore(root, { clock });
    const prepared = await prepareDocs(root, clock.now());
    const outcome = await submitPreparedJob(prepared, { store, api, clock, maxRequestsPerBatch: 10 });
    assert.equal(bodies.length, 1);
    const stored = [...(await store.readRequests(prepared.job.id)).values()];
    assert.equal(stored.length, 3);
    assert.equal(bodies[0], JSON.stringify({ requests: stored }));
    const job = (await store.get(prepared.job.id))!;
    assert.equal(job.batches[0].requestsSha256, sha256Of(stored));
    assert.deepEqual(outcome.created, [job.batches[0].batchId]);
  });

  it('records the intent before create is called', async () => {
    const root = await textWorkspace(2);
    const clock = manualClock();
    const store = new FileJobStore(root, { clock });
    const api = fakeBatchApi({ now: clock.now });
    const prepared = await prepareDocs(root, clock.now());
    const create = api.create.bind(api);
    let seenAtCreate: unknown;
    api.create = async (requests, options) => {
      seenAtCreate = (await store.get(prepared.job.id))?.batches.map((record) => ({ id: record.batchId, rows: record.customIds.length }));
      return create(requests, options);
    };
    await submitPreparedJob(prepared, { store, api, clock, maxRequestsPerBatch: 10 });
    assert.deepEqual(seenAtCreate, [{ id: undefined, rows: 2 }]);
  });

  it('marks a refused create as not submitted with the API error explained, and sends it later', async () => {
    const root = await textWorkspace(3);
    const clock = manualClock();
    const store = new FileJobStore(root, { clock });
    const api = fakeBatchApi({ now: clock.now, failCreate: [new BatchApiError({ kind: 'auth', status: 401, message: 'invalid x-api-key' })] });
    const prepared = await prepareDocs(root, clock.now());
    const outcome = await submitPreparedJob(prepared, { store, api, clock, maxRequestsPerBatch: 10 });
    assert.equal(outcome.failure?.definite, true);
    assert.equal(outcome.unsentRequests, 3, 'no batch exists: every row is still to send');
    assert.match(outcome.failure?.message ?? '', /rejected the API key.*Set API Key/);
    let job = (await store.get(prepared.job.id))!;
    assert.equal(job.batches[0].notSubmitted, true);
    assert.match(job.batches[0].submitError ?? '', /rejected the API key/);
    assert.equal(pendingCustomIds(job).length, 3);

    const again = await submitPendingBatches(prepared.job.id, { store, api, clock, maxRequestsPerBatch: 10 });
    assert.equal(again.created.length, 1);
    assert.equal(again.unsentRequests, 0);
    job = (await store.get(prepared.job.id))!;
    assert.equal(job.batches.length, 2);
    assert.equal(pendingCustomIds(job).length, 0);
    assert.equal(api.batches.length, 1);
  });

  it('keeps a timed-out create as an open intent and never re-sends it on its own', async () => {
    const root = await textWorkspace(2);
    const clock = manualClock();
    const store = new FileJobStore(root, { clock });
    const api = fakeBatchApi({ now: clock.now, failCreate: [new BatchApiError({ kind: 'timeout', message: 'timed out' })] });
    const prepared = await prepareDocs(root, clock.now());
    const outcome = await submitPreparedJob(prepared, { store, api, clock, maxRequestsPerBatch: 10 });
    assert.equal(outcome.failure?.definite, false);
    const job = (await store.get(prepared.job.id))!;
    assert.equal(job.batches[0].notSubmitted, undefined);
    assert.ok(job.batches[0].submitError);
    assert.equal(pendingCustomIds(job).length, 0, 'rows of an open intent are covered until reconciliation decides');
    const again = await submitPendingBatches(prepared.job.id, { store, api, clock, maxRequestsPerBatch: 10 });
    assert.equal(again.created.length, 0);
  });
});
