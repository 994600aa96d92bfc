import type { Job, JobStore } from '../jobs/jobModel';
import { storedRowStats } from './jobRowStats';

/**
 * The jobs with usage totals in their headers: a job whose header has none (written before they were
 * kept, or stale after an interrupted download) has its rows read once and its header rewritten with
 * fresh stats, so the next `savings` reads no rows. The job handed back then holds its rows, which
 * price it this time. A job that disappeared meanwhile is left as it was read.
 */
export async function withUsageTotals(store: JobStore, jobs: readonly Job[]): Promise<Job[]> {
  const ready: Job[] = [];
  for (const job of jobs) {
    if (storedRowStats(job)?.usage) {
      ready.push(job);
      continue;
    }
    try {
      // Touching the manifest reads the rows; an update that changed nothing else rewrites the header with stats computed from them.
      ready.push(await store.update(job.id, (stored) => void stored.manifest.length));
    } catch (error) {
      if (await store.get(job.id)) throw error;
      ready.push(job);
    }
  }
  return ready;
}
