/**
 * Which findings a user sees under their settings, in the editor (diagnostics) and in `batchlens lint`
 * alike. Pure (no `vscode`), unit-tested in plain Node.
 */
import { isHintRule } from './ruleRegistry';
import type { Finding, RuleCode } from './types';

export interface LintFilter {
  /** `batchlens.hints.enabled`: off drops the hint rules (model routing, batch candidates). */
  hintsEnabled: boolean;
  /** `batchlens.lint.disabledRules`. */
  disabledRules: readonly RuleCode[];
}

/** The findings to show under the user's settings: disabled rules and (when off) hints dropped. */
export function visibleFindings<T extends Pick<Finding, 'code'>>(findings: readonly T[], filter: LintFilter): T[] {
  const disabled = new Set(filter.disabledRules);
  return findings.filter((finding) => !disabled.has(finding.code) && (filter.hintsEnabled || !isHintRule(finding.code)));
}

/** Hints are shown at information level whatever severity the rule carries. */
export function displaySeverity(finding: Pick<Finding, 'code' | 'severity'>): Finding['severity'] {
  return isHintRule(finding.code) ? 'info' : finding.severity;
}
