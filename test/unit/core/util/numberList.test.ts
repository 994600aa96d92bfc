import * as assert from 'node:assert/strict';
import { NumberList } from '../../../../src/core/util/numberList';

describe('NumberList', () => {
  it('keeps every number pushed, in order, past several regrowths', () => {
    const list = new NumberList();
    for (let index = 0; index < 5_000; index++) list.push(index * 1.5);
    assert.equal(list.length, 5_000);
    const values = list.values();
    assert.equal(values.length, 5_000);
    assert.equal(values[0], 0);
    assert.equal(values[4_999], 4_999 * 1.5);
    assert.equal(values.reduce((sum, value) => sum + value, 0), (1.5 * 4_999 * 5_000) / 2);
  });

  it('gives an empty view before anything is pushed', () => {
    assert.equal(new NumberList().values().length, 0);
  });
});
