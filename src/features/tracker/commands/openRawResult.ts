import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import vscode = require('vscode');
import type { RowNode } from '../treeModel';
import type { TrackerContext } from './context';

/** Shows a row's raw result line from the downloaded results file, as formatted JSON. */
export async function openRawResult(context: TrackerContext, node: RowNode | undefined): Promise<void> {
  if (!node?.batch.batchId) {
    return;
  }
  const rawFile = path.join(context.store.resultsDir(node.job.id), `${node.batch.batchId}.jsonl`);
  const text = await fs.readFile(rawFile, 'utf8').catch(() => undefined);
  if (text === undefined) {
    throw new Error(`the raw results of ${node.batch.batchId} are not downloaded yet: run "Download Results" first`);
  }
  const lines = text.split('\n');
  const line = node.attempt.rawLine !== undefined ? lines[node.attempt.rawLine] : undefined;
  const match = line && line.includes(`"${node.customId}"`) ? line : lines.find((candidate) => candidate.includes(`"custom_id":"${node.customId}"`));
  if (!match) {
    throw new Error(`no line for ${node.customId} in ${path.basename(rawFile)}`);
  }
  const uri = context.reports.put(`${node.customId}.json`, `${JSON.stringify(JSON.parse(match), null, 2)}\n`);
  const document = await vscode.workspace.openTextDocument(uri);
  await vscode.languages.setTextDocumentLanguage(document, 'json');
  await vscode.window.showTextDocument(document, { preview: true });
}
