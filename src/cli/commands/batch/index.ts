import type { CliCommand, CliIo } from '../../io';
import { submitCommand } from './submit';
import { listCommand } from './list';
import { statusCommand } from './status';
import { resultsCommand } from './results';
import { retryCommand } from './retry';
import { cancelCommand } from './cancel';
import { savingsCommand } from './savings';
import { TIMEOUT_ENV, parseTimeoutSeconds } from './context';
import { UsageError } from '../../io';
import { sweepStoreLeftovers } from '../../../core/tracking/storeSweep';

/** `batchlens batch <subcommand>`: one line per subcommand. */
const SUBCOMMANDS: CliCommand[] = [
  submitCommand,
  listCommand,
  statusCommand,
  resultsCommand,
  retryCommand,
  cancelCommand,
  savingsCommand,
];

export const batchCommand: CliCommand = {
  name: 'batch',
  summary: 'Submit files as Message Batches jobs and track them (submit, list, status, results, retry, cancel, savings)',
  usage: [
    'Usage: batchlens batch <subcommand> [options]   (run from the workspace root)',
    '',
    ...SUBCOMMANDS.map((sub) => `  ${sub.name.padEnd(8)}  ${sub.summary}`),
    '',
    'Every subcommand takes --timeout SECONDS: how long one API call may wait (default: the',
    'batchlens.apiTimeoutSeconds setting, else 120). While it waits, progress is printed on stderr.',
  ].join('\n'),
  async run(args: string[], io: CliIo): Promise<number> {
    const [name, ...rest] = args;
    const sub = SUBCOMMANDS.find((candidate) => candidate.name === name);
    if (!sub) {
      io.stderr(`batchlens batch: ${name ? `unknown subcommand '${name}'` : 'missing subcommand'}. Run 'batchlens batch --help'.\n`);
      return 2;
    }
    if (rest.includes('--help') || rest.includes('-h')) {
      io.stdout(`${sub.usage}\n`);
      return 0;
    }
    const { args: subArgs, timeout } = takeTimeoutFlag(rest);
    const swept = await sweepStoreLeftovers(io.cwd).catch(() => ({ removed: [] as string[] }));
    if (swept.removed.length > 0) io.stderr(`batchlens: removed ${swept.removed.length} leftover temporary file(s) of an interrupted run in .batchlens/\n`);
    const subIo = timeout === undefined ? io : { ...io, env: { ...io.env, [TIMEOUT_ENV]: String(parseTimeoutSeconds(timeout)) } };
    return sub.run(subArgs, subIo);
  },
};

/** Removes `--timeout N` / `--timeout=N` (shared by every subcommand) from the arguments. */
function takeTimeoutFlag(args: string[]): { args: string[]; timeout?: string } {
  const rest: string[] = [];
  let timeout: string | undefined;
  for (let index = 0; index < args.length; index++) {
    const arg = args[index];
    if (arg === '--timeout') {
      if (index + 1 >= args.length) throw new UsageError('--timeout needs a number of seconds');
      timeout = args[++index];
    } else if (arg.startsWith('--timeout=')) {
      timeout = arg.slice('--timeout='.length);
    } else {
      rest.push(arg);
    }
  }
  return { args: rest, timeout };
}
