import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { assertLensPrices, codeLensesOf, fixtureUri, lineOf, openFixture, parseLensTitle, waitFor, waitForCostLens, waitForDiagnostic, waitForNoDiagnostic, withSetting } from './support';

describe('settings', () => {
  it('batchlens.lint.disabledRules turns BL001 off and on again', async () => {
    const editor = await openFixture('prompts/ticket_classifier.py');
    const uri = editor.document.uri;
    await waitForDiagnostic(uri, 'BL001');
    const restore = await withSetting('lint.disabledRules', ['BL001']);
    try {
      await waitForNoDiagnostic(uri, 'BL001');
    } finally {
      await restore();
    }
    await waitForDiagnostic(uri, 'BL001');
  });

  it('batchlens.defaultModel reprices a prompt whose call does not name its model', async () => {
    const editor = await openFixture('src/summarizeDocs.ts');
    const uri = editor.document.uri;
    const line = lineOf(editor.document, 'export const SUMMARY_SYSTEM_PROMPT');
    const before = await waitForCostLens(uri, line, 'Sonnet 4.6');
    const restore = await withSetting('defaultModel', 'claude-haiku-4-5');
    try {
      const after = await waitForCostLens(uri, line, 'Haiku 4.5');
      assertLensPrices(after.figures, 'Haiku 4.5');
      assert.equal(after.figures.tokens, before.figures.tokens, 'Sonnet 4.6 and Haiku 4.5 share a tokenizer');
    } finally {
      await restore();
    }
    await waitForCostLens(uri, line, 'Sonnet 4.6');
  });

  it('batchlens.defaultModel leaves a prompt whose call names a literal model alone', async () => {
    const editor = await openFixture('src/triage.js');
    const line = lineOf(editor.document, 'const TRIAGE_SYSTEM_PROMPT');
    const restore = await withSetting('defaultModel', 'claude-opus-4-7');
    try {
      // Give the setting time to be applied: the TypeScript lens switches to Opus first.
      const ts = await openFixture('src/summarizeDocs.ts');
      await waitFor('the TypeScript lens to use Opus 4.7', async () =>
        (await codeLensesOf(ts.document.uri)).some((lens) => parseLensTitle(lens.command?.title ?? '')?.model === 'Opus 4.7') ? true : undefined);
      await openFixture('src/triage.js');
      const { figures } = await waitForCostLens(editor.document.uri, line);
      assertLensPrices(figures, 'Haiku 4.5');
    } finally {
      await restore();
    }
  });

  it('batchlens.lens.enabled false hides the cost lenses', async () => {
    const editor = await openFixture('prompts/ticket_classifier.py');
    const uri = editor.document.uri;
    await waitForCostLens(uri, lineOf(editor.document, 'SYSTEM_PROMPT = """'));
    const restore = await withSetting('lens.enabled', false);
    try {
      await waitFor('the cost lenses to disappear', async () =>
        (await codeLensesOf(uri)).some((lens) => parseLensTitle(lens.command?.title ?? '')) ? undefined : true);
    } finally {
      await restore();
    }
    await waitForCostLens(uri, lineOf(editor.document, 'SYSTEM_PROMPT = """'));
  });

  it('batchlens.lens.includeTests shows the cost lens in test files, which get none by default', async () => {
    // Written for this test and removed after it, so the sample workspace stays as the other suites expect.
    const uri = fixtureUri('tests/test_review_prompt.py');
    const source = 'import anthropic\nREVIEW_SYSTEM_PROMPT = "You review pull requests and point out every bug you find, briefly."\n';
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(source));
    try {
      const editor = await openFixture('tests/test_review_prompt.py');
      // On, the lens appears; back to the default, it goes away again.
      const restore = await withSetting('lens.includeTests', true);
      try {
        await waitForCostLens(uri, lineOf(editor.document, 'REVIEW_SYSTEM_PROMPT ='));
      } finally {
        await restore();
      }
      await waitFor('the test file\'s cost lens to disappear again', async () =>
        (await codeLensesOf(uri)).some((lens) => parseLensTitle(lens.command?.title ?? '')) ? undefined : true);
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
      await vscode.workspace.fs.delete(vscode.Uri.joinPath(uri, '..'), { recursive: true });
    }
  });
});
