import type { BatchApi, MessageBatch } from '../api/batchApi';
import { applyBatchToRecord } from '../jobs/batchRecord';
import type { Clock } from '../util/clock';
import { type Logger, silentLogger } from '../util/logger';
import { type AdoptionVerdict, compareResultsWithRecord } from './adoptionCheck';
import type { BatchRecord, JobStore } from '../jobs/jobModel';

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
  /** Narrows the batches that may be adopted (e.g. to the configured workspace id); default: all. */
  acceptBatch?: (batch: MessageBatch) => boolean;
}

export interface ReconciledIntent {
  jobId: string;
  index: number;
  batchId?: string;
}

export interface AmbiguousIntent {
  jobId: string;
  index: number;
  /** Every batch that fits the intent; none was adopted. */
  candidates: string[];
}

export interface ReconcileReport {
  /** Intents whose batch was found on the API: the id is now recorded (unverified until it ends, see `adoption`). */
  matched: ReconciledIntent[];
  /** Intents with no batch after the window: marked not submitted, safe to send again. */
  notSubmitted: ReconciledIntent[];
  /** Intents still inside their window (another window or process may be submitting right now). */
  pending: ReconciledIntent[];
  /** Intents that several batches fit: none adopted; the user is shown the candidates. */
  ambiguous: AmbiguousIntent[];
  /** Adopted batches whose results proved them this intent's. */
  verified: ReconciledIntent[];
  /** Adopted batches whose results named other rows: the adoption was undone (`batchId` is the stranger). */
  undone: ReconciledIntent[];
}

interface OpenIntent {
  jobId: string;
  record: BatchRecord;
}

/**
 * Resolves submission intents left without a batch id (a crash or a lost answer between the create
 * call and persisting its id), adopting only a batch it can tie to the intent:
 *
 * 1. A batch fits an intent when it was created no earlier than the intent (less the clock skew) and
 *    within the window after it, its request_counts total equals the intent's row count, no record
 *    of this workspace holds it, and the intent has not rejected it before.
 * 2. An ended fitting batch is checked at once: its results' custom_ids must be exactly the intent's
 *    (`compareResultsWithRecord`); one that names other rows no longer fits.
 * 3. Exactly one fitting batch, fitting no other open intent, is adopted (`adoption: 'unverified'`
 *    until its results have been checked, `verified` when they were). Several: none is adopted, the
 *    candidates are stored on the record and reported. None once the window has passed: the record
 *    is marked `notSubmitted` (safe to send again).
 * 4. An adopted, unverified batch that has since ended is checked the same way; a mismatch undoes the
 *    adoption (the stranger is remembered in `rejectedBatchIds`) before any of its results is written.
 *
 * Makes no API call when there is nothing open or unverified, and reads the list (newest first) only
 * back to the oldest intent. `acceptBatch` narrows the list further (e.g. to one workspace id).
 */
export async function reconcileIntents(options: ReconcileOptions): Promise<ReconcileReport> {
  const { store, api, clock } = options;
  const logger = options.logger ?? silentLogger;
  const windowMs = options.windowMs ?? DEFAULT_RECONCILE_WINDOW_MS;
  const skewMs = options.clockSkewMs ?? DEFAULT_CLOCK_SKEW_MS;
  const report: ReconcileReport = { matched: [], notSubmitted: [], pending: [], ambiguous: [], verified: [], undone: [] };

  const jobs = await store.list();
  const open: OpenIntent[] = [];
  const unverified: OpenIntent[] = [];
  const knownIds = new Set<string>();
  for (const job of jobs) {
    for (const record of job.batches) {
      if (record.batchId) {
        knownIds.add(record.batchId);
        if (record.adoption === 'unverified') unverified.push({ jobId: job.id, record });
      } else if (!record.notSubmitted) open.push({ jobId: job.id, record });
    }
  }
  for (const item of unverified) {
    const reopened = await verifyAdoption(item, options, report, logger);
    if (reopened) open.push({ jobId: item.jobId, record: reopened });
  }
  if (open.length === 0) return report;
  open.sort((a, b) => a.record.intentAt - b.record.intentAt);

  const oldest = open[0].record.intentAt - skewMs;
  const listed: MessageBatch[] = [];
  for await (const batch of api.listAll({ signal: options.signal })) {
    const createdAt = Date.parse(batch.created_at);
    if (createdAt < oldest) break;
    if (!knownIds.has(batch.id) && (options.acceptBatch?.(batch) ?? true)) listed.push(batch);
  }
  listed.sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at));

  const fitting = new Map<OpenIntent, { fits: MessageBatch[]; proven: boolean }>();
  for (const intent of open) {
    const fits: MessageBatch[] = [];
    const proven: MessageBatch[] = [];
    for (const batch of listed.filter((candidate) => fitsIntent(candidate, intent.record, windowMs, skewMs))) {
      if (batch.processing_status === 'ended') {
        const verdict = await compareResultsWithRecord(api, batch.id, intent.record, options.signal).catch(() => undefined);
        if (verdict === 'mismatch') continue;
        if (verdict === 'match') proven.push(batch);
      }
      fits.push(batch);
    }
    // Proof is the only fitting batch left, with results naming exactly these rows. Two such batches
    // (the same files sent from a clone of this workspace), or one still running beside it, prove nothing.
    fitting.set(intent, { fits, proven: fits.length === 1 && proven.length === 1 });
  }
  const intentsPerBatch = new Map<string, number>();
  for (const { fits } of fitting.values()) for (const batch of fits) intentsPerBatch.set(batch.id, (intentsPerBatch.get(batch.id) ?? 0) + 1);

  const now = clock.now();
  for (const intent of open) {
    const { jobId, record } = intent;
    const index = record.index;
    const { fits, proven } = fitting.get(intent) ?? { fits: [], proven: false };
    const only = fits.length === 1 ? fits[0] : undefined;
    if (only && (proven || intentsPerBatch.get(only.id) === 1)) {
      await store.update(jobId, (job) => {
        const stored = job.batches[index];
        // Another process may have recorded it meanwhile; its answer wins.
        if (stored.batchId) return;
        applyBatchToRecord(stored, only);
        stored.adoption = proven ? 'verified' : 'unverified';
        delete stored.candidateBatchIds;
      });
      logger.info(`Batchlens: reconciled job ${jobId} batch ${index + 1} with ${only.id}${proven ? ' (results checked)' : ' (its results will be checked when it ends)'}`);
      report.matched.push({ jobId, index, batchId: only.id });
    } else if (fits.length > 0) {
      const candidates = fits.map((batch) => batch.id);
      await store.update(jobId, (job) => {
        const stored = job.batches[index];
        if (stored.batchId) return;
        stored.candidateBatchIds = candidates;
        stored.submitError = `Several batches could be this submission (${candidates.join(', ')}): none was adopted. Batchlens adopts the one whose results name exactly these files once they end.`;
      });
      logger.warn(`Batchlens: job ${jobId} batch ${index + 1} fits ${candidates.length} batches (${candidates.join(', ')}); none adopted`);
      report.ambiguous.push({ jobId, index, candidates });
    } else if (now > record.intentAt + windowMs + skewMs) {
      await store.update(jobId, (job) => {
        const stored = job.batches[index];
        if (stored.batchId) return;
        stored.notSubmitted = true;
        delete stored.candidateBatchIds;
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

function fitsIntent(batch: MessageBatch, record: BatchRecord, windowMs: number, skewMs: number): boolean {
  if (record.rejectedBatchIds?.includes(batch.id)) return false;
  const createdAt = Date.parse(batch.created_at);
  return createdAt >= record.intentAt - skewMs && createdAt <= record.intentAt + windowMs && totalOf(batch) === record.customIds.length;
}

/**
 * Checks an adopted batch that has ended: its results must name exactly the record's rows. A match
 * marks it verified; a mismatch undoes the adoption (the record becomes an open intent again, which
 * never adopts that batch again) before anything of it is written. Still running, or unreadable:
 * left for a later run.
 */
async function verifyAdoption({ jobId, record }: OpenIntent, options: ReconcileOptions, report: ReconcileReport, logger: Logger): Promise<BatchRecord | undefined> {
  const batchId = record.batchId as string;
  const index = record.index;
  let verdict: AdoptionVerdict;
  try {
    const remote = await options.api.retrieve(batchId, { signal: options.signal });
    if (remote.processing_status !== 'ended') return undefined;
    verdict = await compareResultsWithRecord(options.api, batchId, record, options.signal);
  } catch (error) {
    logger.debug(`Batchlens: could not check the results of adopted batch ${batchId} yet: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
  if (verdict === 'match') {
    await options.store.update(jobId, (job) => {
      const stored = job.batches[index];
      if (stored.batchId === batchId) stored.adoption = 'verified';
    });
    report.verified.push({ jobId, index, batchId });
    return undefined;
  }
  const job = await options.store.update(jobId, (stored) => {
    if (stored.batches[index].batchId === batchId) undoAdoption(stored.batches[index], batchId);
  });
  logger.warn(`Batchlens: batch ${batchId} is not job ${jobId}'s (its results name other rows): adoption undone, nothing of it was written`);
  report.undone.push({ jobId, index, batchId });
  const reopened = job.batches[index];
  return reopened.batchId === undefined ? reopened : undefined;
}

/** Turns an adopted record back into an open intent that will never adopt `batchId` again. */
export function undoAdoption(record: BatchRecord, batchId: string): void {
  for (const field of ['batchId', 'status', 'counts', 'createdAt', 'expiresAt', 'endedAt', 'resultsUrl', 'adoption', 'lastPollError', 'resultsLinesWritten', 'resultsComplete', 'unknownCustomIds'] as const) {
    delete record[field];
  }
  record.rejectedBatchIds = [...new Set([...(record.rejectedBatchIds ?? []), batchId])];
  record.submitError = `Batch ${batchId} was adopted for this submission but its results name other files: the adoption was undone and nothing of it was written.`;
}

function totalOf(batch: MessageBatch): number {
  const counts = batch.request_counts;
  return counts.processing + counts.succeeded + counts.errored + counts.canceled + counts.expired;
}

/** One line for the user about what reconciliation did, or undefined when it did nothing worth saying. */
export function describeReconcileReport(report: ReconcileReport): string | undefined {
  const parts: string[] = [];
  const plural = (count: number, one: string, many: string) => (count === 1 ? one : many);
  if (report.matched.length > 0) {
    parts.push(`recovered ${report.matched.length} batch id${plural(report.matched.length, '', 's')} of an interrupted submission (${report.matched.map((m) => m.batchId).join(', ')}); do not submit those files again`);
  }
  for (const item of report.ambiguous) {
    parts.push(`job ${item.jobId} batch ${item.index + 1} fits ${item.candidates.length} batches (${item.candidates.join(', ')}): none adopted; the one whose results name its files is adopted once they end`);
  }
  if (report.undone.length > 0) {
    parts.push(`${report.undone.length} adopted batch${plural(report.undone.length, '', 'es')} turned out to be another submission's (${report.undone.map((u) => u.batchId).join(', ')}): adoption undone, nothing written`);
  }
  if (report.notSubmitted.length > 0) {
    const jobs = [...new Set(report.notSubmitted.map((item) => item.jobId))].join(', ');
    parts.push(`${report.notSubmitted.length} interrupted batch${plural(report.notSubmitted.length, ' was', 'es were')} never created (job ${jobs}); their files are safe to submit again`);
  }
  return parts.length ? `Batchlens: ${parts.join('; ')}.` : undefined;
}
