import type { BatchApi, MessageBatch } from '../api/batchApi';
import { applyBatchToRecord } from '../batch/submitJob';
import type { Clock } from '../util/clock';
import { type Logger, silentLogger } from '../util/logger';
import type { BatchRecord, JobStore } from './jobModel';

/** How long after its intent a batch may appear (SDK retries and a slow upload included). */
export const DEFAULT_RECONCILE_WINDOW_MS = 15 * 60_000;
/** How far the API's clock may be behind ours. */
export const DEFAULT_CLOCK_SKEW_MS = 2 * 60_000;

export interface ReconcileOptions {
  store: JobStore;
  api: BatchApi;
  clock: Clock;
  logger?: Logger;
  signal?: AbortSignal;
  windowMs?: number;
  clockSkewMs?: number;
}

export interface ReconciledIntent {
  jobId: string;
  index: number;
  batchId?: string;
}

export interface ReconcileReport {
  /** Intents whose batch was found on the API: the id is now recorded. */
  matched: ReconciledIntent[];
  /** Intents with no batch after the window: marked not submitted, safe to send again. */
  notSubmitted: ReconciledIntent[];
  /** Intents still inside their window (another window or process may be submitting right now). */
  pending: ReconciledIntent[];
}

interface OpenIntent {
  jobId: string;
  record: BatchRecord;
}

/**
 * Resolves submission intents left without a batch id (a crash or a lost answer between the create
 * call and persisting its id). Each is matched against the API's batch list: a batch created no
 * earlier than the intent (less the clock skew) and within the window after it, whose
 * request_counts total equals the intent's row count, and whose id no record holds yet. Intents are
 * matched oldest first, each to the earliest fitting batch. A match records the id; no match once the
 * window has passed marks the record `notSubmitted`. Makes no API call when there are no open
 * intents, and reads the list (newest first) only back to the oldest intent.
 */
export async function reconcileIntents(options: ReconcileOptions): Promise<ReconcileReport> {
  const { store, api, clock } = options;
  const logger = options.logger ?? silentLogger;
  const windowMs = options.windowMs ?? DEFAULT_RECONCILE_WINDOW_MS;
  const skewMs = options.clockSkewMs ?? DEFAULT_CLOCK_SKEW_MS;
  const report: ReconcileReport = { matched: [], notSubmitted: [], pending: [] };

  const jobs = await store.list();
  const open: OpenIntent[] = [];
  const knownIds = new Set<string>();
  for (const job of jobs) {
    for (const record of job.batches) {
      if (record.batchId) knownIds.add(record.batchId);
      else if (!record.notSubmitted) open.push({ jobId: job.id, record });
    }
  }
  if (open.length === 0) return report;
  open.sort((a, b) => a.record.intentAt - b.record.intentAt);

  const oldest = open[0].record.intentAt - skewMs;
  const candidates: MessageBatch[] = [];
  for await (const batch of api.listAll({ signal: options.signal })) {
    const createdAt = Date.parse(batch.created_at);
    if (createdAt < oldest) break;
    if (!knownIds.has(batch.id)) candidates.push(batch);
  }
  candidates.sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at));

  const claimed = new Set<string>();
  const now = clock.now();
  for (const { jobId, record } of open) {
    const match = candidates.find((batch) => {
      if (claimed.has(batch.id)) return false;
      const createdAt = Date.parse(batch.created_at);
      return createdAt >= record.intentAt - skewMs && createdAt <= record.intentAt + windowMs && totalOf(batch) === record.customIds.length;
    });
    const index = record.index;
    if (match) {
      claimed.add(match.id);
      await store.update(jobId, (job) => {
        const stored = job.batches[index];
        // Another process may have recorded it meanwhile; its answer wins.
        if (!stored.batchId) applyBatchToRecord(stored, match);
      });
      logger.info(`Batchlens: reconciled job ${jobId} batch ${index + 1} with ${match.id}`);
      report.matched.push({ jobId, index, batchId: match.id });
    } else if (now > record.intentAt + windowMs + skewMs) {
      await store.update(jobId, (job) => {
        const stored = job.batches[index];
        if (stored.batchId) return;
        stored.notSubmitted = true;
        stored.submitError = 'This batch never reached the API (no matching batch was found); its files are safe to submit again.';
      });
      logger.warn(`Batchlens: job ${jobId} batch ${index + 1} was never created; marked not submitted`);
      report.notSubmitted.push({ jobId, index });
    } else {
      report.pending.push({ jobId, index });
    }
  }
  return report;
}

function totalOf(batch: MessageBatch): number {
  const counts = batch.request_counts;
  return counts.processing + counts.succeeded + counts.errored + counts.canceled + counts.expired;
}

/** One line for the user about what reconciliation did, or undefined when it did nothing worth saying. */
export function describeReconcileReport(report: ReconcileReport): string | undefined {
  const parts: string[] = [];
  if (report.matched.length > 0) {
    parts.push(`recovered ${report.matched.length} batch id${report.matched.length === 1 ? '' : 's'} of an interrupted submission (${report.matched.map((m) => m.batchId).join(', ')})`);
  }
  if (report.notSubmitted.length > 0) {
    const jobs = [...new Set(report.notSubmitted.map((item) => item.jobId))].join(', ');
    parts.push(`${report.notSubmitted.length} interrupted batch${report.notSubmitted.length === 1 ? ' was' : 'es were'} never created (job ${jobs}); their files are safe to submit again`);
  }
  return parts.length ? `Batchlens: ${parts.join('; ')}.` : undefined;
}
