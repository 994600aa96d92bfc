import type { TrackerRootItem } from '../batchTreeProvider';
import type { TrackerContext } from './context';

/** Reads the store again and asks the poller for a fresh poll; returns the root items (test contract). */
export async function refresh(context: TrackerContext): Promise<TrackerRootItem[]> {
  await context.tree.reload();
  void context.poller.refreshNow();
  return context.tree.rootItems();
}
