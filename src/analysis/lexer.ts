/**
 * A small, fast C lexer. It does not preprocess; it only knows enough to tell code from
 * comments, strings and preprocessor lines, which is what the macro normaliser, the
 * function segmenter and the token prefilter need. Offsets are JS string indices.
 */

export enum Tok {
  Ident = 1,
  Number = 2,
  String = 3,
  Char = 4,
  Punct = 5,
  /** A whole preprocessor line, continuations included. */
  Directive = 6,
  Comment = 7,
}

/** Tokens as parallel arrays: kinds, start offsets, end offsets (exclusive). */
export interface TokenStream {
  readonly count: number;
  readonly kind: Uint8Array;
  readonly start: Int32Array;
  readonly end: Int32Array;
  readonly text: string;
}

const CH_NL = 10;
const CH_SPACE = 32;
const CH_TAB = 9;
const CH_CR = 13;
const CH_VT = 11;
const CH_FF = 12;
const CH_HASH = 35;
const CH_SLASH = 47;
const CH_STAR = 42;
const CH_BACKSLASH = 92;
const CH_DQUOTE = 34;
const CH_SQUOTE = 39;

function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 36 || c > 127;
}

function isIdentPart(c: number): boolean {
  return isIdentStart(c) || (c >= 48 && c <= 57);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * The length of the punctuator starting with `c` at `i`, longest match first: the three-character
 * `<<=`, `>>=` and `...`; the two-character `-> ++ -- << >> <= >= == != && || *= /= %= += -= &=
 * ^= |= ##`; else 1. Decided on character codes: slicing the candidates out of the text cost
 * two strings per punctuator, a good part of the garbage a scan makes.
 */
function punctLength(text: string, i: number, c: number): number {
  const d = text.charCodeAt(i + 1);
  switch (c) {
    case 45: // - : -> -- -=
      return d === 62 || d === 45 || d === 61 ? 2 : 1;
    case 43: // + : ++ +=
    case 38: // & : && &=
    case 124: // | : || |=
      return d === c || d === 61 ? 2 : 1;
    case 60: // < : <<= << <=
    case 62: // > : >>= >> >=
      if (d === c) return text.charCodeAt(i + 2) === 61 ? 3 : 2;
      return d === 61 ? 2 : 1;
    case 61: // = : ==
    case 33: // ! : !=
    case 42: // * : *=
    case 47: // / : /=
    case 37: // % : %=
    case 94: // ^ : ^=
      return d === 61 ? 2 : 1;
    case CH_HASH: // ##
      return d === CH_HASH ? 2 : 1;
    case 46: // ...
      return d === 46 && text.charCodeAt(i + 2) === 46 ? 3 : 1;
    default:
      return 1;
  }
}

/** Tokenises `text`. Never throws: an unterminated comment or string ends at end of input. */
export function lex(text: string): TokenStream {
  const n = text.length;
  let cap = Math.max(64, n >> 2);
  let kind = new Uint8Array(cap);
  let start = new Int32Array(cap);
  let end = new Int32Array(cap);
  let count = 0;
  let atLineStart = true;

  const push = (k: Tok, s: number, e: number): void => {
    if (count === cap) {
      cap *= 2;
      const k2 = new Uint8Array(cap);
      k2.set(kind);
      kind = k2;
      const s2 = new Int32Array(cap);
      s2.set(start);
      start = s2;
      const e2 = new Int32Array(cap);
      e2.set(end);
      end = e2;
    }
    kind[count] = k;
    start[count] = s;
    end[count] = e;
    count++;
  };

  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === CH_NL) {
      atLineStart = true;
      i++;
      continue;
    }
    if (c === CH_SPACE || c === CH_TAB || c === CH_CR || c === CH_VT || c === CH_FF) {
      i++;
      continue;
    }
    if (c === CH_BACKSLASH && text.charCodeAt(i + 1) === CH_NL) {
      i += 2;
      continue;
    }
    if (c === CH_SLASH && text.charCodeAt(i + 1) === CH_STAR) {
      const close = text.indexOf('*/', i + 2);
      const e = close < 0 ? n : close + 2;
      push(Tok.Comment, i, e);
      i = e;
      continue;
    }
    if (c === CH_SLASH && text.charCodeAt(i + 1) === CH_SLASH) {
      let e = i + 2;
      while (e < n && text.charCodeAt(e) !== CH_NL) {
        if (text.charCodeAt(e) === CH_BACKSLASH && text.charCodeAt(e + 1) === CH_NL) e++;
        e++;
      }
      push(Tok.Comment, i, e);
      i = e;
      continue;
    }
    if (c === CH_HASH && atLineStart) {
      i = lexDirective(text, i, push);
      atLineStart = true;
      continue;
    }
    atLineStart = false;
    if (isIdentStart(c)) {
      let e = i + 1;
      while (e < n && isIdentPart(text.charCodeAt(e))) e++;
      // Encoding prefixes glue onto a following literal: L"x", u8"x", U'x'.
      const q = text.charCodeAt(e);
      if ((q === CH_DQUOTE || q === CH_SQUOTE) && /^(L|u|U|u8)$/.test(text.slice(i, e))) {
        const s = i;
        i = e;
        const le = lexQuoted(text, i, q);
        push(q === CH_DQUOTE ? Tok.String : Tok.Char, s, le);
        i = le;
        continue;
      }
      push(Tok.Ident, i, e);
      i = e;
      continue;
    }
    if (isDigit(c) || (c === 46 && isDigit(text.charCodeAt(i + 1)))) {
      let e = i + 1;
      while (e < n) {
        const d = text.charCodeAt(e);
        if (isIdentPart(d) || d === 46) {
          e++;
        } else if ((d === 43 || d === 45) && /[eEpP]/.test(text[e - 1] ?? '')) {
          e++;
        } else {
          break;
        }
      }
      push(Tok.Number, i, e);
      i = e;
      continue;
    }
    if (c === CH_DQUOTE || c === CH_SQUOTE) {
      const e = lexQuoted(text, i, c);
      push(c === CH_DQUOTE ? Tok.String : Tok.Char, i, e);
      i = e;
      continue;
    }
    const len = punctLength(text, i, c);
    push(Tok.Punct, i, i + len);
    i += len;
  }
  return {
    count,
    kind: kind.subarray(0, count),
    start: start.subarray(0, count),
    end: end.subarray(0, count),
    text,
  };
}

function lexQuoted(text: string, i: number, quote: number): number {
  const n = text.length;
  let e = i + 1;
  while (e < n) {
    const d = text.charCodeAt(e);
    if (d === CH_BACKSLASH) {
      e += 2;
      continue;
    }
    if (d === quote) return e + 1;
    // An unterminated literal ends at the line end, as the compiler would complain there.
    if (d === CH_NL) return e;
    e++;
  }
  return n;
}

/** A preprocessor line runs to the first newline not escaped by a backslash. Comments inside
 * it may span lines, so they are skipped as a whole. */
function lexDirective(text: string, i: number, push: (k: Tok, s: number, e: number) => void): number {
  const n = text.length;
  let e = i + 1;
  while (e < n) {
    const d = text.charCodeAt(e);
    if (d === CH_NL) break;
    if (d === CH_BACKSLASH && text.charCodeAt(e + 1) === CH_NL) {
      e += 2;
      continue;
    }
    if (d === CH_BACKSLASH && text.charCodeAt(e + 1) === CH_CR && text.charCodeAt(e + 2) === CH_NL) {
      e += 3;
      continue;
    }
    if (d === CH_SLASH && text.charCodeAt(e + 1) === CH_STAR) {
      const close = text.indexOf('*/', e + 2);
      e = close < 0 ? n : close + 2;
      continue;
    }
    if (d === CH_DQUOTE || d === CH_SQUOTE) {
      e = lexQuoted(text, e, d);
      continue;
    }
    e++;
  }
  push(Tok.Directive, i, e);
  return e;
}

/** The text of token `t`. */
export function tokText(ts: TokenStream, t: number): string {
  return ts.text.slice(ts.start[t], ts.end[t]);
}

/** Whether token `t` is the first character of its line (a `}` in column 0 ends a function, kernel style). */
export function atLineStart(ts: TokenStream, t: number): boolean {
  const at = ts.start[t]!;
  return at === 0 || ts.text.charCodeAt(at - 1) === 10;
}

/** Index of the next token after `t` that is not a comment, or `ts.count`. */
export function nextCode(ts: TokenStream, t: number): number {
  let i = t + 1;
  while (i < ts.count && ts.kind[i] === Tok.Comment) i++;
  return i;
}

/** Index of the previous token before `t` that is not a comment, or -1. */
export function prevCode(ts: TokenStream, t: number): number {
  let i = t - 1;
  while (i >= 0 && ts.kind[i] === Tok.Comment) i--;
  return i;
}

/** The name of a directive token: `if`, `ifdef`, `else`, `define`, ... or '' for a null directive. */
export function directiveName(ts: TokenStream, t: number): string {
  const m = /^#\s*([A-Za-z_]+)/.exec(tokText(ts, t));
  return m ? m[1]! : '';
}

/**
 * `text` with each closed block comment (`/* ... *\/`) replaced by `replacement`: what
 * `text.replace(/\/\*[\s\S]*?\*\//g, replacement)` returns, in linear time. (That pattern
 * rescans to the end of the text for every opener once one is left unclosed: a directive of
 * 40,000 openers took 6 s.) An opener without a closer, and everything after it, stays.
 */
export function replaceBlockComments(text: string, replacement: string): string {
  let out = '';
  let from = 0;
  for (;;) {
    const open = text.indexOf('/*', from);
    if (open < 0) break;
    const close = text.indexOf('*/', open + 2);
    if (close < 0) break;
    out += text.slice(from, open) + replacement;
    from = close + 2;
  }
  return from === 0 ? text : out + text.slice(from);
}

/**
 * The comments of a directive line as `[start, end)` pairs: the matches of
 * `/\/\*[\s\S]*?\*\/|\/\/[^\n]*`/g, in linear time. A block comment counts only when it is closed;
 * once one is not, no later opener is either, and only line comments are left to find.
 */
export function directiveComments(text: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let blocks = true;
  for (let i = text.indexOf('/'); i >= 0 && i + 1 < text.length; i = text.indexOf('/', i + 1)) {
    const next = text.charCodeAt(i + 1);
    if (next === 42 /* * */ && blocks) {
      const close = text.indexOf('*/', i + 2);
      if (close >= 0) {
        out.push([i, close + 2]);
        i = close + 1;
        continue;
      }
      blocks = false;
    } else if (next === 47 /* / */) {
      const nl = text.indexOf('\n', i + 2);
      const end = nl < 0 ? text.length : nl;
      out.push([i, end]);
      i = end - 1;
    }
  }
  return out;
}
