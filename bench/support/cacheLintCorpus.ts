/**
 * The cache-lint corpus: small files that imitate patterns seen in public repositories (rewritten,
 * never copied), labelled line by line. `expect: BL001 warning` marks a site that must be reported
 * on that line with that severity; `quiet` marks a trap that must stay silent. Every finding on an
 * unlabelled line is a false positive too. `tuning/` is what the rules are tuned against;
 * `heldout/` is only measured (see README, "Cache lint rules").
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyseFiles } from '../../src/core/analysis/analyseFiles';
import { collectSourceFiles } from '../../src/core/analysis/sourceFiles';
import type { Analyzer, AnalysisOptions, SourceLanguage } from '../../src/core/analysis/types';

export const CORPUS_DIR = path.join(__dirname, '..', '..', 'test', 'fixtures', 'analysis', 'corpus');
export type CorpusPart = 'tuning' | 'heldout';

export interface Label {
  line: number;
  /** `expect` sites name a rule and a severity; `quiet` sites name neither. */
  kind: 'expect' | 'quiet';
  code?: string;
  severity?: string;
}

export interface Tally {
  tp: number;
  fp: number;
  fn: number;
}

export interface FileScore {
  file: string;
  language: 'python' | 'typescript' | 'javascript';
  sites: number;
  /** Human-readable mismatches (`line 12: missed BL001 warning`). */
  problems: string[];
  byRule: Map<string, Tally>;
}

const LABEL = /(?:#|\/\/)\s*(expect:\s*(BL\d{3})\s+(error|warning|info)|quiet)\b/g;
const SOURCE = /\.(py|ts|tsx|js|jsx|mjs)$/;

export function corpusFiles(part: CorpusPart): string[] {
  const root = path.join(CORPUS_DIR, part);
  if (!fs.existsSync(root)) return [];
  return fs.readdirSync(root).filter((name) => SOURCE.test(name)).sort().map((name) => path.join(root, name));
}

/**
 * Folders of a part: each is a small project whose files are linted together, as `batchlens lint
 * <folder>` does (evidence across files: a caller in another file, an imported helper).
 */
export function corpusProjects(part: CorpusPart): string[] {
  const root = path.join(CORPUS_DIR, part);
  if (!fs.existsSync(root)) return [];
  return fs.readdirSync(root, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => path.join(root, entry.name)).sort();
}

/** The labelled files of a project folder, scored on the findings of linting the folder as a whole. */
export async function scoreProject(folder: string, analyzer: Analyzer, options: AnalysisOptions): Promise<FileScore[]> {
  const analyses = analyseFiles(analyzer, await collectSourceFiles([folder], folder), options, { root: folder });
  return analyses
    .filter((analysis) => SOURCE.test(analysis.file.absolutePath))
    .map((analysis) => {
      const findings = analysis.parts.flatMap((part) => part.findings).map((finding) => ({ line: finding.range.startLine + 1, code: finding.code as string, severity: finding.severity as string }));
      return scoreFindings(analysis.file.absolutePath, fs.readFileSync(analysis.file.absolutePath, 'utf8'), findings);
    });
}

export function labelsOf(text: string): Label[] {
  const labels: Label[] = [];
  text.split('\n').forEach((line, index) => {
    for (const match of line.matchAll(LABEL)) {
      if (match[1] === 'quiet') labels.push({ line: index + 1, kind: 'quiet' });
      else labels.push({ line: index + 1, kind: 'expect', code: match[2], severity: match[3] });
    }
  });
  return labels;
}

export function languageOfFile(file: string): SourceLanguage {
  if (file.endsWith('.py')) return 'python';
  if (file.endsWith('.tsx')) return 'typescriptreact';
  if (file.endsWith('.jsx')) return 'javascriptreact';
  if (/\.[mc]?ts$/.test(file)) return 'typescript';
  return 'javascript';
}

function family(language: SourceLanguage): FileScore['language'] {
  return language === 'python' ? 'python' : language.startsWith('typescript') ? 'typescript' : 'javascript';
}

function tally(map: Map<string, Tally>, code: string): Tally {
  let entry = map.get(code);
  if (!entry) {
    entry = { tp: 0, fp: 0, fn: 0 };
    map.set(code, entry);
  }
  return entry;
}

/** Scores one labelled file: each expected site found is a TP, missed a FN; each other finding a FP. */
export function scoreFile(file: string, analyzer: Analyzer, options: AnalysisOptions): FileScore {
  const text = fs.readFileSync(file, 'utf8');
  const findings = analyzer.analyze(text, languageOfFile(file), options).findings.map((finding) => ({ line: finding.range.startLine + 1, code: finding.code as string, severity: finding.severity as string }));
  return scoreFindings(file, text, findings);
}

function scoreFindings(file: string, text: string, findings: { line: number; code: string; severity: string }[]): FileScore {
  const language = languageOfFile(file);
  const labels = labelsOf(text);
  const byRule = new Map<string, Tally>();
  const problems: string[] = [];
  const used = new Set<number>();
  for (const label of labels) {
    if (label.kind !== 'expect') continue;
    const index = findings.findIndex((finding, at) => !used.has(at) && finding.line === label.line && finding.code === label.code && finding.severity === label.severity);
    if (index >= 0) {
      used.add(index);
      tally(byRule, label.code as string).tp++;
    } else {
      tally(byRule, label.code as string).fn++;
      problems.push(`line ${label.line}: missed ${label.code} ${label.severity}`);
    }
  }
  findings.forEach((finding, index) => {
    if (used.has(index)) return;
    tally(byRule, finding.code).fp++;
    problems.push(`line ${finding.line}: unexpected ${finding.code} ${finding.severity}`);
  });
  return { file: path.relative(CORPUS_DIR, file), language: family(language), sites: labels.length, problems, byRule };
}

export interface Metrics extends Tally {
  precision: number;
  recall: number;
  f1: number;
}

export function metrics(t: Tally): Metrics {
  const precision = t.tp + t.fp === 0 ? 1 : t.tp / (t.tp + t.fp);
  const recall = t.tp + t.fn === 0 ? 1 : t.tp / (t.tp + t.fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { ...t, precision, recall, f1 };
}

export interface PartReport {
  part: CorpusPart;
  files: number;
  sites: number;
  sources: number;
  overall: Metrics;
  byLanguage: Record<string, Metrics>;
  byRule: Record<string, Metrics>;
  scores: FileScore[];
}

/** The repositories a part imitates, from each file's `corpus: imitates owner/repo` header. */
function sourcesOf(files: string[]): Set<string> {
  const sources = new Set<string>();
  for (const file of files) for (const match of fs.readFileSync(file, 'utf8').matchAll(/imitates ([\w.-]+\/[\w.-]+)/g)) sources.add(match[1]);
  return sources;
}

export async function scorePart(part: CorpusPart, analyzer: Analyzer, options: AnalysisOptions): Promise<PartReport> {
  const projects = corpusProjects(part);
  const projectScores: FileScore[] = [];
  const projectFiles: string[] = [];
  for (const folder of projects) {
    projectScores.push(...(await scoreProject(folder, analyzer, options)));
    projectFiles.push(...(await collectSourceFiles([folder], folder)).map((file) => file.absolutePath));
  }
  const scores = [...corpusFiles(part).map((file) => scoreFile(file, analyzer, options)), ...projectScores];
  const files = [...corpusFiles(part), ...projectFiles];
  const overall: Tally = { tp: 0, fp: 0, fn: 0 };
  const languages = new Map<string, Tally>();
  const rules = new Map<string, Tally>();
  for (const score of scores) {
    for (const [code, t] of score.byRule) {
      for (const target of [overall, tally(languages, score.language), tally(rules, code)]) {
        target.tp += t.tp;
        target.fp += t.fp;
        target.fn += t.fn;
      }
    }
    tally(languages, score.language);
  }
  const record = (map: Map<string, Tally>): Record<string, Metrics> => Object.fromEntries([...map].sort(([a], [b]) => a.localeCompare(b)).map(([key, t]) => [key, metrics(t)]));
  return { part, files: files.length, sites: scores.reduce((sum, score) => sum + score.sites, 0), sources: sourcesOf(files).size, overall: metrics(overall), byLanguage: record(languages), byRule: record(rules), scores };
}

/** The table `npm run bench` prints for one part. */
export function formatPart(report: PartReport): string {
  const row = (label: string, m: Metrics): string => `  ${label.padEnd(12)} P ${m.precision.toFixed(2)}  R ${m.recall.toFixed(2)}  F1 ${m.f1.toFixed(2)}   (tp ${m.tp}, fp ${m.fp}, fn ${m.fn})`;
  const lines = [`Cache-lint corpus, ${report.part} part: ${report.files} files, ${report.sites} labelled sites, ${report.sources} source repositories imitated`, row('overall', report.overall)];
  for (const [language, m] of Object.entries(report.byLanguage)) lines.push(row(language, m));
  for (const [rule, m] of Object.entries(report.byRule)) lines.push(row(rule, m));
  return lines.join('\n');
}
