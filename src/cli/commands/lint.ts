import { parseArgs } from 'node:util';
import { type AnalysedPart, type FileAnalysis, analyseFiles, formatLocation, storedLine } from '../../core/analysis/analyseFiles';
import { loadAnalyzer } from '../../core/analysis/analyzer';
import { catalogAnalysisOptions } from '../../core/analysis/catalogOptions';
import { checkDisabledRules } from '../../core/analysis/ruleSettings';
import { type SourceFile, collectSourceFiles } from '../../core/analysis/sourceFiles';
import type { Finding, RuleCode, Severity } from '../../core/analysis/types';
import { type CliCommand, type CliIo, UsageError } from '../io';
import { type CliSettings, loadCliSettings } from '../workspaceSettings';

const FORMATS = ['text', 'json', 'sarif'] as const;
type Format = (typeof FORMATS)[number];
const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };
const DEFAULT_MODEL = 'claude-sonnet-4-6';
const DOCS_URL = 'https://github.com/batchlens/batchlens/blob/main/README.md';

/** One line per rule: SARIF's rule table and the README anchors the diagnostics link to. */
export const RULES: { id: RuleCode; severity: Severity; title: string }[] = [
  { id: 'BL001', severity: 'warning', title: 'Dynamic content before a cache breakpoint' },
  { id: 'BL002', severity: 'error', title: 'More than 4 cache breakpoints in one request' },
  { id: 'BL003', severity: 'info', title: 'Cached prefix below the model minimum' },
  { id: 'BL004', severity: 'error', title: 'A 1-hour breakpoint after a 5-minute one' },
  { id: 'BL005', severity: 'warning', title: 'The only breakpoint is on per-request content' },
  { id: 'BL006', severity: 'info', title: 'Non-deterministic serialization in the cached prefix' },
  { id: 'BL007', severity: 'error', title: 'Retired or deprecated model' },
  { id: 'BL008', severity: 'error', title: 'temperature / top_p / top_k under API version 2026-10-21' },
  { id: 'BL009', severity: 'warning', title: 'Unknown model id' },
  { id: 'BL100', severity: 'info', title: 'Expensive model for a classification or extraction prompt' },
  { id: 'BL101', severity: 'info', title: 'Synchronous calls in a loop: a batch candidate' },
];

/** A file's findings: the file's own, or each notebook cell's (ranges relative to the cell). */
export type FileFindings = FileAnalysis;

export const lintCommand: CliCommand = {
  name: 'lint',
  summary: 'Check prompt caching in Python / TypeScript / JavaScript sources (BL001-BL006, hints BL100-BL101)',
  usage: [
    'Usage: batchlens lint <files|folders...> [--format text|json|sarif] [--fail-on error|warning|info] [--model M]',
    '',
    '  --format   text (default), json, or sarif (SARIF 2.1.0, for GitHub code scanning)',
    '  --fail-on  exit 1 when a finding is at least this severe (default: warning)',
    `  --model    model assumed when the code does not name one (default: batchlens.defaultModel, else ${DEFAULT_MODEL})`,
    '',
    'Rules listed in batchlens.lint.disabledRules, batchlens.lint.reportUnknownValues and prices in batchlens.modelOverrides of .vscode/settings.json apply, as in the editor.',
    'Folders are walked recursively, honouring .gitignore files; node_modules and .git are skipped.',
    'Jupyter notebooks (.ipynb) are read as one program of their code cells (magics and shell lines skipped);',
    'their findings are located as notebook.ipynb#cell<N>:<line> (N counts every cell from 1).',
  ].join('\n'),
  async run(args: string[], io: CliIo): Promise<number> {
    const settings = loadCliSettings(io);
    const options = parseLintArgs(args, settings);
    const files = collectOrThrow(options.paths, io.cwd);
    const results = await lintFiles(files, options.model, settings, io);
    io.stdout(render(results, options.format));
    for (const result of results) if (result.skippedReason) io.stderr(`batchlens lint: skipped ${result.file.displayPath}: ${result.skippedReason}\n`);
    const threshold = SEVERITY_RANK[options.failOn];
    return results.some((result) => findingsOf(result).some((finding) => SEVERITY_RANK[finding.severity] >= threshold)) ? 1 : 0;
  },
};

function parseLintArgs(args: string[], settings: CliSettings): { paths: string[]; format: Format; failOn: Severity; model: string } {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { format: { type: 'string' }, 'fail-on': { type: 'string' }, model: { type: 'string' } } });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const format = (parsed.values.format ?? 'text') as Format;
  if (!FORMATS.includes(format)) throw new UsageError(`--format must be text, json or sarif (got '${format}')`);
  const failOn = (parsed.values['fail-on'] ?? 'warning') as Severity;
  if (!(failOn in SEVERITY_RANK)) throw new UsageError(`--fail-on must be error, warning or info (got '${failOn}')`);
  if (parsed.positionals.length === 0) throw new UsageError('give at least one file or folder to lint');
  return { paths: parsed.positionals, format, failOn, model: parsed.values.model ?? settings.defaultModel ?? DEFAULT_MODEL };
}

/** Expands the paths, turning a missing path into a usage error (exit 2). */
export function collectOrThrow(paths: string[], cwd: string): SourceFile[] {
  try {
    return collectSourceFiles(paths, cwd);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** Analyses each file with the catalog-backed options and the workspace's rule and price settings. */
export async function lintFiles(files: SourceFile[], defaultModel: string, settings?: Pick<CliSettings, 'disabledRules' | 'modelOverrides' | 'reportUnknownValues'>, io?: Pick<CliIo, 'stderr'>): Promise<FileFindings[]> {
  const analyzer = await loadAnalyzer();
  const disabledRules = checkDisabledRules(settings?.disabledRules);
  for (const problem of disabledRules.problems) io?.stderr(`[warn] ${problem}\n`);
  const options = catalogAnalysisOptions(defaultModel, disabledRules.value, settings?.modelOverrides);
  // The dependency files (package.json, requirements*.txt, lock files…) nearest each linted file tell BL008 the SDK version.
  return analyseFiles(analyzer, files, { ...options, reportUnknownValues: settings?.reportUnknownValues ?? false }, { sdkVersions: true });
}

function findingsOf(result: FileFindings): Finding[] {
  return result.parts.flatMap((part) => part.findings);
}

/** Each finding with the part (file or notebook cell) it belongs to. */
function eachFinding(result: FileFindings): { part: AnalysedPart; finding: Finding }[] {
  return result.parts.flatMap((part) => part.findings.map((finding) => ({ part, finding })));
}

function render(results: FileFindings[], format: Format): string {
  if (format === 'json') return `${JSON.stringify(toJson(results))}\n`;
  if (format === 'sarif') return `${JSON.stringify(toSarif(results), null, 2)}\n`;
  return toText(results);
}

/** The `--format json` document: 1-based lines and columns; in a notebook they count in the cell named by `cell` (0-based index among all cells). */
export function toJson(results: FileFindings[]) {
  return {
    files: results.map((result) => ({
      path: result.file.displayPath,
      findings: eachFinding(result).map(({ part, finding }) => ({
        ...(part.cell === undefined ? {} : { cell: part.cell }),
        code: finding.code,
        severity: finding.severity,
        line: finding.range.startLine + 1,
        column: finding.range.startColumn + 1,
        endLine: finding.range.endLine + 1,
        endColumn: finding.range.endColumn + 1,
        message: finding.message,
      })),
      ...(result.skippedReason ? { skippedReason: result.skippedReason } : {}),
    })),
  };
}

function toText(results: FileFindings[]): string {
  const lines: string[] = [];
  const counts: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const result of results) {
    for (const { part, finding } of eachFinding(result)) {
      counts[finding.severity]++;
      lines.push(`${formatLocation(result.file, part, finding.range.startLine, finding.range.startColumn)}: ${finding.severity} ${finding.code} ${finding.message}`);
    }
  }
  const total = counts.error + counts.warning + counts.info;
  const skipped = results.filter((result) => result.skippedReason).length;
  const analysed = results.length - skipped;
  const files = `${analysed} file${analysed === 1 ? '' : 's'}${skipped > 0 ? ` (${skipped} skipped: ${results.filter((result) => result.skippedReason).map((result) => `${result.file.displayPath}: ${result.skippedReason}`).join('; ')})` : ''}`;
  lines.push(total === 0 ? `No findings in ${files}.` : `${total} finding${total === 1 ? '' : 's'} (${counts.error} error, ${counts.warning} warning, ${counts.info} info) in ${files}.`);
  return `${lines.join('\n')}\n`;
}

const SARIF_LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note' };

/** SARIF 2.1.0 log with one run, the rule table, results with locations, and fixes when computed. */
export function toSarif(results: FileFindings[]) {
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'Batchlens',
            informationUri: DOCS_URL,
            rules: RULES.map((rule) => ({
              id: rule.id,
              name: rule.title.replace(/[^A-Za-z0-9]+/g, ''),
              shortDescription: { text: rule.title },
              helpUri: `${DOCS_URL}#${rule.id.toLowerCase()}`,
              defaultConfiguration: { level: SARIF_LEVEL[rule.severity] },
            })),
          },
        },
        results: results.flatMap((result) =>
          eachFinding(result).map(({ part, finding }) => ({
            ruleId: finding.code,
            ruleIndex: RULES.findIndex((rule) => rule.id === finding.code),
            level: SARIF_LEVEL[finding.severity],
            message: { text: part.cell === undefined ? finding.message : `${finding.message} (${formatLocation(result.file, part, finding.range.startLine, finding.range.startColumn)})` },
            locations: [sarifLocation(result, part, finding.range)],
            ...(finding.related && finding.related.length > 0
              ? { relatedLocations: finding.related.map((related, id) => ({ id, message: { text: related.message }, ...sarifLocation(result, part, related.range) })) }
              : {}),
            // A fix edits a cell's source, which SARIF cannot address inside the notebook's JSON.
            ...(finding.fixes.length > 0 && part.cell === undefined ? { fixes: finding.fixes.map((fix) => sarifFix(fix, result)) } : {}),
          })),
        ),
      },
    ],
  };
}

/**
 * A plain file's region is the finding's; a notebook's is the line of its JSON that holds the cell's
 * source line (regions address the file as stored), with the cell and in-cell position as properties.
 */
function sarifLocation(result: FileFindings, part: AnalysedPart, range: Finding['range']) {
  if (part.cell === undefined) return { physicalLocation: { artifactLocation: { uri: result.file.displayPath }, region: region(range) } };
  const line = storedLine(result, part, range.startLine);
  return {
    physicalLocation: { artifactLocation: { uri: result.file.displayPath }, region: { startLine: line, endLine: line } },
    properties: { cell: part.cell, cellRegion: region(range) },
  };
}

function region(range: Finding['range']) {
  return { startLine: range.startLine + 1, startColumn: range.startColumn + 1, endLine: range.endLine + 1, endColumn: range.endColumn + 1 };
}

function sarifFix(fix: Finding['fixes'][number], result: FileFindings) {
  const text = result.text;
  const position = (offset: number) => {
    const before = text.slice(0, offset);
    const line = before.split('\n').length;
    return { line, column: offset - before.lastIndexOf('\n') };
  };
  return {
    description: { text: fix.title },
    artifactChanges: [
      {
        artifactLocation: { uri: result.file.displayPath },
        replacements: fix.edits.map((edit) => {
          const from = position(edit.start);
          const to = position(edit.end);
          return { deletedRegion: { startLine: from.line, startColumn: from.column, endLine: to.line, endColumn: to.column }, insertedContent: { text: edit.newText } };
        }),
      },
    ],
  };
}
