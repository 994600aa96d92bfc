import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ParseError, parse as parseJsonc, printParseErrorCode } from 'jsonc-parser';
import { enabledExcludeGlobs } from '../core/files/exclusionRules';
import { defaultSettings, readAllSettings } from '../core/settings/readSettings';
import { type SettingValues, settingId } from '../core/settings/schema';
import type { CliIo } from './io';

/**
 * The `batchlens.*` settings of the workspace the CLI runs in, read from `.vscode/settings.json`
 * (JSON with comments, as VS Code writes it) and validated by the same schema as the editor's, so
 * that the editor and the CLI price, lint and collect files the same way. Every setting has its
 * value (the default when unset); flags given on the command line win over these.
 */
export type CliSettings = SettingValues & {
  /** The enabled globs of VS Code's `files.exclude`, which the editor's batch collection honours too. */
  filesExclude: string[];
  /** Where the settings came from, for messages; undefined when the workspace has none. */
  file?: string;
};

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
    return { ...defaultSettings(), filesExclude: [] };
  }
  const errors: ParseError[] = [];
  const raw: unknown = parseJsonc(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length > 0 || typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    const reason = errors.length > 0 ? printParseErrorCode(errors[0]!.error) : 'not an object';
    io.stderr(`[warn] ignoring ${file}: ${reason}\n`);
    return { ...defaultSettings(), filesExclude: [] };
  }
  const settings = raw as Record<string, unknown>;
  const checked = readAllSettings((key) => settings[settingId(key)]);
  for (const problem of checked.problems) io.stderr(`[warn] ${problem} (in ${file})\n`);
  return { ...checked.value, filesExclude: enabledExcludeGlobs(settings['files.exclude']), file };
}
