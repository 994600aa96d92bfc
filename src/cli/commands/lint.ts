import { parseArgs } from 'node:util';
import { type AnalysedPart, type FileAnalysis, analyseFiles, formatLocation, storedLine } from '../../core/analysis/analyseFiles';
import { loadEngine } from '../../core/analysis/engine';
import { settingsAnalysisOptions } from '../../core/analysis/catalogOptions';
import { visibleFindings } from '../../core/analysis/findingFilter';
import { RULE_DOCS_BASE, RULE_REGISTRY, ruleDocsUrl } from '../../core/analysis/ruleRegistry';
import { type SourceFile, collectSourceFiles } from '../../core/analysis/sourceFiles';
import type { Finding, Severity } from '../../core/analysis/types';
import { DEFAULT_MODEL } from '../../core/settings/schema';
import { type CliCommand, type CliIo, UsageError } from '../io';
import { type CliSettings, loadCliSettings } from '../workspaceSettings';

const FORMATS = ['text', 'json', 'sarif'] as const;
type Format = (typeof FORMATS)[number];
const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };
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
    'Rules listed in batchlens.lint.disabledRules, batchlens.hints.enabled, batchlens.lint.reportUnknownValues and prices in batchlens.modelOverrides of .vscode/settings.json apply, as in the editor.',
    'Folders are walked recursively, honouring .gitignore files (as git does) and files.exclude of .vscode/settings.json; node_modules, .git and .batchlens are skipped.',
    'Jupyter notebooks (.ipynb) are read as one program of their code cells (magics and shell lines skipped);',
    'their findings are located as notebook.ipynb#cell<N>:<line> (N counts every cell from 1).',
  ].join('\n'),
  async run(args: string[], io: CliIo): Promise<number> {
    const settings = loadCliSettings(io);
    const options = parseLintArgs(args, settings);
    const files = await collectOrThrow(options.paths, io.cwd, settings.filesExclude);
    const results = await lintFiles(files, { ...settings, defaultModel: options.model });
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
  return { paths: parsed.positionals, format, failOn, model: parsed.values.model ?? settings.defaultModel };
}

/** Expands the paths (folders walked honouring `.gitignore` and `files.exclude`), turning a missing path into a usage error (exit 2). */
export async function collectOrThrow(paths: string[], cwd: string, filesExclude: readonly string[]): Promise<SourceFile[]> {
  try {
    return await collectSourceFiles(paths, cwd, { filesExclude });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/**
 * Analyses each file with the options the editor builds from the same settings (`defaultModel`
 * replaced by `--model` when given), and keeps the findings the editor would show: rules in
 * `batchlens.lint.disabledRules` and, with `batchlens.hints.enabled` off, the hints left out.
 */
export async function lintFiles(files: SourceFile[], settings: LintSettings): Promise<FileFindings[]> {
  const analyzer = await loadEngine().loadAnalyzer();
  const options = settingsAnalysisOptions(settings);
  const filter = { hintsEnabled: settings['hints.enabled'], disabledRules: settings['lint.disabledRules'] };
  // The dependency files (package.json, requirements*.txt, lock files…) nearest each linted file tell BL008 the SDK version.
  return analyseFiles(analyzer, files, options, { sdkVersions: true }).map((result) => ({ ...result, parts: result.parts.map((part) => ({ ...part, findings: visibleFindings(part.findings, filter) })) }));
}

/** The settings `lint` reads (the editor's lint reads the same). */
export type LintSettings = Pick<CliSettings, 'defaultModel' | 'modelOverrides' | 'lint.disabledRules' | 'lint.reportUnknownValues' | 'hints.enabled'>;

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
            informationUri: RULE_DOCS_BASE,
            rules: RULE_REGISTRY.map((rule) => ({
              id: rule.code,
              name: rule.title.replace(/[^A-Za-z0-9]+/g, ''),
              shortDescription: { text: rule.title },
              helpUri: ruleDocsUrl(rule.code),
              defaultConfiguration: { level: SARIF_LEVEL[rule.severity] },
            })),
          },
        },
        results: results.flatMap((result) =>
          eachFinding(result).map(({ part, finding }) => ({
            ruleId: finding.code,
            ruleIndex: RULE_REGISTRY.findIndex((rule) => rule.code === finding.code),
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
