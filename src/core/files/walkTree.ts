import type { Dirent } from 'node:fs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { abortError } from '../util/clock';
import type { ExclusionRules, IgnoreLayer } from './exclusionRules';

/** Folders never entered, whatever the rules say: version control, dependencies, Batchlens's own store. */
export const ALWAYS_SKIPPED_DIRS: ReadonlySet<string> = new Set(['.git', 'node_modules', '.batchlens']);

/** Git's own bookkeeping inside walked folders: read for its rules, never content, not listed. */
const GIT_METADATA_FILES: ReadonlySet<string> = new Set(['.gitignore', '.gitattributes', '.gitmodules', '.gitkeep']);

/** One entry of a walked folder. */
export interface TreeEntry {
  /** Relative to the walk's root, forward slashes. */
  relativePath: string;
  /** `file` and `symlink` as the directory entry says (a symlink is not resolved); `special` is a FIFO, socket or device. */
  kind: 'file' | 'dir' | 'symlink' | 'special';
  dirent: Dirent;
  /** Why the exclusion rules leave it out (a folder left out is not entered), or undefined when kept. */
  excludedBy?: string;
}

/** A folder's entries in name order, or why it could not be read. */
export type TreeFolder = { dir: string; entries: TreeEntry[] } | { dir: string; error: unknown };

/**
 * Walks `start` (root-relative, '' for the root) depth-first, one folder at a time in name order,
 * yielding each folder's entries with the exclusion rules' verdict. Kept subfolders are entered
 * after their parent's entries are yielded; `.git/`, `node_modules/` and `.batchlens/` never are,
 * and git's own files (`.gitignore`…) are not listed. Rejects with an `AbortError` once `signal` aborts.
 */
export async function* walkTree(root: string, start: string, rules: ExclusionRules, signal?: AbortSignal): AsyncGenerator<TreeFolder, void, undefined> {
  const stack: PendingFolder[] = [{ dir: start, layers: await rules.layersFor(start) }];
  while (stack.length > 0) {
    throwIfAborted(signal);
    const { dir, layers, listing } = stack.pop()!;
    // The next folders' listings are asked for now, so the thread pool reads them while this one's entries are used.
    for (let index = stack.length - 1; index >= Math.max(0, stack.length - LISTINGS_AHEAD); index--) stack[index].listing ??= listFolder(root, stack[index].dir);
    const listed = await (listing ?? listFolder(root, dir));
    if ('error' in listed) {
      yield { dir, error: listed.error };
      continue;
    }
    const dirents = listed.dirents;
    dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const entries: TreeEntry[] = [];
    const subdirs: string[] = [];
    for (const dirent of dirents) {
      const relativePath = dir ? `${dir}/${dirent.name}` : dirent.name;
      const isDir = dirent.isDirectory();
      if (isDir ? ALWAYS_SKIPPED_DIRS.has(dirent.name) : GIT_METADATA_FILES.has(dirent.name)) continue;
      const kind = isDir ? 'dir' : dirent.isFile() ? 'file' : dirent.isSymbolicLink() ? 'symlink' : 'special';
      // A FIFO, socket or device is reported as it is, whatever the rules say.
      const excludedBy = kind === 'special' ? undefined : rules.excludedBy(relativePath, isDir, layers);
      entries.push(excludedBy === undefined ? { relativePath, kind, dirent } : { relativePath, kind, dirent, excludedBy });
      if (isDir && excludedBy === undefined) subdirs.push(relativePath);
    }
    yield { dir, entries };
    // Pushed in reverse so the walk visits folders in name order.
    const childLayers = await Promise.all(subdirs.map((child) => rules.childLayers(child, layers)));
    for (let index = subdirs.length - 1; index >= 0; index--) stack.push({ dir: subdirs[index], layers: childLayers[index] });
  }
}

/**
 * Folders whose listing is asked for ahead of the walk. One `readdir` at a time left the walk idle
 * for a thread-pool round trip per folder (about a tenth of collecting 100,000 files); a few ahead
 * overlap those with the work on the current folder.
 */
const LISTINGS_AHEAD = 4;

interface PendingFolder {
  dir: string;
  layers: IgnoreLayer[];
  /** Its listing, once asked for ahead of the walk (never rejects: a failure is the `error`). */
  listing?: Promise<{ dirents: Dirent[] } | { error: unknown }>;
}

function listFolder(root: string, dir: string): Promise<{ dirents: Dirent[] } | { error: unknown }> {
  return fs.readdir(path.join(root, dir), { withFileTypes: true }).then(
    (dirents) => ({ dirents }),
    (error: unknown) => ({ error }),
  );
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError();
}
