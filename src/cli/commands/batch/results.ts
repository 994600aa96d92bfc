import type { BatchApi } from '../../../core/api/batchApi';
import { explainApiError } from '../../../core/api/errors';
import { type CheckedResultsReport, downloadCheckedResults, refreshJob } from '../../../core/tracking/jobActions';
import { describeShort } from '../../../core/tracking/resultsCompleteness';
import { type CliCommand, type CliIo, UsageError } from '../../io';
import { NO_API_KEY_MESSAGE, openBatchContext, reconcileBeforeCommand } from './context';
import { jobArgument, optionalApi, parseTrackerArgs, printJson } from './trackerCli';

const USAGE = [
  'Usage: batchlens batch results <job> [--beside-source] [--force] [--json]',
  '',
  'Downloads the results of the job\'s ended batches: one output file per succeeded row in',
  '.batchlens/results/<job>/ (named by the template\'s output pattern, else <path>.md), plus the raw',
  'JSONL per batch. Resumes a cut download; a second run writes nothing new. Files you wrote or edited',
  'are never overwritten (the output goes to <name>.1.<ext> instead).',
  '',
  '  --beside-source  write each output next to its source file (template pattern, else <path>.<job>.md)',
  '  --force          read every batch again (only changed outputs are rewritten)',
  '  --json           print {"jobId","written":[paths],"unchanged","skipped","unknownCustomIds","outcomes",...}',
].join('\n');

export const resultsCommand: CliCommand = {
  name: 'results',
  summary: 'Download a job\'s results into files (idempotent, resumable)',
  usage: USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseTrackerArgs(args, {
      'beside-source': { type: 'boolean', default: false },
      force: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    });
    const context = openBatchContext(io);
    const api = optionalApi(io, context);
    if (api) await reconcileBeforeCommand(context, api, io);
    let job = await jobArgument(context, positionals, 'batchlens batch results <job>');
    let refreshFailures: Array<{ batchId: string; message: string }> = [];
    if (api) {
      const refreshed = await refreshJob(job.id, { store: context.store, api });
      job = refreshed.job;
      refreshFailures = refreshed.failures;
    }
    const needsApi = job.batches.some((batch) => batch.batchId && batch.status === 'ended' && (!batch.resultsComplete || values.force));
    if (needsApi && !api) {
      throw new UsageError(NO_API_KEY_MESSAGE);
    }
    let report: CheckedResultsReport;
    try {
      report = await downloadCheckedResults(job.id, {
        store: context.store,
        // Not called when every ended batch is already downloaded (then no key is needed).
        api: api ?? unavailableApi(),
        logger: context.logger,
        location: values['beside-source'] ? 'besideSource' : 'store',
        force: values.force,
        // The text report names the first files only; --json lists every one.
        listWritten: values.json ? undefined : LISTED_FILES,
      });
    } catch (error) {
      if (error instanceof UsageError) throw error;
      io.stderr(`batchlens batch results: the download stopped (what was read is kept): ${explainApiError(error)}\n`);
      return 1;
    }
    if (values.json) {
      printJson(io, { ...resultsJson(report), incomplete: report.incomplete, refreshFailures });
    } else {
      io.stdout(`${resultsText(report)}\n`);
    }
    refreshFailures.forEach((failure) => io.stderr(`batchlens batch results: could not ask the API about ${failure.batchId} (its results may be ready): ${failure.message}\n`));
    report.incomplete.forEach((item) => io.stderr(`batchlens batch results: ${describeShort(item)}\n`));
    return report.incomplete.length > 0 || refreshFailures.length > 0 ? 1 : 0;
  },
};

function resultsJson(report: CheckedResultsReport) {
  return {
    jobId: report.jobId,
    written: report.written.map((file) => file.outputPath),
    files: report.written,
    unchanged: report.unchanged,
    skipped: report.skipped,
    unknownCustomIds: report.unknownCustomIds,
    outcomes: report.outcomes,
    rawFiles: report.rawFiles,
    batchesRead: report.batchesRead,
    batchesPending: report.batchesPending,
  };
}

/** Output files listed one per line in the text report; `--json` lists every one. */
const LISTED_FILES = 50;

function resultsText(report: CheckedResultsReport): string {
  const lines = [`${report.writtenCount} new or changed output file${report.writtenCount === 1 ? '' : 's'}${report.unchanged ? `, ${report.unchanged} unchanged` : ''}.`];
  // A 100,000-row job would print 100,000 lines (and build them in memory first): the first ones say where the files go.
  for (const file of report.written.slice(0, LISTED_FILES)) {
    lines.push(`  ${file.change === 'created' ? 'new' : 'updated'}  ${file.outputPath}  (from ${file.sourcePath})`);
  }
  if (report.writtenCount > report.written.length) {
    lines.push(`  ... and ${report.writtenCount - report.written.length} more (\`--json\` lists every file)`);
  }
  const failed = report.outcomes.errored + report.outcomes.expired + report.outcomes.canceled;
  if (failed > 0) {
    lines.push(`${failed} row(s) did not succeed (${report.outcomes.errored} errored, ${report.outcomes.expired} expired, ${report.outcomes.canceled} canceled): see \`batchlens batch retry ${report.jobId}\`.`);
  }
  report.skipped.forEach((skip) => lines.push(`  not written: ${skip.outputPath}: ${skip.reason}`));
  if (report.unknownCustomIds.length > 0) {
    lines.push(`Results named custom_ids this job does not know (not written): ${report.unknownCustomIds.join(', ')}`);
  }
  if (report.batchesPending > 0) {
    lines.push(`${report.batchesPending} batch(es) still running: run this again once they end (\`batchlens batch status ${report.jobId} --wait\`).`);
  }
  report.rawFiles.forEach((file) => lines.push(`  raw: ${file}`));
  return lines.join('\n');
}

/** Stands in when no key is set and every batch is already downloaded: any call is a usage error. */
function unavailableApi(): BatchApi {
  return new Proxy({} as BatchApi, {
    get: () => () => {
      throw new UsageError(NO_API_KEY_MESSAGE);
    },
  });
}
