import type { Node, Parser, Tree } from '@vscode/tree-sitter-wasm';
import type { AnalysisOptions, AnalysisResult, AnalysisSession, Analyzer, SourceLanguage, TextChange } from './types';
import { type StatementFacts, shiftFacts } from './ir';
import { lowerJsStatement } from './lowerJs';
import { lowerPythonStatement } from './lowerPython';
import { LineIndex } from './positions';
import { findPrompts } from './prompts';
import { type RequestModel, requestsOf } from './requests';
import { buildEnv } from './resolve';
import { type RawFinding, type RuleContext, checkBatchCandidates, checkRequest } from './rules';
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
      this.facts = shiftCache(this.facts, change);
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
    return out;
  }

  private evaluate(statements: StatementFacts[], text: string, options: AnalysisOptions, lines: LineIndex): AnalysisResult {
    const env = buildEnv(statements);
    const findings: RawFinding[] = [];
    const ctx: RuleContext = { env, text, python: this.language === 'python', options, findings, reported: new Set() };
    const requests: RequestModel[] = [];
    for (const statement of statements) {
      for (const site of statement.sdkCalls) {
        for (const request of requestsOf(site, env)) {
          requests.push(request);
          checkRequest(request, ctx);
        }
      }
    }
    checkBatchCandidates(statements, ctx);
    const prompts = findPrompts(statements, requests, env).map(({ span, ...prompt }) => ({ ...prompt, range: lines.range(span.start, span.end) }));
    findings.sort((a, b) => a.start - b.start || a.code.localeCompare(b.code));
    return {
      language: this.language,
      prompts,
      findings: findings.map(({ start, end, ...finding }) => ({ ...finding, range: lines.range(start, end) })),
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

/** Drops facts the change touches and moves the ones after it by the change's length difference. */
function shiftCache(cache: Map<number, StatementFacts>, change: TextChange): Map<number, StatementFacts> {
  const delta = change.newText.length - (change.oldEnd - change.start);
  const next = new Map<number, StatementFacts>();
  for (const facts of cache.values()) {
    if (facts.end >= change.start && facts.start <= change.oldEnd) continue;
    if (facts.start > change.oldEnd) shiftFacts(facts, delta);
    next.set(facts.start, facts);
  }
  return next;
}
