import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** A path that would land outside the workspace (absolute, `..`, or through a symlink). Nothing is written. */
export class OutsideWorkspaceError extends Error {
  override name = 'OutsideWorkspaceError';
  constructor(readonly relativePath: string, reason: string) {
    super(`refusing to write '${relativePath}': ${reason}`);
  }
}

/**
 * The absolute path of a workspace-relative path, checked to stay inside the workspace: no absolute
 * paths, no `..` segments, no NUL, no symlinked folder or file leading out of it.
 * @throws OutsideWorkspaceError when any check fails.
 */
export async function confineToWorkspace(root: string, relativePath: string): Promise<string> {
  if (relativePath.length === 0 || relativePath.includes('\0')) {
    throw new OutsideWorkspaceError(relativePath, 'empty or invalid path');
  }
  if (path.isAbsolute(relativePath) || path.win32.isAbsolute(relativePath) || /^[a-zA-Z]:/.test(relativePath)) {
    throw new OutsideWorkspaceError(relativePath, 'absolute paths are not allowed');
  }
  // Workspace-relative paths use `/`. On POSIX a backslash is an ordinary file-name character
  // (`a\b.md` is one file, not a folder `a`); on Windows it separates folders too.
  const segments = relativePath.split(path.sep === '\\' ? /[\\/]+/ : /\/+/);
  if (segments.includes('..')) {
    throw new OutsideWorkspaceError(relativePath, '`..` segments are not allowed');
  }
  const realRoot = await fs.realpath(root);
  const target = path.join(realRoot, ...segments.filter((segment) => segment !== '' && segment !== '.'));
  if (!isInside(realRoot, target)) {
    throw new OutsideWorkspaceError(relativePath, 'it resolves outside the workspace');
  }
  // Every existing ancestor must resolve inside the workspace, or a symlinked folder leads out.
  const existing = await nearestExisting(path.dirname(target));
  const realExisting = await fs.realpath(existing);
  if (!isInside(realRoot, realExisting)) {
    throw new OutsideWorkspaceError(relativePath, 'a symlinked folder leads outside the workspace');
  }
  const stat = await fs.lstat(target).catch(() => undefined);
  if (stat?.isSymbolicLink()) {
    throw new OutsideWorkspaceError(relativePath, 'the file is a symlink');
  }
  if (stat?.isDirectory()) {
    throw new OutsideWorkspaceError(relativePath, 'a folder has that name');
  }
  return target;
}

function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

async function nearestExisting(folder: string): Promise<string> {
  let current = folder;
  for (;;) {
    try {
      await fs.lstat(current);
      return current;
    } catch {
      const parent = path.dirname(current);
      if (parent === current) {
        return current;
      }
      current = parent;
    }
  }
}

/** `src/a.ts.md` -> `src/a.ts.1.md`: the n-th alternative name for an output file. */
export function alternativeName(relativePath: string, n: number): string {
  const folder = path.posix.dirname(relativePath);
  const base = path.posix.basename(relativePath);
  const dot = base.lastIndexOf('.');
  const named = dot > 0 ? `${base.slice(0, dot)}.${n}${base.slice(dot)}` : `${base}.${n}`;
  return folder === '.' ? named : `${folder}/${named}`;
}

/** Workspace-relative form (forward slashes) of an absolute path inside the workspace. */
export function toWorkspaceRelative(root: string, absolutePath: string): string {
  return path.relative(root, absolutePath).split(path.sep).join('/');
}
