import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Runs a full collection: the flag can be set at run time, and a new context then has `gc`. */
export function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/** Bytes the heap holds after a full collection. */
export function heapKept(): number {
  collectGarbage();
  return getHeapStatistics().used_heap_size;
}
