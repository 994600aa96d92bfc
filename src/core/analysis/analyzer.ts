import type { Node, Parser, Tree } from '@vscode/tree-sitter-wasm';
import type { AnalysisOptions, AnalysisResult, AnalysisSession, Analyzer, Finding, PromptConstant, SourceLanguage, SourceRange, TextChange } from './types';
import { type Span, type StatementFacts, shiftFactsInterior, shiftFactsSurface } from './ir';
import { lowerJsNode, lowerJsStatement } from './lowerJs';
import { lowerPythonNode, lowerPythonStatement } from './lowerPython';
import { lowerChildren } from './syntaxNodes';
import { LineIndex } from './positions';
import { assembleCalls, assemblePrompts } from './prompts';
import { type PlacedChange, type PublicResults, movedFindings, movedPrompts, movedRange, publicFinding, publicPrompt, withRange } from './publicResults';
import { type ModuleEnv, ModuleEnvIndex, buildEnv } from './resolve';
import { type RawFinding, type RuleContext, batchInputsOf, checkBatchCandidates } from './rules';
import { type StatementResult, StatementResultCache, contributesNothing, evaluateStatement, reusable, sameOptions } from './statementResults';
import { type LoadedRuntime, defaultWasmDir, loadRuntime } from './runtime';

/** Texts longer than this are not analysed (generated bundles, data dumps). */
export const MAX_ANALYSED_CHARS = 5_000_000;

/**
 * Loads the tree-sitter runtime and grammars once; the analyzer is then shared by every document.
 * `wasmDir` (or the options' `wasmDir`) defaults to `dist/wasm` beside the bundle, else the
 * @vscode/tree-sitter-wasm package. `languages` are the grammars loaded now (all by default); any
 * other loads when `prepare` is awaited for it, which must happen before analysing that language.
 */
export async function loadAnalyzer(options: { wasmDir?: string; languages?: readonly SourceLanguage[] } | string = {}): Promise<Analyzer> {
  const wasmDir = typeof options === 'string' ? options : options.wasmDir;
  const languages = typeof options === 'string' ? undefined : options.languages;
  const runtime = await loadRuntime(wasmDir ?? defaultWasmDir(), languages);
  return new TreeSitterAnalyzer(runtime);
}

class TreeSitterAnalyzer implements Analyzer {
  constructor(private readonly runtime: LoadedRuntime) {}

  analyze(text: string, language: SourceLanguage, options: AnalysisOptions): AnalysisResult {
    const session = new IncrementalSession(this.runtime, language, true);
    try {
      return session.update(text, options);
    } finally {
      session.dispose();
    }
  }

  createSession(language: SourceLanguage): AnalysisSession {
    return new IncrementalSession(this.runtime, language, false);
  }

  async prepare(language: SourceLanguage): Promise<void> {
    await this.runtime.load(language);
  }

  /** The facts of every top-level statement (for the workspace index, which reads other files' functions and calls). */
  lowerModule(text: string, language: SourceLanguage): StatementFacts[] | undefined {
    // A grammar not loaded yet (the editor loads them per language) gives no facts rather than a wrong parse.
    const grammar = this.runtime.languages.get(language);
    if (!grammar || skipReason(text)) return undefined;
    const parser = new this.runtime.ts.Parser();
    try {
      parser.setLanguage(grammar);
      const tree = parser.parse(text);
      if (!tree) return undefined;
      try {
        const lower = language === 'python' ? lowerPythonNode : lowerJsNode;
        return lowerChildren(tree.rootNode, text, (node) => lower(node, text));
      } finally {
        tree.delete();
      }
    } catch {
      return undefined;
    } finally {
      parser.delete();
    }
  }
}

/** The analyzer's lowering of a whole file, when the analyzer is the tree-sitter one (see WorkspaceIndex). */
export function lowerModuleWith(analyzer: Analyzer): (text: string, language: SourceLanguage) => StatementFacts[] | undefined {
  return (text, language) => (analyzer instanceof TreeSitterAnalyzer ? analyzer.lowerModule(text, language) : undefined);
}

/** Why a text is not analysed at all, if it is not. */
export function skipReason(text: string): string | undefined {
  if (text.length > MAX_ANALYSED_CHARS) return `file too large to analyse (${text.length.toLocaleString('en-US')} characters; the limit is ${MAX_ANALYSED_CHARS.toLocaleString('en-US')})`;
  if (text.slice(0, 8192).includes('\u0000')) return 'binary content (NUL bytes)';
  return undefined;
}

class IncrementalSession implements AnalysisSession {
  private parser: Parser | undefined;
  private tree: Tree | undefined;
  private text = '';
  private lines: LineIndex | undefined;
  /** Facts of the previous version's top-level statements, in source order. */
  private statements: StatementFacts[] = [];
  /** Ranges of the new text whose top-level statements must be walked again (edited, or dropped by an edit). */
  private dirty: Span[] = [];
  /** Resolved results of the previous version's statements (see statementResults.ts), and the options they were made under. */
  private readonly results = new StatementResultCache();
  private resultOptions: AnalysisOptions | undefined;
  /** Kept statements whose result an edit dropped (an offset of it was inside the edit): evaluated again. */
  private readonly unevaluated = new Set<StatementFacts>();
  /** What the previous version reported, and this update's changes placed in lines: moved, it is reused when no contribution changed. */
  private output: PublicResults | undefined;
  private placed: PlacedChange[] = [];
  /** Spans of the statements this update dropped: those an edit touched (in the text before it) and those its re-parse reshaped (after it). */
  private editedSpans: Span[] = [];
  private reshapedSpans: Span[] = [];
  /** The raw finding behind each of `output.findings`, in the same order; whether the last full assembly dropped a duplicate. */
  private outputRaws: RawFinding[] = [];
  private duplicatesDropped = true;
  /** Statements whose top-level node holds a syntax error. */
  private erroneous = new WeakSet<StatementFacts>();
  /** Offset shifts not yet applied below a statement's surface (see shiftFactsSurface). */
  private pending = new Map<StatementFacts, number>();
  /** The module's name tables, kept across edits; statements dropped and lowered since they were last updated. */
  private envIndex: ModuleEnvIndex | undefined;
  private removed: StatementFacts[] = [];
  private added: StatementFacts[] = [];
  /** Applies a statement's deferred offset shift before anything reads below its surface. */
  private readonly materialize = (facts: StatementFacts): void => {
    const delta = this.pending.get(facts);
    if (delta === undefined) return;
    this.pending.delete(facts);
    shiftFactsInterior(facts, delta);
  };

  /**
   * `oneShot`: the session is disposed after its first update (analyze()), so nothing that only
   * serves a later edit is made: no record of the names each statement read, no index of readers,
   * no incremental name tables, no note of statements holding syntax errors.
   */
  constructor(
    private readonly runtime: LoadedRuntime,
    private readonly language: SourceLanguage,
    private readonly oneShot: boolean,
  ) {}

  update(text: string, options: AnalysisOptions, changes?: TextChange[]): AnalysisResult {
    const skipped = typeof text === 'string' ? skipReason(text) : 'not a text';
    if (skipped) {
      this.reset();
      return { language: this.language, prompts: [], findings: [], skippedReason: skipped };
    }
    try {
      return this.analyse(text, options, changes);
    } catch (error) {
      this.reset();
      return { language: this.language, prompts: [], findings: [], skippedReason: `analysis failed: ${error instanceof Error ? error.message : String(error)}` };
    }
  }

  dispose(): void {
    this.reset();
    this.parser?.delete();
    this.parser = undefined;
  }

  private reset(): void {
    this.tree?.delete();
    this.tree = undefined;
    this.text = '';
    this.lines = undefined;
    this.statements = [];
    this.dirty = [];
    this.forgetResults();
    this.pending = new Map();
    this.forgetEnv();
  }

  private forgetResults(): void {
    this.results.clear();
    this.unevaluated.clear();
    this.output = undefined;
    this.placed = [];
    this.editedSpans = [];
    this.reshapedSpans = [];
    this.outputRaws = [];
    this.duplicatesDropped = true;
  }

  private forgetEnv(): void {
    this.envIndex = undefined;
    this.removed = [];
    this.added = [];
  }

  private analyse(text: string, options: AnalysisOptions, changes: TextChange[] | undefined): AnalysisResult {
    if (!this.parser) {
      const grammar = this.runtime.languages.get(this.language);
      if (!grammar) throw new Error(`the ${this.language} grammar is not loaded (await analyzer.prepare('${this.language}') first)`);
      this.parser = new this.runtime.ts.Parser();
      this.parser.setLanguage(grammar);
    }
    // Judged on the text before the edit: what was typed or deleted (several changes: assume the worst).
    const reshaping = changes !== undefined && (changes.length > 1 || changes.some((change) => movesDelimiters(change, this.text)));
    const oldTree = changes && changes.length > 0 && this.tree ? this.applyEdits(text, changes) : undefined;
    if (!oldTree) {
      this.tree?.delete();
      this.tree = undefined;
      this.statements = [];
      this.forgetResults();
      this.pending = new Map();
      this.forgetEnv();
    }
    let tree = this.parser.parse(text, oldTree ?? null);
    if (!tree) throw new Error('the parser returned no tree');
    // Comparing the two trees walks every top-level node: a fifth of a small file's reparse. Only an
    // edit that moves delimiters, or error recovery in the statements beside the edited ones, can
    // change statements past the edited ones and their kept neighbours, which recollectFacts checks
    // itself: a kept statement that is still the same top-level node leaves the parser in the same
    // state after it, and a change spreading from the edit reaches a neighbour first.
    const compare = oldTree !== undefined && (reshaping || this.errorBeside());
    const changed = compare ? oldTree.getChangedRanges(tree) : [];
    oldTree?.delete();
    // Error recovery after an edit can build a different tree than a fresh parse of the same text
    // when the edit opens or closes a string, template or bracket (an unclosed `${`, a backtick):
    // then, if the edited statements hold an error, take the fresh tree. Other edits (a stray
    // character) keep the cheap incremental parse.
    if (oldTree && reshaping && tree.rootNode.hasError && this.editedHasError(tree, changed)) {
      const fresh = this.parser.parse(text);
      if (fresh) {
        tree.delete();
        tree = fresh;
      }
    }
    this.tree = tree;
    this.text = text;
    if (!oldTree || !this.lines) this.lines = new LineIndex(text);
    const statements = oldTree ? this.recollectFacts(tree, text, changed) : this.collectFacts(tree, text);
    this.statements = statements;
    this.dirty = [];
    return this.evaluate(statements, text, options, this.lines);
  }

  /** Edits the old tree and the cached facts for `changes`; undefined when they do not lead to `text`. */
  private applyEdits(text: string, changes: TextChange[]): Tree | undefined {
    if (!leadsTo(this.text, changes, text)) return undefined;
    const tree = this.tree as Tree;
    const lines = this.lines ?? new LineIndex(this.text);
    this.lines = lines;
    for (const change of changes) {
      const startPosition = toPoint(lines.position(change.start));
      const oldEndPosition = toPoint(lines.position(change.oldEnd));
      const newEndIndex = change.start + change.newText.length;
      const lastBreak = change.newText.lastIndexOf('\n');
      const newEndPosition =
        lastBreak === -1
          ? { row: startPosition.row, column: startPosition.column + change.newText.length }
          : { row: startPosition.row + countLines(change.newText), column: change.newText.length - lastBreak - 1 };
      tree.edit({ startIndex: change.start, oldEndIndex: change.oldEnd, newEndIndex, startPosition, oldEndPosition, newEndPosition });
      const delta = newEndIndex - change.oldEnd;
      this.placed.push({ start: change.start, oldEnd: change.oldEnd, delta, oldEndLine: oldEndPosition.row, oldEndColumn: oldEndPosition.column, newEndLine: newEndPosition.row, newEndColumn: newEndPosition.column });
      this.dropEdited(change);
      for (const facts of this.results.shift(change.start, change.oldEnd, delta)) this.unevaluated.add(facts);
      lines.applyChange(change.start, change.oldEnd, change.newText);
    }
    return tree;
  }

  /** True when a top-level node around the edits or the re-parse's changes holds a syntax error. */
  private editedHasError(tree: Tree, changed: { startIndex: number; endIndex: number }[]): boolean {
    const ranges = [...this.dirty, ...changed.map((range) => ({ start: range.startIndex, end: range.endIndex }))];
    for (const range of ranges) {
      for (let node = tree.rootNode.firstChildForIndex(Math.max(0, range.start - 1)); node && node.startIndex <= range.end; node = node.nextSibling) {
        if (node.hasError) return true;
      }
    }
    return false;
  }

  /** Lowers every top-level statement of a fresh tree. */
  private collectFacts(tree: Tree, text: string): StatementFacts[] {
    return this.lowerBetween(tree, text, 0, Infinity);
  }

  /**
   * The facts of an edited tree: statements the edits and the re-parse left alone are kept (already
   * shifted by dropEdited); only the gaps around dirty ranges are walked and lowered again, so a
   * one-line edit costs the statements it touches, not the file.
   */
  private recollectFacts(tree: Tree, text: string, changed: { startIndex: number; endIndex: number }[]): StatementFacts[] {
    const dirty = [...this.dirty, ...changed.map((range) => ({ start: range.startIndex, end: range.endIndex }))];
    // Statements a re-parse changed are dropped like edited ones (same test as before: open overlap).
    // Found by binary search: a walk over every statement per edit would cost the file, not the edit.
    const reparsed = new Set<StatementFacts>();
    for (const range of changed) {
      for (let index = firstEndingFrom(this.statements, range.startIndex + 1); index < this.statements.length && this.statements[index].start < range.endIndex; index++) reparsed.add(this.statements[index]);
    }
    for (const facts of reparsed) {
      this.pending.delete(facts);
      this.removed.push(facts);
      this.reshapedSpans.push({ start: facts.start, end: facts.end });
    }
    let kept = reparsed.size === 0 ? this.statements : this.statements.filter((facts) => !reparsed.has(facts));
    // An unclosed string or bracket can fold a neighbour into an error node without the changed
    // ranges saying so: a kept statement beside a dirty range must still be a top-level node as is.
    for (let again = true; again; ) {
      again = false;
      for (const range of dirty) {
        for (const neighbour of [kept[lastIndexEndingBy(kept, range.start)], kept[firstIndexStartingFrom(kept, range.end)]]) {
          if (!neighbour || sameTopLevelNode(tree, neighbour)) continue;
          kept = kept.filter((facts) => facts !== neighbour);
          this.pending.delete(neighbour);
          this.removed.push(neighbour);
          this.reshapedSpans.push({ start: neighbour.start, end: neighbour.end });
          dirty.push({ start: neighbour.start, end: neighbour.end });
          again = true;
        }
      }
    }
    // Each dirty range widens to the gap between the kept statements around it.
    const gaps: Span[] = [];
    for (const range of dirty) {
      const before = lastEndingBy(kept, range.start);
      const after = firstStartingFrom(kept, Math.max(range.end, before));
      gaps.push({ start: before, end: after });
    }
    gaps.sort((a, b) => a.start - b.start);
    const merged: Span[] = [];
    for (const gap of gaps) {
      const last = merged[merged.length - 1];
      if (last && gap.start <= last.end) last.end = Math.max(last.end, gap.end);
      else merged.push({ ...gap });
    }
    // Kept runs are copied as slices between the gaps' new statements (kept statements inside a gap are lowered again).
    const pieces: StatementFacts[][] = [];
    let index = 0;
    for (const gap of merged) {
      const first = Math.max(index, firstIndexStartingFrom(kept, gap.start));
      pieces.push(kept.slice(index, first));
      const lowered = this.lowerBetween(tree, text, gap.start, gap.end);
      pieces.push(lowered);
      this.added.push(...lowered);
      index = Math.max(first, firstIndexStartingFrom(kept, gap.end));
    }
    pieces.push(kept.slice(index));
    return ([] as StatementFacts[]).concat(...pieces);
  }

  /** Lowers the top-level statements that end after `from` and start before `to`. */
  private lowerBetween(tree: Tree, text: string, from: number, to: number): StatementFacts[] {
    if (from === 0 && to === Infinity) {
      // A one-shot analysis never asks which statements hold syntax errors (see errorBeside).
      const lowerNode = this.language === 'python' ? lowerPythonNode : lowerJsNode;
      return lowerChildren(tree.rootNode, text, (node) => lowerNode(node, text), this.oneShot ? undefined : (facts) => this.erroneous.add(facts));
    }
    const out: StatementFacts[] = [];
    const lower = this.language === 'python' ? lowerPythonStatement : lowerJsStatement;
    // A gap holds few statements: find the first by index and step through siblings.
    for (let node = tree.rootNode.firstChildForIndex(from); node && node.startIndex < to; node = node.nextSibling) out.push(this.lowerNode(lower, node, text));
    return out;
  }

  /** Lowers one top-level node, noting whether it holds a syntax error (see errorBeside). */
  private lowerNode(lower: (node: Node, text: string) => StatementFacts, node: Node, text: string): StatementFacts {
    const facts = lower(node, text);
    if (node.hasError) this.erroneous.add(facts);
    return facts;
  }

  /** True when a kept statement just before or after a dirty range holds a syntax error: error recovery there can reach past it. */
  private errorBeside(): boolean {
    const statements = this.statements;
    for (const range of this.dirty) {
      const before = statements[lastIndexEndingBy(statements, range.start)];
      const after = statements[firstIndexStartingFrom(statements, range.end)];
      if ((before && this.erroneous.has(before)) || (after && this.erroneous.has(after))) return true;
    }
    return false;
  }

  /**
   * Drops the facts `change` touches, remembering where they were as a dirty range of the new
   * text, and moves the ones after it by the change's length difference: their surface now, the
   * rest when something reads it (`pending`).
   */
  private dropEdited(change: TextChange): void {
    const delta = change.newText.length - (change.oldEnd - change.start);
    const newEnd = change.start + change.newText.length;
    // Earlier dirty ranges are in the text before this change: move them too.
    this.dirty = this.dirty.map((range) => ({ start: shiftOffset(range.start, change, delta), end: shiftOffset(range.end, change, delta) }));
    let dirtyStart = change.start;
    let dirtyEnd = newEnd;
    const statements = this.statements;
    // Statements ending before the change stay as they are: start after them.
    let index = firstEndingFrom(statements, change.start);
    let touched = 0;
    while (index + touched < statements.length && statements[index + touched].start <= change.oldEnd) {
      const facts = statements[index + touched];
      this.pending.delete(facts);
      this.removed.push(facts);
      this.editedSpans.push({ start: facts.start, end: facts.end });
      dirtyStart = Math.min(dirtyStart, facts.start);
      dirtyEnd = Math.max(dirtyEnd, facts.end > change.oldEnd ? facts.end + delta : newEnd);
      touched++;
    }
    statements.splice(index, touched);
    if (delta !== 0) {
      for (; index < statements.length; index++) {
        const facts = statements[index];
        shiftFactsSurface(facts, delta);
        this.pending.set(facts, (this.pending.get(facts) ?? 0) + delta);
      }
    }
    this.dirty.push({ start: dirtyStart, end: dirtyEnd });
  }

  private evaluate(statements: StatementFacts[], text: string, options: AnalysisOptions, lines: LineIndex): AnalysisResult {
    if (this.oneShot) return this.evaluateOnce(statements, text, options, lines);
    if (!sameOptions(this.resultOptions, options)) this.forgetResults();
    this.resultOptions = options;
    const materialize = this.materialize;
    // Which statements may need a new result: all on a first run; after an edit, the ones added,
    // the ones whose result the edit dropped, and those whose result read a name that a removed
    // or added statement binds or calls (any other name still has the lists it had).
    let candidates: Iterable<StatementFacts> = statements;
    const batchInputsMoved = this.output !== undefined && batchInputsChanged(this.removed, this.added);
    if (!this.envIndex) {
      this.envIndex = new ModuleEnvIndex(materialize);
      this.envIndex.update([], statements);
    } else {
      this.envIndex.update(this.removed, this.added);
      for (const statement of this.removed) {
        this.results.delete(statement);
        this.unevaluated.delete(statement);
      }
      if (this.output) {
        const check = new Set<StatementFacts>(this.unevaluated);
        for (const statement of this.added) check.add(statement);
        this.results.readersOf(this.removed, check);
        this.results.readersOf(this.added, check);
        candidates = check;
      }
    }
    this.removed = [];
    this.added = [];
    this.unevaluated.clear();
    const env = this.envIndex.env;
    const python = this.language === 'python';
    for (const statement of candidates) {
      if (reusable(this.results.get(statement), env)) continue;
      materialize(statement);
      const result = evaluateStatement(statement, env, text, python, options);
      this.results.set(statement, result, this.targetsOf(statement, result, statements));
    }
    // No statement result with findings or prompt facts came or went: the previous report, moved
    // through the edit, is this version's (assembly depends on nothing else, and offsets keep their order).
    const previous = this.output;
    const reuseFindings = previous !== undefined && !this.results.findingsChanged && !batchInputsMoved;
    const reusePrompts = previous !== undefined && !this.results.promptsChanged;
    let findings = reuseFindings ? movedThrough(previous.findings, this.placed, movedFindings) : undefined;
    if (!reuseFindings && previous && !batchInputsMoved) findings = this.patchFindings(previous.findings, lines);
    let prompts = reusePrompts ? movedThrough(previous.prompts, this.placed, movedPrompts) : undefined;
    let calls = reusePrompts && prompts ? movedThrough(previous.calls, this.placed, movedPrompts) : undefined;
    if (!reusePrompts && previous) ({ prompts, calls } = this.reassembleAround(previous, statements, lines) ?? {});
    if (!findings || !prompts || !calls) {
      const results = statements.map((statement) => this.results.get(statement) as StatementResult);
      findings ??= this.assembleFindings(statements, results, env, text, options, lines);
      if (!prompts || !calls) ({ prompts, calls } = publicPromptsOf(results, lines));
    }
    this.results.settle();
    this.placed = [];
    this.editedSpans = [];
    this.reshapedSpans = [];
    this.output = { prompts, findings, calls };
    // Copies of the lists: the session keeps its own to move on the next edit.
    return { language: this.language, prompts: prompts.slice(), findings: findings.slice(), calls: calls.slice() };
  }

  /** Every statement's result and the file's findings and prompts, for a session no edit follows (see `oneShot`). */
  private evaluateOnce(statements: StatementFacts[], text: string, options: AnalysisOptions, lines: LineIndex): AnalysisResult {
    // The statements that can contribute, and those the batch-candidate rule reads (SDK calls or
    // calls in loops), noted while the name tables are built: they read the same facts.
    const evaluated: StatementFacts[] = [];
    const batchInputs: StatementFacts[] = [];
    const env = buildEnv(statements, undefined, (statement) => {
      if (!contributesNothing(statement)) evaluated.push(statement);
      if (statement.sdkCalls.length > 0 || statement.loopCalls.length > 0) batchInputs.push(statement);
    });
    // Nothing records what this evaluation reads and the env is not kept: module constants' texts are rendered once.
    env.constantTexts = new Map();
    env.modelsInService = new Map();
    // Evidence from other files belongs to these options (evaluateStatement sets it too; some statements are not evaluated).
    env.external = options.crossFile;
    const python = this.language === 'python';
    // Only results that contribute are kept for the assembly (in source order, as all of them would
    // be): most statements have none, and each pass over every result costs memory reads.
    const withFindings: StatementResult[] = [];
    const withPrompts: StatementResult[] = [];
    for (let index = 0; index < evaluated.length; index++) {
      const result = evaluateStatement(evaluated[index], env, text, python, options, false);
      if (result.findings.length > 0) withFindings.push(result);
      if (result.declared.length > 0 || result.uses.length > 0) withPrompts.push(result);
    }
    const findings = this.assembleFindings(batchInputs, withFindings, env, text, options, lines);
    const { prompts, calls } = publicPromptsOf(withPrompts, lines);
    return { language: this.language, prompts, findings, calls };
  }

  /**
   * The other statements a result's prompt facts point into: the bindings it sends or declares as
   * sent, the strings its calls send in place. Undefined when one lies in no current statement.
   */
  private targetsOf(facts: StatementFacts, result: StatementResult, statements: StatementFacts[]): StatementFacts[] | undefined {
    if (result.declared.length === 0 && result.uses.length === 0) return [];
    const out = new Set<StatementFacts>();
    let known = true;
    const add = (offset: number): void => {
      if (offset >= facts.start && offset <= facts.end) return;
      const index = lastIndexStartingBy(statements, offset);
      const target = statements[index];
      if (target && offset <= target.end) out.add(target);
      else known = false;
    };
    for (const entry of result.declared) if (entry.binding && !entry.relative) add(entry.binding.at);
    for (const use of result.uses) add(use.kind === 'constant' || use.kind === 'direct' ? use.binding.at : use.start);
    return known ? [...out] : undefined;
  }

  /**
   * This version's prompts and calls after a single change, from the previous ones moved through it
   * and the prompts of the statements it can affect assembled again (see promptNeighbourhood).
   * Undefined when that does not hold or is not cheaper: the caller assembles the whole file.
   */
  private reassembleAround(previous: PublicResults, statements: StatementFacts[], lines: LineIndex): { prompts: PromptConstant[]; calls: PromptConstant[] } | undefined {
    if (this.placed.length !== 1) return undefined;
    const around = this.results.promptNeighbourhood(Math.max(8, statements.length >> 3));
    if (!around) return undefined;
    around.sort((a, b) => a.start - b.start);
    const change = this.placed[0];
    const inEdited = (range: SourceRange): boolean => this.editedSpans.some((span) => span.start <= range.start && range.end <= span.end);
    const inRegion = (range: SourceRange): boolean => {
      if (this.reshapedSpans.some((span) => span.start <= range.start && range.end <= span.end)) return true;
      const holder = around[lastIndexStartingBy(around, range.start)];
      return holder !== undefined && range.end <= holder.end;
    };
    // What the previous version listed outside these statements stays, moved; the rest is assembled again.
    const keep = (list: PromptConstant[]): PromptConstant[] | undefined => {
      const out: PromptConstant[] = [];
      for (const prompt of list) {
        if (inEdited(prompt.range)) continue;
        const range = movedRange(prompt.range, change);
        if (!range) return undefined;
        if (!inRegion(range)) out.push(range === prompt.range ? prompt : withRange(prompt, range));
      }
      return out;
    };
    const keptPrompts = keep(previous.prompts);
    const keptCalls = keptPrompts && keep(previous.calls);
    if (!keptPrompts || !keptCalls) return undefined;
    const results = around.map((facts) => this.results.get(facts) as StatementResult);
    for (const facts of around) this.materialize(facts);
    const fresh = publicPromptsOf(results, lines);
    return { prompts: mergeByStart(keptPrompts, fresh.prompts), calls: mergeByStart(keptCalls, fresh.calls) };
  }

  /**
   * Every statement's findings, a helper's shared finding once, and the batch-candidate findings,
   * with lines and columns. `statements` must hold every statement with SDK calls or loop calls
   * (the others give the batch-candidate rule nothing).
   */
  private assembleFindings(statements: StatementFacts[], results: StatementResult[], env: ModuleEnv, text: string, options: AnalysisOptions, lines: LineIndex): Finding[] {
    // A helper shared by several calls reports its finding once, for the first call. Each
    // statement's findings are distinct already; duplicates can only come from different ones.
    const findings: RawFinding[] = [];
    const byStart = new Map<number, RawFinding[]>();
    this.duplicatesDropped = false;
    // Indexed loops: every statement of the file passes here.
    for (let index = 0; index < results.length; index++) {
      const list = results[index].findings;
      for (let at = 0; at < list.length; at++) {
        const finding = list[at];
        const sameStart = byStart.get(finding.start);
        if (!sameStart) byStart.set(finding.start, [finding]);
        else if (sameStart.some((other) => other.code === finding.code && other.end === finding.end)) {
          this.duplicatesDropped = true;
          continue;
        } else sameStart.push(finding);
        findings.push(finding);
      }
    }
    // Only the batch-candidate rule adds findings from here on, all BL101, which no statement reports.
    const reported = new Set<string>();
    const ctx: RuleContext = { env, text, python: this.language === 'python', options, findings, reported };
    // Offsets not yet shifted are brought up to date first (none are pending after a fresh parse).
    if (this.pending.size > 0) {
      for (let index = 0; index < statements.length; index++) {
        const statement = statements[index];
        if (statement.loopCalls.length > 0 || (statement.sdkCalls.length > 0 && statement.sdkCalls.some((site) => site.loop))) this.materialize(statement);
      }
    }
    checkBatchCandidates(statements, ctx);
    findings.sort((a, b) => a.start - b.start || a.code.localeCompare(b.code));
    this.outputRaws = findings;
    return findings.map((finding) => publicFinding(finding, lines));
  }

  /**
   * This version's findings after a single change whose statements' findings changed, from the
   * previous list: the findings of results that left taken out, the rest moved, those of results
   * that joined put in order. Undefined (assemble the whole file) when de-duplication or the order
   * of two findings at one place could decide anything: the previous assembly dropped a duplicate,
   * a finding that left is not listed, or one that joined shares its start and rule with another.
   */
  private patchFindings(previous: Finding[], lines: LineIndex): Finding[] | undefined {
    if (this.placed.length !== 1 || this.duplicatesDropped || this.outputRaws.length !== previous.length) return undefined;
    const { departed, arrived } = this.results.changedFindings;
    const leaving = new Set<number>();
    for (const finding of departed) {
      const index = this.outputRaws.indexOf(finding);
      if (index === -1) return undefined;
      leaving.add(index);
    }
    const keptRaws: RawFinding[] = [];
    const kept: Finding[] = [];
    previous.forEach((finding, index) => {
      if (leaving.has(index)) return;
      keptRaws.push(this.outputRaws[index]);
      kept.push(finding);
    });
    const moved = movedFindings(kept, this.placed[0]);
    if (!moved) return undefined;
    const joining = [...arrived].sort((a, b) => a.start - b.start || a.code.localeCompare(b.code));
    const raws: RawFinding[] = [];
    const out: Finding[] = [];
    let next = 0;
    for (const finding of joining) {
      // Kept findings before this one, by the same order as the full assembly's sort.
      while (next < moved.length && (moved[next].range.start < finding.start || (moved[next].range.start === finding.start && moved[next].code.localeCompare(finding.code) < 0))) {
        raws.push(keptRaws[next]);
        out.push(moved[next++]);
      }
      const last = raws[raws.length - 1];
      const clash = (other: RawFinding | undefined): boolean => other !== undefined && other.start === finding.start && other.code === finding.code;
      if (clash(last) || (next < moved.length && clash(keptRaws[next]))) return undefined;
      raws.push(finding);
      out.push(publicFinding(finding, lines));
    }
    while (next < moved.length) {
      raws.push(keptRaws[next]);
      out.push(moved[next++]);
    }
    this.outputRaws = raws;
    return out;
  }
}

/** The prompts and calls the results' prompt facts assemble into, with lines and columns. */
function publicPromptsOf(results: StatementResult[], lines: LineIndex): { prompts: PromptConstant[]; calls: PromptConstant[] } {
  const uses = results.map((result) => result.uses);
  return {
    prompts: assemblePrompts(
      results.map((result) => result.declared),
      uses,
    ).map((prompt) => publicPrompt(prompt, lines)),
    calls: assembleCalls(uses).map((prompt) => publicPrompt(prompt, lines)),
  };
}

/** A previous list moved through each change in turn; undefined when a change touches one of its ranges. */
function movedThrough<T>(list: T[], changes: PlacedChange[], move: (list: T[], change: PlacedChange) => T[] | undefined): T[] | undefined {
  let out: T[] | undefined = list;
  for (const change of changes) {
    out = move(out, change);
    if (!out) return undefined;
  }
  return out;
}

/**
 * True when the statements an edit removed or added could change the batch-candidate findings,
 * which read every statement's synchronous creates and loop calls, and which functions the module
 * defines: a loop the rule judges, or a different list of creating or defined functions, can.
 */
function batchInputsChanged(removed: StatementFacts[], added: StatementFacts[]): boolean {
  const names = (statements: StatementFacts[]): string | undefined => {
    const creators: string[] = [];
    const functions: string[] = [];
    for (const statement of statements) {
      const inputs = batchInputsOf(statement);
      if (inputs.loops) return undefined;
      creators.push(...inputs.creators);
      for (const fn of statement.functions) functions.push(fn.name);
    }
    return `${creators.sort().join('\n')}\u0000${functions.sort().join('\n')}`;
  };
  const before = names(removed);
  return before === undefined || before !== names(added);
}

/** True when applying `changes` in order to `before` gives `after`. */
function leadsTo(before: string, changes: TextChange[], after: string): boolean {
  if (changes.length === 1) {
    // One change: compare the pieces in place rather than building the edited text (a copy of the file).
    const [change] = changes;
    if (!(change.start >= 0 && change.start <= change.oldEnd && change.oldEnd <= before.length)) return false;
    const tail = before.length - change.oldEnd;
    return (
      after.length === change.start + change.newText.length + tail &&
      after.startsWith(change.newText, change.start) &&
      // Slice equality compares memory in bulk; startsWith/endsWith of a long string walks it character by character.
      after.slice(0, change.start) === before.slice(0, change.start) &&
      after.slice(after.length - tail) === before.slice(change.oldEnd)
    );
  }
  let current = before;
  for (const change of changes) {
    if (!(change.start >= 0 && change.start <= change.oldEnd && change.oldEnd <= current.length)) return false;
    current = current.slice(0, change.start) + change.newText + current.slice(change.oldEnd);
  }
  return current === after;
}

function toPoint(position: { line: number; column: number }): { row: number; column: number } {
  return { row: position.line, column: position.column };
}

function countLines(text: string): number {
  let count = 0;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) count++;
  return count;
}

/** An offset of the text before `change` in the text after it (offsets inside move to its end). */
function shiftOffset(offset: number, change: TextChange, delta: number): number {
  if (offset <= change.start) return offset;
  return offset >= change.oldEnd ? offset + delta : change.start + change.newText.length;
}

/** Quotes, backticks and brackets: typing or deleting one can reshape everything after it. */
const DELIMITERS = /["'`{}()[\]]/;

function movesDelimiters(change: TextChange, before: string): boolean {
  return DELIMITERS.test(change.newText) || DELIMITERS.test(before.slice(change.start, change.oldEnd));
}

/** True when the tree has a top-level node spanning exactly the statement. */
function sameTopLevelNode(tree: Tree, facts: StatementFacts): boolean {
  const node = tree.rootNode.firstChildForIndex(facts.start);
  return node !== null && node.startIndex === facts.start && node.endIndex === facts.end;
}

/** Two lists sorted by start, merged (no start is in both: each lies in a different statement). */
function mergeByStart(a: PromptConstant[], b: PromptConstant[]): PromptConstant[] {
  const out: PromptConstant[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i].range.start <= b[j].range.start)) out.push(a[i++]);
    else out.push(b[j++]);
  }
  return out;
}

/** Index of the first statement starting at or after `offset`, else the length (statements are in order and disjoint). */
function firstIndexStartingFrom(statements: StatementFacts[], offset: number): number {
  let low = 0;
  let high = statements.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (statements[middle].start < offset) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Index of the first statement ending at or after `offset`, else the length (statements are in order and disjoint). */
function firstEndingFrom(statements: StatementFacts[], offset: number): number {
  let low = 0;
  let high = statements.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (statements[middle].end < offset) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Index of the last statement starting at or before `offset`, else -1 (offsets are whole numbers). */
function lastIndexStartingBy(statements: StatementFacts[], offset: number): number {
  return firstIndexStartingFrom(statements, offset + 1) - 1;
}

/** Index of the last statement ending at or before `offset`, else -1. */
function lastIndexEndingBy(statements: StatementFacts[], offset: number): number {
  return firstEndingFrom(statements, offset + 1) - 1;
}

/** The end of the last statement ending at or before `offset`, else 0. */
function lastEndingBy(statements: StatementFacts[], offset: number): number {
  return statements[lastIndexEndingBy(statements, offset)]?.end ?? 0;
}

/** The start of the first statement starting at or after `offset`, else Infinity. */
function firstStartingFrom(statements: StatementFacts[], offset: number): number {
  return statements[firstIndexStartingFrom(statements, offset)]?.start ?? Infinity;
}
