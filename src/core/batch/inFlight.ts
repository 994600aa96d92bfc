import { type BatchRecord, type Job, type ManifestEntry, isBatchInFlight } from '../jobs/jobModel';

/** Files of a new job that an earlier job of the workspace already has in flight. */
export interface FilesInFlight {
  jobId: string;
  /** Workspace-relative paths, in the new job's order. */
  paths: string[];
  /** `submitting` when the batch id is still being looked for, else the batch ids holding the files. */
  holders: string[];
}

/** A job with batches in flight, and what the watch has found it holds of the new job. */
interface HoldingJob {
  jobId: string;
  /** Its batches in flight, in the job's order. */
  records: BatchRecord[];
  /** The new job's files it holds, in the new job's order. */
  paths: string[];
  /** Indexes into `records` of the batches holding them. */
  holders: Set<number>;
}

/**
 * Watches a new job's rows, as they are built or read back, for files another job of `jobs` is
 * already processing: the same path with the same content, sent through the same template and model.
 * This is what stops a re-run of `batch submit` after a lost answer from billing the same files twice.
 * Only jobs with a batch in flight are read (their rows, on first touch), and only their rows in
 * flight are remembered; with none, a row costs nothing, and nothing of the new job is kept either way.
 */
export class FilesInFlightWatch {
  /** Each row held by a batch in flight, by template, model, path and content -> where it is held. */
  private readonly held = new Map<string, Array<{ job: number; record: number }>>();
  private readonly holding: HoldingJob[] = [];

  constructor(
    private readonly candidate: Pick<Job, 'id' | 'template'>,
    jobs: readonly Job[],
  ) {
    for (const job of jobs) {
      if (job.id === candidate.id) continue;
      const records = job.batches.filter(isBatchInFlight);
      if (records.length === 0) continue;
      const index = this.holding.push({ jobId: job.id, records, paths: [], holders: new Set() }) - 1;
      const byCustomId = new Map(job.manifest.map((entry) => [entry.customId, entry]));
      records.forEach((record, recordIndex) => {
        for (const customId of record.customIds) {
          const entry = byCustomId.get(customId);
          if (!entry) continue;
          const key = rowKey(job, entry);
          const places = this.held.get(key);
          if (places) places.push({ job: index, record: recordIndex });
          else this.held.set(key, [{ job: index, record: recordIndex }]);
        }
      });
    }
  }

  /** Whether any job has a batch in flight (otherwise `add` has nothing to look for). */
  get watching(): boolean {
    return this.holding.length > 0;
  }

  add(entry: ManifestEntry): void {
    if (this.held.size === 0) return;
    const places = this.held.get(rowKey(this.candidate, entry));
    if (!places) return;
    for (const place of places) {
      const job = this.holding[place.job];
      // Two batches of one job may hold the same file: its path is listed once.
      if (job.paths[job.paths.length - 1] !== entry.relativePath) job.paths.push(entry.relativePath);
      job.holders.add(place.record);
    }
  }

  /** The jobs holding files of the new job, in the order of `jobs`; their holders in their batches' order. */
  found(): FilesInFlight[] {
    return this.holding
      .filter((job) => job.paths.length > 0)
      .map((job) => ({
        jobId: job.jobId,
        paths: job.paths,
        holders: [...new Set([...job.holders].sort((a, b) => a - b).map((record) => job.records[record].batchId ?? 'submitting'))],
      }));
  }
}

function rowKey(job: Pick<Job, 'template'>, entry: ManifestEntry): string {
  return `${job.template.name}\u0000${job.template.model}\u0000${entry.relativePath}\u0000${entry.contentSha256}`;
}

/**
 * Which files of `candidate` are already being processed by another job in `jobs` (see
 * FilesInFlightWatch). `candidateEntries` reads the candidate's manifest (from disk, when it is not
 * held), only when some job has a batch in flight.
 */
export function findFilesInFlight(candidate: Job, jobs: readonly Job[], candidateEntries: () => Iterable<ManifestEntry> = () => candidate.manifest): FilesInFlight[] {
  const watch = new FilesInFlightWatch(candidate, jobs);
  if (!watch.watching) return [];
  for (const entry of candidateEntries()) watch.add(entry);
  return watch.found();
}

/** One line naming the jobs that hold the files, for the refusal. */
export function describeFilesInFlight(found: readonly FilesInFlight[]): string {
  const parts = found.map((item) => `${item.paths.length} in job ${item.jobId} (${item.holders.map((holder) => (holder === 'submitting' ? 'its batch id is being recovered' : holder)).join(', ')})`);
  const total = found.reduce((sum, item) => sum + item.paths.length, 0);
  return `${total} of these files ${total === 1 ? 'is' : 'are'} already in flight: ${parts.join('; ')}`;
}

/** What a submit does about files already in flight: send them again, refuse, or ask the user. */
export type InFlightDecision = 'send' | 'refuse' | 'ask';

/**
 * Sending files another job holds bills them twice, so it takes an explicit choice: `again` (the
 * CLI's `--again`, the command option) sends; `again: false` refuses; with no one to ask (a caller
 * running without UI) the safe answer is to refuse; otherwise the user is asked.
 */
export function inFlightDecision(found: readonly FilesInFlight[], options: { again?: boolean; canAsk: boolean }): InFlightDecision {
  if (found.length === 0 || options.again === true) return 'send';
  if (options.again === false || !options.canAsk) return 'refuse';
  return 'ask';
}

/** The lines under the question: which files, held by which job, at most `limit` of them. */
export function describeFilesInFlightDetail(found: readonly FilesInFlight[], limit = 10): string[] {
  const lines: string[] = [];
  for (const item of found) {
    const holders = item.holders.map((holder) => (holder === 'submitting' ? 'its batch id is being recovered' : `batch ${holder}`)).join(', ');
    lines.push(`Job ${item.jobId} (${holders}):`);
    for (const filePath of item.paths.slice(0, limit)) lines.push(`  ${filePath}`);
    if (item.paths.length > limit) lines.push(`  … and ${item.paths.length - limit} more`);
  }
  return lines;
}
