import { nodeCrypto } from '../../core/util/nodeCrypto';
import vscode = require('vscode');
import { formatUsd } from '../../core/pricing/cost';
import { type PreviewViewModel, previewTitle, renderPreviewHtml } from './previewHtml';

/** How the preview ended: the user sent it, pressed Cancel, or closed the panel. */
export type PreviewDecision = 'submit' | 'cancel' | 'closed';

const DONT_SEND: vscode.MessageItem = { title: "Don't Send" };
const SEND_ANYWAY: vscode.MessageItem = { title: 'Send Anyway' };

/**
 * Shows the preview in an editor-area webview panel that stays until the user decides: Submit,
 * Cancel, or closing the tab (which cancels). Over budget, Submit asks once more in a modal whose
 * default (first, focused) button is "Don't Send". Resolves once, then disposes the panel.
 */
export function showPreviewPanel(model: PreviewViewModel): Promise<PreviewDecision> {
  const panel = vscode.window.createWebviewPanel('batchlens.batchPreview', previewTitle(model), vscode.ViewColumn.Active, {
    enableScripts: true,
    retainContextWhenHidden: true,
    localResourceRoots: [],
  });
  panel.webview.html = renderPreviewHtml(model, { nonce: nodeCrypto().randomBytes(16).toString('base64'), cspSource: panel.webview.cspSource });
  return new Promise<PreviewDecision>((resolve) => {
    let decided = false;
    let asking = false;
    const decide = (decision: PreviewDecision) => {
      if (decided) return;
      decided = true;
      subscriptions.forEach((subscription) => subscription.dispose());
      resolve(decision);
      if (decision !== 'closed') panel.dispose();
    };
    const subscriptions = [
      panel.onDidDispose(() => decide('closed')),
      panel.webview.onDidReceiveMessage(async (message: unknown) => {
        const type = typeof message === 'object' && message !== null ? (message as { type?: unknown }).type : undefined;
        if (type === 'cancel') decide('cancel');
        if (type !== 'submit' || asking) return;
        if (!model.overBudget) {
          decide('submit');
          return;
        }
        asking = true;
        try {
          const answer = await vscode.window.showWarningMessage(
            `Batchlens: this job can cost up to ≈${formatUsd(model.ceiling.batchUsd)}, above your limit of ${formatUsd(model.overBudget.limitUsd)}.`,
            { modal: true, detail: `Expected ≈${formatUsd(model.expected.batchUsd)}; the ceiling is every row at max_tokens. The limit is the batchlens.confirmAboveUsd setting.` },
            DONT_SEND,
            SEND_ANYWAY,
          );
          if (answer === SEND_ANYWAY) decide('submit');
        } finally {
          asking = false;
        }
      }),
    ];
  });
}
