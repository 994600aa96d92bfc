/*
 * Prints the offline token estimator's error over recorded request/usage pairs:
 *   npm run calibrate-tokens [-- [--markdown] [--rows] [file.jsonl ...]]
 * By default it reads every `*.jsonl` in the shared calibration data (`../shared/data/tokens`
 * beside this repository; other projects' recordings are kept out of the repository). It prints
 * the mean absolute error of the shipped coefficients (in-sample), of coefficients refit without
 * each row (leave-one-out) and without each row's whole source repository (leave-one-source-out),
 * and of the chars/4 baseline: overall and by size bucket, tokenizer, flag and kind; then the
 * coefficients refit on every row (the shipped ones are these, rounded). `--rows` adds one line per
 * row; `--markdown` prints the README's table instead.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import {
  type CalibrationReport,
  type CalibrationRow,
  type ErrorSummary,
  FITTED_COEFFICIENTS,
  type RowResult,
  calibrationReport,
  coefficientValue,
  parseCalibrationRows,
  summarizeResults,
} from '../src/core/tokens/calibration';
import { DEFAULT_ESTIMATOR_COEFFICIENTS } from '../src/core/tokens/estimate';

const SHARED_DIR = path.join(__dirname, '..', '..', 'shared', 'data', 'tokens');

function defaultFiles(): string[] {
  if (!existsSync(SHARED_DIR)) throw new Error(`no calibration data at ${SHARED_DIR}; pass the .jsonl files to read`);
  return readdirSync(SHARED_DIR)
    .filter((name) => name.endsWith('.jsonl'))
    .sort()
    .map((name) => path.join(SHARED_DIR, name));
}

function percent(value: number): string {
  return `${value >= 0 ? '+' : ''}${(value * 100).toFixed(1)}%`;
}

function mae(summary: ErrorSummary): string {
  return `${(summary.meanAbsError * 100).toFixed(1)}%`;
}

/** A named subset of rows (by index) and its summaries under each way of scoring. */
interface Group {
  label: string;
  indexes: number[];
}

const SIZE_BUCKETS: ReadonlyArray<readonly [string, number, number]> = [
  ['< 100 tokens', 0, 100],
  ['100 – 2k tokens', 100, 2000],
  ['≥ 2k tokens', 2000, Number.POSITIVE_INFINITY],
];

function groupsOf(report: CalibrationReport): Array<[string, Group[]]> {
  const rows = report.estimator.rows;
  const by = (key: (row: RowResult) => string[]): Group[] => {
    const groups = new Map<string, number[]>();
    for (const row of rows) for (const label of key(row)) groups.set(label, [...(groups.get(label) ?? []), row.index]);
    return [...groups.entries()].sort((a, b) => b[1].length - a[1].length).map(([label, indexes]) => ({ label, indexes }));
  };
  return [
    ['all', [{ label: 'all rows', indexes: rows.map((row) => row.index) }, { label: 'prompts ≥ 100 tokens', indexes: rows.filter((row) => row.trueTokens >= 100).map((row) => row.index) }]],
    ['size', SIZE_BUCKETS.map(([label, low, high]) => ({ label, indexes: rows.filter((row) => row.trueTokens >= low && row.trueTokens < high).map((row) => row.index) }))],
    ['tokenizer', by((row) => [row.tokenizer === 'new' ? 'newer tokenizer' : 'older tokenizer'])],
    ['flags', by((row) => row.flags)],
    ['kind', by((row) => [row.kind || 'unknown'])],
  ];
}

function subset(summary: ErrorSummary, indexes: number[]): ErrorSummary {
  return summarizeResults(indexes.map((index) => summary.rows[index]));
}

function printText(report: CalibrationReport, withRows: boolean): void {
  const out: string[] = [];
  if (withRows) {
    out.push(['row', 'model', 'kind', 'flags', 'true', 'estimate', 'error', 'leave-1-out', 'leave-source-out'].join('\t'));
    for (const row of report.estimator.rows) {
      out.push(
        [row.index, row.model, row.kind, row.flags.join(','), row.trueTokens, row.estimated, percent(row.signedError), percent(report.leaveOneOut.rows[row.index].signedError), percent(report.leaveOneSourceOut.rows[row.index].signedError)].join('\t'),
      );
    }
    out.push('');
  }
  out.push(`${'group'.padEnd(34)}${'rows'.padStart(5)}  ${'in-sample'.padStart(10)}  ${'leave-1-out'.padStart(11)}  ${'leave-source-out'.padStart(16)}  ${'worst (source-out)'.padStart(19)}  ${'chars/4'.padStart(8)}`);
  for (const [heading, groups] of groupsOf(report)) {
    out.push(`-- by ${heading}`);
    for (const group of groups) {
      if (group.indexes.length === 0) continue;
      const sourceOut = subset(report.leaveOneSourceOut, group.indexes);
      out.push(
        `${group.label.slice(0, 33).padEnd(34)}${String(group.indexes.length).padStart(5)}  ${mae(subset(report.estimator, group.indexes)).padStart(10)}  ${mae(subset(report.leaveOneOut, group.indexes)).padStart(11)}  ${mae(sourceOut).padStart(16)}  ${`${percent(sourceOut.worst.signedError)} (row ${sourceOut.worst.index})`.padStart(19)}  ${mae(subset(report.charsOverFour, group.indexes)).padStart(8)}`,
      );
    }
  }
  out.push('', 'fitted coefficients (prior -> refit on all rows; shipped, flagged when it is not the refit rounded):');
  for (const fitted of FITTED_COEFFICIENTS) {
    const refit = coefficientValue(report.refit, fitted);
    const shipped = coefficientValue(DEFAULT_ESTIMATOR_COEFFICIENTS, fitted);
    const stale = Math.abs(shipped - refit) > Math.max(0.01, Math.abs(refit) * 0.02) ? '   <- shipped value differs' : '';
    out.push(`  ${[fitted.group, fitted.generation, fitted.name].filter(Boolean).join('.').padEnd(34)} ${String(fitted.prior).padStart(5)} -> ${refit.toFixed(3)}   shipped ${shipped}${stale}`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

function printMarkdown(report: CalibrationReport): void {
  const out = ['| rows | n | in-sample | leave-one-out | leave-one-source-out | worst (source-out) | chars/4 |', '|---|---:|---:|---:|---:|---:|---:|'];
  for (const [heading, groups] of groupsOf(report)) {
    for (const group of groups) {
      if (group.indexes.length === 0) continue;
      const label = heading === 'all' || heading === 'size' ? group.label : `${heading}: ${group.label}`;
      const sourceOut = subset(report.leaveOneSourceOut, group.indexes);
      out.push(
        `| ${label} | ${group.indexes.length} | ${mae(subset(report.estimator, group.indexes))} | ${mae(subset(report.leaveOneOut, group.indexes))} | ${mae(sourceOut)} | ${percent(sourceOut.worst.signedError)} | ${mae(subset(report.charsOverFour, group.indexes))} |`,
      );
    }
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

function main(): void {
  const args = process.argv.slice(2);
  const files = args.filter((arg) => !arg.startsWith('--'));
  const rows: CalibrationRow[] = (files.length > 0 ? files : defaultFiles()).flatMap((file) => parseCalibrationRows(readFileSync(file, 'utf8')));
  const report = calibrationReport(rows);
  if (args.includes('--markdown')) printMarkdown(report);
  else printText(report, args.includes('--rows'));
}

main();
