import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { forgetEmulatorKey, useEmulatorKey } from './batchSupport';
import { codeLensesOf, lineOf, openFixture, parseLensTitle, waitFor, withSetting } from './support';

/** The cost lens on `line` of `uri`, once `accept` holds for it. */
async function waitForLens(uri: vscode.Uri, line: number, what: string, accept: (lens: vscode.CodeLens) => boolean): Promise<vscode.CodeLens> {
  return waitFor(
    what,
    async () => (await codeLensesOf(uri)).find((lens) => lens.range.start.line === line && parseLensTitle(lens.command?.title ?? '') && accept(lens)),
    30_000,
  );
}

const tooltipOf = (lens: vscode.CodeLens): string => String(lens.command?.tooltip ?? '');

describe('token estimates learn from exact counts', () => {
  after(async () => {
    await forgetEmulatorKey();
  });

  it('an exact count from count_tokens calibrates later estimates, and the lens tooltip says on how many prompts', async () => {
    await useEmulatorKey();
    const counted = await openFixture('prompts/ticket_classifier.py');
    const countedLine = lineOf(counted.document, 'SYSTEM_PROMPT = """');
    const exact = await waitForLens(counted.document.uri, countedLine, 'an exact count (no ≈) from the emulator', (lens) => parseLensTitle(lens.command?.title ?? '')?.estimate === false);
    assert.doesNotMatch(tooltipOf(exact), /Calibrated/, 'an exact count is not an estimate');

    // Without a key no exact count comes: the other prompt (older tokenizer too) shows a calibrated estimate.
    await forgetEmulatorKey();
    const other = await openFixture('src/triage.js');
    const otherLine = lineOf(other.document, 'const TRIAGE_SYSTEM_PROMPT');
    const estimated = await waitForLens(other.document.uri, otherLine, 'a calibrated estimate', (lens) => /Calibrated on \d+ of your prompt/.test(tooltipOf(lens)));
    assert.match(estimated.command?.title ?? '', /^≈/, 'a calibrated figure is still an estimate');

    // batchlens.exactTokenCounts: false turns the learning off.
    const restore = await withSetting('exactTokenCounts', false);
    try {
      const plain = await waitForLens(other.document.uri, otherLine, 'an uncalibrated estimate', (lens) => !/Calibrated/.test(tooltipOf(lens)));
      assert.match(plain.command?.title ?? '', /^≈/);
    } finally {
      await restore();
    }
  });
});
