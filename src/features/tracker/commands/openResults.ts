import vscode = require('vscode');
import type { Job } from '../../../core/jobs/jobModel';
import type { TrackerNode } from '../treeModel';
import { type TrackerContext, jobOf } from './context';

/** Opens a job's result files: the one file, a pick list, or the results folder. */
export async function openResults(context: TrackerContext, node: TrackerNode | undefined, known?: Job): Promise<void> {
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
