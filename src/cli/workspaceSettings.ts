import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ParseError, parse as parseJsonc, printParseErrorCode } from 'jsonc-parser';
import { enabledExcludeGlobs } from '../core/files/exclusionRules';
import { type ModelOverrides, parseModelOverrides } from '../core/pricing/overrides';
import type { CliIo } from './io';

/**
 * The `batchlens.*` settings of the workspace the CLI runs in, read from `.vscode/settings.json`
 * (JSON with comments, as VS Code writes it), so that the editor and the CLI price, lint and
 * collect files the same way. Flags given on the command line win over these.
 */
export interface CliSettings {
  defaultModel?: string;
  modelOverrides: ModelOverrides;
  usResidency: boolean;
  /** Raw `batchlens.lint.disabledRules`; checked by `checkDisabledRules` where it is used. */
  disabledRules: unknown;
  /** `batchlens.lint.reportUnknownValues`: infos for values of unknown stability in a cached prefix. */
  reportUnknownValues?: boolean;
  exclude: string[];
  /** The enabled globs of VS Code's `files.exclude`, which the editor's batch collection honours too. */
  filesExclude: string[];
  maxFileBytes?: number;
  maxRequestsPerBatch?: number;
  defaultTemplate?: string;
  /** `batchlens.apiTimeoutSeconds`: how long one API call may take. */
  apiTimeoutSeconds?: number;
  /** `batchlens.workspaceId`: the Anthropic workspace batch commands act on. */
  workspaceId?: string;
  /** Where the settings came from, for messages; undefined when the workspace has none. */
  file?: string;
}

const EMPTY: CliSettings = { modelOverrides: {}, usResidency: false, disabledRules: [], exclude: [], filesExclude: [] };

/**
 * Reads the settings once per command. A missing file means defaults; a malformed file or value is
 * reported on stderr as a warning and ignored, never fatal: the user's flags still apply.
 */
export function loadCliSettings(io: Pick<CliIo, 'cwd' | 'stderr'>): CliSettings {
  const file = join(io.cwd, '.vscode', 'settings.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { ...EMPTY };
  }
  const errors: ParseError[] = [];
  const raw: unknown = parseJsonc(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length > 0 || typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    const reason = errors.length > 0 ? printParseErrorCode(errors[0]!.error) : 'not an object';
    io.stderr(`[warn] ignoring ${file}: ${reason}\n`);
    return { ...EMPTY };
  }
  const settings = raw as Record<string, unknown>;
  const warn = (key: string, expected: string) => io.stderr(`[warn] ignoring batchlens.${key} in ${file}: expected ${expected}\n`);
  const read = <T>(key: string, guard: (value: unknown) => value is T, expected: string): T | undefined => {
    const value = settings[`batchlens.${key}`];
    if (value === undefined) return undefined;
    if (guard(value)) return value;
    warn(key, expected);
    return undefined;
  };

  const overrides = parseModelOverrides(settings['batchlens.modelOverrides'] ?? {});
  for (const error of overrides.errors) io.stderr(`[warn] ${error} (in ${file})\n`);

  return {
    file,
    defaultModel: read('defaultModel', isNonEmptyString, 'a model id'),
    modelOverrides: overrides.overrides,
    usResidency: read('usResidency', isBoolean, 'true or false') ?? false,
    disabledRules: settings['batchlens.lint.disabledRules'],
    reportUnknownValues: read('lint.reportUnknownValues', isBoolean, 'true or false'),
    exclude: read('exclude', isStringArray, 'an array of glob patterns') ?? [],
    filesExclude: enabledExcludeGlobs(settings['files.exclude']),
    maxFileBytes: read('maxFileBytes', isPositiveInteger, 'a positive whole number'),
    maxRequestsPerBatch: read('maxRequestsPerBatch', isPositiveInteger, 'a positive whole number'),
    defaultTemplate: read('defaultTemplate', isNonEmptyString, 'a template name'),
    apiTimeoutSeconds: read('apiTimeoutSeconds', isTimeoutSeconds, 'a number of seconds above 0 and at most 3600'),
    workspaceId: read('workspaceId', isNonEmptyString, 'a workspace id (wrkspc_...)'),
  };
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.trim().length > 0;
}

function isBoolean(value: unknown): value is boolean {
  return typeof value === 'boolean';
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}

function isTimeoutSeconds(value: unknown): value is number {
  return typeof value === 'number' && value > 0 && value <= 3600;
}
