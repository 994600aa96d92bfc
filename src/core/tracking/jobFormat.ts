import type { BatchRecord, Job, RequestCounts } from '../jobs/jobModel';
import { jobRowCount } from './jobRowStats';
import type { JobSummary } from './jobStatus';

const COUNT_ORDER: Array<keyof RequestCounts> = ['succeeded', 'errored', 'expired', 'canceled', 'processing'];

/** `3 succeeded · 1 errored` — zero counts left out; `no rows` when all are zero. */
export function formatCounts(counts: RequestCounts, separator = ' · '): string {
  const parts = COUNT_ORDER.filter((key) => counts[key] > 0).map((key) => `${counts[key]} ${key}`);
  return parts.length > 0 ? parts.join(separator) : 'no rows';
}

/** A short human duration: `45s`, `12m`, `3h 05m`, `2d 4h`. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) {
    return `${seconds}s`;
  }
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) {
    return `${minutes}m`;
  }
  const hours = Math.floor(minutes / 60);
  if (hours < 24) {
    return `${hours}h ${String(minutes % 60).padStart(2, '0')}m`;
  }
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

/** `summarize · 5 files` */
export function jobLabel(job: Job): string {
  const files = jobRowCount(job);
  return `${job.template.name} · ${files} file${files === 1 ? '' : 's'}`;
}

/** The phase in words, for lists and the tree. */
export function phaseText(summary: JobSummary): string {
  switch (summary.phase) {
    case 'submitting':
      return 'submitting';
    case 'submitFailed':
      return 'not submitted';
    case 'in_progress':
      return 'running';
    case 'canceling':
      return 'canceling';
    case 'ended':
      return summary.outcome === 'succeeded' ? 'done' : summary.outcome === 'partial' ? 'done with failures' : summary.outcome === 'failed' ? 'failed' : 'ended';
  }
}

/** `running · expires in 23h 10m` / `done · 2h 05m ago` — the time that matters for the phase. */
export function timingText(job: Job, summary: JobSummary, now: number): string {
  if (summary.nextExpiresAt) {
    return `expires in ${formatDuration(Date.parse(summary.nextExpiresAt) - now)}`;
  }
  return `${formatDuration(now - job.createdAt)} ago`;
}

/** The batch's status in words, with its own counts. */
export function batchDescription(batch: BatchRecord): string {
  if (!batch.batchId) {
    return batch.notSubmitted ? 'not submitted' : 'submitting';
  }
  const status = batch.status === 'in_progress' || batch.status === undefined ? 'running' : batch.status;
  return batch.counts ? `${status} · ${formatCounts(batch.counts)}` : status;
}
