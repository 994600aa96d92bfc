import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import * as vscode from 'vscode';
import { customIdForPath } from '../../../src/core/batch/customIds';
import { CATALOG_AS_OF } from '../../../src/core/pricing/catalog';
import type { Job, RowAttempt } from '../../../src/core/jobs/jobModel';
import {
  type SubmitResult,
  clearFaults,
  clearNotifications,
  closeEditors,
  emulatedBatch,
  emulatedBatches,
  flagsOf,
  forgetEmulatorKey,
  hasFlag,
  jobNode,
  refreshUntil,
  setFaults,
  storedJob,
  ui,
  useEmulatorKey,
  workspacePath,
  workspaceUri,
} from './batchSupport';

const TICKETS = 'docs/tickets';
const RETRY = 'batch-inputs/retry';

async function submit(folder: string): Promise<SubmitResult> {
  const uri = workspaceUri(folder);
  // These tests send the same fixture folders more than once on purpose (earlier jobs may still be
  // running), so they say so with `again`; the refusal itself is tested in batchSubmit.test.ts.
  const result = await vscode.commands.executeCommand<SubmitResult | undefined>('batchlens.batchSelectedFiles', uri, [uri], {
    template: 'summarize',
    confirm: true,
    allowSecrets: false,
    again: true,
  });
  assert.ok(result?.submitted, `submitting ${folder} failed: ${JSON.stringify(result)}`);
  return result;
}

/** Runs Download Results on a job; resolves to the number of files it wrote (its toast is not waited for). */
async function download(jobId: string): Promise<{ written: number | undefined }> {
  const written = await vscode.commands.executeCommand<number | undefined>('batchlens.downloadResults', await jobNode(jobId));
  await clearNotifications();
  return { written };
}

function latestAttempt(job: Job, relativePath: string): RowAttempt {
  const entry = job.manifest.find((candidate) => candidate.relativePath === relativePath);
  assert.ok(entry, `${relativePath} is not in job ${job.id}`);
  const attempts = job.rows[entry.customId] ?? [];
  assert.ok(attempts.length > 0, `no downloaded result for ${relativePath}`);
  return attempts[attempts.length - 1];
}

describe('batch tracker (Batches view commands, against the emulator)', () => {
  let tickets: SubmitResult;

  before(async () => {
    await useEmulatorKey();
    await clearFaults();
  });

  after(async () => {
    await clearFaults();
    await clearNotifications();
    await closeEditors();
    await forgetEmulatorKey();
  });

  it('refreshBatches shows a submitted job as running, then as ended once the emulator finishes it', async () => {
    tickets = await submit(TICKETS);
    const running = await refreshUntil(tickets.jobId, 'listed', () => true);
    assert.equal(running.label, 'summarize · 3 files');
    assert.ok(hasFlag('running')(running), `running right after submit: ${running.contextValue}`);
    assert.ok(hasFlag('hasId')(running));
    assert.ok(!hasFlag('ended')(running));
    assert.match(running.description, /^running/);

    const ended = await refreshUntil(tickets.jobId, 'ended', hasFlag('ended'));
    assert.ok(!hasFlag('running')(ended));
    assert.ok(!hasFlag('hasResults')(ended), 'nothing downloaded yet');
    assert.match(ended.description, /^done · 3 succeeded/);
    assert.equal((await emulatedBatch(tickets.batches[0])).processing_status, 'ended');
  });

  it('downloadResults writes one output per file inside .batchlens/results/<job>/ and the job gets hasResults', async () => {
    const { written } = await download(tickets.jobId);
    assert.equal(written, 3);
    const job = await storedJob(tickets.jobId);
    for (const entry of job.manifest) {
      const attempt = latestAttempt(job, entry.relativePath);
      assert.equal(attempt.outcome, 'succeeded');
      assert.ok(attempt.outputPath?.startsWith(`.batchlens/results/${job.id}/`), `output inside the store: ${attempt.outputPath}`);
      const output = readFileSync(workspacePath(attempt.outputPath ?? ''), 'utf8');
      assert.match(output, /Summary \(emulated\)/, `${attempt.outputPath} holds the model's reply`);
    }
    const item = await refreshUntil(tickets.jobId, 'marked hasResults', hasFlag('hasResults'));
    assert.ok(hasFlag('ended')(item));
  });

  it('a second download writes nothing new and leaves the files untouched', async () => {
    const job = await storedJob(tickets.jobId);
    const outputs = job.manifest.map((entry) => workspacePath(latestAttempt(job, entry.relativePath).outputPath ?? ''));
    const before = outputs.map((file) => statSync(file).mtimeMs);
    const { written } = await download(tickets.jobId);
    assert.equal(written, 0);
    assert.deepEqual(outputs.map((file) => statSync(file).mtimeMs), before);
  });

  it('openResultRow opens a row\'s output in an editor, beside its source', async () => {
    await closeEditors();
    const job = await storedJob(tickets.jobId);
    const entry = job.manifest[0];
    const attempt = latestAttempt(job, entry.relativePath);
    const batch = job.batches.find((record) => record.batchId === attempt.batchId);
    const row = { kind: 'row', job, batch, customId: entry.customId, relativePath: entry.relativePath, attempt };
    await vscode.commands.executeCommand('batchlens.openResultRow', row);
    const open = vscode.window.visibleTextEditors.map((editor) => editor.document.uri.fsPath);
    assert.ok(open.includes(workspacePath(attempt.outputPath ?? '')), `the output is open: ${open.join(', ')}`);
    assert.ok(open.includes(workspacePath(entry.relativePath)), 'the source is open beside it');
    assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, workspacePath(attempt.outputPath ?? ''));
  });

  it('retryFailed resends exactly the overloaded and expired rows as a new batch of the job, not the invalid one', async () => {
    // Set before the submit, when the job's custom_id tag is not known yet: any tag after the file's id.
    const anyTag = (name: string) => `^${customIdForPath(`${RETRY}/${name}`)}_[0-9a-f]{8}$`;
    await setFaults([
      { kind: 'row_error', customIdPattern: anyTag('flaky.txt'), errorType: 'overloaded_error', times: 1 },
      { kind: 'row_expire', customIdPattern: anyTag('late.txt'), times: 1 },
      { kind: 'row_error', customIdPattern: anyTag('invalid.txt'), errorType: 'invalid_request_error', message: 'messages.0.content: emulated invalid request' },
    ]);
    try {
      const job = await submit(RETRY);
      assert.equal(job.requests, 4);
      const ended = await refreshUntil(job.jobId, 'ended', hasFlag('ended'));
      assert.ok(hasFlag('hasFailed')(ended), `failed rows flagged: ${ended.contextValue}`);

      const pending = vscode.commands.executeCommand('batchlens.retryFailed', await jobNode(job.jobId));
      const dialog = await ui('dialog', 'Resend 2 row(s)', 'Resend');
      assert.match(dialog, /flaky\.txt: overloaded_error/);
      assert.match(dialog, /late\.txt: expired/);
      assert.doesNotMatch(dialog, /invalid\.txt:/);
      assert.match(dialog, /1 invalid row\(s\) are not resent/);
      // The invalid row is then listed for editing with the API's message.
      const editing = await ui('quickpick', 'invalid.txt');
      assert.match(editing, /emulated invalid request/);
      await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
      await pending;

      const stored = await storedJob(job.jobId);
      const id = (name: string) => customIdForPath(`${RETRY}/${name}`, 0, stored.customIdTag);
      assert.equal(stored.batches.length, 2);
      const retryBatch = stored.batches[1];
      assert.equal(retryBatch.purpose, 'retry');
      assert.ok(retryBatch.batchId);
      const [newest] = await emulatedBatches();
      assert.equal(newest.id, retryBatch.batchId, 'the retry is the newest batch on the emulator');
      assert.deepEqual(newest.rows.map((row) => row.custom_id).sort(), [id('flaky.txt'), id('late.txt')].sort());

      await refreshUntil(job.jobId, 'ended after the retry', (item) => hasFlag('ended')(item) && !hasFlag('running')(item));
      await download(job.jobId);
      const after = await storedJob(job.jobId);
      assert.equal(latestAttempt(after, `${RETRY}/flaky.txt`).outcome, 'succeeded');
      assert.equal(latestAttempt(after, `${RETRY}/late.txt`).outcome, 'succeeded');
      assert.equal(latestAttempt(after, `${RETRY}/fine.txt`).outcome, 'succeeded');
      const invalid = latestAttempt(after, `${RETRY}/invalid.txt`);
      assert.equal(invalid.outcome, 'errored');
      assert.equal(invalid.errorType, 'invalid_request_error');
      assert.equal(after.rows[id('flaky.txt')].length, 2, 'the row keeps its history: the failure and the retry');
    } finally {
      await clearFaults();
    }
  });

  it('showSavings returns a Markdown report naming the job and the catalog\'s as-of date', async () => {
    const markdown = await vscode.commands.executeCommand<string>('batchlens.showSavings');
    assert.equal(typeof markdown, 'string');
    assert.match(markdown, /^# Batchlens savings/);
    assert.ok(markdown.includes(`as of **${CATALOG_AS_OF}**`), 'the catalog date is shown');
    const row = markdown.split('\n').find((line) => line.includes(`\`${tickets.jobId}\``));
    assert.ok(row, 'the downloaded job has a row');
    const cells = row.split('|').map((cell) => cell.trim());
    assert.equal(cells[2], 'summarize');
    assert.equal(cells[3], '3', 'three rows priced from their usage');
    const [actual, sync] = [cells[4], cells[5]].map((cell) => Number(cell.replace(/[^\d.]/g, '')));
    assert.ok(actual > 0 && actual < sync, `actual ${cells[4]} below sync ${cells[5]}`);
  });

  it('cancelJob on a running job: the API is told, and the job ends canceling', async () => {
    const job = await submit(TICKETS);
    const pending = vscode.commands.executeCommand('batchlens.cancelJob', await jobNode(job.jobId));
    await ui('dialog', job.jobId, 'Cancel Job');
    await pending;
    const stored = await storedJob(job.jobId);
    assert.ok(['canceling', 'ended'].includes(stored.batches[0].status ?? ''), `status after cancel: ${stored.batches[0].status}`);
    const state = (await emulatedBatches()).find((batch) => batch.id === job.batches[0]) as { cancel_initiated_at?: string | null } | undefined;
    assert.ok(state?.cancel_initiated_at, 'the emulator received the cancel');
    const item = await refreshUntil(job.jobId, 'no longer running', (candidate) => !hasFlag('running')(candidate));
    assert.match(item.description, /^(canceling|ended|done)/);
  });

  it('deleteJob removes an ended job from the tree and the store, and deletes its batch on the API', async () => {
    const before = await refreshUntil(tickets.jobId, 'deletable', hasFlag('deletable'));
    assert.ok(flagsOf(before).includes('ended'));
    const pending = vscode.commands.executeCommand('batchlens.deleteJob', await jobNode(tickets.jobId));
    await ui('dialog', tickets.jobId, 'Delete');
    await pending;
    const items = (await vscode.commands.executeCommand<Array<{ jobId: string }>>('batchlens.refreshBatches')) ?? [];
    assert.ok(!items.some((item) => item.jobId === tickets.jobId), 'the job left the tree');
    assert.equal(existsSync(workspacePath(`.batchlens/jobs/${tickets.jobId}.json`)), false, 'the job file is gone');
    assert.ok(!(await emulatedBatches()).some((batch) => batch.id === tickets.batches[0]), 'the batch was deleted on the API');
  });
});
