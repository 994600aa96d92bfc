import type { SourceRange } from './types';

/** Converts offsets to 0-based lines and columns (UTF-16 units, as VS Code counts them). */
export class LineIndex {
  private lineStarts: number[] = [0];

  constructor(text: string) {
    for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) this.lineStarts.push(at + 1);
  }

  /**
   * Updates the index for `[start, oldEnd)` replaced by `newText`, in time proportional to the
   * lines after the change (a shift per line start), without scanning the rest of the text.
   */
  applyChange(start: number, oldEnd: number, newText: string): void {
    const delta = newText.length - (oldEnd - start);
    // A line start s follows a break at s - 1; the replaced breaks are those with start < s <= oldEnd.
    const first = this.firstAfter(start);
    const last = this.firstAfter(oldEnd);
    const added: number[] = [];
    for (let at = newText.indexOf('\n'); at !== -1; at = newText.indexOf('\n', at + 1)) added.push(start + at + 1);
    const starts = this.lineStarts;
    // Usually the change adds and removes no line: shift in place rather than copying the array.
    if (added.length === last - first) {
      for (let index = 0; index < added.length; index++) starts[first + index] = added[index];
    } else starts.splice(first, last - first, ...added);
    if (delta !== 0) for (let index = first + added.length; index < starts.length; index++) starts[index] += delta;
  }

  /** Index of the first line start greater than `offset`. */
  private firstAfter(offset: number): number {
    let low = 0;
    let high = this.lineStarts.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (this.lineStarts[middle] <= offset) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  position(offset: number): { line: number; column: number } {
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.lineStarts[middle] <= offset) low = middle;
      else high = middle - 1;
    }
    return { line: low, column: offset - this.lineStarts[low] };
  }

  range(start: number, end: number): SourceRange {
    const from = this.position(start);
    const to = this.position(end);
    return { start, end, startLine: from.line, startColumn: from.column, endLine: to.line, endColumn: to.column };
  }
}
