/**
 * Type guards for array-valued settings (`batchlens.modelOverrides` is checked by the catalog's own
 * `parseModelOverrides`). Settings are user-edited JSON, so every value is checked before use and
 * anything malformed is dropped with a reason the log can show. Pure (no `vscode`), unit-tested in plain Node.
 */
import { type RuleCode, isRuleCode } from './ruleRegistry';

export interface Checked<T> {
  value: T;
  /** Why parts of the setting were ignored; empty when it was well-formed. */
  problems: string[];
}

/** Keeps the well-formed rule codes of `batchlens.lint.disabledRules`. */
export function checkDisabledRules(raw: unknown): Checked<RuleCode[]> {
  if (raw === undefined || raw === null) {
    return { value: [], problems: [] };
  }
  if (!Array.isArray(raw)) {
    return { value: [], problems: ['batchlens.lint.disabledRules must be an array of rule codes such as "BL003"'] };
  }
  const value: RuleCode[] = [];
  const problems: string[] = [];
  for (const item of raw) {
    const code = typeof item === 'string' ? item.trim().toUpperCase() : item;
    if (isRuleCode(code)) {
      value.push(code);
    } else {
      problems.push(`batchlens.lint.disabledRules: ignored ${JSON.stringify(item)} (not a Batchlens rule code)`);
    }
  }
  return { value, problems };
}
