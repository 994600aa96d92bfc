import * as vscode from 'vscode';
import { describePreflight, preflightPreparedJob } from '../../core/batch/preflight';
import type { PreparedJob } from '../../core/batch/prepareJob';
import type { ModelOverrides } from '../../core/pricing/overrides';

const SEND_ANYWAY = 'Send All Rows Anyway';

/**
 * Runs pre-flight on a prepared job. When any row would fail, the user must choose, in a modal, to
 * send those rows anyway (they come back `errored` once the batch ends); closing it sends nothing.
 * Resolves to true when the job may be sent.
 */
export async function confirmPreflight(prepared: PreparedJob, modelOverrides: ModelOverrides): Promise<boolean> {
  const report = preflightPreparedJob(prepared, { modelOverrides });
  if (report.failingRows === 0 && report.batchProblems.length === 0) return true;
  const pathOf = new Map(prepared.job.manifest.map((entry) => [entry.customId, entry.relativePath]));
  const [headline, ...details] = describePreflight(report, (problem) => pathOf.get(problem.customId) ?? problem.customId, 12);
  const answer = await vscode.window.showWarningMessage(
    `Batchlens: ${headline!.replace(/^Pre-flight: /, '')}`,
    { modal: true, detail: [...details.map((line) => line.trim()), ...report.batchProblems, '', 'Nothing is sent unless you choose to send every row anyway.'].join('\n') },
    SEND_ANYWAY,
  );
  return answer === SEND_ANYWAY;
}
