import * as path from 'node:path';

/** What the queue needs of the workspace store (`FileJobStore` provides it): its folder, lock and files. */
export interface QueueStore {
  readonly root: string;
  /** Absolute path of `.batchlens/`. */
  readonly dir: string;
  withLock<T>(action: () => Promise<T>): Promise<T>;
  readStoreFile(relativePath: string): Promise<string | undefined>;
  writeStoreFile(relativePath: string, text: string): Promise<void>;
}

/** One file or folder waiting in the queue. */
export interface QueueEntry {
  /** Workspace-relative, forward slashes. */
  relativePath: string;
  /** ms since epoch. */
  addedAt: number;
}

interface QueueFile {
  version: 1;
  entries: QueueEntry[];
}

const QUEUE_FILE = 'queue.json';

/**
 * The batch queue (`.batchlens/queue.json`): files gathered over time and sent later as one job.
 * Read-modify-write goes through the store lock, so two windows and the CLI can add at once.
 */
export class BatchQueue {
  constructor(private readonly store: QueueStore) {}

  async list(): Promise<QueueEntry[]> {
    return (await this.read()).entries;
  }

  /**
   * Adds paths (absolute or workspace-relative); paths already queued, or outside the workspace, are
   * left out. Returns the entries actually added.
   */
  async add(paths: readonly string[], now: number): Promise<QueueEntry[]> {
    const added: QueueEntry[] = [];
    await this.store.withLock(async () => {
      const queue = await this.read();
      const known = new Set(queue.entries.map((entry) => entry.relativePath));
      for (const given of paths) {
        const relative = path.relative(this.store.root, path.resolve(this.store.root, given));
        if (relative === '' || relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative)) continue;
        const relativePath = relative.split(path.sep).join('/');
        if (known.has(relativePath)) continue;
        known.add(relativePath);
        const entry = { relativePath, addedAt: now };
        queue.entries.push(entry);
        added.push(entry);
      }
      if (added.length > 0) await this.store.writeStoreFile(QUEUE_FILE, serialize(queue));
    });
    return added;
  }

  /** Removes the given paths (all when omitted), e.g. once they were submitted. */
  async clear(relativePaths?: readonly string[]): Promise<void> {
    await this.store.withLock(async () => {
      const queue = await this.read();
      const drop = relativePaths ? new Set(relativePaths) : undefined;
      queue.entries = drop ? queue.entries.filter((entry) => !drop.has(entry.relativePath)) : [];
      await this.store.writeStoreFile(QUEUE_FILE, serialize(queue));
    });
  }

  private async read(): Promise<QueueFile> {
    const text = await this.store.readStoreFile(QUEUE_FILE);
    if (text === undefined) return { version: 1, entries: [] };
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new Error(`Batchlens: ${path.join(this.store.dir, QUEUE_FILE)} is not valid JSON; fix or delete it`);
    }
    const entries = (value as { entries?: unknown }).entries;
    if (!Array.isArray(entries)) throw new Error(`Batchlens: ${path.join(this.store.dir, QUEUE_FILE)} has no entries list; fix or delete it`);
    return {
      version: 1,
      entries: entries.filter(
        (entry): entry is QueueEntry => typeof entry === 'object' && entry !== null && typeof (entry as QueueEntry).relativePath === 'string',
      ),
    };
  }
}

function serialize(queue: QueueFile): string {
  return `${JSON.stringify(queue, null, 2)}\n`;
}
