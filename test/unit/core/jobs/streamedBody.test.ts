import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createBatchApi } from '../../../../src/core/api/anthropicBatchApi';
import type { BatchApi } from '../../../../src/core/api/batchApi';
import { type PreparedJob, prepareJob } from '../../../../src/core/batch/prepareJob';
import { submitPreparedJob } from '../../../../src/core/batch/submitJob';
import { builtinTemplates } from '../../../../src/core/batch/templates';
import { readRequestLines } from '../../../../src/core/jobs/requestsFile';
import { FileJobStore } from '../../../../src/core/tracking/jobStore';
import { systemClock } from '../../../../src/core/util/clock';
import { emulatorForSuite } from '../../support/emulatorHarness';

/** Files of ~600 KB each, so one batch's body is several 1 MB chunks. */
async function bigWorkspace(count: number): Promise<string> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'bl-streamed-'));
  await fs.mkdir(path.join(root, 'docs'));
  for (let index = 0; index < count; index++) await fs.writeFile(path.join(root, 'docs', `f${index}.md`), `Document ${index}: ${'word '.repeat(120_000)}\n`);
  return root;
}

function prepareBig(root: string, maxRequestsPerBatch: number): Promise<PreparedJob> {
  const template = builtinTemplates('claude-sonnet-4-6').find((t) => t.name === 'summarize')!;
  return prepareJob({ root, selection: ['docs'], template, maxFileBytes: 1_000_000, maxRequestsPerBatch, keepRequestsIn: path.join(root, '.batchlens'), now: Date.now() });
}

describe('create bodies streamed from the requests file', function () {
  this.timeout(30_000);
  const emulator = emulatorForSuite();

  it('sends each batch as the stored lines, in chunks with its length, and the API receives exactly those rows', async () => {
    const root = await bigWorkspace(6);
    const store = new FileJobStore(root);
    const api = createBatchApi({ apiKey: 'sk-ant-test-streamed', baseUrl: emulator().url });
    const prepared = await prepareBig(root, 4);
    const outcome = await submitPreparedJob(prepared, { store, api, clock: systemClock, maxRequestsPerBatch: 4 });
    assert.equal(outcome.failure, undefined);
    assert.equal(outcome.created.length, 2, 'six rows at four a batch are two batches');

    const lines: string[] = [];
    for await (const row of readRequestLines(path.join(store.dir, prepared.job.requestsFile))) lines.push(row.line.toString('utf8'));
    const job = (await store.get(prepared.job.id))!;
    let first = 0;
    for (const record of job.batches) {
      const body = `{"requests":[${lines.slice(first, first + record.customIds.length).join(',')}]}`;
      first += record.customIds.length;
      assert.ok(Buffer.byteLength(body) > 1 << 20, 'the body is more than one chunk');
      assert.equal(record.requestsSha256, createHash('sha256').update(body).digest('hex'), 'the intent hashes the bytes of the stored lines');
      emulator().admin.endBatch(record.batchId!);
      const received: string[] = [];
      for await (const result of api.results(record.batchId!)) received.push(result.custom_id);
      assert.deepEqual(received.sort(), [...record.customIds].sort(), 'the API received every row of the batch');
    }
    assert.equal(first, 6);
  });

  it('cuts the body short when the stored requests change between its hash and its sending: nothing is created', async () => {
    const root = await bigWorkspace(3);
    const store = new FileJobStore(root);
    const real = createBatchApi({ apiKey: 'sk-ant-test-streamed-change', baseUrl: emulator().url });
    const prepared = await prepareBig(root, 10);
    const requestsFile = path.join(store.dir, prepared.job.requestsFile);
    let postsBefore = 0;
    // The file is changed in place (same length) after the intent was recorded, just before the create streams it.
    const api: BatchApi = {
      ...real,
      createFromJson: async (body, options) => {
        const text = await fs.readFile(requestsFile, 'utf8');
        const at = text.lastIndexOf('word');
        await fs.writeFile(requestsFile, `${text.slice(0, at)}ward${text.slice(at + 4)}`);
        postsBefore = creates().length;
        return real.createFromJson!(body, options);
      },
    };
    const outcome = await submitPreparedJob(prepared, { store, api, clock: systemClock, maxRequestsPerBatch: 10 });
    assert.ok(outcome.failure, 'the submission failed');
    assert.equal(outcome.failure.definite, true, 'a body cut before its end proves no batch exists');
    assert.match(outcome.failure.message, /changed while they were being sent/);
    const record = (await store.get(prepared.job.id))!.batches[0];
    assert.equal(record.batchId, undefined);
    assert.equal(record.notSubmitted, true, 'its rows may be sent again');
    assert.ok(creates().slice(postsBefore).every((request) => request.status !== 200), 'the API created nothing');
    const listed = await real.listPage({ limit: 100 });
    assert.ok(!listed.batches.some((batch) => batch.request_counts.processing === 3), 'no batch of these rows exists');
  });

  function creates() {
    return emulator().admin.requests().filter((request) => request.method === 'POST' && request.path === '/v1/messages/batches');
  }
});
