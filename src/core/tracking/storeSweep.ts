import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { processAlive } from '../util/fileLock';

/** Leftovers a process killed mid-write leaves: `<file>.<pid>.<random>.tmp`, and the lock's `store.lock.<pid>.<token>` candidate. */
const TEMP_FILE = /\.(\d+)\.[0-9a-z]+\.tmp$/;
const LOCK_CANDIDATE = /^store\.lock\.(\d+)\.[0-9a-f]+$/;
/** A job's rows log generation (`jobs/<id>.rows.<generation>.jsonl`, see jobRowsLog.ts). */
const ROWS_LOG = /^(.+)\.rows\.[0-9a-f]+\.jsonl$/;
/** Younger leftovers may belong to a write in progress in a process whose pid we cannot see (another container). */
const MIN_AGE_MS = 60_000;

export interface SweepReport {
  /** Workspace-relative paths removed. */
  removed: string[];
}

/**
 * Removes temporary and lock-candidate files in the store (`.batchlens/`, its `jobs/`, `requests/`
 * and each `results/<job>/` folder) that a killed process left behind: only files whose process is
 * gone and that are older than a minute, so a write in progress elsewhere is never touched, and rows
 * logs no job header names (a crash between a new log generation and its header). The live
 * `store.lock` itself is the store's business (it breaks stale locks itself).
 */
export async function sweepStoreLeftovers(root: string, now: number = Date.now()): Promise<SweepReport> {
  const store = path.join(root, '.batchlens');
  const report: SweepReport = { removed: [] };
  const folders = [store, path.join(store, 'jobs'), path.join(store, 'requests')];
  const results = path.join(store, 'results');
  for (const job of await fs.readdir(results, { withFileTypes: true }).catch(() => [])) {
    if (job.isDirectory()) folders.push(path.join(results, job.name));
  }
  for (const folder of folders) {
    for (const name of await fs.readdir(folder).catch(() => [] as string[])) {
      const pid = Number((TEMP_FILE.exec(name) ?? LOCK_CANDIDATE.exec(name))?.[1]);
      if (!pid || processAlive(pid)) continue;
      const file = path.join(folder, name);
      const stat = await fs.lstat(file).catch(() => undefined);
      if (!stat?.isFile() || now - stat.mtimeMs < MIN_AGE_MS) continue;
      await fs.rm(file, { force: true });
      report.removed.push(path.relative(root, file).split(path.sep).join('/'));
    }
  }
  await sweepOrphanRowsLogs(root, path.join(store, 'jobs'), now, report);
  return report;
}

/**
 * Rows logs no job header names: a new generation written by a process killed before its header, or
 * the logs of a job whose header was removed by hand. Older than a minute only, like the rest.
 */
async function sweepOrphanRowsLogs(root: string, jobs: string, now: number, report: SweepReport): Promise<void> {
  for (const name of await fs.readdir(jobs).catch(() => [] as string[])) {
    const jobId = ROWS_LOG.exec(name)?.[1];
    if (!jobId) continue;
    const header = await fs.readFile(path.join(jobs, `${jobId}.json`), 'utf8').catch(() => undefined);
    if (header !== undefined && namesLog(header, `jobs/${name}`)) continue;
    const file = path.join(jobs, name);
    const stat = await fs.lstat(file).catch(() => undefined);
    if (!stat?.isFile() || now - stat.mtimeMs < MIN_AGE_MS) continue;
    await fs.rm(file, { force: true });
    report.removed.push(path.relative(root, file).split(path.sep).join('/'));
  }
}

/** Whether a job file names this rows log; an unreadable header keeps every log (it may be mid-repair). */
function namesLog(header: string, rowsFile: string): boolean {
  try {
    const value = JSON.parse(header) as { rowsFile?: unknown };
    return typeof value.rowsFile !== 'string' || value.rowsFile === rowsFile;
  } catch {
    return true;
  }
}
