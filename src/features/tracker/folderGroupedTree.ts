import * as path from 'node:path';
import vscode = require('vscode');
import type { Job } from '../../core/jobs/jobModel';
import type { BatchTreeProvider, TrackerRootItem } from './batchTreeProvider';
import type { TrackerNode } from './treeModel';

/** One workspace folder's part of the Batches view: its own job store, shown by its own tree. */
export interface FolderTree {
  /** The folder's name as VS Code shows it. */
  name: string;
  root: string;
  tree: BatchTreeProvider;
}

/** The row a workspace folder gets in a multi-root workspace. */
export interface FolderNode {
  kind: 'folder';
  folder: FolderTree;
}

export type GroupedNode = FolderNode | TrackerNode;

/**
 * The Batches view over every workspace folder: with one folder it is that folder's tree exactly;
 * with several, each folder is a top-level row holding its jobs. Every node remembers the folder it
 * came from, so a command run on it acts on that folder's store.
 */
export class FolderGroupedTree implements vscode.TreeDataProvider<GroupedNode>, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<GroupedNode | undefined>();
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private readonly owners = new WeakMap<object, FolderTree>();
  private readonly subscriptions: vscode.Disposable[];

  constructor(readonly folders: readonly FolderTree[]) {
    // A folder's change redraws from the top: its row's description (the job count) changes too.
    this.subscriptions = folders.map((folder) => folder.tree.onDidChangeTreeData(() => this.changeEmitter.fire(undefined)));
  }

  get grouped(): boolean {
    return this.folders.length > 1;
  }

  /** Every folder's jobs (badge, status bar). */
  allJobs(): Job[] {
    return this.folders.flatMap((folder) => [...folder.tree.currentJobs]);
  }

  /** Every folder's root items, each with the folder it belongs to (the refresh command's result). */
  rootItems(): Array<TrackerRootItem & { folder: string }> {
    return this.folders.flatMap((folder) => folder.tree.rootItems().map((item) => ({ ...item, folder: folder.name })));
  }

  /**
   * The folder a command argument belongs to: the folder whose tree made the node, else the one
   * whose store holds the node's job (a node built by a script), else undefined.
   */
  ownerOf(argument: unknown): FolderTree | undefined {
    if (typeof argument !== 'object' || argument === null) return undefined;
    const known = this.owners.get(argument);
    if (known) return known;
    const jobId = (argument as { job?: { id?: unknown } }).job?.id;
    return typeof jobId === 'string' ? this.folders.find((folder) => folder.tree.currentJobs.some((job) => job.id === jobId)) : undefined;
  }

  getChildren(element?: GroupedNode): GroupedNode[] {
    if (!element) {
      if (!this.grouped) return this.folders[0] ? this.own(this.folders[0], this.folders[0].tree.getChildren()) : [];
      return this.folders.map((folder) => this.own(folder, [{ kind: 'folder', folder } as FolderNode])[0]);
    }
    if (element.kind === 'folder') return this.own(element.folder, element.folder.tree.getChildren());
    const owner = this.owners.get(element);
    return owner ? this.own(owner, owner.tree.getChildren(element)) : [];
  }

  getTreeItem(element: GroupedNode): vscode.TreeItem {
    if (element.kind === 'folder') {
      const item = new vscode.TreeItem(element.folder.name, vscode.TreeItemCollapsibleState.Expanded);
      const count = element.folder.tree.currentJobs.length;
      item.id = `folder:${path.resolve(element.folder.root)}`;
      item.description = `${count} job${count === 1 ? '' : 's'}`;
      item.tooltip = `Batch jobs kept in ${path.join(element.folder.root, '.batchlens')}`;
      item.iconPath = new vscode.ThemeIcon('root-folder');
      item.contextValue = 'batchlens.folder';
      return item;
    }
    const owner = this.owners.get(element);
    if (!owner) return new vscode.TreeItem(element.label);
    const item = owner.tree.getTreeItem(element);
    // Tree item ids must be unique in the view: two folders may hold copies of the same job file.
    if (this.grouped && item.id) item.id = `${path.resolve(owner.root)}|${item.id}`;
    return item;
  }

  /** A job's tooltip is priced only when shown: the folder's own tree resolves it. */
  resolveTreeItem(item: vscode.TreeItem, element: GroupedNode): vscode.TreeItem {
    if (element.kind === 'folder') return item;
    const owner = this.owners.get(element);
    return owner ? owner.tree.resolveTreeItem(item, element) : item;
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
    this.changeEmitter.dispose();
  }

  private own<T extends GroupedNode>(folder: FolderTree, nodes: T[]): T[] {
    for (const node of nodes) this.owners.set(node, folder);
    return nodes;
  }
}
