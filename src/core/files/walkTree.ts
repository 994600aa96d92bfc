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
  const stack: Array<{ dir: string; layers: IgnoreLayer[] }> = [{ dir: start, layers: await rules.layersFor(start) }];
  while (stack.length > 0) {
    throwIfAborted(signal);
    const { dir, layers } = stack.pop()!;
    let dirents: Dirent[];
    try {
      dirents = await fs.readdir(path.join(root, dir), { withFileTypes: true });
    } catch (error) {
      yield { dir, error };
      continue;
    }
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

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError();
}
