import type { AnalysisOptions } from './types';
import type { StatementFacts } from './ir';
import { type BindingPrompt, type PromptUse, bindingPromptsOf, promptUsesOf } from './prompts';
import { checkApiRules } from './apiRules';
import { type RequestModel, requestsOf } from './requests';
import { type EnvDependencies, type ModuleEnv, NO_DEPENDENCIES, dependenciesHold, recordDependencies, takeDependencies } from './resolve';
import { type RawFinding, type RuleContext, checkRequest } from './rules';
import { emptyList, isEmptyList } from '../util/emptyList';

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
  /** The largest offset the result holds (see StatementResultCache.shift), once it is cached. */
  reach?: number;
}

/**
 * Resolves one statement's requests, applies the request rules and collects its prompt facts.
 * `track`: record the module-level names read, so an edit can tell whether the result still holds.
 */
export function evaluateStatement(facts: StatementFacts, env: ModuleEnv, text: string, python: boolean, options: AnalysisOptions, track = true): StatementResult {
  // Evidence from other files belongs to these options (sameOptions compares it by identity).
  env.external = options.crossFile;
  if (track) recordDependencies(env);
  try {
    // Most statements send nothing: they get no rule context and share the empty lists.
    let findings = emptyList<RawFinding>();
    let requests = emptyList<RequestModel>();
    if (facts.sdkCalls.length > 0) {
      findings = [];
      const ctx: RuleContext = { env, text, python, options, findings, reported: new Set() };
      const sites = facts.sdkCalls;
      for (let index = 0; index < sites.length; index++) {
        const built = requestsOf(sites[index], env);
        // The one site's list is used as is (most statements hold one call); more are joined in order.
        requests = isEmptyList(requests) ? built : requests.concat(built);
        for (let at = 0; at < built.length; at++) {
          checkRequest(built[at], ctx);
          checkApiRules(built[at], ctx);
        }
      }
    }
    const declared = bindingPromptsOf(facts, env);
    const uses = requests.length > 0 ? promptUsesOf(requests, env) : emptyList();
    return { findings, declared, uses, deps: track ? takeDependencies(env) : NO_DEPENDENCIES };
  } catch (error) {
    if (track) takeDependencies(env);
    throw error;
  }
}

/**
 * True when evaluateStatement would find nothing in the statement: no SDK call, no call of another
 * client, no module binding with a value, and functions whose bodies lowering left empty (it
 * skips bodies that hold none of the words an SDK call or a prompt needs). A one-shot analysis
 * does not evaluate such statements (half of a typical file's functions).
 */
export function contributesNothing(facts: StatementFacts): boolean {
  if (facts.sdkCalls.length > 0 || facts.otherModelCalls !== false) return false;
  const { bindings, functions } = facts;
  for (let index = 0; index < bindings.length; index++) if (bindings[index].kind === 'assign' && bindings[index].value) return false;
  for (let index = 0; index < functions.length; index++) if (functions[index].bindings.length > 0 || functions[index].returns.length > 0) return false;
  return true;
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

/** The offset after the edit, or -1 when it lies inside the edited range or at its edges. */
export function shifted(offset: number, start: number, oldEnd: number, delta: number): number {
  if (offset < start) return offset;
  return offset > oldEnd ? offset + delta : -1;
}

/**
 * The session's statement results, indexed by the module-level names each one read, so an edit
 * rechecks only the results that read a name the edited statements bind or call (the others'
 * names still have the very lists they had), and moves only the results that hold offsets.
 */
export class StatementResultCache {
  private readonly results = new Map<StatementFacts, StatementResult>();
  /** Statements whose result has findings or inline/call uses: the offsets an edit must move. */
  private readonly movable = new Set<StatementFacts>();
  /** Statements whose result read each name from the bindings, class bindings or functions table. */
  private readonly readers = new Map<string, Set<StatementFacts>>();
  /** Statements whose result read each name's list of callers. */
  private readonly callReaders = new Map<string, Set<StatementFacts>>();
  /** Whether a result with declared prompts or uses left or joined since `settle`. */
  promptsChanged = false;
  /** Statements whose result with prompt facts left (with the statements it pointed into) or joined since `settle`. */
  private promptDeparted: StatementFacts[] = [];
  private promptArrived: StatementFacts[] = [];
  /** The other statements each result's prompt facts point into (bindings sent, strings written there); undefined: not known. */
  private readonly targets = new Map<StatementFacts, StatementFacts[] | undefined>();
  private readonly targetedBy = new Map<StatementFacts, Set<StatementFacts>>();
  /** Results whose prompt facts point somewhere not known: then any statement's prompts may depend on them. */
  private readonly untraceable = new Set<StatementFacts>();
  /** Set by clear(): every finding counts as changed. */
  private findingsReset = false;
  /** The findings of results that left and joined since `settle` (see findingsChanged). */
  private departed: RawFinding[] = [];
  private arrived: RawFinding[] = [];

  get(facts: StatementFacts): StatementResult | undefined {
    return this.results.get(facts);
  }

  /** Caches `result`; `targets` are the other statements its prompt facts point into (undefined: some point outside any statement). */
  set(facts: StatementFacts, result: StatementResult, targets: StatementFacts[] | undefined): void {
    this.delete(facts);
    this.results.set(facts, result);
    this.noteChange(result, this.arrived);
    if (hasPromptFacts(result)) {
      this.promptArrived.push(facts);
      this.targets.set(facts, targets);
      if (!targets) this.untraceable.add(facts);
      for (const target of targets ?? []) addReader(this.targetedBy, target, facts);
    }
    if (result.findings.length > 0 || result.uses.length > 0) {
      result.reach = reachOf(result);
      this.movable.add(facts);
    }
    this.indexReads(facts, result, addReader);
  }

  delete(facts: StatementFacts): void {
    const result = this.results.get(facts);
    if (!result) return;
    this.results.delete(facts);
    this.movable.delete(facts);
    this.noteChange(result, this.departed);
    if (this.targets.has(facts)) {
      const targets = this.targets.get(facts);
      this.targets.delete(facts);
      this.untraceable.delete(facts);
      this.promptDeparted.push(facts, ...(targets ?? []));
      for (const target of targets ?? []) removeReader(this.targetedBy, target, facts);
    }
    this.indexReads(facts, result, removeReader);
  }

  clear(): void {
    this.results.clear();
    this.movable.clear();
    this.targets.clear();
    this.targetedBy.clear();
    this.untraceable.clear();
    this.readers.clear();
    this.callReaders.clear();
    this.findingsReset = true;
    this.promptsChanged = true;
  }

  /** Starts noting changes afresh (after the session has reported this version). */
  settle(): void {
    this.findingsReset = false;
    this.departed = [];
    this.arrived = [];
    this.promptsChanged = false;
    this.promptDeparted = [];
    this.promptArrived = [];
  }

  /**
   * The statements whose prompts the results that left or joined since `settle` can change: those
   * statements, closed over what their prompt facts point into and what points into them (a prompt
   * takes the model of every call that sends it). Undefined when some pointer is not known or the
   * set grows past `limit` (assembling the whole file is then as cheap).
   */
  promptNeighbourhood(limit: number): StatementFacts[] | undefined {
    if (this.untraceable.size > 0) return undefined;
    const seen = new Set<StatementFacts>();
    const queue: StatementFacts[] = [];
    const visit = (facts: StatementFacts): void => {
      if (seen.has(facts) || !this.results.has(facts)) return;
      seen.add(facts);
      queue.push(facts);
    };
    for (const facts of this.promptArrived) visit(facts);
    for (const facts of this.promptDeparted) {
      visit(facts);
      this.targetedBy.get(facts)?.forEach(visit);
    }
    for (let facts = queue.pop(); facts; facts = queue.pop()) {
      if (seen.size > limit) return undefined;
      if (this.targets.has(facts)) {
        const targets = this.targets.get(facts);
        if (!targets) return undefined;
        targets.forEach(visit);
      }
      this.targetedBy.get(facts)?.forEach(visit);
    }
    return [...seen];
  }

  /** The findings of the results that left and that joined since `settle`. */
  get changedFindings(): { departed: readonly RawFinding[]; arrived: readonly RawFinding[] } {
    return { departed: this.departed, arrived: this.arrived };
  }

  /**
   * Whether the file's findings may differ from the last settled version's. Results that left and
   * joined with the very same findings (a call re-resolved because the prompt it sends was edited,
   * the edited statement itself) change nothing: the findings are compared by content, and one
   * place reported with two different contents could change which one the de-duplication keeps.
   */
  get findingsChanged(): boolean {
    if (this.findingsReset) return true;
    if (this.departed.length !== this.arrived.length) return true;
    if (this.departed.length === 0) return false;
    const before = this.departed.map(findingContent).sort();
    const after = this.arrived.map(findingContent).sort();
    if (before.some((content, index) => content !== after[index])) return true;
    const byPlace = new Map<string, string>();
    for (const finding of this.departed) {
      const place = `${finding.code}:${finding.start}:${finding.end}`;
      const content = findingContent(finding);
      const seen = byPlace.get(place);
      if (seen !== undefined && seen !== content) return true;
      byPlace.set(place, content);
    }
    return false;
  }

  /** The statements whose results read a name that `statements` bind, define or call. */
  readersOf(statements: Iterable<StatementFacts>, into: Set<StatementFacts>): void {
    const add = (set: Set<StatementFacts> | undefined): void => set?.forEach((facts) => into.add(facts));
    for (const statement of statements) {
      for (const binding of statement.bindings) add(this.readers.get(binding.name));
      for (const fn of statement.functions) add(this.readers.get(fn.name));
      for (const call of statement.calls) add(this.callReaders.get(call.name));
    }
  }

  /** Moves the results' offsets for an edit (see shiftResult); returns the statements whose result it dropped. */
  shift(start: number, oldEnd: number, delta: number): StatementFacts[] {
    const dropped: StatementFacts[] = [];
    for (const facts of this.movable) {
      const result = this.results.get(facts) as StatementResult;
      // A result whose offsets all lie before the edit keeps them: most of the file, for an edit near its end.
      if ((result.reach ?? Infinity) < start) continue;
      if (!shiftResult(result, start, oldEnd, delta)) dropped.push(facts);
      else if (result.reach !== undefined && result.reach > oldEnd) result.reach += delta;
    }
    for (const facts of dropped) this.delete(facts);
    return dropped;
  }

  /** Adds `facts` to, or takes it out of, the reader sets of the names its result read. */
  private indexReads(facts: StatementFacts, result: StatementResult, update: (index: Map<string, Set<StatementFacts>>, name: string, facts: StatementFacts) => void): void {
    const { bindings, classBindings, functions, callers } = result.deps;
    for (const [name] of bindings) update(this.readers, name, facts);
    for (const [name] of classBindings) update(this.readers, name, facts);
    for (const [name] of functions) update(this.readers, name, facts);
    for (const [name] of callers) update(this.callReaders, name, facts);
  }

  private noteChange(result: StatementResult, findings: RawFinding[]): void {
    for (const finding of result.findings) findings.push(finding);
    if (hasPromptFacts(result)) this.promptsChanged = true;
  }
}

function hasPromptFacts(result: StatementResult): boolean {
  return result.declared.length > 0 || result.uses.length > 0;
}

/** Everything a finding reports, as one string to compare. */
function findingContent(finding: RawFinding): string {
  return JSON.stringify([finding.code, finding.start, finding.end, finding.severity, finding.message, finding.fixes, finding.related ?? []]);
}

/** The largest offset among a result's findings (with their fixes and related places) and uses: what shiftResult moves. */
function reachOf(result: StatementResult): number {
  let reach = -1;
  for (const finding of result.findings) {
    reach = Math.max(reach, finding.start, finding.end);
    for (const related of finding.related ?? []) reach = Math.max(reach, related.start, related.end);
    for (const fix of finding.fixes) for (const edit of fix.edits) reach = Math.max(reach, edit.start, edit.end);
  }
  for (const use of result.uses) if (use.kind === 'inline' || use.kind === 'call') reach = Math.max(reach, use.start, use.end);
  return reach;
}

/** Takes `facts` out of `key`'s set; an emptied set goes (names typed and gone, statements replaced by edits). */
function removeReader<K>(index: Map<K, Set<StatementFacts>>, key: K, facts: StatementFacts): void {
  const set = index.get(key);
  if (!set) return;
  set.delete(facts);
  if (set.size === 0) index.delete(key);
}

function addReader<K>(index: Map<K, Set<StatementFacts>>, name: K, facts: StatementFacts): void {
  let set = index.get(name);
  if (!set) {
    set = new Set();
    index.set(name, set);
  }
  set.add(facts);
}
