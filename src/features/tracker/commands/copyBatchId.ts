import vscode = require('vscode');
import type { TrackerNode } from '../treeModel';

/** Copies the batch ids of a job or batch node, or a row's custom_id. */
export async function copyId(node: TrackerNode | undefined): Promise<void> {
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
