import type { CommandTable } from '../../../host/commandRunner';
import type { RowNode, TrackerNode } from '../treeModel';
import { cancel } from './cancelJob';
import type { TrackerContext } from './context';
import { copyId } from './copyBatchId';
import { remove } from './deleteJob';
import { download } from './downloadResults';
import { openRawResult } from './openRawResult';
import { openResultRow } from './openResultRow';
import { openResults } from './openResults';
import { refresh } from './refreshBatches';
import { retry } from './retryFailed';
import { revealSource } from './revealSource';
import { showSavings } from './showSavings';

export { type TrackerContext, askAboutConflict } from './context';
export { notifyJobEnded } from './notifyJobEnded';

/** The tracker's command table (ids declared in package.json): one module per command in this folder. */
export function trackerCommands(context: TrackerContext): CommandTable {
  return {
    'batchlens.refreshBatches': () => refresh(context),
    'batchlens.cancelJob': (node?: TrackerNode) => cancel(context, node),
    'batchlens.downloadResults': (node?: TrackerNode) => download(context, node),
    'batchlens.openResults': (node?: TrackerNode) => openResults(context, node),
    'batchlens.retryFailed': (node?: TrackerNode) => retry(context, node),
    'batchlens.deleteJob': (node?: TrackerNode) => remove(context, node),
    'batchlens.copyBatchId': (node?: TrackerNode) => copyId(node),
    'batchlens.revealSource': (node?: RowNode) => revealSource(context, node),
    'batchlens.openRawResult': (node?: RowNode) => openRawResult(context, node),
    'batchlens.openResultRow': (node?: RowNode) => openResultRow(context, node),
    'batchlens.showSavings': () => showSavings(context),
  };
}
