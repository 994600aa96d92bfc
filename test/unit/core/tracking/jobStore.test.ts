import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { JOB_SCHEMA_VERSION, type Job } from '../../../../src/core/jobs/jobModel';
import { FileJobStore, StoreLockTimeoutError } from '../../../../src/core/tracking/jobStore';
import { writeFileAtomic } from '../../../../src/core/util/atomicWrite';

const run = promisify(execFile);

export function sampleJob(id = 'job_20261122T080000Z_abc123', createdAt = 1): Job {
  return {
    schemaVersion: JOB_SCHEMA_VERSION,
    id,
    createdAt,
    template: { name: 'summarize', model: 'claude-sonnet-4-6', maxTokens: 100 },
    manifest: [{ customId: 'a_1', relativePath: 'a.txt', contentSha256: 'x', bytes: 1, estimatedInputTokens: 5 }],
    batches: [],
    rows: {},
    estimate: { batchUsd: 0, syncUsd: 0, inputTokens: 0, outputTokensBound: 0 },
    requestsFile: `requests/${id}.jsonl`,
  };
}

async function tempRoot(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'bl-store-'));
}

describe('FileJobStore', () => {
  it('writes .batchlens/.gitignore on first use, ignoring everything but templates', async () => {
    const root = await tempRoot();
    const store = new FileJobStore(root);
    await store.create(sampleJob());
    const gitignore = await fs.readFile(path.join(root, '.batchlens/.gitignore'), 'utf8');
    assert.match(gitignore, /^\*$/m);
    assert.match(gitignore, /^!templates\/\*\*$/m);
    await fs.writeFile(path.join(root, '.batchlens/.gitignore'), 'mine\n');
    await new FileJobStore(root).create(sampleJob('job_2'));
    assert.equal(await fs.readFile(path.join(root, '.batchlens/.gitignore'), 'utf8'), 'mine\n', 'an existing file is left alone');
  });

  it('creates, gets, lists, updates and deletes jobs', async () => {
    const root = await tempRoot();
    const store = new FileJobStore(root);
    await store.create(sampleJob('job_b', 2));
    await store.create(sampleJob('job_a', 1));
    await assert.rejects(store.create(sampleJob('job_a')), /already exists/);
    assert.deepEqual((await store.list()).map((job) => job.id), ['job_a', 'job_b']);
    const updated = await store.update('job_a', (job) => {
      job.estimate.batchUsd = 1.5;
    });
    assert.equal(updated.estimate.batchUsd, 1.5);
    assert.equal((await store.get('job_a'))?.estimate.batchUsd, 1.5);
    await store.writeRequests('job_a', [{ custom_id: 'a_1', params: { model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'hi' }] } }]);
    assert.deepEqual([...(await store.readRequests('job_a')).keys()], ['a_1']);
    await fs.mkdir(store.resultsDir('job_a'), { recursive: true });
    await store.delete('job_a');
    assert.equal(await store.get('job_a'), undefined);
    await assert.rejects(fs.access(store.resultsDir('job_a')));
    await assert.rejects(fs.access(path.join(root, '.batchlens/requests/job_a.jsonl')));
  });

  it('reports corrupt job files without failing the listing', async () => {
    const root = await tempRoot();
    const store = new FileJobStore(root);
    await store.create(sampleJob('job_ok'));
    await fs.writeFile(path.join(root, '.batchlens/jobs/job_bad.json'), '{"id": "job_bad", trunc');
    await fs.writeFile(path.join(root, '.batchlens/jobs/job_alien.json'), '{"hello": 1}');
    const { jobs, problems } = await store.listWithProblems();
    assert.deepEqual(jobs.map((job) => job.id), ['job_ok']);
    assert.deepEqual(problems.map((problem) => problem.file), ['jobs/job_alien.json', 'jobs/job_bad.json']);
    assert.match(problems[1].message, /not valid JSON/);
    await assert.rejects(store.get('job_bad'), /cannot read jobs\/job_bad\.json/);
  });

  it('rejects job ids that could escape the store', async () => {
    const store = new FileJobStore(await tempRoot());
    await assert.rejects(store.get('../../etc/passwd'), /invalid job id/);
    assert.throws(() => store.resultsDir('a/../../b'), /invalid job id/);
  });

  it('replaces files atomically and leaves no temp files behind', async () => {
    const root = await tempRoot();
    const file = path.join(root, 'x.json');
    await writeFileAtomic(file, 'one');
    await Promise.all(Array.from({ length: 20 }, (_, index) => writeFileAtomic(file, `value-${index}`.repeat(1000))));
    assert.match(await fs.readFile(file, 'utf8'), /^(value-\d+)+$/);
    assert.deepEqual(await fs.readdir(root), ['x.json']);
  });

  it('loses no update when many in-process writers update one job at once', async () => {
    const root = await tempRoot();
    await new FileJobStore(root).create(sampleJob('job_c'));
    const stores = [new FileJobStore(root), new FileJobStore(root)];
    await Promise.all(
      Array.from({ length: 40 }, (_, index) =>
        stores[index % 2].update('job_c', (job) => {
          job.estimate.inputTokens += 1;
        }),
      ),
    );
    assert.equal((await stores[0].get('job_c'))?.estimate.inputTokens, 40);
  });

  it('loses no update when two processes write one job at the same time', async () => {
    const root = await tempRoot();
    await new FileJobStore(root).create(sampleJob('job_p'));
    const writer = path.join(__dirname, 'support/storeWriter.ts');
    const spawnWriter = (tag: string) => run(process.execPath, ['--import', 'tsx', writer, root, 'job_p', '30', tag], { cwd: path.resolve(__dirname, '../../../..') });
    await Promise.all([spawnWriter('one'), spawnWriter('two')]);
    const job = await new FileJobStore(root).get('job_p');
    assert.equal(job?.estimate.inputTokens, 60);
    assert.equal(Object.keys(job?.rows ?? {}).length, 60);
  });

  it('recovers a lock left by a dead process', async () => {
    const root = await tempRoot();
    const store = new FileJobStore(root);
    await store.create(sampleJob('job_l'));
    // A pid far above any live process, with a fresh timestamp: only the dead pid makes it stale.
    await fs.writeFile(path.join(root, '.batchlens/store.lock'), JSON.stringify({ pid: 2 ** 22 + 12345, at: Date.now(), token: 'dead' }));
    const updated = await store.update('job_l', (job) => {
      job.estimate.syncUsd = 2;
    });
    assert.equal(updated.estimate.syncUsd, 2);
    await assert.rejects(fs.access(path.join(root, '.batchlens/store.lock')));
  });

  it('waits for a live holder however old its lock is, and breaks a silent lock from another machine', async () => {
    const root = await tempRoot();
    const store = new FileJobStore(root, { lockTimeoutMs: 300 });
    await store.create(sampleJob('job_s'));
    const lock = path.join(root, '.batchlens/store.lock');
    const longAgo = new Date(Date.now() - 10 * 60_000);
    // Held for ten minutes by a process that is still running here: never broken, only waited for.
    await fs.writeFile(lock, JSON.stringify({ pid: process.pid, host: os.hostname(), at: longAgo.getTime(), token: 'live' }));
    await fs.utimes(lock, longAgo, longAgo);
    await assert.rejects(store.update('job_s', () => undefined), StoreLockTimeoutError);
    // Another machine's lock its holder stopped refreshing ten minutes ago: its holder is gone.
    await fs.writeFile(lock, JSON.stringify({ pid: process.pid, host: 'another-machine.invalid', at: longAgo.getTime(), token: 'far' }));
    await fs.utimes(lock, longAgo, longAgo);
    await store.update('job_s', () => undefined);
    await assert.rejects(fs.access(lock));
  });
});
