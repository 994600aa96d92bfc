import * as assert from 'node:assert/strict';
import { emptyList, isEmptyList } from '../../../../src/core/util/emptyList';

describe('emptyList', () => {
  it('is one shared list that refuses additions, so no holder can add to every other holder', () => {
    const a = emptyList<number>();
    const b = emptyList<string>();
    assert.equal(a as unknown, b as unknown);
    assert.equal(a.length, 0);
    assert.throws(() => a.push(1), TypeError);
    assert.equal(b.length, 0);
  });

  it('tells the shared list from any other empty list', () => {
    assert.equal(isEmptyList(emptyList()), true);
    assert.equal(isEmptyList([]), false);
  });
});
