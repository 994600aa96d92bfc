/**
 * The one shared empty list. A large file's analysis holds tens of thousands of lists that stay
 * empty (a statement's findings, a value's per-request parts, a scope's returns…): one list serves
 * them all instead of an object each. Frozen, so a push into it throws at once rather than adding
 * to every holder's list; code that may add to a list starts from it and replaces it (see append
 * in analysis/lowerContext.ts).
 */
const EMPTY: never[] = Object.freeze([]) as never[];

export function emptyList<T = never>(): T[] {
  return EMPTY;
}

/** True for the shared empty list itself (not for any other empty list). */
export function isEmptyList(list: readonly unknown[]): boolean {
  return list === EMPTY;
}
