/**
 * Splits a byte stream into lines as the bytes arrive, so a results file of any size is read with
 * memory bounded by its longest line. Lines end at `\n`; a `\r` before it is dropped (CRLF files).
 * Splitting happens on bytes, so a multi-byte UTF-8 character cut across two chunks is never broken.
 */
export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private readonly decoder = new TextDecoder('utf-8');

  /** Feeds one chunk; returns the lines it completed (without their terminators). */
  push(chunk: Uint8Array): string[] {
    const lines: string[] = [];
    let start = 0;
    let newline = chunk.indexOf(0x0a, start);
    while (newline !== -1) {
      lines.push(this.decodeLine(this.takePending(chunk.subarray(start, newline))));
      start = newline + 1;
      newline = chunk.indexOf(0x0a, start);
    }
    if (start < chunk.length) {
      // Copy: the caller may reuse the chunk's memory.
      const rest = Buffer.from(chunk.subarray(start));
      this.pending.push(rest);
      this.pendingBytes += rest.length;
    }
    return lines;
  }

  /** Bytes after the last newline: a line the stream has not finished (yet, or ever). */
  get remainderBytes(): number {
    return this.pendingBytes;
  }

  /** Takes the unfinished last line, emptying the splitter. */
  takeRemainder(): string {
    return this.decodeLine(this.takePending(new Uint8Array(0)));
  }

  private takePending(tail: Uint8Array): Buffer {
    const bytes = this.pending.length === 0 ? Buffer.from(tail) : Buffer.concat([...this.pending, tail]);
    this.pending = [];
    this.pendingBytes = 0;
    return bytes;
  }

  private decodeLine(bytes: Buffer): string {
    const end = bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.length - 1 : bytes.length;
    return this.decoder.decode(bytes.subarray(0, end));
  }
}
