import { nodeCrypto } from '../util/nodeCrypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { BatchRequest } from '../api/batchApi';
import { requestsFileFor } from './jobIds';
import type { Job, JobStore } from './jobModel';

/** One stored request: its custom id and its serialized line, exactly as kept (no newline). */
export interface RequestLine {
  customId: string;
  /** A view into the read buffer, valid until the next row is read: copy it to keep it. */
  line: Buffer;
  /** Where reading resumes after this row (a byte offset in the file): give it back to the source to continue from there. */
  next: number;
}

/**
 * Stored request lines in order, from the start or from a row's `next`: each call reads afresh, so a
 * batch can be read twice (to hash its body, then to send it) without holding it.
 */
export type RequestLineSource = (from?: number) => AsyncIterable<RequestLine>;

/** Appends are gathered to about this size before each write. */
const WRITE_CHUNK_BYTES = 1 << 20;

/**
 * Writes a job's requests file (JSONL, one `BatchRequest` a line) as the requests are built, so a
 * 100,000-row job is never held in memory whole. The lines go to a temp file beside the target
 * (`<file>.<pid>.<random>.tmp`, which the store sweep removes if this process dies); `commit` fsyncs
 * and renames it into place, so the file is either absent or complete. `discard` drops it.
 */
export class RequestsFileWriter {
  /**
   * Appended lines, encoded into a buffer as they come. Not joined into one string: a string of a
   * megabyte is allocated straight into V8's old generation and stays there until a full collection,
   * so a 100,000-row job left hundreds of them behind and the heap grew by as much.
   */
  private pending: Buffer = Buffer.allocUnsafe(WRITE_CHUNK_BYTES);
  private pendingLength = 0;
  /** The buffer of the write in flight; filled again once that write is done (two buffers, not one per write). */
  private inFlight: Buffer | undefined;
  private lines = 0;
  private finished = false;
  /**
   * The chunk being written while the next one is built: one write in flight at a time (so they land
   * in order), never awaited until the next chunk is ready, so building requests does not wait on the disk.
   */
  private writing: Promise<void> = Promise.resolve();
  private writeFailure: { error: unknown } | undefined;

  private constructor(
    /** Absolute path of the requests file once committed. */
    readonly target: string,
    private readonly temp: string,
    private readonly handle: fs.FileHandle,
  ) {}

  /** Opens the temp file for the job's requests file under `storeDir` (the store's `.batchlens/`). */
  static open(storeDir: string, jobId: string): Promise<RequestsFileWriter> {
    return RequestsFileWriter.openFile(path.join(storeDir, requestsFileFor(jobId)));
  }

  /** Opens the temp file for any JSONL file written the same way (a new job's manifest log), to be committed as `target`. */
  static async openFile(target: string): Promise<RequestsFileWriter> {
    await fs.mkdir(path.dirname(target), { recursive: true });
    const temp = `${target}.${process.pid}.${nodeCrypto().randomBytes(6).toString('hex')}.tmp`;
    return new RequestsFileWriter(target, temp, await fs.open(temp, 'w'));
  }

  /** The temp file the lines go to until `commit`. */
  get tempFile(): string {
    return this.temp;
  }

  /** Writes out everything appended so far, so the temp file can be read back; more may be appended after. */
  async written(): Promise<void> {
    await this.flush();
    await this.settled();
  }

  /** Number of lines appended so far. */
  get count(): number {
    return this.lines;
  }

  /** Adds one serialized request (no newline). */
  async append(line: string): Promise<void> {
    // At most three bytes a UTF-16 unit; only a line that may not fit is measured exactly.
    const room = this.pending.length - this.pendingLength;
    const bytes = line.length * 3 + 1 <= room ? undefined : Buffer.byteLength(line) + 1;
    if (bytes !== undefined && bytes > room) {
      await this.flush();
      if (bytes > this.pending.length) this.pending = Buffer.allocUnsafe(bytes);
    }
    this.pendingLength += this.pending.write(line, this.pendingLength);
    this.pending[this.pendingLength++] = NEWLINE;
    this.lines += 1;
    if (this.pendingLength >= this.pending.length) await this.flush();
  }

  /** Makes the file durable and puts it in place; returns its absolute path. */
  async commit(): Promise<string> {
    if (this.finished) throw new Error('Batchlens: a requests file was committed or discarded already');
    this.finished = true;
    try {
      await this.flush();
      await this.settled();
      await this.handle.sync();
      await this.handle.close();
      await fs.rename(this.temp, this.target);
    } catch (error) {
      await this.handle.close().catch(() => undefined);
      await fs.rm(this.temp, { force: true });
      throw error;
    }
    return this.target;
  }

  /** Removes the temp file (nothing was kept). Safe to call more than once. */
  async discard(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    await this.writing;
    await this.handle.close().catch(() => undefined);
    await fs.rm(this.temp, { force: true });
  }

  /** Starts writing what was appended, once the previous write is done (its failure is thrown here). */
  private async flush(): Promise<void> {
    if (this.pendingLength === 0) return;
    const full = this.pending;
    const length = this.pendingLength;
    this.pending = Buffer.alloc(0);
    this.pendingLength = 0;
    await this.settled();
    // The previous write is done: its buffer takes the next lines.
    const free = this.inFlight;
    this.inFlight = full;
    this.pending = free && free.length === WRITE_CHUNK_BYTES ? free : Buffer.allocUnsafe(WRITE_CHUNK_BYTES);
    this.writing = this.handle.write(full, 0, length).then(
      () => undefined,
      (error: unknown) => {
        this.writeFailure ??= { error };
      },
    );
  }

  /** Waits for the write in flight; throws the first write failure. */
  private async settled(): Promise<void> {
    await this.writing;
    if (this.writeFailure) throw this.writeFailure.error;
  }
}

const CUSTOM_ID_PREFIX = Buffer.from('{"custom_id":"');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;

/**
 * The custom id of one stored line. Lines Batchlens wrote start with `{"custom_id":"`, and a valid id
 * holds no escapes, so it is read off directly; any other line is parsed.
 */
export function customIdOfLine(line: Buffer): string {
  if (line.subarray(0, CUSTOM_ID_PREFIX.length).equals(CUSTOM_ID_PREFIX)) {
    const end = line.indexOf(QUOTE, CUSTOM_ID_PREFIX.length);
    if (end > 0 && line.subarray(CUSTOM_ID_PREFIX.length, end).indexOf(BACKSLASH) < 0) {
      return line.toString('utf8', CUSTOM_ID_PREFIX.length, end);
    }
  }
  return (JSON.parse(line.toString('utf8')) as BatchRequest).custom_id;
}

/**
 * Every non-blank line of a requests file, in order, from byte `from` (the start, or a line's `next`),
 * read a megabyte at a time into one buffer, reused (a line is a view into it: valid until the next
 * row is read), so reading a 230 MB batch twice allocates no more than that buffer.
 */
export async function* readRequestLines(file: string, from = 0): AsyncGenerator<RequestLine> {
  const handle = await fs.open(file, 'r');
  try {
    let buffer = Buffer.allocUnsafe(WRITE_CHUNK_BYTES);
    /** Bytes of `buffer` holding file data, from file offset `base`. */
    let filled = 0;
    let base = from;
    for (;;) {
      if (filled === buffer.length) {
        // A line longer than the buffer: room for more of it.
        const bigger = Buffer.allocUnsafe(buffer.length * 2);
        buffer.copy(bigger, 0, 0, filled);
        buffer = bigger;
      }
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, base + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
      const data = buffer.subarray(0, filled);
      let start = 0;
      for (let end = data.indexOf(NEWLINE, start); end >= 0; end = data.indexOf(NEWLINE, start)) {
        const line = data.subarray(start, end);
        start = end + 1;
        if (!isBlank(line)) yield { customId: customIdOfLine(line), line, next: base + start };
      }
      // The start of a line cut by the read moves to the front; the next read goes after it.
      buffer.copyWithin(0, start, filled);
      base += start;
      filled -= start;
    }
    const last = buffer.subarray(0, filled);
    if (filled > 0 && !isBlank(last)) yield { customId: customIdOfLine(last), line: last, next: base + filled };
  } finally {
    await handle.close();
  }
}

/**
 * The job's stored request lines (all of them, or those whose custom ids are in `wanted`), in the
 * file's (manifest) order. Read from the requests file when the store keeps one on disk; a store
 * without a folder (in memory) serializes what `readRequests` returns. A read from the start that
 * goes to the end must find every wanted id: a request that cannot be resent unchanged is an error,
 * never silently dropped.
 */
export function storedRequestLines(
  store: Pick<JobStore, 'readRequests'> & { readonly dir?: string },
  job: Job,
  wanted?: ReadonlySet<string>,
): RequestLineSource {
  return async function* (from = 0) {
    if (wanted?.size === 0) return;
    const found = new Set<string>();
    const source: AsyncIterable<RequestLine> = store.dir !== undefined
      ? readRequestLines(path.join(store.dir, job.requestsFile), from)
      : (async function* () {
          let index = 0;
          for (const [customId, request] of await store.readRequests(job.id)) {
            index += 1;
            if (index > from) yield { customId, line: Buffer.from(JSON.stringify(request)), next: index };
          }
        })();
    for await (const row of source) {
      if (wanted === undefined) {
        yield row;
        continue;
      }
      if (!wanted.has(row.customId) || found.has(row.customId)) continue;
      found.add(row.customId);
      yield row;
    }
    const missing = from === 0 && wanted ? [...wanted].find((id) => !found.has(id)) : undefined;
    if (missing !== undefined) throw new Error(`job ${job.id}: the stored requests have no row ${missing}, so it cannot be sent unchanged`);
  };
}

function isBlank(line: Buffer): boolean {
  for (const byte of line) if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0d) return false;
  return true;
}
