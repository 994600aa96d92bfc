import { formatUsd } from '../../core/pricing/cost';
import { batchDescription, formatCounts, formatDuration, jobLabel, phaseText, timingText } from '../../core/tracking/jobFormat';
import type { BatchRecord, Job, RowAttempt } from '../../core/jobs/jobModel';
import { batchRowCount } from '../../core/tracking/jobRowStats';
import { type JobSummary, isBatchRunning, isJobRunning, summarizeJob } from '../../core/tracking/jobStatus';
import type { JobSavings } from '../../core/tracking/savings';
import { isJobDeletable } from '../../core/tracking/jobActions';

/*
 * What the Batches tree shows, as plain data (no `vscode` import) so it is unit-tested in Node;
 * `batchTreeProvider.ts` turns each node into a TreeItem. `contextValue` is a space-separated list of
 * the flags the `view/item/context` menus in package.json match with `viewItem =~ /flag/`.
 */

export type TrackerNode = JobNode | BatchNode | RowPageNode | RowNode;

interface NodeBase {
  /** Stable across refreshes, so the tree keeps expansion and selection. */
  id: string;
  label: string;
  description: string;
  /** Codicon id, e.g. `sync~spin`, and an optional theme color id. */
  icon: { id: string; color?: string };
  tooltip: string;
  contextValue: string;
}

export interface JobNode extends NodeBase {
  kind: 'job';
  job: Job;
  summary: JobSummary;
}

export interface BatchNode extends NodeBase {
  kind: 'batch';
  job: Job;
  batch: BatchRecord;
}

export interface RowNode extends NodeBase {
  kind: 'row';
  job: Job;
  batch: BatchRecord;
  customId: string;
  relativePath: string;
  attempt: RowAttempt;
}

/**
 * A page of a large batch's rows (`Rows 1–500`): the tree never builds more than one page of row
 * items at once, so a 100k-row batch opens as fast as a 10-row one.
 */
export interface RowPageNode extends NodeBase {
  kind: 'page';
  job: Job;
  batch: BatchRecord;
  /** Index of the page's first row among the batch's downloaded rows (0-based) and one past its last. */
  start: number;
  end: number;
}

/** Rows shown under one batch or page at most; more rows are grouped into pages of this size. */
export const ROW_PAGE_SIZE = 500;

function flags(list: Array<string | false | undefined>): string {
  return list.filter((flag): flag is string => typeof flag === 'string').join(' ');
}

/** The job's node: icon by phase and outcome, counts and timing in the description, facts in the tooltip. */
export function jobNode(job: Job, now: number, savings?: JobSavings, summary: JobSummary = summarizeJob(job)): JobNode {
  const running = isJobRunning(job);
  return {
    kind: 'job',
    id: `job:${job.id}`,
    job,
    summary,
    label: jobLabel(job),
    description: `${phaseText(summary)} · ${formatCounts(summary.counts)} · ${timingText(job, summary, now)}`,
    icon: jobIcon(summary),
    tooltip: jobTooltip(job, summary, now, savings),
    contextValue: flags([
      'job',
      running && summary.runningBatchCount > 0 && summary.phase !== 'canceling' && 'running',
      summary.phase === 'ended' && 'ended',
      summary.rowsWithOutput > 0 && 'hasResults',
      summary.failedRowCount > 0 && 'hasFailed',
      isJobDeletable(job) && 'deletable',
      job.batches.some((batch) => batch.batchId) && 'hasId',
    ]),
  };
}

function jobIcon(summary: JobSummary): NodeBase['icon'] {
  switch (summary.phase) {
    case 'submitting':
    case 'in_progress':
      return summary.lastPollError ? { id: 'sync~spin', color: 'problemsWarningIcon.foreground' } : { id: 'sync~spin' };
    case 'canceling':
      return { id: 'circle-slash' };
    case 'submitFailed':
      return { id: 'error', color: 'problemsErrorIcon.foreground' };
    case 'ended':
      if (summary.outcome === 'succeeded') {
        return { id: 'check', color: 'testing.iconPassed' };
      }
      if (summary.outcome === 'partial') {
        return { id: 'warning', color: 'problemsWarningIcon.foreground' };
      }
      return summary.outcome === 'failed' ? { id: 'error', color: 'problemsErrorIcon.foreground' } : { id: 'circle-outline' };
  }
}

/** The job node's tooltip; the provider fills it in only when it is shown, with the job's savings (linear in its rows). */
export function jobTooltip(job: Job, summary: JobSummary, now: number, savings?: JobSavings): string {
  const lines = [
    `**${jobLabel(job)}** — ${phaseText(summary)}`,
    '',
    `Job \`${job.id}\` · model \`${job.template.model}\``,
    '',
    `Created ${new Date(job.createdAt).toISOString()} (${formatDuration(now - job.createdAt)} ago)`,
  ];
  if (summary.nextExpiresAt) {
    lines.push('', `Expires ${summary.nextExpiresAt} (in ${formatDuration(Date.parse(summary.nextExpiresAt) - now)})`);
  }
  lines.push('', `Rows: ${formatCounts(summary.counts)}`);
  const ids = job.batches.filter((batch) => batch.batchId).map((batch) => `\`${batch.batchId}\` (${batch.purpose})`);
  if (ids.length > 0) {
    lines.push('', `Batches: ${ids.join(', ')}`);
  }
  lines.push('', previewCostLine(job));
  if (savings && savings.pricedRows > 0) {
    lines.push(
      '',
      `Actual cost: ${formatUsd(savings.actualUsd)} for ${savings.pricedRows} rows · saved ${formatUsd(savings.savedUsd)} against ${formatUsd(savings.syncUncachedUsd)} sync, uncached`,
    );
  }
  if (savings && savings.notDownloadedRows > 0) {
    lines.push('', `${savings.notDownloadedRows} succeeded row${savings.notDownloadedRows === 1 ? '' : 's'} not downloaded yet: not in the actual cost until the results are downloaded`);
  }
  if (summary.lastPollError) {
    lines.push('', `$(warning) Last poll error: ${summary.lastPollError}`);
  }
  const unknown = job.batches.flatMap((batch) => batch.unknownCustomIds ?? []);
  if (unknown.length > 0) {
    lines.push('', `Results named unknown custom_ids (not written): ${unknown.join(', ')}`);
  }
  return lines.join('\n');
}

/** What the preview said before sending: the expected cost (when recorded) and the ceiling. */
function previewCostLine(job: Job): string {
  const ceiling = `${formatUsd(job.estimate.batchUsd)} if every row used max_tokens (${formatUsd(job.estimate.syncUsd)} sync)`;
  if (job.estimate.expectedBatchUsd === undefined) return `Preview estimate: ${ceiling}`;
  const basis = job.estimate.expectedBasis === 'history' ? "output from the template's history" : 'output at the default ratio';
  return `Expected cost (preview): ≈${formatUsd(job.estimate.expectedBatchUsd)} at batch price (${basis}); ceiling ${ceiling}`;
}

/** The batches of a job, in order. */
export function batchNodes(job: Job): BatchNode[] {
  return job.batches.map((batch) => batchNode(job, batch, batchRowCount(job, batch)));
}

function batchNode(job: Job, batch: BatchRecord, rows: number): BatchNode {
  return {
    kind: 'batch',
    id: `batch:${job.id}:${batch.index}`,
    job,
    batch,
    label: `${batch.purpose === 'retry' ? 'Retry batch' : 'Batch'} ${batch.index + 1} · ${rows.toLocaleString('en-US')} row${rows === 1 ? '' : 's'}`,
    description: batchDescription(batch),
    icon: batchIcon(batch),
    tooltip: [
      `Batch \`${batch.batchId ?? '(not created yet)'}\` — ${batch.purpose}`,
      batch.createdAt ? `Created ${batch.createdAt}` : '',
      batch.expiresAt ? `Expires ${batch.expiresAt}` : '',
      batch.endedAt ? `Ended ${batch.endedAt}` : '',
      batch.lastPollError ? `Last poll error: ${batch.lastPollError}` : '',
      batch.submitError ?? '',
    ]
      .filter(Boolean)
      .join('\n\n'),
    contextValue: flags(['batch', isBatchRunning(batch) && batch.status !== 'canceling' && 'running', batch.status === 'ended' && 'ended', batch.batchId && 'hasId']),
  };
}

function batchIcon(batch: BatchRecord): NodeBase['icon'] {
  if (!batch.batchId) {
    return batch.notSubmitted ? { id: 'error', color: 'problemsErrorIcon.foreground' } : { id: 'loading~spin' };
  }
  if (isBatchRunning(batch)) {
    return batch.status === 'canceling' ? { id: 'circle-slash' } : { id: 'sync~spin' };
  }
  const counts = batch.counts;
  if (counts && counts.errored + counts.expired + counts.canceled > 0) {
    return counts.succeeded > 0 ? { id: 'warning', color: 'problemsWarningIcon.foreground' } : { id: 'error', color: 'problemsErrorIcon.foreground' };
  }
  return { id: 'check', color: 'testing.iconPassed' };
}

/**
 * The custom ids of a batch's downloaded rows in manifest order, computed once per job object (one
 * linear pass) and reused by every page: the store hands out a new job object whenever it changes.
 */
const downloadedRowsCache = new WeakMap<Job, Map<BatchRecord, DownloadedRow[]>>();

interface DownloadedRow {
  entry: Job['manifest'][number];
  attempt: RowAttempt;
}

export function downloadedRows(job: Job, batch: BatchRecord): DownloadedRow[] {
  if (!batch.batchId) {
    return [];
  }
  let byBatch = downloadedRowsCache.get(job);
  if (!byBatch) {
    byBatch = new Map();
    downloadedRowsCache.set(job, byBatch);
  }
  const cached = byBatch.get(batch);
  if (cached) {
    return cached;
  }
  const inBatch = new Set(batch.customIds);
  const rows: DownloadedRow[] = [];
  for (const entry of job.manifest) {
    if (!inBatch.has(entry.customId)) {
      continue;
    }
    const attempt = (job.rows[entry.customId] ?? []).find((candidate) => candidate.batchId === batch.batchId);
    if (attempt) {
      rows.push({ entry, attempt });
    }
  }
  byBatch.set(batch, rows);
  return rows;
}

/** What a batch node opens to: its rows when they fit on one page, else one node per page of rows. */
export function batchChildren(job: Job, batch: BatchRecord, pageSize = ROW_PAGE_SIZE): Array<RowPageNode | RowNode> {
  const rows = downloadedRows(job, batch);
  if (rows.length <= pageSize) {
    return rowNodes(job, batch);
  }
  const pages: RowPageNode[] = [];
  for (let start = 0; start < rows.length; start += pageSize) {
    const end = Math.min(rows.length, start + pageSize);
    const failed = rows.slice(start, end).filter((row) => row.attempt.outcome !== 'succeeded').length;
    pages.push({
      kind: 'page',
      id: `page:${job.id}:${batch.index}:${start}`,
      job,
      batch,
      start,
      end,
      label: `Rows ${(start + 1).toLocaleString('en-US')}–${end.toLocaleString('en-US')}`,
      description: failed > 0 ? `${failed} failed` : '',
      icon: failed > 0 ? { id: 'warning', color: 'problemsWarningIcon.foreground' } : { id: 'list-flat' },
      tooltip: `${end - start} of the ${rows.length.toLocaleString('en-US')} downloaded rows of this batch`,
      contextValue: 'page',
    });
  }
  return pages;
}

/** One node per row of this batch whose result was downloaded, in manifest order (optionally one page of them). */
export function rowNodes(job: Job, batch: BatchRecord, start = 0, end?: number): RowNode[] {
  return downloadedRows(job, batch)
    .slice(start, end)
    .map(({ entry, attempt }) => rowNode(job, batch, entry, attempt));
}

function rowNode(job: Job, batch: BatchRecord, entry: Job['manifest'][number], attempt: RowAttempt): RowNode {
  const name = entry.relativePath.split('/').pop() ?? entry.relativePath;
  const folder = entry.relativePath.slice(0, entry.relativePath.length - name.length).replace(/\/$/, '');
  const failed = attempt.outcome !== 'succeeded';
  return {
    kind: 'row',
    id: `row:${job.id}:${batch.index}:${entry.customId}`,
    job,
    batch,
    customId: entry.customId,
    relativePath: entry.relativePath,
    attempt,
    label: name,
    description: [folder, failed ? (attempt.errorType ?? attempt.outcome) : ''].filter(Boolean).join(' · '),
    icon: rowIcon(attempt),
    tooltip: [
      `\`${entry.relativePath}\` — ${attempt.outcome}`,
      `custom_id \`${entry.customId}\``,
      attempt.errorType ? `${attempt.errorType}: ${attempt.errorMessage ?? ''}` : '',
      attempt.outputPath ? `Output: \`${attempt.outputPath}\`` : '',
    ]
      .filter(Boolean)
      .join('\n\n'),
    contextValue: flags(['row', attempt.outputPath && 'hasResults', failed && 'hasFailed']),
  };
}

function rowIcon(attempt: RowAttempt): NodeBase['icon'] {
  switch (attempt.outcome) {
    case 'succeeded':
      return { id: 'check', color: 'testing.iconPassed' };
    case 'errored':
      return { id: 'error', color: 'problemsErrorIcon.foreground' };
    case 'expired':
      return { id: 'watch', color: 'problemsWarningIcon.foreground' };
    case 'canceled':
      return { id: 'circle-slash' };
  }
}
