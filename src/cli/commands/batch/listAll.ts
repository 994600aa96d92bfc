import { formatUsd } from '../../../core/pricing/cost';
import { formatCounts } from '../../../core/tracking/jobFormat';
import { type WorkspaceBatch, type WorkspaceBatchFilter, listWorkspaceBatches, parseAge, parseStatuses } from '../../../core/tracking/workspaceBatches';
import { type CliIo, UsageError } from '../../io';
import { loadCliSettings } from '../../workspaceSettings';
import { createCliBatchApi, openBatchContext, workspaceIdFrom } from './context';
import { parseTrackerArgs, printJson } from './trackerCli';

export const LIST_ALL_USAGE = [
  'Usage: batchlens batch list --all [--status <s,...>] [--since <age>] [--limit <n>] [--after <batch id>] [--json]',
  '',
  'Lists every batch of the Anthropic workspace (newest first), whoever created it: scripts, notebooks,',
  'CI, colleagues. Batches of a job in this workspace\'s store are shown once, under their job; once',
  'results are read (`batchlens batch adopt <id>`), the actual cost and savings from the rows\' usage.',
  '',
  '  --status <s,...>  in_progress, canceling, ended, or running (= in_progress + canceling)',
  '  --since <age>     only batches created within this age: 90m, 24h, 7d, 2w',
  '  --limit <n>       batches per page (default 20)',
  '  --after <id>      the next page: the `nextAfterId` of the previous one',
  '  --json            print {"workspaceId","batches":[{id,status,counts,createdAt,endedAt,expiresAt,job,cost}],"hasMore","nextAfterId"}',
].join('\n');

/** `batchlens batch list --all`: the batches of the API workspace, not only this checkout's jobs. */
export async function runListAll(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseTrackerArgs(args, {
    json: { type: 'boolean', default: false },
    status: { type: 'string' },
    since: { type: 'string' },
    limit: { type: 'string' },
    after: { type: 'string' },
  });
  if (positionals.length > 0) {
    throw new UsageError(`unexpected argument '${positionals[0]}': ${LIST_ALL_USAGE.split('\n')[0]}`);
  }
  const filter: WorkspaceBatchFilter = {};
  try {
    if (values.status !== undefined) filter.statuses = parseStatuses(values.status);
    if (values.since !== undefined) filter.maxAgeMs = parseAge(values.since);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const limit = values.limit === undefined ? 20 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new UsageError(`--limit must be a whole number from 1 to 1000, not '${values.limit}'`);
  }
  const context = openBatchContext(io);
  const api = createCliBatchApi(io, context.logger);
  const workspaceId = workspaceIdFrom(io) ?? null;
  const page = await listWorkspaceBatches({
    api,
    jobs: await context.store.list(),
    now: context.clock.now(),
    limit,
    afterId: values.after,
    filter,
    overrides: loadCliSettings(io).modelOverrides,
  });
  if (values.json) {
    printJson(io, { workspaceId, ...page });
    return 0;
  }
  const where = workspaceId ? `workspace ${workspaceId}` : "the key's default workspace";
  if (page.batches.length === 0) {
    io.stdout(`No batches in ${where}${filter.statuses || filter.maxAgeMs !== undefined ? ' match the filter' : ''}.\n`);
    return 0;
  }
  io.stdout(`Batches in ${where}, newest first:\n${renderTable(page.batches)}`);
  if (page.hasMore) {
    io.stdout(`More: batchlens batch list --all --after ${page.nextAfterId}\n`);
  }
  return 0;
}

/** Batches grouped as the tree shows them: each job's batches under the job, then the untracked ones. */
function renderTable(batches: readonly WorkspaceBatch[]): string {
  const header = ['BATCH', 'STATUS', 'ROWS', 'CREATED', 'ENDED', 'EXPIRES', 'ACTUAL', 'SAVED'];
  const row = (batch: WorkspaceBatch, indent: string) => [
    `${indent}${batch.id}`,
    batch.status,
    formatCounts(batch.counts, ', '),
    shortTime(batch.createdAt),
    batch.endedAt ? shortTime(batch.endedAt) : '-',
    batch.archivedAt ? 'archived' : shortTime(batch.expiresAt),
    batch.cost ? formatUsd(batch.cost.actualUsd) : '-',
    batch.cost ? `${formatUsd(batch.cost.savedUsd)}${batch.cost.savedFraction !== undefined ? ` (${(batch.cost.savedFraction * 100).toFixed(1)}%)` : ''}` : '-',
  ];
  const lines: Array<string[] | string> = [header];
  const jobIds = [...new Set(batches.flatMap((batch) => (batch.job ? [batch.job.id] : [])))];
  for (const jobId of jobIds) {
    const adopted = batches.find((batch) => batch.job?.id === jobId)?.job?.adopted;
    lines.push(`job ${jobId}${adopted ? ' (adopted)' : ''}`);
    batches.filter((batch) => batch.job?.id === jobId).forEach((batch) => lines.push(row(batch, '  ')));
  }
  const untracked = batches.filter((batch) => !batch.job);
  if (untracked.length > 0) {
    if (jobIds.length > 0) lines.push('not tracked here (adopt with `batchlens batch adopt <id>`)');
    untracked.forEach((batch) => lines.push(row(batch, jobIds.length > 0 ? '  ' : '')));
  }
  const cells = lines.filter((line): line is string[] => Array.isArray(line));
  const widths = header.map((_, column) => Math.max(...cells.map((cellsRow) => cellsRow[column].length)));
  return `${lines.map((line) => (typeof line === 'string' ? line : line.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd())).join('\n')}\n`;
}

/** `2026-12-04T20:01:02.123Z` -> `2026-12-04 20:01Z`. */
function shortTime(rfc3339: string): string {
  const parsed = Date.parse(rfc3339);
  return Number.isNaN(parsed) ? rfc3339 : `${new Date(parsed).toISOString().slice(0, 16).replace('T', ' ')}Z`;
}
