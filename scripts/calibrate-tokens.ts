/*
 * Prints the offline token estimator's error over recorded request/usage pairs:
 *   npx tsx scripts/calibrate-tokens.ts [file.jsonl]
 * per row (true vs estimated, signed error), the mean absolute and worst error of the estimator and
 * of the chars/4 baseline, cross-validated figures (leave-one-out and leave-one-source-out, each
 * refitting the fitted coefficients without the rows it predicts), and the coefficients refit on
 * every row (the shipped ones in src/core/tokens are these, rounded).
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { type ErrorSummary, FITTED_COEFFICIENTS, calibrationReport, coefficientValue, parseCalibrationRows } from '../src/core/tokens/calibration';

const DEFAULT_FILE = path.join(__dirname, '..', 'test', 'fixtures', 'tokens', 'calibration.jsonl');

function percent(value: number): string {
  return `${value >= 0 ? '+' : ''}${(value * 100).toFixed(1)}%`;
}

function summaryLine(label: string, summary: ErrorSummary): string {
  return `${label.padEnd(34)} mean |error| ${(summary.meanAbsError * 100).toFixed(1).padStart(5)}%   median ${(summary.medianAbsError * 100).toFixed(1).padStart(5)}%   worst ${percent(summary.worst.signedError).padStart(7)} (row ${summary.worst.index})`;
}

function main(): void {
  const file = process.argv[2] ?? DEFAULT_FILE;
  const report = calibrationReport(parseCalibrationRows(readFileSync(file, 'utf8')));

  const header = ['row', 'model', 'kind', 'true', 'estimate', 'error', 'leave-1-out', 'chars/4', 'error'];
  const lines = [header.join('\t')];
  report.estimator.rows.forEach((row, index) => {
    const loo = report.leaveOneOut.rows[index];
    const naive = report.charsOverFour.rows[index];
    lines.push(
      [row.index, row.model, row.kind, row.trueTokens, row.estimated, percent(row.signedError), percent(loo.signedError), naive.estimated, percent(naive.signedError)].join('\t'),
    );
  });
  process.stdout.write(`${lines.join('\n')}\n\n`);
  process.stdout.write(`${summaryLine('estimator (shipped, in-sample)', report.estimator)}\n`);
  process.stdout.write(`${summaryLine('estimator, leave-one-out', report.leaveOneOut)}\n`);
  process.stdout.write(`${summaryLine('estimator, leave-one-source-out', report.leaveOneSourceOut)}\n`);
  process.stdout.write(`${summaryLine('chars/4 baseline', report.charsOverFour)}\n\n`);

  process.stdout.write('fitted coefficients (prior -> refit on all rows):\n');
  for (const fitted of FITTED_COEFFICIENTS) {
    const refit = coefficientValue(report.refit, fitted);
    process.stdout.write(`  ${`${fitted.group}.${fitted.name}`.padEnd(26)} ${String(fitted.prior).padStart(5)} -> ${refit.toFixed(3)}\n`);
  }
}

main();
