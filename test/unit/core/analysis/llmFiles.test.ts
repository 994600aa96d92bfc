import * as assert from 'node:assert/strict';
import { ModelImporters, importedNames, moduleNameOf } from '../../../../src/core/analysis/llmFiles';
import { heapKept } from '../../support/heap';

/** A module name of letters only, different for each index. */
function moduleName(index: number): string {
  return `prompt_library_${[...index.toString(26)].map((digit) => String.fromCharCode(97 + parseInt(digit, 26))).join('')}`;
}

describe('model importers: what they keep', () => {
  it('keeps the names a file imports, not the file', () => {
    const before = heapKept();
    const importers = new ModelImporters();
    const texts = 300;
    for (let index = 0; index < texts; index++) {
      // A flat text of ~100 KB, as read from a file, that talks to a model and imports its prompts module.
      const text = Buffer.from(`import anthropic\nfrom app.${moduleName(index)} import SYSTEM\n${'# notes\n'.repeat(12_500)}`, 'latin1').toString('latin1');
      assert.ok(importedNames(text).has(moduleName(index)));
      importers.add(text);
    }
    const grown = heapKept() - before;
    assert.ok(importers.has(`/repo/app/${moduleName(7)}.py`) && moduleNameOf(`/repo/app/${moduleName(7)}.py`) === moduleName(7));
    // Each name kept as a cut of its text would keep ~30 MB of texts alive.
    assert.ok(grown < 3_000_000, `the heap grew ${(grown / 1e6).toFixed(1)} MB for ${texts} names`);
  });
});
