/**
 * Which findings become diagnostics. Pure (no `vscode`), unit-tested in plain Node.
 */
import type { Finding, RuleCode } from '../../core/analysis/types';

/** Model-routing (BL100) and batch-candidate (BL101) hints: information level, behind `batchlens.hints.enabled`. */
export const HINT_RULES: ReadonlySet<RuleCode> = new Set<RuleCode>(['BL100', 'BL101']);

export interface LintFilter {
  hintsEnabled: boolean;
  disabledRules: readonly RuleCode[];
}

/** The findings to show under the user's settings: disabled rules and (when off) hints dropped. */
export function visibleFindings(findings: readonly Finding[], filter: LintFilter): Finding[] {
  const disabled = new Set(filter.disabledRules);
  return findings.filter((finding) => !disabled.has(finding.code) && (filter.hintsEnabled || !HINT_RULES.has(finding.code)));
}

/** Hints are shown at information level whatever severity the rule carries. */
export function displaySeverity(finding: Finding): Finding['severity'] {
  return HINT_RULES.has(finding.code) ? 'info' : finding.severity;
}
