import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { createSubmitCommand } from '../../../src/cli/commands/batch/submit';
import { runCli } from '../../../src/cli/main';
import { FileJobStore } from '../../../src/core/tracking/jobStore';
import { type Emulator, createEmulator } from '../../emulator/emulator';
import { recordingIo } from '../support/recordingIo';

const KEY = 'sk-ant-test-submit';

/** 5 text files, a binary file, a .env and a git-ignored folder under `project/`; the .gitignore sits at the root. */
async function sampleWorkspace(): Promise<string> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'bl-submit-'));
  const files: Record<string, string | Buffer> = {
    '.gitignore': 'project/generated/\n',
    'project/.env': 'API_TOKEN=abc\n',
    'project/logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00]),
    'project/generated/out.txt': 'generated\n',
  };
  for (let index = 1; index <= 5; index++) files[`project/notes/n${index}.md`] = `Note ${index}: the quarterly plan, part ${index}.\n`;
  for (const [relative, content] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(root, relative)), { recursive: true });
    await fs.writeFile(path.join(root, relative), content);
  }
  return root;
}

async function emulatorBatches(emulator: Emulator) {
  const client = new Anthropic({ apiKey: KEY, baseURL: emulator.url });
  const batches = [];
  for await (const batch of client.messages.batches.list({ limit: 100 })) batches.push(batch);
  return batches;
}

describe('batchlens batch submit', () => {
  let emulator: Emulator;
  beforeEach(async () => {
    emulator = await createEmulator();
  });
  afterEach(async () => {
    await emulator.close();
  });
  const env = () => ({ ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: emulator.url });

  it('sends exactly the 5 text files and reports the binary, the .env and the ignored folder', async () => {
    const root = await sampleWorkspace();
    const io = recordingIo(root, env());
    const code = await runCli(['batch', 'submit', 'project', '--template', 'summarize', '--yes', '--json'], io);
    assert.equal(code, 0, io.err);
    const report = JSON.parse(io.out);
    assert.equal(report.requests, 5);
    assert.equal(report.batches.length, 1);
    assert.match(report.jobId, /^job_/);
    assert.deepEqual(report.skipped, [
      { path: 'project/.env', reason: 'secret' },
      { path: 'project/generated/', reason: 'ignored' },
      { path: 'project/logo.png', reason: 'binary' },
    ]);
    assert.ok(report.estimate.batchUsd > 0 && report.estimate.syncUsd > report.estimate.batchUsd);
    const batches = await emulatorBatches(emulator);
    assert.equal(batches.length, 1);
    assert.equal(batches[0].id, report.batches[0]);
    assert.equal(batches[0].request_counts.processing + batches[0].request_counts.succeeded, 5);
    const job = await new FileJobStore(root).get(report.jobId);
    assert.equal(job?.batches[0].batchId, report.batches[0]);
    assert.equal(job?.manifest.length, 5);
  });

  it('makes 3 batches in one job with --max-requests-per-batch 2', async () => {
    const root = await sampleWorkspace();
    const io = recordingIo(root, env());
    const code = await runCli(['batch', 'submit', 'project', '--yes', '--json', '--max-requests-per-batch', '2'], io);
    assert.equal(code, 0, io.err);
    const report = JSON.parse(io.out);
    assert.equal(report.batches.length, 3);
    const jobs = await new FileJobStore(root).list();
    assert.equal(jobs.length, 1);
    assert.deepEqual(jobs[0].batches.map((record) => record.customIds.length), [2, 2, 1]);
    assert.equal((await emulatorBatches(emulator)).length, 3);
  });

  it('a dry run keeps no manifest, yet refuses an output pattern that climbs out, and writes nothing', async () => {
    const root = await sampleWorkspace();
    await fs.mkdir(path.join(root, 'templates'));
    await fs.writeFile(path.join(root, 'templates/escape.md'), '---\nmodel: claude-sonnet-4-6\noutput: "../../escape/{{file.path}}.md"\n---\nSummarize {{file.path}}:\n{{file.content}}\n');
    const io = recordingIo(root, env());
    const code = await runCli(['batch', 'submit', 'project', '--dry-run', '--template', 'templates/escape.md'], io);
    assert.equal(code, 2, io.out);
    assert.match(io.err, /outside the workspace \('\.batchlens\/results\/job_\w+\/\.\.\/\.\.\/escape\/project\/notes\/n1\.md\.md' for project\/notes\/n1\.md: it climbs out/);
    await assert.rejects(fs.access(path.join(root, '.batchlens')), 'the dry run wrote no store folder');
  });

  it('a dry run names the files another job has in flight, checked as its rows were built', async () => {
    const root = await sampleWorkspace();
    const first = recordingIo(root, env());
    assert.equal(await runCli(['batch', 'submit', 'project', '--yes', '--json'], first), 0, first.err);
    const sent = JSON.parse(first.out) as { jobId: string; batches: string[] };
    const io = recordingIo(root, env());
    const code = await runCli(['batch', 'submit', 'project', '--dry-run'], io);
    assert.equal(code, 0, io.err);
    assert.ok(io.err.includes(`Note: 5 of these files are already in flight: 5 in job ${sent.jobId} (${sent.batches[0]}); a real submit would refuse without --again.`), io.err);
    assert.match(io.out, /Dry run: nothing was sent\./);
    assert.equal((await emulatorBatches(emulator)).length, 1, 'nothing was sent by the dry run');
  });

  it('after a kill right after create, the next batch command shows the job with its batch id and never a second copy', async () => {
    const root = await sampleWorkspace();
    const crashing = createSubmitCommand({
      afterCreate: () => {
        throw new Error('process killed');
      },
    });
    await assert.rejects(crashing.run(['project', '--yes', '--json'], recordingIo(root, env())), /process killed/);
    const [orphan] = await new FileJobStore(root).list();
    assert.equal(orphan.batches[0].batchId, undefined);

    const io = recordingIo(root, env());
    const code = await runCli(['batch', 'submit', 'project', '--dry-run', '--json'], io);
    assert.equal(code, 0, io.err);
    assert.match(io.err, /recovered 1 batch id/);
    const batches = await emulatorBatches(emulator);
    assert.equal(batches.length, 1, 'nothing was sent twice');
    const jobs = await new FileJobStore(root).list();
    assert.equal(jobs.length, 1, 'the dry run stored no job');
    assert.equal(jobs[0].batches[0].batchId, batches[0].id);
  });

  it('after a kill right after create, `batch list` shows the job with its recovered batch id', async () => {
    const root = await sampleWorkspace();
    const crashing = createSubmitCommand({
      afterCreate: () => {
        throw new Error('process killed');
      },
    });
    await assert.rejects(crashing.run(['project', '--yes', '--json'], recordingIo(root, env())), /process killed/);

    const io = recordingIo(root, env());
    assert.equal(await runCli(['batch', 'list', '--json'], io), 0, io.err);
    const listed = JSON.parse(io.out) as { jobId: string; batches: { batchId: string | null }[] }[];
    const batches = await emulatorBatches(emulator);
    assert.equal(batches.length, 1, 'nothing was sent twice');
    assert.equal(listed.length, 1);
    assert.equal(listed[0].batches[0].batchId, batches[0].id);
  });

  it('prints the preview and sends nothing with --dry-run, even without a key', async () => {
    const root = await sampleWorkspace();
    const io = recordingIo(root, {});
    const code = await runCli(['batch', 'submit', 'project', '--dry-run', '--json'], io);
    assert.equal(code, 0, io.err);
    const report = JSON.parse(io.out);
    assert.deepEqual(report.batches, []);
    assert.equal(report.requests, 5);
    assert.equal(report.estimate.syncUsd > 0, true);
    await assert.rejects(fs.access(path.join(root, '.batchlens/jobs')));
    assert.equal((await emulatorBatches(emulator)).length, 0);
  });

  it('refuses without a key, naming how to set one (exit 2)', async () => {
    const root = await sampleWorkspace();
    const io = recordingIo(root, { ANTHROPIC_BASE_URL: emulator.url });
    assert.equal(await runCli(['batch', 'submit', 'project', '--yes'], io), 2);
    assert.match(io.err, /export ANTHROPIC_API_KEY=.*Batchlens: Set API Key/);
    assert.equal(io.err.trim().split('\n').length, 1);
  });

  it('refuses to submit on a non-terminal without --yes (exit 2) and sends nothing', async () => {
    const root = await sampleWorkspace();
    const io = recordingIo(root, env());
    assert.equal(await runCli(['batch', 'submit', 'project'], io), 2);
    assert.match(io.err, /pass --yes to submit, or --dry-run/);
    assert.equal((await emulatorBatches(emulator)).length, 0);
  });

  it('asks on a terminal and sends nothing when the answer is no', async () => {
    const root = await sampleWorkspace();
    const questions: string[] = [];
    const io = recordingIo(root, env());
    io.confirm = async (question) => {
      questions.push(question);
      return false;
    };
    assert.equal(await runCli(['batch', 'submit', 'project'], io), 1);
    assert.match(io.err, /Cancelled: nothing was sent/);
    assert.match(questions[0], /^Submit 5 requests \(expected ≈\$[\d.]+, at most ≈\$[\d.]+\)\?$/);
    assert.equal((await emulatorBatches(emulator)).length, 0);
  });

  it("counts a job's age from its submission, not from when its files were collected", async () => {
    const root = await sampleWorkspace();
    // The clock moves an hour between preparing the job and sending it (a slow confirmation).
    let now = Date.parse('2026-11-22T08:00:00Z');
    const clock = { now: () => now, sleep: () => Promise.resolve() };
    const io = recordingIo(root, env());
    io.confirm = async () => {
      now += 3_600_000;
      return true;
    };
    assert.equal(await createSubmitCommand({ clock }).run(['project'], io), 0, io.err);
    const [job] = await new FileJobStore(root).list();
    assert.equal(job.createdAt, Date.parse('2026-11-22T09:00:00Z'));
    assert.match(job.id, /^job_20261122T080000Z_/, 'the id keeps the time the job was prepared');
  });

  it('reports a bad template by file and line, exit 2, nothing sent', async () => {
    const root = await sampleWorkspace();
    await fs.mkdir(path.join(root, '.batchlens/templates'), { recursive: true });
    await fs.writeFile(path.join(root, '.batchlens/templates/bad.md'), '---\nmodel: claude-sonnet-4-6\n---\nHi {{file.author}}\n');
    const io = recordingIo(root, env());
    assert.equal(await runCli(['batch', 'submit', 'project', '--template', 'bad', '--yes'], io), 2);
    assert.match(io.err, /\.batchlens\/templates\/bad\.md:4: unknown variable \{\{file\.author\}\}/);
    assert.equal((await emulatorBatches(emulator)).length, 0);
  });
});
