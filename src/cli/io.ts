/** What a CLI command may touch: injected so tests run commands in-process and read their output. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Answers a yes/no question on a terminal; undefined when there is no terminal (CI). */
  confirm?(question: string): Promise<boolean>;
}

export interface CliCommand {
  /** The word after `batchlens` (or after `batchlens batch`). */
  name: string;
  summary: string;
  usage: string;
  /** Returns the exit code: 0 ok, 1 findings/failure, 2 usage or input error. */
  run(args: string[], io: CliIo): Promise<number>;
}

/** A mistake in how the command was called or in its input: printed as one line, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    cwd: process.cwd(),
    env: process.env,
  };
}
