import vscode = require('vscode');
import type { RowNode } from '../treeModel';
import { type TrackerContext, workspaceUri } from './context';

/** Reveals a row's source file in the Explorer and opens it. */
export async function revealSource(context: TrackerContext, node: RowNode | undefined): Promise<void> {
  if (!node) {
    return;
  }
  const uri = workspaceUri(context, node.relativePath);
  await vscode.commands.executeCommand('revealInExplorer', uri);
  await vscode.window.showTextDocument(uri, { preview: true });
}
