import vscode = require('vscode');
import { deleteJob, isJobDeletable } from '../../../core/tracking/jobActions';
import { jobLabel } from '../../../core/tracking/jobFormat';
import type { TrackerNode } from '../treeModel';
import { type TrackerContext, jobOf } from './context';

/** Deletes a job: its batches on the API (when a key is set) and its local record; result files stay. */
export async function remove(context: TrackerContext, node: TrackerNode | undefined): Promise<void> {
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
