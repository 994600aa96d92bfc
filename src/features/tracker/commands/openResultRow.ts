import vscode = require('vscode');
import type { RowNode } from '../treeModel';
import { type TrackerContext, workspaceUri } from './context';

/** Opens a row's output, beside its source when `batchlens.results.openSideBySide` is on. */
export async function openResultRow(context: TrackerContext, node: RowNode | undefined): Promise<void> {
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
