import { type BatchRecord, type Job, type RequestCounts, type RowAttempt, type RowOutcome, addRequestCounts } from '../jobs/jobModel';
import { type UsageBucket, addAttemptUsage } from './usageTotals';

/**
 * What the tracker needs to know about a job's rows without reading them: computed in one linear pass
 * whenever the rows change and kept in the job's header file, so `status`, `list`, the poller and the
 * tree's job nodes never load a 100k-row job's rows to show its counts.
 *
 * Everything here depends only on the rows (manifest, attempts) and on which batches hold them — not on
 * a batch's status or `request_counts`, which a poll changes without touching any row.
 */
export interface JobRowStats {
  /** Rows of the manifest. */
  manifestRows: number;
  /** Per batch, in `job.batches` order. */
  batches: BatchRowStats[];
  /** Rows whose most recent attempt errored, expired or was canceled. */
  failedDownloaded: number;
  /** Rows with an output file in any attempt. */
  rowsWithOutput: number;
  /**
   * Token totals of every succeeded attempt, by what prices them (model, mode, residency), for savings
   * without reading the rows. Absent in headers written before they were kept: savings reads the rows.
   */
  usage?: UsageBucket[];
}

export interface BatchRowStats {
  /** `customIds.length`. */
  rows: number;
  /** Rows this batch currently speaks for (no later batch that reached the API holds them). */
  spokenFor: number;
  /** Outcomes of the spoken-for rows that have an attempt from this batch. */
  outcomes: Record<RowOutcome, number>;
  /** Rows of this batch (spoken for or not) that have an attempt from this batch: downloaded results. */
  downloaded: number;
}

/** Whether a batch takes part in the row accounting: a failed intent that certainly created nothing does not. */
export function holdsRows(batch: Pick<BatchRecord, 'batchId' | 'notSubmitted'>): boolean {
  return !(batch.batchId === undefined && batch.notSubmitted);
}

/** A key that changes whenever `computeRowStats` could give another answer for the same rows. */
export function rowStatsKey(batches: ReadonlyArray<Pick<BatchRecord, 'batchId' | 'notSubmitted'>>): string {
  return batches.map((batch) => `${holdsRows(batch) ? 'h' : 'n'}${batch.batchId ?? ''}`).join(',');
}

/** What a row's contribution to the stats depends on besides its attempts: which batches hold it. */
export interface RowStatsContext {
  /** Position of the batch that currently speaks for the row (the last one holding it that holds rows). */
  currentPosition(customId: string): number | undefined;
  /** Whether the batch at `position` names the row among its custom ids. */
  holds(position: number, customId: string): boolean;
  positionOfBatchId: Map<string, number>;
  templateModel: string;
}

/** The context of a job's rows from its batches' custom ids (linear in rows; built once per pass or per results download). */
export function rowStatsContext(job: Job): RowStatsContext {
  return mapsContext(job).context;
}

function mapsContext(job: Job): { context: RowStatsContext; current: Map<string, number> } {
  const current = new Map<string, number>();
  job.batches.forEach((batch, position) => {
    if (!holdsRows(batch)) return;
    for (const customId of batch.customIds) current.set(customId, position);
  });
  const positionOfBatchId = new Map<string, number>();
  job.batches.forEach((batch, position) => {
    if (batch.batchId !== undefined) positionOfBatchId.set(batch.batchId, position);
  });
  const inBatch = job.batches.map((batch) => new Set(batch.customIds));
  const context: RowStatsContext = {
    currentPosition: (customId) => current.get(customId),
    holds: (position, customId) => inBatch[position]?.has(customId) === true,
    positionOfBatchId,
    templateModel: job.template.model,
  };
  return { context, current };
}

/** One pass over the job's rows (linear in rows and attempts). */
export function computeRowStats(job: Job): JobRowStats {
  const { context, current } = mapsContext(job);
  const stats: JobRowStats = {
    manifestRows: job.manifest.length,
    batches: job.batches.map((batch) => ({
      rows: batch.customIds.length,
      spokenFor: 0,
      outcomes: { succeeded: 0, errored: 0, canceled: 0, expired: 0 },
      downloaded: 0,
    })),
    failedDownloaded: 0,
    rowsWithOutput: 0,
    usage: [],
  };
  for (const position of current.values()) stats.batches[position].spokenFor += 1;
  for (const [customId, attempts] of Object.entries(job.rows)) addRow(stats, context, customId, attempts, 1);
  return stats;
}

/**
 * The stats after a row's attempts changed from `before` to `after` (a results download appending or
 * replacing its attempt), without looking at any other row: what lets progress saves keep the header's
 * stats current instead of reading every row back.
 */
export function applyRowChange(stats: JobRowStats, context: RowStatsContext, customId: string, before: readonly RowAttempt[], after: readonly RowAttempt[]): void {
  addRow(stats, context, customId, before, -1);
  addRow(stats, context, customId, after, 1);
}

/** A row's attempts after `attempt` is recorded: it replaces the row's earlier attempt from the same batch. */
export function withAttempt(before: readonly RowAttempt[], attempt: RowAttempt): RowAttempt[] {
  return before.some((earlier) => earlier.batchId === attempt.batchId) ? [...before.filter((earlier) => earlier.batchId !== attempt.batchId), attempt] : [...before, attempt];
}

/** Adds (`sign` 1) or takes away (-1) one row's share of the stats. */
function addRow(stats: JobRowStats, context: RowStatsContext, customId: string, attempts: readonly RowAttempt[], sign: 1 | -1): void {
  if (attempts.length === 0) return;
  const latest = attempts[attempts.length - 1];
  if (latest.outcome !== 'succeeded') stats.failedDownloaded += sign;
  if (attempts.some((attempt) => attempt.outputPath)) stats.rowsWithOutput += sign;
  const currentPosition = context.currentPosition(customId);
  const seen = new Set<number>();
  for (let i = attempts.length - 1; i >= 0; i--) {
    const position = context.positionOfBatchId.get(attempts[i].batchId);
    if (position === undefined || seen.has(position)) continue;
    seen.add(position);
    if (context.holds(position, customId)) stats.batches[position].downloaded += sign;
    if (position === currentPosition) stats.batches[position].outcomes[attempts[i].outcome] += sign;
  }
  if (stats.usage) {
    for (const attempt of attempts) addAttemptUsage(stats.usage, attempt, context.templateModel, sign);
  }
}

/**
 * The stats a store attached to a job it handed out with its rows not yet read, or undefined when
 * the rows are in memory (then they are the truth and are read directly).
 */
const storedStats = new WeakMap<object, () => JobRowStats | undefined>();

export function attachStoredRowStats(job: Job, stats: () => JobRowStats | undefined): void {
  storedStats.set(job, stats);
}

export function storedRowStats(job: Job): JobRowStats | undefined {
  return storedStats.get(job)?.();
}

/**
 * The succeeded attempts' count and output tokens, from the stats the store kept (undefined when it
 * has none to offer: the rows are in memory, or the header predates usage totals).
 */
export function storedSucceededOutput(job: Job): { rows: number; outputTokens: number } | undefined {
  const usage = storedRowStats(job)?.usage;
  if (!usage) return undefined;
  let rows = 0;
  let outputTokens = 0;
  for (const bucket of usage) {
    rows += bucket.rows;
    outputTokens += bucket.outputTokens;
  }
  return { rows, outputTokens };
}

/** The job's row count without reading its rows when the store already knows it. */
export function jobRowCount(job: Job): number {
  return storedRowStats(job)?.manifestRows ?? job.manifest.length;
}

/** How many rows a batch holds, without reading them when the store already knows. */
export function batchRowCount(job: Job, batch: BatchRecord): number {
  const stats = storedRowStats(job);
  const position = job.batches.indexOf(batch);
  return stats && position >= 0 && stats.batches[position] ? stats.batches[position].rows : batch.customIds.length;
}

/** How many downloaded rows a batch has, without reading them when the store already knows. */
export function batchDownloadedCount(job: Job, batch: BatchRecord, count: () => number): number {
  const stats = storedRowStats(job);
  const position = job.batches.indexOf(batch);
  return stats && position >= 0 && stats.batches[position] ? stats.batches[position].downloaded : count();
}

/** Per-row counts of the whole job from its stats (see `jobCounts` for the rule). */
export function countsFromStats(batches: readonly BatchRecord[], stats: JobRowStats): RequestCounts {
  const counts: RequestCounts = { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0 };
  batches.forEach((batch, position) => {
    const row = stats.batches[position];
    if (!row) return;
    if (row.rows === 0) {
      // An adopted batch whose results are not read yet has no known rows: its request_counts speak for it.
      if (batch.batchId !== undefined && batch.counts) addRequestCounts(counts, batch.counts);
      return;
    }
    if (row.spokenFor === 0) return;
    if (row.spokenFor === row.rows && batch.counts && batch.status === 'ended') {
      addRequestCounts(counts, batch.counts);
      return;
    }
    if (batch.status !== 'ended') {
      counts.processing += row.spokenFor;
      return;
    }
    let known = 0;
    for (const outcome of ['succeeded', 'errored', 'canceled', 'expired'] as const) {
      counts[outcome] += row.outcomes[outcome];
      known += row.outcomes[outcome];
    }
    counts.processing += row.spokenFor - known;
  });
  return counts;
}
