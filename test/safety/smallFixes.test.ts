import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../../src/cli/main';
import { describeFailure } from '../../src/cli/errorText';
import type { BatchApi, MessageBatch } from '../../src/core/api/batchApi';
import { withDeadlines } from '../../src/core/api/deadlineApi';
import { isLikelySecretFile } from '../../src/core/batch/secretFiles';
import { sweepStoreLeftovers } from '../../src/core/tracking/storeSweep';
import { confineToWorkspace } from '../../src/core/tracking/workspacePaths';
import { createEmulator } from '../emulator/emulator';
import { TEST_KEY } from './harness';

const never = <T>() => new Promise<T>(() => undefined);

describe('API deadlines', () => {
  it('gives up on a call that never answers, with progress while it waits', async () => {
    const waits: number[] = [];
    const api = withDeadlines({ retrieve: () => never<MessageBatch>() } as unknown as BatchApi, {
      timeoutMs: 120,
      progressEveryMs: 30,
      onWait: ({ elapsedMs }) => waits.push(elapsedMs),
    });
    await assert.rejects(api.retrieve('msgbatch_1'), (error: Error & { kind?: string }) => {
      assert.equal(error.kind, 'timeout');
      assert.match(error.message, /No answer from the Anthropic API within 0\.1 s \(retrieve msgbatch_1\)/);
      return true;
    });
    assert.ok(waits.length >= 2, `progress was reported ${waits.length} times`);
  });

  it('keeps the deadline on the fast paths: a create body sent as is, and the raw results bytes', async () => {
    const api = withDeadlines(
      {
        createFromJson: () => never<MessageBatch>(),
        resultsBytes: () => ({
          async *[Symbol.asyncIterator]() {
            yield new Uint8Array([0x7b, 0x7d, 0x0a]);
            await never();
          },
        }),
      } as unknown as BatchApi,
      { timeoutMs: 100 },
    );
    assert.ok(api.createFromJson && api.resultsBytes, 'the wrapper offers the fast paths the API has');
    await assert.rejects(api.createFromJson('{"requests":[]}'), (error: Error & { kind?: string }) => error.kind === 'timeout');
    const chunks: Uint8Array[] = [];
    await assert.rejects(
      (async () => {
        for await (const chunk of api.resultsBytes!('msgbatch_1')) chunks.push(chunk);
      })(),
      (error: Error & { kind?: string }) => error.kind === 'connection' && /stalled/.test(error.message),
    );
    assert.equal(chunks.length, 1, 'the bytes before the stall were delivered');
    assert.equal(withDeadlines({} as BatchApi, { timeoutMs: 100 }).createFromJson, undefined, 'no fast path is invented');
  });

  it('turns a results stream that stalls into a resumable cut (kind connection, cursor after the lines delivered)', async () => {
    const stalling = {
      results: () => ({
        async *[Symbol.asyncIterator]() {
          yield { custom_id: 'a', result: { type: 'canceled' } };
          await never();
        },
      }),
    } as unknown as BatchApi;
    const api = withDeadlines(stalling, { timeoutMs: 80 });
    const seen: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const row of api.results('msgbatch_1', { resumeFrom: { linesDelivered: 5 } })) seen.push(row.custom_id);
      })(),
      (error: Error & { kind?: string; cursor?: { linesDelivered: number } }) => {
        assert.equal(error.kind, 'connection');
        assert.deepEqual(error.cursor, { linesDelivered: 6 });
        return true;
      },
    );
    assert.deepEqual(seen, ['a']);
  });
});

describe('item 7 of issue 17', () => {
  it('names credential files by name and by folder, and leaves look-alikes alone', () => {
    for (const name of ['kubeconfig', 'deploy/.kube/config', 'api_key.txt', 'token.json', 'gcp-service-account-prod.json', 'app-firebase-adminsdk-1a2b.json', 'aws_credentials', 'home/.docker/config.json']) {
      assert.equal(isLikelySecretFile(name), true, name);
    }
    for (const name of ['design-tokens.json', 'tokenizer.json', 'config', 'src/config.ts', 'keyboard.md']) {
      assert.equal(isLikelySecretFile(name), false, name);
    }
  });

  it('keeps a backslash in a file name as part of the name on POSIX, not a folder', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'bl-backslash-'));
    const target = await confineToWorkspace(root, 'out/a\\b.md');
    // On Windows a backslash separates folders, so there it is one.
    const expected = path.sep === '\\' ? path.join('out', 'a', 'b.md') : path.join('out', 'a\\b.md');
    assert.equal(path.relative(await fs.realpath(root), target), expected);
  });

  it('says what ENOSPC, ENOENT and EACCES mean instead of a syscall trace', () => {
    const error = (code: string) => Object.assign(new Error(`${code}: open '/w/.batchlens/jobs/x.json'`), { code, path: '/w/.batchlens/jobs/x.json' });
    assert.match(describeFailure(error('ENOSPC')), /^the disk is full \(\/w\/\.batchlens\/jobs\/x\.json\): free some space .* \[ENOSPC\]$/);
    assert.match(describeFailure(error('ENOENT')), /^a file or folder is missing/);
    assert.match(describeFailure(error('EACCES')), /^permission denied/);
    assert.equal(describeFailure(new Error('plain')), 'plain');
  });

  it('removes temp and lock-candidate files a killed process left, never a live or fresh one', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'bl-sweep-'));
    const jobs = path.join(root, '.batchlens', 'jobs');
    await fs.mkdir(jobs, { recursive: true });
    const dead = 2 ** 22 + 12345; // above Linux's default pid_max: no such process
    const files = {
      stale: path.join(jobs, `job_1.json.${dead}.abc123.tmp`),
      lock: path.join(root, '.batchlens', `store.lock.${dead}.0011aabb`),
      live: path.join(jobs, `job_2.json.${process.pid}.abc123.tmp`),
      fresh: path.join(jobs, `job_3.json.${dead + 1}.def456.tmp`),
      job: path.join(jobs, 'job_1.json'),
    };
    for (const file of Object.values(files)) await fs.writeFile(file, '{}');
    const old = new Date(Date.now() - 10 * 60_000);
    for (const file of [files.stale, files.lock, files.live, files.job]) await fs.utimes(file, old, old);
    const report = await sweepStoreLeftovers(root);
    assert.deepEqual(report.removed.sort(), [`.batchlens/jobs/job_1.json.${dead}.abc123.tmp`, `.batchlens/store.lock.${dead}.0011aabb`]);
    for (const kept of [files.live, files.fresh, files.job]) await fs.access(kept);
  });
});

describe('item 7 against the emulator', function () {
  this.timeout(30_000);

  it('`batch results` explains an API failure, and a failed refresh exits non-zero instead of "still running"', async () => {
    const emulator = await createEmulator({ speed: 1 });
    try {
      const root = await fs.mkdtemp(path.join(os.tmpdir(), 'bl-results-err-'));
      await fs.mkdir(path.join(root, 'src'));
      await fs.writeFile(path.join(root, 'src', 'a.md'), 'A note.\n');
      const env = { ANTHROPIC_API_KEY: TEST_KEY, ANTHROPIC_BASE_URL: emulator.url, BATCHLENS_TIMEOUT_SECONDS: '5' };
      const io = () => ({ out: '', err: '', cwd: root, env, stdout(text: string) { this.out += text; }, stderr(text: string) { this.err += text; } });
      const submit = io();
      assert.equal(await runCli(['batch', 'submit', 'src', '--yes', '--json'], submit), 0, submit.err);
      const { jobId } = JSON.parse(submit.out) as { jobId: string };
      emulator.admin.setFaults([{ kind: 'server_error', method: 'GET', path: '/v1/messages/batches/*' }]);
      const results = io();
      assert.equal(await runCli(['batch', 'results', jobId], results), 1);
      assert.match(results.err, /could not ask the API about msgbatch_\w+ \(its results may be ready\): Anthropic's API had an internal error \(HTTP 500\)/);
      assert.doesNotMatch(results.err, /: Internal server error\s*$/m);
    } finally {
      await emulator.close();
    }
  });

  it('`submit` of files already in flight names the job and sends nothing; `--again` sends them once more', async () => {
    const emulator = await createEmulator({ speed: 1 });
    try {
      const root = await fs.mkdtemp(path.join(os.tmpdir(), 'bl-again-'));
      await fs.mkdir(path.join(root, 'src'));
      await fs.writeFile(path.join(root, 'src', 'a.md'), 'A note.\n');
      await fs.writeFile(path.join(root, 'src', 'b.md'), 'B note.\n');
      const env = { ANTHROPIC_API_KEY: TEST_KEY, ANTHROPIC_BASE_URL: emulator.url };
      const run = async (argv: string[]) => {
        const io = { out: '', err: '', cwd: root, env, stdout(text: string) { io.out += text; }, stderr(text: string) { io.err += text; } };
        return { code: await runCli(argv, io), err: io.err };
      };
      assert.equal((await run(['batch', 'submit', 'src', '--yes'])).code, 0);
      const creates = () => emulator.admin.requests().filter((request) => request.method === 'POST' && request.path === '/v1/messages/batches').length;
      const refused = await run(['batch', 'submit', 'src/a.md', '--yes']);
      assert.equal(refused.code, 1);
      assert.match(refused.err, /1 of these files is already in flight: 1 in job job_\w+ \(msgbatch_\w+\)\. Nothing was sent/);
      assert.equal(creates(), 1);
      // A changed file is a different request: not in flight.
      await fs.writeFile(path.join(root, 'src', 'b.md'), 'B note, edited.\n');
      assert.equal((await run(['batch', 'submit', 'src/b.md', '--yes'])).code, 0);
      assert.equal((await run(['batch', 'submit', 'src/a.md', '--yes', '--again'])).code, 0);
      assert.equal(creates(), 3);
    } finally {
      await emulator.close();
    }
  });

  it('downloads the result of a file whose name holds a backslash to a file of that name, not into a folder', async function () {
    // On Windows no file name can hold a backslash.
    if (path.sep === '\\') return;
    const emulator = await createEmulator({ speed: 1 });
    try {
      const root = await fs.mkdtemp(path.join(os.tmpdir(), 'bl-backslash-cli-'));
      await fs.mkdir(path.join(root, 'src'));
      await fs.writeFile(path.join(root, 'src', 'a\\b.md'), 'A note with a backslash in its name.\n');
      const env = { ANTHROPIC_API_KEY: TEST_KEY, ANTHROPIC_BASE_URL: emulator.url };
      const run = async (argv: string[]) => {
        const io = { out: '', err: '', cwd: root, env, stdout(text: string) { io.out += text; }, stderr(text: string) { io.err += text; } };
        return { code: await runCli(argv, io), out: io.out, err: io.err };
      };
      const submitted = await run(['batch', 'submit', 'src', '--yes', '--json']);
      assert.equal(submitted.code, 0, submitted.err);
      const { jobId, batches } = JSON.parse(submitted.out) as { jobId: string; batches: string[] };
      emulator.admin.endBatch(batches[0]);
      const results = await run(['batch', 'results', jobId, '--json']);
      assert.equal(results.code, 0, results.err);
      const written = (JSON.parse(results.out) as { written: string[] }).written;
      assert.deepEqual(written, [`.batchlens/results/${jobId}/src/a\\b.md.summary.md`]);
      assert.ok((await fs.stat(path.join(root, '.batchlens', 'results', jobId, 'src', 'a\\b.md.summary.md'))).isFile());
      await assert.rejects(fs.stat(path.join(root, '.batchlens', 'results', jobId, 'src', 'a')), /ENOENT/);
    } finally {
      await emulator.close();
    }
  });

  it('`status --wait` fails with a message when the job file disappears while it waits', async () => {
    const emulator = await createEmulator({ speed: 1 });
    try {
      const root = await fs.mkdtemp(path.join(os.tmpdir(), 'bl-wait-gone-'));
      await fs.mkdir(path.join(root, 'src'));
      await fs.writeFile(path.join(root, 'src', 'a.md'), 'A note.\n');
      const env = { ANTHROPIC_API_KEY: TEST_KEY, ANTHROPIC_BASE_URL: emulator.url };
      const submit = { out: '', err: '', cwd: root, env, stdout(text: string) { this.out += text; }, stderr(text: string) { this.err += text; } };
      assert.equal(await runCli(['batch', 'submit', 'src', '--yes', '--json'], submit), 0, submit.err);
      const { jobId } = JSON.parse(submit.out) as { jobId: string };
      const wait = { out: '', err: '', cwd: root, env, stdout(text: string) { this.out += text; }, stderr(text: string) { this.err += text; } };
      const waiting = runCli(['batch', 'status', jobId, '--wait', '--interval-ms', '30', '--max-interval-ms', '60'], wait);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await fs.rm(path.join(root, '.batchlens', 'jobs', `${jobId}.json`));
      assert.equal(await waiting, 1);
      assert.match(wait.err, new RegExp(`job ${jobId} disappeared from \\.batchlens/jobs while waiting`));
    } finally {
      await emulator.close();
    }
  });
});
