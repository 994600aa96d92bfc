import type { BatchApi } from '../api/batchApi';
import type { BatchRecord } from '../jobs/jobModel';

/** What an ended batch's results say about whether it holds exactly a record's rows. */
export type AdoptionVerdict = 'match' | 'mismatch';

/**
 * Reads the custom_ids of an ended batch's results (streamed; nothing is written) and compares them
 * with the record's: the batch is this record's only when both sets are equal. An id the record does
 * not hold (or one read twice) is a mismatch. A stream that fails, or ends with only some of the
 * record's ids, rejects: nothing is decided until the whole set can be read.
 */
export async function compareResultsWithRecord(
  api: BatchApi,
  batchId: string,
  record: Pick<BatchRecord, 'customIds'>,
  signal?: AbortSignal,
): Promise<AdoptionVerdict> {
  const expected = new Set(record.customIds);
  const seen = new Set<string>();
  for await (const row of api.results(batchId, { signal })) {
    const id = String(row.custom_id);
    if (!expected.has(id) || seen.has(id)) return 'mismatch';
    seen.add(id);
  }
  if (seen.size < expected.size) {
    // Every id read is ours but some are missing: a short stream proves nothing either way.
    throw new Error(`the results of ${batchId} ended after ${seen.size} of ${expected.size} rows; checking again later`);
  }
  return 'match';
}
