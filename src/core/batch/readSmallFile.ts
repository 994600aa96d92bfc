import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

export type SmallFileRead =
  | { kind: 'ok'; bytes: Buffer }
  | { kind: 'empty' }
  | { kind: 'too-large'; size: number }
  | { kind: 'not-a-file' };

/**
 * Reads one file of a selection in four direct system calls (open, fstat, read, close). Collecting
 * 100,000 small files through the promise API cost a thread-pool round trip per call and several
 * per read, about 3x a plain read loop; a ~2 KB file takes microseconds this way, and the collector
 * awaits between files, so the event loop still gets its turns.
 *
 * Opened non-blocking, so a FIFO or device never hangs the open; anything that is not a regular
 * file is reported, not read.
 * @throws the system error when the file cannot be opened or read.
 */
export function readSmallFile(absolutePath: string, maxBytes: number): SmallFileRead {
  const fd = openSync(absolutePath, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return { kind: 'not-a-file' };
    if (stat.size === 0) return { kind: 'empty' };
    if (stat.size > maxBytes) return { kind: 'too-large', size: stat.size };
    // One byte more than the size: a file that grew since fstat shows as over its size, never cut short.
    const buffer = Buffer.allocUnsafe(Math.min(stat.size + 1, maxBytes + 1));
    let length = 0;
    while (length < buffer.length) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
    }
    if (length === 0) return { kind: 'empty' };
    if (length > maxBytes) return { kind: 'too-large', size: length };
    return { kind: 'ok', bytes: buffer.subarray(0, length) };
  } finally {
    closeSync(fd);
  }
}
