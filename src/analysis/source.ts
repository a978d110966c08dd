/**
 * A source file as the analysis sees it: its path, its text, and a line index that turns
 * string offsets into 1-based lines and columns.
 */

/** A position in a file. `line` and `column` are 1-based; `offset` is a 0-based string index. */
export interface Position {
  line: number;
  column: number;
  offset: number;
}

/** A half-open range `[start, end)` of a file. */
export interface Range {
  start: Position;
  end: Position;
}

export class SourceFile {
  readonly path: string;
  readonly text: string;
  private readonly lineStarts: Int32Array;

  constructor(path: string, text: string) {
    this.path = path;
    this.text = text;
    this.lineStarts = computeLineStarts(text);
  }

  /** Number of lines; a trailing newline does not start a new line. */
  get lineCount(): number {
    const n = this.lineStarts.length;
    return n > 1 && this.lineStarts[n - 1] === this.text.length ? n - 1 : n;
  }

  /** Position of a 0-based string offset. */
  position(offset: number): Position {
    const starts = this.lineStarts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo]! + 1, offset };
  }

  range(startOffset: number, endOffset: number): Range {
    return { start: this.position(startOffset), end: this.position(endOffset) };
  }

  /** Offset where 1-based `line` starts. */
  lineStart(line: number): number {
    return this.lineStarts[Math.max(0, Math.min(line - 1, this.lineStarts.length - 1))]!;
  }

  /** The text of 1-based `line` without its line ending. */
  lineText(line: number): string {
    if (line < 1 || line > this.lineStarts.length) return '';
    const s = this.lineStarts[line - 1]!;
    let e = line < this.lineStarts.length ? this.lineStarts[line]! - 1 : this.text.length;
    if (e > s && this.text.charCodeAt(e - 1) === 13) e--;
    return this.text.slice(s, Math.max(s, e));
  }
}

function computeLineStarts(text: string): Int32Array {
  let count = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) count++;
  const starts = new Int32Array(count);
  let k = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts[k++] = i + 1;
  return starts;
}
