import vscode = require('vscode');
import type { BatchApi } from '../../core/api/batchApi';
import { explainApiError } from '../../core/api/errors';
import type { JobStore } from '../../core/jobs/jobModel';
import type { ModelOverrides } from '../../core/pricing/overrides';
import type { Logger } from '../../core/util/logger';
import { type WorkspaceBatch, type WorkspaceBatchFilter, listWorkspaceBatches, untrackedBatches } from '../../core/tracking/workspaceBatches';
import { type WorkspaceNode, moreNode, workspaceBatchNode } from './workspaceTreeModel';

/** What `batchlens.refreshWorkspaceBatches` returns per listed batch (integration tests read it). */
export interface WorkspaceRootItem {
  batchId: string;
  label: string;
  description: string;
  contextValue: string;
}

export interface WorkspaceBatchesDeps {
  /** The local jobs (every workspace folder's), whose batches the view leaves out. */
  store: Pick<JobStore, 'list'>;
  getApi: () => Promise<BatchApi | undefined>;
  log: Logger;
  overrides: () => ModelOverrides;
  pageSize?: number;
}

/**
 * The "Workspace Batches" view: every batch of the API workspace that no local job records, newest
 * first, one page at a time ("Load More…" reads the next). Reads the API only when asked (the view
 * becoming visible, Refresh, a filter or workspace change), never at activation. A failure is shown
 * as the view's message, never thrown into VS Code.
 */
export class WorkspaceBatchesProvider implements vscode.TreeDataProvider<WorkspaceNode>, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<WorkspaceNode | undefined>();
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private readonly messageEmitter = new vscode.EventEmitter<string | undefined>();
  /** The message the view shows above its items (no key, an API error, nothing found). */
  readonly onDidChangeMessage = this.messageEmitter.event;
  private batches: WorkspaceBatch[] = [];
  private nextAfterId: string | null = null;
  private filter: WorkspaceBatchFilter = {};
  private loading: Promise<void> | undefined;
  private generation = 0;
  /** Batches per page (20 unless a scripted refresh asks for another size). */
  pageSize: number;

  constructor(private readonly deps: WorkspaceBatchesDeps) {
    this.pageSize = deps.pageSize ?? 20;
  }

  get currentFilter(): WorkspaceBatchFilter {
    return this.filter;
  }

  setFilter(filter: WorkspaceBatchFilter): Promise<void> {
    this.filter = filter;
    return this.reload();
  }

  /** Reads the first page again (the store's jobs too, so newly adopted batches drop out). */
  reload(): Promise<void> {
    this.generation += 1;
    this.batches = [];
    this.nextAfterId = null;
    this.loading = this.load(undefined, this.generation);
    return this.loading;
  }

  /** Reads the next page and appends it. */
  async loadMore(): Promise<void> {
    await this.loading;
    if (this.nextAfterId) {
      this.loading = this.load(this.nextAfterId, this.generation);
      await this.loading;
    }
  }

  rootItems(): WorkspaceRootItem[] {
    const now = Date.now();
    return untrackedBatches(this.batches).map((batch) => {
      const node = workspaceBatchNode(batch, now);
      return { batchId: batch.id, label: node.label, description: node.description, contextValue: node.contextValue };
    });
  }

  getChildren(element?: WorkspaceNode): WorkspaceNode[] {
    if (element) {
      return [];
    }
    const now = Date.now();
    const nodes: WorkspaceNode[] = untrackedBatches(this.batches).map((batch) => workspaceBatchNode(batch, now));
    if (this.nextAfterId) {
      nodes.push(moreNode(nodes.length));
    }
    return nodes;
  }

  getTreeItem(node: WorkspaceNode): vscode.TreeItem {
    const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
    item.id = node.id;
    item.description = node.description;
    item.tooltip = new vscode.MarkdownString(node.tooltip, true);
    item.iconPath = new vscode.ThemeIcon(node.icon.id);
    item.contextValue = node.contextValue;
    if (node.kind === 'more') {
      item.command = { command: 'batchlens.loadMoreWorkspaceBatches', title: 'Load More' };
    }
    return item;
  }

  dispose(): void {
    this.changeEmitter.dispose();
    this.messageEmitter.dispose();
  }

  private async load(afterId: string | undefined, generation: number): Promise<void> {
    const api = await this.deps.getApi();
    if (!api) {
      this.show(generation, 'Set an Anthropic API key to see every batch of your workspace.');
      return;
    }
    try {
      const page = await listWorkspaceBatches({
        api,
        jobs: await this.deps.store.list(),
        now: Date.now(),
        afterId,
        limit: this.pageSize,
        filter: this.filter,
        overrides: this.deps.overrides(),
      });
      if (generation !== this.generation) {
        return;
      }
      this.batches.push(...page.batches);
      this.nextAfterId = page.nextAfterId;
      const shown = untrackedBatches(this.batches).length;
      this.show(generation, shown === 0 && !this.nextAfterId ? 'No other batches in this workspace: those Batchlens tracks are in the Batches view.' : undefined);
    } catch (error) {
      this.deps.log.warn('Workspace batches: could not list the batches', error);
      this.show(generation, `Could not list the workspace's batches: ${explainApiError(error)}`);
    }
  }

  private show(generation: number, message: string | undefined): void {
    if (generation !== this.generation) {
      return;
    }
    this.messageEmitter.fire(message);
    this.changeEmitter.fire(undefined);
  }
}
