import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const CORE = path.resolve(__dirname, '../../../../src/core');

/** Every module specifier a file names: static and type imports, re-exports, `import()` and `require()`. */
function specifiersOf(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(/\bfrom\s+['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)|\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]/gm)) {
    found.push(match[1] ?? match[2] ?? match[3] ?? match[4]!);
  }
  return found;
}

/** `folder`'s files (recursively) and the core folders they import, as `file -> folder` lines. */
function coreImports(folder: string): Array<{ file: string; target: string }> {
  const edges: Array<{ file: string; target: string }> = [];
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(full);
      else if (entry.name.endsWith('.ts')) {
        for (const specifier of specifiersOf(readFileSync(full, 'utf8'))) {
          if (!specifier.startsWith('.')) continue;
          const resolved = path.relative(CORE, path.resolve(path.dirname(full), specifier));
          if (resolved.startsWith('..')) continue;
          edges.push({ file: path.relative(CORE, full), target: resolved.split(path.sep)[0]! });
        }
      }
    }
  };
  visit(path.join(CORE, folder));
  return edges;
}

describe('core layering: batch and tracking share the job model through core/jobs', () => {
  it('finds the imports it checks (the scan is not blind)', () => {
    // submitJob builds on the shared protocol; the retry planner sends through it too.
    assert.ok(coreImports('batch').some((edge) => edge.file === path.join('batch', 'submitJob.ts') && edge.target === 'jobs'));
    assert.ok(coreImports('tracking').some((edge) => edge.file === path.join('tracking', 'retryPlanner.ts') && edge.target === 'jobs'));
    assert.deepEqual(specifiersOf("import type { A } from '../tracking/a';\nexport { b } from \"../batch/b\";\nconst c = import('../tracking/c');"), ['../tracking/a', '../batch/b', '../tracking/c']);
  });

  it('core/batch imports nothing from core/tracking', () => {
    assert.deepEqual(coreImports('batch').filter((edge) => edge.target === 'tracking'), []);
  });

  it('core/tracking imports nothing from core/batch', () => {
    assert.deepEqual(coreImports('tracking').filter((edge) => edge.target === 'batch'), []);
  });

  it('core/jobs imports neither', () => {
    assert.deepEqual(coreImports('jobs').filter((edge) => edge.target === 'batch' || edge.target === 'tracking'), []);
  });
});
