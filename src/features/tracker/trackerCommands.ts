import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BatchApi } from '../../core/api/batchApi';
import { explainApiError } from '../../core/api/errors';
import { assertRequestsKnown } from '../../core/tracking/adoptBatch';
import { cancelJob, deleteJob, downloadCheckedResults, isJobDeletable } from '../../core/tracking/jobActions';
import { formatCounts, jobLabel } from '../../core/tracking/jobFormat';
import type { Job, JobStore } from '../../core/jobs/jobModel';
import { summarizeJob } from '../../core/tracking/jobStatus';
import type { Poller } from '../../core/tracking/poller';
import { describeShort } from '../../core/tracking/resultsCompleteness';
import type { ConflictChoice } from '../../core/tracking/resultsWriter';
import { type RetryPlan, planRetry, submitRetry } from '../../core/tracking/retryPlanner';
import { computeSavingsReport, renderSavingsMarkdown } from '../../core/tracking/savings';
import { systemClock } from '../../core/util/clock';
import type { CommandTable } from '../../host/commandRunner';
import { showFailureToast } from '../../host/failureToast';
import type { HostServices } from '../../host/services';
import type { BatchTreeProvider, TrackerRootItem } from './batchTreeProvider';
import type { ReportView } from './reportView';
import type { RowNode, TrackerNode } from './treeModel';

export interface TrackerContext {
  services: HostServices;
  store: JobStore;
  poller: Poller;
  tree: BatchTreeProvider;
  reports: ReportView;
}

/** The tracker's command table (ids declared in package.json). */
export function trackerCommands(context: TrackerContext): CommandTable {
  return {
    'batchlens.refreshBatches': () => refresh(context),
    'batchlens.cancelJob': (node?: TrackerNode) => cancel(context, node),
    'batchlens.downloadResults': (node?: TrackerNode) => download(context, node),
    'batchlens.openResults': (node?: TrackerNode) => openResults(context, node),
    'batchlens.retryFailed': (node?: TrackerNode) => retry(context, node),
    'batchlens.deleteJob': (node?: TrackerNode) => remove(context, node),
    'batchlens.copyBatchId': (node?: TrackerNode) => copyId(node),
    'batchlens.revealSource': (node?: RowNode) => revealSource(context, node),
    'batchlens.openRawResult': (node?: RowNode) => openRawResult(context, node),
    'batchlens.openResultRow': (node?: RowNode) => openResultRow(context, node),
    'batchlens.showSavings': () => showSavings(context),
  };
}

/** Reads the store again and asks the poller for a fresh poll; returns the root items (test contract). */
async function refresh(context: TrackerContext): Promise<TrackerRootItem[]> {
  await context.tree.reload();
  void context.poller.refreshNow();
  return context.tree.rootItems();
}

/** The job a command is about: from the tree node, else picked from the store. */
async function jobOf(context: TrackerContext, node: TrackerNode | undefined, filter: (job: Job) => boolean = () => true): Promise<Job | undefined> {
  if (node) {
    return (await context.store.get(node.job.id)) ?? node.job;
  }
  const jobs = (await context.store.list()).filter(filter).sort((a, b) => b.createdAt - a.createdAt);
  if (jobs.length === 0) {
    void vscode.window.showInformationMessage('Batchlens: no batch job fits.');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    jobs.map((job) => ({ label: jobLabel(job), description: job.id, detail: formatCounts(summarizeJob(job).counts), job })),
    { placeHolder: 'Choose a batch job' },
  );
  return picked?.job;
}

async function requireApi(context: TrackerContext): Promise<BatchApi | undefined> {
  return context.services.createBatchApi();
}

async function cancel(context: TrackerContext, node: TrackerNode | undefined): Promise<void> {
  const job = await jobOf(context, node, (candidate) => summarizeJob(candidate).runningBatchCount > 0);
  if (!job) {
    return;
  }
  const confirm = await vscode.window.showWarningMessage(
    `Cancel ${jobLabel(job)} (${job.id})?`,
    { modal: true, detail: 'Rows already processed keep their results; the others come back canceled and are not billed.' },
    'Cancel Job',
  );
  if (confirm !== 'Cancel Job') {
    return;
  }
  const api = await requireApi(context);
  if (!api) {
    return;
  }
  const outcome = await cancelJob(job.id, { store: context.store, api, logger: context.services.log });
  context.poller.poke();
  if (outcome.failures.length > 0) {
    throw new Error(`could not cancel ${outcome.failures.map((failure) => `${failure.batchId}: ${failure.message}`).join('; ')}`);
  }
}

/** Downloads a job's results (asking before replacing a file Batchlens did not write); returns the count written. */
async function download(context: TrackerContext, node: TrackerNode | undefined, known?: Job, quietWhenNothingNew = false): Promise<number | undefined> {
  const job = known ?? (await jobOf(context, node, (candidate) => candidate.batches.some((batch) => batch.status === 'ended')));
  if (!job) {
    return undefined;
  }
  const api = await requireApi(context);
  if (!api) {
    return undefined;
  }
  const report = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Batchlens: downloading results of ${jobLabel(job)}`, cancellable: true },
    async (_progress, token) => {
      const abort = new AbortController();
      const subscription = token.onCancellationRequested(() => abort.abort());
      try {
        return await downloadCheckedResults(job.id, {
          store: context.store,
          api,
          logger: context.services.log,
          location: context.services.config.resultsLocation,
          onConflict: askAboutConflict,
          signal: abort.signal,
        });
      } finally {
        subscription.dispose();
      }
    },
  );
  await context.tree.reload();
  if (report.incomplete.length > 0) {
    // Never reported as done: the batch stays incomplete and the next download continues it.
    void vscode.window.showWarningMessage(`Batchlens: ${report.incomplete.map(describeShort).join('; ')}.`);
  }
  if (report.unknownCustomIds.length > 0) {
    context.services.log.warn(`Results of ${job.id} named unknown custom_ids (not written): ${report.unknownCustomIds.join(', ')}`);
  }
  if (!quietWhenNothingNew || report.written.length > 0) {
    const skipped = report.skipped.length > 0 ? `, ${report.skipped.length} not written (see the log)` : '';
    // Not awaited: the command is done once the files are written, whether or not the toast is clicked.
    void vscode.window
      .showInformationMessage(
        `Batchlens: ${report.written.length} new result file${report.written.length === 1 ? '' : 's'}${report.unchanged ? `, ${report.unchanged} unchanged` : ''}${skipped}.`,
        'Open Results',
      )
      .then(async (choice) => {
        if (choice === 'Open Results') {
          await openResults(context, undefined, job);
        }
      });
  }
  return report.written.length;
}

export async function askAboutConflict(relativePath: string): Promise<ConflictChoice> {
  const choice = await vscode.window.showWarningMessage(
    `${relativePath} exists and was not written by Batchlens (or was edited since).`,
    { modal: true, detail: 'Keep Both writes the result next to it with a number.' },
    'Keep Both',
    'Overwrite',
    'Skip',
  );
  return choice === 'Overwrite' ? 'overwrite' : choice === 'Skip' ? 'skip' : 'alternate';
}

async function openResults(context: TrackerContext, node: TrackerNode | undefined, known?: Job): Promise<void> {
  const job = known ?? (await jobOf(context, node));
  if (!job) {
    return;
  }
  const outputs = Object.values(job.rows)
    .map((attempts) => [...attempts].reverse().find((attempt) => attempt.outputPath)?.outputPath)
    .filter((output): output is string => output !== undefined);
  const root = vscode.Uri.file(context.store.root);
  if (outputs.length === 1) {
    await vscode.window.showTextDocument(vscode.Uri.joinPath(root, outputs[0]));
    return;
  }
  const resultsDir = vscode.Uri.file(context.store.resultsDir(job.id));
  if (context.services.config.resultsLocation === 'store' || outputs.length === 0) {
    await vscode.commands.executeCommand('revealInExplorer', resultsDir);
    return;
  }
  const picked = await vscode.window.showQuickPick(outputs.sort(), { placeHolder: 'Open which result?' });
  if (picked) {
    await vscode.window.showTextDocument(vscode.Uri.joinPath(root, picked));
  }
}

async function retry(context: TrackerContext, node: TrackerNode | undefined): Promise<void> {
  const job = await jobOf(context, node, (candidate) => summarizeJob(candidate).failedRowCount > 0);
  if (!job) {
    return;
  }
  const api = await requireApi(context);
  if (!api) {
    return;
  }
  // A retry is planned from downloaded results: fetch whatever is missing first.
  await downloadCheckedResults(job.id, { store: context.store, api, logger: context.services.log, location: context.services.config.resultsLocation, onConflict: askAboutConflict });
  const fresh = (await context.store.get(job.id)) ?? job;
  let plan = planRetry(fresh);
  if (plan.toSend.length > 0 || plan.canceledLeftOut.length > 0) {
    const buttons = plan.toSend.length > 0 ? ['Resend'] : [];
    if (plan.canceledLeftOut.length > 0) {
      buttons.push('Resend Including Canceled');
    }
    const choice = await vscode.window.showInformationMessage(
      `Resend ${plan.toSend.length} row(s) of ${jobLabel(fresh)} as a new batch?`,
      { modal: true, detail: retryDetail(plan) },
      ...buttons,
    );
    if (choice === 'Resend Including Canceled') {
      plan = planRetry(fresh, { includeCanceled: true });
    }
    if (choice) {
      await assertRequestsKnown(context.store, fresh, plan.toSend.map((row) => row.customId));
      const outcome = await submitRetry(plan, { store: context.store, api, clock: systemClock, logger: context.services.log, maxRequestsPerBatch: context.services.config.maxRequestsPerBatch });
      context.poller.poke();
      await context.tree.reload();
      if (outcome.failure) {
        throw new Error(outcome.failure.message);
      }
      void vscode.window.showInformationMessage(`Batchlens: resent ${outcome.sentCustomIds.length} row(s) as ${outcome.created.join(', ')}.`);
    }
  } else if (plan.forEditing.length === 0 && plan.accountProblems.length === 0) {
    void vscode.window.showInformationMessage('Batchlens: nothing to retry in this job.');
  }
  await showRowsForEditing(context, plan);
}

function retryDetail(plan: RetryPlan): string {
  const lines = plan.toSend.map((row) => `• ${row.relativePath}: ${row.retryClass === 'resubmit' ? 'expired' : row.errorType ?? row.retryClass}`);
  if (plan.forEditing.length > 0) {
    lines.push(`${plan.forEditing.length} invalid row(s) are not resent: they are listed for editing next.`);
  }
  if (plan.canceledLeftOut.length > 0) {
    lines.push(`${plan.canceledLeftOut.length} canceled row(s) are resent only if you choose so.`);
  }
  lines.push('Failed rows were not billed.');
  return lines.join('\n');
}

/** Rows the API refused as invalid (or for the account): a pick list with the API's message; picking opens the file. */
async function showRowsForEditing(context: TrackerContext, plan: RetryPlan): Promise<void> {
  const rows = [...plan.forEditing, ...plan.accountProblems];
  if (rows.length === 0) {
    return;
  }
  const picked = await vscode.window.showQuickPick(
    rows.map((row) => ({ label: row.relativePath, description: row.errorType, detail: row.errorMessage, row })),
    { placeHolder: `${rows.length} row(s) need editing before they can be sent again (not resent) — pick one to open it`, matchOnDetail: true },
  );
  if (picked) {
    await vscode.window.showTextDocument(vscode.Uri.joinPath(vscode.Uri.file(context.store.root), picked.row.relativePath));
  }
}

async function remove(context: TrackerContext, node: TrackerNode | undefined): Promise<void> {
  const job = await jobOf(context, node, isJobDeletable);
  if (!job) {
    return;
  }
  const api = await context.services.createBatchApiQuietly();
  const choice = await vscode.window.showWarningMessage(
    `Delete ${jobLabel(job)} (${job.id})?`,
    {
      modal: true,
      detail: api
        ? 'Its batches are deleted on the Anthropic API (their results can no longer be downloaded) and the job leaves the tracker. Result files already written are kept.'
        : 'No API key is set: only the local record is removed; the batches stay on the API. Result files are kept.',
    },
    'Delete',
  );
  if (choice !== 'Delete') {
    return;
  }
  await deleteJob(job.id, { store: context.store, api, logger: context.services.log, localOnly: !api });
  await context.tree.reload();
}

async function copyId(node: TrackerNode | undefined): Promise<void> {
  if (!node) {
    return;
  }
  const ids = node.kind === 'batch' ? [node.batch.batchId] : node.kind === 'row' ? [node.customId] : node.job.batches.map((batch) => batch.batchId);
  const text = ids.filter((id): id is string => typeof id === 'string').join('\n');
  if (text) {
    await vscode.env.clipboard.writeText(text);
    void vscode.window.setStatusBarMessage(`Batchlens: copied ${text.split('\n').length === 1 ? text : `${text.split('\n').length} batch ids`}`, 3000);
  }
}

function workspaceUri(context: TrackerContext, relativePath: string): vscode.Uri {
  return vscode.Uri.joinPath(vscode.Uri.file(context.store.root), relativePath);
}

async function revealSource(context: TrackerContext, node: RowNode | undefined): Promise<void> {
  if (!node) {
    return;
  }
  const uri = workspaceUri(context, node.relativePath);
  await vscode.commands.executeCommand('revealInExplorer', uri);
  await vscode.window.showTextDocument(uri, { preview: true });
}

async function openRawResult(context: TrackerContext, node: RowNode | undefined): Promise<void> {
  if (!node?.batch.batchId) {
    return;
  }
  const rawFile = path.join(context.store.resultsDir(node.job.id), `${node.batch.batchId}.jsonl`);
  const text = await fs.readFile(rawFile, 'utf8').catch(() => undefined);
  if (text === undefined) {
    throw new Error(`the raw results of ${node.batch.batchId} are not downloaded yet: run "Download Results" first`);
  }
  const lines = text.split('\n');
  const line = node.attempt.rawLine !== undefined ? lines[node.attempt.rawLine] : undefined;
  const match = line && line.includes(`"${node.customId}"`) ? line : lines.find((candidate) => candidate.includes(`"custom_id":"${node.customId}"`));
  if (!match) {
    throw new Error(`no line for ${node.customId} in ${path.basename(rawFile)}`);
  }
  const uri = context.reports.put(`${node.customId}.json`, `${JSON.stringify(JSON.parse(match), null, 2)}\n`);
  const document = await vscode.workspace.openTextDocument(uri);
  await vscode.languages.setTextDocumentLanguage(document, 'json');
  await vscode.window.showTextDocument(document, { preview: true });
}

/** Opens a row's output, beside its source when `batchlens.results.openSideBySide` is on. */
async function openResultRow(context: TrackerContext, node: RowNode | undefined): Promise<void> {
  const output = node?.attempt.outputPath;
  if (!node || !output) {
    return;
  }
  if (context.services.config.resultsOpenSideBySide) {
    await vscode.window.showTextDocument(workspaceUri(context, node.relativePath), { viewColumn: vscode.ViewColumn.One, preview: true });
    await vscode.window.showTextDocument(workspaceUri(context, output), { viewColumn: vscode.ViewColumn.Beside, preview: true });
  } else {
    await vscode.window.showTextDocument(workspaceUri(context, output), { preview: true });
  }
}

async function showSavings(context: TrackerContext): Promise<string> {
  const report = computeSavingsReport(await context.store.list(), context.services.config.modelOverrides);
  const markdown = renderSavingsMarkdown(report);
  await context.reports.showMarkdown('Batchlens Savings.md', markdown);
  return markdown;
}

/** The one notification when a job ends: its counts and "Open Results" (which downloads first). */
export async function notifyJobEnded(context: TrackerContext, job: Job): Promise<void> {
  const summary = summarizeJob(job);
  const text = `Batchlens: ${jobLabel(job)} ended — ${formatCounts(summary.counts)}.`;
  const show = summary.outcome === 'succeeded' ? vscode.window.showInformationMessage : vscode.window.showWarningMessage;
  const choice = await show(text, 'Open Results');
  if (choice === 'Open Results') {
    try {
      await download(context, undefined, job, true);
      await openResults(context, undefined, (await context.store.get(job.id)) ?? job);
    } catch (error) {
      context.services.log.error(`Opening the results of ${job.id} failed`, error);
      void showFailureToast(context.services.log, error instanceof Error && error.name === 'BatchApiError' ? explainApiError(error) : String(error instanceof Error ? error.message : error));
    }
  }
}
