import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { runCli } from '../../../src/cli/main';
import { customIdForPath } from '../../../src/core/batch/customIds';
import { FileJobStore } from '../../../src/core/tracking/jobStore';
import { createEmulator, type Emulator } from '../../emulator/emulator';
import { recordingIo } from '../support/recordingIo';

const FILES = ['src/f0.ts', 'src/f1.ts', 'src/f2.ts', 'src/f3.ts', 'src/f4.ts'];
/** Faults are set before the submit, when the job's tag is not known yet: any tag after the file's id. */
const exactly = (file: string) => `^${customIdForPath(file)}_[0-9a-f]{8}$`;

async function makeWorkspace(): Promise<string> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'batchlens-tracker-e2e-'));
  for (const [i, file] of FILES.entries()) {
    await fs.mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await fs.writeFile(path.join(root, file), `export const value${i} = ${i};\n`);
  }
  return root;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed CLI output; each test checks the fields it reads
type CliJson = any;

async function cli(root: string, emulator: Emulator, argv: string[]): Promise<{ code: number; out: string; err: string; json: () => CliJson }> {
  const io = recordingIo(root, { ANTHROPIC_API_KEY: 'sk-ant-test-key', ANTHROPIC_BASE_URL: emulator.url });
  const code = await runCli(argv, io);
  return { code, out: io.out, err: io.err, json: () => JSON.parse(io.out) };
}

async function submit(root: string, emulator: Emulator): Promise<string> {
  const submitted = await cli(root, emulator, ['batch', 'submit', 'src', '--yes', '--json']);
  assert.equal(submitted.code, 0, submitted.err);
  return submitted.json().jobId as string;
}

describe('batch tracker CLI against the emulator', function () {
  this.timeout(60_000);
  let emulator: Emulator;
  let root: string;

  beforeEach(async () => {
    emulator = await createEmulator({ speed: 3000 });
    root = await makeWorkspace();
  });

  afterEach(async () => {
    await emulator.close();
  });

  it('waits for 5 files to succeed, writes 5 results inside the workspace, and writes nothing new the second time', async () => {
    const jobId = await submit(root, emulator);

    const status = await cli(root, emulator, ['batch', 'status', jobId.slice(0, -2), '--wait', '--json', '--interval-ms', '50']);
    assert.equal(status.code, 0, status.err);
    const json = status.json();
    assert.equal(json.jobId, jobId);
    assert.equal(json.status, 'ended');
    assert.deepEqual(json.counts, { processing: 0, succeeded: 5, errored: 0, canceled: 0, expired: 0 });

    const first = await cli(root, emulator, ['batch', 'results', jobId, '--json']);
    assert.equal(first.code, 0, first.err);
    const written: string[] = first.json().written;
    assert.equal(written.length, 5);
    for (const file of written) {
      const absolute = path.resolve(root, file);
      assert.ok(absolute.startsWith(`${root}${path.sep}`), `${file} is inside the workspace`);
      assert.ok((await fs.readFile(absolute, 'utf8')).length > 0);
    }
    assert.deepEqual(written.map((file) => file.replace(/^\.batchlens\/results\/[^/]+\//, '').replace(/\.summary\.md$/, '')).sort(), FILES);

    const second = await cli(root, emulator, ['batch', 'results', jobId, '--json']);
    assert.equal(second.code, 0, second.err);
    assert.deepEqual(second.json().written, []);

    const listed = await cli(root, emulator, ['batch', 'list', '--json']);
    assert.deepEqual(listed.json().map((job: { jobId: string }) => job.jobId), [jobId]);

    const savings = await cli(root, emulator, ['batch', 'savings', jobId, '--json']);
    const report = savings.json();
    assert.equal(report.jobs[0].pricedRows, 5);
    assert.ok(report.totals.savedUsd > 0 && report.totals.actualUsd < report.totals.syncUncachedUsd);
  });

  it('retries exactly the overloaded and expired rows, and lists the invalid one for editing', async () => {
    emulator.admin.setFaults([
      { kind: 'row_error', customIdPattern: exactly('src/f1.ts'), errorType: 'overloaded_error', message: 'Overloaded', times: 1 },
      { kind: 'row_expire', customIdPattern: exactly('src/f2.ts'), times: 1 },
      { kind: 'row_error', customIdPattern: exactly('src/f3.ts'), errorType: 'invalid_request_error', message: 'messages.0.content: too long' },
    ]);
    const jobId = await submit(root, emulator);
    const ended = await cli(root, emulator, ['batch', 'status', jobId, '--wait', '--json', '--interval-ms', '50']);
    assert.deepEqual(ended.json().counts, { processing: 0, succeeded: 2, errored: 2, canceled: 0, expired: 1 });

    const retry = await cli(root, emulator, ['batch', 'retry', jobId, '--json']);
    assert.equal(retry.code, 0, retry.err);
    const plan = retry.json();
    const [job] = await new FileJobStore(root).list();
    const idOf = (file: string) => customIdForPath(file, 0, job.customIdTag);
    assert.match(job.customIdTag ?? '', /^[0-9a-f]{8}$/);
    assert.deepEqual(job.manifest.map((entry) => entry.customId), FILES.map(idOf), 'the manifest maps every tagged id to its file');
    assert.deepEqual([...plan.resent].sort(), [idOf('src/f1.ts'), idOf('src/f2.ts')].sort());
    assert.equal(plan.batchIds.length, 1);
    assert.deepEqual(plan.forEditing, [
      { customId: idOf('src/f3.ts'), path: 'src/f3.ts', errorType: 'invalid_request_error', message: 'messages.0.content: too long' },
    ]);
    const creates = emulator.admin.requests().filter((request) => request.method === 'POST' && request.path === '/v1/messages/batches');
    assert.equal(creates.length, 2, 'the submit and one retry batch');

    const after = await cli(root, emulator, ['batch', 'status', jobId, '--wait', '--json', '--interval-ms', '50']);
    assert.deepEqual(after.json().counts, { processing: 0, succeeded: 4, errored: 1, canceled: 0, expired: 0 });
    assert.deepEqual(after.json().batches.map((batch: { purpose: string }) => batch.purpose), ['initial', 'retry']);
    const results = await cli(root, emulator, ['batch', 'results', jobId, '--json']);
    assert.equal(results.json().written.length, 2, 'the two retried rows now have outputs');
  });

  it('loses nothing when the CLI is killed mid-poll and run again', async () => {
    await emulator.close();
    emulator = await createEmulator({ speed: 1 });
    const jobId = await submit(root, emulator);
    const child = spawn(process.execPath, ['--import', pathToFileURL(path.resolve('node_modules/tsx/dist/loader.mjs')).href, path.resolve('src/cli/main.ts'), 'batch', 'status', jobId, '--wait', '--interval-ms', '50', '--max-interval-ms', '100'], {
      cwd: root,
      env: { ...process.env, ANTHROPIC_API_KEY: 'sk-ant-test-key', ANTHROPIC_BASE_URL: emulator.url },
      stdio: 'ignore',
    });
    const job = await new FileJobStore(root).get(jobId);
    const batchId = job?.batches[0].batchId as string;
    const retrievesBefore = () => emulator.admin.requests().filter((request) => request.method === 'GET' && request.path.endsWith(batchId)).length;
    for (let waited = 0; retrievesBefore() < 2 && waited < 30_000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(retrievesBefore() >= 2, 'the child process was polling');
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));

    emulator.admin.endBatch(batchId);
    const resumed = await cli(root, emulator, ['batch', 'status', jobId, '--wait', '--json', '--interval-ms', '50']);
    assert.equal(resumed.code, 0, resumed.err);
    assert.equal(resumed.json().status, 'ended');
    assert.equal(resumed.json().counts.succeeded, 5);
    const results = await cli(root, emulator, ['batch', 'results', jobId, '--json']);
    assert.equal(results.json().written.length, 5);
  });
});
