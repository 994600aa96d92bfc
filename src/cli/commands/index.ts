import type { CliCommand } from '../io';

/** Top-level commands, in the order `batchlens --help` lists them. Add one line per command. */
export const COMMANDS: CliCommand[] = [
];
