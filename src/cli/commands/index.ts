import type { CliCommand } from '../io';
import { batchCommand } from './batch/index';

/** Top-level commands, in the order `batchlens --help` lists them. Add one line per command. */
export const COMMANDS: CliCommand[] = [
  batchCommand,
];
