import { nodeCrypto } from './nodeCrypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import { type Logger, silentLogger } from './logger';

/** Who holds a lock: written into the lock file before it is linked into place. */
export interface LockOwner {
  pid: number;
  /** `os.hostname()` of the holder: a pid only means something on its own machine. */
  host: string;
  /** ms since epoch when the lock was taken. */
  at: number;
  token: string;
}

export class LockTimeoutError extends Error {
  override name = 'LockTimeoutError';
}

export interface FileLockOptions {
  /** How long to wait for a live holder before giving up with `LockTimeoutError`. */
  timeoutMs?: number;
  /**
   * A lock taken on another machine (a shared folder) cannot have its pid checked: it is broken when
   * its holder stopped refreshing it (the holder touches it every `HEARTBEAT_MS` while it runs) for
   * this long.
   */
  foreignStaleMs?: number;
  logger?: Logger;
  /** What the lock guards, for messages ("Batchlens store"). */
  label?: string;
  /** How often the holder touches the lock (default `HEARTBEAT_MS`). */
  heartbeatMs?: number;
  /** The clock that stamps `at` in the owner record (ms since epoch). */
  now?: () => number;
}

/** How often a holder touches its lock, so another machine can tell it is still alive. */
const HEARTBEAT_MS = 5_000;
const DEFAULT_FOREIGN_STALE_MS = 60_000;
const DEFAULT_TIMEOUT_MS = 20_000;

/**
 * Runs `action` while holding the lock file `lockPath`, shared by every process (editor windows, the
 * CLI) on this machine and others that see the folder. The lock is written aside, then hard-linked
 * into place (the link fails while a lock exists, and nobody ever reads a half-written owner). A lock
 * is broken only when its holder is dead: on this machine, when its pid is gone; from another
 * machine, when it has not been refreshed for `foreignStaleMs`. A live holder is waited for, however
 * long it has held the lock, up to `timeoutMs`. Breaking happens under a second, short `.break`
 * lock, so two waiters never both break it and both take it.
 */
export async function withFileLock<T>(lockPath: string, action: () => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const owner = await acquire(lockPath, options);
  const heartbeat = setInterval(() => {
    const now = new Date();
    fs.utimes(lockPath, now, now).catch(() => undefined);
  }, options.heartbeatMs ?? HEARTBEAT_MS);
  heartbeat.unref?.();
  try {
    return await action();
  } finally {
    clearInterval(heartbeat);
    await release(lockPath, owner, options.logger ?? silentLogger, options.label ?? 'lock');
  }
}

/** Whether process `pid` exists on this machine (EPERM: it exists but belongs to someone else). */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return codeOf(error) === 'EPERM';
  }
}

/** Why the owner of a lock is judged dead, or undefined while it may be alive. */
export function deadOwnerReason(owner: LockOwner | undefined, lockAgeMs: number, foreignStaleMs = DEFAULT_FOREIGN_STALE_MS): string | undefined {
  // Locks are linked into place complete, so an unreadable one was damaged.
  if (!owner) return 'the lock file is damaged';
  if (owner.host === os.hostname()) return processAlive(owner.pid) ? undefined : `process ${owner.pid} is gone`;
  return lockAgeMs > foreignStaleMs ? `its holder on ${owner.host} stopped refreshing it ${Math.round(lockAgeMs / 1000)} s ago` : undefined;
}

async function acquire(lockPath: string, options: FileLockOptions): Promise<LockOwner> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const startedAt = Date.now();
  let delayMs = 5;
  for (;;) {
    const owner: LockOwner = { pid: process.pid, host: os.hostname(), at: (options.now ?? Date.now)(), token: nodeCrypto().randomBytes(8).toString('hex') };
    // The candidate's name (`<lock>.<pid>.<token>`) lets `storeSweep` remove one a killed process left.
    const candidate = `${lockPath}.${process.pid}.${owner.token}`;
    await fs.writeFile(candidate, JSON.stringify(owner));
    try {
      await fs.link(candidate, lockPath);
      return owner;
    } catch (error) {
      if (codeOf(error) !== 'EEXIST') throw error;
    } finally {
      await fs.rm(candidate, { force: true });
    }
    await breakIfDead(lockPath, options);
    if (Date.now() - startedAt > timeoutMs) {
      const holder = parseOwner((await readText(lockPath)) ?? '');
      const who = holder ? `process ${holder.pid} on ${holder.host}` : 'another process';
      throw new LockTimeoutError(
        `${options.label ?? 'The lock'} is held by ${who} (${lockPath}); try again, or delete the file if that process is not Batchlens.`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, delayMs + Math.random() * delayMs));
    delayMs = Math.min(delayMs * 2, 100);
  }
}

async function release(lockPath: string, owner: LockOwner, logger: Logger, label: string): Promise<void> {
  const current = parseOwner((await readText(lockPath)) ?? '');
  if (current && current.token !== owner.token) {
    logger.warn(`${label}: the lock was taken over while held (its holder was judged dead); leaving the new owner in place.`);
    return;
  }
  await fs.rm(lockPath, { force: true });
}

async function breakIfDead(lockPath: string, options: FileLockOptions): Promise<void> {
  const seen = await readText(lockPath);
  if (seen === undefined) return;
  const stat = await fs.stat(lockPath).catch(() => undefined);
  if (!stat) return;
  const reason = deadOwnerReason(parseOwner(seen), Date.now() - stat.mtimeMs, options.foreignStaleMs);
  if (!reason) return;
  const breakPath = `${lockPath}.break`;
  let breakHandle: fs.FileHandle;
  try {
    breakHandle = await fs.open(breakPath, 'wx');
  } catch (error) {
    if (codeOf(error) !== 'EEXIST') throw error;
    // A breaker that crashed leaves its break lock behind; it is only ever held for a moment.
    const breakStat = await fs.stat(breakPath).catch(() => undefined);
    if (breakStat && Date.now() - breakStat.mtimeMs > 5_000) await fs.rm(breakPath, { force: true });
    return;
  }
  try {
    await breakHandle.close();
    // Only the very lock judged dead is removed, never one a faster process has just taken.
    if ((await readText(lockPath)) === seen) {
      (options.logger ?? silentLogger).warn(`${options.label ?? 'lock'}: recovered a lock whose holder is dead (${reason}).`);
      await fs.rm(lockPath, { force: true });
    }
  } finally {
    await fs.rm(breakPath, { force: true });
  }
}

/** The owner a lock file names; a lock written before hosts were recorded counts as this machine's. */
export function parseOwner(text: string): LockOwner | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null) {
      const { pid, host, at, token } = value as Record<string, unknown>;
      if (typeof pid === 'number' && typeof at === 'number' && typeof token === 'string') {
        return { pid, at, token, host: typeof host === 'string' ? host : os.hostname() };
      }
    }
  } catch {
    // An unreadable lock.
  }
  return undefined;
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return undefined;
    throw error;
  }
}

function codeOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
}
