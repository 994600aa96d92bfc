/**
 * Prompt-discovery bench: recall and precision of the prompts the cost lens lists on the labelled
 * corpus in test/fixtures/prompt-corpus (a comment line `# @prompt` / `// @prompt` marks that the
 * next line starts a prompt). The same pipeline as `batchlens cost`: files collected from the
 * folder, test files left out, files that do not talk to a model (nor are imported by one) muted.
 * The `tuning` part is pinned by a unit test; the `heldout` part was never used for tuning.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyseFiles } from '../src/core/analysis/analyseFiles';
import { loadAnalyzer } from '../src/core/analysis/analyzer';
import { catalogAnalysisOptions } from '../src/core/analysis/catalogOptions';
import { parseNotebook } from '../src/core/analysis/notebook';
import { collectSourceFiles, isTestFile } from '../src/core/analysis/sourceFiles';
import type { Analyzer } from '../src/core/analysis/types';
import { printTable } from './support/report';

export const name = 'prompts';

export const CORPUS = path.join(__dirname, '..', 'test', 'fixtures', 'prompt-corpus');
const MARKER = /^\s*(?:#|\/\/)\s*@prompt\s*$/;

export interface CorpusScore {
  part: string;
  files: number;
  labelled: number;
  found: number;
  truePositives: number;
  recall: number;
  precision: number;
  /** `file:line` (or `file#cellN:line`) of labelled prompts not found. */
  missed: string[];
  /** Listed prompts that are not labelled, with their names. */
  extra: string[];
}

/** Where each labelled prompt starts: `relative/path:line` or `relative/path#cellN:line` (1-based, N counts cells from 1). */
function labelsOf(file: string, relative: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const sources: { prefix: string; source: string }[] = [];
  if (file.endsWith('.ipynb')) {
    const notebook = parseNotebook(text);
    if ('skippedReason' in notebook) return [];
    for (const cell of notebook.cells) sources.push({ prefix: `${relative}#cell${cell.index + 1}`, source: cell.source });
  } else sources.push({ prefix: relative, source: text });
  const out: string[] = [];
  for (const { prefix, source } of sources) {
    source.split('\n').forEach((line, index) => {
      if (MARKER.test(line)) out.push(`${prefix}:${index + 2}`);
    });
  }
  return out;
}

/** Scores one part of the corpus (a folder of labelled files). */
export async function scoreCorpus(analyzer: Analyzer, part: string): Promise<CorpusScore> {
  const root = path.join(CORPUS, part);
  const files = (await collectSourceFiles([root], root)).filter((file) => !isTestFile(path.relative(root, file.absolutePath)));
  const analyses = analyseFiles(analyzer, files, catalogAnalysisOptions('claude-sonnet-4-6'));
  const labelled = new Set<string>();
  const found = new Map<string, string>();
  for (const analysis of analyses) {
    const relative = path.relative(root, analysis.file.absolutePath).split(path.sep).join('/');
    for (const label of labelsOf(analysis.file.absolutePath, relative)) labelled.add(label);
    if (!analysis.reachesModel) continue;
    for (const part of analysis.parts) {
      const prefix = part.cell === undefined ? relative : `${relative}#cell${part.cell + 1}`;
      for (const prompt of part.prompts) found.set(`${prefix}:${prompt.range.startLine + 1}`, prompt.name);
    }
  }
  const truePositives = [...found.keys()].filter((key) => labelled.has(key)).length;
  return {
    part,
    files: files.length,
    labelled: labelled.size,
    found: found.size,
    truePositives,
    recall: labelled.size === 0 ? 1 : truePositives / labelled.size,
    precision: found.size === 0 ? 1 : truePositives / found.size,
    missed: [...labelled].filter((key) => !found.has(key)).sort(),
    extra: [...found].filter(([key]) => !labelled.has(key)).map(([key, promptName]) => `${key} ${promptName}`).sort(),
  };
}

export async function run(): Promise<CorpusScore[]> {
  const analyzer = await loadAnalyzer();
  const scores = await Promise.all(['tuning', 'heldout'].map((part) => scoreCorpus(analyzer, part)));
  printTable(
    'Prompt discovery on the labelled corpus (test/fixtures/prompt-corpus)',
    ['part', 'files', 'labelled prompts', 'listed', 'recall', 'precision'],
    scores.map((score) => [score.part, String(score.files), String(score.labelled), String(score.found), score.recall.toFixed(3), score.precision.toFixed(3)]),
  );
  for (const score of scores) {
    for (const miss of score.missed) console.log(`  ${score.part} missed: ${miss}`);
    for (const extra of score.extra) console.log(`  ${score.part} not a prompt: ${extra}`);
  }
  return scores;
}
