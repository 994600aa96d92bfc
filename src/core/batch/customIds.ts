import { createHash } from 'node:crypto';

/** The API's rule for `custom_id`. */
export const CUSTOM_ID_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;

const MAX_ID_LENGTH = 64;
const HASH_LENGTH = 12;

/**
 * A readable, valid `custom_id` for a workspace-relative path: the tail of an ASCII slug of the
 * path (file names are the telling part) plus `_` and 12 hex digits of sha256(path). The same path
 * always gives the same id. `salt` > 0 gives an alternative id for the rare hash collision.
 */
export function customIdForPath(relativePath: string, salt = 0): string {
  const hashInput = salt === 0 ? relativePath : `${relativePath}\u0000${salt}`;
  const hash = createHash('sha256').update(hashInput, 'utf8').digest('hex').slice(0, HASH_LENGTH);
  const slug = slugify(relativePath);
  const room = MAX_ID_LENGTH - HASH_LENGTH - 1;
  const tail = slug.length > room ? slug.slice(slug.length - room).replace(/^[-_]+/, '') : slug;
  return `${tail || 'file'}_${hash}`;
}

/**
 * Assigns ids to paths, unique within one job: a collision (two paths with the same id) moves the
 * later path to a salted id. Deterministic for the same paths in the same order.
 */
export class CustomIdAllocator {
  private readonly owners = new Map<string, string>();

  constructor(taken: Iterable<string> = []) {
    for (const id of taken) this.owners.set(id, '');
  }

  allocate(relativePath: string): string {
    for (let salt = 0; ; salt++) {
      const id = customIdForPath(relativePath, salt);
      const owner = this.owners.get(id);
      if (owner === undefined) {
        this.owners.set(id, relativePath);
        return id;
      }
      if (owner === relativePath) return id;
    }
  }
}

function slugify(value: string): string {
  return value
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-zA-Z0-9_-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[-_]+|[-_]+$/g, '');
}
