import * as assert from 'node:assert/strict';
import { CUSTOM_ID_PATTERN, CustomIdAllocator, customIdForPath } from '../../../src/core/batch/customIds';

describe('custom ids', () => {
  const odd = [
    'src/index.ts',
    'weird name (copy) #2!.md',
    'docs/résumé/über.txt',
    '日本語/ファイル.md',
    '🚀.txt',
    `${'very-long-folder-name/'.repeat(20)}final-file.ts`,
    '---.md',
    'a'.repeat(300),
  ];
  for (const relativePath of odd) {
    it(`gives a valid, stable id for ${JSON.stringify(relativePath.slice(0, 40))}`, () => {
      const id = customIdForPath(relativePath);
      assert.match(id, CUSTOM_ID_PATTERN);
      assert.equal(customIdForPath(relativePath), id);
    });
  }

  it('keeps the readable tail of the path', () => {
    assert.match(customIdForPath('src/core/batch/collectFiles.ts'), /^src-core-batch-collectFiles-ts_[0-9a-f]{12}$/);
    assert.match(customIdForPath(`${'x/'.repeat(100)}the-file.ts`), /the-file-ts_[0-9a-f]{12}$/);
    assert.match(customIdForPath('docs/résumé.md'), /^docs-resume-md_/);
  });

  it('tells apart paths whose slugs are equal', () => {
    assert.notEqual(customIdForPath('a b.txt'), customIdForPath('a-b.txt'));
    assert.notEqual(customIdForPath('日本.md'), customIdForPath('中国.md'));
  });

  it('gives unique ids to 20,000 paths, and the same ids for the same paths in the same order', () => {
    const paths = Array.from({ length: 20_000 }, (_, index) => `dir${index % 7}/file ${index}.txt`);
    const first = new CustomIdAllocator();
    const ids = paths.map((p) => first.allocate(p));
    assert.equal(new Set(ids).size, paths.length);
    const second = new CustomIdAllocator();
    assert.deepEqual(paths.map((p) => second.allocate(p)), ids);
  });

  it('moves a path whose id is already taken to a salted id, and returns the same id for the same path', () => {
    const taken = customIdForPath('b.txt');
    const allocator = new CustomIdAllocator([taken]);
    const id = allocator.allocate('b.txt');
    assert.notEqual(id, taken);
    assert.equal(id, customIdForPath('b.txt', 1));
    assert.equal(allocator.allocate('b.txt'), id);
  });
});
