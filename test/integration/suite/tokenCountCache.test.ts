import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { clearFaults, clearNotifications, forgetEmulatorKey, setFaults, useEmulatorKey } from './batchSupport';
import { codeLensesOf, lineOf, openFixture, parseLensTitle, waitFor, waitForCostLens, type LensFigures } from './support';

/** The figures of the cost lens on `line` once `accept` holds for them. */
function lensUntil(uri: vscode.Uri, line: number, what: string, accept: (figures: LensFigures) => boolean, timeoutMs = 30_000): Promise<LensFigures> {
  return waitFor(what, async () => {
    for (const lens of await codeLensesOf(uri)) {
      const figures = parseLensTitle(lens.command?.title ?? '');
      if (figures && lens.range.start.line === line && accept(figures)) return figures;
    }
    return undefined;
  }, timeoutMs);
}

describe('Batchlens: Clear Token Count Cache', () => {
  before(async () => {
    await useEmulatorKey();
  });

  after(async () => {
    await clearFaults();
    await forgetEmulatorKey();
    await clearNotifications();
  });

  it('forgets the exact counts: with count_tokens failing afterwards, the lens goes back to its estimate', async () => {
    const editor = await openFixture('prompts/ticket_classifier.py');
    const uri = editor.document.uri;
    const line = lineOf(editor.document, 'SYSTEM_PROMPT = """');
    await waitForCostLens(uri, line);
    const exact = await lensUntil(uri, line, 'an exact count from the emulator', (figures) => !figures.estimate);

    // From here on count_tokens fails: only the cache can keep the lens exact.
    await setFaults([{ kind: 'server_error', method: 'POST', path: '/v1/messages/count_tokens' }]);
    const dropped = await vscode.commands.executeCommand<number>('batchlens.clearTokenCountCache');
    assert.ok(typeof dropped === 'number' && dropped >= 1, `the command says how many counts it dropped: ${dropped}`);
    const after = await lensUntil(uri, line, 'the lens to show its estimate again', (figures) => figures.estimate);
    assert.ok(after.tokens > 0);
    assert.equal(exact.estimate, false);

    // Counting works again. A failed count is not retried for the same text, so clear once more
    // (which also forgets that failure): the text is counted anew, to the same figure.
    await clearFaults();
    await vscode.commands.executeCommand('batchlens.clearTokenCountCache');
    const recounted = await lensUntil(uri, line, 'a fresh exact count', (figures) => !figures.estimate);
    assert.equal(recounted.tokens, exact.tokens);
  });
});
