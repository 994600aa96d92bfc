import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Node } from '@vscode/tree-sitter-wasm';
import { type StatementFacts, shiftFactsInterior, shiftFactsSurface } from '../../../../src/core/analysis/ir';
import { lowerJsStatement } from '../../../../src/core/analysis/lowerJs';
import { lowerPythonStatement } from '../../../../src/core/analysis/lowerPython';
import { type LoadedRuntime, defaultWasmDir, loadRuntime } from '../../../../src/core/analysis/runtime';
import type { SourceLanguage } from '../../../../src/core/analysis/types';
import { FIXTURES, languageOf } from './support';

/** Every fixture of the analysis suite, all languages (the corpus holds the most varied code). */
function fixtureFiles(dir = FIXTURES): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return fixtureFiles(full);
    return /\.(py|[cm]?[jt]sx?)$/.test(entry.name) ? [full] : [];
  });
}

function lowerAll(runtime: LoadedRuntime, text: string, language: SourceLanguage): StatementFacts[] {
  const parser = new runtime.ts.Parser();
  parser.setLanguage(runtime.languages.get(language) ?? null);
  const tree = parser.parse(text);
  try {
    const lower = language === 'python' ? lowerPythonStatement : lowerJsStatement;
    return (tree?.rootNode.children ?? []).filter((node): node is Node => node !== null).map((node) => lower(node, text));
  } finally {
    tree?.delete();
    parser.delete();
  }
}

describe('shifting statement facts (ir.ts)', function () {
  this.timeout(60_000);
  let runtime: LoadedRuntime;

  before(async () => {
    runtime = await loadRuntime(defaultWasmDir());
  });

  it('moves every offset of every fixture: shifted facts equal the facts of the text moved down by blank lines', () => {
    const files = fixtureFiles();
    assert.ok(files.length >= 20, `fixtures found: ${files.length}`);
    let statements = 0;
    for (const file of files) {
      const text = fs.readFileSync(file, 'utf8');
      const language = languageOf(file);
      const delta = 7;
      const shifted = lowerAll(runtime, text, language);
      // What an edit above a statement does to it: its surface, then everything inside.
      for (const facts of shifted) {
        shiftFactsSurface(facts, delta);
        shiftFactsInterior(facts, delta);
      }
      const moved = lowerAll(runtime, '\n'.repeat(delta) + text, language);
      assert.deepEqual(shifted, moved, path.relative(FIXTURES, file));
      statements += moved.length;
    }
    assert.ok(statements > 100, `statements compared: ${statements}`);
  });

  it('is not vacuous: facts left unshifted differ from the moved text', () => {
    const file = fixtureFiles().find((candidate) => candidate.endsWith('.py')) as string;
    const text = fs.readFileSync(file, 'utf8');
    assert.notDeepEqual(lowerAll(runtime, text, 'python'), lowerAll(runtime, `\n${text}`, 'python'));
  });
});
