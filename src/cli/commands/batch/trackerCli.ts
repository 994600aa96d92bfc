import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { BatchApi } from '../../../core/api/batchApi';
import { JobLookupError, findJob } from '../../../core/tracking/jobActions';
import type { Job } from '../../../core/jobs/jobModel';
import { batchRowCount, jobRowCount } from '../../../core/tracking/jobRowStats';
import type { JobSummary } from '../../../core/tracking/jobStatus';
import { type CliIo, UsageError } from '../../io';
import { type BatchCliContext, apiKeyFrom, createCliBatchApi } from './context';

/** Shared plumbing of the tracker subcommands (list, status, results, retry, cancel, savings). */
export function parseTrackerArgs<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** The job named by the one positional argument (an id or a unique prefix). */
export async function jobArgument(context: BatchCliContext, positionals: string[], usage: string): Promise<Job> {
  if (positionals.length !== 1) {
    throw new UsageError(`give exactly one job id (or a unique prefix): ${usage}`);
  }
  try {
    return await findJob(context.store, positionals[0]);
  } catch (error) {
    if (error instanceof JobLookupError) {
      throw new UsageError(error.message);
    }
    throw error;
  }
}

/** A BatchApi when a key is set, else undefined (for commands that can work from the store alone). */
export function optionalApi(io: CliIo, context: BatchCliContext): BatchApi | undefined {
  return apiKeyFrom(io) ? createCliBatchApi(io, context.logger) : undefined;
}

export function printJson(io: CliIo, value: unknown): void {
  io.stdout(`${JSON.stringify(value, null, 2)}\n`);
}

/** The JSON view of a job shared by `list --json` and `status --json`. */
export function jobJson(job: Job, summary: JobSummary) {
  return {
    jobId: job.id,
    status: summary.apiStatus,
    phase: summary.phase,
    ...(summary.outcome ? { outcome: summary.outcome } : {}),
    counts: summary.counts,
    template: job.template.name,
    model: job.template.model,
    files: jobRowCount(job),
    createdAt: new Date(job.createdAt).toISOString(),
    ...(summary.nextExpiresAt ? { expiresAt: summary.nextExpiresAt } : {}),
    estimate: { batchUsd: job.estimate.batchUsd, syncUsd: job.estimate.syncUsd, label: 'estimate' },
    batches: job.batches.map((batch) => ({
      index: batch.index,
      purpose: batch.purpose,
      batchId: batch.batchId ?? null,
      status: batch.status ?? (batch.batchId ? 'in_progress' : batch.notSubmitted ? 'not_submitted' : 'submitting'),
      rows: batchRowCount(job, batch),
      ...(batch.counts ? { counts: batch.counts } : {}),
      ...(batch.lastPollError ? { lastPollError: batch.lastPollError } : {}),
      ...(batch.submitError ? { submitError: batch.submitError } : {}),
      ...(batch.adoption ? { adoption: batch.adoption } : {}),
      ...(batch.candidateBatchIds ? { candidateBatchIds: batch.candidateBatchIds } : {}),
      resultsComplete: batch.resultsComplete === true,
      ...(batch.resultsError ? { resultsError: batch.resultsError } : {}),
    })),
    ...(summary.lastPollError ? { lastPollError: summary.lastPollError } : {}),
  };
}
