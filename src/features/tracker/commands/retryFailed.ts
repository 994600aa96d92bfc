import vscode = require('vscode');
import { assertRequestsKnown } from '../../../core/tracking/adoptBatch';
import { downloadCheckedResults } from '../../../core/tracking/jobActions';
import { jobLabel } from '../../../core/tracking/jobFormat';
import { summarizeJob } from '../../../core/tracking/jobStatus';
import { type RetryPlan, planRetry, submitRetry } from '../../../core/tracking/retryPlanner';
import { systemClock } from '../../../core/util/clock';
import type { TrackerNode } from '../treeModel';
import { type TrackerContext, askAboutConflict, jobOf } from './context';

/** Resends a job's failed rows as a new batch, after downloading what is missing; invalid rows are listed for editing. */
export async function retry(context: TrackerContext, node: TrackerNode | undefined): Promise<void> {
  const job = await jobOf(context, node, (candidate) => summarizeJob(candidate).failedRowCount > 0);
  if (!job) {
    return;
  }
  const api = await context.services.createBatchApi();
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
