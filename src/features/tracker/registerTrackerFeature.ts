import vscode = require('vscode');
import type { BatchApi } from '../../core/api/batchApi';
import type { Job } from '../../core/jobs/jobModel';
import { FileJobStore } from '../../core/tracking/jobStore';
import { isJobRunning, summarizeJob } from '../../core/tracking/jobStatus';
import { Poller } from '../../core/tracking/poller';
import { reconcileIntents } from '../../core/tracking/reconcile';
import { systemClock } from '../../core/util/clock';
import type { CommandHandler, CommandTable } from '../../host/commandRunner';
import type { CommandId } from '../../host/commandIds';
import { watchConfig } from '../../host/config';
import type { HostServices } from '../../host/services';
import { restrictedModeReason } from '../../host/workspaceTrust';
import { BatchTreeProvider } from './batchTreeProvider';
import { type FolderTree, FolderGroupedTree } from './folderGroupedTree';
import { ReportView } from './reportView';
import { type TrackerContext, askAboutConflict, notifyJobEnded, trackerCommands } from './commands';
import { registerWorkspaceBatches } from './registerWorkspaceBatches';

const VIEW_ID = 'batchlens.batches';

/** One workspace folder's tracker: its job store, tree, poller and the commands acting on them. */
interface FolderTracker extends FolderTree {
  store: FileJobStore;
  context: TrackerContext;
  poller: Poller;
}

/**
 * The batch tracker in the editor: the "Batches" tree, its badge and status-bar item, the poller
 * (started after activation, so activation itself makes no request), one notification per ended job,
 * and the tracker commands. Store changes from other windows or the CLI arrive through a file watcher
 * on `.batchlens/jobs/*.json`. Without a workspace folder it registers the commands over an empty tree.
 * In a multi-root workspace every folder keeps its own store and poller; the tree groups jobs by
 * folder and a command acts on the folder of the job it is run on.
 * In Restricted Mode the tree lists the stored jobs and says why nothing is polled; polling starts
 * when the workspace is trusted.
 */
export function registerTrackerFeature(services: HostServices): vscode.Disposable {
  const disposables: vscode.Disposable[] = [];
  const reports = new ReportView();
  disposables.push(reports);

  // One API client for every folder, rebuilt when the key or the base URL changes; never prompts from the background.
  let api: Promise<BatchApi | undefined> | undefined;
  const getApi = () => (api ??= services.createBatchApiQuietly().catch(() => undefined));
  const resetApi = () => {
    api = undefined;
  };

  const folders = services.workspaceFolders();
  // Without a folder the commands still work, over an empty store in the extension's own storage.
  const trackers = (folders.length > 0 ? folders : [{ name: 'Batchlens', root: services.extensionContext.globalStorageUri.fsPath }]).map((folder) =>
    createFolderTracker(services, folder, reports, getApi, folders.length > 0),
  );
  for (const tracker of trackers) disposables.push(tracker.tree, { dispose: () => tracker.poller.dispose() });

  const grouped = new FolderGroupedTree(trackers);
  const view = vscode.window.createTreeView(VIEW_ID, { treeDataProvider: grouped, showCollapseAll: true });
  const statusItem = vscode.window.createStatusBarItem('batchlens.runningBatches', vscode.StatusBarAlignment.Left, 10);
  statusItem.name = 'Batchlens Batches';
  statusItem.command = `${VIEW_ID}.focus`;
  disposables.push(grouped, view, statusItem);

  disposables.push(services.commands.register(trackers.length === 1 ? trackerCommands(trackers[0].context) : dispatchByFolder(trackers, grouped)));

  for (const tracker of trackers) {
    disposables.push(
      tracker.poller.onJobUpdated(({ job }) => tracker.tree.applyJob(job)),
      tracker.poller.onJobEnded(({ job }) => void notifyJobEnded(tracker.context, job)),
      tracker.tree.onDidChangeJobs(() => showRunning(grouped.allJobs(), view, statusItem)),
    );
  }
  disposables.push(
    services.apiKeys.onDidChange(() => {
      resetApi();
      for (const tracker of trackers) tracker.poller.poke();
    }),
    watchConfig(
      [
        { section: 'batchlens.apiBaseUrl', refresh: resetApi },
        { section: 'batchlens.workspaceId', refresh: resetApi },
      ],
      services.log,
    ),
    // The Anthropic workspace's batches are one list, less every folder's jobs; an adopted batch joins
    // the folder the user picks (the active editor's, when there are several).
    registerWorkspaceBatches({
      services,
      folders: trackers,
      pickFolder: () => pickFolder(trackers),
      getApi: () => services.createBatchApiQuietly(),
      askAboutConflict,
    }),
  );

  if (folders.length > 0) {
    for (const tracker of trackers) disposables.push(watchStore(tracker));
    // Reading the stores and polling start after activation returns; polling only once trusted.
    const start = setTimeout(() => {
      for (const tracker of trackers) {
        void tracker.tree.reload();
        if (services.trust.isTrusted) tracker.poller.start();
      }
    }, 0);
    disposables.push({ dispose: () => clearTimeout(start) });
  }
  if (!services.trust.isTrusted) {
    view.message = restrictedModeReason('Polling batches and downloading results');
    disposables.push(
      services.trust.onDidGrant(() => {
        view.message = undefined;
        resetApi();
        if (folders.length > 0) for (const tracker of trackers) tracker.poller.start();
      }),
    );
  }

  return vscode.Disposable.from(...disposables.reverse());
}

function createFolderTracker(
  services: HostServices,
  folder: { name: string; root: string },
  reports: ReportView,
  getApi: () => Promise<BatchApi | undefined>,
  isWorkspaceFolder: boolean,
): FolderTracker {
  const store = new FileJobStore(folder.root, { logger: services.log });
  const tree = new BatchTreeProvider(store, services.log, () => services.config.modelOverrides);
  const poller = new Poller({
    store,
    getApi,
    clock: systemClock,
    logger: services.log,
    maxIntervalMs: () => services.config.pollMaxIntervalSeconds * 1000,
    reconcile: async (signal) => {
      const client = await getApi();
      if (client && isWorkspaceFolder) {
        await reconcileIntents({ store, api: client, clock: systemClock, logger: services.log, signal });
      }
    },
  });
  return { ...folder, store, tree, poller, context: { services, store, poller, tree, reports } };
}

/** Store changes from other windows or the CLI: `.batchlens/jobs/*.json` of this folder. */
function watchStore(tracker: FolderTracker): vscode.Disposable {
  const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(tracker.root), '.batchlens/jobs/*.json'));
  let pending: NodeJS.Timeout | undefined;
  // Several writes come in a burst (temp file + rename, several jobs): react once.
  const onStoreChange = () => {
    clearTimeout(pending);
    pending = setTimeout(() => {
      void tracker.tree.reload();
      tracker.poller.notifyStoreChanged();
    }, 150);
  };
  return vscode.Disposable.from(
    watcher,
    watcher.onDidCreate(onStoreChange),
    watcher.onDidChange(onStoreChange),
    watcher.onDidDelete(onStoreChange),
    { dispose: () => clearTimeout(pending) },
  );
}

/** Commands that concern every folder at once rather than one job. */
const ALL_FOLDER_COMMANDS = new Set<CommandId>(['batchlens.refreshBatches']);

/**
 * The tracker's commands over several folders: run on a tree node (or a node naming a job), a
 * command acts on that job's folder; `refreshBatches` reads every folder; from the palette the
 * active editor's folder is used, else the user picks one.
 */
function dispatchByFolder(trackers: readonly FolderTracker[], grouped: FolderGroupedTree): CommandTable {
  const tables = trackers.map((tracker) => trackerCommands(tracker.context));
  const table: Partial<Record<CommandId, CommandHandler>> = {};
  for (const id of Object.keys(tables[0]) as CommandId[]) {
    table[id] = async (...args: unknown[]) => {
      if (ALL_FOLDER_COMMANDS.has(id)) {
        for (const folderTable of tables) await folderTable[id]!(...args);
        return grouped.rootItems();
      }
      const owner = grouped.ownerOf(args[0]) ?? (await pickFolder(trackers));
      if (!owner) return undefined;
      return tables[trackers.indexOf(owner as FolderTracker)][id]!(...args);
    };
  }
  return table;
}

/** The folder a palette command is about: the active editor's, else one the user picks. */
async function pickFolder(trackers: readonly FolderTracker[]): Promise<FolderTracker | undefined> {
  const active = vscode.window.activeTextEditor?.document.uri;
  const activeFolder = active ? vscode.workspace.getWorkspaceFolder(active) : undefined;
  const byActive = activeFolder && trackers.find((tracker) => tracker.root === activeFolder.uri.fsPath);
  if (byActive) return byActive;
  const picked = await vscode.window.showQuickPick(
    trackers.map((tracker) => ({ label: tracker.name, description: tracker.root, tracker })),
    { placeHolder: 'Which workspace folder’s batch jobs?' },
  );
  return picked?.tracker;
}

/** Badge on the view and a status-bar item while any job runs; both gone when none does. */
function showRunning(jobs: readonly Job[], view: vscode.TreeView<unknown>, statusItem: vscode.StatusBarItem): void {
  const running = jobs.filter(isJobRunning);
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
