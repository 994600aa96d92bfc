import * as vscode from 'vscode';
import type { BatchApi } from '../../core/api/batchApi';
import type { Job } from '../../core/jobs/jobModel';
import { FileJobStore } from '../../core/tracking/jobStore';
import { summarizeJob } from '../../core/tracking/jobStatus';
import { Poller } from '../../core/tracking/poller';
import { reconcileIntents } from '../../core/tracking/reconcile';
import { systemClock } from '../../core/util/clock';
import { watchConfig } from '../../host/config';
import type { HostServices } from '../../host/services';
import { BatchTreeProvider } from './batchTreeProvider';
import { ReportView } from './reportView';
import { type TrackerContext, askAboutConflict, notifyJobEnded, trackerCommands } from './trackerCommands';
import { registerWorkspaceBatches } from './registerWorkspaceBatches';

const VIEW_ID = 'batchlens.batches';

/**
 * The batch tracker in the editor: the "Batches" tree, its badge and status-bar item, the poller
 * (started after activation, so activation itself makes no request), one notification per ended job,
 * and the tracker commands. Store changes from other windows or the CLI arrive through a file watcher
 * on `.batchlens/jobs/*.json`. Without a workspace folder it registers the commands over an empty tree.
 */
export function registerTrackerFeature(services: HostServices): vscode.Disposable {
  const disposables: vscode.Disposable[] = [];
  const root = services.workspaceRoot();
  const store = new FileJobStore(root ?? services.extensionContext.globalStorageUri.fsPath, { logger: services.log });
  const tree = new BatchTreeProvider(store, services.log, () => services.config.modelOverrides);
  const reports = new ReportView();
  const view = vscode.window.createTreeView(VIEW_ID, { treeDataProvider: tree, showCollapseAll: true });
  const statusItem = vscode.window.createStatusBarItem('batchlens.runningBatches', vscode.StatusBarAlignment.Left, 10);
  statusItem.name = 'Batchlens Batches';
  statusItem.command = `${VIEW_ID}.focus`;
  disposables.push(tree, reports, view, statusItem);

  // One API client, rebuilt when the key or the base URL changes; never prompts from the background.
  let api: Promise<BatchApi | undefined> | undefined;
  const getApi = () => (api ??= services.createBatchApiQuietly().catch(() => undefined));
  const resetApi = () => {
    api = undefined;
  };

  const poller = new Poller({
    store,
    getApi,
    clock: systemClock,
    logger: services.log,
    maxIntervalMs: () => services.config.pollMaxIntervalSeconds * 1000,
    reconcile: async (signal) => {
      const client = await getApi();
      if (client && root) {
        await reconcileIntents({ store, api: client, clock: systemClock, logger: services.log, signal });
      }
    },
  });
  disposables.push({ dispose: () => poller.dispose() });

  const context: TrackerContext = { services, store, poller, tree, reports };
  disposables.push(services.commands.register(trackerCommands(context)));

  disposables.push(
    poller.onJobUpdated(({ job }) => tree.applyJob(job)),
    poller.onJobEnded(({ job }) => void notifyJobEnded(context, job)),
    tree.onDidChangeJobs((jobs) => showRunning(jobs, view, statusItem)),
    services.apiKeys.onDidChange(() => {
      resetApi();
      poller.poke();
    }),
    watchConfig(
      [
        { section: 'batchlens.apiBaseUrl', refresh: resetApi },
        { section: 'batchlens.workspaceId', refresh: resetApi },
      ],
      services.log,
    ),
    registerWorkspaceBatches({ services, store, getApi: () => services.createBatchApiQuietly(), tree, poller, askAboutConflict }),
  );

  if (root) {
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(root), '.batchlens/jobs/*.json'));
    let pending: NodeJS.Timeout | undefined;
    // Several writes come in a burst (temp file + rename, several jobs): react once.
    const onStoreChange = () => {
      clearTimeout(pending);
      pending = setTimeout(() => {
        void tree.reload();
        poller.notifyStoreChanged();
      }, 150);
    };
    disposables.push(
      watcher,
      watcher.onDidCreate(onStoreChange),
      watcher.onDidChange(onStoreChange),
      watcher.onDidDelete(onStoreChange),
      { dispose: () => clearTimeout(pending) },
    );
    // Reading the store and polling start after activation returns.
    const start = setTimeout(() => {
      void tree.reload();
      poller.start();
    }, 0);
    disposables.push({ dispose: () => clearTimeout(start) });
  }

  return vscode.Disposable.from(...disposables.reverse());
}

/** Badge on the view and a status-bar item while any job runs; both gone when none does. */
function showRunning(jobs: readonly Job[], view: vscode.TreeView<unknown>, statusItem: vscode.StatusBarItem): void {
  const running = jobs.filter((job) => {
    const phase = summarizeJob(job).phase;
    return phase === 'in_progress' || phase === 'canceling' || phase === 'submitting';
  });
  if (running.length === 0) {
    view.badge = undefined;
    statusItem.hide();
    return;
  }
  const tooltip = `${running.length} batch job${running.length === 1 ? '' : 's'} running`;
  view.badge = { value: running.length, tooltip };
  const problem = running.some((job) => summarizeJob(job).lastPollError);
  statusItem.text = `$(sync~spin) Batchlens: ${running.length} running${problem ? ' $(warning)' : ''}`;
  statusItem.tooltip = problem ? `${tooltip} — the last poll failed (see the Batches view)` : tooltip;
  statusItem.show();
}
