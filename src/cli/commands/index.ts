import type { CliCommand } from '../io';
import { batchCommand } from './batch/index';
import { costCommand } from './cost';
import { lintCommand } from './lint';
import { modelsCommand } from './models';
import { priceCommand } from './price';
import { tokensCommand } from './tokens';

/** Top-level commands, in the order `batchlens --help` lists them. Add one line per command. */
export const COMMANDS: CliCommand[] = [
  batchCommand,
  modelsCommand,
  priceCommand,
  tokensCommand,
  lintCommand,
  costCommand,
];
