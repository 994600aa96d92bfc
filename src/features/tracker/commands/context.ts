import vscode = require('vscode');
import { formatCounts, jobLabel } from '../../../core/tracking/jobFormat';
import type { Job, JobStore } from '../../../core/jobs/jobModel';
import { summarizeJob } from '../../../core/tracking/jobStatus';
import type { Poller } from '../../../core/tracking/poller';
import type { ConflictChoice } from '../../../core/tracking/resultsWriter';
import type { HostServices } from '../../../host/services';
import type { BatchTreeProvider } from '../batchTreeProvider';
import type { ReportView } from '../reportView';
import type { TrackerNode } from '../treeModel';

/** What every tracker command works with. */
export interface TrackerContext {
  services: HostServices;
  store: JobStore;
  poller: Poller;
  tree: BatchTreeProvider;
  reports: ReportView;
}

/** The job a command is about: from the tree node, else picked from the store. */
export async function jobOf(context: TrackerContext, node: TrackerNode | undefined, filter: (job: Job) => boolean = () => true): Promise<Job | undefined> {
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

export function workspaceUri(context: TrackerContext, relativePath: string): vscode.Uri {
  return vscode.Uri.joinPath(vscode.Uri.file(context.store.root), relativePath);
}

/** Asked when a result would replace a file Batchlens did not write (or that was edited since). */
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
