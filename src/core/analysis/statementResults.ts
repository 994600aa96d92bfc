import type { AnalysisOptions } from './types';
import type { StatementFacts } from './ir';
import { type BindingPrompt, type PromptUse, bindingPromptsOf, promptUsesOf } from './prompts';
import { checkApiRules } from './apiRules';
import { type RequestModel, requestsOf } from './requests';
import { type EnvDependencies, type ModuleEnv, dependenciesHold, recordDependencies, takeDependencies } from './resolve';
import { type RawFinding, type RuleContext, checkRequest } from './rules';

/**
 * What one top-level statement contributes once values are resolved: the findings of its SDK
 * calls, the prompts it declares and the prompt uses of its calls. It depends on the statement's
 * facts and on the module-level names it read (`deps`); while both are unchanged an edit
 * elsewhere reuses it, shifted like the facts, so edit-to-findings re-resolves only what changed.
 */
export interface StatementResult {
  findings: RawFinding[];
  declared: BindingPrompt[];
  uses: PromptUse[];
  deps: EnvDependencies;
}

/** Resolves one statement's requests, applies the request rules and collects its prompt facts. */
export function evaluateStatement(facts: StatementFacts, env: ModuleEnv, text: string, python: boolean, options: AnalysisOptions): StatementResult {
  // Evidence from other files belongs to these options (sameOptions compares it by identity).
  env.external = options.crossFile;
  recordDependencies(env);
  try {
    const ctx: RuleContext = { env, text, python, options, findings: [], reported: new Set() };
    const requests: RequestModel[] = [];
    for (const site of facts.sdkCalls) {
      for (const request of requestsOf(site, env)) {
        requests.push(request);
        checkRequest(request, ctx);
        checkApiRules(request, ctx);
      }
    }
    const declared = bindingPromptsOf(facts, env);
    const uses = requests.length > 0 ? promptUsesOf(requests, env) : [];
    return { findings: ctx.findings, declared, uses, deps: takeDependencies(env) };
  } catch (error) {
    takeDependencies(env);
    throw error;
  }
}

/** The cached result when it still holds for this version of the file. */
export function reusable(result: StatementResult | undefined, env: ModuleEnv): StatementResult | undefined {
  return result && dependenciesHold(result.deps, env) ? result : undefined;
}

/** True when results computed under `before` are valid under `after` (same rules, model and estimators). */
export function sameOptions(before: AnalysisOptions | undefined, after: AnalysisOptions): boolean {
  if (!before) return false;
  if (before === after) return true;
  const rules = (options: AnalysisOptions): string => [...(options.disabledRules ?? [])].sort().join(',');
  return (
    before.defaultModel === after.defaultModel &&
    rules(before) === rules(after) &&
    (before.reportUnknownValues ?? false) === (after.reportUnknownValues ?? false) &&
    before.minCacheableTokens === after.minCacheableTokens && before.estimateTokens === after.estimateTokens &&
    before.crossFile === after.crossFile && before.sdkApiVersions === after.sdkApiVersions
  );
}

/**
 * Moves a cached result's own offsets for an edit that replaced [start, oldEnd) by `delta` more
 * characters. Binding spans are not touched (they belong to the facts, which shift themselves).
 * Returns false when an offset falls inside the edited range: the result is then dropped.
 */
export function shiftResult(result: StatementResult, start: number, oldEnd: number, delta: number): boolean {
  for (const finding of result.findings) {
    const from = shifted(finding.start, start, oldEnd, delta);
    const to = shifted(finding.end, start, oldEnd, delta);
    if (from < 0 || to < 0) return false;
    finding.start = from;
    finding.end = to;
    for (const related of finding.related ?? []) {
      const relatedStart = shifted(related.start, start, oldEnd, delta);
      const relatedEnd = shifted(related.end, start, oldEnd, delta);
      if (relatedStart < 0 || relatedEnd < 0) return false;
      related.start = relatedStart;
      related.end = relatedEnd;
    }
    for (const fix of finding.fixes) {
      for (const edit of fix.edits) {
        const editStart = shifted(edit.start, start, oldEnd, delta);
        const editEnd = shifted(edit.end, start, oldEnd, delta);
        if (editStart < 0 || editEnd < 0) return false;
        edit.start = editStart;
        edit.end = editEnd;
      }
    }
  }
  for (const use of result.uses) {
    if (use.kind !== 'inline' && use.kind !== 'call') continue;
    const from = shifted(use.start, start, oldEnd, delta);
    const to = shifted(use.end, start, oldEnd, delta);
    if (from < 0 || to < 0) return false;
    use.start = from;
    use.end = to;
    if (use.kind === 'inline' && use.argument) use.argument.span = { start: from, end: to };
  }
  return true;
}

/** The offset after the edit, or -1 when it lies inside the edited range. */
function shifted(offset: number, start: number, oldEnd: number, delta: number): number {
  if (offset < start) return offset;
  return offset > oldEnd ? offset + delta : -1;
}
