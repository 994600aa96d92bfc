import type { BatchRecord, Job } from '../jobs/jobModel';

/** An ended batch whose downloaded results hold fewer rows than the API counted. */
export interface ShortResults {
  batchId: string;
  /** succeeded + errored + canceled + expired, as the batch's `request_counts` said. */
  expected: number;
  received: number;
}

/** The rows an ended batch's results must hold, from its stored `request_counts`; undefined when unknown. */
export function expectedResultRows(record: BatchRecord): number | undefined {
  if (record.status !== 'ended' || !record.counts) return undefined;
  const { succeeded, errored, canceled, expired } = record.counts;
  return succeeded + errored + canceled + expired;
}

/**
 * Batches of a job whose download finished (the stream ended) with fewer lines than the API
 * counted: a stream that ended early at a line boundary looks complete to the reader, so the
 * counts are the only witness.
 */
export function shortResults(job: Job): ShortResults[] {
  const short: ShortResults[] = [];
  for (const record of job.batches) {
    if (!record.batchId || !record.resultsComplete) continue;
    const expected = expectedResultRows(record);
    const received = record.resultsLinesWritten ?? 0;
    if (expected !== undefined && received < expected) short.push({ batchId: record.batchId, expected, received });
  }
  return short;
}

/** Marks short batches as not complete (so the next download resumes them) and says why on the record. */
export function markShort(job: Job, short: readonly ShortResults[]): void {
  for (const item of short) {
    const record = job.batches.find((candidate) => candidate.batchId === item.batchId);
    if (!record) continue;
    record.resultsComplete = false;
    // The raw body on disk is the short one: the next download must fetch the body again, not re-read it.
    delete record.resultsDownloaded;
    record.resultsError = describeShort(item);
  }
  for (const record of job.batches) {
    if (record.resultsComplete && record.resultsError) delete record.resultsError;
  }
}

export function describeShort(item: ShortResults): string {
  return `results incomplete: ${item.received} of ${item.expected} rows received for ${item.batchId}; run \`batchlens batch results\` again to fetch the rest`;
}
