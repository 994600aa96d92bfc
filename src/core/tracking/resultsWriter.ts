import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { BatchApi, MessageBatchIndividualResponse } from '../api/batchApi';
import { renderTemplateText } from '../batch/templates';
import type { Logger } from '../util/logger';
import { adoptedManifestEntry, recordAdoptedRows, resultsLocationFor } from './adoptedRows';
import { failureFacts } from './apiErrors';
import type { BatchRecord, Job, JobStore, ManifestEntry, RowAttempt, RowOutcome } from './jobModel';
import { OutsideWorkspaceError, alternativeName, confineToWorkspace, sha256, toWorkspaceRelative, writeFileAtomic } from './workspacePaths';

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
   * Progress is first saved after this many lines, then whenever the unsaved lines reach a quarter of
   * the saved ones (and always at the end, and when the stream fails).
   */
  saveEveryLines?: number;
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
  /** Output files written by this call (new or changed content); empty on an idempotent re-run. */
  written: WrittenFile[];
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
}

interface Ledger {
  /** Workspace-relative path -> hashes of content Batchlens wrote there (any job). */
  hashes: Map<string, Set<string>>;
}

const DEFAULT_SAVE_EVERY_LINES = 500;
/**
 * Every save rewrites the whole job file, which grows with the rows: saving every fixed number of
 * lines made a download quadratic (100k rows = 200 rewrites of a ~100 MB file). Spacing saves
 * geometrically keeps the bytes written proportional to the rows, while a cut stream redoes at most
 * a quarter of what was read (idempotently: unchanged outputs are not rewritten).
 */
const SAVE_GROWTH_FRACTION = 0.25;
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
    unchanged: 0,
    skipped: [],
    unknownCustomIds: [],
    outcomes: { succeeded: 0, errored: 0, canceled: 0, expired: 0 },
    rawFiles: [],
    batchesRead: 0,
    batchesPending: 0,
  };
  const ledger = await loadLedger(store);
  for (const batch of job.batches) {
    if (!batch.batchId) {
      continue;
    }
    if (batch.status !== 'ended') {
      report.batchesPending += 1;
      continue;
    }
    if (batch.resultsComplete && !options.force) {
      continue;
    }
    await new BatchDownload(job, batch, options, ledger, report).run();
    report.batchesRead += 1;
  }
  return report;
}

async function loadLedger(store: JobStore): Promise<Ledger> {
  const hashes = new Map<string, Set<string>>();
  for (const job of await store.list()) {
    for (const [file, hash] of Object.entries(job.writtenFiles ?? {})) {
      hashes.set(file, (hashes.get(file) ?? new Set()).add(hash));
    }
  }
  return { hashes };
}

/** One batch's download: owns the raw file handle and the progress not yet saved. */
class BatchDownload {
  private readonly batchId: string;
  private readonly manifest: Map<string, ManifestEntry>;
  private readonly rawRelative: string;
  private linesWritten: number;
  private pendingAttempts = new Map<string, RowAttempt>();
  private pendingFiles = new Map<string, string>();
  private readonly unknown = new Set<string>();
  private linesSinceSave = 0;

  constructor(
    private readonly job: Job,
    batch: BatchRecord,
    private readonly options: ResultsDownloadOptions,
    private readonly ledger: Ledger,
    private readonly report: ResultsReport,
  ) {
    this.batchId = batch.batchId as string;
    this.manifest = new Map(job.manifest.map((entry) => [entry.customId, entry]));
    this.linesWritten = options.force ? 0 : batch.resultsLinesWritten ?? 0;
    this.rawRelative = toWorkspaceRelative(options.store.root, path.join(options.store.resultsDir(job.id), `${this.batchId}.jsonl`));
    (batch.unknownCustomIds ?? []).forEach((id) => this.unknown.add(id));
  }

  async run(): Promise<void> {
    const rawPath = await confineToWorkspace(this.options.store.root, this.rawRelative);
    this.linesWritten = await truncateToLines(rawPath, this.linesWritten);
    this.report.rawFiles.push(this.rawRelative);
    const raw = await fs.open(rawPath, 'a');
    try {
      await this.stream(raw);
    } finally {
      await raw.close();
    }
    await this.save(true);
    this.report.unknownCustomIds.push(...[...this.unknown].filter((id) => !this.report.unknownCustomIds.includes(id)));
    if (this.unknown.size > 0) {
      this.options.logger.warn(`Results of ${this.batchId} name custom_ids the manifest does not know (not written): ${[...this.unknown].join(', ')}`);
    }
  }

  private async stream(raw: fs.FileHandle): Promise<void> {
    const maxResumes = this.options.maxResumes ?? DEFAULT_MAX_RESUMES;
    for (let resumes = 0; ; resumes++) {
      try {
        const rows = this.options.api.results(this.batchId, {
          resumeFrom: { linesDelivered: this.linesWritten },
          signal: this.options.signal,
        });
        for await (const row of rows) {
          await this.handle(row, raw);
        }
        return;
      } catch (error) {
        await this.save(false);
        const facts = failureFacts(error);
        const cut = facts.kind === 'connection' && facts.linesDelivered !== undefined;
        if (!cut || resumes >= maxResumes || this.options.signal?.aborted) {
          throw error;
        }
        this.options.logger.info(`Results stream of ${this.batchId} was cut after ${this.linesWritten} lines; resuming.`);
      }
    }
  }

  private async handle(row: MessageBatchIndividualResponse, raw: fs.FileHandle): Promise<void> {
    const lineIndex = this.linesWritten;
    await raw.write(`${JSON.stringify(row)}\n`);
    this.linesWritten += 1;
    const entry = typeof row.custom_id === 'string' ? this.manifest.get(row.custom_id) ?? adoptedManifestEntry(this.job, row.custom_id) : undefined;
    if (!entry) {
      this.unknown.add(String(row.custom_id));
    } else {
      const attempt = attemptFromResult(this.batchId, row);
      attempt.rawLine = lineIndex;
      this.report.outcomes[attempt.outcome] += 1;
      if (row.result.type === 'succeeded') {
        const outputPath = await this.writeOutput(entry, messageText(row.result.message.content));
        if (outputPath) {
          attempt.outputPath = outputPath;
        }
      }
      this.pendingAttempts.set(entry.customId, attempt);
    }
    this.linesSinceSave += 1;
    const saved = this.linesWritten - this.linesSinceSave;
    const threshold = Math.max(this.options.saveEveryLines ?? DEFAULT_SAVE_EVERY_LINES, Math.floor(saved * SAVE_GROWTH_FRACTION));
    if (this.linesSinceSave >= threshold) {
      await this.save(false);
    }
  }

  /** Places one output; returns its workspace-relative path, or undefined when it was skipped. */
  private async writeOutput(entry: ManifestEntry, text: string): Promise<string | undefined> {
    const desired = outputPathFor(this.job, entry, resultsLocationFor(this.job, this.options.location ?? 'store'), this.options.store);
    const content = text.endsWith('\n') ? text : `${text}\n`;
    const contentHash = sha256(content);
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
        return candidate;
      }
      const existingHash = sha256(existing);
      if (existingHash === contentHash) {
        this.report.unchanged += 1;
        this.remember(candidate, contentHash);
        return candidate;
      }
      if (this.ledger.hashes.get(candidate)?.has(existingHash)) {
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

  private async write(entry: ManifestEntry, relative: string, absolute: string, content: string, hash: string, change: WrittenFile['change']): Promise<void> {
    await writeFileAtomic(absolute, content);
    this.remember(relative, hash);
    this.report.written.push({ customId: entry.customId, outputPath: relative, sourcePath: entry.relativePath, change });
  }

  private remember(relative: string, hash: string): void {
    this.pendingFiles.set(relative, hash);
    this.ledger.hashes.set(relative, (this.ledger.hashes.get(relative) ?? new Set()).add(hash));
  }

  private skip(entry: ManifestEntry, outputPath: string, reason: string): void {
    this.report.skipped.push({ customId: entry.customId, outputPath, reason });
    this.options.logger.warn(`Result for ${entry.relativePath} not written: ${reason}`);
  }

  /** Saves attempts, written files and the line count in one store update. */
  private async save(complete: boolean): Promise<void> {
    const attempts = this.pendingAttempts;
    const files = this.pendingFiles;
    this.pendingAttempts = new Map();
    this.pendingFiles = new Map();
    this.linesSinceSave = 0;
    const linesWritten = this.linesWritten;
    await this.options.store.update(this.job.id, (job) => {
      for (const [customId, attempt] of attempts) {
        const history = (job.rows[customId] ?? []).filter((earlier) => earlier.batchId !== attempt.batchId);
        job.rows[customId] = [...history, attempt];
      }
      recordAdoptedRows(job, this.batchId, attempts.keys());
      job.writtenFiles = { ...(job.writtenFiles ?? {}), ...Object.fromEntries(files) };
      const record = job.batches.find((candidate) => candidate.batchId === this.batchId);
      if (record) {
        record.resultsLinesWritten = linesWritten;
        if (this.unknown.size > 0) {
          record.unknownCustomIds = [...this.unknown];
        }
        if (complete) {
          record.resultsComplete = true;
        }
      }
    });
  }
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
export function outputPathFor(job: Job, entry: ManifestEntry, location: ResultsLocation, store: Pick<JobStore, 'root' | 'resultsDir'>): string {
  const pattern = job.template.outputPattern;
  const fromPattern = pattern ? renderTemplateText(pattern, { relativePath: entry.relativePath, content: '' }) : undefined;
  if (location === 'besideSource') {
    return fromPattern ?? `${entry.relativePath}.${job.id}.md`;
  }
  const resultsDir = toWorkspaceRelative(store.root, store.resultsDir(job.id));
  return `${resultsDir}/${fromPattern ?? `${entry.relativePath}.md`}`;
}

/**
 * Cuts the raw file back to exactly `lines` complete lines (what the store says was saved), so lines
 * read again after a crash are never duplicated. Returns the line count kept (fewer when the file lost some).
 */
async function truncateToLines(rawPath: string, lines: number): Promise<number> {
  await fs.mkdir(path.dirname(rawPath), { recursive: true });
  if (lines === 0) {
    await fs.writeFile(rawPath, '');
    return 0;
  }
  const handle = await fs.open(rawPath, 'a+').catch(() => undefined);
  if (!handle) {
    await fs.writeFile(rawPath, '');
    return 0;
  }
  try {
    const buffer = Buffer.alloc(64 * 1024);
    let offset = 0;
    let seen = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
      if (bytesRead === 0) {
        break;
      }
      for (let i = 0; i < bytesRead; i++) {
        if (buffer[i] === 0x0a) {
          seen += 1;
          if (seen === lines) {
            await handle.truncate(offset + i + 1);
            return lines;
          }
        }
      }
      offset += bytesRead;
    }
  } finally {
    await handle.close();
  }
  await fs.writeFile(rawPath, '');
  return 0;
}
