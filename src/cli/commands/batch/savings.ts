import { computeSavingsReport, renderSavingsText } from '../../../core/tracking/savings';
import { withUsageTotals } from '../../../core/tracking/usageTotalsBackfill';
import { loadCliSettings } from '../../workspaceSettings';
import type { CliCommand, CliIo } from '../../io';
import { openBatchContext } from './context';
import { jobArgument, parseTrackerArgs, printJson } from './trackerCli';

const USAGE = [
  'Usage: batchlens batch savings [<job>] [--json]',
  '',
  'What the jobs actually cost, priced from each downloaded result\'s usage (input, output, cache',
  'writes and reads, service tier), against the same tokens sent synchronously without caching.',
  'Only downloaded results count: run `batchlens batch results <job>` first. No API call.',
  '',
  '  --json  print {"jobs":[{jobId,actualUsd,syncUncachedUsd,savedUsd,tokens,...}],"totals":{...},"catalogAsOf"}',
].join('\n');

export const savingsCommand: CliCommand = {
  name: 'savings',
  summary: 'Show actual cost and savings per job and in total',
  usage: USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseTrackerArgs(args, { json: { type: 'boolean', default: false } });
    const context = openBatchContext(io);
    const jobs = positionals.length > 0 ? [await jobArgument(context, positionals, 'batchlens batch savings [<job>]')] : await context.store.list();
    const report = computeSavingsReport(await withUsageTotals(context.store, jobs), loadCliSettings(io).modelOverrides);
    if (values.json) {
      printJson(io, report);
    } else {
      io.stdout(renderSavingsText(report));
    }
    return 0;
  },
};
