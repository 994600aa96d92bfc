import * as assert from 'node:assert/strict';
import { addBpeCounts, asciiPieces, countBpe, emptyBpeCounts } from '../../../../src/core/tokens/bpeCounter';
import { bpeVocabulary } from '../../../../src/core/tokens/bpeVocabulary';
import { heapKept } from '../../support/heap';

/** Texts from a small alphabet that reaches every alternative of the pattern: contractions, runs, whitespace before words and at the end. */
function fuzzTexts(count: number): string[] {
  const alphabet = ["'", 's', 't', 'r', 'e', 'v', 'l', 'd', 'm', 'a', 'Z', '0', '9', ' ', ' ', ' ', '\n', '\t', '\r', '\v', '\f', '(', ')', '{', '.', ',', '"', '_'];
  let seed = 7;
  const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
  return Array.from({ length: count }, () => Array.from({ length: 1 + Math.floor(next() * 30) }, () => alphabet[Math.floor(next() * alphabet.length)]).join(''));
}

describe('BPE counter: the fast paths cut text exactly as the vocabulary pattern does', () => {
  it('the ASCII scanner yields the pattern\'s pieces', () => {
    const pattern = bpeVocabulary().pieces;
    for (const text of [...fuzzTexts(5_000), "don't  stop\n  }\n\n\tx = 'll';  ", 'a  \nx', 'end \n', '\r\n\r\nz']) {
      assert.deepEqual(asciiPieces(text), text.match(new RegExp(pattern.source, pattern.flags)) ?? [], JSON.stringify(text));
    }
  });

  it('counting line by line (and from the line cache) gives the counts of the whole text', () => {
    const lines = ['export function f(x: number) {', '  return x + 1;', '}', '', '  // it\'s done  ', '\tconst s = "a\'re";', 'x  '];
    const text = Array.from({ length: 40 }, (_, index) => lines[index % lines.length]).join('\n');
    const byPieces = emptyBpeCounts();
    for (const piece of asciiPieces(text)) addBpeCounts(byPieces, countBpe(piece));
    assert.deepEqual(countBpe(text), byPieces, 'the sum of the pieces counted alone');
  });
});

describe('BPE counter: memory', () => {
  it('does not keep the texts its cached lines and words were cut from', () => {
    countBpe('warm up\n}\n');
    const before = heapKept();
    const texts = 400;
    for (let index = 0; index < texts; index++) {
      // A flat string of ~100 KB whose last line is its own (its count is cached), and so is one long
      // word in it (a piece of 13 to 32 letters, whose count is cached too).
      const word = `identifier${[...index.toString(26)].map((digit) => String.fromCharCode(97 + parseInt(digit, 26))).join('')}`;
      const text = Buffer.from(`${'word '.repeat(20_000)}end\nunique line ${index} of ${word};\n`, 'latin1').toString('latin1');
      assert.ok(countBpe(text).letterTokens > 20_000);
    }
    const grown = heapKept() - before;
    // Keeping each text through its cached line or word would hold ~40 MB; those are ~20 KB.
    assert.ok(grown < 8_000_000, `the heap grew ${(grown / 1e6).toFixed(1)} MB after counting ${texts} texts of 100 KB`);
  });
});
