/**
 * The CLI as a child process that dies by SIGKILL at a named point (`BATCHLENS_KILL_AT`), for the
 * kill -9 fault scenarios. Points the test process cannot reach from outside are hooked here:
 * - `after-create`: the create call returned, its batch id is not saved yet.
 * Other points (a create in flight, a download in progress) are reached by the parent killing this
 * process while the fault proxy holds the request.
 */
import { createSubmitCommand } from '../../src/cli/commands/batch/submit';
import { processIo } from '../../src/cli/io';
import { runCli } from '../../src/cli/main';

const killAt = process.env.BATCHLENS_KILL_AT;
const args = process.argv.slice(2);

async function main(): Promise<number> {
  if (killAt === 'after-create' && args[0] === 'batch' && args[1] === 'submit') {
    const submit = createSubmitCommand({ afterCreate: () => void process.kill(process.pid, 'SIGKILL') });
    return submit.run(args.slice(2), processIo());
  }
  return runCli(args, processIo());
}

main().then((code) => (process.exitCode = code));
