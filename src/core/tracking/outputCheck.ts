import * as path from 'node:path';
import type { Job, JobStore, ManifestEntry } from '../jobs/jobModel';
import { outputPathFor } from './resultsWriter';
import { toWorkspaceRelative } from './workspacePaths';

/** A file whose output would land outside the workspace, found before anything is sent. */
export interface EscapingOutput {
  sourcePath: string;
  outputPath: string;
  reason: string;
}

/**
 * Watches a job's rows as they are built (or read back) for the first output that would leave the
 * workspace: the job's output pattern rendered for each file, in both places results can go (the
 * store and beside the source), absolute, climbing out with `..`, or holding a NUL. Checked at
 * submit, because a download refuses such paths only after the batch has been paid for. Symlinks are
 * checked again when each file is written. Keeps nothing of the rows but the first one found.
 */
export class EscapingOutputWatch {
  private first: EscapingOutput | undefined;
  /** The same folder for every row: worked out once, not 100,000 times. */
  private readonly resultsDir: string;

  constructor(
    private readonly job: Pick<Job, 'id' | 'template'>,
    private readonly store: Pick<JobStore, 'root' | 'resultsDir'>,
  ) {
    this.resultsDir = toWorkspaceRelative(store.root, store.resultsDir(job.id));
  }

  /** The first escaping output seen, if any. */
  get found(): EscapingOutput | undefined {
    return this.first;
  }

  add(entry: ManifestEntry): void {
    if (this.first) return;
    for (const location of ['store', 'besideSource'] as const) {
      const outputPath = outputPathFor(this.job, entry, location, this.store, this.resultsDir);
      const reason = lexicalEscape(outputPath);
      if (reason) {
        this.first = { sourcePath: entry.relativePath, outputPath, reason };
        return;
      }
    }
  }
}

/**
 * The first output of `entries` (the job's manifest rows, given apart when they are read from disk a
 * chunk at a time) that would leave the workspace, or undefined (see EscapingOutputWatch).
 */
export function findEscapingOutput(job: Job, store: Pick<JobStore, 'root' | 'resultsDir'>, entries: Iterable<ManifestEntry> = job.manifest): EscapingOutput | undefined {
  const watch = new EscapingOutputWatch(job, store);
  for (const entry of entries) {
    watch.add(entry);
    if (watch.found) break;
  }
  return watch.found;
}

function lexicalEscape(relativePath: string): string | undefined {
  if (relativePath.length === 0 || relativePath.includes('\0')) return 'it is empty or holds a NUL';
  if (path.isAbsolute(relativePath) || path.win32.isAbsolute(relativePath) || /^[a-zA-Z]:/.test(relativePath)) return 'it is an absolute path';
  const segments = relativePath.split(path.sep === '\\' ? /[\\/]+/ : /\/+/);
  if (segments.includes('..')) return 'it climbs out with `..`';
  return undefined;
}

/** The one-line refusal for an output pattern that leaves the workspace. */
export function describeEscapingOutput(escaping: EscapingOutput): string {
  return `the template's output pattern puts results outside the workspace ('${escaping.outputPath}' for ${escaping.sourcePath}: ${escaping.reason}); fix its \`output:\` line. Nothing was sent.`;
}
