import vscode = require('vscode');
import { describeFilesInFlight, describeFilesInFlightDetail, findFilesInFlight, inFlightDecision } from '../../core/batch/inFlight';
import { describeEscapingOutput, findEscapingOutput } from '../../core/tracking/outputCheck';
import type { PreparedJob } from '../../core/batch/prepareJob';
import type { JobStore } from '../../core/jobs/jobModel';

const DONT_SEND: vscode.MessageItem = { title: "Don't Send" };
const SEND_AGAIN: vscode.MessageItem = { title: 'Send Again' };

/**
 * Refuses a job whose output pattern would put results outside the workspace (a download would
 * refuse them only after the batch was paid for). Resolves to the refusal, or undefined when the job
 * may go on. `interactive` shows the refusal as a modal; a caller without UI gets a plain message.
 */
export async function refuseEscapingOutput(prepared: PreparedJob, store: Pick<JobStore, 'root' | 'resultsDir'>, interactive: boolean): Promise<string | undefined> {
  const escaping = findEscapingOutput(prepared.job, store, prepared.manifestEntries());
  if (!escaping) return undefined;
  const line = describeEscapingOutput(escaping);
  const text = `Batchlens: ${line.charAt(0).toUpperCase()}${line.slice(1)}`;
  if (interactive) await vscode.window.showErrorMessage(text, { modal: true });
  else void vscode.window.showErrorMessage(text);
  return line;
}

/**
 * Stops files another open or running job already holds from being billed twice: names the job and
 * sends nothing unless the user picks "Send Again" ("Don't Send" comes first; Escape or closing the
 * dialog sends nothing too). `again` answers without asking; a caller without UI is refused.
 * Resolves to undefined when the job may be sent, else to the refusal.
 */
export async function refuseFilesInFlight(prepared: PreparedJob, store: Pick<JobStore, 'list'>, options: { again?: boolean; interactive: boolean }): Promise<string | undefined> {
  const found = findFilesInFlight(prepared.job, await store.list(), prepared.manifestEntries);
  const decision = inFlightDecision(found, { again: options.again, canAsk: options.interactive });
  if (decision === 'send') return undefined;
  const line = `${describeFilesInFlight(found)}. Nothing was sent.`;
  if (decision === 'refuse') {
    void vscode.window.showWarningMessage(`Batchlens: ${line}`);
    return line;
  }
  const answer = await vscode.window.showWarningMessage(
    `Batchlens: ${describeFilesInFlight(found)}. Send them again?`,
    {
      modal: true,
      detail: [...describeFilesInFlightDetail(found), '', 'Their results are on the way in that job. Sending them again bills them twice; nothing is sent unless you choose Send Again.'].join('\n'),
    },
    DONT_SEND,
    SEND_AGAIN,
  );
  if (answer === SEND_AGAIN) return undefined;
  void vscode.window.showInformationMessage(`Batchlens: not sent again; follow job ${found[0].jobId} in the Batches view.`);
  return line;
}
