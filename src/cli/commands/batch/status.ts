import { refreshJob } from '../../../core/tracking/jobActions';
import { batchDescription, formatCounts, jobLabel, phaseText, timingText } from '../../../core/tracking/jobFormat';
import type { Job } from '../../../core/jobs/jobModel';
import { summarizeJob } from '../../../core/tracking/jobStatus';
import { DEFAULT_INITIAL_INTERVAL_MS, Poller } from '../../../core/tracking/poller';
import { type CliCommand, type CliIo, UsageError } from '../../io';
import { type BatchCliContext, createCliBatchApi, openBatchContext, reconcileBeforeCommand } from './context';
import { jobArgument, jobJson, optionalApi, parseTrackerArgs, printJson } from './trackerCli';

const DEFAULT_MAX_INTERVAL_MS = 300_000;

const USAGE = [
  'Usage: batchlens batch status <job> [--wait] [--json] [--interval-ms N] [--max-interval-ms N]',
  '',
  'Asks the API for the job\'s batches once (with ANTHROPIC_API_KEY set; else prints the stored state)',
  'and prints status and row counts. A unique prefix of the job id is enough.',
  '',
  '  --wait              poll until the job has ended (interval grows from 5 s to 5 min; safe to',
  '                      interrupt and run again: all progress is in .batchlens/)',
  '  --interval-ms N     first poll interval for --wait (default 5000)',
  '  --max-interval-ms N longest poll interval for --wait (default 300000)',
  '  --json              print {"jobId","status":"in_progress|canceling|ended","counts":{...},"batches":[...],...}',
].join('\n');

export const statusCommand: CliCommand = {
  name: 'status',
  summary: 'Show (or --wait for) the status and row counts of a job',
  usage: USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseTrackerArgs(args, {
      wait: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      'interval-ms': { type: 'string' },
      'max-interval-ms': { type: 'string' },
    });
    const context = openBatchContext(io);
    let job = await jobArgument(context, positionals, 'batchlens batch status <job>');
    if (values.wait) {
      job = await waitForEnd(context, job, io, {
        initialIntervalMs: milliseconds('--interval-ms', values['interval-ms'], DEFAULT_INITIAL_INTERVAL_MS),
        maxIntervalMs: milliseconds('--max-interval-ms', values['max-interval-ms'], DEFAULT_MAX_INTERVAL_MS),
      });
    } else {
      const api = optionalApi(io, context);
      if (api) {
        await reconcileBeforeCommand(context, api, io);
        const refreshed = await refreshJob(job.id, { store: context.store, api });
        job = refreshed.job;
        refreshed.failures.forEach((failure) => io.stderr(`batchlens batch status: could not refresh ${failure.batchId}: ${failure.message}\n`));
      } else if (!values.json) {
        io.stderr('(no ANTHROPIC_API_KEY: showing the stored state)\n');
      }
    }
    const summary = summarizeJob(job);
    if (values.json) {
      printJson(io, jobJson(job, summary));
    } else {
      io.stdout(`${statusText(job, context.clock.now())}\n`);
    }
    return summary.phase === 'submitFailed' ? 1 : 0;
  },
};

function milliseconds(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) {
    return fallback;
  }
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < 1) {
    throw new UsageError(`${flag} must be a whole number of milliseconds, at least 1 (got '${text}')`);
  }
  return value;
}

/** Polls this job with the same poller as the editor until it has ended; progress is stored as it goes. */
async function waitForEnd(
  context: BatchCliContext,
  job: Job,
  io: CliIo,
  intervals: { initialIntervalMs: number; maxIntervalMs: number },
): Promise<Job> {
  const api = createCliBatchApi(io, context.logger);
  await reconcileBeforeCommand(context, api, io);
  const isOver = (candidate: Job) => ['ended', 'submitFailed'].includes(summarizeJob(candidate).phase);
  const current = (await context.store.get(job.id)) ?? job;
  if (isOver(current)) {
    return current;
  }
  if (summarizeJob(current).phase === 'submitting' && !current.batches.some((batch) => batch.batchId)) {
    throw new Error(`job ${job.id} has a submission that was interrupted and is not reconciled yet: run the command again in a few minutes`);
  }
  const poller = new Poller({
    store: context.store,
    getApi: async () => api,
    clock: context.clock,
    logger: context.logger,
    initialIntervalMs: intervals.initialIntervalMs,
    maxIntervalMs: Math.max(intervals.initialIntervalMs, intervals.maxIntervalMs),
    jobFilter: (candidate) => candidate.id === job.id,
  });
  try {
    return await new Promise<Job>((resolve, reject) => {
      poller.onJobUpdated(({ job: updated, summary }) => {
        if (summary.lastPollError) {
          context.logger.warn(`polling: ${summary.lastPollError}`);
        }
        if (updated.id === job.id && isOver(updated)) {
          resolve(updated);
        }
      });
      poller.onStateChange((state) => {
        if (state === 'idle') {
          // Nothing of this job runs any more (it ended in another process, or the key is missing).
          void context.store.get(job.id).then((latest) => {
            if (!latest) {
              reject(new Error(`job ${job.id} disappeared from .batchlens/jobs while waiting (deleted by another window or process?); nothing of it is tracked here any more`));
            } else if (isOver(latest)) {
              resolve(latest);
            } else if (latest?.batches.some((batch) => batch.lastPollError)) {
              reject(new Error(latest.batches.map((batch) => batch.lastPollError).find(Boolean)));
            }
          }, reject);
        } else if (state === 'stopped') {
          reject(new Error('polling stopped'));
        }
      });
      poller.start();
    });
  } finally {
    poller.dispose();
    await poller.stopped;
  }
}

function statusText(job: Job, now: number): string {
  const summary = summarizeJob(job);
  const lines = [
    `${job.id}  ${jobLabel(job)}  (${job.template.model})`,
    `Status: ${phaseText(summary)} · ${timingText(job, summary, now)}`,
    `Rows:   ${formatCounts(summary.counts)}`,
  ];
  for (const batch of job.batches) {
    lines.push(`  batch ${batch.index + 1} (${batch.purpose}) ${batch.batchId ?? '-'}: ${batchDescription(batch)}`);
    if (batch.lastPollError) {
      lines.push(`    last poll error: ${batch.lastPollError}`);
    }
    if (batch.submitError) {
      lines.push(`    ${batch.submitError}`);
    }
    if (batch.adoption === 'unverified') {
      lines.push('    found by reconciliation: its results are checked against this job\'s files before anything is written');
    }
    if (batch.resultsError) {
      lines.push(`    ${batch.resultsError}`);
    }
  }
  if (summary.phase === 'ended' && summary.rowsWithOutput === 0 && summary.counts.succeeded > 0) {
    lines.push(`Download the results with: batchlens batch results ${job.id}`);
  }
  return lines.join('\n');
}
