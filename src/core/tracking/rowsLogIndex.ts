import { closeSync, openSync, readSync } from 'node:fs';
import type { BatchRecord, ManifestEntry, RowAttempt } from '../jobs/jobModel';
import { type RowStatsContext, holdsRows } from './jobRowStats';
import { plainBatchLineIds } from './jobRowsLog';
import { NumberList, int32List } from '../util/numberList';

/*
 * A compact index of a job's rows log (format in jobRowsLog.ts), for a results download that must not
 * hold the job in memory: the log is read once in large chunks, and only where each line starts is kept,
 * in typed arrays keyed by a 32-bit hash of its key (a custom id, a written file's path). An entry is
 * read back from the log when asked for, and a hash match always compares the real key read there, so
 * a collision costs a read, never a wrong answer. About 30 bytes a row, where the job's objects took
 * over a kilobyte. Lines in the form the store writes them are indexed from their bytes (only the key
 * is read, hashed and compared as bytes); any other form is parsed whole, with the same result.
 *
 * Rows are numbered by their manifest line. The index follows the log as it grows (`follow`): the bytes
 * up to a header's count never change, appends go after them, and a rewrite is a new file.
 */

/** Where a rows log is and how many of its bytes its header vouches for. */
export interface RowsLogPlace {
  path: string;
  bytes: number;
}

/**
 * Bytes read per step while indexing, and the least read to fetch one line back: results come in any
 * order (the emulator shuffles them), and a small read costs less than copying a large block that is
 * seldom hit again (100k lookups in random order: 0.43 s with 1 KB reads, 0.78 s with 64 KB).
 */
const SCAN_BYTES = 1 << 20;
const BLOCK_BYTES = 1 << 10;

/** FNV-1a over the key's UTF-16 code units. */
export function hashKey(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * `hashKey` of a key read straight from a line's bytes: equal to it for the keys `plainKeyEnd` accepts
 * (ASCII, so each byte is one UTF-16 code unit).
 */
function hashBytes(buffer: Buffer, from: number, to: number): number {
  let hash = 0x811c9dc5;
  for (let i = from; i < to; i++) {
    hash ^= buffer[i];
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * Where the JSON string whose characters start at `from` ends (its closing quote), when it is plain:
 * printable ASCII with no escape, so its bytes are the key itself. -1 otherwise (the caller parses the
 * line), or when no quote comes before `end`.
 */
function plainKeyEnd(buffer: Buffer, from: number, end: number): number {
  for (let i = from; i < end; i++) {
    const byte = buffer[i];
    if (byte === 0x22) return i;
    if (byte === 0x5c || byte < 0x20 || byte >= 0x80) return -1;
  }
  return -1;
}

/** Whether a key is written into a log line as its own bytes (see `plainKeyEnd`). */
function isPlainKey(key: string): boolean {
  for (let i = 0; i < key.length; i++) {
    const code = key.charCodeAt(i);
    if (code === 0x22 || code === 0x5c || code < 0x20 || code >= 0x80) return false;
  }
  return true;
}

function startsWithBytes(buffer: Buffer, from: number, end: number, head: Buffer): boolean {
  return end - from >= head.length && buffer.compare(head, 0, head.length, from, from + head.length) === 0;
}

/** Line offsets by the hash of their key; the newest line of a hash comes first. */
class KeyedOffsets {
  readonly offsets = new NumberList();
  private readonly hashes = int32List();
  private readonly next = int32List();
  private buckets = new Int32Array(1024).fill(-1);

  get size(): number {
    return this.offsets.length;
  }

  add(hash: number, offset: number): number {
    const entry = this.offsets.push(offset);
    this.hashes.push(hash | 0);
    this.next.push(-1);
    if (this.offsets.length > this.buckets.length) this.rehash();
    else this.link(entry);
    return entry;
  }

  /**
   * The newest entry whose key hashes to `hash`, or -1; `nextWithHash` walks to the older ones. Plain
   * numbers, not a generator: the index is asked once per row read and once per id it indexes.
   */
  firstWithHash(hash: number): number {
    return this.sameHashFrom(this.buckets[hash & (this.buckets.length - 1)], hash | 0);
  }

  nextWithHash(entry: number): number {
    return this.sameHashFrom(this.next.data[entry], this.hashes.data[entry]);
  }

  private sameHashFrom(entry: number, wanted: number): number {
    while (entry !== -1 && this.hashes.data[entry] !== wanted) entry = this.next.data[entry];
    return entry;
  }

  private link(entry: number): void {
    const bucket = this.hashes.data[entry] & (this.buckets.length - 1);
    this.next.data[entry] = this.buckets[bucket];
    this.buckets[bucket] = entry;
  }

  private rehash(): void {
    this.buckets = new Int32Array(this.buckets.length * 2).fill(-1);
    for (let entry = 0; entry < this.offsets.length; entry++) this.link(entry);
  }
}

/** Reads whole lines of the log back by offset, through one cached block (lines asked for in log order hit it). */
class LineReader {
  private block = Buffer.alloc(BLOCK_BYTES);
  private blockStart = 0;
  private blockLength = 0;

  constructor(
    private readonly fd: () => number,
    /** Lines end here at the latest (the bytes the header vouches for). */
    public end: number,
  ) {}

  lineAt(offset: number): string {
    const inBlock = offset >= this.blockStart && offset < this.blockStart + this.blockLength;
    if (inBlock) {
      const newline = this.block.indexOf(0x0a, offset - this.blockStart);
      if (newline !== -1 && newline < this.blockLength) return this.block.toString('utf8', offset - this.blockStart, newline);
      if (this.blockStart + this.blockLength >= this.end) return this.block.toString('utf8', offset - this.blockStart, this.blockLength);
    }
    let size = BLOCK_BYTES;
    for (;;) {
      if (this.block.length < size) this.block = Buffer.alloc(size);
      this.blockStart = offset;
      this.blockLength = readFully(this.fd(), this.block, Math.min(size, this.end - offset), offset);
      const newline = this.block.indexOf(0x0a);
      if (newline !== -1 && newline < this.blockLength) return this.block.toString('utf8', 0, newline);
      if (offset + this.blockLength >= this.end) return this.block.toString('utf8', 0, this.blockLength);
      size *= 2;
    }
  }

  /**
   * Whether the line at `offset` opens with `head` followed by the plain key `key` and its closing quote:
   * true or false when it opens with `head`, undefined when it does not (the caller parses the line).
   */
  keyIs(offset: number, head: Buffer, key: string): boolean | undefined {
    const at = this.keyStart(offset, head, key.length);
    if (at === -1) return undefined;
    for (let i = 0; i < key.length; i++) if (this.block[at + i] !== key.charCodeAt(i)) return false;
    return this.block[at + key.length] === 0x22;
  }

  /** `keyIs` for a key given as bytes `from` to `to` of `source`. */
  keyBytesAre(offset: number, head: Buffer, source: Buffer, from: number, to: number): boolean | undefined {
    const at = this.keyStart(offset, head, to - from);
    if (at === -1) return undefined;
    return this.block.compare(source, from, to, at, at + to - from) === 0 && this.block[at + to - from] === 0x22;
  }

  /** Where in the block the key of the line at `offset` starts, once the block holds `head`, the key and a quote; -1 when the line does not open with `head`. */
  private keyStart(offset: number, head: Buffer, keyLength: number): number {
    const needed = head.length + keyLength + 1;
    if (offset < this.blockStart || offset + needed > this.blockStart + this.blockLength) {
      if (offset + needed > this.end) return -1;
      const size = Math.max(BLOCK_BYTES, needed);
      if (this.block.length < size) this.block = Buffer.alloc(size);
      this.blockStart = offset;
      this.blockLength = readFully(this.fd(), this.block, Math.min(this.block.length, this.end - offset), offset);
      if (needed > this.blockLength) return -1;
    }
    const at = offset - this.blockStart;
    return this.block.compare(head, 0, head.length, at, at + head.length) === 0 ? at + head.length : -1;
  }

  /** Forgets the cached block (the bytes past the old end may have been replaced). */
  reset(end: number): void {
    this.end = end;
    this.blockLength = 0;
  }
}

function readFully(fd: number, buffer: Buffer, length: number, position: number): number {
  let read = 0;
  while (read < length) {
    const got = readSync(fd, buffer, read, length - read, position + read);
    if (got === 0) break;
    read += got;
  }
  return read;
}

/** How the store writes a manifest, row and written-file line (jobRowsLog.ts): its key comes first. */
const MANIFEST_LINE_HEAD = Buffer.from('{"m":{"customId":"');
const ROW_LINE_HEAD = Buffer.from('{"r":"');
const WRITTEN_LINE_START = Buffer.from('{"w":');
const WRITTEN_LINE_HEAD = Buffer.from('{"w":"');
const ATTEMPT_AFTER_ID = Buffer.from('","a":{');
const NOTHING_AFTER_ID = Buffer.from('"}');
const HASH_AFTER_PATH = Buffer.from('","h":"');

type LogLine = { m?: ManifestEntry; b?: number; c?: string[]; r?: string; a?: RowAttempt; x?: number; w?: string; h?: string };

/** The log names something the index cannot key (a custom id outside the manifest, one id twice in it). */
export class UnindexableLogError extends Error {
  override name = 'UnindexableLogError';
}

export class RowsLogIndex {
  private readonly manifest = new KeyedOffsets();
  /** Per row: its newest attempt line (-1: none), and the newest batch line naming it. */
  private readonly attemptHead = int32List();
  private readonly memberHead = int32List();
  private readonly attemptOffsets = new NumberList();
  private readonly attemptNext = int32List();
  private readonly memberPosition = int32List();
  private readonly memberNext = int32List();
  private readonly written = new KeyedOffsets();
  /** Rows looked up lately (the store asks for the rows a save just recorded). */
  private readonly recentRows = new Map<string, number>();
  private fd = -1;
  private reader: LineReader;
  private place: RowsLogPlace;

  private constructor(
    place: RowsLogPlace,
    /** Only written files are indexed (a ledger's question about another job). */
    private readonly writtenOnly: boolean,
  ) {
    this.place = { path: place.path, bytes: 0 };
    this.reader = new LineReader(() => this.file(), 0);
  }

  /**
   * Indexes a log up to the bytes its header vouches for (its file is opened again after `close` when
   * asked something).
   * @throws UnindexableLogError when a line names a custom id the manifest lines do not (an adopted
   *   job's log): the caller reads the job whole instead.
   */
  static open(place: RowsLogPlace, options: { writtenOnly?: boolean } = {}): RowsLogIndex {
    const index = new RowsLogIndex(place, options.writtenOnly === true);
    try {
      index.scan(place.bytes);
    } catch (error) {
      index.close();
      throw error;
    }
    return index;
  }

  /** Manifest rows indexed. */
  get rows(): number {
    return this.manifest.size;
  }

  /** The log bytes indexed. */
  get bytes(): number {
    return this.place.bytes;
  }

  /** The manifest entry of a custom id (the newest, as a replay of the log would keep). */
  entryOf(customId: string): ManifestEntry | undefined {
    const row = this.rowOf(customId);
    return row === undefined ? undefined : this.manifestLine(row).m;
  }

  /** A row's attempts, replayed from its lines in log order. */
  attemptsOf(customId: string): RowAttempt[] {
    const row = this.rowOf(customId);
    if (row === undefined) return [];
    const lines: number[] = [];
    for (let entry = this.attemptHead.data[row]; entry !== -1; entry = this.attemptNext.data[entry]) lines.push(entry);
    let attempts: RowAttempt[] = [];
    for (let i = lines.length - 1; i >= 0; i--) {
      const line = this.parse(this.attemptOffsets.data[lines[i]]);
      const attempt = line.a as RowAttempt;
      attempts = line.x ? [...attempts.filter((other) => other.batchId !== attempt.batchId), attempt] : [...attempts, attempt];
    }
    return attempts;
  }

  /** Positions of the batches whose custom-id lines name this row (each once). */
  batchPositionsOf(customId: string): number[] {
    const row = this.rowOf(customId);
    const positions: number[] = [];
    if (row === undefined) return positions;
    for (let entry = this.memberHead.data[row]; entry !== -1; entry = this.memberNext.data[entry]) {
      const position = this.memberPosition.data[entry];
      if (!positions.includes(position)) positions.push(position);
    }
    return positions;
  }

  /** The hash of the content last recorded as written at `path` (a replay keeps the last line of a path). */
  writtenHashOf(path: string): string | undefined {
    for (let entry = this.written.firstWithHash(hashKey(path)); entry !== -1; entry = this.written.nextWithHash(entry)) {
      const line = this.parse(this.written.offsets.data[entry]);
      if (line.w === path) return line.h;
    }
    return undefined;
  }

  /**
   * The row-stats context of these rows for the job's batch records (see `rowStatsContext`), answered
   * from the index instead of a map over every custom id.
   */
  statsContext(batches: readonly BatchRecord[], templateModel: string): RowStatsContext {
    const positionOfBatchId = new Map<string, number>();
    batches.forEach((batch, position) => {
      if (batch.batchId !== undefined) positionOfBatchId.set(batch.batchId, position);
    });
    return {
      positionOfBatchId,
      templateModel,
      currentPosition: (customId) => {
        let current: number | undefined;
        for (const position of this.batchPositionsOf(customId)) {
          const batch = batches[position];
          if (batch && holdsRows(batch) && (current === undefined || position > current)) current = position;
        }
        return current;
      },
      holds: (position, customId) => this.batchPositionsOf(customId).includes(position),
    };
  }

  /**
   * Brings the index to the log as a header now vouches for it: the lines appended since are indexed;
   * a log that is another file (rewritten) or shorter is indexed again from its start.
   */
  follow(place: RowsLogPlace): void {
    if (place.path === this.place.path && place.bytes >= this.place.bytes) {
      this.scan(place.bytes);
      // The rows of the save just indexed are not asked for again: kept longer, their ids would only
      // be moved into the old generation.
      this.recentRows.clear();
      return;
    }
    const fresh = RowsLogIndex.open(place, { writtenOnly: this.writtenOnly });
    this.close();
    fresh.close();
    Object.assign(this, fresh);
    this.reader = new LineReader(() => this.file(), this.place.bytes);
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  private file(): number {
    if (this.fd < 0) this.fd = openSync(this.place.path, 'r');
    return this.fd;
  }

  private rowOf(customId: string): number | undefined {
    const recent = this.recentRows.get(customId);
    if (recent !== undefined) return recent;
    const plain = isPlainKey(customId);
    for (let row = this.manifest.firstWithHash(hashKey(customId)); row !== -1; row = this.manifest.nextWithHash(row)) {
      // A plain id is compared with the line's bytes: no line decoded, no entry parsed.
      const same = (plain ? this.reader.keyIs(this.manifest.offsets.data[row], MANIFEST_LINE_HEAD, customId) : undefined) ?? this.manifestLine(row).m?.customId === customId;
      if (same) {
        if (this.recentRows.size >= 4_096) this.recentRows.clear();
        this.recentRows.set(customId, row);
        return row;
      }
    }
    return undefined;
  }

  private manifestLine(row: number): LogLine {
    return this.parse(this.manifest.offsets.data[row]);
  }

  private parse(offset: number): LogLine {
    return JSON.parse(this.reader.lineAt(offset)) as LogLine;
  }

  /** Indexes the lines from the bytes indexed so far up to `to`, read in large chunks. */
  private scan(to: number): void {
    const from = this.place.bytes;
    if (to === from) return;
    this.reader.reset(to);
    let buffer = Buffer.alloc(Math.min(SCAN_BYTES, to - from));
    let position = from;
    while (position < to) {
      const length = readFully(this.file(), buffer, Math.min(buffer.length, to - position), position);
      if (length === 0) throw new Error(`rows log ${this.place.path} ends at byte ${position}, before the ${to} its header counts`);
      let end = buffer.subarray(0, length).lastIndexOf(0x0a);
      if (end === -1) {
        if (position + length < to) {
          buffer = Buffer.alloc(buffer.length * 2);
          continue;
        }
        end = length;
      }
      for (let start = 0; start < end; ) {
        const newline = buffer.indexOf(0x0a, start);
        const lineEnd = newline === -1 || newline > end ? end : newline;
        if (lineEnd > start && !this.indexBatchLine(buffer, start, lineEnd) && !this.indexPlainLine(buffer, start, lineEnd, position + start)) {
          this.indexLine(buffer.toString('utf8', start, lineEnd), position + start);
        }
        start = lineEnd + 1;
      }
      position += end + 1;
    }
    this.place.bytes = to;
  }

  private indexLine(text: string, offset: number): void {
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      throw new Error(`rows log ${this.place.path}: the line at byte ${offset} is not valid JSON`);
    }
    if (this.writtenOnly) {
      if (typeof line.w === 'string' && typeof line.h === 'string') this.written.add(hashKey(line.w), offset);
    } else if (line.m) {
      if (this.rowOf(line.m.customId) !== undefined) throw new UnindexableLogError(`the manifest names ${line.m.customId} twice`);
      this.manifest.add(hashKey(line.m.customId), offset);
      this.attemptHead.push(-1);
      this.memberHead.push(-1);
    } else if (typeof line.b === 'number' && Array.isArray(line.c)) {
      for (const customId of line.c) this.addMember(this.knownRow(customId), line.b);
    } else if (typeof line.r === 'string') {
      const row = this.knownRow(line.r);
      if (!line.a) return;
      const entry = this.attemptOffsets.push(offset);
      this.attemptNext.push(this.attemptHead.data[row]);
      this.attemptHead.data[row] = entry;
    } else if (typeof line.w === 'string' && typeof line.h === 'string') {
      this.written.add(hashKey(line.w), offset);
    }
  }

  /**
   * A manifest, row or written-file line in the form the store writes it, with a plain key, indexed
   * from its bytes: only the key is looked at (decoding and parsing every line made most of the garbage
   * of a download, which reads each line back only when asked). False when the line is not in that
   * form: the caller parses it whole.
   */
  private indexPlainLine(buffer: Buffer, start: number, end: number, offset: number): boolean {
    if (this.writtenOnly) {
      // Only written-file lines count here: the others are skipped unread.
      if (!startsWithBytes(buffer, start, end, WRITTEN_LINE_START)) return true;
      return startsWithBytes(buffer, start, end, WRITTEN_LINE_HEAD) && this.indexWrittenLine(buffer, start, end, offset);
    }
    if (startsWithBytes(buffer, start, end, MANIFEST_LINE_HEAD)) {
      const keyFrom = start + MANIFEST_LINE_HEAD.length;
      const keyEnd = plainKeyEnd(buffer, keyFrom, end);
      if (keyEnd === -1) return false;
      const hash = hashBytes(buffer, keyFrom, keyEnd);
      // Another row with this hash: the full check (a true duplicate is refused; a collision is not one).
      if (this.manifest.firstWithHash(hash) !== -1 && this.rowOf(buffer.toString('latin1', keyFrom, keyEnd)) !== undefined) {
        throw new UnindexableLogError(`the manifest names ${buffer.toString('latin1', keyFrom, keyEnd)} twice`);
      }
      this.manifest.add(hash, offset);
      this.attemptHead.push(-1);
      this.memberHead.push(-1);
      return true;
    }
    if (startsWithBytes(buffer, start, end, ROW_LINE_HEAD)) {
      const keyFrom = start + ROW_LINE_HEAD.length;
      const keyEnd = plainKeyEnd(buffer, keyFrom, end);
      if (keyEnd === -1) return false;
      const withAttempt = startsWithBytes(buffer, keyEnd, end, ATTEMPT_AFTER_ID);
      if (!withAttempt && !(end - keyEnd === NOTHING_AFTER_ID.length && startsWithBytes(buffer, keyEnd, end, NOTHING_AFTER_ID))) return false;
      const row = this.knownRow(buffer.toString('latin1', keyFrom, keyEnd));
      if (withAttempt) {
        const entry = this.attemptOffsets.push(offset);
        this.attemptNext.push(this.attemptHead.data[row]);
        this.attemptHead.data[row] = entry;
      }
      return true;
    }
    return startsWithBytes(buffer, start, end, WRITTEN_LINE_HEAD) && this.indexWrittenLine(buffer, start, end, offset);
  }

  private indexWrittenLine(buffer: Buffer, start: number, end: number, offset: number): boolean {
    const keyFrom = start + WRITTEN_LINE_HEAD.length;
    const keyEnd = plainKeyEnd(buffer, keyFrom, end);
    if (keyEnd === -1 || !startsWithBytes(buffer, keyEnd, end, HASH_AFTER_PATH)) return false;
    this.written.add(hashBytes(buffer, keyFrom, keyEnd), offset);
    return true;
  }

  /**
   * A custom-id line (`{"b":<position>,"c":["id",...]}`, the largest lines of a log: one per batch) read
   * an id at a time from the bytes (`plainBatchLineIds`): decoding it whole made a string of megabytes
   * and an array of every id, alive for the whole line and so moved into the old generation. False when
   * the line is not one in that exact form: the caller parses it whole.
   */
  private indexBatchLine(buffer: Buffer, start: number, end: number): boolean {
    if (this.writtenOnly) return false;
    return plainBatchLineIds(buffer, start, end, (from, to, position) => this.addMember(this.knownRowOfBytes(buffer, from, to), position)) !== undefined;
  }

  private addMember(row: number, position: number): void {
    const entry = this.memberPosition.push(position);
    this.memberNext.push(this.memberHead.data[row]);
    this.memberHead.data[row] = entry;
  }

  /**
   * `knownRow` of a plain id (ASCII, no escape: `plainBatchLineIds` gives no other) as bytes of a line
   * being indexed: hashed and compared as bytes, so indexing a 100k-id batch line makes no string per id.
   */
  private knownRowOfBytes(buffer: Buffer, from: number, to: number): number {
    for (let row = this.manifest.firstWithHash(hashBytes(buffer, from, to)); row !== -1; row = this.manifest.nextWithHash(row)) {
      const same = this.reader.keyBytesAre(this.manifest.offsets.data[row], MANIFEST_LINE_HEAD, buffer, from, to);
      if (same === undefined) return this.knownRow(buffer.toString('utf8', from, to));
      if (same) return row;
    }
    return this.knownRow(buffer.toString('utf8', from, to));
  }

  private knownRow(customId: string): number {
    const row = this.rowOf(customId);
    if (row === undefined) throw new UnindexableLogError(`the log names ${customId}, which its manifest does not`);
    return row;
  }
}
