/**
 * Function segmentation: finds every function definition of a file from its tokens alone,
 * before any parsing. This is what lets widen parse only the functions a patch touches (or,
 * in `scan`, only the functions that mention an API some rule cares about), and what keeps a
 * parse error in one function from spilling into the next.
 */
import { atLineStart, Tok, type TokenStream } from './lexer.js';
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

/**
 * Top-level code that cannot be cut into functions, so that whatever it holds is not analysed:
 * - `stray-close`: a `}` that closes nothing (one `}` too many in the function before it, or
 *   a macro such as `#define BEGIN {` that hides the opening brace);
 * - `unclosed`: a `{` that the file never closes;
 * - `unbalanced`: a function body opened in column 0 whose brace count runs into the next
 *   definition (a `{` lost or one `}` missing); it is cut at its last `}` in column 0 before that
 *   definition, and the functions after it are found as usual;
 * - `headless-block`: a `{ ... }` with no function header before it (a K&R definition, whose
 *   parameter declarations end in `;`, or a header hidden in a macro);
 * - `stray-statement`: a statement keyword (`if`, `return`, ...) outside any function and any
 *   parentheses, where C allows none: a body whose braces are hidden in macros or written as
 *   digraphs the lexer does not know.
 *
 * `regionStart`..`regionEnd` (offsets) is the code the problem hides: from the end of the last
 * function found before it to the stray `}` (or, for a statement, to the next function or the
 * end of the file), from the unclosed `{` to the end of the file, or the headless block.
 */
export interface ShapeProblem {
  kind: 'stray-close' | 'unclosed' | 'unbalanced' | 'headless-block' | 'stray-statement';
  /** Offset of the brace or keyword the problem is about. */
  at: number;
  regionStart: number;
  regionEnd: number;
}

/**
 * All function definitions in `file`, in order, from the normalised token stream. Code that
 * cannot be cut into functions is recorded in `problems` when it is given.
 */
export function findFunctions(ts: TokenStream, file: SourceFile, problems?: ShapeProblem[]): FunctionSpan[] {
  const spans: FunctionSpan[] = [];
  // Where the code after the last function (or the last problem) begins.
  let afterLast = 0;
  // Parentheses open at top level (a macro invocation's arguments may hold statements).
  let parens = 0;
  // A `stray-statement` of the current gap between functions, its region not yet ended.
  let statement: ShapeProblem | null = null;
  const endGap = (at: number): void => {
    if (statement) statement.regionEnd = at;
    statement = null;
  };
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
      // A directive between a header and its body (`f(...)\n#define FLAG BIT(0)\n{`, or an
      // initialiser's `= #define X ... {`) leaves the item whole; any other ends it.
      if (prevCode < 0 || punct(ts, nextCode(ts, t)) !== OPEN_BRACE) {
        itemStart = -1;
        prevCode = -1;
      }
      t++;
      continue;
    }
    if (itemStart < 0) itemStart = t;
    const c = punct(ts, t);
    if (c === OPEN_PAREN) parens++;
    else if (c === CLOSE_PAREN) parens = Math.max(0, parens - 1);
    else if (k === Tok.Ident && parens === 0 && !statement && problems && isStatementKeyword(ts, t) && !isMember(ts, t)) {
      statement = { kind: 'stray-statement', at: ts.start[t]!, regionStart: afterLast, regionEnd: ts.text.length };
      problems.push(statement);
    }
    if (c === SEMI) {
      itemStart = -1;
      prevCode = -1;
      t++;
      continue;
    }
    if (c === CLOSE_BRACE) {
      // The `}` explains the statements before it better than they do themselves.
      if (statement && problems) problems.splice(problems.indexOf(statement), 1);
      statement = null;
      parens = 0;
      problems?.push({ kind: 'stray-close', at: ts.start[t]!, regionStart: afterLast, regionEnd: ts.end[t]! });
      afterLast = ts.end[t]!;
      itemStart = -1;
      prevCode = -1;
      t++;
      continue;
    }
    if (c === OPEN_BRACE) {
      const isFunction = prevCode >= 0 && punct(ts, prevCode) === CLOSE_PAREN;
      const matched = matchBrace(ts, t);
      // A function body opened in column 0 ends at the first `}` in column 0, kernel style: one
      // `{` left unclosed (or one `}` lost) in a function under review must not make it swallow
      // every later function of the file, whose findings would vanish (sweep AI).
      const cut = isFunction && atLineStart(ts, t) ? brokenEnd(ts, t, matched < 0 ? ts.count : matched) : -1;
      const close = cut >= 0 ? cut : matched;
      if (cut >= 0) problems?.push({ kind: 'unbalanced', at: ts.start[t]!, regionStart: ts.start[t]!, regionEnd: ts.end[cut]! });
      else if (close < 0) problems?.push({ kind: 'unclosed', at: ts.start[t]!, regionStart: ts.start[t]!, regionEnd: ts.text.length });
      else if (!isFunction && itemStart === t && parens === 0 && holdsStatement(ts, t, close)) problems?.push({ kind: 'headless-block', at: ts.start[t]!, regionStart: ts.start[t]!, regionEnd: ts.end[close]! });
      if (isFunction) {
        endGap(ts.start[itemStart]!);
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
        afterLast = end;
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

/** The index of the next token after `t` that is neither a comment nor a directive (`ts.count` at the end). */
function nextCode(ts: TokenStream, t: number): number {
  let u = t + 1;
  while (u < ts.count && (ts.kind[u] === Tok.Comment || ts.kind[u] === Tok.Directive)) u++;
  return u;
}

/** True for a member name (`.if` of an assembler macro, `s->do`), which is no keyword. */
function isMember(ts: TokenStream, t: number): boolean {
  if (t === 0 || ts.kind[t - 1] !== Tok.Punct) return false;
  const p = ts.text.slice(ts.start[t - 1]!, ts.end[t - 1]!);
  return p === '.' || p === '->';
}

/**
 * True when the block `open`..`close` holds a `;` of its own, as a function body does and an
 * initialiser's data (`{ .a = 1 }`, a table's `{ 1, 2 }` rows) does not.
 */
function holdsStatement(ts: TokenStream, open: number, close: number): boolean {
  let depth = 0;
  for (let t = open; t <= close; t++) {
    const c = punct(ts, t);
    if (c === OPEN_BRACE) depth++;
    else if (c === CLOSE_BRACE) depth--;
    else if (c === SEMI && depth === 1) return true;
  }
  return false;
}

/**
 * A statement keyword at `t` used as C uses it, checked on the text after it: `if (`, `while (`,
 * `for (`, `switch (`, `do {`, `return ...;`, `goto label;`, `break;`, `continue;` on its line.
 * The words alone also occur in the assembler code some headers hold (`@ ... until return to
 * user space`).
 */
const STATEMENT_SHAPE = /^(?:(?:if|while|for|switch)\s*\(|do\s*\{|return\b[^;\n]*;|goto\s+\w+\s*;|(?:break|continue)\s*;)/;

function isStatementKeyword(ts: TokenStream, t: number): boolean {
  const len = ts.end[t]! - ts.start[t]!;
  if (len < 2 || len > 8) return false;
  const c = ts.text.charCodeAt(ts.start[t]!);
  // i(f), w(hile), f(or), s(witch), d(o), r(eturn), g(oto), b(reak), c(ontinue)
  if (c !== 105 && c !== 119 && c !== 102 && c !== 115 && c !== 100 && c !== 114 && c !== 103 && c !== 98 && c !== 99) return false;
  return STATEMENT_SHAPE.test(ts.text.slice(ts.start[t]!, ts.start[t]! + 200));
}

function hasWord(ts: TokenStream, from: number, to: number, word: string): boolean {
  for (let t = from; t < to; t++) {
    if (ts.kind[t] === Tok.Ident && ts.end[t]! - ts.start[t]! === word.length && ts.text.startsWith(word, ts.start[t]!)) return true;
  }
  return false;
}

/**
 * Where a column-0 function body whose braces do not balance ends, or -1: when another function
 * body opens in column 0 after a `)` (a definition, kernel style) before the brace count closes
 * this one (token `before`), the last `}` in column 0 ahead of it. A `{ ... }` block written in
 * column 0 inside a body (xfs's `#ifdef DEBUG` blocks) follows no `)`, and cuts nothing.
 */
function brokenEnd(ts: TokenStream, open: number, before: number): number {
  let next = -1;
  for (let t = open + 1; t < before && next < 0; t++) if (punct(ts, t) === OPEN_BRACE && atLineStart(ts, t) && punct(ts, previousCode(ts, t)) === CLOSE_PAREN) next = t;
  for (let t = next - 1; t > open; t--) if (punct(ts, t) === CLOSE_BRACE && atLineStart(ts, t)) return t;
  return -1;
}

/** The index of the last token before `t` that is neither a comment nor a directive (-1 at the start). */
function previousCode(ts: TokenStream, t: number): number {
  let p = t - 1;
  while (p >= 0 && (ts.kind[p] === Tok.Comment || ts.kind[p] === Tok.Directive)) p--;
  return p;
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
