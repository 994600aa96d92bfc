import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { formatUsd } from '../../../core/pricing/cost';
import { AdoptError, type AdoptOutcome, adoptBatch, parseRequestsFile } from '../../../core/tracking/adoptBatch';
import { formatCounts } from '../../../core/tracking/jobFormat';
import { summarizeJob } from '../../../core/tracking/jobStatus';
import { type CliCommand, type CliIo, UsageError } from '../../io';
import { loadCliSettings } from '../../workspaceSettings';
import { createCliBatchApi, openBatchContext, workspaceIdFrom } from './context';
import { parseTrackerArgs, printJson } from './trackerCli';

const USAGE = [
  'Usage: batchlens batch adopt <batch id> [--requests <file>] [--json]',
  '',
  'Takes a batch of the workspace that Batchlens did not submit (a script, a notebook, CI, a colleague)',
  'into a local job: a job file records it from then on, so `batch status`, `cancel`, `results`, `retry`',
  'and `savings` work on it. Once it has ended, its results are downloaded (streamed, resumable) into',
  '.batchlens/results/<job>/<custom_id>.md plus the raw JSONL, and its actual cost and savings are priced',
  'from the rows\' usage. Adopting it again only completes what is missing.',
  '',
  '  --requests <file>  the batch\'s original requests (JSONL of {custom_id, params}, or a create body),',
  '                     kept so `batch retry` can resend failed rows unchanged',
  '  --json             print {"jobId","created","batch":{...},"results":{...},"savings":{...}}',
].join('\n');

export const adoptCommand: CliCommand = {
  name: 'adopt',
  summary: 'Track a batch created elsewhere, download its results and price them',
  usage: USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseTrackerArgs(args, {
      requests: { type: 'string' },
      json: { type: 'boolean', default: false },
    });
    if (positionals.length !== 1) {
      throw new UsageError(`give exactly one batch id: ${USAGE.split('\n')[0]}`);
    }
    const requests = values.requests === undefined ? undefined : await readRequests(resolve(io.cwd, values.requests));
    const context = openBatchContext(io);
    const api = createCliBatchApi(io, context.logger);
    let outcome: AdoptOutcome;
    try {
      outcome = await adoptBatch(positionals[0], {
        store: context.store,
        api,
        clock: context.clock,
        logger: context.logger,
        workspaceId: workspaceIdFrom(io),
        requests,
        overrides: loadCliSettings(io).modelOverrides,
      });
    } catch (error) {
      if (error instanceof AdoptError) throw new UsageError(error.message);
      throw error;
    }
    if (values.json) {
      printJson(io, adoptJson(outcome));
    } else {
      io.stdout(`${adoptText(outcome)}\n`);
    }
    return 0;
  },
};

async function readRequests(file: string) {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read --requests ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    return parseRequestsFile(text);
  } catch (error) {
    throw new UsageError(`--requests ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function adoptJson(outcome: AdoptOutcome) {
  const summary = summarizeJob(outcome.job);
  return {
    jobId: outcome.job.id,
    created: outcome.created,
    adopted: outcome.job.adopted !== undefined,
    batch: {
      id: outcome.batch.id,
      status: outcome.batch.processing_status,
      counts: outcome.batch.request_counts,
      createdAt: outcome.batch.created_at,
      endedAt: outcome.batch.ended_at,
      expiresAt: outcome.batch.expires_at,
    },
    rows: outcome.job.manifest.length,
    failedRows: summary.failedRowCount,
    results: outcome.results
      ? {
          written: outcome.results.written.map((file) => file.outputPath),
          unchanged: outcome.results.unchanged,
          skipped: outcome.results.skipped,
          outcomes: outcome.results.outcomes,
          rawFiles: outcome.results.rawFiles,
          batchesRead: outcome.results.batchesRead,
        }
      : null,
    savings: {
      pricedRows: outcome.savings.pricedRows,
      unpricedRows: outcome.savings.unpricedRows,
      actualUsd: outcome.savings.actualUsd,
      syncUncachedUsd: outcome.savings.syncUncachedUsd,
      savedUsd: outcome.savings.savedUsd,
      ...(outcome.savings.savedFraction !== undefined ? { savedFraction: outcome.savings.savedFraction } : {}),
      models: outcome.savings.models,
      notes: outcome.savings.notes,
    },
  };
}

function adoptText(outcome: AdoptOutcome): string {
  const { job, batch, results, savings } = outcome;
  const lines = [
    outcome.created ? `Adopted ${batch.id} as job ${job.id}.` : `${batch.id} is already tracked as job ${job.id}.`,
    `Status: ${batch.processing_status} · ${formatCounts(batch.request_counts)}`,
  ];
  if (!results) {
    lines.push(`Its results come once it has ended: batchlens batch status ${job.id} --wait, then batchlens batch results ${job.id}`);
  } else {
    lines.push(`${results.written.length} output file(s) written${results.unchanged ? `, ${results.unchanged} unchanged` : ''} in ${results.rawFiles.map((file) => file.replace(/\/[^/]+$/, '/')).join(', ') || 'the results folder'}.`);
    results.skipped.forEach((skip) => lines.push(`  not written: ${skip.outputPath}: ${skip.reason}`));
    if (savings.pricedRows > 0) {
      const percent = savings.savedFraction !== undefined ? ` (${(savings.savedFraction * 100).toFixed(1)}%)` : '';
      lines.push(`Actual cost ${formatUsd(savings.actualUsd)} for ${savings.pricedRows} row(s); the same tokens sent synchronously without caching: ${formatUsd(savings.syncUncachedUsd)}. Saved ${formatUsd(savings.savedUsd)}${percent}.`);
    }
    if (savings.unpricedRows > 0) {
      lines.push(`${savings.unpricedRows} row(s) used a model the price catalog does not know: not priced (${savings.notes.join('; ')}).`);
    }
    const failed = summarizeJob(job).failedRowCount;
    if (failed > 0) {
      lines.push(`${failed} row(s) did not succeed: batchlens batch retry ${job.id} --dry-run shows them by error class.`);
    }
  }
  return lines.join('\n');
}
