import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { forgetEmulatorKey, useEmulatorKey } from './batchSupport';
import { codeLensesOf, lineOf, openFixture, parseLensTitle, waitFor, waitForCostLens, withSetting } from './support';

/** Nothing listens here: count_tokens at this base URL fails at once. */
const DEAD_ENDPOINT = 'http://127.0.0.1:9';

describe('exact token counts follow batchlens.apiBaseUrl', () => {
  const settings = () => vscode.workspace.getConfiguration('batchlens');
  let emulatorUrl: string | undefined;

  before(async () => {
    emulatorUrl = settings().inspect<string>('apiBaseUrl')?.globalValue;
    assert.ok(emulatorUrl, 'the runner points batchlens.apiBaseUrl at the emulator in the user settings');
    await useEmulatorKey();
  });

  after(async () => {
    await settings().update('apiBaseUrl', emulatorUrl, vscode.ConfigurationTarget.Global);
    await forgetEmulatorKey();
  });

  it('counts at the new endpoint as soon as the setting changes, without a reload', async () => {
    await settings().update('apiBaseUrl', DEAD_ENDPOINT, vscode.ConfigurationTarget.Global);
    const editor = await openFixture('src/triage.js');
    const line = lineOf(editor.document, 'const TRIAGE_SYSTEM_PROMPT');
    const before = await waitForCostLens(editor.document.uri, line);
    assert.ok(before.figures.estimate, `no endpoint answers, so the lens keeps its estimate: ${before.title}`);
    // The estimate an exact count is compared with is the plain one: exact counts that earlier suites
    // learned in this workspace may scale the lens's estimate (workspaceCalibration.ts) by a token or so.
    const restoreLearning = await withSetting('exactTokenCounts', false);
    let plainTokens: number;
    try {
      plainTokens = await waitFor('the uncalibrated estimate', async () => {
        for (const lens of await codeLensesOf(editor.document.uri)) {
          const figures = parseLensTitle(lens.command?.title ?? '');
          if (figures && lens.range.start.line === line && figures.estimate && !/Calibrated/.test(String(lens.command?.tooltip ?? ''))) return figures.tokens;
        }
        return undefined;
      }, 30_000);
    } finally {
      await restoreLearning();
    }

    await settings().update('apiBaseUrl', emulatorUrl, vscode.ConfigurationTarget.Global);
    const exact = await waitFor('an exact count from the emulator at the restored apiBaseUrl', async () => {
      for (const lens of await codeLensesOf(editor.document.uri)) {
        const figures = parseLensTitle(lens.command?.title ?? '');
        if (figures && lens.range.start.line === line && !figures.estimate) return figures;
      }
      return undefined;
    }, 30_000);
    // The emulator's count_tokens is the project's own estimator: the exact figure is its plain estimate.
    assert.equal(exact.tokens, plainTokens);
  });
});
