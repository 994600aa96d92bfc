import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { codeLensesOf, fixtureUri, parseLensTitle, waitFor, waitForCostLens, waitForDiagnostic, waitForNoDiagnostic } from './support';

/** The cell of `notebook` whose text contains `needle`. */
function cellWith(notebook: vscode.NotebookDocument, needle: string): vscode.NotebookCell {
  const cell = notebook.getCells().find((candidate) => candidate.document.getText().includes(needle));
  assert.ok(cell, `no cell of ${notebook.uri.path} contains "${needle}"`);
  return cell;
}

function lineIn(cell: vscode.NotebookCell, needle: string): number {
  return cell.document.positionAt(cell.document.getText().indexOf(needle)).line;
}

describe('notebook cells', () => {
  let notebook: vscode.NotebookDocument;

  before(async () => {
    notebook = await vscode.workspace.openNotebookDocument(fixtureUri('notebooks/policy_cache.ipynb'));
    await vscode.window.showNotebookDocument(notebook);
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('puts a cost lens on a prompt constant in a cell, priced for the model a constant of that cell names', async () => {
    const cell = cellWith(notebook, 'POLICY_PROMPT = """');
    assert.equal(cell.document.uri.scheme, 'vscode-notebook-cell');
    assert.equal(cell.document.languageId, 'python');
    // MODEL = "claude-sonnet-4-6" sits in the same cell; the call that sends the prompt is in cell 5.
    const { figures } = await waitForCostLens(cell.document.uri, lineIn(cell, 'POLICY_PROMPT = """'), 'Sonnet 4.6');
    assert.ok(figures.estimate && figures.tokens > 10, `${figures.tokens} tokens`);
    // Sonnet 4.6 input is $3 per million tokens; the batch price is half of it.
    assert.ok(Math.abs(figures.syncUsd - (figures.tokens * 3) / 1e6) <= 0.00005 + figures.syncUsd * 0.01);
    assert.ok(Math.abs(figures.batchUsd - figures.syncUsd / 2) <= 0.00005 + figures.syncUsd * 0.01);
  });

  it('flags dynamic content in the cached system block of a later cell, resolving the constant of an earlier cell', async () => {
    const cell = cellWith(notebook, 'def ask(question, today)');
    const [diagnostic] = await waitForDiagnostic(cell.document.uri, 'BL001');
    assert.equal(diagnostic.range.start.line, lineIn(cell, 'Today is {today}'));
    // The per-request evidence is the clock reading a later cell passes in: the notebook is one program.
    assert.match(diagnostic.message, /parameter `today`, which a caller passes `datetime\.now\(\)\.isoformat\(\)`/);
  });

  it('offers the BL001 quick fix inside the cell, and applying it clears the diagnostic', async () => {
    const cell = cellWith(notebook, 'def ask(question, today)');
    const [diagnostic] = await waitForDiagnostic(cell.document.uri, 'BL001');
    // Actions returned by the command do not carry their diagnostics: match quick fixes with an edit.
    const actions = await waitFor('a Batchlens quick fix in the cell', async () => {
      const found = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', cell.document.uri, diagnostic.range, vscode.CodeActionKind.QuickFix.value);
      const fixes = (found ?? []).filter((action) => action.edit && action.kind && vscode.CodeActionKind.QuickFix.contains(action.kind));
      return fixes.length > 0 ? fixes : undefined;
    });
    const edit = actions[0].edit;
    assert.ok(edit, 'the quick fix carries an edit');
    for (const [uri] of edit.entries()) assert.equal(uri.toString(), cell.document.uri.toString(), 'the fix edits the cell it was offered in');
    try {
      assert.ok(await vscode.workspace.applyEdit(edit), 'VS Code applied the edit');
      await waitForNoDiagnostic(cell.document.uri, 'BL001');
    } finally {
      await vscode.window.showNotebookDocument(notebook);
      await vscode.commands.executeCommand('workbench.action.files.revert');
    }
  });

  it('puts no cost lens on the markdown cells or the magic cell', async () => {
    const magic = cellWith(notebook, '%pip install');
    const lenses = (await codeLensesOf(magic.document.uri)).filter((lens) => parseLensTitle(lens.command?.title ?? ''));
    assert.deepEqual(lenses, []);
  });
});
