import vscode = require('vscode');
import { type PreflightProblem, type PreflightReport, describePreflight } from '../../core/batch/preflight';
import type { PreparedJob } from '../../core/batch/prepareJob';

const SEND_ANYWAY = 'Send All Rows Anyway';

/** Pre-flight of a prepared job (run as its rows were built), with the workspace path of each row for messages. */
export function preflightOf(prepared: PreparedJob): { report: PreflightReport & { batchProblems: string[] }; pathOf: (problem: PreflightProblem) => string } {
  const report = prepared.preflight;
  const paths = prepared.problemPaths;
  return { report, pathOf: (problem) => paths.get(problem.customId) ?? problem.customId };
}

/** The preview panel's "Rows that would fail" list: one line per problem, by file. */
export function wouldFailRows(preflight: ReturnType<typeof preflightOf>): Array<{ path: string; reason: string }> {
  return [
    ...preflight.report.problems.map((problem) => ({ path: preflight.pathOf(problem), reason: problem.message })),
    ...preflight.report.batchProblems.map((problem) => ({ path: '(whole batch)', reason: problem })),
  ];
}

/**
 * When any row would fail, the user must choose, in a modal, to send those rows anyway (they come
 * back `errored` once the batch ends); closing it sends nothing. Resolves to true when the job may be sent.
 */
export async function confirmPreflight(preflight: ReturnType<typeof preflightOf>): Promise<boolean> {
  const { report, pathOf } = preflight;
  if (report.failingRows === 0 && report.batchProblems.length === 0) return true;
  const [headline, ...details] = describePreflight(report, pathOf, 12);
  const answer = await vscode.window.showWarningMessage(
    `Batchlens: ${headline!.replace(/^Pre-flight: /, '')}`,
    { modal: true, detail: [...details.map((line) => line.trim()), ...report.batchProblems, '', 'Nothing is sent unless you choose to send every row anyway.'].join('\n') },
    SEND_ANYWAY,
  );
  return answer === SEND_ANYWAY;
}
