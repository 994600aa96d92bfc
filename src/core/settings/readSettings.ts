/**
 * The one validation of `batchlens.*` settings, used by the editor (a `vscode` configuration read)
 * and the CLI (`.vscode/settings.json`) alike. Settings are user-edited JSON: a value that does not
 * fit the schema is never thrown on; the setting's default applies instead (a number past a limit
 * takes that limit; for a list or an object, the well-formed part is kept) and the problem is returned for the caller to log once.
 * Pure (no `vscode`).
 */
import { checkDisabledRules } from '../analysis/ruleSettings';
import { parseModelOverrides } from '../pricing/overrides';
import { SETTINGS_SCHEMA, SETTING_KEYS, type SettingKey, type SettingSpec, type SettingValues, settingId } from './schema';

export interface CheckedSetting<T> {
  value: T;
  /** Why the value (or part of it) was ignored; empty when it was well-formed or unset. */
  problems: string[];
}

/** Validates the raw value of one setting (undefined when unset) against the schema. */
export function readSetting<K extends SettingKey>(key: K, raw: unknown): CheckedSetting<SettingValues[K]> {
  return readChecked(key, raw) as CheckedSetting<SettingValues[K]>;
}

/** Every setting at once, each read with `lookup` (the raw value of a key, undefined when unset). */
export function readAllSettings(lookup: (key: SettingKey) => unknown): CheckedSetting<SettingValues> {
  const values: Partial<Record<SettingKey, unknown>> = {};
  const problems: string[] = [];
  for (const key of SETTING_KEYS) {
    const checked = readChecked(key, lookup(key));
    values[key] = checked.value;
    problems.push(...checked.problems);
  }
  return { value: values as SettingValues, problems };
}

/** Every default, as a fresh object (the lists are copies). */
export function defaultSettings(): SettingValues {
  return readAllSettings(() => undefined).value;
}

function readChecked(key: SettingKey, raw: unknown): CheckedSetting<unknown> {
  // The two settings whose items have their own grammar keep their well-formed part.
  if (key === 'modelOverrides') {
    const parsed = parseModelOverrides(raw ?? {});
    return { value: parsed.overrides, problems: parsed.errors };
  }
  if (key === 'lint.disabledRules') {
    const checked = checkDisabledRules(raw);
    return { value: checked.value, problems: checked.problems };
  }
  const spec: SettingSpec = SETTINGS_SCHEMA[key];
  const fallback = (): CheckedSetting<unknown> => ({
    value: Array.isArray(spec.default) ? [...spec.default] : spec.default,
    problems: [`${settingId(key)}: ignored ${describe(raw)} (expected ${spec.expected})`],
  });
  const clamped = (limit: number): CheckedSetting<unknown> => ({
    value: limit,
    problems: [`${settingId(key)}: ${describe(raw)} is outside ${spec.expected}; using ${limit}`],
  });
  if (raw === undefined || raw === null) return { value: Array.isArray(spec.default) ? [...spec.default] : spec.default, problems: [] };
  switch (spec.type) {
    case 'boolean':
      return typeof raw === 'boolean' ? { value: raw, problems: [] } : fallback();
    case 'string': {
      if (typeof raw !== 'string') return fallback();
      const value = raw.trim();
      // A blank string means "not set" (the Settings editor leaves one behind when a value is cleared).
      if (value === '') return { value: spec.default, problems: [] };
      if (spec.enum && !spec.enum.includes(value)) return fallback();
      if (spec.pattern && !new RegExp(spec.pattern).test(value)) return fallback();
      return { value, problems: [] };
    }
    case 'number': {
      if (typeof raw !== 'number' || !Number.isFinite(raw) || (spec.integer && !Number.isInteger(raw))) return fallback();
      // A positive number past a limit means "as far as allowed": the nearest limit applies rather
      // than a default far from what was asked for. Zero or a negative below the minimum is no
      // amount at all, so the default applies.
      if (spec.minimum !== undefined && raw < spec.minimum) return raw > 0 ? clamped(spec.minimum) : fallback();
      if (spec.maximum !== undefined && raw > spec.maximum) return clamped(spec.maximum);
      return { value: raw, problems: [] };
    }
    case 'array': {
      if (!Array.isArray(raw)) return fallback();
      // Keep the well-formed items: one bad glob does not drop the others.
      const value = raw.filter((item): item is string => typeof item === 'string' && item.trim() !== '' && (!spec.itemEnum || spec.itemEnum.includes(item)));
      const dropped = raw.filter((item) => !value.includes(item as string));
      return { value, problems: dropped.map((item) => `${settingId(key)}: ignored ${describe(item)} (expected ${spec.expected})`) };
    }
    case 'object':
      return typeof raw === 'object' && !Array.isArray(raw) ? { value: raw, problems: [] } : fallback();
  }
}

function describe(raw: unknown): string {
  const text = JSON.stringify(raw);
  return text === undefined ? String(raw) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
