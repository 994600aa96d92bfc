import type { SourceRange } from './types';

/** Converts offsets to 0-based lines and columns (UTF-16 units, as VS Code counts them). */
export class LineIndex {
  private lineStarts: number[] = [0];
  /**
   * A shift not yet added to the line starts from index `shiftFrom` on. Typing at one place moves
   * every later line start; keeping that shift pending makes a keystroke cost the lines between
   * it and the previous one, not the lines after it.
   */
  private shiftFrom = 0;
  private shiftBy = 0;

  constructor(text: string) {
    for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) this.lineStarts.push(at + 1);
  }

  /** Updates the index for `[start, oldEnd)` replaced by `newText`, in time proportional to the lines it replaces and the distance from the previous change. */
  applyChange(start: number, oldEnd: number, newText: string): void {
    const delta = newText.length - (oldEnd - start);
    // A line start s follows a break at s - 1; the replaced breaks are those with start < s <= oldEnd.
    const first = this.firstAfter(start);
    const last = this.firstAfter(oldEnd);
    const added: number[] = [];
    for (let at = newText.indexOf('\n'); at !== -1; at = newText.indexOf('\n', at + 1)) added.push(start + at + 1);
    const starts = this.lineStarts;
    // Move the pending shift's start to `first`: starts before it become exact, those from it on pend.
    if (this.shiftBy !== 0) {
      for (let index = this.shiftFrom; index < first; index++) starts[index] += this.shiftBy;
      for (let index = first; index < this.shiftFrom && index < starts.length; index++) starts[index] -= this.shiftBy;
    }
    // The new line starts are exact; the ones after them take this change's shift on top.
    if (added.length === last - first) {
      for (let index = 0; index < added.length; index++) starts[first + index] = added[index];
    } else starts.splice(first, last - first, ...added);
    this.shiftFrom = first + added.length;
    this.shiftBy += delta;
  }

  /** The line start at `index`, with the pending shift. */
  private startOf(index: number): number {
    return index >= this.shiftFrom ? this.lineStarts[index] + this.shiftBy : this.lineStarts[index];
  }

  /** Index of the first line start greater than `offset`. */
  private firstAfter(offset: number): number {
    let low = 0;
    let high = this.lineStarts.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (this.startOf(middle) <= offset) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  position(offset: number): { line: number; column: number } {
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.startOf(middle) <= offset) low = middle;
      else high = middle - 1;
    }
    return { line: low, column: offset - this.startOf(low) };
  }

  range(start: number, end: number): SourceRange {
    const from = this.position(start);
    const to = this.position(end);
    return { start, end, startLine: from.line, startColumn: from.column, endLine: to.line, endColumn: to.column };
  }
}
