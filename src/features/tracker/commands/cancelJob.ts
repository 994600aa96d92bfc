import vscode = require('vscode');
import { cancelJob } from '../../../core/tracking/jobActions';
import { jobLabel } from '../../../core/tracking/jobFormat';
import { summarizeJob } from '../../../core/tracking/jobStatus';
import type { TrackerNode } from '../treeModel';
import { type TrackerContext, jobOf } from './context';

/** Cancels a running job's batches after a confirmation; processed rows keep their results. */
export async function cancel(context: TrackerContext, node: TrackerNode | undefined): Promise<void> {
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
  const api = await context.services.createBatchApi();
  if (!api) {
    return;
  }
  const outcome = await cancelJob(job.id, { store: context.store, api, logger: context.services.log });
  context.poller.poke();
  if (outcome.failures.length > 0) {
    throw new Error(`could not cancel ${outcome.failures.map((failure) => `${failure.batchId}: ${failure.message}`).join('; ')}`);
  }
}
