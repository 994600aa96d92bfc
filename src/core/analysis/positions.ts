import type { SourceRange } from './types';

/** Converts offsets to 0-based lines and columns (UTF-16 units, as VS Code counts them). */
export class LineIndex {
  private readonly lineStarts: number[] = [0];

  constructor(text: string) {
    for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) this.lineStarts.push(at + 1);
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
