/**
 * Jupyter notebooks as one program: the code cells in order, joined into a single text the analyzer
 * reads like a source file (so a constant of cell 2 resolves in cell 5), and the way back from an
 * offset of that text to a cell and a line. IPython magics and shell lines are blanked out (same
 * length, so offsets inside a cell never move). Shared by the CLI and the editor; no `vscode`.
 */
import { LineIndex } from './positions';
import type { AnalysisOptions, AnalysisResult, Analyzer, Finding, PromptConstant, SourceLanguage, SourceRange } from './types';

/** One code cell as the notebook stores it. */
export interface NotebookCell {
  /** Index of the cell among all cells of the notebook (markdown included), 0-based. */
  index: number;
  source: string;
}

export interface ParsedNotebook {
  language: SourceLanguage;
  cells: NotebookCell[];
}

/** A notebook's code cells joined into one text, with where each cell starts. */
export interface NotebookProgram {
  text: string;
  language: SourceLanguage;
  cells: { index: number; start: number; end: number; line: number }[];
}

/** Where an offset of the joined program lies in the notebook. */
export interface CellPosition {
  cell: number;
  /** 0-based line and column inside the cell. */
  line: number;
  column: number;
}

/**
 * The kernel language of a notebook JSON text and its code cells, or a reason it cannot be read.
 * Python kernels (and notebooks naming no language) read as Python; Deno/TypeScript kernels as TypeScript.
 */
export function parseNotebook(json: string): ParsedNotebook | { skippedReason: string } {
  let document: unknown;
  try {
    document = JSON.parse(json);
  } catch (error) {
    return { skippedReason: `not a notebook: invalid JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  if (!isRecord(document) || !Array.isArray(document.cells)) return { skippedReason: 'not a notebook: no "cells" list' };
  const language = notebookLanguage(document.metadata);
  if (typeof language !== 'string') return { skippedReason: language.unsupported };
  const cells: NotebookCell[] = [];
  document.cells.forEach((cell: unknown, index: number) => {
    if (!isRecord(cell) || cell.cell_type !== 'code') return;
    const source = Array.isArray(cell.source) ? cell.source.filter((line): line is string => typeof line === 'string').join('') : typeof cell.source === 'string' ? cell.source : '';
    cells.push({ index, source });
  });
  return { language, cells };
}

function notebookLanguage(metadata: unknown): SourceLanguage | { unsupported: string } {
  const info = isRecord(metadata) ? metadata : {};
  const kernel = isRecord(info.kernelspec) ? info.kernelspec : {};
  const languageInfo = isRecord(info.language_info) ? info.language_info : {};
  const named = [languageInfo.name, kernel.language, kernel.name].find((value): value is string => typeof value === 'string' && value.trim() !== '');
  const name = (named ?? 'python').toLowerCase();
  if (/python|ipython/.test(name)) return 'python';
  if (/typescript|deno|tslab/.test(name)) return 'typescript';
  if (/javascript|node/.test(name)) return 'javascript';
  return { unsupported: `notebook kernel language "${named}" is not analysed (Python, TypeScript and JavaScript are)` };
}

/** Lines IPython runs as magics or shell commands, not as Python: `%pip …`, `!ls`, `x = !ls`, `obj?`. */
const PYTHON_MAGIC_LINE = /^\s*(?:[%!]|[A-Za-z_]\w*\s*=\s*[%!])|^\s*[\w.]+\?{1,2}\s*$/;
/** Cell magics whose body is still Python; any other `%%` cell (bash, html, sql…) is skipped whole. */
const PYTHON_CELL_MAGICS = /^%%(?:time|timeit|capture|prun|debug)\b/;

/** The code cells joined by newlines, magics and shell lines blanked (see the module comment). */
export function notebookProgram(notebook: ParsedNotebook): NotebookProgram {
  let text = '';
  let line = 0;
  const cells: NotebookProgram['cells'] = [];
  for (const cell of notebook.cells) {
    if (cells.length > 0) {
      text += '\n';
      line += 1;
    }
    const source = notebook.language === 'python' ? blankMagics(cell.source) : cell.source;
    cells.push({ index: cell.index, start: text.length, end: text.length + source.length, line });
    text += source;
    line += countBreaks(source);
  }
  return { text, language: notebook.language, cells };
}

function blankMagics(source: string): string {
  const lines = source.split('\n');
  const whole = lines[0] !== undefined && /^%%/.test(lines[0]) && !PYTHON_CELL_MAGICS.test(lines[0]);
  return lines.map((line, index) => (whole || (index === 0 && /^%%/.test(line)) || PYTHON_MAGIC_LINE.test(line) ? ' '.repeat(line.length) : line)).join('\n');
}

/** The cell (by its notebook index) and the line and column inside it of a program offset. */
export function cellPosition(program: NotebookProgram, lines: LineIndex, offset: number): CellPosition {
  const cell = cellAt(program, offset);
  const position = lines.position(offset);
  return { cell: cell.index, line: position.line - cell.line, column: position.column };
}

function cellAt(program: NotebookProgram, offset: number): NotebookProgram['cells'][number] {
  let low = 0;
  let high = program.cells.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (program.cells[middle].start <= offset) low = middle;
    else high = middle - 1;
  }
  return program.cells[low];
}

/** What the analysis of the joined program says about one cell: ranges and fix offsets relative to the cell. */
export interface CellResult {
  cell: number;
  prompts: PromptConstant[];
  findings: Finding[];
  /** Whole requests written in the cell (see AnalysisResult.calls). */
  calls: PromptConstant[];
}

/**
 * Splits the analysis of a notebook program into per-cell results. A finding or prompt belongs to
 * the cell it starts in; fixes whose edits leave that cell are dropped (a cell is edited alone).
 */
export function splitByCell(program: NotebookProgram, result: AnalysisResult): CellResult[] {
  const byCell = new Map<number, CellResult>();
  for (const cell of program.cells) byCell.set(cell.index, { cell: cell.index, prompts: [], findings: [], calls: [] });
  for (const prompt of result.prompts) {
    const cell = cellAt(program, prompt.range.start);
    byCell.get(cell.index)?.prompts.push({ ...prompt, range: relativeRange(prompt.range, cell) });
  }
  for (const call of result.calls ?? []) {
    const cell = cellAt(program, call.range.start);
    byCell.get(cell.index)?.calls.push({ ...call, range: relativeRange(call.range, cell) });
  }
  for (const finding of result.findings) {
    const cell = cellAt(program, finding.range.start);
    const inside = (offset: number) => offset >= cell.start && offset <= cell.end;
    const fixes = finding.fixes
      .filter((fix) => fix.edits.every((edit) => inside(edit.start) && inside(edit.end)))
      .map((fix) => ({ title: fix.title, edits: fix.edits.map((edit) => ({ start: edit.start - cell.start, end: edit.end - cell.start, newText: edit.newText })) }));
    byCell.get(cell.index)?.findings.push({ ...finding, range: relativeRange(finding.range, cell), fixes });
  }
  return [...byCell.values()];
}

/** A range of the program as a range of its cell; an end past the cell is clamped to the cell's end. */
function relativeRange(range: SourceRange, cell: NotebookProgram['cells'][number]): SourceRange {
  const end = Math.min(range.end, cell.end);
  const endLine = range.end > cell.end ? range.startLine : range.endLine;
  const endColumn = range.end > cell.end ? range.startColumn + (end - range.start) : range.endColumn;
  return { start: range.start - cell.start, end: end - cell.start, startLine: range.startLine - cell.line, startColumn: range.startColumn, endLine: endLine - cell.line, endColumn };
}

/** Analyses a notebook's code cells as one program and returns the per-cell results. */
export function analyseNotebook(analyzer: Analyzer, notebook: ParsedNotebook, options: AnalysisOptions): { program: NotebookProgram; cells: CellResult[]; skippedReason?: string } {
  const program = notebookProgram(notebook);
  if (program.cells.length === 0) return { program, cells: [], skippedReason: 'notebook has no code cells' };
  const result = analyzer.analyze(program.text, program.language, options);
  if (result.skippedReason) return { program, cells: [], skippedReason: result.skippedReason };
  return { program, cells: splitByCell(program, result) };
}

/** `nb.ipynb#cell7:12` — the cell by its 1-based position among all cells, and the 1-based line in it. */
export function formatCellLocation(path: string, cell: number, line: number): string {
  return `${path}#cell${cell + 1}:${line + 1}`;
}

/**
 * The 1-based line of the notebook's JSON text holding a cell's source line, for SARIF (whose
 * regions address the file as stored). nbformat writes each source line as its own JSON string,
 * so the n-th string of the cell's "source" list sits on its own line; undefined when not found.
 */
export function jsonLineOfCellLine(json: string, cell: number, line: number): number | undefined {
  let document: unknown;
  try {
    document = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (!isRecord(document) || !Array.isArray(document.cells)) return undefined;
  const target = document.cells[cell];
  if (!isRecord(target) || !Array.isArray(target.source)) return undefined;
  const wanted = target.source[line];
  if (typeof wanted !== 'string') return undefined;
  // Find the cell's "source" key, counting cells in order, then the line's JSON string after it.
  const encoded = JSON.stringify(wanted);
  let from = 0;
  for (let seen = -1; seen < cell; seen++) {
    const next = json.indexOf('"source"', from);
    if (next === -1) return undefined;
    from = next + 1;
  }
  let at = from;
  for (let index = 0; index <= line; index++) {
    const candidate = json.indexOf(index === line ? encoded : JSON.stringify(target.source[index]), at);
    if (candidate === -1) return undefined;
    at = candidate + 1;
  }
  return countBreaks(json.slice(0, at - 1)) + 1;
}

function countBreaks(text: string): number {
  let count = 0;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) count++;
  return count;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
