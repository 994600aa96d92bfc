import { formatCounts, jobLabel, phaseText, timingText } from '../../../core/tracking/jobFormat';
import { summarizeJob } from '../../../core/tracking/jobStatus';
import type { CliCommand, CliIo } from '../../io';
import { type BatchCliContext, openBatchContext, reconcileBeforeCommand } from './context';
import { jobJson, optionalApi, parseTrackerArgs, printJson } from './trackerCli';
import { LIST_ALL_USAGE, runListAll } from './listAll';

const USAGE = [
  'Usage: batchlens batch list [--json]',
  '',
  'Lists the batch jobs of this workspace (newest first) from the store in .batchlens/, as the editor',
  'shows them. Run `batchlens batch status <job>` for a fresh status. The only API call it may make',
  '(with ANTHROPIC_API_KEY set) settles a submission an interrupted run left without its batch id.',
  '',
  '  --json   print an array of {"jobId","status","phase","counts","template","files","batches",...}',
  '',
  LIST_ALL_USAGE,
].join('\n');

export const listCommand: CliCommand = {
  name: 'list',
  summary: 'List the batch jobs of this workspace',
  usage: USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    if (args.includes('--all')) {
      return runListAll(args.filter((arg) => arg !== '--all'), io);
    }
    const { values } = parseTrackerArgs(args, { json: { type: 'boolean', default: false } });
    const context = openBatchContext(io);
    const api = optionalApi(io, context);
    // The store is shown without waiting on the network: settling interrupted submissions gets a
    // short head start and otherwise finishes (bounded by the API timeout) after the listing.
    const stop = new AbortController();
    const reconciling = api ? reconcileBeforeCommand(context, api, io, stop.signal) : Promise.resolve();
    await waitAtMost(reconciling, LIST_HEAD_START_MS);
    try {
      return await printJobs(context, values.json ?? false, io);
    } finally {
      // The listing is out; a slow API gets a few more seconds, then is left for the next command.
      if (!(await waitAtMost(reconciling, LIST_TAIL_MS))) {
        stop.abort();
        io.stderr('Batchlens: the API is slow to answer; interrupted submissions will be checked by the next batch command.\n');
      }
    }
  },
};

/** How long `batch list` lets reconciliation run before it shows the store anyway. */
const LIST_HEAD_START_MS = 1_000;
/** How long it then waits for reconciliation to finish before leaving it to a later command. */
const LIST_TAIL_MS = 4_000;

/** Resolves true when `work` settled within `ms`, false when the time ran out first. */
function waitAtMost(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  return Promise.race([work.then(() => true, () => true), waited]).finally(() => clearTimeout(timer));
}

async function printJobs(context: BatchCliContext, json: boolean, io: CliIo): Promise<number> {
  const jobs = (await context.store.list()).sort((a, b) => b.createdAt - a.createdAt);
  if (json) {
    printJson(io, jobs.map((job) => jobJson(job, summarizeJob(job))));
    return 0;
  }
  if (jobs.length === 0) {
    io.stdout('No batch jobs in this workspace yet. Send files with `batchlens batch submit <paths...>`.\n');
    return 0;
  }
  const now = context.clock.now();
  const rows = jobs.map((job) => {
    const summary = summarizeJob(job);
    return [job.id, jobLabel(job), phaseText(summary), formatCounts(summary.counts, ', '), timingText(job, summary, now)];
  });
  const table = [['JOB', 'TEMPLATE', 'STATUS', 'ROWS', 'WHEN'], ...rows];
  const widths = table[0].map((_, column) => Math.max(...table.map((row) => row[column].length)));
  io.stdout(`${table.map((row) => row.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd()).join('\n')}\n`);
  return 0;
}
