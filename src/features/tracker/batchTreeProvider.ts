import vscode = require('vscode');
import type { Job, JobStore } from '../../core/jobs/jobModel';
import { type JobSummary, summarizeJob } from '../../core/tracking/jobStatus';
import { type JobSavings, computeJobSavings } from '../../core/tracking/savings';
import type { ModelOverrides } from '../../core/pricing/overrides';
import type { Logger } from '../../core/util/logger';
import { batchDownloadedCount } from '../../core/tracking/jobRowStats';
import { type JobNode, type TrackerNode, batchChildren, batchNodes, downloadedRows, jobNode, jobTooltip, rowNodes } from './treeModel';

/** What `batchlens.refreshBatches` returns: the root items as shown (integration tests read it). */
export interface TrackerRootItem {
  jobId: string;
  label: string;
  description: string;
  contextValue: string;
}

/**
 * The "Batches" tree: job -> batches -> per-file rows once results exist. It shows the store as last
 * read; `reload()` reads it again (on file changes from any window or the CLI), `applyJob()` takes a
 * job the poller just wrote. Never throws into VS Code: a failed read is logged and shows the last state.
 */
export class BatchTreeProvider implements vscode.TreeDataProvider<TrackerNode>, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<TrackerNode | undefined>();
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private readonly jobsChangedEmitter = new vscode.EventEmitter<readonly Job[]>();
  /** Fires with every job after each reload or applied update (badge, status bar). */
  readonly onDidChangeJobs = this.jobsChangedEmitter.event;
  private jobs: Job[] = [];
  /**
   * Summaries by job object, computed once per version of the job (the store gives a changed job a new
   * object). A job from the store answers its counts from its header, so the root never reads rows;
   * savings need every row's usage and are computed only when a job's tooltip is shown.
   */
  private jobFacts = new WeakMap<Job, { summary: JobSummary; savings?: JobSavings }>();

  constructor(
    private readonly store: JobStore,
    private readonly log: Logger,
    private readonly overrides: () => ModelOverrides,
  ) {}

  get currentJobs(): readonly Job[] {
    return this.jobs;
  }

  async reload(): Promise<void> {
    try {
      this.jobs = (await this.store.list()).sort((a, b) => b.createdAt - a.createdAt);
    } catch (error) {
      this.log.warn('Batches: could not read the job store', error);
      return;
    }
    this.changed();
  }

  applyJob(job: Job): void {
    const index = this.jobs.findIndex((candidate) => candidate.id === job.id);
    if (index >= 0) {
      this.jobs[index] = job;
    } else {
      this.jobs.unshift(job);
    }
    this.changed();
  }

  rootItems(): TrackerRootItem[] {
    const now = Date.now();
    return this.jobs.map((job) => {
      const node = this.rootNode(job, now);
      return { jobId: job.id, label: node.label, description: node.description, contextValue: node.contextValue };
    });
  }

  getChildren(element?: TrackerNode): TrackerNode[] {
    try {
      if (!element) {
        const now = Date.now();
        return this.jobs.map((job) => this.rootNode(job, now));
      }
      if (element.kind === 'job') {
        return batchNodes(element.job);
      }
      if (element.kind === 'batch') {
        return batchChildren(element.job, element.batch);
      }
      if (element.kind === 'page') {
        return rowNodes(element.job, element.batch, element.start, element.end);
      }
    } catch (error) {
      this.log.error('Batches: could not build the tree', error);
    }
    return [];
  }

  getTreeItem(node: TrackerNode): vscode.TreeItem {
    const collapsible =
      node.kind === 'row'
        ? vscode.TreeItemCollapsibleState.None
        : node.kind === 'batch' && batchDownloadedCount(node.job, node.batch, () => downloadedRows(node.job, node.batch).length) === 0
          ? vscode.TreeItemCollapsibleState.None
          : vscode.TreeItemCollapsibleState.Collapsed;
    const item = new vscode.TreeItem(node.label, collapsible);
    item.id = node.id;
    item.description = node.description;
    item.iconPath = new vscode.ThemeIcon(node.icon.id, node.icon.color ? new vscode.ThemeColor(node.icon.color) : undefined);
    // A job's tooltip is left to resolveTreeItem (VS Code resolves only what is undefined here).
    if (node.kind !== 'job') item.tooltip = new vscode.MarkdownString(node.tooltip, true);
    item.contextValue = node.contextValue;
    if (node.kind === 'row') {
      item.resourceUri = vscode.Uri.joinPath(vscode.Uri.file(this.store.root), node.relativePath);
      if (node.attempt.outputPath) {
        item.command = { command: 'batchlens.openResultRow', title: 'Open Result', arguments: [node] };
      }
    }
    return item;
  }

  /** A job's tooltip with its actual cost: priced from every row's usage, so only when the tooltip is shown. */
  resolveTreeItem(item: vscode.TreeItem, node: TrackerNode): vscode.TreeItem {
    if (node.kind === 'job') {
      const facts = this.jobFacts.get(node.job);
      if (facts && !('savings' in facts)) facts.savings = this.savingsOf(node.job);
      item.tooltip = new vscode.MarkdownString(jobTooltip(node.job, node.summary, Date.now(), facts?.savings), true);
    }
    return item;
  }

  dispose(): void {
    this.changeEmitter.dispose();
    this.jobsChangedEmitter.dispose();
  }

  /** The job's root node; its summary and savings are reused while the job object is the same. */
  private rootNode(job: Job, now: number): JobNode {
    let facts = this.jobFacts.get(job);
    if (!facts) {
      facts = { summary: summarizeJob(job) };
      this.jobFacts.set(job, facts);
    }
    return jobNode(job, now, facts.savings, facts.summary);
  }

  private savingsOf(job: Job) {
    try {
      return computeJobSavings(job, this.overrides());
    } catch (error) {
      this.log.warn(`Batches: could not price job ${job.id}`, error);
      return undefined;
    }
  }

  private changed(): void {
    this.changeEmitter.fire(undefined);
    this.jobsChangedEmitter.fire(this.jobs);
  }
}
