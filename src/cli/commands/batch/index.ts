import type { CliCommand, CliIo } from '../../io';
import { submitCommand } from './submit';
import { listCommand } from './list';
import { statusCommand } from './status';
import { resultsCommand } from './results';
import { retryCommand } from './retry';
import { cancelCommand } from './cancel';
import { savingsCommand } from './savings';

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
    return sub.run(rest, io);
  },
};
