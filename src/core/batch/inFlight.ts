import { type Job, type ManifestEntry, isBatchInFlight } from '../jobs/jobModel';

/** Files of a new job that an earlier job of the workspace already has in flight. */
export interface FilesInFlight {
  jobId: string;
  /** Workspace-relative paths, in the new job's order. */
  paths: string[];
  /** `submitting` when the batch id is still being looked for, else the batch ids holding the files. */
  holders: string[];
}

/**
 * Which files of `candidate` are already being processed by another job in `jobs`: the same path
 * with the same content, sent through the same template and model. This is what stops a re-run of
 * `batch submit` after a lost answer from billing the same files twice. `candidateEntries` reads the
 * candidate's manifest (from disk, when it is not held), only once some job has a batch in flight.
 */
export function findFilesInFlight(candidate: Job, jobs: readonly Job[], candidateEntries: () => Iterable<ManifestEntry> = () => candidate.manifest): FilesInFlight[] {
  const key = (job: Job, relativePath: string, contentSha256: string) =>
    `${job.template.name}\u0000${job.template.model}\u0000${relativePath}\u0000${contentSha256}`;
  // Built for the first job with a batch in flight: most submissions find none, and neither the
  // candidate's 100k keys nor any finished job's rows (read from its log on first touch) are needed then.
  let wanted: Map<string, string> | undefined;
  const found: FilesInFlight[] = [];
  for (const job of jobs) {
    if (job.id === candidate.id) continue;
    const inFlight = job.batches.filter(isBatchInFlight);
    if (inFlight.length === 0) continue;
    wanted ??= new Map(Array.from(candidateEntries(), (entry) => [key(candidate, entry.relativePath, entry.contentSha256), entry.relativePath]));
    const byCustomId = new Map(job.manifest.map((entry) => [entry.customId, entry]));
    const paths = new Set<string>();
    const holders = new Set<string>();
    for (const record of inFlight) {
      for (const customId of record.customIds) {
        const entry = byCustomId.get(customId);
        const path = entry && wanted.get(key(job, entry.relativePath, entry.contentSha256));
        if (path === undefined) continue;
        paths.add(path);
        holders.add(record.batchId ?? 'submitting');
      }
    }
    if (paths.size > 0) {
      const order = Array.from(candidateEntries(), (entry) => entry.relativePath).filter((path) => paths.has(path));
      found.push({ jobId: job.id, paths: order, holders: [...holders] });
    }
  }
  return found;
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
