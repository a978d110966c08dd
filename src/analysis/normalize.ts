/**
 * Kernel macro normalisation. Rewrites kernel idioms that tree-sitter-c cannot parse into
 * plain C **of exactly the same length**, so every offset, line and column the parser reports
 * is still true for the original file. Rewrites:
 *
 * - attribute macros (`__init`, `__must_check`, `__acquires(x)`) become spaces;
 * - `SYSCALL_DEFINEn(name, type, arg, ...)` and `BPF_CALL_n(...)` become `long name(type arg, ...)`;
 * - statement macros with a body (`list_for_each_entry(pos, head, lru) { }`,
 *   `for_each_vma(vmi, vma) stmt;`) become `if (args) body`, and the original macro is
 *   recorded in {@link NormalizedSource.blockMacros} so the CFG makes it a loop again; one that
 *   ends a do-while (`do { } for_each_vma(vmi, vma);`) becomes that loop's `while`;
 * - type arguments of macros become expressions: `list_first_entry(&l, struct page, lru)` loses
 *   its `struct` keyword, `min_t(unsigned long, a, b)` reads `min_t(UNSIGNED_LONG, a, b)`;
 * - unknown attribute macros in function headers, `static` before a declaring macro, `typeof`
 *   declarations, declarations whose type is a macro (`GENRADIX(struct x) fa;`), `asm`
 *   statements, GNU case ranges and `KERN_*` log levels are made parsable;
 * - `#if 0` regions, and the `#else`/`#elif` branches of conditionals that a parser cannot
 *   take as a whole (unbalanced braces or parentheses, or inside an expression), become spaces,
 *   so the first branch reads as straight-line code.
 */
import {
  ATTRIBUTE_CALLS,
  ATTRIBUTE_WORDS,
  BLOCK_MACROS,
  DEFINING_MACRO,
  TYPE_KEYWORDS,
  TYPE_OPERATORS,
  isIteratorName,
  type MacroBlockKind,
} from './kernel-macros.js';
import { atLineStart, Tok, directiveComments, directiveName, lex, tokText, type TokenStream } from './lexer.js';

/** A statement macro with a body, rewritten to `if` for the parser. */
export interface BlockMacro {
  name: string;
  kind: MacroBlockKind;
  /** Offsets `[start, end)` of each argument's text in the file. */
  args: Array<{ start: number; end: number }>;
  /** Indices into `args` that the macro assigns on each iteration. */
  defines: readonly number[];
}

/**
 * A sparse lock annotation on a function (`__acquires(x)`, `__releases(x)`, `__must_hold(x)`):
 * the author's own statement of what the function does to a lock for its caller. Blanked for
 * the parser like every attribute, but kept here so summaries can read it.
 */
export interface LockAnnotation {
  kind: 'acquires' | 'releases' | 'must-hold';
  /** Offset of the macro name. */
  start: number;
  /** The argument's text, white space removed (`&mm->mmap_lock`). */
  arg: string;
}

const LOCK_ANNOTATIONS: ReadonlyMap<string, LockAnnotation['kind']> = new Map([
  ['__acquires', 'acquires'],
  ['__releases', 'releases'],
  ['__must_hold', 'must-hold'],
]);

export interface NormalizedSource {
  /** Same length as the input; parse this. */
  text: string;
  /** Lock annotations, in file order. */
  annotations: LockAnnotation[];
  /** Functions the file declares or defines `__noreturn` (blanked for the parser like every attribute). */
  noreturn: ReadonlySet<string>;
  /**
   * Object-like macros the file defines as one identifier (`#define VMALLOC_FAULT_TARGET
   * no_context`), each with every identifier it is defined as: the definitions in the branches of
   * a conditional all count, since widen reads every configuration. A `goto` to such a macro
   * goes to the labels it names (arch/mips/mm/fault.c).
   */
  aliases: ReadonlyMap<string, readonly string[]>;
  /**
   * Function-like macros the file defines as a call of another function with the same arguments
   * in the same order (mm/mmap.c: `#define vma_expand_down(vma, addr) expand_downwards(vma,
   * addr)`), each with every function it is defined as across the branches of a conditional: a
   * call of the macro is a call of those, argument for argument.
   */
  callAliases: ReadonlyMap<string, readonly string[]>;
  /** Block macros by the offset of their name (where the parser now sees `if`). */
  blockMacros: Map<number, BlockMacro>;
  /** Tokens of the normalised text. */
  tokens: TokenStream;
  /**
   * The comments of the original text, as `[start, end)` offset pairs in order, those inside
   * directive lines included. Kept for readers that must skip comments of code the normaliser
   * blanked, without lexing it again.
   */
  comments: Int32Array;
}

const C_KEYWORDS: ReadonlySet<string> = new Set([
  'auto', 'break', 'case', 'char', 'const', 'continue', 'default', 'do', 'double', 'else',
  'enum', 'extern', 'float', 'for', 'goto', 'if', 'inline', 'int', 'long', 'register',
  'restrict', 'return', 'short', 'signed', 'sizeof', 'static', 'struct', 'switch', 'typedef',
  'union', 'unsigned', 'void', 'volatile', 'while', '_Bool', '_Static_assert', 'asm',
  '__asm__', '__asm', 'typeof', '__typeof__', '__attribute__', 'static_assert', '__extension__',
  '_Generic', 'offsetof', '__builtin_offsetof', 'alignof', '_Alignof', '__alignof__',
]);

/** Tokens that may start a statement after a block macro's argument list. */
function startsStatement(ts: TokenStream, t: number): boolean {
  if (t >= ts.count) return false;
  const k = ts.kind[t];
  if (k === Tok.Ident) return true;
  if (k !== Tok.Punct) return false;
  const c = ts.text.charCodeAt(ts.start[t]!);
  return c === 123; /* { */
}

interface Edit {
  start: number;
  end: number;
  text: string;
}

function blankText(s: string): string {
  return s.replace(/[^\r\n]/g, ' ');
}

/** Normalises kernel C for parsing. Never throws. */
export function normalize(text: string): NormalizedSource {
  const raw = lex(text);
  const dead = deadTokens(raw);
  const edits: Edit[] = [];
  for (let t = 0; t < raw.count; t++) {
    if (dead[t] === 1) edits.push({ start: raw.start[t]!, end: raw.end[t]!, text: '' });
  }
  // Indices of the tokens the parser will see (not comments, directives or dead code).
  const all = new Int32Array(raw.count);
  let nLive = 0;
  for (let t = 0; t < raw.count; t++) {
    const k = raw.kind[t];
    if (dead[t] === 0 && k !== Tok.Comment && k !== Tok.Directive) all[nLive++] = t;
  }
  const live = all.subarray(0, nLive);
  const blockMacros = new Map<number, BlockMacro>();
  const annotations: LockAnnotation[] = [];
  rewriteLive(raw, live, edits, blockMacros, annotations);
  const out = applyEdits(text, edits);
  return { text: out, annotations, blockMacros, tokens: lex(out), noreturn: noreturnNames(raw, dead), comments: commentSpans(raw), aliases: identifierMacros(raw), callAliases: callMacros(raw) };
}

const IDENTIFIER_MACRO = /^#[ \t]*define[ \t]+([A-Za-z_]\w*)[ \t]+([A-Za-z_]\w*)[ \t]*$/;

/** A directive line with its comments replaced by a space each. */
function withoutComments(line: string): string {
  let out = '';
  let from = 0;
  for (const [a, b] of directiveComments(line)) {
    out += line.slice(from, a) + ' ';
    from = b;
  }
  return out + line.slice(from);
}

/** See {@link NormalizedSource.aliases}. */
function identifierMacros(ts: TokenStream): Map<string, string[]> {
  return directiveMacros(ts, IDENTIFIER_MACRO, (m) => [m[1]!, m[2]!]);
}

const CALL_MACRO = /^#[ \t]*define[ \t]+([A-Za-z_]\w*)\(([^()]*)\)[ \t]+(\(?)[ \t]*([A-Za-z_]\w*)[ \t]*\(([^()]*)\)[ \t]*(\)?)[ \t]*$/;

/** See {@link NormalizedSource.callAliases}. */
function callMacros(ts: TokenStream): Map<string, string[]> {
  const list = (args: string): string => args.replace(/\s+/g, '');
  // The same parameters, in the same order, and balanced outer parentheses if any.
  return directiveMacros(ts, CALL_MACRO, (m) => (list(m[2]!) !== list(m[5]!) || m[3]!.length !== m[6]!.length || m[1] === m[4] ? null : [m[1]!, m[4]!]));
}

/**
 * The `#define` lines of a file that `re` matches (comments removed), as name to every distinct
 * value `pick` takes from them, across the branches of a conditional.
 */
function directiveMacros(ts: TokenStream, re: RegExp, pick: (m: RegExpExecArray) => [string, string] | null): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (let t = 0; t < ts.count; t++) {
    if (ts.kind[t] !== Tok.Directive) continue;
    const line = ts.text.slice(ts.start[t]!, ts.end[t]!);
    const m = re.exec((line.includes('/') ? withoutComments(line) : line).trimEnd());
    const entry = m ? pick(m) : null;
    if (!entry) continue;
    const [name, value] = entry;
    const values = out.get(name) ?? [];
    if (!values.includes(value)) values.push(value);
    out.set(name, values);
  }
  return out;
}

/** See {@link NormalizedSource.comments}. Comments inside a directive line are in its token. */
function commentSpans(ts: TokenStream): Int32Array {
  const spans: number[] = [];
  for (let t = 0; t < ts.count; t++) {
    const k = ts.kind[t];
    const start = ts.start[t]!;
    const end = ts.end[t]!;
    if (k === Tok.Comment) {
      spans.push(start, end);
    } else if (k === Tok.Directive) {
      const line = ts.text.slice(start, end);
      if (!line.includes('/')) continue;
      for (const [a, b] of directiveComments(line)) spans.push(start + a, start + b);
    }
  }
  return Int32Array.from(spans);
}

/** The spellings of the noreturn attribute, as identifiers. */
export const NORETURN_WORDS: ReadonlySet<string> = new Set(['__noreturn', '_Noreturn', 'noreturn', '__noreturn__']);

/**
 * Names of the functions declared or defined with a noreturn attribute at file level
 * (`void parisc_terminate(...) __noreturn __cold;`, `void __noreturn do_exit(long code)`,
 * `__attribute__((__noreturn__))`): the name is the identifier before the declaration's first
 * top-level `(`. Tokens in dead preprocessor branches are skipped.
 */
export function noreturnNames(ts: TokenStream, dead?: Uint8Array): Set<string> {
  const out = new Set<string>();
  const text = (t: number): string => tokText(ts, t);
  const live = (t: number): boolean => (dead ? dead[t] === 0 : true) && ts.kind[t] !== Tok.Comment && ts.kind[t] !== Tok.Directive;
  let depth = 0;
  let declStart = 0;
  for (let t = 0; t < ts.count; t++) {
    if (!live(t)) continue;
    const k = ts.kind[t];
    if (k === Tok.Punct) {
      const c = text(t);
      if (c === '{') depth++;
      else if (c === '}') depth = Math.max(0, depth - 1);
      if (depth === 0 && (c === ';' || c === '}' || c === '{')) declStart = t + 1;
      continue;
    }
    if (depth !== 0 || k !== Tok.Ident || !NORETURN_WORDS.has(text(t))) continue;
    // The declaration around this word: from the last top-level `;`/`}` to the next `;` or `{`.
    let parens = 0;
    let prevIdent: string | null = null;
    for (let u = declStart; u < ts.count; u++) {
      if (!live(u)) continue;
      const w = text(u);
      if (ts.kind[u] === Tok.Ident) {
        if (parens === 0) prevIdent = w;
      } else if (ts.kind[u] === Tok.Punct) {
        if (w === '(') {
          if (parens === 0 && prevIdent !== null && !NORETURN_WORDS.has(prevIdent) && prevIdent !== '__attribute__') {
            out.add(prevIdent);
            break;
          }
          parens++;
        } else if (w === ')') parens--;
        else if (parens === 0 && (w === ';' || w === '{')) break;
      }
    }
  }
  return out;
}

function applyEdits(text: string, edits: Edit[]): string {
  if (edits.length === 0) return text;
  edits.sort((a, b) => a.start - b.start);
  const parts: string[] = [];
  let pos = 0;
  for (const e of edits) {
    if (e.start < pos) continue; // overlapping edit: the first one wins
    parts.push(text.slice(pos, e.start));
    const original = text.slice(e.start, e.end);
    // An empty replacement blanks; otherwise the replacement has the same length by construction.
    parts.push(e.text === '' ? blankText(original) : e.text);
    pos = e.end;
  }
  parts.push(text.slice(pos));
  return parts.join('');
}

interface Branch {
  directive: number;
  braces: number;
  parens: number;
  /** Indices of the first and last code tokens of the branch, or -1 when it holds none. */
  first: number;
  last: number;
}

interface Group {
  branches: Branch[];
  /** The code token before `#if` (or -1): after a label, `else` or `)` the group is part of a statement. */
  before: number;
  /** Parenthesis depth where the group starts: > 0 means inside an expression. */
  parenDepth: number;
  /** `#if 0` → 0, `#if 1` → 1, otherwise null. */
  constant: 0 | 1 | null;
}

/**
 * Marks tokens that the parser must not see: `#if 0` code, the alternatives of conditionals
 * that cannot be parsed as a whole, and the directive lines of such conditionals.
 * Returns 1 per dead token.
 */
function deadTokens(ts: TokenStream): Uint8Array {
  const dead = new Uint8Array(ts.count);
  const stack: Group[] = [];
  // Depth is counted along the first branch of every conditional, which is the branch that
  // survives when a conditional has to be cut down.
  let parenDepth = 0;
  let lastCode = -1;
  const inFirstBranches = (): boolean => stack.every((g) => g.branches.length === 1);
  const markRange = (from: number, to: number): void => {
    for (let t = from; t < to; t++) dead[t] = 1;
  };

  for (let t = 0; t < ts.count; t++) {
    const k = ts.kind[t];
    if (k === Tok.Directive) {
      const name = directiveName(ts, t);
      if (name === 'if' || name === 'ifdef' || name === 'ifndef') {
        let constant: 0 | 1 | null = null;
        if (name === 'if') {
          const cond = withoutComments(ts.text.slice(ts.start[t]!, ts.end[t]!)).replace(/^#\s*if\s*/, '').trim();
          if (cond === '0') constant = 0;
          else if (cond === '1') constant = 1;
        }
        stack.push({ branches: [newBranch(t)], parenDepth, constant, before: lastCode });
      } else if (name === 'elif' || name === 'else' || name === 'elifdef' || name === 'elifndef') {
        const g = stack[stack.length - 1];
        if (g) g.branches.push(newBranch(t));
      } else if (name === 'endif') {
        const g = stack.pop();
        if (!g) continue;
        const effective = decideGroup(ts, g, t, markRange, dead);
        // The enclosing branch sees this group as its surviving branch's brace balance.
        const outer = stack[stack.length - 1];
        if (outer) {
          const b = outer.branches[outer.branches.length - 1]!;
          b.braces += effective.braces;
          b.parens += effective.parens;
        }
      }
      continue;
    }
    if (k === Tok.Comment) continue;
    for (const open of stack) {
      const b = open.branches[open.branches.length - 1]!;
      if (b.first < 0) b.first = t;
      b.last = t;
    }
    lastCode = t;
    if (k !== Tok.Punct) continue;
    const c = ts.text.charCodeAt(ts.start[t]!);
    const delta = c === 123 ? 1 : c === 125 ? -1 : 0;
    const pdelta = c === 40 ? 1 : c === 41 ? -1 : 0;
    if (delta === 0 && pdelta === 0) continue;
    const g = stack[stack.length - 1];
    if (g) {
      const b = g.branches[g.branches.length - 1]!;
      b.braces += delta;
      b.parens += pdelta;
    }
    if (inFirstBranches()) parenDepth = Math.max(0, parenDepth + pdelta);
    // A `}` in column 0 ends a function in kernel style, where no `(` can still be open: one
    // `(` left unclosed in a function (a patch under review) must not make every later
    // conditional of the file look like part of an expression, and lose its `#else` branches
    // in silence (sweep AI).
    if (c === 125 && atLineStart(ts, t)) parenDepth = 0;
  }
  // Conditionals left open at end of file are cut down the same way.
  while (stack.length > 0) decideGroup(ts, stack.pop()!, ts.count, markRange, dead);
  return dead;
}

function newBranch(directive: number): Branch {
  return { directive, braces: 0, parens: 0, first: -1, last: -1 };
}

function decideGroup(
  ts: TokenStream,
  g: Group,
  endif: number,
  markRange: (from: number, to: number) => void,
  dead: Uint8Array,
): { braces: number; parens: number } {
  const first = g.branches[0]!;
  const bounds = g.branches.map((b, i) => ({
    b,
    from: b.directive,
    to: i + 1 < g.branches.length ? g.branches[i + 1]!.directive : endif,
  }));
  const markDirectives = (): void => {
    for (const { from } of bounds) dead[from] = 1;
    if (endif < dead.length) dead[endif] = 1;
  };
  if (g.constant === 0) {
    // `#if 0 ... [#else ...] #endif`: the first alternative after the dead code survives.
    markRange(bounds[0]!.from, bounds[0]!.to);
    for (const x of bounds.slice(2)) markRange(x.from, x.to);
    markDirectives();
    const kept = bounds[1]?.b;
    return { braces: kept?.braces ?? 0, parens: kept?.parens ?? 0 };
  }
  const unbalanced = g.branches.some((b) => b.braces !== 0 || b.parens !== 0);
  // A branch that is not a run of whole statements or declarations (`else` on its own, a
  // label, a function header) cannot be parsed as an alternative either.
  const text = (t: number): string => (t < 0 ? '' : ts.text.slice(ts.start[t]!, ts.end[t]!));
  const before = text(g.before);
  const fragment =
    before === ':' || before === 'else' || before === ')' ||
    g.branches.some((b) => text(b.first) === 'else' || text(b.first) === '}' || (b.last >= 0 && text(b.last) !== ';' && text(b.last) !== '}'));
  if (g.constant === 1 || unbalanced || fragment || g.parenDepth > 0) {
    for (const x of bounds.slice(1)) markRange(x.from, x.to);
    markDirectives();
    return { braces: first.braces, parens: first.parens };
  }
  return { braces: 0, parens: 0 };
}

/** Walks live code tokens (no comments, directives or dead code) and records rewrites. */
function rewriteLive(ts: TokenStream, live: Int32Array, edits: Edit[], blockMacros: Map<number, BlockMacro>, annotations: LockAnnotation[]): void {
  const text = ts.text;
  const n = live.length;
  const tokText = (i: number): string => text.slice(ts.start[live[i]!]!, ts.end[live[i]!]!);
  // Punctuators are compared by character code, never sliced out: this walk visits every token
  // of every file a scan keeps, and a string per comparison was most of its garbage.
  /** The character of live token `i` when it is a one-character punctuator, else -1. */
  const punct = (i: number): number => {
    const t = live[i]!;
    return ts.kind[t] === Tok.Punct && ts.end[t]! - ts.start[t]! === 1 ? text.charCodeAt(ts.start[t]!) : -1;
  };
  const isPunct = (i: number, ch: string): boolean => {
    if (i < 0 || i >= n) return false;
    const t = live[i]!;
    const at = ts.start[t]!;
    return ts.kind[t] === Tok.Punct && ts.end[t]! - at === ch.length && text.startsWith(ch, at);
  };
  const isIdent = (i: number): boolean => i >= 0 && i < n && ts.kind[live[i]!] === Tok.Ident;

  // Matching parenthesis for every `(`, over live tokens.
  const match = new Int32Array(n).fill(-1);
  {
    const stack: number[] = [];
    for (let i = 0; i < n; i++) {
      const c = punct(i);
      if (c === 40 || c === 91 || c === 123) stack.push(i); // ( [ {
      else if (c === 41 || c === 93 || c === 125) { // ) ] }
        const o = stack.pop();
        if (o !== undefined) {
          match[o] = i;
          match[i] = o;
        }
      }
    }
  }

  let depth = 0;
  // Brace depth at which the current function body opened, or -1 outside function bodies.
  let bodyDepth = -1;
  // First live token of the current top-level item, for function headers.
  let itemStart = 0;
  const blanked = new Set<number>();
  const blank = (from: number, to: number): void => {
    edits.push({ start: ts.start[live[from]!]!, end: ts.end[live[to]!]!, text: '' });
    for (let j = from; j <= to; j++) blanked.add(j);
  };
  for (let i = 0; i < n; i++) {
    const k = ts.kind[live[i]!];
    if (k === Tok.Punct) {
      const c = punct(i);
      if (c === 123) { // {
        if (depth === 0 && bodyDepth < 0 && isPunct(i - 1, ')')) {
          bodyDepth = 0;
          headerAttributes(itemStart, i);
        }
        depth++;
      } else if (c === 125) { // }
        depth = Math.max(0, depth - 1);
        if (depth === bodyDepth) bodyDepth = -1;
        if (depth === 0) itemStart = i + 1;
      } else if (c === 59) { // ;
        if (depth === 0) itemStart = i + 1;
      } else if (c === -1 && bodyDepth >= 0 && isPunct(i, '...') && inCaseLabel(i)) {
        // GNU case range `case 1 ... 5:` reads as `case 1 +   5:`, a constant expression.
        edits.push(tokenEdit(ts, live[i]!, '+  '));
      }
      continue;
    }
    if (k !== Tok.Ident) continue;
    const name = tokText(i);
    const open = i + 1;
    const hasArgs = isPunct(open, '(') && match[open]! > open;

    if (ATTRIBUTE_WORDS.has(name)) {
      blank(i, i);
      continue;
    }
    if (hasArgs && bodyDepth >= 0 && (name === 'likely' || name === 'unlikely')) {
      // Branch hints change no value: `if (unlikely(!vma))` is read as `if (        (!vma))`, so
      // every rule sees the test itself (messages quote the original text).
      blank(i, i);
      continue;
    }
    if (ALIGNOF.has(name) && isPunct(i + 1, '(')) {
      // `__alignof__(*p)` takes an expression, which the grammar only allows for sizeof.
      edits.push(tokenEdit(ts, live[i]!, 'sizeof'.padEnd(name.length, ' ')));
      continue;
    }
    if (name.charCodeAt(0) === 75 /* K */ && KERN_LEVEL.test(name) && (ts.kind[live[i + 1] ?? 0] === Tok.String || isIdent(i + 1))) {
      // `printk(KERN_ERR "fmt")` and `KERN_ERR MSG_X`: the level is string concatenation.
      blank(i, i);
      continue;
    }
    if (ATTRIBUTE_CALLS.has(name)) {
      const end = hasArgs ? match[open]! : i;
      const lockKind = LOCK_ANNOTATIONS.get(name);
      if (lockKind && hasArgs) {
        annotations.push({ kind: lockKind, start: ts.start[live[i]!]!, arg: text.slice(ts.end[live[open]!]!, ts.start[live[end]!]!).replace(/\s+/g, '') });
      }
      blank(i, end);
      i = end;
      continue;
    }
    if (depth === 0 && i === itemStart && hasArgs && isIdent(match[open]! + 1) && !/^(__attribute__|__attribute|asm|__asm__|__asm)$/.test(tokText(match[open]! + 1))) {
      // A top-level macro invocation without `;` (`DEFINE_TEST(16)` then the next function):
      // it generates code widen cannot see, and would otherwise glue onto the next header.
      blank(i, match[open]!);
      i = match[open]!;
      itemStart = i + 1;
      continue;
    }
    if (bodyDepth >= 0 && atStatementStart(i)) {
      if ((name === 'asm' || name === '__asm__' || name === '__asm') && blankAsm(i)) continue;
      if (name === 'static' && isIdent(i + 1) && /^[A-Z][A-Z0-9_]*$/.test(tokText(i + 1)) && isPunct(i + 2, '(')) {
        // `static DEFINE_RATELIMIT_STATE(rs, ...);` reads as the macro call alone.
        blank(i, i);
        continue;
      }
      // `typeof(x) y;` and `GENRADIX(struct map_files_info) fa;` declare y and fa: a macro in
      // capitals followed by a name and then `;`, `,` or `[` can only be a type there. (Not
      // `=`: `NAME(args) y = v;` may be a statement macro with its body.)
      const typeMacro = hasArgs && /^[A-Z][A-Z0-9_]*$/.test(name) && isIdent(match[open]! + 1) && (isPunct(match[open]! + 2, ';') || isPunct(match[open]! + 2, ',') || isPunct(match[open]! + 2, '['));
      if ((name === 'typeof' || name === '__typeof__' || name === '__typeof' || typeMacro) && hasArgs) {
        const close = match[open]!;
        if (isIdent(close + 1) || isPunct(close + 1, '*')) {
          // `typeof(x) y;` declares y: the type becomes one identifier of the same length.
          const start = ts.start[live[i]!]!;
          const end = ts.end[live[close]!]!;
          const original = text.slice(start, end);
          if (!/[\r\n]/.test(original)) edits.push({ start, end, text: original.replace(/[^A-Za-z0-9_]/g, '_') });
          i = close;
          continue;
        }
      }
    }
    if (!hasArgs) continue;
    const close = match[open]!;

    if (depth === 0 && DEFINING_MACRO.test(name)) {
      const e = definingMacroEdit(ts, live, i, close);
      if (e) edits.push(...e);
      continue;
    }
    if (bodyDepth < 0 || C_KEYWORDS.has(name)) continue;

    // `do { ... } for_each_vma(vmi, vma);` and `} while_each_thread(g, t);`: the macro is the
    // loop's condition (`while ((vma = vma_find(...)) != NULL)` once expanded). It becomes
    // `while`, and the CFG makes its arguments the condition that steps the iterator.
    if (name.length >= 5 && isPunct(i - 1, '}') && match[i - 1]! >= 0 && isIdent(match[i - 1]! - 1) && tokText(match[i - 1]! - 1) === 'do' && isPunct(close + 1, ';')) {
      statementMacro(i, open, close, 'while');
      continue;
    }
    if (atStatementStart(i) && /^[A-Z][A-Z0-9_]*$/.test(name) && isPunct(close + 1, '=') && isPunct(close + 2, '{') && match[close + 2]! > close + 2) {
      // `DECLARE_BITMAP(map, N) = { 0 };`: the initialiser of a declaring macro is dropped.
      blank(close + 1, match[close + 2]!);
    }
    // `if` needs two characters: a one-letter macro cannot be rewritten in place.
    if (name.length >= 2 && atStatementStart(i) && startsStatement(ts, close + 1 < n ? live[close + 1]! : ts.count) && !isPunct(close + 1, '(')) {
      statementMacro(i, open, close, 'if');
      continue;
    }
    if (!TYPE_OPERATORS.has(name) && !isPunct(i - 1, '.') && !isPunct(i - 1, '->')) {
      forEachArg(open, close, (a, b) => {
        const e = typeArgEdit(a, b);
        if (e) edits.push(...e);
      });
    }
  }

  /**
   * Records the statement macro at live token `i` (arguments between `open` and `close`) and
   * puts `keyword` in place of its name, padded to the name's length.
   */
  function statementMacro(i: number, open: number, close: number, keyword: 'if' | 'while'): void {
    const name = tokText(i);
    const info = blockMacroInfo(name);
    const args = splitArgs(open, close).map(([a, b]) => ({ start: ts.start[live[a]!]!, end: ts.end[live[b]!]! }));
    const defines = info.defines ?? [firstPlainIdentArg(open, close)].filter((x) => x >= 0);
    const start = ts.start[live[i]!]!;
    blockMacros.set(start, { name, kind: info.kind, args, defines });
    edits.push({ start, end: ts.end[live[i]!]!, text: keyword.padEnd(name.length, ' ') });
  }

  /**
   * Attribute macros widen does not know by name, in a function header: a word followed by a
   * storage class or a built-in type (`pad_check_attributes int f(...)`), or the first of two
   * type names in a row (`__fastpath_inline bool f(...)`).
   */
  function headerAttributes(from: number, body: number): void {
    let nameAt = -1;
    for (let j = from; j < body; j++) {
      if (isPunct(j, '(')) {
        if (isIdent(j - 1) && !C_KEYWORDS.has(tokText(j - 1))) nameAt = j - 1;
        break;
      }
    }
    if (nameAt < 0) return;
    const typeNames: number[] = [];
    for (let j = from; j < nameAt; j++) {
      if (!isIdent(j) || blanked.has(j)) continue;
      const w = tokText(j);
      if (C_KEYWORDS.has(w) || ATTRIBUTE_WORDS.has(w)) continue;
      if (isIdent(j - 1) && /^(struct|union|enum)$/.test(tokText(j - 1))) continue;
      if (isIdent(j + 1) && /^(static|inline|extern|__inline__|__inline|void|int|char|short|long|unsigned|signed|float|double|struct|union|enum|_Bool)$/.test(tokText(j + 1))) {
        blank(j, j);
        continue;
      }
      typeNames.push(j);
    }
    for (const j of typeNames.slice(0, -1)) blank(j, j);
  }

  function inCaseLabel(i: number): boolean {
    for (let j = i - 1; j >= 0 && j > i - 32; j--) {
      if (isPunct(j, ';') || isPunct(j, '{') || isPunct(j, '}') || isPunct(j, ':')) return false;
      if (isIdent(j) && tokText(j) === 'case') return true;
    }
    return false;
  }

  /** `asm volatile(...)`: the whole statement becomes blank (it is opaque to widen anyway). */
  function blankAsm(i: number): boolean {
    let j = i + 1;
    while (isIdent(j) && /^(volatile|__volatile__|__volatile|goto|inline|__inline__)$/.test(tokText(j))) j++;
    if (!isPunct(j, '(') || match[j]! <= j) return false;
    blank(i, match[j]!);
    return true;
  }

  function atStatementStart(i: number): boolean {
    if (i === 0) return false;
    if (isPunct(i - 1, ';') || isPunct(i - 1, '{') || isPunct(i - 1, '}') || isPunct(i - 1, ')') || isPunct(i - 1, ':')) return true;
    if (isIdent(i - 1)) {
      const p = tokText(i - 1);
      return p === 'else' || p === 'do';
    }
    return false;
  }

  /** `[first, last]` live-token index pairs of the top-level arguments between `open` and `close`. */
  function splitArgs(open: number, close: number): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    forEachArg(open, close, (a, b) => out.push([a, b]));
    return out;
  }

  /**
   * Calls `fn` with the `[first, last]` live-token indices of each top-level argument between
   * `open` and `close`, in order; the type-argument pass walks every call this way, without an
   * array per call.
   */
  function forEachArg(open: number, close: number, fn: (first: number, last: number) => void): void {
    let s = open + 1;
    for (let j = open + 1; j < close; j++) {
      const c = punct(j);
      if ((c === 40 || c === 91 || c === 123) && match[j]! > j) { // ( [ {
        j = match[j]!;
        continue;
      }
      if (c === 44) { // ,
        if (j > s) fn(s, j - 1);
        s = j + 1;
      }
    }
    if (close > s) fn(s, close - 1);
  }

  function firstPlainIdentArg(open: number, close: number): number {
    const args = splitArgs(open, close);
    return args.findIndex(([a, b]) => a === b && isIdent(a));
  }

  /**
   * A whole argument that is a type name (`struct page`, `unsigned long *`) becomes an
   * expression of the same length: tag keywords are blanked, keyword types upper-cased.
   */
  function typeArgEdit(a: number, b: number): Edit[] | null {
    // Most arguments are expressions or a plain variable: answered before anything is allocated.
    for (let j = a; j <= b; j++) if (!isIdent(j) && punct(j) !== 42 /* * */) return null;
    if (a === b && !TYPE_KEYWORDS.has(tokText(a))) return null;
    const words: number[] = [];
    let stars = 0;
    for (let j = a; j <= b; j++) {
      if (isIdent(j)) {
        if (stars > 0) return null;
        words.push(j);
      } else if (isPunct(j, '*')) stars++;
      else return null;
    }
    if (words.length === 0) return null;
    const names = words.map(tokText);
    const tagAt = names[0] === 'const' ? 1 : 0;
    if (/^(struct|union|enum)$/.test(names[tagAt] ?? '') && names.length === tagAt + 2) {
      const out: Edit[] = [];
      for (let j = 0; j <= tagAt; j++) out.push(tokenEdit(ts, live[words[j]!]!, ''));
      for (let j = words[words.length - 1]! + 1; j <= b; j++) out.push(tokenEdit(ts, live[j]!, ''));
      return out;
    }
    if (!names.every((w) => TYPE_KEYWORDS.has(w))) return null;
    const start = ts.start[live[a]!]!;
    const end = ts.end[live[b]!]!;
    const original = text.slice(start, end);
    if (/[\r\n]/.test(original)) return null;
    return [{ start, end, text: original.replace(/[ \t]+(?=[A-Za-z_])/g, (m) => '_'.repeat(m.length)).replace(/\*/g, ' ').toUpperCase() }];
  }

  /**
   * `SYSCALL_DEFINE3(name, t1, a1, t2, a2, t3, a3)` → `long name(t1 a1, t2 a2, t3 a3)`,
   * padded with spaces to the same length; `BPF_CALL_n` alike.
   */
  function definingMacroEdit(tsIn: TokenStream, liveIn: Int32Array, i: number, close: number): Edit[] | null {
    const args = splitArgs(i + 1, close);
    const nameArg = args[0];
    if (!nameArg || nameArg[0] !== nameArg[1] || !isIdent(nameArg[0])) return null;
    const macroStart = tsIn.start[liveIn[i]!]!;
    const edits2: Edit[] = [];
    if (args.length === 1) {
      // SYSCALL_DEFINE0(name) → "long   name()": the name moves left by one to make room.
      const span = text.slice(macroStart, tsIn.end[liveIn[close]!]!);
      const fname = tokText(nameArg[0]);
      const replacement = ('long ' + ' '.repeat(Math.max(0, span.length - 5 - fname.length - 2)) + fname + '()').padEnd(span.length, ' ');
      if (replacement.length !== span.length || /[\r\n]/.test(span)) return null;
      return [{ start: macroStart, end: macroStart + span.length, text: replacement }];
    }
    const head = text.slice(macroStart, tsIn.start[liveIn[i + 1]!]! + 1);
    edits2.push({ start: macroStart, end: macroStart + head.length, text: 'long'.padEnd(head.length, ' ') });
    // The comma after the name opens the parameter list.
    const commaAfterName = liveIn[nameArg[1] + 1]!;
    edits2.push({ start: tsIn.start[commaAfterName]!, end: tsIn.end[commaAfterName]!, text: '(' });
    // Commas between a type and its parameter name become spaces.
    for (let a = 1; a + 1 < args.length; a += 2) {
      const comma = liveIn[args[a]![1] + 1]!;
      edits2.push({ start: tsIn.start[comma]!, end: tsIn.end[comma]!, text: ' ' });
    }
    return edits2;
  }
}

const ALIGNOF: ReadonlySet<string> = new Set(['__alignof__', '__alignof', '_Alignof', 'alignof']);
const KERN_LEVEL = /^KERN_(EMERG|ALERT|CRIT|ERR|WARNING|NOTICE|INFO|DEBUG|DEFAULT|CONT|SOH)$/;

function tokenEdit(ts: TokenStream, t: number, replacement: string): Edit {
  return { start: ts.start[t]!, end: ts.end[t]!, text: replacement };
}

function blockMacroInfo(name: string): { kind: MacroBlockKind; defines: readonly number[] | null } {
  const known = BLOCK_MACROS.get(name);
  if (known) return known;
  return { kind: 'iter', defines: isIteratorName(name) ? null : [] };
}
