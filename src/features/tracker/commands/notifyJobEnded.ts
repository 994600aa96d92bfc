import vscode = require('vscode');
import { BatchApiError, explainApiError } from '../../../core/api/errors';
import { formatCounts, jobLabel } from '../../../core/tracking/jobFormat';
import type { Job } from '../../../core/jobs/jobModel';
import { summarizeJob } from '../../../core/tracking/jobStatus';
import { showFailureToast } from '../../../host/failureToast';
import type { TrackerContext } from './context';
import { download } from './downloadResults';
import { openResults } from './openResults';

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
      void showFailureToast(context.services.log, error instanceof BatchApiError ? explainApiError(error) : String(error instanceof Error ? error.message : error));
    }
  }
}
