import { strict as assert } from 'node:assert';
import { LineIndex } from '../../../../src/core/analysis/positions';

function everyPosition(index: LineIndex, text: string): { line: number; column: number }[] {
  const out: { line: number; column: number }[] = [];
  for (let offset = 0; offset <= text.length; offset++) out.push(index.position(offset));
  return out;
}

describe('LineIndex', () => {
  it('gives 0-based lines and UTF-16 columns', () => {
    const index = new LineIndex('é😀\nb\n');
    assert.deepEqual(index.position(3), { line: 0, column: 3 });
    assert.deepEqual(index.position(4), { line: 1, column: 0 });
    assert.deepEqual(index.range(4, 5), { start: 4, end: 5, startLine: 1, startColumn: 0, endLine: 1, endColumn: 1 });
  });

  it('after applyChange, answers like an index built from the edited text', () => {
    let text = 'one\ntwo\n\nthree\nfour';
    const index = new LineIndex(text);
    const changes: [number, number, string][] = [
      [0, 0, 'zero\n'],
      [4, 9, ''],
      [3, 3, '\n\n'],
      [text.length - 2, text.length - 2, 'x\ny'],
      [2, 12, 'é😀'],
      [0, 0, ''],
      [5, 6, '\n'],
    ];
    for (const [start, oldEnd, newText] of changes) {
      const end = Math.min(oldEnd, text.length);
      const from = Math.min(start, end);
      index.applyChange(from, end, newText);
      text = text.slice(0, from) + newText + text.slice(end);
      assert.deepEqual(everyPosition(index, text), everyPosition(new LineIndex(text), text), `after replacing [${from}, ${end}) by ${JSON.stringify(newText)}`);
    }
  });

  it('answers like a fresh index after 300 random changes here and there (a shift left pending between them)', () => {
    let state = 7;
    const random = (): number => {
      state = (state * 1103515245 + 12345) % 2147483648;
      return state / 2147483648;
    };
    let text = Array.from({ length: 120 }, (_, line) => `line ${line} ${'x'.repeat(line % 7)}`).join('\n');
    const index = new LineIndex(text);
    const pieces = ['', 'a', 'bc', '\n', 'd\ne', '\n\n', 'é😀'];
    for (let step = 0; step < 300; step++) {
      // Often near the previous change (typing), sometimes far from it.
      const start = Math.floor(random() * text.length);
      const oldEnd = Math.min(text.length, start + Math.floor(random() * 6));
      const newText = pieces[Math.floor(random() * pieces.length)];
      index.applyChange(start, oldEnd, newText);
      text = text.slice(0, start) + newText + text.slice(oldEnd);
      assert.deepEqual(everyPosition(index, text), everyPosition(new LineIndex(text), text), `after step ${step}: replacing [${start}, ${oldEnd}) by ${JSON.stringify(newText)}`);
    }
  });
});
