import { formatUsd } from '../../core/pricing/cost';
import { formatCounts, formatDuration } from '../../core/tracking/jobFormat';
import type { WorkspaceBatch, WorkspaceBatchFilter } from '../../core/tracking/workspaceBatches';

/*
 * What the "Workspace Batches" view shows, as plain data (no `vscode` import) so it is unit-tested in
 * Node; `workspaceBatchesProvider.ts` turns each node into a TreeItem. Batches a local job records
 * are not listed here: they are shown once, under their job in the Batches view.
 */

export type WorkspaceNode = WorkspaceBatchNode | MoreNode;

export interface WorkspaceBatchNode {
  kind: 'workspaceBatch';
  id: string;
  batch: WorkspaceBatch;
  label: string;
  description: string;
  tooltip: string;
  icon: { id: string; color?: string };
  /** `workspaceBatch` plus `running` / `ended` for the view/item/context menus. */
  contextValue: string;
}

/** The last node when older batches remain: "Load More…". */
export interface MoreNode {
  kind: 'more';
  id: string;
  label: string;
  description: string;
  tooltip: string;
  icon: { id: string };
  contextValue: 'workspaceMore';
}

export function workspaceBatchNode(batch: WorkspaceBatch, now: number): WorkspaceBatchNode {
  const created = Date.parse(batch.createdAt);
  const age = Number.isNaN(created) ? batch.createdAt : `${formatDuration(now - created)} ago`;
  const running = batch.status !== 'ended';
  return {
    kind: 'workspaceBatch',
    id: `workspaceBatch:${batch.id}`,
    batch,
    // Status and counts first: ids are long and the side bar narrow, so the id follows in the description.
    label: `${statusText(batch)} · ${formatCounts(batch.counts)}`,
    description: `${age} · ${batch.id}`,
    tooltip: batchTooltip(batch, now),
    icon: running ? { id: batch.status === 'canceling' ? 'circle-slash' : 'sync~spin' } : batch.archivedAt ? { id: 'archive' } : { id: 'cloud' },
    contextValue: ['workspaceBatch', running && batch.status === 'in_progress' && 'running', !running && 'ended'].filter(Boolean).join(' '),
  };
}

export function moreNode(loaded: number): MoreNode {
  return {
    kind: 'more',
    id: 'workspaceMore',
    label: 'Load More…',
    description: `${loaded} shown`,
    tooltip: 'Read the next (older) page of the workspace\'s batches.',
    icon: { id: 'ellipsis' },
    contextValue: 'workspaceMore',
  };
}

function statusText(batch: WorkspaceBatch): string {
  if (batch.archivedAt) {
    return 'archived';
  }
  return batch.status === 'in_progress' ? 'running' : batch.status;
}

function batchTooltip(batch: WorkspaceBatch, now: number): string {
  const lines = [
    `**\`${batch.id}\`** — ${statusText(batch)}, not tracked in this workspace`,
    '',
    `Rows: ${formatCounts(batch.counts)}`,
    '',
    `Created ${batch.createdAt}`,
  ];
  if (batch.endedAt) {
    lines.push('', `Ended ${batch.endedAt}`);
  }
  const expires = Date.parse(batch.expiresAt);
  if (batch.status !== 'ended' && !Number.isNaN(expires)) {
    lines.push('', `Expires ${batch.expiresAt} (in ${formatDuration(expires - now)})`);
  }
  if (batch.archivedAt) {
    lines.push('', `Archived ${batch.archivedAt}: its results are no longer available`);
  }
  if (batch.cost) {
    lines.push('', `Actual cost ${formatUsd(batch.cost.actualUsd)} · saved ${formatUsd(batch.cost.savedUsd)}`);
  }
  lines.push('', 'Adopt it to download its results, price them and track it here.');
  return lines.join('\n');
}

/** The view's description: which workspace is shown and the active filter. */
export function viewDescription(workspaceId: string, filter: WorkspaceBatchFilter): string {
  const parts = [workspaceId ? workspaceId : 'default workspace'];
  if (filter.statuses?.length) {
    parts.push(filter.statuses.join(', '));
  }
  if (filter.maxAgeMs !== undefined) {
    parts.push(`last ${formatDuration(filter.maxAgeMs)}`);
  }
  return parts.join(' · ');
}

/** The status bar text: which Anthropic workspace the views and commands act on. */
export function workspaceStatusText(workspaceId: string): { text: string; tooltip: string } {
  return workspaceId
    ? { text: `$(organization) ${workspaceId}`, tooltip: `Batchlens shows and acts on batches of Anthropic workspace ${workspaceId} (batchlens.workspaceId). Click to change.` }
    : { text: '$(organization) default workspace', tooltip: "Batchlens shows and acts on batches of the API key's default workspace. Set batchlens.workspaceId to look at another workspace." };
}

/** The age choices offered by "Filter Workspace Batches". */
export const AGE_CHOICES: ReadonlyArray<{ label: string; maxAgeMs?: number }> = [
  { label: 'Any age (results are kept 29 days)' },
  { label: 'Last 24 hours', maxAgeMs: 24 * 3_600_000 },
  { label: 'Last 7 days', maxAgeMs: 7 * 86_400_000 },
  { label: 'Last 29 days', maxAgeMs: 29 * 86_400_000 },
];
