import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadAnalyzer } from '../../../../src/core/analysis/analyzer';
import { catalogAnalysisOptions } from '../../../../src/core/analysis/catalogOptions';
import { defaultWasmDir, loadRuntime } from '../../../../src/core/analysis/runtime';
import type { AnalysisResult, Analyzer, RuleCode, SourceLanguage, TextEdit } from '../../../../src/core/analysis/types';

export const FIXTURES = path.join(__dirname, '..', '..', '..', 'fixtures', 'analysis');

let shared: Promise<Analyzer> | undefined;

/** One analyzer for the whole suite (loading the grammars takes a moment). */
export function analyzer(): Promise<Analyzer> {
  shared ??= loadAnalyzer();
  return shared;
}

// The corpus pins the cache rules; the API rules (BL007-BL009) have their own tests (apiRules.test.ts),
// and several seeds name models retired since they were written.
export const OPTIONS = { ...catalogAnalysisOptions('claude-sonnet-4-6'), disabledRules: ['BL007', 'BL008', 'BL009'] as RuleCode[] };

export async function analyzeFixture(relative: string): Promise<{ text: string; result: AnalysisResult; language: SourceLanguage }> {
  const text = fs.readFileSync(path.join(FIXTURES, relative), 'utf8');
  const language = languageOf(relative);
  return { text, language, result: (await analyzer()).analyze(text, language, OPTIONS) };
}

export function languageOf(file: string): SourceLanguage {
  if (file.endsWith('.py')) return 'python';
  if (file.endsWith('.tsx')) return 'typescriptreact';
  if (file.endsWith('.jsx')) return 'javascriptreact';
  if (/\.[mc]?ts$/.test(file)) return 'typescript';
  return 'javascript';
}

/** Applies non-overlapping edits (offsets into the original text). */
export function applyEdits(text: string, edits: TextEdit[]): string {
  return [...edits].sort((a, b) => b.start - a.start).reduce((current, edit) => current.slice(0, edit.start) + edit.newText + current.slice(edit.end), text);
}

let parsers: Promise<(text: string, language: SourceLanguage) => boolean> | undefined;

/** True when tree-sitter finds a syntax error in the text. */
export function hasSyntaxError(text: string, language: SourceLanguage): Promise<boolean> {
  parsers ??= loadRuntime(defaultWasmDir()).then((runtime) => (source: string, lang: SourceLanguage) => {
    const parser = new runtime.ts.Parser();
    parser.setLanguage(runtime.languages.get(lang) ?? null);
    const tree = parser.parse(source);
    const broken = tree ? tree.rootNode.hasError : true;
    tree?.delete();
    parser.delete();
    return broken;
  });
  return parsers.then((check) => check(text, language));
}

/** `BL001@25:36` labels (1-based) for compact assertions. */
export function findingLabels(result: AnalysisResult): string[] {
  return result.findings.map((finding) => `${finding.code}@${finding.range.startLine + 1}:${finding.range.startColumn + 1}`);
}
