import * as assert from 'node:assert/strict';
import { CUSTOM_ID_PATTERN, CustomIdAllocator, customIdForPath, newCustomIdTag } from '../../../../src/core/batch/customIds';

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
      const tagged = customIdForPath(relativePath, 0, 'ab12cd34');
      assert.match(tagged, CUSTOM_ID_PATTERN);
      assert.ok(tagged.endsWith('_ab12cd34'), tagged);
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
    const allocator = new CustomIdAllocator({ taken: [taken] });
    const id = allocator.allocate('b.txt');
    assert.notEqual(id, taken);
    assert.equal(id, customIdForPath('b.txt', 1));
    assert.equal(allocator.allocate('b.txt'), id);
  });

  it('carries the job\'s tag after the path and hash, so two jobs sending the same files never share an id', () => {
    const tag = newCustomIdTag();
    assert.match(tag, /^[0-9a-f]{8}$/);
    assert.match(customIdForPath('src/core/batch/collectFiles.ts', 0, tag), new RegExp(`^src-core-batch-collectFiles-ts_[0-9a-f]{12}_${tag}$`));
    const paths = ['src/a.ts', 'src/b.ts', `${'deep/'.repeat(30)}c.ts`];
    const mine = new CustomIdAllocator({ tag: 'aaaa1111' });
    const clone = new CustomIdAllocator({ tag: 'bbbb2222' });
    const mineIds = paths.map((p) => mine.allocate(p));
    const cloneIds = paths.map((p) => clone.allocate(p));
    for (const id of [...mineIds, ...cloneIds]) assert.match(id, CUSTOM_ID_PATTERN);
    assert.equal(mineIds.filter((id) => cloneIds.includes(id)).length, 0);
    assert.match(mineIds[2], /c-ts_[0-9a-f]{12}_aaaa1111$/);
  });

  it('refuses a tag that would blur the separators or break the API\'s pattern', () => {
    assert.throws(() => customIdForPath('a.txt', 0, 'has_underscore'), /tag/);
    assert.throws(() => customIdForPath('a.txt', 0, ''), /tag/);
    assert.throws(() => customIdForPath('a.txt', 0, 'x'.repeat(17)), /tag/);
  });

  it('keeps ids without a tag for jobs from before tags (the same ids as then)', () => {
    assert.match(customIdForPath('src/index.ts'), /^src-index-ts_[0-9a-f]{12}$/);
    assert.equal(new CustomIdAllocator().allocate('src/index.ts'), customIdForPath('src/index.ts'));
  });
});
