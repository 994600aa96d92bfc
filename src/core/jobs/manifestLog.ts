import { closeSync, openSync, readSync } from 'node:fs';
import * as path from 'node:path';
import { nodeCrypto } from '../util/nodeCrypto';
import { checkedJobId } from './jobIds';
import type { ManifestEntry } from './jobModel';
import { RequestsFileWriter } from './requestsFile';

/** Bytes read back at a time. */
const READ_CHUNK_BYTES = 1 << 20;
const NEWLINE = 0x0a;

/** A manifest row as a rows-log line (no newline): the one place that spells it, for this writer and jobRowsLog.ts. */
export function manifestLogLine(entry: ManifestEntry): string {
  return JSON.stringify({ m: entry });
}

function entryOf(line: string): ManifestEntry {
  return (JSON.parse(line) as { m: ManifestEntry }).m;
}

/**
 * A new job's manifest, written as its rows are built straight into what becomes the job's rows log
 * in the store (`jobs/<id>.rows.<generation>.jsonl`, one `{"m": entry}` line a row: the format of
 * jobRowsLog.ts), so a 100,000-row job's manifest is never held in memory whole. The lines go to a
 * temp file beside it until `place` puts it under its name (the store does that while creating the
 * job, `FileJobStore.createWithRowsLog`); `discard` drops it.
 */
export class ManifestLog {
  private rowCount = 0;
  private placed = false;

  private constructor(
    /** The rows log's name relative to the store folder, once placed. */
    readonly rowsFile: string,
    private readonly target: string,
    private readonly writer: RequestsFileWriter,
  ) {}

  /** Opens the manifest log of job `jobId` under `storeDir` (the store's `.batchlens/`). */
  static async open(storeDir: string, jobId: string): Promise<ManifestLog> {
    const rowsFile = `jobs/${checkedJobId(jobId)}.rows.${nodeCrypto().randomBytes(6).toString('hex')}.jsonl`;
    const target = path.join(storeDir, rowsFile);
    return new ManifestLog(rowsFile, target, await RequestsFileWriter.openFile(target));
  }

  /** Rows appended so far. */
  get rows(): number {
    return this.rowCount;
  }

  async append(entry: ManifestEntry): Promise<void> {
    this.rowCount += 1;
    await this.writer.append(manifestLogLine(entry));
  }

  /** Writes out what was appended, so that `entries` reads every row. */
  written(): Promise<void> {
    return this.writer.written();
  }

  /** Every entry in order, read back from the file a chunk at a time (call `written` first). */
  *entries(): Generator<ManifestEntry> {
    const fd = openSync(this.placed ? this.target : this.writer.tempFile, 'r');
    try {
      // Lines are cut from the bytes (one small string each), never from a decoded chunk: a string of a
      // megabyte goes straight to V8's old generation and lingers there.
      let carry: Buffer | undefined;
      for (;;) {
        const chunk = Buffer.allocUnsafe(READ_CHUNK_BYTES);
        const read = readSync(fd, chunk, 0, chunk.length, null);
        if (read === 0) break;
        const data = carry ? Buffer.concat([carry, chunk.subarray(0, read)]) : chunk.subarray(0, read);
        let start = 0;
        for (let end = data.indexOf(NEWLINE); end >= 0; end = data.indexOf(NEWLINE, start)) {
          if (end > start) yield entryOf(data.toString('utf8', start, end));
          start = end + 1;
        }
        carry = start < data.length ? Buffer.from(data.subarray(start)) : undefined;
      }
      if (carry) yield entryOf(carry.toString('utf8'));
    } finally {
      closeSync(fd);
    }
  }

  /** Makes the log durable and puts it in place under `rowsFile`. */
  async place(): Promise<void> {
    await this.writer.commit();
    this.placed = true;
  }

  /** Removes the log unless it was placed (a job now owns it). Safe to call more than once. */
  async discard(): Promise<void> {
    if (!this.placed) await this.writer.discard();
  }
}
