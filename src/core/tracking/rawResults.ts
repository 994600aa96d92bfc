import { nodeCrypto } from '../util/nodeCrypto';
import { promises as fs } from 'node:fs';
import type { BatchApi } from '../api/batchApi';
import { BatchApiError } from '../api/errors';
import type { Logger } from '../util/logger';
import { failureFacts } from './apiErrors';

/**
 * Downloading a batch's results JSONL to a local file before anything parses it: the bytes go to disk
 * at network speed, and the file is processed afterwards in large synchronous chunks (see
 * resultsWriter.ts). Each download writes its own temp file, so two downloads of one batch at once
 * never interleave lines; the caller moves the finished file into place under the store lock.
 *
 * A download cut for good is parked as `<raw>.partial` (complete lines only); the next download
 * claims it with an atomic rename and asks the API only for the lines after it.
 */

export interface RawDownloadOptions {
  api: BatchApi;
  batchId: string;
  /** Absolute path of the batch's raw results file (`<resultsDir>/<batchId>.jsonl`); never written here. */
  rawPath: string;
  logger: Logger;
  signal?: AbortSignal;
  /** How many times a cut stream is resumed within one call. */
  maxResumes: number;
}

export interface RawDownload {
  /** The complete body, every line ending in `\n`; the caller renames it into place or removes it. */
  tempPath: string;
  bytes: number;
}

const FLUSH_BYTES = 1 << 20;

/** `<raw>.partial`: complete lines of a download that was cut for good, waiting for the next call. */
export function partialPathOf(rawPath: string): string {
  return `${rawPath}.partial`;
}

/**
 * Downloads the whole results body of one batch into a fresh temp file beside `rawPath`.
 * @throws the API's error when the body cannot be completed (the complete lines are parked for the next call).
 */
export async function downloadRawResults(options: RawDownloadOptions): Promise<RawDownload> {
  const tempPath = `${options.rawPath}.${process.pid}.${nodeCrypto().randomBytes(6).toString('hex')}.download`;
  const claimed = await fs.rename(partialPathOf(options.rawPath), tempPath).then(
    () => true,
    () => false,
  );
  const sink = await TempSink.open(tempPath, claimed);
  try {
    for (let resumes = 0; ; resumes++) {
      try {
        await fetchInto(sink, options);
        await sink.finish();
        return { tempPath, bytes: sink.committedBytes };
      } catch (error) {
        await sink.dropUnfinishedLine();
        const facts = failureFacts(error);
        if (facts.kind !== 'connection' || resumes >= options.maxResumes || options.signal?.aborted) {
          await sink.close();
          await parkPartial(tempPath, options.rawPath, sink.committedLines);
          throw error;
        }
        options.logger.info(`Results download of ${options.batchId} was cut after ${sink.committedLines} lines; resuming.`);
      }
    }
  } finally {
    await sink.close();
  }
}

/** One request for the body, appending what the temp file does not have yet. */
async function fetchInto(sink: TempSink, options: RawDownloadOptions): Promise<void> {
  const skipLines = sink.committedLines;
  if (options.api.resultsBytes) {
    let toSkip = skipLines;
    // Network chunks are small; they are gathered into ~1 MB writes so the socket is drained at once
    // instead of waiting on one file write per chunk. One buffer is reused for every write: a fresh
    // one per megabyte lay outside the heap until a collection freed it, and a long download made
    // tens of them before one did.
    const gathered = Buffer.allocUnsafe(FLUSH_BYTES);
    let filled = 0;
    const flush = async () => {
      if (filled === 0) return;
      const bytes = gathered.subarray(0, filled);
      filled = 0;
      await sink.append(bytes);
    };
    try {
      for await (const chunk of options.api.resultsBytes(options.batchId, { signal: options.signal })) {
        let start = 0;
        while (toSkip > 0 && start < chunk.length) {
          const newline = chunk.indexOf(0x0a, start);
          if (newline === -1) {
            start = chunk.length;
            break;
          }
          start = newline + 1;
          toSkip -= 1;
        }
        while (start < chunk.length) {
          const taken = Math.min(chunk.length - start, FLUSH_BYTES - filled);
          gathered.set(chunk.subarray(start, start + taken), filled);
          filled += taken;
          start += taken;
          if (filled === FLUSH_BYTES) await flush();
        }
      }
    } finally {
      // What arrived before a failure is kept; the sink keeps only its complete lines.
      await flush();
    }
    return;
  }
  // An API without a byte stream: its parsed rows are written back as lines (same content, one per line).
  let pending: string[] = [];
  let pendingBytes = 0;
  try {
    for await (const row of options.api.results(options.batchId, { resumeFrom: { linesDelivered: skipLines }, signal: options.signal })) {
      const line = `${JSON.stringify(row)}\n`;
      pending.push(line);
      pendingBytes += line.length;
      if (pendingBytes >= FLUSH_BYTES) {
        await sink.append(Buffer.from(pending.join('')));
        pending = [];
        pendingBytes = 0;
      }
    }
  } finally {
    // Rows already delivered are complete lines: keep them even when the stream fails after them.
    if (pending.length > 0) {
      await sink.append(Buffer.from(pending.join('')));
    }
  }
}

/** Keeps the complete lines of a failed download for the next call (a longer one already parked wins). */
async function parkPartial(tempPath: string, rawPath: string, lines: number): Promise<void> {
  if (lines === 0) {
    await fs.rm(tempPath, { force: true });
    return;
  }
  await fs.rename(tempPath, partialPathOf(rawPath)).catch(() => fs.rm(tempPath, { force: true }));
}

/** The temp file, written in large appends; remembers where its last complete line ends. */
class TempSink {
  committedBytes = 0;
  committedLines = 0;
  private writtenBytes = 0;
  private closed = false;

  private constructor(private readonly handle: fs.FileHandle) {}

  static async open(file: string, keepExisting: boolean): Promise<TempSink> {
    const handle = await fs.open(file, keepExisting ? 'r+' : 'w+');
    const sink = new TempSink(handle);
    if (keepExisting) {
      await sink.scanExisting();
    }
    return sink;
  }

  async append(bytes: Uint8Array): Promise<void> {
    await this.handle.write(bytes, 0, bytes.length, this.writtenBytes);
    const lastNewline = bytes.lastIndexOf(0x0a);
    if (lastNewline !== -1) {
      this.committedBytes = this.writtenBytes + lastNewline + 1;
      this.committedLines += countNewlines(bytes);
    }
    this.writtenBytes += bytes.length;
  }

  /** Cuts a half-received last line, so a resumed request continues at a line boundary. */
  async dropUnfinishedLine(): Promise<void> {
    if (this.writtenBytes !== this.committedBytes) {
      await this.handle.truncate(this.committedBytes);
      this.writtenBytes = this.committedBytes;
    }
  }

  /**
   * Accepts a body whose last line lacks its newline only when that line is complete JSON (a cut line
   * never is); otherwise the body was cut, which is a connection failure like any other.
   */
  async finish(): Promise<void> {
    if (this.writtenBytes > this.committedBytes) {
      const tail = Buffer.alloc(this.writtenBytes - this.committedBytes);
      await this.handle.read(tail, 0, tail.length, this.committedBytes);
      const text = tail.toString('utf8');
      if (!isCompleteJson(text)) {
        throw new BatchApiError({ kind: 'connection', message: `The results download ended in the middle of a line after ${this.committedLines} complete lines.` });
      }
      await this.append(Buffer.from('\n'));
    }
    await this.handle.sync();
  }

  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      await this.handle.close();
    }
  }

  private async scanExisting(): Promise<void> {
    const buffer = Buffer.alloc(FLUSH_BYTES);
    let offset = 0;
    for (;;) {
      const { bytesRead } = await this.handle.read(buffer, 0, buffer.length, offset);
      if (bytesRead === 0) {
        break;
      }
      const chunk = buffer.subarray(0, bytesRead);
      const lastNewline = chunk.lastIndexOf(0x0a);
      if (lastNewline !== -1) {
        this.committedBytes = offset + lastNewline + 1;
        this.committedLines += countNewlines(chunk);
      }
      offset += bytesRead;
    }
    this.writtenBytes = offset;
    await this.dropUnfinishedLine();
  }
}

function countNewlines(bytes: Uint8Array): number {
  let lines = 0;
  for (let at = bytes.indexOf(0x0a); at !== -1; at = bytes.indexOf(0x0a, at + 1)) {
    lines += 1;
  }
  return lines;
}

function isCompleteJson(text: string): boolean {
  if (text.trim() === '') {
    return true;
  }
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
