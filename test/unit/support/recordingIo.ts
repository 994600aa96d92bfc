import type { CliIo } from '../../../src/cli/io';

/** An in-memory CliIo: tests run CLI commands in-process and read what they printed. */
export function recordingIo(cwd = process.cwd(), env: NodeJS.ProcessEnv = {}): CliIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    cwd,
    env,
    stdout(text: string) {
      io.out += text;
    },
    stderr(text: string) {
      io.err += text;
    },
  };
  return io;
}
