import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import * as vscode from 'vscode';
import {
  type SubmitResult,
  emulatedBatch,
  emulatedBatches,
  forgetEmulatorKey,
  jobStore,
  storedJob,
  useEmulatorKey,
  workspacePath,
  workspaceUri,
} from './batchSupport';

// The selection of the explorer test: two files and a folder holding three text files, a binary,
// an empty file, a .env and a git-ignored folder (created here: git would not keep it in the fixture).
const RELEASE_NOTES = 'docs/release-notes.md';
const TICKET = 'docs/tickets/ticket-1041.txt';
const MIXED = 'batch-inputs/mixed';
const SENT_FROM_MIXED = [`${MIXED}/incidents/incident-0007.txt`, `${MIXED}/meeting-notes.txt`, `${MIXED}/onboarding.md`];
const IGNORED_FILE = `${MIXED}/generated/build-log.txt`;

function batchSelected(selection: string[], options: Record<string, unknown>): Thenable<SubmitResult | undefined> {
  const uris = selection.map(workspaceUri);
  // As the explorer calls it: the clicked item, then the whole selection.
  return vscode.commands.executeCommand<SubmitResult | undefined>('batchlens.batchSelectedFiles', uris[0], uris, options);
}

function sortedSkips(result: SubmitResult): Array<{ path: string; reason: string }> {
  return [...result.skipped].sort((a, b) => a.path.localeCompare(b.path));
}

describe('batch submission (explorer command, against the emulator)', () => {
  before(async () => {
    mkdirSync(workspacePath(`${MIXED}/generated`), { recursive: true });
    writeFileSync(workspacePath(IGNORED_FILE), 'Build output that .gitignore keeps out of every batch.\n');
    await useEmulatorKey();
  });

  after(async () => {
    await forgetEmulatorKey();
  });

  it('sends two files and a folder as one batch: one request per text file, every skip with its reason, a job file', async () => {
    const batchesBefore = (await emulatedBatches()).length;
    const result = await batchSelected([RELEASE_NOTES, TICKET, MIXED], { template: 'summarize', confirm: true, allowSecrets: false });
    assert.ok(result, 'the command resolved to a result');
    assert.equal(result.error, undefined);
    assert.equal(result.submitted, true);
    assert.equal(result.requests, 5);
    assert.equal(result.batches.length, 1);
    assert.deepEqual(sortedSkips(result), [
      { path: `${MIXED}/.env`, reason: 'secret' },
      { path: `${MIXED}/diagram.png`, reason: 'binary' },
      { path: `${MIXED}/empty.txt`, reason: 'empty' },
      { path: `${MIXED}/generated/`, reason: 'ignored' },
    ]);
    assert.ok(result.estimate.batchUsd > 0 && result.estimate.batchUsd < result.estimate.syncUsd, `batch estimate below sync: ${JSON.stringify(result.estimate)}`);

    // What reached the emulator: exactly one new batch with exactly the five rows of the job.
    const batches = await emulatedBatches();
    assert.equal(batches.length, batchesBefore + 1);
    const batch = await emulatedBatch(result.batches[0]);
    const job = await storedJob(result.jobId);
    assert.deepEqual(batch.rows.map((row) => row.custom_id).sort(), job.manifest.map((entry) => entry.customId).sort());
    assert.deepEqual(job.manifest.map((entry) => entry.relativePath).sort(), [RELEASE_NOTES, TICKET, ...SENT_FROM_MIXED].sort());

    // The job file in the workspace store, with the batch id recorded.
    assert.ok(existsSync(workspacePath(`.batchlens/jobs/${result.jobId}.json`)), 'the job file is in .batchlens/jobs/');
    assert.deepEqual(job.batches.map((record) => record.batchId), result.batches);
    assert.equal(job.template.name, 'summarize');
  });

  it('confirm: false previews without sending; a file selected with its folder counts once', async () => {
    const batchesBefore = (await emulatedBatches()).length;
    const result = await batchSelected([`${MIXED}/meeting-notes.txt`, MIXED], { template: 'summarize', confirm: false, allowSecrets: false });
    assert.ok(result);
    assert.equal(result.submitted, false);
    assert.equal(result.requests, SENT_FROM_MIXED.length);
    assert.deepEqual(result.batches, []);
    assert.equal((await emulatedBatches()).length, batchesBefore, 'a preview creates no batch');
    assert.equal(existsSync(workspacePath(`.batchlens/jobs/${result.jobId}.json`)), false, 'a preview writes no job');
  });

  it('an interrupted submission is matched to its batch when the command runs again, and its files are not sent twice', async () => {
    // Files of its own, so no earlier test's job holds them.
    const folder = 'batch-inputs/interrupted';
    mkdirSync(workspacePath(folder), { recursive: true });
    writeFileSync(workspacePath(`${folder}/standup.txt`), 'Standup: the importer is fixed; the exporter still drops empty rows.\n');
    writeFileSync(workspacePath(`${folder}/retro.txt`), 'Retro: ship smaller changes, review them the same day.\n');
    const selection = [folder];
    const first = await batchSelected(selection, { template: 'summarize', confirm: true });
    assert.ok(first?.submitted);
    assert.equal(first.batches.length, 1);
    const [createdId] = first.batches;
    // The process "died" right after the create call: the intent is on disk, its batch id is not.
    await jobStore().update(first.jobId, (job) => {
      const record = job.batches[0];
      for (const key of ['batchId', 'status', 'counts', 'createdAt', 'expiresAt', 'endedAt', 'resultsUrl'] as const) delete record[key];
    });
    assert.equal((await storedJob(first.jobId)).batches[0].batchId, undefined);
    const batchesBefore = (await emulatedBatches()).length;

    // Without UI (confirm: true) and without `again`, files the recovered job holds are refused.
    const second = await batchSelected(selection, { template: 'summarize', confirm: true });
    assert.ok(second);
    assert.equal(second.submitted, false);
    assert.match(second.error ?? '', new RegExp(`already in flight: .*in job ${first.jobId}.*Nothing was sent`));
    assert.equal((await emulatedBatches()).length, batchesBefore, 'nothing was sent twice');
    const recovered = await storedJob(first.jobId);
    assert.equal(recovered.batches.length, 1, 'the interrupted job still has one batch');
    assert.equal(recovered.batches[0].batchId, createdId, 'its intent was matched to the batch the API created');

    // The explicit choice sends them once more, as a new job.
    const third = await batchSelected(selection, { template: 'summarize', confirm: true, again: true });
    assert.ok(third?.submitted);
    assert.notEqual(third.jobId, first.jobId);
    assert.equal((await emulatedBatches()).length, batchesBefore + 1, 'only the explicit re-send created a batch');
    assert.notEqual(third.batches[0], createdId);
  });

  it('the batch queue: two files added over time go out as one job, and the queue empties', async () => {
    const first = workspaceUri('docs/tickets/ticket-1042.txt');
    const second = workspaceUri('docs/tickets/ticket-1043.txt');
    assert.equal(await vscode.commands.executeCommand<number>('batchlens.addToBatchQueue', first, [first]), 1);
    assert.equal(await vscode.commands.executeCommand<number>('batchlens.addToBatchQueue', second, [second]), 2);
    assert.equal(await vscode.commands.executeCommand<number>('batchlens.addToBatchQueue', second, [second]), 2, 'a file queued twice is queued once');

    const batchesBefore = (await emulatedBatches()).length;
    const result = await vscode.commands.executeCommand<SubmitResult | undefined>('batchlens.submitBatchQueue', { template: 'summarize', confirm: true });
    assert.ok(result?.submitted);
    assert.equal(result.requests, 2);
    assert.equal(result.batches.length, 1);
    assert.equal((await emulatedBatches()).length, batchesBefore + 1);
    assert.equal((await emulatedBatch(result.batches[0])).rows.length, 2);
    const job = await storedJob(result.jobId);
    assert.deepEqual(job.manifest.map((entry) => entry.relativePath).sort(), ['docs/tickets/ticket-1042.txt', 'docs/tickets/ticket-1043.txt']);

    const again = await vscode.commands.executeCommand<SubmitResult | undefined>('batchlens.submitBatchQueue', { template: 'summarize', confirm: true });
    assert.equal(again, undefined, 'the submitted entries left the queue');
    assert.equal((await emulatedBatches()).length, batchesBefore + 1);
  });
});
