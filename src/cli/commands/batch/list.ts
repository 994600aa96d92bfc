import { formatCounts, jobLabel, phaseText, timingText } from '../../../core/tracking/jobFormat';
import { summarizeJob } from '../../../core/tracking/jobStatus';
import type { CliCommand, CliIo } from '../../io';
import { openBatchContext, reconcileBeforeCommand } from './context';
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
    if (api) await reconcileBeforeCommand(context, api, io);
    const jobs = (await context.store.list()).sort((a, b) => b.createdAt - a.createdAt);
    if (values.json) {
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
  },
};
