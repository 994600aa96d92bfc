import type { BatchApi, MessageBatch } from '../api/batchApi';
import type { ModelOverrides } from '../pricing/overrides';
import type { BatchProcessingStatus, Job, RequestCounts } from '../jobs/jobModel';
import { computeJobSavings } from './savings';

/** Which workspace batches to show: by API status, and no older than an age (by creation time). */
export interface WorkspaceBatchFilter {
  statuses?: readonly BatchProcessingStatus[];
  /** Only batches created within this many ms before `now`. */
  maxAgeMs?: number;
}

/** Actual cost and savings of one batch, from the usage of its downloaded rows. */
export interface BatchCost {
  pricedRows: number;
  unpricedRows: number;
  actualUsd: number;
  syncUncachedUsd: number;
  savedUsd: number;
  savedFraction?: number;
}

/** One batch of the API workspace, with the local job that records it when there is one. */
export interface WorkspaceBatch {
  id: string;
  status: BatchProcessingStatus;
  counts: RequestCounts;
  createdAt: string;
  endedAt: string | null;
  expiresAt: string;
  /** Set once the API has archived it (results gone). */
  archivedAt: string | null;
  /** The local job this batch belongs to (submitted here, or adopted); it is shown under that job. */
  job?: { id: string; adopted: boolean };
  /** Once results are read: priced from the rows' usage. */
  cost?: BatchCost;
}

export interface WorkspaceBatchPage {
  batches: WorkspaceBatch[];
  /** More (older) batches may match: pass `nextAfterId` as `afterId`. */
  hasMore: boolean;
  nextAfterId: string | null;
}

export interface ListWorkspaceBatchesOptions {
  api: BatchApi;
  /** The local jobs, to link each batch to the job that records it. */
  jobs: readonly Job[];
  now: number;
  /** How many matching batches to return (default 20). */
  limit?: number;
  /** Continue after this batch id (the previous page's `nextAfterId`). */
  afterId?: string;
  filter?: WorkspaceBatchFilter;
  overrides?: ModelOverrides;
  signal?: AbortSignal;
}

/** API pages are read this large: the status filter is applied here, the API has none. */
const API_PAGE_SIZE = 100;

/**
 * One page of the batches of the API workspace, newest first, filtered by status and age. Reads API
 * pages until `limit` batches match or the list ends; the age filter stops early, since the list is
 * newest first. Each batch is linked to the local job that records it, with the cost of its
 * downloaded rows when there are any.
 */
export async function listWorkspaceBatches(options: ListWorkspaceBatchesOptions): Promise<WorkspaceBatchPage> {
  const limit = Math.max(1, options.limit ?? 20);
  const statuses = options.filter?.statuses?.length ? new Set(options.filter.statuses) : undefined;
  const oldest = options.filter?.maxAgeMs !== undefined ? options.now - options.filter.maxAgeMs : undefined;
  const owners = jobsByBatchId(options.jobs);
  const batches: WorkspaceBatch[] = [];
  let afterId = options.afterId;
  for (;;) {
    const page = await options.api.listPage({ limit: API_PAGE_SIZE, afterId, signal: options.signal });
    for (const [index, remote] of page.batches.entries()) {
      const created = Date.parse(remote.created_at);
      if (oldest !== undefined && !Number.isNaN(created) && created < oldest) {
        return { batches, hasMore: false, nextAfterId: null };
      }
      if (statuses && !statuses.has(remote.processing_status)) {
        continue;
      }
      batches.push(describeBatch(remote, owners.get(remote.id), options.overrides));
      if (batches.length === limit) {
        const more = index < page.batches.length - 1 || page.hasMore;
        return { batches, hasMore: more, nextAfterId: more ? remote.id : null };
      }
    }
    if (!page.hasMore || !page.lastId || page.batches.length === 0) {
      return { batches, hasMore: false, nextAfterId: null };
    }
    afterId = page.lastId;
  }
}

/** The batches no local job records: what the "Workspace batches" tree root lists (the rest sit under their jobs). */
export function untrackedBatches(batches: readonly WorkspaceBatch[]): WorkspaceBatch[] {
  return batches.filter((batch) => !batch.job);
}

function jobsByBatchId(jobs: readonly Job[]): Map<string, Job> {
  const owners = new Map<string, Job>();
  for (const job of jobs) {
    for (const batch of job.batches) {
      if (batch.batchId) {
        owners.set(batch.batchId, job);
      }
    }
  }
  return owners;
}

function describeBatch(remote: MessageBatch, job: Job | undefined, overrides: ModelOverrides | undefined): WorkspaceBatch {
  const described: WorkspaceBatch = {
    id: remote.id,
    status: remote.processing_status,
    counts: { ...remote.request_counts },
    createdAt: remote.created_at,
    endedAt: remote.ended_at,
    expiresAt: remote.expires_at,
    archivedAt: remote.archived_at,
  };
  if (job) {
    described.job = { id: job.id, adopted: job.adopted !== undefined };
    const cost = batchCost(job, remote.id, overrides);
    if (cost) {
      described.cost = cost;
    }
  }
  return described;
}

/** Cost of one batch of a job from its downloaded succeeded rows; undefined before any was read. */
export function batchCost(job: Job, batchId: string, overrides?: ModelOverrides): BatchCost | undefined {
  const rows = Object.fromEntries(
    Object.entries(job.rows)
      .map(([customId, attempts]) => [customId, attempts.filter((attempt) => attempt.batchId === batchId)] as const)
      .filter(([, attempts]) => attempts.length > 0),
  );
  if (Object.keys(rows).length === 0) {
    return undefined;
  }
  const savings = computeJobSavings({ ...job, rows }, overrides);
  return {
    pricedRows: savings.pricedRows,
    unpricedRows: savings.unpricedRows,
    actualUsd: savings.actualUsd,
    syncUncachedUsd: savings.syncUncachedUsd,
    savedUsd: savings.savedUsd,
    ...(savings.savedFraction !== undefined ? { savedFraction: savings.savedFraction } : {}),
  };
}

/**
 * Parses an age such as `24h`, `7d`, `90m` or `2w` into milliseconds.
 * @throws Error for anything else.
 */
export function parseAge(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(m|h|d|w)$/i.exec(text.trim());
  if (!match) {
    throw new Error(`'${text}' is not an age: use a number and a unit, e.g. 90m, 24h, 7d, 2w`);
  }
  const unitMs = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[match[2].toLowerCase() as 'm' | 'h' | 'd' | 'w'];
  return Number(match[1]) * unitMs;
}

/** Parses a comma-separated status list (`in_progress,ended`); `running` is accepted for in_progress + canceling. */
export function parseStatuses(text: string): BatchProcessingStatus[] {
  const statuses = new Set<BatchProcessingStatus>();
  for (const part of text.split(',').map((item) => item.trim()).filter(Boolean)) {
    if (part === 'running') {
      statuses.add('in_progress').add('canceling');
    } else if (part === 'in_progress' || part === 'canceling' || part === 'ended') {
      statuses.add(part);
    } else {
      throw new Error(`unknown status '${part}': use in_progress, canceling, ended or running`);
    }
  }
  return [...statuses];
}
