import { nodeCrypto } from '../util/nodeCrypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { BatchRequest } from '../api/batchApi';
import { writeFileAtomic, writeFileAtomicChunks } from '../util/atomicWrite';
import { withFileLock } from '../util/fileLock';
import { type Clock, systemClock } from '../util/clock';
import { type Logger, silentLogger } from '../util/logger';
import { checkedJobId, requestsFileFor } from '../jobs/jobIds';
import { readRequestLines } from '../jobs/requestsFile';
import { JOB_SCHEMA_VERSION, type Job, type JobStore, type NewRowsLog, type RowAttempt, type RowsBasis } from '../jobs/jobModel';
import { type JobHeaderFile, SPLIT_JOB_FORMAT, headerOf, lazyJob, readLogPrefix, readLogRange, resultsLogLines, rowsChangeOf, rowsLogLines, rowsWereRead } from './jobRowsLog';
import { type JobRowStats, type RowStatsContext, applyRowChange, computeRowStats, rowStatsContext, rowStatsKey, withAttempt } from './jobRowStats';


/** The store folder inside a workspace. */
export const STORE_DIR_NAME = '.batchlens';

/** Keeps job state out of git while letting a team share its templates. */
const STORE_GITIGNORE = [
  '# Written by Batchlens: job state, requests and results stay local; templates can be shared.',
  '*',
  '!.gitignore',
  '!templates/',
  '!templates/**',
  '',
].join('\n');

/** A job file that could not be read; reported to the user, never fatal to the listing. */
export interface StoreProblem {
  /** Path relative to the store folder. */
  file: string;
  message: string;
}

export interface FileJobStoreOptions {
  clock?: Clock;
  logger?: Logger;
  /** How long to wait for the lock before giving up. */
  lockTimeoutMs?: number;
}

export { LockTimeoutError as StoreLockTimeoutError } from '../util/fileLock';

/**
 * `JobStore` over files in `<root>/.batchlens/`: `jobs/<id>.json`, `requests/<id>.jsonl`,
 * `results/<id>/`, `queue.json`. Every write is atomic (temp file, fsync, rename) and every
 * read-modify-write runs under `store.lock` (`withFileLock`: broken only when its holder is dead). Safe with several editor windows and the CLI on one machine.
 */
export class FileJobStore implements JobStore {
  readonly root: string;
  /** Absolute path of `.batchlens/`. */
  readonly dir: string;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly lockTimeoutMs: number;
  private prepared: Promise<void> | undefined;

  constructor(root: string, options: FileJobStoreOptions = {}) {
    this.root = path.resolve(root);
    this.dir = path.join(this.root, STORE_DIR_NAME);
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.lockTimeoutMs = options.lockTimeoutMs ?? 20_000;
  }

  /** Creates `.batchlens/` with its `.gitignore` and sub-folders on first use. Idempotent. */
  ensureReady(): Promise<void> {
    this.prepared ??= this.prepare().catch((error: unknown) => {
      this.prepared = undefined;
      throw error;
    });
    return this.prepared;
  }

  private async prepare(): Promise<void> {
    await fs.mkdir(path.join(this.dir, 'jobs'), { recursive: true });
    await fs.mkdir(path.join(this.dir, 'requests'), { recursive: true });
    await fs.mkdir(path.join(this.dir, 'results'), { recursive: true });
    try {
      await fs.writeFile(path.join(this.dir, '.gitignore'), STORE_GITIGNORE, { flag: 'wx' });
    } catch (error) {
      if (!isCode(error, 'EEXIST')) throw error;
    }
  }

  async list(): Promise<Job[]> {
    const { jobs, problems } = await this.listWithProblems();
    for (const problem of problems) this.logger.warn(`Batchlens store: skipped ${problem.file}: ${problem.message}`);
    return jobs;
  }

  /** Every readable job (oldest first) and the job files that could not be read. */
  async listWithProblems(): Promise<{ jobs: Job[]; problems: StoreProblem[] }> {
    let names: string[];
    try {
      names = await fs.readdir(path.join(this.dir, 'jobs'));
    } catch (error) {
      if (isCode(error, 'ENOENT')) return { jobs: [], problems: [] };
      throw error;
    }
    const jobs: Job[] = [];
    const problems: StoreProblem[] = [];
    for (const name of names.filter((entry) => entry.endsWith('.json')).sort()) {
      const file = `jobs/${name}`;
      try {
        jobs.push(this.parseJob(await fs.readFile(path.join(this.dir, file), 'utf8')));
      } catch (error) {
        if (isCode(error, 'ENOENT')) continue;
        problems.push({ file, message: messageOf(error) });
      }
    }
    jobs.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
    return { jobs, problems };
  }

  async changeStamp(): Promise<string> {
    const jobsDir = path.join(this.dir, 'jobs');
    let names: string[];
    try {
      names = (await fs.readdir(jobsDir)).filter((entry) => entry.endsWith('.json')).sort();
    } catch (error) {
      if (isCode(error, 'ENOENT')) return '';
      throw error;
    }
    const parts: string[] = [];
    for (const name of names) {
      // A replaced file is a new inode (writes are renames), so a same-size rewrite within one mtime tick still shows.
      const stat = await fs.stat(path.join(jobsDir, name)).catch(() => undefined);
      if (stat) parts.push(`${name}:${stat.ino}:${stat.size}:${stat.mtimeMs}`);
    }
    return parts.join('|');
  }

  async get(jobId: string): Promise<Job | undefined> {
    try {
      return this.parseJob(await fs.readFile(this.jobPath(jobId), 'utf8'));
    } catch (error) {
      if (isCode(error, 'ENOENT')) return undefined;
      throw new Error(`Batchlens store: cannot read jobs/${jobId}.json: ${messageOf(error)}`, { cause: error });
    }
  }

  async create(job: Job): Promise<void> {
    await this.ensureReady();
    await this.withLock(async () => {
      const target = this.jobPath(job.id);
      if (await exists(target)) throw new Error(`Batchlens store: job ${job.id} already exists`);
      await this.writeNewGeneration(job);
    });
  }

  /**
   * `create` for a new job whose manifest is already its rows log (`JobStore.createWithRowsLog`): the
   * log is placed, then the header written; `job.manifest` is never read. Added for submit, so a
   * 100,000-row job is not turned back into one array of log lines.
   */
  async createWithRowsLog(job: Job, rowsLog: NewRowsLog): Promise<void> {
    if (job.batches.length > 0) throw new Error(`Batchlens store: job ${job.id} is not new (it has batches)`);
    await this.ensureReady();
    await this.withLock(async () => {
      if (await exists(this.jobPath(job.id))) throw new Error(`Batchlens store: job ${job.id} already exists`);
      await rowsLog.place();
      const rowsBytes = (await fs.stat(this.storePath(rowsLog.rowsFile))).size;
      // A job with no batches and no attempts: its stats are those of any such job, with its row count.
      const rowStats = { ...computeRowStats({ manifest: [], batches: [], rows: {}, template: job.template } as unknown as Job), manifestRows: rowsLog.rows };
      await writeFileAtomic(this.jobPath(job.id), serializeHeader(headerOf(job, rowsLog.rowsFile, rowsBytes, rowStats)));
    });
  }

  async update(jobId: string, mutate: (job: Job) => void | Promise<void>): Promise<Job> {
    await this.ensureReady();
    return this.withLock(async () => {
      const job = await this.get(jobId);
      if (!job) throw new Error(`Batchlens store: no job ${jobId}`);
      await mutate(job);
      await this.writeChanged(job);
      return job;
    });
  }

  /**
   * Progress of a results download without reading the job's rows: the attempts (each replacing the
   * row's earlier attempt from the same batch) and written files are appended to the log, and
   * `mutateBatches` may change the job's batch records only (not rows, manifest or custom ids). The
   * header's row stats are marked stale until the next full update recomputes them. A job still in
   * the single-file format takes the full update.
   */
  async appendResults(
    jobId: string,
    attempts: ReadonlyMap<string, RowAttempt>,
    writtenFiles: ReadonlyMap<string, string>,
    mutateBatches: (job: Job) => void,
    basis?: RowsBasis,
  ): Promise<boolean> {
    await this.ensureReady();
    return this.withLock(async () => {
      const job = await this.get(jobId);
      if (!job) throw new Error(`Batchlens store: no job ${jobId}`);
      const header = this.headerFileOf(job);
      if (!header) {
        throw new Error(`Batchlens store: job ${jobId} is not in the split format; update it first`);
      }
      mutateBatches(job);
      if (rowsWereRead(job)) throw new Error('Batchlens store: appendResults may change batch records only');
      const rowStats = basis && this.statsAfterAppend(header, job, basis, attempts);
      const rowsBytes = await this.appendLines(header, resultsLogLines(attempts, writtenFiles));
      const next = headerOf(job, header.rowsFile, rowsBytes, rowStats ?? header.rowStats);
      if (!rowStats) next.rowStatsStale = true;
      next.hasWrittenFiles = header.hasWrittenFiles || writtenFiles.size > 0;
      await writeFileAtomic(this.jobPath(jobId), serializeHeader(next));
      if (basis) basisLogs.set(basis, { rowsFile: header.rowsFile, rowsBytes });
      return rowStats !== undefined;
    });
  }

  /**
   * The header's stats with the appended attempts applied row by row, or undefined when they cannot be
   * trusted: stale already, the batches that hold rows changed, or the log grew by an append this
   * download did not make (another process), so `basis` no longer says what the rows held.
   */
  private statsAfterAppend(header: JobHeaderFile, job: Job, basis: RowsBasis, attempts: ReadonlyMap<string, RowAttempt>): JobRowStats | undefined {
    const basisHeader = this.headerFileOf(basis.job);
    const expected = basisLogs.get(basis) ?? (basisHeader && { rowsFile: basisHeader.rowsFile, rowsBytes: basisHeader.rowsBytes });
    if (header.rowStatsStale || expected?.rowsFile !== header.rowsFile || expected.rowsBytes !== header.rowsBytes) return undefined;
    if (rowStatsKey(job.batches) !== rowStatsKey(header.job.batches) || rowStatsKey(basis.job.batches) !== rowStatsKey(header.job.batches)) return undefined;
    if (!header.rowStats.usage) return undefined;
    let context = basisContexts.get(basis);
    if (!context) {
      context = isContextBasis(basis) ? basis.rowStatsContext() : rowStatsContext(basis.job);
      basisContexts.set(basis, context);
    }
    const stats = structuredClone(header.rowStats);
    for (const [customId, attempt] of attempts) {
      const before = basis.rowsBefore(customId);
      applyRowChange(stats, context, customId, before, withAttempt(before, attempt));
    }
    return stats;
  }

  /** Whether `appendResults` can take this job (it came from this store in the split format). */
  canAppendResults(job: Job): boolean {
    return this.headerFileOf(job) !== undefined;
  }

  /**
   * Appends lines at the end the header vouches for (replacing bytes a crash left after it); returns the
   * new end. Each line is encoded into one staging buffer as it comes, so a results save never holds its
   * lines as strings and their join at once (alive together, they outlived young collections and grew
   * the heap with the rows).
   */
  private async appendLines(header: JobHeaderFile, lines: Iterable<string>): Promise<number> {
    let rowsBytes = header.rowsBytes;
    let handle: fs.FileHandle | undefined;
    let staged = Buffer.allocUnsafe(APPEND_BYTES);
    let length = 0;
    const flush = async (): Promise<void> => {
      if (!handle) {
        handle = await fs.open(path.join(this.dir, header.rowsFile), 'r+');
        await handle.truncate(rowsBytes);
      }
      await handle.write(staged, 0, length, rowsBytes);
      rowsBytes += length;
      length = 0;
    };
    try {
      for (const line of lines) {
        const bytes = Buffer.byteLength(line, 'utf8') + 1;
        if (length + bytes > staged.length && length > 0) await flush();
        if (bytes > staged.length) staged = Buffer.allocUnsafe(bytes);
        length += staged.write(line, length, 'utf8');
        staged[length++] = 0x0a;
      }
      if (length > 0) await flush();
      await handle?.sync();
    } finally {
      await handle?.close();
    }
    return rowsBytes;
  }

  /**
   * Writes what `mutate` changed: the header alone when no row changed (a poll), the new rows appended
   * to the log, or a new generation of the log when the change is not an append (and for a job still
   * in the single-file format, which is migrated so). The header goes last: it vouches for the log.
   */
  private async writeChanged(job: Job): Promise<void> {
    const change = rowsChangeOf(job);
    const header = this.headerFileOf(job);
    if (change.kind === 'rewrite' || !header) {
      await this.writeNewGeneration(job);
      return;
    }
    if (change.kind === 'none') {
      await writeFileAtomic(this.jobPath(job.id), serializeHeader(headerOf(job, header.rowsFile, header.rowsBytes, change.rowStats)));
      return;
    }
    // Bytes past `rowsBytes` are from an append whose header was never written (a crash): replaced.
    const rowsBytes = await this.appendLines(header, change.lines);
    await writeFileAtomic(this.jobPath(job.id), serializeHeader(headerOf(job, header.rowsFile, rowsBytes, change.rowStats)));
  }

  /** A whole new rows log for the job, then its header; the log it replaces is removed after. */
  private async writeNewGeneration(job: Job): Promise<void> {
    const previous = this.headerFileOf(job)?.rowsFile ?? (await this.readHeaderFile(job.id))?.rowsFile;
    const rowsFile = `jobs/${checkedJobId(job.id)}.rows.${nodeCrypto().randomBytes(6).toString('hex')}.jsonl`;
    const lines = rowsLogLines(job);
    let rowsBytes = 0;
    await writeFileAtomicChunks(
      path.join(this.dir, rowsFile),
      (function* () {
        for (const line of lines) {
          const piece = `${line}\n`;
          rowsBytes += Buffer.byteLength(piece, 'utf8');
          yield piece;
        }
      })(),
    );
    await writeFileAtomic(this.jobPath(job.id), serializeHeader(headerOf(job, rowsFile, rowsBytes, computeRowStats(job))));
    if (previous && previous !== rowsFile) await fs.rm(path.join(this.dir, previous), { force: true });
  }

  /** The header a job was read from, when it came from this store in the split format. */
  private headerFileOf(job: Job): JobHeaderFile | undefined {
    return headerFiles.get(job);
  }

  private async readHeaderFile(jobId: string): Promise<JobHeaderFile | undefined> {
    const text = await readText(this.jobPath(jobId));
    if (text === undefined) return undefined;
    try {
      const value = JSON.parse(text) as Partial<JobHeaderFile>;
      return value.storeFormat === SPLIT_JOB_FORMAT ? (value as JobHeaderFile) : undefined;
    } catch {
      return undefined;
    }
  }

  /** A job from its file: a split header gives a job whose rows are read on first use; the older single file is read whole. */
  private parseJob(text: string): Job {
    const value = parseJobFile(text);
    if (!isSplitHeader(value)) return value;
    const logPath = this.storePath(value.rowsFile);
    const read = (part: () => Buffer): Buffer => {
      try {
        return part();
      } catch (error) {
        if (isCode(error, 'ENOENT')) {
          throw new Error(`Batchlens store: job ${value.job.id} was rewritten while it was being read; try again.`, { cause: error });
        }
        throw error;
      }
    };
    const job = lazyJob(value, () => read(() => readLogPrefix(logPath, value.rowsBytes)), {
      key: logPath,
      readRange: (from, to) => read(() => readLogRange(logPath, from, to)),
    });
    headerFiles.set(job, value);
    return job;
  }

  async delete(jobId: string): Promise<void> {
    await this.ensureReady();
    await this.withLock(async () => {
      const header = await this.readHeaderFile(jobId);
      await fs.rm(this.jobPath(jobId), { force: true });
      if (header) await fs.rm(this.storePath(header.rowsFile), { force: true });
      await fs.rm(this.requestsPath(jobId), { force: true });
      await fs.rm(this.resultsDir(jobId), { recursive: true, force: true });
    });
  }

  /** Keeps the exact request bodies of a job (JSONL, one `BatchRequest` per line), written atomically. */
  async writeRequests(jobId: string, requests: Iterable<BatchRequest>): Promise<string> {
    await this.ensureReady();
    // Streamed in 1 MB writes: joining 100k serialized requests first held the payload twice more.
    await writeFileAtomicChunks(this.requestsPath(jobId), (function* () {
      for (const request of requests) yield `${JSON.stringify(request)}\n`;
    })());
    return requestsFileFor(jobId);
  }

  /** The job's stored requests by custom id, read line by line with the requests file's one reader. */
  async readRequests(jobId: string): Promise<Map<string, BatchRequest>> {
    const job = await this.get(jobId);
    const file = job ? path.join(this.dir, job.requestsFile) : this.requestsPath(jobId);
    const requests = new Map<string, BatchRequest>();
    for await (const { customId, line } of readRequestLines(file)) requests.set(customId, JSON.parse(line.toString('utf8')) as BatchRequest);
    return requests;
  }

  resultsDir(jobId: string): string {
    return path.join(this.dir, 'results', checkedJobId(jobId));
  }

  /** Reads a file relative to `.batchlens/`, or undefined when it does not exist. */
  async readStoreFile(relativePath: string): Promise<string | undefined> {
    try {
      return await fs.readFile(this.storePath(relativePath), 'utf8');
    } catch (error) {
      if (isCode(error, 'ENOENT')) return undefined;
      throw error;
    }
  }

  /** Atomically replaces a file relative to `.batchlens/`. Call under `withLock` for read-modify-write. */
  async writeStoreFile(relativePath: string, text: string): Promise<void> {
    await this.ensureReady();
    await writeFileAtomic(this.storePath(relativePath), text);
  }

  /** Runs `action` while holding the store lock (`store.lock`, shared with other windows and the CLI). */
  async withLock<T>(action: () => Promise<T>): Promise<T> {
    await this.ensureReady();
    return withFileLock(path.join(this.dir, 'store.lock'), action, {
      timeoutMs: this.lockTimeoutMs,
      logger: this.logger,
      label: 'Batchlens store',
      now: () => this.clock.now(),
    });
  }

  private jobPath(jobId: string): string {
    return path.join(this.dir, 'jobs', `${checkedJobId(jobId)}.json`);
  }

  private requestsPath(jobId: string): string {
    return path.join(this.dir, requestsFileFor(jobId));
  }

  private storePath(relativePath: string): string {
    const resolved = path.resolve(this.dir, relativePath);
    if (!resolved.startsWith(this.dir + path.sep)) throw new Error(`Batchlens store: ${relativePath} is outside ${STORE_DIR_NAME}/`);
    return resolved;
  }
}

/** Bytes of log lines encoded before each write of an append. */
const APPEND_BYTES = 1 << 20;

/** Per download basis: the log (file and length) after its last append, and its rows' context (built once). */
const basisLogs = new WeakMap<RowsBasis, { rowsFile: string; rowsBytes: number }>();
const basisContexts = new WeakMap<RowsBasis, RowStatsContext>();

/**
 * A basis that gives the rows' stats context itself (a results download answering it from an index of
 * the log) instead of the store building it from every batch's custom ids.
 */
export interface ContextRowsBasis extends RowsBasis {
  rowStatsContext(): RowStatsContext;
}

function isContextBasis(basis: RowsBasis): basis is ContextRowsBasis {
  return typeof (basis as Partial<ContextRowsBasis>).rowStatsContext === 'function';
}

/** The header a split job was read from (by the job object the store handed out). */
const headerFiles = new WeakMap<Job, JobHeaderFile>();

/** One line of JSON. */
function serializeHeader(header: JobHeaderFile): string {
  return `${JSON.stringify(header)}\n`;
}

function isSplitHeader(value: Job | JobHeaderFile): value is JobHeaderFile {
  return (value as Partial<JobHeaderFile>).storeFormat !== undefined;
}

/** A split job's header, or a whole job in the single-file format written before the split. */
function parseJobFile(text: string): Job | JobHeaderFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`not valid JSON (${messageOf(error)})`, { cause: error });
  }
  if (isRecord(value) && value.storeFormat !== undefined) {
    if (typeof value.storeFormat !== 'number' || value.storeFormat > SPLIT_JOB_FORMAT) {
      throw new Error(`written by a newer Batchlens (store format ${String(value.storeFormat)}); update the extension`);
    }
    const job = value.job;
    if (!isRecord(job) || typeof job.id !== 'string' || !Array.isArray(job.batches) || typeof value.rowsFile !== 'string' || typeof value.rowsBytes !== 'number') {
      throw new Error('not a Batchlens job header (missing id, batches or rows log)');
    }
    if (typeof job.schemaVersion !== 'number' || job.schemaVersion > JOB_SCHEMA_VERSION) {
      throw new Error(`written by a newer Batchlens (schema ${String(job.schemaVersion)}); update the extension`);
    }
    return value as unknown as JobHeaderFile;
  }
  if (!isRecord(value) || typeof value.id !== 'string' || !Array.isArray(value.batches) || !Array.isArray(value.manifest)) {
    throw new Error('not a Batchlens job (missing id, batches or manifest)');
  }
  if (typeof value.schemaVersion !== 'number' || value.schemaVersion > JOB_SCHEMA_VERSION) {
    throw new Error(`written by a newer Batchlens (schema ${String(value.schemaVersion)}); update the extension`);
  }
  return value as unknown as Job;
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (error) {
    if (isCode(error, 'ENOENT')) return undefined;
    throw error;
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
