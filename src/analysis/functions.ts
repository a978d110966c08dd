/**
 * Function segmentation: finds every function definition of a file from its tokens alone,
 * before any parsing. This is what lets widen parse only the functions a patch touches (or,
 * in `scan`, only the functions that mention an API some rule cares about), and what keeps a
 * parse error in one function from spilling into the next.
 */
import { Tok, type TokenStream } from './lexer.js';
import type { SourceFile } from './source.js';

export interface FunctionSpan {
  /** The function's name (for `SYSCALL_DEFINEn(name, ...)`, `name`). */
  name: string;
  /** Name plus `#k` when the same name is defined k times in the file (`#ifdef` alternatives). */
  key: string;
  /** Offset of the first token of the definition (return type, `static`, ...). */
  start: number;
  /** Offset of the `{` that opens the body. */
  bodyStart: number;
  /** Offset just past the closing `}`. */
  end: number;
  /** 1-based line of `start`. */
  startLine: number;
  /** 1-based line of the closing `}`. */
  endLine: number;
  /** Token index range `[firstToken, lastToken]` in the normalised token stream. */
  firstToken: number;
  lastToken: number;
  /** Declared `static`: callable by name only from its own file (or, in a header, its includers). */
  isStatic: boolean;
}

function punct(ts: TokenStream, t: number): number {
  return ts.kind[t] === Tok.Punct && ts.end[t]! - ts.start[t]! === 1 ? ts.text.charCodeAt(ts.start[t]!) : 0;
}

const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_PAREN = 40;
const CLOSE_PAREN = 41;
const SEMI = 59;

/** All function definitions in `file`, in order, from the normalised token stream. */
export function findFunctions(ts: TokenStream, file: SourceFile): FunctionSpan[] {
  const spans: FunctionSpan[] = [];
  const seen = new Map<string, number>();
  let itemStart = -1;
  let prevCode = -1;
  let t = 0;
  while (t < ts.count) {
    const k = ts.kind[t];
    if (k === Tok.Comment) {
      t++;
      continue;
    }
    if (k === Tok.Directive) {
      itemStart = -1;
      prevCode = -1;
      t++;
      continue;
    }
    if (itemStart < 0) itemStart = t;
    const c = punct(ts, t);
    if (c === SEMI) {
      itemStart = -1;
      prevCode = -1;
      t++;
      continue;
    }
    if (c === OPEN_BRACE) {
      const close = matchBrace(ts, t);
      const isFunction = prevCode >= 0 && punct(ts, prevCode) === CLOSE_PAREN;
      if (isFunction) {
        const name = functionName(ts, itemStart, t);
        const n = (seen.get(name) ?? 0) + 1;
        seen.set(name, n);
        const endTok = close < 0 ? ts.count - 1 : close;
        const start = ts.start[itemStart]!;
        const end = ts.end[endTok]!;
        spans.push({
          name,
          key: n === 1 ? name : `${name}#${n}`,
          start,
          bodyStart: ts.start[t]!,
          end,
          startLine: file.position(start).line,
          endLine: file.position(Math.max(start, end - 1)).line,
          firstToken: itemStart,
          lastToken: endTok,
          isStatic: hasWord(ts, itemStart, t, 'static'),
        });
        itemStart = -1;
        prevCode = -1;
        t = endTok + 1;
        continue;
      }
      // A struct, union, enum or initialiser body: the item goes on until its `;`.
      prevCode = close < 0 ? ts.count - 1 : close;
      t = prevCode + 1;
      continue;
    }
    prevCode = t;
    t++;
  }
  return spans;
}

function hasWord(ts: TokenStream, from: number, to: number, word: string): boolean {
  for (let t = from; t < to; t++) {
    if (ts.kind[t] === Tok.Ident && ts.end[t]! - ts.start[t]! === word.length && ts.text.startsWith(word, ts.start[t]!)) return true;
  }
  return false;
}

/** Index of the `}` matching the `{` at `open`, or -1 when the file ends first. */
function matchBrace(ts: TokenStream, open: number): number {
  let depth = 0;
  for (let t = open; t < ts.count; t++) {
    const c = punct(ts, t);
    if (c === OPEN_BRACE) depth++;
    else if (c === CLOSE_BRACE) {
      depth--;
      if (depth === 0) return t;
    }
  }
  return -1;
}

/** The identifier before the first top-level `(` of the declarator, skipping `__attribute__((...))`. */
function functionName(ts: TokenStream, from: number, body: number): string {
  let depth = 0;
  for (let t = from; t < body; t++) {
    const c = punct(ts, t);
    if (c === OPEN_PAREN) {
      if (depth === 0) {
        let p = t - 1;
        while (p >= from && ts.kind[p] === Tok.Comment) p--;
        if (p >= from && ts.kind[p] === Tok.Ident) {
          const name = ts.text.slice(ts.start[p]!, ts.end[p]!);
          if (name !== '__attribute__' && name !== '__attribute') return name;
        }
      }
      depth++;
    } else if (c === CLOSE_PAREN) {
      depth--;
    }
  }
  return '<anonymous>';
}

/** The function whose span contains 1-based `line`, by binary search over sorted spans. */
export function functionAtLine(spans: readonly FunctionSpan[], line: number): FunctionSpan | undefined {
  let lo = 0;
  let hi = spans.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = spans[mid]!;
    if (line < s.startLine) hi = mid - 1;
    else if (line > s.endLine) lo = mid + 1;
    else return s;
  }
  return undefined;
}
