import { nodeCrypto } from '../util/nodeCrypto';
import { sha256Hex } from '../util/sha256';
import { DigestSet, digest128 } from '../util/digestSet';

/** The API's rule for `custom_id`. */
export const CUSTOM_ID_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;

const MAX_ID_LENGTH = 64;
const HASH_LENGTH = 12;
/** A job's tag: letters and digits only, so it never blurs the `_` separators. */
const TAG_PATTERN = /^[a-zA-Z0-9]{1,16}$/;

/**
 * A fresh per-job tag (8 hex digits of randomness) carried by every custom_id of the job. Two jobs
 * sending the same files (a clone of the workspace, CI, a re-run) therefore never send the same ids,
 * so one job's results can never prove another job's batch to be its own.
 */
export function newCustomIdTag(): string {
  return nodeCrypto().randomBytes(4).toString('hex');
}

/**
 * A readable, valid `custom_id` for a workspace-relative path: the tail of an ASCII slug of the
 * path (file names are the telling part), `_` and 12 hex digits of sha256(path), then `_` and the
 * job's tag when given (jobs from before tags have none). The same path and tag always give the same
 * id. `salt` > 0 gives an alternative id for the rare hash collision. Rows are mapped back to files
 * through the job's manifest, never by parsing the id.
 */
export function customIdForPath(relativePath: string, salt = 0, tag?: string): string {
  if (tag !== undefined && !TAG_PATTERN.test(tag)) throw new Error(`a custom_id tag must be 1-16 letters or digits (got '${tag}')`);
  const hashInput = salt === 0 ? relativePath : `${relativePath}\u0000${salt}`;
  const hash = sha256Hex(hashInput).slice(0, HASH_LENGTH);
  const suffix = tag === undefined ? `_${hash}` : `_${hash}_${tag}`;
  const slug = slugify(relativePath);
  const room = MAX_ID_LENGTH - suffix.length;
  const tail = slug.length > room ? slug.slice(slug.length - room).replace(/^[-_]+/, '') : slug;
  return `${tail || 'file'}${suffix}`;
}

export interface CustomIdAllocatorOptions {
  /** The job's tag (`newCustomIdTag`), carried by every id. */
  tag?: string;
  /** Ids already in use, never handed out. */
  taken?: Iterable<string>;
}

/**
 * Assigns ids to paths, unique within one job: a collision (two paths with the same id) moves the
 * later path to a salted id. Deterministic for the same paths in the same order and the same tag.
 * Each id handed out is kept as a digest with a 32-bit fingerprint of its path (`DigestSet`), not as
 * two strings in a Map: 20 bytes a row of a 100,000-row job.
 */
export class CustomIdAllocator {
  private readonly owners = new DigestSet();
  private readonly tag: string | undefined;
  private readonly pathDigest = new Uint32Array(4);

  constructor(options: CustomIdAllocatorOptions = {}) {
    this.tag = options.tag;
    // A taken id has no path: fingerprint 0 is never a path's (see `fingerprintOf`).
    for (const id of options.taken ?? []) this.owners.add(id, 0);
  }

  allocate(relativePath: string): string {
    const fingerprint = this.fingerprintOf(relativePath);
    for (let salt = 0; ; salt++) {
      const id = customIdForPath(relativePath, salt, this.tag);
      const owner = this.owners.get(id);
      if (owner === undefined) {
        this.owners.add(id, fingerprint);
        return id;
      }
      if (owner === fingerprint) return id;
    }
  }

  /** 32 bits of the path's digest, never 0 (the mark of a taken id). */
  private fingerprintOf(relativePath: string): number {
    digest128(relativePath, this.pathDigest);
    return this.pathDigest[0] || 1;
  }
}

const ASCII_ONLY = /^[^\u0080-\uffff]*$/;

function slugify(value: string): string {
  // Only text beyond ASCII has accents to take apart and drop.
  const plain = ASCII_ONLY.test(value) ? value : value.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
  return plain
    .replace(/[^a-zA-Z0-9_-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[-_]+|[-_]+$/g, '');
}
