import { cancelJob } from '../../../core/tracking/jobActions';
import type { CliCommand, CliIo } from '../../io';
import { createCliBatchApi, openBatchContext, reconcileBeforeCommand } from './context';
import { jobArgument, parseTrackerArgs, printJson } from './trackerCli';

const USAGE = [
  'Usage: batchlens batch cancel <job> [--json]',
  '',
  'Asks the API to cancel every running batch of the job. They go to "canceling", then "ended";',
  'rows already processed keep their results, the rest come back canceled (not billed).',
  '',
  '  --json  print {"jobId","canceled":[batch ids],"failures":[...]}',
].join('\n');

export const cancelCommand: CliCommand = {
  name: 'cancel',
  summary: 'Cancel the running batches of a job',
  usage: USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseTrackerArgs(args, { json: { type: 'boolean', default: false } });
    const context = openBatchContext(io);
    const job = await jobArgument(context, positionals, 'batchlens batch cancel <job>');
    const api = createCliBatchApi(io, context.logger);
    // A batch whose id an interrupted submit never stored must be found before it can be canceled.
    await reconcileBeforeCommand(context, api, io);
    const outcome = await cancelJob(job.id, { store: context.store, api, logger: context.logger });
    if (values.json) {
      printJson(io, { jobId: job.id, canceled: outcome.canceled, failures: outcome.failures });
    } else if (outcome.canceled.length === 0 && outcome.failures.length === 0) {
      io.stdout(`Nothing to cancel: no batch of ${job.id} is running.\n`);
    } else {
      if (outcome.canceled.length > 0) {
        io.stdout(`Cancel requested for ${outcome.canceled.join(', ')}. Follow it with: batchlens batch status ${job.id} --wait\n`);
      }
      outcome.failures.forEach((failure) => io.stderr(`batchlens batch cancel: ${failure.batchId}: ${failure.message}\n`));
    }
    return outcome.failures.length > 0 ? 1 : 0;
  },
};
