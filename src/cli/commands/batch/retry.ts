import { assertRequestsKnown } from '../../../core/tracking/adoptBatch';
import { downloadCheckedResults, refreshJob } from '../../../core/tracking/jobActions';
import { type RetryOutcome, type RetryPlan, planRetry, submitRetry } from '../../../core/tracking/retryPlanner';
import type { CliCommand, CliIo } from '../../io';
import { createCliBatchApi, openBatchContext, reconcileBeforeCommand } from './context';
import { jobArgument, parseTrackerArgs, printJson } from './trackerCli';

const USAGE = [
  'Usage: batchlens batch retry <job> [--include-canceled] [--dry-run] [--json]',
  '',
  'Retries the job\'s failed rows by error class, as a new batch inside the same job (each row keeps',
  'its history; failed rows were not billed). Downloads missing results first.',
  '  - server-side errors (api_error, overloaded_error, ...) are resent unchanged;',
  '  - expired rows are resubmitted;',
  '  - invalid_request_error rows are listed with the API\'s message for you to edit (not resent);',
  '  - canceled rows only with --include-canceled.',
  '',
  '  --include-canceled  resend canceled rows too',
  '  --dry-run           print the plan and send nothing',
  '  --json              print {"jobId","resent":[custom_ids],"batchIds","forEditing":[{customId,path,errorType,message}],...}',
].join('\n');

export const retryCommand: CliCommand = {
  name: 'retry',
  summary: 'Retry failed rows by error class (invalid requests are listed for editing)',
  usage: USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseTrackerArgs(args, {
      'include-canceled': { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    });
    const context = openBatchContext(io);
    const found = await jobArgument(context, positionals, 'batchlens batch retry <job>');
    const api = createCliBatchApi(io, context.logger);
    await reconcileBeforeCommand(context, api, io);
    await refreshJob(found.id, { store: context.store, api });
    const downloaded = await downloadCheckedResults(found.id, { store: context.store, api, logger: context.logger });
    if (downloaded.written.length > 0 && !values.json) {
      io.stderr(`Downloaded results first: ${downloaded.written.length} output file(s) written.\n`);
    }
    const job = (await context.store.get(found.id)) ?? found;
    const plan = planRetry(job, { includeCanceled: values['include-canceled'] });
    if (!values['dry-run']) await assertRequestsKnown(context.store, job, plan.toSend.map((row) => row.customId));
    const outcome = values['dry-run'] || plan.toSend.length === 0
      ? undefined
      : await submitRetry(plan, { store: context.store, api, clock: context.clock, logger: context.logger });
    if (values.json) {
      printJson(io, retryJson(plan, outcome, values['dry-run'] ?? false));
    } else {
      io.stdout(`${retryText(plan, outcome, values['dry-run'] ?? false)}\n`);
    }
    if (outcome?.failure) {
      io.stderr(`batchlens batch retry: ${outcome.failure.message}\n`);
      return 1;
    }
    return 0;
  },
};

function retryJson(plan: RetryPlan, outcome: RetryOutcome | undefined, dryRun: boolean) {
  const describe = (rows: RetryPlan['forEditing']) => rows.map((row) => ({ customId: row.customId, path: row.relativePath, errorType: row.errorType, message: row.errorMessage }));
  return {
    jobId: plan.jobId,
    dryRun,
    resent: outcome?.sentCustomIds ?? [],
    planned: plan.toSend.map((row) => ({ customId: row.customId, path: row.relativePath, reason: row.retryClass === 'resubmit' ? 'expired' : row.errorType ?? 'canceled' })),
    batchIds: outcome?.created ?? [],
    forEditing: describe(plan.forEditing),
    accountProblems: describe(plan.accountProblems),
    canceledLeftOut: plan.canceledLeftOut.map((row) => row.customId),
    inFlight: plan.inFlight,
    awaitingResults: plan.awaitingResults,
    ...(outcome?.failure ? { error: outcome.failure.message } : {}),
  };
}

function retryText(plan: RetryPlan, outcome: RetryOutcome | undefined, dryRun: boolean): string {
  const lines: string[] = [];
  if (plan.toSend.length === 0) {
    lines.push('Nothing to resend.');
  } else if (dryRun) {
    lines.push(`Would resend ${plan.toSend.length} row(s): ${plan.toSend.map((row) => row.relativePath).join(', ')}`);
  } else if (outcome && outcome.created.length > 0) {
    lines.push(`Resent ${outcome.sentCustomIds.length} row(s) as ${outcome.created.join(', ')}. Follow it with: batchlens batch status ${plan.jobId} --wait`);
  }
  if (plan.forEditing.length > 0) {
    lines.push(`${plan.forEditing.length} row(s) were refused as invalid; edit them, then submit those files again (not resent):`);
    plan.forEditing.forEach((row) => lines.push(`  ${row.relativePath}: ${row.errorType}: ${row.errorMessage}`));
  }
  if (plan.accountProblems.length > 0) {
    lines.push(`${plan.accountProblems.length} row(s) failed for the key or account (fix that first; not resent):`);
    plan.accountProblems.forEach((row) => lines.push(`  ${row.relativePath}: ${row.errorType}: ${row.errorMessage}`));
  }
  if (plan.canceledLeftOut.length > 0) {
    lines.push(`${plan.canceledLeftOut.length} canceled row(s) left out (add --include-canceled to resend them).`);
  }
  if (plan.inFlight.length > 0) {
    lines.push(`${plan.inFlight.length} row(s) are still in a running batch.`);
  }
  return lines.join('\n');
}
