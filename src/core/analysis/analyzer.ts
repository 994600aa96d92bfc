import type { Node, Parser, Tree } from '@vscode/tree-sitter-wasm';
import type { AnalysisOptions, AnalysisResult, AnalysisSession, Analyzer, SourceLanguage, TextChange } from './types';
import { type StatementFacts, shiftFactsInterior, shiftFactsSurface } from './ir';
import { lowerJsStatement } from './lowerJs';
import { lowerPythonStatement } from './lowerPython';
import { LineIndex } from './positions';
import { assemblePrompts } from './prompts';
import { buildEnv } from './resolve';
import { type RawFinding, type RuleContext, checkBatchCandidates } from './rules';
import { type StatementResult, evaluateStatement, reusable, sameOptions, shiftResult } from './statementResults';
import { type LoadedRuntime, defaultWasmDir, loadRuntime } from './runtime';

/** Texts longer than this are not analysed (generated bundles, data dumps). */
export const MAX_ANALYSED_CHARS = 5_000_000;

/**
 * Loads the tree-sitter runtime and grammars once; the analyzer is then shared by every document.
 * `wasmDir` (or the options' `wasmDir`) defaults to `dist/wasm` beside the bundle, else the
 * @vscode/tree-sitter-wasm package.
 */
export async function loadAnalyzer(options: { wasmDir?: string } | string = {}): Promise<Analyzer> {
  const wasmDir = typeof options === 'string' ? options : options.wasmDir;
  const runtime = await loadRuntime(wasmDir ?? defaultWasmDir());
  return new TreeSitterAnalyzer(runtime);
}

class TreeSitterAnalyzer implements Analyzer {
  constructor(private readonly runtime: LoadedRuntime) {}

  analyze(text: string, language: SourceLanguage, options: AnalysisOptions): AnalysisResult {
    const session = this.createSession(language);
    try {
      return session.update(text, options);
    } finally {
      session.dispose();
    }
  }

  createSession(language: SourceLanguage): AnalysisSession {
    return new IncrementalSession(this.runtime, language);
  }
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
  /** Facts of the previous version's top-level statements, keyed by start offset. */
  private facts = new Map<number, StatementFacts>();
  /** Resolved results of the previous version's statements (see statementResults.ts), and the options they were made under. */
  private results = new Map<StatementFacts, StatementResult>();
  private resultOptions: AnalysisOptions | undefined;
  /** Offset shifts not yet applied below a statement's surface (see shiftFactsSurface). */
  private pending = new Map<StatementFacts, number>();

  constructor(
    private readonly runtime: LoadedRuntime,
    private readonly language: SourceLanguage,
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
    this.facts = new Map();
    this.results = new Map();
    this.pending = new Map();
  }

  private analyse(text: string, options: AnalysisOptions, changes: TextChange[] | undefined): AnalysisResult {
    if (!this.parser) {
      this.parser = new this.runtime.ts.Parser();
      this.parser.setLanguage(this.runtime.languages.get(this.language) ?? null);
    }
    const oldTree = changes && changes.length > 0 && this.tree ? this.applyEdits(text, changes) : undefined;
    if (!oldTree) {
      this.tree?.delete();
      this.tree = undefined;
      this.facts = new Map();
      this.results = new Map();
      this.pending = new Map();
    }
    const tree = this.parser.parse(text, oldTree ?? null);
    if (!tree) throw new Error('the parser returned no tree');
    const changed = oldTree ? oldTree.getChangedRanges(tree) : [];
    oldTree?.delete();
    this.tree = tree;
    this.text = text;
    this.lines = new LineIndex(text);
    const statements = this.collectFacts(tree, text, changed);
    return this.evaluate(statements, text, options, this.lines);
  }

  /** Edits the old tree and the cached facts for `changes`; undefined when they do not lead to `text`. */
  private applyEdits(text: string, changes: TextChange[]): Tree | undefined {
    const tree = this.tree as Tree;
    let current = this.text;
    let lines = this.lines ?? new LineIndex(current);
    for (const change of changes) {
      if (!(change.start >= 0 && change.start <= change.oldEnd && change.oldEnd <= current.length)) return undefined;
      const startPosition = toPoint(lines.position(change.start));
      const oldEndPosition = toPoint(lines.position(change.oldEnd));
      const newEndIndex = change.start + change.newText.length;
      const lastBreak = change.newText.lastIndexOf('\n');
      const newEndPosition =
        lastBreak === -1
          ? { row: startPosition.row, column: startPosition.column + change.newText.length }
          : { row: startPosition.row + countLines(change.newText), column: change.newText.length - lastBreak - 1 };
      tree.edit({ startIndex: change.start, oldEndIndex: change.oldEnd, newEndIndex, startPosition, oldEndPosition, newEndPosition });
      this.facts = shiftCache(this.facts, change, this.pending);
      this.results = shiftResults(this.results, change);
      current = current.slice(0, change.start) + change.newText + current.slice(change.oldEnd);
      if (changes.length > 1) lines = new LineIndex(current);
    }
    return current === text ? tree : undefined;
  }

  /** One fact set per top-level statement: reused when the statement did not move in the edit or change. */
  private collectFacts(tree: Tree, text: string, changed: { startIndex: number; endIndex: number }[]): StatementFacts[] {
    const out: StatementFacts[] = [];
    const next = new Map<number, StatementFacts>();
    const lower = this.language === 'python' ? lowerPythonStatement : lowerJsStatement;
    const cursor = tree.walk();
    try {
      if (cursor.gotoFirstChild()) {
        do {
          const start = cursor.startIndex;
          const end = cursor.endIndex;
          const cached = this.facts.get(start);
          let facts: StatementFacts;
          if (cached && cached.end === end && !changed.some((range) => range.startIndex < end && range.endIndex > start)) facts = cached;
          else facts = lower(cursor.currentNode as Node, text);
          out.push(facts);
          next.set(start, facts);
        } while (cursor.gotoNextSibling());
      }
    } finally {
      cursor.delete();
    }
    this.facts = next;
    for (const facts of this.pending.keys()) if (next.get(facts.start) !== facts) this.pending.delete(facts);
    return out;
  }

  private evaluate(statements: StatementFacts[], text: string, options: AnalysisOptions, lines: LineIndex): AnalysisResult {
    if (!sameOptions(this.resultOptions, options)) this.results = new Map();
    this.resultOptions = options;
    const materialize = (facts: StatementFacts): void => {
      const delta = this.pending.get(facts);
      if (delta === undefined) return;
      this.pending.delete(facts);
      shiftFactsInterior(facts, delta);
    };
    const env = buildEnv(statements, materialize);
    const python = this.language === 'python';
    const results: StatementResult[] = [];
    const next = new Map<StatementFacts, StatementResult>();
    for (const statement of statements) {
      let result = reusable(this.results.get(statement), env);
      if (!result) {
        materialize(statement);
        result = evaluateStatement(statement, env, text, python, options);
      }
      results.push(result);
      next.set(statement, result);
    }
    this.results = next;
    // A helper shared by several calls reports its finding once, for the first call.
    const findings: RawFinding[] = [];
    const reported = new Set<string>();
    for (const result of results) {
      for (const finding of result.findings) {
        const key = `${finding.code}:${finding.start}:${finding.end}`;
        if (reported.has(key)) continue;
        reported.add(key);
        findings.push(finding);
      }
    }
    const ctx: RuleContext = { env, text, python, options, findings, reported };
    for (const statement of statements) if (statement.loopCalls.length > 0 || statement.sdkCalls.some((site) => site.loop)) materialize(statement);
    checkBatchCandidates(statements, ctx);
    const prompts = assemblePrompts(
      results.map((result) => result.declared),
      results.map((result) => result.uses),
    ).map(({ span, ...prompt }) => ({ ...prompt, range: lines.range(span.start, span.end) }));
    findings.sort((a, b) => a.start - b.start || a.code.localeCompare(b.code));
    return {
      language: this.language,
      prompts,
      // Copies: cached findings shift in place on the next edit.
      findings: findings.map(({ start, end, fixes, ...finding }) => ({ ...finding, fixes: fixes.map((fix) => ({ title: fix.title, edits: fix.edits.map((edit) => ({ ...edit })) })), range: lines.range(start, end) })),
    };
  }
}

function toPoint(position: { line: number; column: number }): { row: number; column: number } {
  return { row: position.line, column: position.column };
}

function countLines(text: string): number {
  let count = 0;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) count++;
  return count;
}

/**
 * Drops facts the change touches and moves the ones after it by the change's length difference:
 * their surface now, the rest when something reads it (`pending`).
 */
function shiftCache(cache: Map<number, StatementFacts>, change: TextChange, pending: Map<StatementFacts, number>): Map<number, StatementFacts> {
  const delta = change.newText.length - (change.oldEnd - change.start);
  const next = new Map<number, StatementFacts>();
  for (const facts of cache.values()) {
    if (facts.end >= change.start && facts.start <= change.oldEnd) {
      pending.delete(facts);
      continue;
    }
    if (facts.start > change.oldEnd && delta !== 0) {
      shiftFactsSurface(facts, delta);
      pending.set(facts, (pending.get(facts) ?? 0) + delta);
    }
    next.set(facts.start, facts);
  }
  return next;
}

/** Shifts cached statement results for a change; drops those with an offset inside it. */
function shiftResults(cache: Map<StatementFacts, StatementResult>, change: TextChange): Map<StatementFacts, StatementResult> {
  const delta = change.newText.length - (change.oldEnd - change.start);
  const next = new Map<StatementFacts, StatementResult>();
  for (const [facts, result] of cache) {
    // Most statements hold neither findings nor inline prompts: nothing to move.
    if ((result.findings.length === 0 && result.uses.length === 0) || shiftResult(result, change.start, change.oldEnd, delta)) next.set(facts, result);
  }
  return next;
}
