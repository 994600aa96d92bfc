import * as assert from 'node:assert/strict';
import { detached } from '../../../../src/core/util/detached';
import { heapKept } from '../../support/heap';

/** A flat string of ~100 KB (as read from a file), different each time. */
function bigText(index: number): string {
  return Buffer.from(`${'x'.repeat(100_000)} line ${index} with a name long enough to be a view\n`, 'latin1').toString('latin1');
}

describe('detached', () => {
  it('gives the same characters, short and long, ASCII or not', () => {
    for (const text of ['', 'a', 'twelve chars', 'thirteen char', 'ünïcödé names past thirteen', '\u{1F600} an emoji and more text']) {
      assert.equal(detached(text), text);
    }
  });

  it('keeps none of the text a string was cut from, where the cut itself keeps all of it', () => {
    const keep = (cut: (text: string) => string): number => {
      const before = heapKept();
      const kept: string[] = [];
      for (let index = 0; index < 300; index++) {
        const text = bigText(index);
        kept.push(cut(text.slice(100_000, 100_050)));
      }
      const grown = heapKept() - before;
      assert.equal(kept.length, 300);
      return grown;
    };
    const byCut = keep((part) => part);
    const byCopy = keep(detached);
    // The plain cut is the baseline of this very run: it keeps ~30 MB of texts alive.
    assert.ok(byCut > 20_000_000, `the plain cuts kept only ${(byCut / 1e6).toFixed(1)} MB`);
    assert.ok(byCopy < 2_000_000, `the copies kept ${(byCopy / 1e6).toFixed(1)} MB`);
  });
});
