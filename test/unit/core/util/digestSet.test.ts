import * as assert from 'node:assert/strict';
import { DigestSet, digest128 } from '../../../../src/core/util/digestSet';

const digestOf = (text: string): string => {
  const out = new Uint32Array(4);
  digest128(text, out);
  return Array.from(out, (word) => word.toString(16)).join('.');
};

describe('digest128', () => {
  it('is the same for the same text and differs for texts a padded block would blur', () => {
    assert.equal(digestOf('pkg-01/src/a.ts'), digestOf('pkg-01/src/a.ts'));
    // A block is zero-padded: a trailing NUL, an empty string and a longer text must still differ (the length is mixed in).
    const texts = ['', '\u0000', 'a', 'a\u0000', 'ab', 'ba', 'abcdefgh', 'abcdefgh\u0000', 'é', 'e\u0301', '😀'];
    assert.equal(new Set(texts.map(digestOf)).size, texts.length);
  });

  it('gives 100,000 similar paths 100,000 different digests', () => {
    const digests = new Set<string>();
    for (let index = 0; index < 100_000; index++) digests.add(digestOf(`pkg-${index % 100}/src/mod-${index % 10}/file-${index}.ts`));
    assert.equal(digests.size, 100_000);
  });
});

describe('DigestSet', () => {
  it('holds what was added, with its value, through the table doubling many times', () => {
    const set = new DigestSet();
    const paths = Array.from({ length: 50_000 }, (_, index) => `src/dir-${index % 37}/file-${index}.ts`);
    paths.forEach((text, index) => assert.equal(set.add(text, index), true));
    assert.equal(set.size, paths.length);
    paths.forEach((text, index) => {
      assert.equal(set.has(text), true);
      assert.equal(set.get(text), index);
    });
    assert.equal(set.has('src/dir-0/file-50000.ts'), false);
    assert.equal(set.get('src/dir-0/file-50000.ts'), undefined);
  });

  it('refuses a string added twice and keeps its first value', () => {
    const set = new DigestSet();
    assert.equal(set.add('row_1', 7), true);
    assert.equal(set.add('row_1', 9), false);
    assert.equal(set.get('row_1'), 7);
    assert.equal(set.size, 1);
  });

  it('takes ASCII text from bytes as the same entry as the text itself', () => {
    const set = new DigestSet();
    const line = Buffer.from('["row-1_ab12","row-2_cd34"]');
    assert.equal(set.addAscii(line, 2, 12, 4), true);
    assert.equal(set.get('row-1_ab12'), 4);
    assert.equal(set.add('row-1_ab12'), false);
    assert.equal(set.add('row-2_cd34'), true);
    assert.equal(set.addAscii(line, 15, 25), false);
  });

  it('takes the empty string like any other', () => {
    const set = new DigestSet();
    assert.equal(set.has(''), false);
    assert.equal(set.add(''), true);
    assert.equal(set.has(''), true);
    assert.equal(set.add(''), false);
  });
});
