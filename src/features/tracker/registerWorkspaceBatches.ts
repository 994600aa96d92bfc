import vscode = require('vscode');
import type { BatchApi } from '../../core/api/batchApi';
import { formatUsd } from '../../core/pricing/cost';
import { AdoptError, type AdoptOutcome, adoptBatch } from '../../core/tracking/adoptBatch';
import type { FileJobStore } from '../../core/tracking/jobStore';
import type { Poller } from '../../core/tracking/poller';
import type { ConflictChoice } from '../../core/tracking/resultsWriter';
import type { BatchProcessingStatus } from '../../core/jobs/jobModel';
import { systemClock } from '../../core/util/clock';
import { watchConfig } from '../../host/config';
import type { HostServices } from '../../host/services';
import { restrictedModeReason } from '../../host/workspaceTrust';
import type { BatchTreeProvider } from './batchTreeProvider';
import { type WorkspaceRootItem, WorkspaceBatchesProvider } from './workspaceBatchesProvider';
import { AGE_CHOICES, type WorkspaceNode, viewDescription, workspaceStatusText } from './workspaceTreeModel';

const VIEW_ID = 'batchlens.workspaceBatches';

export interface WorkspaceBatchesContext {
  services: HostServices;
  /** Every workspace folder's store, with the Batches view and poller told when an adoption adds a job to it. */
  folders: ReadonlyArray<AdoptionTarget>;
  /** The folder an adopted batch joins, asked for when there are several (undefined: the user backed out). */
  pickFolder: () => Promise<AdoptionTarget | undefined>;
  getApi: () => Promise<BatchApi | undefined>;
  askAboutConflict: (relativePath: string) => Promise<ConflictChoice>;
}

/** A workspace folder an adopted batch can join. */
export interface AdoptionTarget {
  store: FileJobStore;
  tree: BatchTreeProvider;
  poller: Poller;
}

/** What `batchlens.adoptBatch` resolves to (scripted use, integration tests). */
export interface AdoptCommandResult {
  jobId: string;
  created: boolean;
  status: BatchProcessingStatus;
  written: number;
  pricedRows: number;
  actualUsd: number;
  savedUsd: number;
}

/**
 * The "Workspace Batches" view (every batch of the API workspace that no local job records), its
 * commands (refresh, filter, load more, adopt, copy id) and the status-bar item saying which Anthropic
 * workspace is shown. The API is read only when the view is visible or a command asks.
 */
export function registerWorkspaceBatches(context: WorkspaceBatchesContext): vscode.Disposable {
  const { services } = context;
  const provider = new WorkspaceBatchesProvider({
    store: { list: async () => (await Promise.all(context.folders.map((folder) => folder.store.list()))).flat() },
    getApi: context.getApi,
    log: services.log,
    overrides: () => services.config.modelOverrides,
  });
  const view = vscode.window.createTreeView(VIEW_ID, { treeDataProvider: provider });
  const statusItem = vscode.window.createStatusBarItem('batchlens.workspace', vscode.StatusBarAlignment.Left, 9);
  statusItem.name = 'Batchlens Workspace';
  statusItem.command = { command: 'workbench.action.openSettings', title: 'Change Workspace', arguments: ['batchlens.workspaceId'] };

  let loaded = false;
  const describe = () => {
    view.description = viewDescription(services.config.workspaceId, provider.currentFilter);
    const status = workspaceStatusText(services.config.workspaceId);
    statusItem.text = status.text;
    statusItem.tooltip = status.tooltip;
    // Shown whenever a non-default workspace is in use (every call goes there), or while the view is open.
    if (services.config.workspaceId || view.visible) {
      statusItem.show();
    } else {
      statusItem.hide();
    }
  };
  const reload = async (): Promise<WorkspaceRootItem[]> => {
    loaded = true;
    describe();
    await provider.reload();
    return provider.rootItems();
  };
  describe();
  if (!services.trust.isTrusted) view.message = restrictedModeReason("Listing the workspace's batches");

  const adopt = async (arg?: WorkspaceNode | string): Promise<AdoptCommandResult | undefined> => {
    const batchId = typeof arg === 'string' ? arg : arg?.kind === 'workspaceBatch' ? arg.batch.id : await askForBatchId();
    if (!batchId) {
      return undefined;
    }
    if (context.folders.length === 0) {
      throw new Error('Cannot adopt: open a folder first; an adopted batch is kept in its .batchlens/ store.');
    }
    const target = context.folders.length === 1 ? context.folders[0] : await context.pickFolder();
    if (!target) {
      return undefined;
    }
    const api = await services.createBatchApi();
    if (!api) {
      return undefined;
    }
    let outcome: AdoptOutcome;
    try {
      outcome = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Batchlens: adopting ${batchId}`, cancellable: true },
        async (_progress, token) => {
          const abort = new AbortController();
          const subscription = token.onCancellationRequested(() => abort.abort());
          try {
            return await adoptBatch(batchId, {
              store: target.store,
              api,
              clock: systemClock,
              logger: services.log,
              workspaceId: services.config.workspaceId || undefined,
              onConflict: context.askAboutConflict,
              location: services.config.resultsLocation,
              overrides: services.config.modelOverrides,
              signal: abort.signal,
            });
          } finally {
            subscription.dispose();
          }
        },
      );
    } catch (error) {
      if (error instanceof AdoptError) {
        throw new Error(`Cannot adopt: ${error.message}.`, { cause: error });
      }
      throw error;
    }
    await target.tree.reload();
    target.poller.notifyStoreChanged();
    if (loaded) {
      void provider.reload();
    }
    const { savings } = outcome;
    const priced = savings.pricedRows > 0 ? ` Actual cost ${formatUsd(savings.actualUsd)}, saved ${formatUsd(savings.savedUsd)} against sync, uncached.` : '';
    const written = outcome.results?.written.length ?? 0;
    void vscode.window.showInformationMessage(
      outcome.created
        ? `Batchlens: adopted ${batchId} as ${outcome.job.id}${outcome.results ? `: ${written} result file${written === 1 ? '' : 's'} written.` : '; its results come once it has ended.'}${priced}`
        : `Batchlens: ${batchId} is already tracked as ${outcome.job.id}${written > 0 ? `; ${written} missing result file(s) written` : ''}.${priced}`,
    );
    return {
      jobId: outcome.job.id,
      created: outcome.created,
      status: outcome.batch.processing_status,
      written,
      pricedRows: savings.pricedRows,
      actualUsd: savings.actualUsd,
      savedUsd: savings.savedUsd,
    };
  };

  const filter = async (scripted?: { statuses?: BatchProcessingStatus[]; maxAgeMs?: number }): Promise<WorkspaceRootItem[] | undefined> => {
    if (scripted) {
      await provider.setFilter(scripted);
      describe();
      return provider.rootItems();
    }
    const current = provider.currentFilter;
    const statusChoices: Array<vscode.QuickPickItem & { status: BatchProcessingStatus }> = [
      { label: 'Running', status: 'in_progress' },
      { label: 'Canceling', status: 'canceling' },
      { label: 'Ended', status: 'ended' },
    ].map((choice) => ({ ...choice, status: choice.status as BatchProcessingStatus, picked: current.statuses?.includes(choice.status as BatchProcessingStatus) ?? false }));
    const statuses = await vscode.window.showQuickPick(statusChoices, { canPickMany: true, placeHolder: 'Show which statuses? (none picked = all)' });
    if (!statuses) {
      return undefined;
    }
    const age = await vscode.window.showQuickPick(AGE_CHOICES.map((choice) => ({ label: choice.label, maxAgeMs: choice.maxAgeMs })), { placeHolder: 'Created within…' });
    if (!age) {
      return undefined;
    }
    await provider.setFilter({ statuses: statuses.map((choice) => choice.status), maxAgeMs: age.maxAgeMs });
    describe();
    return provider.rootItems();
  };

  const disposables: vscode.Disposable[] = [
    provider,
    view,
    statusItem,
    // In Restricted Mode the API is never asked: the view says why instead of "set a key".
    provider.onDidChangeMessage((message) => (view.message = services.trust.isTrusted ? message : restrictedModeReason("Listing the workspace's batches"))),
    services.trust.onDidGrant(() => {
      view.message = undefined;
      if (loaded) void provider.reload();
    }),
    view.onDidChangeVisibility(() => {
      describe();
      if (view.visible && !loaded) {
        void reload();
      }
    }),
    services.commands.register({
      'batchlens.refreshWorkspaceBatches': (options?: { pageSize?: number }) => {
        if (options?.pageSize && Number.isInteger(options.pageSize) && options.pageSize > 0) {
          provider.pageSize = Math.min(options.pageSize, 1000);
        }
        return reload();
      },
      'batchlens.loadMoreWorkspaceBatches': async () => {
        await provider.loadMore();
        return provider.rootItems();
      },
      'batchlens.filterWorkspaceBatches': filter,
      'batchlens.adoptBatch': adopt,
      'batchlens.copyWorkspaceBatchId': async (node?: WorkspaceNode) => {
        if (node?.kind === 'workspaceBatch') {
          await vscode.env.clipboard.writeText(node.batch.id);
          void vscode.window.setStatusBarMessage(`Batchlens: copied ${node.batch.id}`, 3000);
        }
      },
    }),
    watchConfig(
      [
        {
          section: 'batchlens.workspaceId',
          refresh: () => {
            describe();
            if (loaded) void provider.reload();
          },
        },
        { section: 'batchlens.apiBaseUrl', refresh: () => loaded && void provider.reload() },
      ],
      services.log,
    ),
  ];
  return vscode.Disposable.from(...disposables.reverse());
}

async function askForBatchId(): Promise<string | undefined> {
  const value = await vscode.window.showInputBox({
    title: 'Adopt a Batch',
    prompt: 'A Message Batch id of this workspace, created by any client (a script, a notebook, CI, a colleague)',
    placeHolder: 'msgbatch_01…',
    ignoreFocusOut: true,
    validateInput: (text) => (/^\s*msgbatch_[A-Za-z0-9]+\s*$/.test(text) ? undefined : 'Batch ids look like msgbatch_01AbC…'),
  });
  return value?.trim() || undefined;
}
