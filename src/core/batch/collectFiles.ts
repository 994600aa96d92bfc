import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ExclusionRules, repositoryTop } from '../files/exclusionRules';
import { ALWAYS_SKIPPED_DIRS, walkTree } from '../files/walkTree';
import { abortError } from '../util/clock';
import { decodeUtf8, looksBinary } from './contentSniff';
import { readSmallFile } from './readSmallFile';
import { isLikelySecretFile } from './secretFiles';
import { sha256Hex } from '../util/sha256';
import { DigestSet } from '../util/digestSet';

export type SkipReason = 'binary' | 'secret' | 'ignored' | 'empty' | 'too-large' | 'unreadable' | 'special';

/** A text file accepted for the batch, read once. */
export interface CollectedFile {
  /** Workspace-relative, forward slashes. */
  relativePath: string;
  absolutePath: string;
  content: string;
  bytes: number;
  /** sha256 of the file's bytes, hex. */
  sha256: string;
}

export interface SkippedFile {
  /** Workspace-relative, forward slashes; a folder skipped whole ends with `/`. */
  relativePath: string;
  reason: SkipReason;
  /** A few words for the user, e.g. "matched .gitignore in src/". */
  detail?: string;
}

export type CollectEvent = { type: 'file'; file: CollectedFile } | { type: 'skipped'; skipped: SkippedFile };

export interface CollectProgress {
  /** Files looked at so far (accepted + skipped files; skipped folders count once). */
  scanned: number;
  accepted: number;
  skipped: number;
  /** The path being looked at, workspace-relative. */
  current: string;
}

export interface CollectOptions {
  /** Workspace root: every path is confined to it; `.gitignore` files apply from its repository's top down. */
  root: string;
  /** Files and folders the user selected (absolute, or relative to `root`). */
  selection: readonly string[];
  /** Files over this many bytes are skipped as `too-large`. */
  maxFileBytes: number;
  /** `files.exclude`-style globs (the enabled keys), glob syntax (braces, `**`), relative to `root`. */
  filesExclude?: readonly string[];
  /** `batchlens.exclude` globs, in gitignore syntax, relative to `root`. */
  exclude?: readonly string[];
  /** Asked once per likely-secret file; the file is sent only when it resolves true. */
  confirmSecret?: (relativePath: string) => Promise<boolean>;
  signal?: AbortSignal;
  /** Called after each file (cheap: it only reports counters). */
  onProgress?: (progress: CollectProgress) => void;
}

/**
 * Files of one folder read concurrently ahead of the consumer. Reading one file at a time left the
 * walk waiting on open/stat/read/close round trips (about 1 ms a file); a few reads in flight keep
 * the disk busy while events still come out in name order.
 */
const READ_AHEAD = 8;

/**
 * Expands a selection of files and folders into the text files to send, as a stream of events
 * (accepted files and skips with reasons), so 100,000+ files never sit in memory as a list of stats.
 *
 * Folders are walked depth-first in name order by `walkTree`, leaving out what `ExclusionRules` says
 * (every `.gitignore` from the repository's top down as git reads them, `filesExclude` globs and `exclude`). Files the user selected
 * one by one are taken as asked for, apart from the checks below. `.git/`, `node_modules/` and
 * `.batchlens/` are never entered. A file reached twice (selected and inside a selected folder, or
 * through a symlink) is yielded once. Symlinks are resolved: one leading outside the workspace is
 * skipped, a linked folder is not entered (its real folder is walked where it lives).
 * Each file is then checked: likely secret (`confirmSecret` must approve), empty, over
 * `maxFileBytes`, unreadable, binary (NUL or invalid UTF-8 in the first 8 KB).
 *
 * Rejects with an `AbortError` as soon as `signal` aborts.
 */
export async function* collectFiles(options: CollectOptions): AsyncGenerator<CollectEvent, void, undefined> {
  const root = await fs.realpath(options.root);
  const rules = new ExclusionRules({ root, top: (await repositoryTop(root)) ?? root, filesExclude: options.filesExclude, exclude: options.exclude });
  // Every path yielded, as a 16-byte digest: a 100,000-file selection keeps no list of its paths.
  const seenFiles = new DigestSet();
  const progress: CollectProgress = { scanned: 0, accepted: 0, skipped: 0, current: '' };

  const emit = (event: CollectEvent): CollectEvent => {
    progress.scanned++;
    if (event.type === 'file') progress.accepted++;
    else progress.skipped++;
    progress.current = event.type === 'file' ? event.file.relativePath : event.skipped.relativePath;
    options.onProgress?.({ ...progress });
    return event;
  };

  // Read-ahead starts several checks at once; secret confirmations must still come one at a time, in order.
  const examineOptions: CollectOptions = options.confirmSecret ? { ...options, confirmSecret: oneAtATime(options.confirmSecret) } : options;

  const selection = await resolveSelection(root, options.selection);
  for (const item of selection) {
    if (item.type === 'skipped') {
      yield emit(item);
      continue;
    }
    const { relativePath, isDir } = item;
    if (!isDir) {
      const event = await examineFile(root, relativePath, seenFiles, examineOptions);
      if (event) yield emit(event);
      continue;
    }
    for await (const folder of walkTree(root, relativePath, rules, options.signal)) {
      if ('error' in folder) {
        yield emit({ type: 'skipped', skipped: { relativePath: `${folder.dir}/`, reason: 'unreadable', detail: errorDetail(folder.error) } });
        continue;
      }
      const checks: Array<() => Promise<CollectEvent | undefined>> = [];
      for (const entry of folder.entries) {
        const childPath = entry.relativePath;
        if (entry.excludedBy !== undefined) {
          const skipped: SkippedFile = { relativePath: entry.kind === 'dir' ? `${childPath}/` : childPath, reason: 'ignored', detail: entry.excludedBy };
          // Queued with the files so every event still comes out in name order.
          checks.push(async () => ({ type: 'skipped', skipped }));
        } else if (entry.kind === 'special') {
          // A FIFO, socket or device is never opened (reading a FIFO blocks forever); it is reported.
          checks.push(async () => ({ type: 'skipped', skipped: { relativePath: childPath, reason: 'special', detail: specialKind(entry.dirent) } }));
        } else if (entry.kind === 'symlink') {
          checks.push(async () => {
            const resolved = await resolveLink(root, childPath);
            if (resolved.type === 'skipped') return resolved;
            // A linked folder is not entered: that avoids cycles, and its real folder is walked where it lives.
            if (resolved.isDir) return undefined;
            return examineFile(root, resolved.relativePath, seenFiles, examineOptions, childPath);
          });
        } else if (entry.kind === 'file') {
          // The directory entry already says it is a regular file: no extra stat before opening it.
          checks.push(() => examineFile(root, childPath, seenFiles, examineOptions, childPath, true));
        }
      }
      for await (const event of inOrderReadAhead(checks, READ_AHEAD, options.signal)) {
        if (event) yield emit(event);
      }
    }
  }
}

/**
 * Runs `tasks` with at most `limit` in flight and yields their results in the tasks' order, so a
 * consumer that stops early (or an abort) leaves at most `limit` tasks running.
 */
async function* inOrderReadAhead<T>(tasks: ReadonlyArray<() => Promise<T>>, limit: number, signal?: AbortSignal): AsyncGenerator<T, void, undefined> {
  const inFlight: Promise<T>[] = [];
  let next = 0;
  while (next < tasks.length && inFlight.length < limit) inFlight.push(tasks[next++]());
  while (inFlight.length > 0) {
    throwIfAborted(signal);
    const result = await inFlight.shift()!;
    if (next < tasks.length) inFlight.push(tasks[next++]());
    yield result;
  }
}

/** Wraps an async question so overlapping calls are asked one after another, in call order. */
function oneAtATime(ask: (relativePath: string) => Promise<boolean>): (relativePath: string) => Promise<boolean> {
  let queue: Promise<unknown> = Promise.resolve();
  return (relativePath) => {
    const answer = queue.then(() => ask(relativePath));
    queue = answer.catch(() => undefined);
    return answer;
  };
}

/** Convenience for small selections and tests: every accepted file and every skip, in order. */
export async function collectAll(options: CollectOptions): Promise<{ files: CollectedFile[]; skipped: SkippedFile[] }> {
  const files: CollectedFile[] = [];
  const skipped: SkippedFile[] = [];
  for await (const event of collectFiles(options)) {
    if (event.type === 'file') files.push(event.file);
    else skipped.push(event.skipped);
  }
  return { files, skipped };
}

type SelectionItem = { type: 'entry'; relativePath: string; isDir: boolean } | { type: 'skipped'; skipped: SkippedFile };

/**
 * Resolves, confines and de-duplicates the selection: a path inside another selected folder is
 * dropped (the folder walk reaches it), and paths outside the workspace are reported.
 */
async function resolveSelection(root: string, selection: readonly string[]): Promise<SelectionItem[]> {
  const entries: Array<{ relativePath: string; isDir: boolean }> = [];
  const skipped: SelectionItem[] = [];
  for (const raw of selection) {
    const given = path.resolve(root, raw);
    const shown = toPosix(path.relative(root, given)) || '.';
    let real: string;
    let isDir: boolean;
    try {
      real = await fs.realpath(given);
      isDir = (await fs.stat(real)).isDirectory();
    } catch (error) {
      skipped.push({ type: 'skipped', skipped: { relativePath: shown, reason: 'unreadable', detail: errorDetail(error) } });
      continue;
    }
    const relative = relativeInside(root, real);
    if (relative === undefined) {
      skipped.push({ type: 'skipped', skipped: { relativePath: shown, reason: 'ignored', detail: 'outside the workspace' } });
      continue;
    }
    if (relative.split('/').some((segment) => ALWAYS_SKIPPED_DIRS.has(segment))) {
      skipped.push({ type: 'skipped', skipped: { relativePath: relative, reason: 'ignored', detail: 'inside .git, node_modules or .batchlens' } });
      continue;
    }
    entries.push({ relativePath: relative, isDir });
  }
  entries.sort((a, b) => (a.relativePath < b.relativePath ? -1 : a.relativePath > b.relativePath ? 1 : 0));
  const kept: SelectionItem[] = [];
  const keptDirs: string[] = [];
  let previous: string | undefined;
  for (const entry of entries) {
    if (entry.relativePath === previous) continue;
    previous = entry.relativePath;
    if (keptDirs.some((dir) => isInside(dir, entry.relativePath))) continue;
    if (entry.isDir) keptDirs.push(entry.relativePath);
    kept.push({ type: 'entry', ...entry });
  }
  return [...skipped, ...kept];
}

async function resolveLink(
  root: string,
  relativePath: string,
): Promise<{ type: 'target'; relativePath: string; isDir: boolean } | { type: 'skipped'; skipped: SkippedFile }> {
  try {
    const real = await fs.realpath(path.join(root, relativePath));
    const inside = relativeInside(root, real);
    if (inside === undefined) {
      return { type: 'skipped', skipped: { relativePath, reason: 'ignored', detail: 'symlink to outside the workspace' } };
    }
    return { type: 'target', relativePath: inside, isDir: (await fs.stat(real)).isDirectory() };
  } catch (error) {
    return { type: 'skipped', skipped: { relativePath, reason: 'unreadable', detail: errorDetail(error) } };
  }
}

/** Runs the per-file checks; undefined when the file was already yielded. */
async function examineFile(
  root: string,
  relativePath: string,
  seenFiles: DigestSet,
  options: CollectOptions,
  shownPath: string = relativePath,
  knownRegular = false,
): Promise<CollectEvent | undefined> {
  if (!seenFiles.add(relativePath)) return undefined;
  const skip = (reason: SkipReason, detail?: string): CollectEvent => ({
    type: 'skipped',
    skipped: detail === undefined ? { relativePath: shownPath, reason } : { relativePath: shownPath, reason, detail },
  });

  if (isLikelySecretFile(relativePath)) {
    const approved = options.confirmSecret ? await options.confirmSecret(relativePath) : false;
    if (!approved) return skip('secret', 'looks like a credentials file; not confirmed');
  }
  const absolutePath = path.join(root, relativePath);
  let bytes: Buffer;
  try {
    // stat (not open) first: opening a FIFO blocks until a writer appears, and a device may never end.
    const kind = knownRegular ? undefined : specialKind(await fs.stat(absolutePath));
    if (kind) return skip('special', kind);
    // readSmallFile opens non-blocking and reads only a regular file: a file swapped for a FIFO after the stat is not read either.
    const read = readSmallFile(absolutePath, options.maxFileBytes);
    if (read.kind === 'empty') return skip('empty');
    if (read.kind === 'too-large') return skip('too-large', `${read.size} bytes, over the ${options.maxFileBytes}-byte limit`);
    if (read.kind === 'not-a-file') return skip('special', 'not a regular file, not read');
    bytes = read.bytes;
  } catch (error) {
    return skip('unreadable', errorDetail(error));
  }
  if (looksBinary(bytes)) return skip('binary');
  const content = decodeUtf8(bytes);
  if (content === undefined) return skip('binary', 'not valid UTF-8');
  return {
    type: 'file',
    file: {
      relativePath,
      absolutePath,
      content,
      bytes: bytes.length,
      sha256: sha256Hex(bytes),
    },
  };
}

/** The workspace-relative posix path of `absolute`, or undefined when it is outside `root`. */
function relativeInside(root: string, absolute: string): string | undefined {
  const relative = path.relative(root, absolute);
  if (relative === '') return '';
  if (relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative)) return undefined;
  return toPosix(relative);
}

function isInside(dir: string, candidate: string): boolean {
  return dir === '' || candidate.startsWith(`${dir}/`);
}

function toPosix(value: string): string {
  return value.split(path.sep).join('/');
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError();
}

function errorDetail(error: unknown): string {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : error instanceof Error ? error.message : String(error);
}

/** What kind of special file this is ("a FIFO (named pipe), not opened"), or undefined for a regular file or folder. */
function specialKind(entry: { isFile(): boolean; isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSymbolicLink(): boolean }): string | undefined {
  if (entry.isFile() || entry.isDirectory() || entry.isSymbolicLink()) return undefined;
  const kind = entry.isFIFO() ? 'a FIFO (named pipe)' : entry.isSocket() ? 'a socket' : entry.isCharacterDevice() || entry.isBlockDevice() ? 'a device' : 'not a regular file';
  return `${kind}, not opened`;
}
