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
 * Renders the job's output pattern for every file, in both places results can go (the store and
 * beside the source), and returns the first output that would leave the workspace (absolute, `..`,
 * NUL), or undefined. Checked at submit, because a download refuses such paths only after the batch
 * has been paid for. Symlinks are checked again when each file is written. `entries` are the job's
 * manifest rows (given apart when they are read from disk a chunk at a time).
 */
export function findEscapingOutput(job: Job, store: Pick<JobStore, 'root' | 'resultsDir'>, entries: Iterable<ManifestEntry> = job.manifest): EscapingOutput | undefined {
  // The same folder for every row: worked out once, not 100,000 times.
  const resultsDir = toWorkspaceRelative(store.root, store.resultsDir(job.id));
  for (const entry of entries) {
    for (const location of ['store', 'besideSource'] as const) {
      const outputPath = outputPathFor(job, entry, location, store, resultsDir);
      const reason = lexicalEscape(outputPath);
      if (reason) return { sourcePath: entry.relativePath, outputPath, reason };
    }
  }
  return undefined;
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
