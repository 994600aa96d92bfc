import { nodeCrypto } from './nodeCrypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** Pieces are joined and written once this much text has gathered, so a large file is never held whole. */
const CHUNK_CHARS = 1 << 20;

export interface AtomicWriteOptions {
  /**
   * Default true: fsync the file and its folder, so a crash right after the call keeps the new
   * content. False only for files Batchlens can write again from what is already durable (a
   * result's output file, rebuilt from the downloaded results file): still never torn, but not
   * flushed, since flushing 100,000 small files one by one costs minutes.
   */
  durable?: boolean;
}

/**
 * The one way Batchlens replaces a file: readers see the old content or the new, never a torn
 * write. A temp file beside the target (`<file>.<pid>.<random>.tmp`, the shape `storeSweep` cleans
 * up after a killed process) is written and fsynced, renamed over the target, and the folder is
 * fsynced so the rename itself is on disk (where the platform allows opening a folder for that;
 * not on Windows).
 */
export async function writeFileAtomic(file: string, text: string, options: AtomicWriteOptions = {}): Promise<void> {
  await writeFileAtomicChunks(file, [text], options);
}

/** `writeFileAtomic` for text produced piece by piece: written in ~1 MB appends. */
export async function writeFileAtomicChunks(file: string, pieces: Iterable<string>, options: AtomicWriteOptions = {}): Promise<void> {
  const durable = options.durable ?? true;
  await fs.mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.${nodeCrypto().randomBytes(6).toString('hex')}.tmp`;
  const handle = await fs.open(temp, 'w');
  try {
    let pending: string[] = [];
    let pendingLength = 0;
    for (const piece of pieces) {
      pending.push(piece);
      pendingLength += piece.length;
      if (pendingLength >= CHUNK_CHARS) {
        await handle.write(pending.join(''));
        pending = [];
        pendingLength = 0;
      }
    }
    if (pending.length > 0) await handle.write(pending.join(''));
    if (durable) await handle.sync();
  } catch (error) {
    await handle.close();
    await fs.rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await fs.rename(temp, file);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
  if (durable) await syncFolder(path.dirname(file));
}

/**
 * Flushes a folder's entries (a rename) to disk. Windows cannot open a folder for this, and some
 * file systems refuse to fsync one: the data is already safe in the file then, only the rename's
 * durability is best effort.
 */
async function syncFolder(folder: string): Promise<void> {
  if (process.platform === 'win32') return;
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(folder, 'r');
    await handle.sync();
  } catch (error) {
    if (!isUnsupported(error)) throw error;
  } finally {
    await handle?.close();
  }
}

function isUnsupported(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return code === 'EISDIR' || code === 'EINVAL' || code === 'EPERM' || code === 'ENOTSUP' || code === 'EBADF';
}
