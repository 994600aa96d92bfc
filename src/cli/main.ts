import { COMMANDS } from './commands/index';
import { describeFailure } from './errorText';
import { type CliIo, UsageError, processIo } from './io';

function helpText(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length), 4);
  const lines = COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`);
  return ['Usage: batchlens <command> [options]', '', 'Commands:', ...lines, '', 'Run `batchlens <command> --help` for a command\'s options.', ''].join('\n');
}

/** Runs one CLI invocation and returns its exit code. Never calls process.exit (tests call it in-process). */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(helpText());
    return name ? 0 : 2;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    io.stderr(`batchlens: unknown command '${name}'. Run 'batchlens --help' for the list.\n`);
    return 2;
  }
  if (rest[0] === '--help' || rest[0] === '-h') {
    io.stdout(`${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`batchlens ${name}: ${error.message}\n`);
      return 2;
    }
    io.stderr(`batchlens ${name}: ${describeFailure(error)}\n`);
    return 1;
  }
}

if (require.main === module) {
  runCli(process.argv.slice(2), processIo()).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`batchlens: ${describeFailure(error)}\n`);
      process.exitCode = 1;
    },
  );
}
