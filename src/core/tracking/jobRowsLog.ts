import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import type { BatchRecord, Job, ManifestEntry, RowAttempt } from '../jobs/jobModel';
import { manifestLogLine } from '../jobs/manifestLog';
import { type JobRowStats, attachStoredRowStats, computeRowStats, holdsRows, rowStatsKey } from './jobRowStats';
import { DigestSet } from '../util/digestSet';

/*
 * A job on disk is two files: a small header (`jobs/<id>.json`: everything but the rows, rewritten
 * atomically on every change) and a rows log (`jobs/<id>.rows.<generation>.jsonl`) that only grows.
 * A poll that changes a batch's status rewrites the header alone; processing results appends the new
 * attempts. The header names the log and how many of its bytes count, so bytes a crash left after the
 * last header write are ignored (and overwritten by the next append). A change that is not an append
 * (rows removed, an attempt replaced in the middle) writes a new generation of the log.
 *
 * Log lines, replayed in order:
 *   {"m": ManifestEntry}                 a manifest row
 *   {"b": position, "c": [customId...]}  custom ids added to the batch at that position of `batches`
 *   {"r": customId}                      a row with no attempt yet
 *   {"r": customId, "a": RowAttempt}     an attempt appended to the row
 *   {"r": customId, "a": RowAttempt, "x": 1}  the same, replacing the row's attempts from that batch
 *   {"w": path, "h": sha256}             a file the tracker wrote (`writtenFiles`)
 */

/** On-disk format of a split job; a job file without it is the single-file format before it. */
export const SPLIT_JOB_FORMAT = 2;

export interface JobHeaderFile {
  storeFormat: number;
  /** The rows log, relative to the store folder. */
  rowsFile: string;
  /** Bytes of the rows log that belong to this header. */
  rowsBytes: number;
  rowStats: JobRowStats;
  /** Rows were appended after `rowStats` was computed (a results download in progress): count from the rows. */
  rowStatsStale?: boolean;
  /** Whether the log holds `writtenFiles` lines. */
  hasWrittenFiles: boolean;
  /** The job without manifest, rows, writtenFiles and batches' customIds. */
  job: Omit<Job, 'manifest' | 'rows' | 'writtenFiles'>;
}

interface RowsData {
  manifest: ManifestEntry[];
  rows: Record<string, RowAttempt[]>;
  writtenFiles: Record<string, string> | undefined;
  customIds: string[][];
}

/** What was read from the log, to tell an append from a rewrite after a change. */
interface Snapshot {
  manifest: ManifestEntry[];
  rows: Map<string, RowAttempt[]>;
  writtenFiles: Map<string, string>;
  customIds: string[][];
  batches: BatchRecord[];
}

/** Where a job's log can be read from part of the way (its bytes up to a header's count never change). */
export interface LogSource {
  /** Names the log generation (its absolute path: a new generation is a new file). */
  key: string;
  readRange: (from: number, to: number) => Buffer;
}

/** A job handed out by the store: its rows are read from the log on first use. */
interface LazyState {
  header: JobHeaderFile;
  logSource: LogSource;
  /** The batch records handed out (a change that keeps them, in place, and only adds batches may be appended without reading the rows). */
  batches: BatchRecord[];
  /** Reads the log (once) and keeps a snapshot of what it said. */
  load: () => RowsData;
  data?: RowsData;
  snapshot?: Snapshot;
}

const lazyStates = new WeakMap<Job, LazyState>();

/** The log lines of a whole job (a new generation). */
export function rowsLogLines(job: Job): string[] {
  const lines: string[] = [];
  for (const entry of job.manifest) lines.push(manifestLogLine(entry));
  job.batches.forEach((batch, position) => {
    if (batch.customIds.length > 0) lines.push(JSON.stringify({ b: position, c: batch.customIds }));
  });
  for (const [customId, attempts] of Object.entries(job.rows)) {
    if (attempts.length === 0) lines.push(JSON.stringify({ r: customId }));
    for (const attempt of attempts) lines.push(JSON.stringify({ r: customId, a: attempt }));
  }
  for (const [file, hash] of Object.entries(job.writtenFiles ?? {})) lines.push(JSON.stringify({ w: file, h: hash }));
  return lines;
}

/** The header of a job (its rows live in `rowsFile`), with stats computed from the job's rows. */
export function headerOf(job: Job, rowsFile: string, rowsBytes: number, rowStats: JobRowStats = computeRowStats(job)): JobHeaderFile {
  // Copied key by key: reading `manifest`, `rows` or `customIds` of a job whose rows were not read would read them.
  const rest = without(job, ['manifest', 'rows', 'writtenFiles', 'batches']) as unknown as Omit<Job, 'manifest' | 'rows' | 'writtenFiles'>;
  rest.batches = job.batches.map((batch) => without(batch, ['customIds']) as unknown as BatchRecord);
  const files = Object.getOwnPropertyDescriptor(job, 'writtenFiles');
  // A lazy `writtenFiles` exists only when the log has some; a plain one is there to look at.
  const hasWrittenFiles = files?.get !== undefined || (files?.value !== undefined && Object.keys(files.value as object).length > 0);
  return { storeFormat: SPLIT_JOB_FORMAT, rowsFile, rowsBytes, rowStats, hasWrittenFiles, job: rest };
}

function without(value: object, keys: string[]): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) copy[key] = (value as Record<string, unknown>)[key];
  }
  return copy;
}

/**
 * Replays log bytes into rows, one line decoded at a time (decoding the whole log first held it twice
 * more, as one string and as its lines). A torn last line (a crash during an append) is never within
 * `rowsBytes`.
 */
export function replayRowsLog(log: Buffer, batchCount: number): RowsData {
  const data: RowsData = { manifest: [], rows: {}, writtenFiles: undefined, customIds: Array.from({ length: batchCount }, () => []) };
  let lineNumber = 0;
  for (let start = 0; start < log.length; ) {
    const newline = log.indexOf(0x0a, start);
    const end = newline === -1 ? log.length : newline;
    const line = log.toString('utf8', start, end);
    start = end + 1;
    lineNumber += 1;
    if (line === '') continue;
    let value: { m?: ManifestEntry; b?: number; c?: string[]; r?: string; a?: RowAttempt; x?: number; w?: string; h?: string };
    try {
      value = JSON.parse(line) as typeof value;
    } catch {
      throw new Error(`rows log line ${lineNumber} is not valid JSON`);
    }
    if (value.m) {
      data.manifest.push(value.m);
    } else if (typeof value.b === 'number' && Array.isArray(value.c)) {
      while (data.customIds.length <= value.b) data.customIds.push([]);
      data.customIds[value.b].push(...value.c);
    } else if (typeof value.r === 'string' && value.a) {
      const attempt = value.a;
      const earlier = data.rows[value.r] ?? [];
      data.rows[value.r] = value.x ? [...earlier.filter((other) => other.batchId !== attempt.batchId), attempt] : [...earlier, attempt];
    } else if (typeof value.r === 'string') {
      data.rows[value.r] ??= [];
    } else if (typeof value.w === 'string' && typeof value.h === 'string') {
      (data.writtenFiles ??= {})[value.w] = value.h;
    }
  }
  return data;
}

/**
 * A job from its header whose manifest, rows, writtenFiles and batches' customIds are read from the
 * log the first time any of them is touched (synchronously: a getter cannot wait). Until then the
 * header's stats answer every count (`storedRowStats`).
 */
export function lazyJob(header: JobHeaderFile, readLog: () => Buffer, logSource: LogSource): Job {
  const job = { ...header.job, batches: header.job.batches.map((batch) => ({ ...batch })) } as Job;
  const load = (): RowsData => {
    if (!state.data) {
      const data = replayRowsLog(readLog(), job.batches.length);
      // Frozen: an in-place change of a stored row would be neither an append nor seen as a rewrite.
      data.manifest.forEach((entry) => Object.freeze(entry));
      Object.values(data.rows).forEach((attempts) => attempts.forEach((attempt) => Object.freeze(attempt)));
      state.snapshot = {
        manifest: [...data.manifest],
        rows: copyOfRows(data.rows),
        writtenFiles: new Map(Object.entries(data.writtenFiles ?? {})),
        customIds: data.customIds.map((ids) => [...ids]),
        batches: job.batches.slice(0, header.job.batches.length),
      };
      state.data = data;
    }
    return state.data;
  };
  const state: LazyState = { header, logSource, batches: job.batches.slice(), load };
  lazyStates.set(job, state);
  const accessor = <K extends 'manifest' | 'rows' | 'writtenFiles'>(key: K): PropertyDescriptor => ({
    enumerable: true,
    configurable: true,
    get: () => load()[key],
    set: (value: RowsData[K]) => {
      load()[key] = value;
    },
  });
  Object.defineProperty(job, 'manifest', accessor('manifest'));
  Object.defineProperty(job, 'rows', accessor('rows'));
  if (header.hasWrittenFiles) Object.defineProperty(job, 'writtenFiles', accessor('writtenFiles'));
  job.batches.forEach((batch, position) => {
    Object.defineProperty(batch, 'customIds', {
      enumerable: true,
      configurable: true,
      get: () => load().customIds[position],
      set: (value: string[]) => {
        load().customIds[position] = value;
      },
    });
  });
  attachStoredRowStats(job, () => (state.data ? undefined : statsIfCurrent(job, state.header)));
  return job;
}

/** The header's stats while they still describe the job (no batch added, none whose rows count changed). */
function statsIfCurrent(job: Job, header: JobHeaderFile): JobRowStats | undefined {
  if (header.rowStatsStale || job.batches.length !== header.job.batches.length) return undefined;
  return rowStatsKey(job.batches) === rowStatsKey(header.job.batches) ? header.rowStats : undefined;
}

export type RowsChange =
  /** Nothing in the rows changed: the header alone is rewritten, with these stats. */
  | { kind: 'none'; rowStats: JobRowStats }
  /** Lines to append to the current log; with the stats after them when they are known without reading the rows. */
  | { kind: 'append'; lines: string[]; rowStats?: JobRowStats }
  /** A new generation of the log. */
  | { kind: 'rewrite' };

/**
 * How a job's rows changed since the store handed it out: nothing (its rows were never read and its
 * stats still hold), an append, or something only a new log can say. Linear in the rows it read.
 */
export function rowsChangeOf(job: Job): RowsChange {
  const state = lazyStates.get(job);
  if (!state) return { kind: 'rewrite' };
  const writtenFilesAdded = !state.header.hasWrittenFiles && Object.getOwnPropertyDescriptor(job, 'writtenFiles')?.value !== undefined;
  if (!state.data) {
    const stats = statsIfCurrent(job, state.header);
    const unchanged = stats && !writtenFilesAdded && job.batches.every((batch) => Object.getOwnPropertyDescriptor(batch, 'customIds')?.get !== undefined);
    if (unchanged) return { kind: 'none', rowStats: stats };
    if (!writtenFilesAdded) {
      const added = batchesAddedChange(job, state);
      if (added) return { kind: 'append', ...added };
    }
  }
  const snapshot = snapshotOf(state);
  const lines: string[] = [];
  // Manifest: the rows read must come first, unchanged.
  if (job.manifest.length < snapshot.manifest.length || snapshot.manifest.some((entry, i) => job.manifest[i] !== entry)) return { kind: 'rewrite' };
  for (const entry of job.manifest.slice(snapshot.manifest.length)) lines.push(manifestLogLine(entry));
  // Batches: those read stay in place; their custom ids may only grow; new batches come with theirs.
  if (job.batches.length < snapshot.batches.length || snapshot.batches.some((batch, i) => job.batches[i] !== batch)) return { kind: 'rewrite' };
  for (let position = 0; position < job.batches.length; position++) {
    const ids = job.batches[position].customIds;
    const before = snapshot.customIds[position] ?? [];
    if (ids.length < before.length || before.some((id, i) => ids[i] !== id)) return { kind: 'rewrite' };
    if (ids.length > before.length) lines.push(JSON.stringify({ b: position, c: ids.slice(before.length) }));
  }
  // Rows: earlier attempts kept in order, new ones after them (or one batch's attempt replaced).
  for (const customId of snapshot.rows.keys()) {
    if (!(customId in job.rows)) return { kind: 'rewrite' };
  }
  for (const [customId, attempts] of Object.entries(job.rows)) {
    const before = snapshot.rows.get(customId);
    if (before === undefined && attempts.length === 0) {
      lines.push(JSON.stringify({ r: customId }));
      continue;
    }
    const rowLines = attemptLines(customId, before ?? [], attempts);
    if (!rowLines) return { kind: 'rewrite' };
    lines.push(...rowLines);
  }
  const files = job.writtenFiles ?? {};
  for (const file of snapshot.writtenFiles.keys()) {
    if (!(file in files)) return { kind: 'rewrite' };
  }
  for (const [file, hash] of Object.entries(files)) {
    if (snapshot.writtenFiles.get(file) !== hash) lines.push(JSON.stringify({ w: file, h: hash }));
  }
  return { kind: 'append', lines };
}

/**
 * The change of a job whose rows were not read when the only change is to its batch records: new
 * batches appended (with their custom ids) and ids given to batches that had none (an intent, then
 * its batch id, as a submission records them). Its log lines and its stats are found without reading
 * the rows — what keeps recording a batch of a 100k-row job from costing a pass over the job — or
 * undefined when they cannot be proven that way, and the full comparison decides.
 *
 * The stats hold without the rows when no row changes hands: every new batch that holds rows holds
 * custom ids no other batch holds (so each speaks for its own rows, and no earlier batch loses any),
 * and no stored attempt is from a batch id new to the job. Both are checked against the log's digest
 * (`LogDigest`: its custom-id and attempt lines, read once per log and then only as it grows).
 */
function batchesAddedChange(job: Job, state: LazyState): { lines: string[]; rowStats: JobRowStats } | undefined {
  const { header, batches: handedOut } = state;
  const stored = header.job.batches;
  if (header.rowStatsStale || header.rowStats.batches.length !== stored.length || job.batches.length < handedOut.length) return undefined;
  const newBatchIds: string[] = [];
  for (let position = 0; position < handedOut.length; position++) {
    const batch = job.batches[position];
    const before = stored[position];
    if (batch !== handedOut[position] || Object.getOwnPropertyDescriptor(batch, 'customIds')?.get === undefined) return undefined;
    if (holdsRows(batch) !== holdsRows(before)) return undefined;
    if (batch.batchId === before.batchId) continue;
    if (before.batchId !== undefined || batch.batchId === undefined) return undefined;
    newBatchIds.push(batch.batchId);
  }
  const added = job.batches.slice(handedOut.length);
  for (const batch of added) {
    if (!Array.isArray(Object.getOwnPropertyDescriptor(batch, 'customIds')?.value)) return undefined;
    if (batch.batchId !== undefined) newBatchIds.push(batch.batchId);
  }
  if (newBatchIds.length === 0 && added.length === 0) return undefined;
  const idsInJob = job.batches.filter((batch) => batch.batchId !== undefined).map((batch) => batch.batchId);
  if (new Set(idsInJob).size !== idsInJob.length) return undefined;

  const digest = digestOf(state);
  if (!digest || digest.maxPosition >= handedOut.length) return undefined;
  for (const batchId of newBatchIds) {
    if (digest.attemptBatchIds.has(batchId)) return undefined;
  }
  const addedIds = new Set<string>();
  for (const batch of added) {
    if (!holdsRows(batch)) continue;
    for (const customId of batch.customIds) {
      if (addedIds.has(customId)) return undefined;
      addedIds.add(customId);
      if (digest.positionsOf(customId).some((position) => holdsRows(job.batches[position]))) return undefined;
    }
  }

  const rowStats = structuredClone(header.rowStats);
  const lines: string[] = [];
  added.forEach((batch, offset) => {
    const rows = batch.customIds.length;
    rowStats.batches.push({ rows, spokenFor: holdsRows(batch) ? rows : 0, outcomes: { succeeded: 0, errored: 0, canceled: 0, expired: 0 }, downloaded: 0 });
    if (rows > 0) lines.push(JSON.stringify({ b: handedOut.length + offset, c: batch.customIds }));
  });
  return { lines, rowStats };
}

/**
 * What the log says about batches, as the fast path needs it: which batch positions name each custom
 * id, and which batch ids attempts are from. Built from the custom-id and attempt lines only (manifest
 * lines are passed over), and kept per log generation, so recording the next batch of a submission
 * reads only the lines appended since: a job sent as a thousand small batches does not read its log
 * a thousand times. A log's bytes up to a header's count never change (appends go after them, a
 * rewrite is a new file), which is what makes the digest of a prefix stay true.
 */
interface LogDigest {
  bytes: number;
  /** The batch positions that name a custom id, in log order (none: an empty list). */
  positionsOf: (customId: string) => readonly number[];
  addPosition: (customId: string, position: number) => void;
  /** `addPosition` for an ASCII custom id in `bytes[start..end)`, read from the bytes. */
  addPositionAscii: (bytes: Buffer, start: number, end: number, position: number) => void;
  /** The highest batch position a custom-id line names (-1: none). */
  maxPosition: number;
  attemptBatchIds: Set<string>;
}

/** Bytes of the log read at a time into the digest (a longer line is read whole). */
const DIGEST_READ_BYTES = 1 << 20;

/**
 * An empty digest. Each custom id's first batch position is kept by its 128-bit digest (`DigestSet`:
 * 20 bytes an id, not the id string, a Map entry and an array: a 100,000-row batch was ~15 MB); only
 * the ids named by a second batch (a retry) keep a list of their other positions.
 */
function emptyDigest(): LogDigest {
  const first = new DigestSet();
  const more = new Map<string, number[]>();
  return {
    bytes: 0,
    positionsOf: (customId) => {
      const position = first.get(customId);
      if (position === undefined) return [];
      const others = more.get(customId);
      return others ? [position, ...others] : [position];
    },
    addPosition: (customId, position) => {
      if (first.add(customId, position)) return;
      const others = more.get(customId);
      if (others) others.push(position);
      else more.set(customId, [position]);
    },
    addPositionAscii: (bytes, start, end, position) => {
      if (first.addAscii(bytes, start, end, position)) return;
      const customId = bytes.toString('latin1', start, end);
      const others = more.get(customId);
      if (others) others.push(position);
      else more.set(customId, [position]);
    },
    maxPosition: -1,
    attemptBatchIds: new Set(),
  };
}

/** Digests of the logs recently recorded to, by `LogSource.key`; a few, most recent last. */
const digests = new Map<string, LogDigest>();
const KEPT_DIGESTS = 4;

/** The digest of the log up to the header's byte count; undefined when a line cannot be read as expected. */
function digestOf(state: LazyState): LogDigest | undefined {
  const { header, logSource } = state;
  const kept = digests.get(logSource.key);
  const digest: LogDigest = kept && kept.bytes <= header.rowsBytes ? kept : emptyDigest();
  digests.delete(logSource.key);
  // Read a megabyte at a time, whole lines only: a new job's log starts with its manifest (a line a
  // row, ~25 MB at 100,000 rows), which one read of the whole range held at once.
  while (digest.bytes < header.rowsBytes) {
    const to = Math.min(header.rowsBytes, digest.bytes + DIGEST_READ_BYTES);
    let more = logSource.readRange(digest.bytes, to);
    if (more.length !== to - digest.bytes) return undefined;
    if (to < header.rowsBytes && more.lastIndexOf(0x0a) < 0) {
      // A line longer than a read (a large batch's custom ids): found to its end, then read whole once.
      const end = lineEndAfter(logSource, to, header.rowsBytes);
      more = logSource.readRange(digest.bytes, end);
      if (more.length !== end - digest.bytes) return undefined;
    }
    const whole = to === header.rowsBytes || more.length > to - digest.bytes ? more : more.subarray(0, more.lastIndexOf(0x0a) + 1);
    if (whole.length === 0 || !digestLines(digest, whole)) return undefined;
    digest.bytes += whole.length;
  }
  digests.set(logSource.key, digest);
  if (digests.size > KEPT_DIGESTS) digests.delete(digests.keys().next().value as string);
  return digest;
}

/** The offset just past the first newline at or after `from` (or `limit`), read a megabyte at a time. */
function lineEndAfter(logSource: LogSource, from: number, limit: number): number {
  for (let at = from; at < limit; ) {
    const piece = logSource.readRange(at, Math.min(limit, at + DIGEST_READ_BYTES));
    if (piece.length === 0) return at;
    const newline = piece.indexOf(0x0a);
    if (newline >= 0) return at + newline + 1;
    at += piece.length;
  }
  return limit;
}

const BATCH_LINE_PREFIX = Buffer.from('{"b":');
const ROW_LINE_PREFIX = Buffer.from('{"r":');
const ATTEMPT_KEY = Buffer.from('"a":');

/** Adds whole log lines to a digest; false when one is not what the log format says it is. */
function digestLines(digest: LogDigest, log: Buffer): boolean {
  const startsWith = (prefix: Buffer, start: number, end: number) =>
    end - start > prefix.length && log.compare(prefix, 0, prefix.length, start, start + prefix.length) === 0;
  for (let start = 0; start < log.length; ) {
    const newline = log.indexOf(0x0a, start);
    const end = newline === -1 ? log.length : newline;
    if (startsWith(BATCH_LINE_PREFIX, start, end)) {
      // A large batch's line is a few MB: its ids are read from the bytes, with no string made of the line or of each id.
      const read = plainBatchLineIds(log, start, end, (idStart, idEnd, position) => digest.addPositionAscii(log, idStart, idEnd, position));
      if (read !== undefined) {
        digest.maxPosition = Math.max(digest.maxPosition, read);
        start = end + 1;
        continue;
      }
      const value = JSON.parse(log.toString('utf8', start, end)) as { b?: unknown; c?: unknown };
      if (typeof value.b !== 'number' || !Array.isArray(value.c)) return false;
      const position = value.b;
      digest.maxPosition = Math.max(digest.maxPosition, position);
      for (const customId of value.c as string[]) digest.addPosition(customId, position);
    } else if (startsWith(ROW_LINE_PREFIX, start, end)) {
      const attemptAt = log.indexOf(ATTEMPT_KEY, start);
      if (attemptAt >= 0 && attemptAt < end) {
        const value = JSON.parse(log.toString('utf8', start, end)) as { a?: { batchId?: unknown } };
        if (typeof value.a?.batchId !== 'string') return false;
        digest.attemptBatchIds.add(value.a.batchId);
      }
    }
    start = end + 1;
  }
  return true;
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const BACKSLASH = 0x5c;
const BATCH_IDS_KEY = Buffer.from(',"c":[');

/**
 * Reads a custom-id line `{"b":N,"c":["id",...]}` (a batch's ids, as JSON.stringify writes it; a few MB
 * for a large batch) from its bytes: gives `visit` each id as a byte range and returns N, with no
 * string made of the line or of an id. Undefined, visiting nothing, for a line in any other form or
 * holding an id with an escape or a byte beyond ASCII: the caller parses that line whole.
 */
export function plainBatchLineIds(line: Buffer, start: number, end: number, visit: (from: number, to: number, position: number) => void): number | undefined {
  if (end - start <= BATCH_LINE_PREFIX.length || line.compare(BATCH_LINE_PREFIX, 0, BATCH_LINE_PREFIX.length, start, start + BATCH_LINE_PREFIX.length) !== 0) return undefined;
  let at = start + BATCH_LINE_PREFIX.length;
  let position = 0;
  const digitsFrom = at;
  while (at < end && line[at] >= 0x30 && line[at] <= 0x39) position = position * 10 + (line[at++] - 0x30);
  if (at === digitsFrom || at - digitsFrom > 9 || line.compare(BATCH_IDS_KEY, 0, BATCH_IDS_KEY.length, at, at + BATCH_IDS_KEY.length) !== 0) return undefined;
  at += BATCH_IDS_KEY.length;
  const close = end - 2;
  if (close < at || line[close] !== 0x5d || line[close + 1] !== 0x7d) return undefined;
  // Checked whole first, so a line in another form is never half visited before the caller parses it.
  if (!eachPlainId(line, at, close)) return undefined;
  eachPlainId(line, at, close, (idStart, idEnd) => visit(idStart, idEnd, position));
  return position;
}

/** Walks `"id","id",...` in `line[from..to)`, each id plain ASCII without escapes; false when the bytes are anything else. */
function eachPlainId(line: Buffer, from: number, to: number, onId?: (start: number, end: number) => void): boolean {
  for (let cursor = from; cursor < to; ) {
    if (line[cursor] !== QUOTE) return false;
    const idEnd = line.indexOf(QUOTE, cursor + 1);
    if (idEnd < 0 || idEnd >= to) return false;
    if (!onId) for (let byte = cursor + 1; byte < idEnd; byte++) if (line[byte] === BACKSLASH || line[byte] >= 0x80) return false;
    onId?.(cursor + 1, idEnd);
    cursor = idEnd + 1;
    if (cursor < to && line[cursor++] !== COMMA) return false;
    if (cursor === to && line[cursor - 1] === COMMA) return false;
  }
  return true;
}

/** Reads bytes `from` to `to` of a log file. */
export function readLogRange(file: string, from: number, to: number): Buffer {
  const buffer = Buffer.allocUnsafe(to - from);
  const fd = openSync(file, 'r');
  try {
    let length = 0;
    while (length < buffer.length) {
      const read = readSync(fd, buffer, length, buffer.length - length, from + length);
      if (read === 0) break;
      length += read;
    }
    return buffer.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}

/** Each row's attempts as read (a copy of each list: the job's own lists may be changed in place). */
function copyOfRows(rows: Record<string, RowAttempt[]>): Map<string, RowAttempt[]> {
  const copy = new Map<string, RowAttempt[]>();
  for (const customId in rows) copy.set(customId, rows[customId].slice());
  return copy;
}

/** The snapshot of what was read; reads the log now when the change needs it (a new batch, new written files). */
function snapshotOf(state: LazyState): Snapshot {
  state.load();
  return state.snapshot as Snapshot;
}

/** Log lines turning `before` into `after` by appends, or undefined when that is not possible. */
function attemptLines(customId: string, before: RowAttempt[], after: RowAttempt[]): string[] | undefined {
  if (after === before || (after.length === before.length && after.every((attempt, i) => attempt === before[i]))) return [];
  // Appended after the ones read.
  if (after.length > before.length && before.every((attempt, i) => after[i] === attempt)) {
    return after.slice(before.length).map((attempt) => JSON.stringify({ r: customId, a: attempt }));
  }
  // One batch's attempt replaced: the others in order, then the new one last.
  const last = after[after.length - 1];
  if (last && !before.includes(last)) {
    const kept = before.filter((attempt) => attempt.batchId !== last.batchId);
    if (kept.length === after.length - 1 && kept.every((attempt, i) => after[i] === attempt)) {
      return [JSON.stringify({ r: customId, a: last, x: 1 })];
    }
  }
  return undefined;
}

/** Whether the job's rows were read from its log (false for a job not from a split store file). */
export function rowsWereRead(job: Job): boolean {
  return lazyStates.get(job)?.data !== undefined;
}

/** Log lines recording one batch's attempts (each replacing an earlier attempt from that batch) and written files. */
export function* resultsLogLines(attempts: ReadonlyMap<string, RowAttempt>, writtenFiles: ReadonlyMap<string, string>): Generator<string> {
  for (const [customId, attempt] of attempts) yield JSON.stringify({ r: customId, a: attempt, x: 1 });
  for (const [file, hash] of writtenFiles) yield JSON.stringify({ w: file, h: hash });
}

/** Reads `bytes` bytes of a log file (the part its header vouches for). */
export function readLogPrefix(file: string, bytes: number): Buffer {
  const buffer = readFileSync(file);
  return buffer.length > bytes ? buffer.subarray(0, bytes) : buffer;
}

/** Where the rows log of a job handed out by a store lies and how many of its bytes count (undefined: not a split store job). */
export function rowsLogPlaceOf(job: Job): { path: string; bytes: number } | undefined {
  const state = lazyStates.get(job);
  return state ? { path: state.logSource.key, bytes: state.header.rowsBytes } : undefined;
}
