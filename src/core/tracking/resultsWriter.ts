import { promises as fs, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { BatchApi, MessageBatchIndividualResponse } from '../api/batchApi';
import { renderTemplateText } from '../jobs/templateText';
import type { Logger } from '../util/logger';
import { adoptedManifestEntry, recordAdoptedRows, resultsLocationFor } from './adoptedRows';
import type { BatchRecord, Job, JobStore, ManifestEntry, ResultsTally, RowAttempt, RowOutcome, RowsBasis } from '../jobs/jobModel';
import { type RowStatsContext, withAttempt } from './jobRowStats';
import { rowsLogPlaceOf, rowsWereRead } from './jobRowsLog';
import { RowsLogIndex, UnindexableLogError } from './rowsLogIndex';
import type { ContextRowsBasis } from './jobStore';
import { downloadRawResults } from './rawResults';
import { OutsideWorkspaceError, alternativeName, confineToWorkspace, toWorkspaceRelative } from './workspacePaths';
import { writeFileAtomic } from '../util/atomicWrite';
import { sha256Hex } from '../util/sha256';

/** `store`: `.batchlens/results/<job>/...`; `besideSource`: next to each source file (setting `batchlens.results.location`). */
export type ResultsLocation = 'store' | 'besideSource';

/** What to do when an output would replace a file Batchlens did not write (or one the user changed since). */
export type ConflictChoice = 'overwrite' | 'alternate' | 'skip';

export interface ResultsDownloadOptions {
  store: JobStore;
  api: BatchApi;
  logger: Logger;
  location?: ResultsLocation;
  /** Asked once per conflicting file; without it the output goes to `<name>.1.<ext>` (the user's file is kept). */
  onConflict?: (relativePath: string) => Promise<ConflictChoice>;
  /** Read every ended batch again from its first line (files whose content is unchanged are not rewritten). */
  force?: boolean;
  signal?: AbortSignal;
  /** How many times a cut stream is resumed within one call before giving up (progress is kept either way). */
  maxResumes?: number;
  /**
   * Progress is first saved after this many lines, then whenever the unsaved lines reach the saved
   * ones, at most every `MAX_LINES_BETWEEN_SAVES` lines (within a chunk too; always at the end, and on
   * a failure).
   */
  saveEveryLines?: number;
  /**
   * How many written files the report lists (all when not set); `writtenCount` counts every one. A
   * caller that shows a few keeps the report's memory from growing with the rows.
   */
  listWritten?: number;
}

export interface WrittenFile {
  customId: string;
  /** Workspace-relative path of the output file. */
  outputPath: string;
  /** Workspace-relative path of the source file the row came from. */
  sourcePath: string;
  change: 'created' | 'updated';
}

export interface SkippedOutput {
  customId: string;
  outputPath: string;
  reason: string;
}

export interface ResultsReport {
  jobId: string;
  /**
   * Output files written by this call (new or changed content), the first `listWritten` of them when
   * that option is set; empty on an idempotent re-run.
   */
  written: WrittenFile[];
  /** How many output files this call wrote (listed or not). */
  writtenCount: number;
  /** Outputs whose file already had exactly this content. */
  unchanged: number;
  skipped: SkippedOutput[];
  /** custom_ids in the results that the manifest does not know: reported, never written. */
  unknownCustomIds: string[];
  /** Outcomes of the rows read by this call. */
  outcomes: Record<RowOutcome, number>;
  /** Raw JSONL files (workspace-relative), one per batch read. */
  rawFiles: string[];
  /** Batches whose results were read (in full or from where an earlier download stopped). */
  batchesRead: number;
  /** Batches still running, whose results do not exist yet. */
  batchesPending: number;
  /**
   * Per batch read by this call: its raw file and what that file holds by result type (every line,
   * including lines processed by an earlier call), to compare with the batch's `request_counts`.
   */
  batches: Array<{ batchId: string; rawFile: string; tally: ResultsTally }>;
}

/**
 * What Batchlens wrote where: may a file found at an output's place be replaced? Asked only when an
 * existing file's content is neither the output's nor unchanged, so a first download into empty
 * folders never asks.
 */
interface Ledger {
  /** Notes a write of this call (saved with the next progress save). */
  remember(relative: string, hash: string): void;
  /** Whether Batchlens wrote exactly this content at this path (this call, or any job before it). */
  wrote(relative: string, hash: string): Promise<boolean>;
}

/**
 * The ledger of a job read whole: this call's own writes are kept as one hash per path (the last one),
 * and what every job of the store recorded is read on the first question.
 */
class LoadedLedger implements Ledger {
  /** Workspace-relative path -> hash of the content this call last wrote (or found unchanged) there. */
  private readonly writtenNow = new Map<string, string>();
  private recorded: Promise<Map<string, Set<string>>> | undefined;

  constructor(private readonly store: JobStore) {}

  remember(relative: string, hash: string): void {
    this.writtenNow.set(relative, hash);
  }

  async wrote(relative: string, hash: string): Promise<boolean> {
    if (this.writtenNow.get(relative) === hash) return true;
    this.recorded ??= recordedHashes(this.store);
    return (await this.recorded).get(relative)?.has(hash) === true;
  }
}

/**
 * The ledger of a job whose log is indexed: this call's writes not saved yet are kept until the next
 * save, after which the job's log (which the index follows) says them; every other job of the store is
 * asked through an index of its own log, built on the first question. Nothing grows with the rows.
 */
class IndexedLedger implements Ledger {
  private unsaved = new Map<string, string>();
  private others: Promise<Array<(relative: string) => string | undefined>> | undefined;
  private readonly otherIndexes: RowsLogIndex[] = [];

  constructor(
    private readonly store: JobStore,
    private readonly rows: IndexedRows,
  ) {}

  remember(relative: string, hash: string): void {
    this.unsaved.set(relative, hash);
  }

  /** The writes remembered so far are in the job's log now. */
  saved(): void {
    this.unsaved = new Map();
  }

  async wrote(relative: string, hash: string): Promise<boolean> {
    if (this.unsaved.get(relative) === hash || this.rows.index.writtenHashOf(relative) === hash) return true;
    this.others ??= this.otherJobs();
    const lookups = await this.others;
    try {
      return lookups.some((writtenHashOf) => writtenHashOf(relative) === hash);
    } finally {
      // Asked rarely (a conflict): an index of another job keeps no file open between questions.
      this.otherIndexes.forEach((index) => index.close());
    }
  }

  close(): void {
    this.otherIndexes.forEach((index) => index.close());
  }

  private async otherJobs(): Promise<Array<(relative: string) => string | undefined>> {
    const lookups: Array<(relative: string) => string | undefined> = [];
    for (const job of await this.store.list()) {
      if (job.id === this.rows.jobId) continue;
      const place = rowsLogPlaceOf(job);
      if (place) {
        const index = RowsLogIndex.open(place, { writtenOnly: true });
        this.otherIndexes.push(index);
        lookups.push((relative) => index.writtenHashOf(relative));
      } else {
        const files = job.writtenFiles ?? {};
        lookups.push((relative) => (Object.prototype.hasOwnProperty.call(files, relative) ? files[relative] : undefined));
      }
    }
    return lookups;
  }
}

const DEFAULT_SAVE_EVERY_LINES = 500;
/**
 * A save appends the new rows to the job's rows log (it never rewrites earlier rows), so saves are
 * spaced geometrically (the unsaved lines reach the saved ones) only up to this many lines, then come
 * every this many, in the middle of a chunk too: the attempts waiting for a save are few and
 * short-lived, so most are dropped before the young generation promotes them to the old one, where
 * they would pile up until a full collection. Measured at 100k rows through the CLI: saves every
 * 10,000 lines peaked ~70 MB higher, and every 1,000 lines checked only between 1 MB chunks (about
 * 1,200 lines) ~25 MB higher, than every 500 lines.
 * A crash redoes at most about this many lines, from the results file already on disk (no network), and
 * idempotently: unchanged outputs are not rewritten.
 */
export const MAX_LINES_BETWEEN_SAVES = 500;
const DEFAULT_MAX_RESUMES = 3;
const MAX_ALTERNATIVES = 50;

/**
 * Streams the results of every ended batch of a job into files: the raw JSONL line by line
 * (`<resultsDir>/<batchId>.jsonl`) and one output per succeeded row, mapped back to its source through
 * the manifest. Resumes where an earlier (cut) download stopped, and resumes a stream cut during this
 * call; a re-run writes nothing whose content is unchanged. Outputs never leave the workspace and
 * never replace a file Batchlens did not write. Every row's outcome becomes a RowAttempt.
 * @throws the API's error when a batch cannot be read (progress up to that point is saved).
 */
export async function downloadResults(jobId: string, options: ResultsDownloadOptions): Promise<ResultsReport> {
  const { store } = options;
  const job = await store.get(jobId);
  if (!job) {
    throw new Error(`no job '${jobId}' in ${store.root}`);
  }
  const report: ResultsReport = {
    jobId,
    written: [],
    writtenCount: 0,
    unchanged: 0,
    skipped: [],
    unknownCustomIds: [],
    outcomes: { succeeded: 0, errored: 0, canceled: 0, expired: 0 },
    rawFiles: [],
    batchesRead: 0,
    batchesPending: 0,
    batches: [],
  };
  let rows: JobRows | undefined;
  try {
    const downloads: BatchDownload[] = [];
    for (const batch of job.batches) {
      if (!batch.batchId) {
        continue;
      }
      // An adopted batch is not known to be this job's until reconciliation checked its results.
      if (batch.status !== 'ended' || batch.adoption === 'unverified') {
        report.batchesPending += 1;
        continue;
      }
      if (batch.resultsComplete && !options.force) {
        continue;
      }
      rows ??= jobRowsFor(job, store);
      downloads.push(new BatchDownload(job, batch, options, report, rows));
    }
    // Every body is on disk before any is processed: a download's network buffers then never add to the
    // memory that processing a batch of 80,000 rows has grown to (that sum was the peak of a 100k-row
    // job). A body that cannot be downloaded stops the downloads; the ones already on disk are still
    // processed, then its error is thrown.
    let failure: { error: unknown } | undefined;
    const ready: Array<{ download: BatchDownload; rawPath: string }> = [];
    for (const download of downloads) {
      try {
        ready.push({ download, rawPath: await download.fetch() });
      } catch (error) {
        failure = { error };
        break;
      }
    }
    for (const { download, rawPath } of ready) {
      await download.process(rawPath);
      report.batchesRead += 1;
    }
    if (failure) throw failure.error;
  } finally {
    rows?.close();
  }
  return report;
}

/**
 * What a download needs of the job's rows: each custom id's manifest entry, the rows as they were
 * before each save (for the store's row stats), and what was written where.
 */
interface JobRows {
  readonly ledger: Ledger;
  readonly basis: RowsBasis;
  entryOf(customId: string): ManifestEntry | undefined;
  /** After a save appended these attempts (and the ledger's writes) to the job. */
  saved(attempts: ReadonlyMap<string, RowAttempt>): Promise<void>;
  close(): void;
}

/**
 * A job from a store that keeps its rows in a log is read through an index of that log, so a download's
 * memory does not grow with the job's rows; a job the index cannot key (adopted rows) or from another
 * store is read whole.
 */
function jobRowsFor(job: Job, store: JobStore): JobRows {
  const place = !job.adopted && store.appendResults && store.canAppendResults?.(job) ? rowsLogPlaceOf(job) : undefined;
  if (place && !rowsWereRead(job)) {
    try {
      return new IndexedRows(job, store, RowsLogIndex.open(place));
    } catch (error) {
      if (!(error instanceof UnindexableLogError)) throw error;
    }
  }
  return new LoadedRows(job, store);
}

/** The rows of a job read whole (its manifest by custom id, built once per download). */
class LoadedRows implements JobRows {
  readonly ledger: LoadedLedger;
  readonly basis: DownloadBasis;
  private manifest: Map<string, ManifestEntry> | undefined;

  constructor(
    private readonly job: Job,
    store: JobStore,
  ) {
    this.ledger = new LoadedLedger(store);
    this.basis = new DownloadBasis(job);
  }

  entryOf(customId: string): ManifestEntry | undefined {
    this.manifest ??= new Map(this.job.manifest.map((entry) => [entry.customId, entry]));
    return this.manifest.get(customId);
  }

  async saved(attempts: ReadonlyMap<string, RowAttempt>): Promise<void> {
    this.basis.recorded(attempts);
  }

  close(): void {}
}

/**
 * The rows of a job answered from an index of its rows log: a manifest entry or a row's attempts are read
 * back from the log when asked for, and after each save the index takes in the lines the save appended,
 * so the rows before the next save, and this call's written files, are what the log says.
 */
class IndexedRows implements JobRows {
  readonly ledger: IndexedLedger;
  readonly basis: ContextRowsBasis;
  readonly jobId: string;

  constructor(
    job: Job,
    private readonly store: JobStore,
    readonly index: RowsLogIndex,
  ) {
    this.jobId = job.id;
    this.ledger = new IndexedLedger(store, this);
    let context: RowStatsContext | undefined;
    this.basis = {
      job,
      rowsBefore: (customId) => index.attemptsOf(customId),
      rowStatsContext: () => (context ??= index.statsContext(job.batches, job.template.model)),
    };
  }

  entryOf(customId: string): ManifestEntry | undefined {
    return this.index.entryOf(customId);
  }

  async saved(): Promise<void> {
    const place = rowsLogPlaceOf((await this.store.get(this.jobId)) as Job);
    if (place) this.index.follow(place);
    this.ledger.saved();
  }

  close(): void {
    this.index.close();
    this.ledger.close();
  }
}

/** Workspace-relative path -> hashes of content Batchlens wrote there, as every job of the store recorded it. */
async function recordedHashes(store: JobStore): Promise<Map<string, Set<string>>> {
  const hashes = new Map<string, Set<string>>();
  for (const job of await store.list()) {
    for (const [file, hash] of Object.entries(job.writtenFiles ?? {})) {
      hashes.set(file, (hashes.get(file) ?? new Set()).add(hash));
    }
  }
  return hashes;
}

/**
 * Bytes read from the raw results file per synchronous step: about 1,200 rows of ~0.8 KB, handled
 * without a turn of the event loop (~0.1 s), then progress may be saved.
 */
export const CHUNK_BYTES = 1 << 20;

/**
 * One batch's results: `fetch` downloads the whole body to disk (rawResults.ts) and moves it into place
 * under the store lock; `process` then reads that file in large synchronous chunks: per row one output
 * file created with a single exclusive write in the common case, and the slow, careful path (existing
 * file, conflict, symlink) only when that write finds something there.
 */
class BatchDownload {
  private readonly batchId: string;
  private readonly rawRelative: string;
  private readonly resultsDirRelative: string;
  /** Lines already processed by an earlier call (their rows are in the store). */
  private readonly processedBefore: number;
  private linesProcessed = 0;
  private pendingAttempts = new Map<string, RowAttempt>();
  private pendingFiles = new Map<string, string>();
  private readonly unknown = new Set<string>();
  private linesSinceSave = 0;
  private readonly tally: ResultsTally = { lines: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0, unknown: 0 };
  /** Workspace-relative folders checked to lie inside the workspace and created -> their absolute path. */
  private readonly readyFolders = new Map<string, string>();

  constructor(
    private readonly job: Job,
    private readonly batch: BatchRecord,
    private readonly options: ResultsDownloadOptions,
    private readonly report: ResultsReport,
    private readonly rows: JobRows,
  ) {
    this.batchId = batch.batchId as string;
    this.processedBefore = options.force ? 0 : batch.resultsLinesWritten ?? 0;
    this.resultsDirRelative = toWorkspaceRelative(options.store.root, options.store.resultsDir(job.id));
    this.rawRelative = `${this.resultsDirRelative}/${this.batchId}.jsonl`;
    (batch.unknownCustomIds ?? []).forEach((id) => this.unknown.add(id));
  }

  /** Puts the batch's whole results body in its raw file (unless an earlier call did); returns the file's checked path. */
  async fetch(): Promise<string> {
    const rawPath = await confineToWorkspace(this.options.store.root, this.rawRelative);
    await fs.mkdir(path.dirname(rawPath), { recursive: true });
    this.report.rawFiles.push(this.rawRelative);
    const haveBody = this.batch.resultsDownloaded === true && !this.options.force && (await fs.stat(rawPath).catch(() => undefined))?.isFile() === true;
    if (!haveBody) {
      await this.fetchBody(rawPath);
    }
    return rawPath;
  }

  /** Writes the outputs of the rows in the raw file `fetch` put in place, saving progress as it goes. */
  async process(rawPath: string): Promise<void> {
    try {
      await this.processFile(rawPath);
    } catch (error) {
      await this.save(false);
      throw error;
    }
    await this.save(true);
    this.report.batches.push({ batchId: this.batchId, rawFile: this.rawRelative, tally: { ...this.tally } });
    this.report.unknownCustomIds.push(...[...this.unknown].filter((id) => !this.report.unknownCustomIds.includes(id)));
    if (this.unknown.size > 0) {
      this.options.logger.warn(`Results of ${this.batchId} name custom_ids the manifest does not know (not written): ${[...this.unknown].join(', ')}`);
    }
  }

  /**
   * Downloads the body to a temp file of this call, then moves it into place under the store lock, so
   * two downloads at once never mix their lines and every saved `rawLine` points into a whole body.
   */
  private async fetchBody(rawPath: string): Promise<void> {
    const { tempPath } = await downloadRawResults({
      api: this.options.api,
      batchId: this.batchId,
      rawPath,
      logger: this.options.logger,
      signal: this.options.signal,
      maxResumes: this.options.maxResumes ?? DEFAULT_MAX_RESUMES,
    });
    try {
      await this.options.store.update(this.job.id, async (job) => {
        const record = job.batches.find((candidate) => candidate.batchId === this.batchId);
        await fs.rename(tempPath, rawPath);
        if (record) {
          record.resultsDownloaded = true;
        }
      });
    } finally {
      await fs.rm(tempPath, { force: true });
    }
  }

  /** Reads the raw file in large chunks; each chunk's rows are handled without yielding, then progress may be saved. */
  private async processFile(rawPath: string): Promise<void> {
    const handle = await fs.open(rawPath, 'r');
    try {
      let buffer = Buffer.alloc(CHUNK_BYTES);
      let position = 0;
      let lineIndex = 0;
      for (;;) {
        if (this.options.signal?.aborted) {
          throw Object.assign(new Error('The results download was cancelled.'), { name: 'AbortError', kind: 'aborted' });
        }
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
        if (bytesRead === 0) {
          break;
        }
        // Up to the last newline, so no line or character is split; the rest is read again next time.
        let end = buffer.subarray(0, bytesRead).lastIndexOf(0x0a);
        if (end === -1) {
          if (bytesRead === buffer.length) {
            buffer = Buffer.alloc(buffer.length * 2);
            continue;
          }
          end = bytesRead;
        }
        position += end + 1;
        // One line decoded at a time: splitting the whole chunk first kept every line of it alive until
        // the chunk was done, long enough to be promoted out of the young generation (old-space garbage
        // that grew the heap with the rows).
        for (let start = 0; start <= end; lineIndex += 1) {
          const newline = buffer.indexOf(0x0a, start);
          const lineEnd = newline === -1 || newline > end ? end : newline;
          const careful = this.handleLine(buffer.toString('utf8', start, lineEnd), lineIndex);
          start = lineEnd + 1;
          if (careful) {
            await careful;
          }
          if (this.linesSinceSave >= MAX_LINES_BETWEEN_SAVES) {
            await this.saveIfDue();
          }
        }
        await this.saveIfDue();
      }
    } finally {
      await handle.close();
    }
  }

  /** Synchronous unless the row needs the careful path (an existing file, a conflict question). */
  private handleLine(rawLine: string, lineIndex: number): Promise<void> | undefined {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line.trim() === '') {
      return undefined;
    }
    let row: MessageBatchIndividualResponse;
    try {
      row = JSON.parse(line) as MessageBatchIndividualResponse;
    } catch {
      throw new Error(`Line ${lineIndex + 1} of ${this.rawRelative} is not valid JSON; download the results again with --force.`);
    }
    const type = row?.result?.type;
    this.tally.lines += 1;
    if (type === 'succeeded' || type === 'errored' || type === 'canceled' || type === 'expired') {
      this.tally[type] += 1;
    }
    const entry = typeof row.custom_id === 'string' ? this.rows.entryOf(row.custom_id) ?? adoptedManifestEntry(this.job, row.custom_id) : undefined;
    if (!entry) {
      this.tally.unknown += 1;
      this.unknown.add(String(row.custom_id));
    }
    if (lineIndex < this.processedBefore) {
      return undefined;
    }
    this.linesProcessed = lineIndex + 1;
    this.linesSinceSave += 1;
    if (!entry) {
      return undefined;
    }
    const attempt = attemptFromResult(this.batchId, row);
    attempt.rawLine = lineIndex;
    this.report.outcomes[attempt.outcome] += 1;
    this.pendingAttempts.set(entry.customId, attempt);
    if (row.result.type !== 'succeeded') {
      return undefined;
    }
    const desired = outputPathFor(this.job, entry, resultsLocationFor(this.job, this.options.location ?? 'store'), this.options.store, this.resultsDirRelative);
    const text = messageText(row.result.message.content);
    const content = text.endsWith('\n') ? text : `${text}\n`;
    const target = this.directTarget(desired);
    if (target !== undefined && this.createNew(entry, desired, target, content, attempt)) {
      return undefined;
    }
    return this.writeOutput(entry, desired, content).then((outputPath) => {
      if (outputPath) {
        attempt.outputPath = outputPath;
      }
    });
  }

  /** The absolute path for a direct create: a plain relative path into a folder the careful path already checked. */
  private directTarget(relative: string): string | undefined {
    const { folder, name } = splitFileName(relative);
    // The folder part passed the careful path's checks when it was noted; only the name is new here.
    if (name === '' || name === '.' || name === '..' || name.includes('\0') || !isPlainFileName(name)) {
      return undefined;
    }
    const absoluteFolder = this.readyFolders.get(folder);
    return absoluteFolder === undefined ? undefined : `${absoluteFolder}${path.sep}${name}`;
  }

  /**
   * The common case, synchronously: the output does not exist yet, so it is created exclusively
   * (`wx` never follows or replaces anything already there) in one open + write + close on this thread.
   * Handing each small file to the thread pool cost three round trips a row and left this thread idle
   * half the time (measured at 100k rows). Returns false when something is there (or the create failed
   * otherwise): the row then takes the careful path, in turn.
   */
  private createNew(entry: ManifestEntry, relative: string, absolute: string, content: string, attempt: RowAttempt): boolean {
    try {
      writeFileSync(absolute, content, { flag: 'wx' });
    } catch {
      return false;
    }
    attempt.outputPath = relative;
    this.remember(relative, sha256Hex(content));
    this.noteWritten({ customId: entry.customId, outputPath: relative, sourcePath: entry.relativePath, change: 'created' });
    return true;
  }

  /** Places one output the careful way; returns its workspace-relative path, or undefined when it was skipped. */
  private async writeOutput(entry: ManifestEntry, desired: string, content: string): Promise<string | undefined> {
    const contentHash = sha256Hex(content);
    let asked = false;
    for (let n = 0; n <= MAX_ALTERNATIVES; n++) {
      const candidate = n === 0 ? desired : alternativeName(desired, n);
      let absolute: string;
      try {
        absolute = await confineToWorkspace(this.options.store.root, candidate);
      } catch (error) {
        if (error instanceof OutsideWorkspaceError) {
          this.skip(entry, candidate, error.message);
          return undefined;
        }
        throw error;
      }
      const existing = await fs.readFile(absolute).catch(() => undefined);
      if (existing === undefined) {
        await this.write(entry, candidate, absolute, content, contentHash, 'created');
        this.noteReadyFolder(candidate, absolute);
        return candidate;
      }
      const existingHash = sha256Hex(existing);
      if (existingHash === contentHash) {
        this.report.unchanged += 1;
        this.remember(candidate, contentHash);
        return candidate;
      }
      if (await this.rows.ledger.wrote(candidate, existingHash)) {
        await this.write(entry, candidate, absolute, content, contentHash, 'updated');
        return candidate;
      }
      if (!asked && this.options.onConflict) {
        asked = true;
        const choice = await this.options.onConflict(candidate);
        if (choice === 'skip') {
          this.skip(entry, candidate, 'a file Batchlens did not write is there (kept)');
          return undefined;
        }
        if (choice === 'overwrite') {
          await this.write(entry, candidate, absolute, content, contentHash, 'updated');
          return candidate;
        }
      }
    }
    this.skip(entry, desired, `no free name among ${MAX_ALTERNATIVES} alternatives`);
    return undefined;
  }

  /** A folder the careful path has just checked and written into: later rows may create files there directly. */
  private noteReadyFolder(relative: string, absolute: string): void {
    const { folder, name } = splitFileName(relative);
    if (isPlainFileName(name)) {
      this.readyFolders.set(folder, path.dirname(absolute));
    }
  }

  private async write(entry: ManifestEntry, relative: string, absolute: string, content: string, hash: string, change: WrittenFile['change']): Promise<void> {
    // Not flushed one by one: the results file on disk is durable, and a crash rewrites any output from it.
    await writeFileAtomic(absolute, content, { durable: false });
    this.remember(relative, hash);
    this.noteWritten({ customId: entry.customId, outputPath: relative, sourcePath: entry.relativePath, change });
  }

  private noteWritten(file: WrittenFile): void {
    this.report.writtenCount += 1;
    if (this.report.written.length < (this.options.listWritten ?? Infinity)) this.report.written.push(file);
  }

  private remember(relative: string, hash: string): void {
    this.pendingFiles.set(relative, hash);
    this.rows.ledger.remember(relative, hash);
  }

  private skip(entry: ManifestEntry, outputPath: string, reason: string): void {
    this.report.skipped.push({ customId: entry.customId, outputPath, reason });
    this.options.logger.warn(`Result for ${entry.relativePath} not written: ${reason}`);
  }

  /**
   * Progress is first saved after `saveEveryLines`, then whenever the unsaved lines reach the saved
   * ones, at most every `MAX_LINES_BETWEEN_SAVES`: each save appends to the rows log, so the bytes written
   * stay linear in the rows and the rows waiting in memory stay bounded.
   */
  private async saveIfDue(): Promise<void> {
    const saved = this.linesProcessed - this.linesSinceSave;
    const first = this.options.saveEveryLines ?? DEFAULT_SAVE_EVERY_LINES;
    const threshold = Math.max(first, Math.min(saved, MAX_LINES_BETWEEN_SAVES));
    if (this.linesSinceSave >= threshold) {
      await this.save(false);
    }
  }

  /** Saves attempts, written files and the processed line count in one store update. */
  private async save(complete: boolean): Promise<void> {
    const attempts = this.pendingAttempts;
    const files = this.pendingFiles;
    this.pendingAttempts = new Map();
    this.pendingFiles = new Map();
    this.linesSinceSave = 0;
    const linesProcessed = Math.max(this.linesProcessed, this.processedBefore);
    const tally = complete ? { ...this.tally } : undefined;
    const updateBatch = (job: Job) => {
      const record = job.batches.find((candidate) => candidate.batchId === this.batchId);
      if (record) {
        record.resultsLinesWritten = linesProcessed;
        if (this.unknown.size > 0) {
          record.unknownCustomIds = [...this.unknown];
        }
        if (complete) {
          record.resultsComplete = true;
          record.resultsTally = tally;
        }
      }
    };
    const { store } = this.options;
    // Saves append to the rows log without reading the job's rows, and the store updates the row stats
    // from the appended attempts. An adopted job (its manifest grows) takes the full update, as does the
    // last save when the stats could not be kept current (the full update recomputes them).
    if (!this.job.adopted && store.appendResults && store.canAppendResults?.(this.job)) {
      const current = await store.appendResults(this.job.id, attempts, files, updateBatch, this.rows.basis);
      await this.rows.saved(attempts);
      if (current || !complete) return;
      await store.update(this.job.id, () => undefined);
      return;
    }
    await store.update(this.job.id, (job) => {
      for (const [customId, attempt] of attempts) {
        const history = job.rows[customId] ?? [];
        job.rows[customId] = history.some((earlier) => earlier.batchId === attempt.batchId)
          ? [...history.filter((earlier) => earlier.batchId !== attempt.batchId), attempt]
          : [...history, attempt];
      }
      if (files.size > 0) {
        const writtenFiles = job.writtenFiles ?? {};
        for (const [file, hash] of files) {
          writtenFiles[file] = hash;
        }
        job.writtenFiles = writtenFiles;
      }
      recordAdoptedRows(job, this.batchId, attempts.keys());
      updateBatch(job);
    });
  }
}

/** `a/b/c.md` -> folder `a/b`, name `c.md` (workspace-relative paths use `/`). */
function splitFileName(relative: string): { folder: string; name: string } {
  const slash = relative.lastIndexOf('/');
  return { folder: slash === -1 ? '' : relative.slice(0, slash), name: relative.slice(slash + 1) };
}

/** A name that is one file in its folder: on Windows a `\\` or `:` in it would name another folder or a stream. */
function isPlainFileName(name: string): boolean {
  return path.sep !== '\\' || !/[\\:]/.test(name);
}

/**
 * What the job's rows held before each save of this download: the rows as read at its start, plus the
 * attempts saved since for rows another batch of the job also holds (only those can be touched twice
 * in one download; keeping every saved attempt would grow with the rows).
 */
class DownloadBasis implements RowsBasis {
  private readonly later = new Map<string, RowAttempt[]>();
  /** Rows that more than one batch of the job holds (usually none). */
  private sharedRows: Set<string> | undefined;

  constructor(readonly job: Job) {}

  rowsBefore(customId: string): readonly RowAttempt[] {
    return this.later.get(customId) ?? this.job.rows[customId] ?? [];
  }

  /** Notes attempts just saved, for the rows a later batch of this download may touch again. */
  recorded(attempts: ReadonlyMap<string, RowAttempt>): void {
    // With one batch holding rows (the common case) no row is touched twice: nothing to keep.
    if (this.job.batches.filter((batch) => batch.customIds.length > 0).length <= 1) return;
    this.sharedRows ??= rowsInSeveralBatches(this.job);
    if (this.sharedRows.size === 0) return;
    for (const [customId, attempt] of attempts) {
      if (this.sharedRows.has(customId)) this.later.set(customId, withAttempt(this.rowsBefore(customId), attempt));
    }
  }
}

/** Custom ids held by more than one batch (a retry's rows); kept for a whole download, so only those are. */
function rowsInSeveralBatches(job: Job): Set<string> {
  const seen = new Set<string>();
  const shared = new Set<string>();
  for (const batch of job.batches) {
    for (const customId of new Set(batch.customIds)) {
      if (seen.has(customId)) shared.add(customId);
      else seen.add(customId);
    }
  }
  return shared;
}

/** The RowAttempt for one result line (`result.error.error.type` holds an errored row's class). */
export function attemptFromResult(batchId: string, row: MessageBatchIndividualResponse): RowAttempt {
  const result = row.result;
  switch (result.type) {
    case 'succeeded': {
      const usage = result.message.usage;
      return {
        batchId,
        outcome: 'succeeded',
        model: result.message.model,
        usage: {
          input_tokens: usage.input_tokens,
          output_tokens: usage.output_tokens,
          cache_creation_input_tokens: usage.cache_creation_input_tokens,
          cache_read_input_tokens: usage.cache_read_input_tokens,
          cache_creation: usage.cache_creation
            ? {
                ephemeral_5m_input_tokens: usage.cache_creation.ephemeral_5m_input_tokens,
                ephemeral_1h_input_tokens: usage.cache_creation.ephemeral_1h_input_tokens,
              }
            : usage.cache_creation,
          service_tier: usage.service_tier,
          inference_geo: usage.inference_geo,
        },
      };
    }
    case 'errored': {
      const inner = result.error?.error as { type?: unknown; message?: unknown } | undefined;
      return {
        batchId,
        outcome: 'errored',
        errorType: typeof inner?.type === 'string' ? inner.type : 'unknown_error',
        errorMessage: typeof inner?.message === 'string' ? inner.message : 'The API gave no message.',
      };
    }
    case 'canceled':
    case 'expired':
      return { batchId, outcome: result.type };
  }
}

/** The text of a message: its text blocks joined; other content as JSON so nothing is lost. */
export function messageText(content: ReadonlyArray<{ type: string; text?: string }>): string {
  const texts = content.filter((block) => block.type === 'text' && typeof block.text === 'string').map((block) => block.text as string);
  return texts.length > 0 ? texts.join('\n\n') : JSON.stringify(content, null, 2);
}

/**
 * Where a row's output goes, workspace-relative. In the store: `<resultsDir>/<pattern or path.md>`; beside
 * the source: the template's output pattern, else `<path>.<jobId>.md`.
 */
export function outputPathFor(
  job: Pick<Job, 'id' | 'template'>,
  entry: ManifestEntry,
  location: ResultsLocation,
  store: Pick<JobStore, 'root' | 'resultsDir'>,
  resultsDirRelative?: string,
): string {
  const pattern = job.template.outputPattern;
  const fromPattern = pattern ? renderTemplateText(pattern, { relativePath: entry.relativePath, content: '' }) : undefined;
  if (location === 'besideSource') {
    return fromPattern ?? `${entry.relativePath}.${job.id}.md`;
  }
  const resultsDir = resultsDirRelative ?? toWorkspaceRelative(store.root, store.resultsDir(job.id));
  return `${resultsDir}/${fromPattern ?? `${entry.relativePath}.md`}`;
}
