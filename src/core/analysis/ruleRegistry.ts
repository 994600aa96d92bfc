/**
 * Every cache-lint rule, once: its code, default severity, title, documentation anchor and the
 * settings that switch it off (`batchlens.lint.disabledRules` lists any rule; `batchlens.hints.enabled`
 * turns off the rules marked `hint`). The analyzer (severity), the editor (hint level, diagnostic links,
 * "Turn off rule"), `batchlens lint` (SARIF rule table) and the setting's enum in package.json all read
 * this table; a unit test holds package.json and the README's "Cache lint rules" section to it.
 * Pure data (no `vscode`).
 */
import type { Severity } from './types';

export interface RuleInfo {
  /** The code shown in diagnostics and CLI output. */
  readonly code: string;
  /**
   * The severity a finding of this rule carries unless the rule sets one per finding (BL001 for a
   * day-resolution date, BL007 for a deprecated model): for those, the strongest it reports.
   */
  readonly severity: Severity;
  /** One line naming the problem: SARIF's short description. */
  readonly title: string;
  /** A model-routing or batch hint rather than a caching problem: information level, behind `batchlens.hints.enabled`. */
  readonly hint: boolean;
}

/** The README section the rules are documented in; each rule has an anchor there (`#bl001`). */
export const RULE_DOCS_BASE = 'https://github.com/batchlens/batchlens/blob/main/README.md';

export const RULE_REGISTRY = [
  { code: 'BL001', severity: 'warning', title: 'Dynamic content before a cache breakpoint', hint: false },
  { code: 'BL002', severity: 'error', title: 'More than 4 cache breakpoints in one request', hint: false },
  { code: 'BL003', severity: 'info', title: 'Cached prefix below the model minimum', hint: false },
  { code: 'BL004', severity: 'error', title: 'A 1-hour breakpoint after a 5-minute one', hint: false },
  { code: 'BL005', severity: 'warning', title: 'The only breakpoint is on per-request content', hint: false },
  { code: 'BL006', severity: 'info', title: 'Non-deterministic serialization in the cached prefix', hint: false },
  // BL007–BL009 (apiRules.ts) set their own severity per finding; these are their strongest.
  { code: 'BL007', severity: 'error', title: 'Retired or deprecated model', hint: false },
  { code: 'BL008', severity: 'error', title: 'temperature / top_p / top_k under API version 2026-10-21', hint: false },
  { code: 'BL009', severity: 'warning', title: 'Unknown model id', hint: false },
  { code: 'BL100', severity: 'info', title: 'Expensive model for a classification or extraction prompt', hint: true },
  { code: 'BL101', severity: 'info', title: 'Synchronous calls in a loop: a batch candidate', hint: true },
] as const satisfies readonly RuleInfo[];

export type RuleCode = (typeof RULE_REGISTRY)[number]['code'];

export const RULE_CODES: readonly RuleCode[] = RULE_REGISTRY.map((rule) => rule.code);

const BY_CODE = new Map<string, RuleInfo>(RULE_REGISTRY.map((rule) => [rule.code, rule]));

export function isRuleCode(value: unknown): value is RuleCode {
  return typeof value === 'string' && BY_CODE.has(value);
}

export function ruleInfo(code: RuleCode): RuleInfo {
  return BY_CODE.get(code)!;
}

/** The severity of a finding whose rule does not set one itself. */
export function defaultSeverity(code: RuleCode): Severity {
  return ruleInfo(code).severity;
}

export function isHintRule(code: RuleCode): boolean {
  return ruleInfo(code).hint;
}

/** The README anchor of a rule (GitHub lowercases heading anchors; the README also sets `<a id>`). */
export function ruleDocsAnchor(code: string): string {
  return code.toLowerCase();
}

/** Where a rule is documented, e.g. `…/README.md#bl001`: the link of a diagnostic and of a SARIF rule. */
export function ruleDocsUrl(code: string): string {
  return `${RULE_DOCS_BASE}#${ruleDocsAnchor(code)}`;
}
