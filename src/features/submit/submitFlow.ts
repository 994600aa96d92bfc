import * as path from 'node:path';
import vscode = require('vscode');
import { confirmPreflight, preflightOf, wouldFailRows } from './preflightChoice';
import { outputHistoryOf } from '../../core/batch/outputHistory';
import { enabledExcludeGlobs } from '../../core/files/exclusionRules';
import { type PreparedJob, discardPreparedJob, prepareJob } from '../../core/batch/prepareJob';
import { submitPreparedJob } from '../../core/batch/submitJob';
import { type PromptTemplate, TemplateError, listTemplates, loadTemplate } from '../../core/batch/templates';
import { storedSucceededOutput } from '../../core/tracking/jobRowStats';
import { FileJobStore } from '../../core/tracking/jobStore';
import { describeReconcileReport, reconcileIntents } from '../../core/tracking/reconcile';
import { systemClock } from '../../core/util/clock';
import { showFailureToast } from '../../host/failureToast';
import type { HostServices } from '../../host/services';
import { describeSkips, previewViewModel } from './previewHtml';
import { showPreviewPanel } from './previewPanel';
import { refuseEscapingOutput, refuseFilesInFlight } from './submitGuards';
import type { SubmitCommandOptions, SubmitCommandResult } from './submitArgs';

const SKIP_FILE: vscode.MessageItem = { title: 'Skip This File' };
const SEND_ANYWAY: vscode.MessageItem = { title: 'Send Anyway' };

/**
 * The editor's side of "Batch Selected Files": template pick, collection under a cancellable
 * progress notification (secret files confirmed one by one, Skip being the default), the preview
 * panel (stays until Submit, Cancel or closing it; over `batchlens.confirmAboveUsd` sending asks
 * once more), then the checks that stop a double bill or lost outputs (output pattern leaving the
 * workspace; files another job still has in flight, sent again only on "Send Again"), submission
 * under progress, then the Batches view.
 * Resolves to what happened, or undefined when the user backed out before a preview.
 */
export async function runSubmitFlow(
  services: HostServices,
  root: string,
  selection: readonly string[],
  options: SubmitCommandOptions,
): Promise<SubmitCommandResult | undefined> {
  const { log } = services;
  // Multi-root: the settings of the folder the files belong to (its template, limits, prices).
  const config = services.config.forResource(vscode.Uri.file(root));
  const template = await pickTemplate(root, options.template, config.defaultTemplate, config.defaultModel);
  if (!template) return undefined;

  const exactApi = options.exact ? await services.createBatchApi() : undefined;
  if (options.exact && !exactApi) return undefined;
  const store = new FileJobStore(root, { logger: log });
  const outputHistory = outputHistoryOf(await store.list(), template.name, storedSucceededOutput);
  const controller = new AbortController();
  let prepared: PreparedJob;
  try {
    prepared = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Batchlens: collecting files', cancellable: true },
      async (progress, token) => {
        const subscription = token.onCancellationRequested(() => controller.abort());
        let lastReport = 0;
        try {
          return await prepareJob({
            root,
            selection,
            template,
            modelOverrides: config.modelOverrides,
            usResidency: config.usResidency,
            maxFileBytes: config.maxFileBytes,
            filesExclude: enabledFilesExclude(),
            exclude: config.exclude,
            maxRequestsPerBatch: config.maxRequestsPerBatch,
            exactCounts: exactApi ? { api: exactApi } : undefined,
            outputHistory,
            confirmSecret: (relativePath) => confirmSecretFile(relativePath, options.allowSecrets, controller),
            signal: controller.signal,
            keepRequestsIn: store.dir,
            now: Date.now(),
            onProgress: ({ phase, done, current }) => {
              // Reporting every file would flood the notification; a few times a second is plenty.
              const now = Date.now();
              if (now - lastReport < 200) return;
              lastReport = now;
              progress.report({ message: phase === 'collect' ? `${done.toLocaleString()} files · ${current ?? ''}` : `counting tokens ${done.toLocaleString()}` });
            },
          });
        } finally {
          subscription.dispose();
        }
      },
    );
  } catch (error) {
    if (!controller.signal.aborted) throw error;
    void vscode.window.showInformationMessage('Batchlens: cancelled while collecting files; nothing was sent.');
    return undefined;
  }
  try {
    return await previewAndSubmit(services, prepared, store, options);
  } finally {
    // A preview not submitted (cancelled, refused, failed) leaves no requests file behind.
    await discardPreparedJob(prepared);
  }
}

async function previewAndSubmit(services: HostServices, prepared: PreparedJob, store: FileJobStore, options: SubmitCommandOptions): Promise<SubmitCommandResult> {
  const { config, log } = services;
  const result = resultOf(prepared, [], false);
  if (prepared.rows === 0) {
    for (const skip of prepared.skipped) log.info(`Skipped ${skip.relativePath}: ${skip.reason}${skip.detail ? ` (${skip.detail})` : ''}`);
    void vscode.window.showWarningMessage(`Batchlens: nothing to send: no readable text files in the selection${describeSkips(prepared.skipped)}.`);
    return result;
  }
  // Outputs that would land outside the workspace are refused before the preview: the batch would be paid for and its results dropped.
  const escaping = await refuseEscapingOutput(prepared, store, options.confirm === undefined);
  if (escaping) return { ...result, error: escaping };
  if (options.confirm === false) return result;
  // Rows the API would reject (only after the whole batch ended) are listed in the preview, and are
  // not sent without an explicit choice.
  const preflight = preflightOf(prepared);
  if (options.confirm !== true) {
    const decision = await showPreviewPanel(previewViewModel(prepared, config.confirmAboveUsd, wouldFailRows(preflight)));
    if (decision !== 'submit') {
      void vscode.window.showInformationMessage(
        decision === 'closed' ? 'Batchlens: preview closed, batch cancelled; nothing was sent.' : 'Batchlens: batch cancelled; nothing was sent.',
      );
      return result;
    }
  }
  if (!(await confirmPreflight(preflight))) return result;

  const api = await services.createBatchApi();
  if (!api) return result;
  const reconciled = describeReconcileReport(await reconcileIntents({ store, api, clock: systemClock, logger: log }));
  if (reconciled) void vscode.window.showInformationMessage(reconciled);
  // Checked after reconciling, so an interrupted submission just recovered counts as holding its files.
  const inFlight = await refuseFilesInFlight(prepared, store, { again: options.again, interactive: options.confirm === undefined });
  if (inFlight) return { ...result, error: inFlight };

  const outcome = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Batchlens: submitting', cancellable: true },
    async (progress, token) => {
      const controller = new AbortController();
      const subscription = token.onCancellationRequested(() => controller.abort());
      // The job's age counts from submission, not from when its files were collected.
      prepared.job.createdAt = Date.now();
      try {
        return await submitPreparedJob(prepared, {
          store,
          api,
          clock: systemClock,
          logger: log,
          signal: controller.signal,
          maxRequestsPerBatch: config.maxRequestsPerBatch,
          onProgress: ({ batchesDone, batchesTotal }) =>
            progress.report(batchesTotal ? { message: `batch ${batchesDone} of ${batchesTotal}`, increment: 100 / batchesTotal } : { message: `batch ${batchesDone}` }),
        });
      } finally {
        subscription.dispose();
      }
    },
  );
  const batchIds = outcome.job.batches.filter((record) => record.batchId).map((record) => record.batchId as string);
  if (outcome.failure) {
    void showFailureToast(log, outcome.failure.message);
    return { ...resultOf(prepared, batchIds, batchIds.length > 0), error: outcome.failure.message };
  }
  void vscode.window.showInformationMessage(
    `Batchlens: submitted ${prepared.rows.toLocaleString()} file${prepared.rows === 1 ? '' : 's'} as job ${outcome.job.id} (${batchIds.length} batch${batchIds.length === 1 ? '' : 'es'}).`,
  );
  try {
    // Show the new job and start polling it now, not only when the store's file watcher fires
    // (it may miss the first write, when `.batchlens/` did not exist as it started).
    await vscode.commands.executeCommand('batchlens.refreshBatches');
    await vscode.commands.executeCommand('batchlens.batches.focus');
  } catch (error) {
    log.debug('The Batches view could not be focused', error);
  }
  return resultOf(prepared, batchIds, true);
}

/** Settles interrupted submissions in the background (called once after activation). Never throws. */
export async function reconcileInBackground(services: HostServices): Promise<void> {
  const root = services.workspaceRoot();
  if (!root) return;
  try {
    const store = new FileJobStore(root, { logger: services.log });
    const jobs = await store.list();
    // No open intent, no API call.
    if (!jobs.some((job) => job.batches.some((record) => !record.batchId && !record.notSubmitted))) return;
    const api = await services.createBatchApiQuietly();
    if (!api) return;
    const line = describeReconcileReport(await reconcileIntents({ store, api, clock: systemClock, logger: services.log }));
    if (line) void vscode.window.showInformationMessage(line);
  } catch (error) {
    services.log.warn('Could not reconcile interrupted submissions', error);
  }
}

async function pickTemplate(root: string, given: string | undefined, defaultTemplate: string, defaultModel: string): Promise<PromptTemplate | undefined> {
  let name = given;
  if (!name) {
    const choices = await listTemplates(root);
    const items = choices
      .map((choice) => ({ label: choice.name, description: choice.source === 'built-in' ? 'built-in' : choice.source, detail: choice.description, name: choice.source === 'built-in' ? choice.name : choice.source }))
      .sort((a, b) => Number(b.label === defaultTemplate) - Number(a.label === defaultTemplate));
    const picked = await vscode.window.showQuickPick(items, { title: 'Batchlens: prompt template', placeHolder: 'One request per file goes through this template' });
    if (!picked) return undefined;
    name = picked.name;
  }
  try {
    return await loadTemplate(root, name, defaultModel);
  } catch (error) {
    if (error instanceof TemplateError) {
      const open = await vscode.window.showErrorMessage(`Batchlens: bad template, nothing was sent. ${error.message}`, 'Open Template');
      if (open) {
        const document = await vscode.workspace.openTextDocument(path.resolve(root, error.file));
        const position = new vscode.Position(Math.max(0, error.line - 1), 0);
        await vscode.window.showTextDocument(document, { selection: new vscode.Range(position, position) });
      }
      return undefined;
    }
    throw error;
  }
}

/**
 * Asks about one likely-secret file. Skip is the first, focused button (Enter skips); sending needs
 * the explicit second button; the dialog's own Cancel (or Escape) stops the whole collection.
 */
async function confirmSecretFile(relativePath: string, allow: boolean | undefined, controller: AbortController): Promise<boolean> {
  if (allow !== undefined) return allow;
  const answer = await vscode.window.showWarningMessage(
    `${relativePath} looks like it holds credentials. Skip it, or send it to the Anthropic API anyway?`,
    { modal: true, detail: 'Files that look like secrets (.env, keys, credentials) are skipped unless you choose Send Anyway for each one. Cancel stops the whole batch.' },
    SKIP_FILE,
    SEND_ANYWAY,
  );
  if (answer === undefined) controller.abort();
  return answer === SEND_ANYWAY;
}


/** The enabled patterns of `files.exclude` (its keys whose value is `true`). */
function enabledFilesExclude(): string[] {
  return enabledExcludeGlobs(vscode.workspace.getConfiguration('files').get<unknown>('exclude'));
}

function resultOf(prepared: PreparedJob, batches: string[], submitted: boolean): SubmitCommandResult {
  return {
    jobId: prepared.job.id,
    batches,
    requests: prepared.rows,
    skipped: prepared.skipped.map((skip) => ({ path: skip.relativePath, reason: skip.reason })),
    estimate: { batchUsd: prepared.preview.batchUsd, syncUsd: prepared.preview.syncUsd },
    submitted,
  };
}
