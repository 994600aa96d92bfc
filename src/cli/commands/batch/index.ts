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
import { adoptCommand } from './adopt';
import { WORKSPACE_ID_ENV } from './context';

/** `batchlens batch <subcommand>`: one line per subcommand. */
const SUBCOMMANDS: CliCommand[] = [
  submitCommand,
  listCommand,
  statusCommand,
  resultsCommand,
  retryCommand,
  cancelCommand,
  savingsCommand,
  adoptCommand,
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
    'Every subcommand takes --workspace-id <wrkspc_...> to act on another Anthropic workspace of the key',
    `(also ${WORKSPACE_ID_ENV}, or batchlens.workspaceId in .vscode/settings.json).`,
  ].join('\n'),
  async run(args: string[], io: CliIo): Promise<number> {
    const scoped = withWorkspaceId(args, io);
    if (typeof scoped === 'string') {
      io.stderr(`batchlens batch: ${scoped}\n`);
      return 2;
    }
    const [scopedArgs, scopedIo] = scoped;
    const [name, ...rest] = scopedArgs;
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
    const subIo = timeout === undefined ? scopedIo : { ...scopedIo, env: { ...scopedIo.env, [TIMEOUT_ENV]: String(parseTimeoutSeconds(timeout)) } };
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

/**
 * Takes `--workspace-id <id>` (or `--workspace-id=<id>`) out of the arguments of any subcommand and
 * hands it on in the command's environment, where `createCliBatchApi` reads it. Returns an error
 * message when the flag has no value.
 */
function withWorkspaceId(args: string[], io: CliIo): [string[], CliIo] | string {
  const rest: string[] = [];
  let workspaceId: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--workspace-id') {
      workspaceId = args[i + 1];
      if (workspaceId === undefined || workspaceId.startsWith('--')) {
        return '--workspace-id needs a workspace id (wrkspc_...)';
      }
      i++;
    } else if (arg.startsWith('--workspace-id=')) {
      workspaceId = arg.slice('--workspace-id='.length);
    } else {
      rest.push(arg);
    }
  }
  if (workspaceId === undefined) {
    return [args, io];
  }
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(workspaceId.trim())) {
    return `'${workspaceId.slice(0, 60)}' is not a workspace id (they look like wrkspc_01AbC...)`;
  }
  return [rest, { ...io, env: { ...io.env, [WORKSPACE_ID_ENV]: workspaceId.trim() } }];
}
