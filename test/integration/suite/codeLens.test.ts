import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { assertLensPrices, codeLensesOf, fixtureUri, lineOf, openFixture, parseLensTitle, waitForCostLens } from './support';

/** English prompt text runs at roughly 3-5 characters per token; anything far outside is a broken count. */
function assertPlausibleTokenCount(tokens: number, promptChars: number): void {
  const charsPerToken = promptChars / tokens;
  assert.ok(charsPerToken > 2 && charsPerToken < 7, `${tokens} tokens for ${promptChars} characters is not a plausible estimate`);
}

/** The text between `opening` and the next `closing` (a string constant's body). */
function constantBody(document: vscode.TextDocument, opening: string, closing: string): string {
  const text = document.getText();
  const start = text.indexOf(opening) + opening.length;
  return text.slice(start, text.indexOf(closing, start));
}

describe('prompt cost lens', () => {
  it('prices the Python SYSTEM_PROMPT for the model its call names (Sonnet 4.6)', async () => {
    const editor = await openFixture('prompts/ticket_classifier.py');
    const line = lineOf(editor.document, 'SYSTEM_PROMPT = """');
    const { title, figures } = await waitForCostLens(editor.document.uri, line);
    assert.match(title, /^≈[\d,]+ tokens · /, 'an estimate is marked with ≈');
    assert.ok(figures.estimate);
    assertLensPrices(figures, 'Sonnet 4.6');
    assertPlausibleTokenCount(figures.tokens, constantBody(editor.document, 'SYSTEM_PROMPT = """', '"""').length);
  });

  it('prices the TypeScript constant with the default model when the call takes the model as a parameter', async () => {
    const editor = await openFixture('src/summarizeDocs.ts');
    const line = lineOf(editor.document, 'export const SUMMARY_SYSTEM_PROMPT');
    const { figures } = await waitForCostLens(editor.document.uri, line);
    assertLensPrices(figures, 'Sonnet 4.6');
    assertPlausibleTokenCount(figures.tokens, constantBody(editor.document, 'SUMMARY_SYSTEM_PROMPT = `', '`').length);
  });

  it('prices the JavaScript constant for the literal model of its call (Haiku 4.5)', async () => {
    const editor = await openFixture('src/triage.js');
    const line = lineOf(editor.document, 'const TRIAGE_SYSTEM_PROMPT');
    const { figures } = await waitForCostLens(editor.document.uri, line);
    assertLensPrices(figures, 'Haiku 4.5');
  });

  it('puts no cost lens on code that is not a prompt', async () => {
    const uri = fixtureUri('prompts/ticket_classifier.py');
    const editor = await openFixture('prompts/ticket_classifier.py');
    const categoriesLine = lineOf(editor.document, 'CATEGORIES = [');
    await waitForCostLens(uri, lineOf(editor.document, 'SYSTEM_PROMPT = """'));
    const onCategories = (await codeLensesOf(uri)).filter((lens) => lens.range.start.line === categoriesLine && parseLensTitle(lens.command?.title ?? ''));
    assert.deepEqual(onCategories, []);
  });

  it('links the lens to the per-model price table (batchlens.showPromptPrices)', async () => {
    const editor = await openFixture('prompts/ticket_classifier.py');
    const line = lineOf(editor.document, 'SYSTEM_PROMPT = """');
    await waitForCostLens(editor.document.uri, line);
    const lens = (await codeLensesOf(editor.document.uri)).find((l) => l.range.start.line === line && parseLensTitle(l.command?.title ?? ''));
    assert.ok(lens?.command, 'the cost lens carries a command');
    assert.equal(lens.command.command, 'batchlens.showPromptPrices');
  });
});
