/**
 * The persisted shape of batch jobs in the workspace store (`.batchlens/`). Written by batch
 * submission, read and updated by the tracker and the CLI. Versioned: bump `JOB_SCHEMA_VERSION`
 * and add a migration when a field changes meaning.
 */
export const JOB_SCHEMA_VERSION = 1;

export type BatchProcessingStatus = 'in_progress' | 'canceling' | 'ended';

export interface RequestCounts {
  processing: number;
  succeeded: number;
  errored: number;
  canceled: number;
  expired: number;
}

/** Adds `more` into `into`, outcome by outcome. */
export function addRequestCounts(into: RequestCounts, more: RequestCounts): void {
  into.processing += more.processing;
  into.succeeded += more.succeeded;
  into.errored += more.errored;
  into.canceled += more.canceled;
  into.expired += more.expired;
}

/** One row of a job: a source file sent as one request. */
export interface ManifestEntry {
  customId: string;
  /** Workspace-relative path with forward slashes. */
  relativePath: string;
  /** sha256 of the file content that was sent, hex. */
  contentSha256: string;
  bytes: number;
  estimatedInputTokens: number;
}

/**
 * A submission intent is persisted before each create call; `batchId` is filled right after the
 * call returns. An intent with no id after a crash is reconciled against the API's batch list.
 */
export interface BatchRecord {
  /** Index of this batch within the job (0-based), stable across retries. */
  index: number;
  /** Custom ids sent in this batch. */
  customIds: string[];
  /** When the create call was about to be made (ms since epoch). */
  intentAt: number;
  /** sha256 of the serialized create body, to recognise the same submission. */
  requestsSha256: string;
  batchId?: string;
  /** Why this batch exists: the first submission, or a retry of earlier rows. */
  purpose: 'initial' | 'retry';
  status?: BatchProcessingStatus;
  counts?: RequestCounts;
  createdAt?: string;
  expiresAt?: string;
  endedAt?: string | null;
  resultsUrl?: string | null;
  /** Set when the intent could not be reconciled or the create call failed for good. */
  submitError?: string;
  /**
   * True when it is certain that no batch was created for this record (the API refused the create
   * call, or reconciliation found no matching batch after its window): its rows are safe to send again.
   * A record with `submitError` but without this flag may still exist on the API (timeout, connection).
   */
  notSubmitted?: boolean;
  /**
   * How `batchId` was learned when it did not come from the create call's own answer: reconciliation
   * adopted the only batch that fits the intent (`unverified`) and, once it ended, its results'
   * custom_ids matched this record's (`verified`). Nothing is written from an `unverified` batch.
   */
  adoption?: 'unverified' | 'verified';
  /** Several batches fit this open intent: none was adopted; they are shown to the user. */
  candidateBatchIds?: string[];
  /** Batches whose results proved they are not this record's (an adoption undone); never adopted again. */
  rejectedBatchIds?: string[];
  /** Last polling failure shown as state in the tree (never as a toast). */
  lastPollError?: string;
  /** Results lines already processed (outputs written, attempts recorded): a later call resumes after them. */
  resultsLinesWritten?: number;
  resultsComplete?: boolean;
  /** True once the raw results file holds the batch's whole results body (placed under the store lock). */
  resultsDownloaded?: boolean;
  /** Rows of the raw results file by result type, counted when they were processed. */
  resultsTally?: ResultsTally;
  /** Why the results are not complete although the stream ended (fewer rows than `counts` promise). */
  resultsError?: string;
  /** custom_ids found in this batch's results that the manifest does not know (reported, never written). */
  unknownCustomIds?: string[];
}

export type RowOutcome = 'succeeded' | 'errored' | 'canceled' | 'expired';

/** What one batch's downloaded results file holds: result lines by type (compare with `request_counts`). */
export interface ResultsTally {
  /** Non-blank lines in the raw results file. */
  lines: number;
  succeeded: number;
  errored: number;
  canceled: number;
  expired: number;
  /** Lines whose custom_id the manifest does not know (counted by type too). */
  unknown: number;
}

/** What happened to one custom id in one batch; a row keeps every attempt. */
export interface RowAttempt {
  batchId: string;
  outcome: RowOutcome;
  /** For errored rows: `result.error.error.type` and its message. */
  errorType?: string;
  errorMessage?: string;
  /** Workspace-relative output file written for a succeeded row. */
  outputPath?: string;
  usage?: UsageRecord;
  model?: string;
  /** 0-based line of this row in the batch's raw results file (`<resultsDir>/<batchId>.jsonl`). */
  rawLine?: number;
}

/** The `usage` of a succeeded result, as the API reported it. */
export interface UsageRecord {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  cache_creation?: { ephemeral_5m_input_tokens?: number; ephemeral_1h_input_tokens?: number } | null;
  service_tier?: string | null;
  inference_geo?: string | null;
}

export interface JobTemplateInfo {
  name: string;
  model: string;
  maxTokens: number;
  /** Output file pattern (see templates). */
  outputPattern?: string;
}

export interface Job {
  schemaVersion: number;
  /** e.g. `job_20261122T083000Z_ab12cd` — sortable and unique. */
  id: string;
  createdAt: number;
  template: JobTemplateInfo;
  /**
   * The tag every custom_id of this job ends with (`newCustomIdTag`), so a clone of the workspace
   * sending the same files never sends the same ids. Absent on jobs from before tags existed.
   */
  customIdTag?: string;
  manifest: ManifestEntry[];
  batches: BatchRecord[];
  /** Per custom id, every attempt in order. */
  rows: Record<string, RowAttempt[]>;
  /**
   * The preview's figures. `batchUsd`/`syncUsd` are the ceiling (every row at max_tokens); the
   * `expected*` fields (absent on jobs from before they existed) price the output the preview
   * expected, from the template's history or the default ratio (`expectedBasis`).
   */
  estimate: {
    batchUsd: number;
    syncUsd: number;
    inputTokens: number;
    outputTokensBound: number;
    expectedBatchUsd?: number;
    expectedOutputTokens?: number;
    expectedBasis?: 'history' | 'ratio';
  };
  /** Where the job's requests are kept so retries can resend them (relative to `.batchlens/`). */
  requestsFile: string;
  /**
   * Every file the tracker wrote for this job (workspace-relative path -> sha256 of what it wrote), so a
   * later download overwrites only files Batchlens wrote and the user has not changed since.
   */
  writtenFiles?: Record<string, string>;
  /**
   * Set when the job records a batch Batchlens did not submit (created by a script, a notebook, CI, a
   * colleague), adopted by id. Its rows are known only from the results, by custom_id: the manifest
   * grows as they are read, and each output is written as `<resultsDir>/<custom_id>.md`.
   */
  adopted?: AdoptedBatchInfo;
}

export interface AdoptedBatchInfo {
  batchId: string;
  /** When it was adopted (ms since epoch). */
  adoptedAt: number;
  /** The `anthropic-workspace-id` it was adopted under, when one was set. */
  workspaceId?: string;
}

/**
 * The workspace store under `<root>/.batchlens/`. Every method is safe with two editor windows and the
 * CLI at once: writes are atomic (temp file + rename) and read-modify-write goes through a lock file.
 */
export interface JobStore {
  /** The workspace root the store belongs to. */
  readonly root: string;
  list(): Promise<Job[]>;
  get(jobId: string): Promise<Job | undefined>;
  create(job: Job): Promise<void>;
  /**
   * `create` for a new job (no batches yet) whose manifest was written as its rows log while its rows
   * were built (`ManifestLog`): `rowsLog.place()` puts the log in place as `rowsLog.rowsFile`, then the
   * header naming it is written. The job's `manifest` is not read, so it is never held whole.
   */
  createWithRowsLog?(job: Job, rowsLog: NewRowsLog): Promise<void>;
  /** Reads the job fresh under the lock, applies `mutate`, writes it back atomically, returns the result. */
  update(jobId: string, mutate: (job: Job) => void | Promise<void>): Promise<Job>;
  delete(jobId: string): Promise<void>;
  /** The exact request bodies sent for the job, by custom id (kept so retries resend them unchanged). */
  readRequests(jobId: string): Promise<Map<string, import('../api/batchApi').BatchRequest>>;
  /** Absolute folder for the job's result files (`.batchlens/results/<job>`). */
  resultsDir(jobId: string): string;
  /**
   * A cheap fingerprint of every job file (names, sizes, modification times; no content read): equal
   * fingerprints mean `list()` would return the same jobs, so a caller may keep what it read last.
   */
  changeStamp?(): Promise<string>;
  /**
   * Results progress without reading the job's rows (see FileJobStore.appendResults): attempts that
   * replace the row's earlier attempt from the same batch, written files, and a change to batch
   * records only. Available when `canAppendResults(job)` says so; otherwise use `update`. With `basis`
   * the store updates the job's row stats from the appended attempts alone; resolves to whether the
   * stats are still current (false: they were marked stale, and the next full update recomputes them).
   */
  appendResults?(jobId: string, attempts: ReadonlyMap<string, RowAttempt>, writtenFiles: ReadonlyMap<string, string>, mutateBatches: (job: Job) => void, basis?: RowsBasis): Promise<boolean>;
  canAppendResults?(job: Job): boolean;
}

/** A new job's rows log, written before the job exists (see `JobStore.createWithRowsLog`). */
export interface NewRowsLog {
  /** Its name relative to the store folder once placed. */
  readonly rowsFile: string;
  /** Manifest rows it holds. */
  readonly rows: number;
  place(): Promise<void>;
}

/** What a job's rows held before an append: lets the store update row stats from the appended attempts alone. */
export interface RowsBasis {
  /** The job as the download read it from this store (rows read). */
  job: Job;
  /** A row's attempts just before the attempts now appended (what `job` read plus earlier appends of this download). */
  rowsBefore(customId: string): readonly RowAttempt[];
}

/**
 * The one "is it running" predicate: true while the API may still process a batch record's rows —
 * an open intent (no id yet, not proven unsent: the create's answer may have been lost) or a batch
 * not yet seen ended. A job runs while any of its records does (`isJobRunning`); the tracker's badge,
 * the tree, the poller and the in-flight guard all ask this.
 */
export function isBatchInFlight(batch: BatchRecord): boolean {
  return batch.batchId === undefined ? !batch.notSubmitted : batch.status !== 'ended';
}
