import vscode = require('vscode');
import { downloadCheckedResults } from '../../../core/tracking/jobActions';
import { jobLabel } from '../../../core/tracking/jobFormat';
import type { Job } from '../../../core/jobs/jobModel';
import { describeShort } from '../../../core/tracking/resultsCompleteness';
import type { TrackerNode } from '../treeModel';
import { type TrackerContext, askAboutConflict, jobOf } from './context';
import { openResults } from './openResults';

/** Downloads a job's results (asking before replacing a file Batchlens did not write); returns the count written. */
export async function download(context: TrackerContext, node: TrackerNode | undefined, known?: Job, quietWhenNothingNew = false): Promise<number | undefined> {
  const job = known ?? (await jobOf(context, node, (candidate) => candidate.batches.some((batch) => batch.status === 'ended')));
  if (!job) {
    return undefined;
  }
  const api = await context.services.createBatchApi();
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
          // Only the count is shown: the report need not hold every file.
          listWritten: 0,
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
  if (!quietWhenNothingNew || report.writtenCount > 0) {
    const skipped = report.skipped.length > 0 ? `, ${report.skipped.length} not written (see the log)` : '';
    // Not awaited: the command is done once the files are written, whether or not the toast is clicked.
    void vscode.window
      .showInformationMessage(
        `Batchlens: ${report.writtenCount} new result file${report.writtenCount === 1 ? '' : 's'}${report.unchanged ? `, ${report.unchanged} unchanged` : ''}${skipped}.`,
        'Open Results',
      )
      .then(async (choice) => {
        if (choice === 'Open Results') {
          await openResults(context, undefined, job);
        }
      });
  }
  return report.writtenCount;
}
