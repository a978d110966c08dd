/**
 * One C file under analysis: normalised once, segmented into functions once, and each
 * function parsed, converted and given its CFG only when something asks for it. A function
 * whose analysis fails in any way costs only itself: it gets an `analysis-failed` note and no
 * analysis, and the rest of the file goes on.
 */
import type { FunctionAst, VarRef } from './ast.js';
import { buildCfg, type Cfg } from './cfg.js';
import { ReachingDefs } from './dataflow.js';
import { findFunctions, functionAtLine, type FunctionSpan, type ShapeProblem } from './functions.js';
import { Tok, tokText, type TokenStream } from './lexer.js';
import { normalize, type LockAnnotation, type NormalizedSource } from './normalize.js';
import type { CParser } from './parser.js';
import { FactModel } from './paths.js';
import { SourceFile } from './source.js';
import { convertFunction, MAX_NESTING } from './syntax.js';

/** Something the analysis could not do, reported to the user as a note rather than hidden. */
export interface AnalysisNote {
  path: string;
  line: number;
  endLine: number;
  function: string | null;
  /**
   * - `parse-error`: lines tree-sitter could not parse.
   * - `too-deep`: code nested deeper than syntax.ts's `MAX_NESTING`, left out of the analysis.
   * - `analysis-failed`: an internal error stopped the analysis of a function (or, in a scan,
   *   of a file); it was skipped and everything else went on.
   * - `no-function-body`, `unresolved-goto`, `path-budget`: a function, or a part of its paths,
   *   that was not analysed.
   * - `limited-context`, `skipped-file`: what the front door could not read.
   * - `unshaped-code`: code widen could not cut into functions (a `}` too many, a `{` never
   *   closed, a K&R definition), so no rule saw it.
   */
  kind: 'unshaped-code' | 'parse-error' | 'too-deep' | 'too-large' | 'analysis-failed' | 'no-function-body' | 'path-budget' | 'not-judged' | 'unresolved-goto' | 'limited-context' | 'skipped-file';
  message: string;
}

export class AnalyzedFunction {
  /** Reaching definitions. */
  readonly defs: ReachingDefs;
  /** The branch conditions paths can be correlated on. */
  readonly facts: FactModel;

  /**
   * Computes the dataflow with the CFG, not on first use, so that a failure in it is caught by
   * {@link AnalyzedFile.analyze} and costs only this function.
   */
  constructor(
    readonly file: AnalyzedFile,
    readonly span: FunctionSpan,
    readonly ast: FunctionAst,
    readonly cfg: Cfg,
  ) {
    this.defs = new ReachingDefs(cfg);
    this.facts = new FactModel(cfg);
  }

  get name(): string {
    return this.span.name;
  }

  /** 1-based line of an offset in the file. */
  line(offset: number): number {
    return this.file.source.position(offset).line;
  }

  /** The original source text of a span, white space collapsed, for messages. */
  text(span: { start: number; end: number }): string {
    return this.file.source.text.slice(span.start, span.end).replace(/\s+/g, ' ').trim();
  }

  /** The declared type of a parameter or local, as written (`struct vm_area_struct`); null for any other. */
  declaredType(ref: VarRef): string | null {
    for (const p of this.ast.params) if (p.ref.id === ref.id) return p.type;
    for (const node of this.cfg.nodes) for (const d of node.decls ?? []) if (d.ref.id === ref.id) return d.type;
    return null;
  }
}

/**
 * What a file's analysis starts from, computed from its text alone: the text as the analysis
 * reads it, normalised and cut into functions. Immutable, so that a program that dropped an
 * analysed file to save memory can analyse it again from the same preparation
 * (src/analysis/program.ts).
 */
export interface PreparedSource {
  /** The text as it was read, before {@link plainText}: what a later open compares. */
  readonly text: string;
  readonly source: SourceFile;
  readonly normalized: NormalizedSource;
  readonly functions: readonly FunctionSpan[];
  readonly shapeProblems: readonly ShapeProblem[];
}

/** Normalises a file's text and cuts it into functions: the first step of every analysis of it. */
export function prepareSource(path: string, text: string): PreparedSource {
  const plain = plainText(text);
  const source = new SourceFile(path, plain);
  const normalized = normalize(plain);
  const shapeProblems: ShapeProblem[] = [];
  const functions = findFunctions(normalized.tokens, source, shapeProblems);
  return { text, source, normalized, functions, shapeProblems };
}

const SYSCALL_HEAD = /^\s*(?:COMPAT_)?SYSCALL_DEFINE\d\s*\(/;

export class AnalyzedFile {
  readonly source: SourceFile;
  readonly normalized: NormalizedSource;
  readonly functions: readonly FunctionSpan[];
  /** Code that could not be cut into functions; see {@link noteShapeProblems}. */
  readonly shapeProblems: readonly ShapeProblem[];
  private readonly byName = new Map<string, FunctionSpan[]>();
  private readonly cache = new Map<FunctionSpan, AnalyzedFunction | null>();
  private identifiers: Map<FunctionSpan, ReadonlySet<string>> | null = null;
  private mentioning: Map<string, FunctionSpan[]> | null = null;
  private readonly callees = new Map<FunctionSpan, ReadonlySet<string>>();
  readonly notes: AnalysisNote[] = [];

  /**
   * `text`: the file's text, or its preparation ({@link prepareSource}) when it was made ahead.
   * `noreturn`: functions declared `__noreturn` elsewhere (a scan's headers), beside the ones this
   * file declares itself.
   */
  constructor(
    path: string,
    text: string | PreparedSource,
    private readonly parser: CParser,
    private readonly noreturn: ReadonlySet<string> = new Set(),
  ) {
    const prepared = typeof text === 'string' ? prepareSource(path, text) : text;
    if (prepared.source.path !== path) throw new Error(`${path} was given the preparation of ${prepared.source.path}`);
    this.source = prepared.source;
    this.normalized = prepared.normalized;
    this.functions = prepared.functions;
    this.shapeProblems = prepared.shapeProblems;
    for (const f of this.functions) {
      const list = this.byName.get(f.name) ?? [];
      list.push(f);
      this.byName.set(f.name, list);
    }
  }

  get path(): string {
    return this.source.path;
  }

  /** The function containing 1-based `line`, if any. */
  functionAt(line: number): FunctionSpan | undefined {
    return functionAtLine(this.functions, line);
  }

  /** Whether this file was analysed with `noreturn` as its list of functions that never return. */
  usesNoreturn(noreturn: ReadonlySet<string>): boolean {
    return this.noreturn === noreturn || (this.noreturn.size === 0 && noreturn.size === 0);
  }

  /**
   * The file's definitions of `name`; for a macro the file defines as a call of its own
   * functions with the same arguments (`vma_expand_down()`), those functions' definitions.
   */
  definitionsOf(name: string): readonly FunctionSpan[] {
    const own = this.byName.get(name);
    if (own) return own;
    const targets = this.normalized.callAliases.get(name);
    if (!targets) return [];
    return targets.flatMap((t) => this.byName.get(t) ?? []);
  }

  /**
   * The definitions a call of `name` in this file can reach: {@link definitionsOf} without the
   * system calls. `SYSCALL_DEFINE4(migrate_pages, ...)` defines `sys_migrate_pages()`, which no C
   * code calls by name; its span is named `migrate_pages`, and 6.1's do_mbind() calling mm/migrate.c's
   * `migrate_pages()` was read as calling the system call, which takes the mmap lock.
   */
  calleeDefinitionsOf(name: string): readonly FunctionSpan[] {
    const all = this.definitionsOf(name);
    return all.some((s) => this.definesSyscall(s)) ? all.filter((s) => !this.definesSyscall(s)) : all;
  }

  /** Whether `span` is a `SYSCALL_DEFINEn()` or `COMPAT_SYSCALL_DEFINEn()`. */
  definesSyscall(span: FunctionSpan): boolean {
    return SYSCALL_HEAD.test(this.source.text.slice(span.start, span.start + 40));
  }

  /** The macros this file defines as a call of one of `names` (`vma_expand_down` for `expand_downwards`). */
  callAliasesOf(names: ReadonlySet<string>): string[] {
    return [...this.normalized.callAliases].filter(([, targets]) => targets.some((t) => names.has(t))).map(([alias]) => alias);
  }

  /**
   * The distinct identifiers a function's tokens mention, header included. Built for every
   * function in one pass over the tokens the first time it is asked: the prefilters ask it of
   * every function for every rule, and one pass per question cost a fifth of a scan.
   */
  identifiersOf(span: FunctionSpan): ReadonlySet<string> {
    if (!this.identifiers) this.identifiers = identifierIndex(this.normalized.tokens, this.functions);
    return this.identifiers.get(span) ?? new Set();
  }

  /**
   * The identifiers a function calls (`f(`) or takes the address of (`&f`): what a walk through
   * its callees follows. Not every identifier: a local variable that shares a function's name
   * is no call of it (mm/mlock.c `mlock_folio_batch()`'s `unsigned long mlock;` led a walk into
   * the `mlock` system call and its `mmap_write_lock_killable()`, so that every caller of
   * `apply_vma_lock_flags()` stopped judging its lock).
   */
  calleesOf(span: FunctionSpan): ReadonlySet<string> {
    let out = this.callees.get(span);
    if (!out) {
      const ids = new Set<string>();
      const ts = this.normalized.tokens;
      const is = (t: number, p: string): boolean => t >= span.firstToken && t <= span.lastToken && ts.kind[t] === Tok.Punct && ts.end[t]! - ts.start[t]! === p.length && ts.text.startsWith(p, ts.start[t]!);
      for (let t = span.firstToken; t <= span.lastToken; t++) {
        // Not a member (`vma->vm_ops->mprotect(...)`, `ops.fault(...)`): a call through a
        // function pointer names a field, not the function of that name (sweep T: the mprotect()
        // system call, which takes the mmap lock, read as a callee of every `->mprotect()`).
        if (ts.kind[t] === Tok.Ident && (is(t + 1, '(') || is(t - 1, '&')) && !is(t - 1, '->') && !is(t - 1, '.')) ids.add(tokText(ts, t));
      }
      this.callees.set(span, (out = ids));
    }
    return out;
  }

  /**
   * Each call (or macro use) `name(...)` in the function's tokens, as the text of its top-level
   * arguments, tokens joined without spaces (`MA_STATE(mas, &mm->mm_mt, 0, 0)`: `mas`,
   * `&mm->mm_mt`, `0`, `0`). A question on tokens, for a rule that can tell from them alone that
   * a function need not be parsed.
   */
  callArguments(span: FunctionSpan, name: string): string[][] {
    if (!this.identifiersOf(span).has(name)) return [];
    const ts = this.normalized.tokens;
    const out: string[][] = [];
    for (let t = span.firstToken; t < span.lastToken; t++) {
      if (ts.kind[t] !== Tok.Ident || tokText(ts, t) !== name || ts.kind[t + 1] !== Tok.Punct || tokText(ts, t + 1) !== '(') continue;
      out.push(topLevelGroups(ts, t + 1, span.lastToken).map((g) => g.map((u) => tokText(ts, u)).join('')));
    }
    return out;
  }

  /**
   * The function's parameters as its header's tokens declare them: each name with the text of
   * its type, tokens joined by a space (`struct maple_tree *mt`: `mt`, `struct maple_tree *`).
   */
  parameterTypes(span: FunctionSpan): Map<string, string> {
    const ts = this.normalized.tokens;
    const out = new Map<string, string>();
    let t = span.firstToken;
    while (t < span.lastToken && ts.start[t]! < span.bodyStart && !(ts.kind[t] === Tok.Ident && tokText(ts, t) === span.name && tokText(ts, t + 1) === '(')) t++;
    if (ts.start[t]! >= span.bodyStart) return out;
    let limit = t;
    while (limit + 1 < span.lastToken && ts.start[limit + 1]! < span.bodyStart) limit++;
    for (const param of topLevelGroups(ts, t + 1, limit)) {
      const last = param[param.length - 1];
      if (last !== undefined && ts.kind[last] === Tok.Ident && param.length > 1) out.set(tokText(ts, last), param.slice(0, -1).map((u) => tokText(ts, u)).join(' '));
    }
    return out;
  }

  /**
   * The declared return type of the function at `span`, as written before its name (`static
   * struct vm_area_struct *`, `int`), or '' when the name is not found in its header.
   */
  returnType(span: FunctionSpan): string {
    const head = this.source.text.slice(span.start, span.bodyStart);
    const at = head.search(new RegExp(`\\b${span.name}\\s*\\(`));
    return at < 0 ? '' : head.slice(0, at);
  }

  /**
   * The functions whose tokens mention identifier `name`, in file order: the reverse of
   * {@link identifiersOf}, built once, so that "who calls f()" is not a walk over every function
   * of the file for every function asked about (quadratic in a file of thousands of functions).
   */
  functionsMentioning(name: string): readonly FunctionSpan[] {
    if (!this.mentioning) {
      this.mentioning = new Map();
      for (const span of this.functions) {
        for (const id of this.identifiersOf(span)) {
          const list = this.mentioning.get(id);
          if (list) list.push(span);
          else this.mentioning.set(id, [span]);
        }
      }
    }
    return this.mentioning.get(name) ?? [];
  }

  /** The lock annotations in a function's header (between its first token and its body). */
  annotationsOf(span: FunctionSpan): readonly LockAnnotation[] {
    return this.normalized.annotations.filter((a) => a.start >= span.start && a.start < span.bodyStart);
  }

  /**
   * True when the function's tokens have identifier `name` right before one of `after` or right
   * after one of `before` (punctuators): `vm_flags |=`, `++x`. A test on tokens, before parsing.
   */
  hasTokenNear(span: FunctionSpan, name: string, after: ReadonlySet<string>, before: ReadonlySet<string> = new Set()): boolean {
    if (!this.identifiersOf(span).has(name)) return false;
    const ts = this.normalized.tokens;
    const text = (t: number): string => tokText(ts, t);
    for (let t = span.firstToken; t <= span.lastToken; t++) {
      if (ts.kind[t] !== Tok.Ident || text(t) !== name) continue;
      if (t + 1 <= span.lastToken && ts.kind[t + 1] === Tok.Punct && after.has(text(t + 1))) return true;
      if (t - 1 >= span.firstToken && ts.kind[t - 1] === Tok.Punct && before.has(text(t - 1))) return true;
    }
    return false;
  }

  /**
   * True when the function's tokens may write one of `fields` of a struct through a pointer or
   * a member: `p->f = v`, `p->f.x |= v`, `p->f++`, `++p->f`. A test on tokens, before parsing,
   * that a write the parsed function shows (an assignment or update whose target is that field)
   * always passes: reads of the field (`if (vma->vm_start < addr)`) do not.
   */
  writesField(span: FunctionSpan, fields: ReadonlySet<string>): boolean {
    if (!this.mentions(span, fields)) return false;
    const ts = this.normalized.tokens;
    const text = (t: number): string => tokText(ts, t);
    const punct = (t: number, set: ReadonlySet<string>): boolean => t >= span.firstToken && t <= span.lastToken && ts.kind[t] === Tok.Punct && set.has(text(t));
    for (let t = span.firstToken; t <= span.lastToken; t++) {
      if (ts.kind[t] !== Tok.Ident || !punct(t - 1, MEMBER) || !fields.has(text(t))) continue;
      // Forward over `.member` chains to what follows the target.
      let after = t + 1;
      while (punct(after, DOT) && after + 1 <= span.lastToken && ts.kind[after + 1] === Tok.Ident) after += 2;
      while (punct(after, CLOSE)) after++;
      if (punct(after, WRITE_OPS)) return true;
      // Back over the base (`a->b.c->`, parentheses included) to a prefix `++` or `--`.
      let before = t - 1;
      while (before >= span.firstToken && (ts.kind[before] === Tok.Ident || punct(before, BASE))) before--;
      if (punct(before, UPDATE)) return true;
    }
    return false;
  }

  /** True when the function mentions any of `names`. */
  mentions(span: FunctionSpan, names: ReadonlySet<string>): boolean {
    const ids = this.identifiersOf(span);
    const [small, large] = ids.size < names.size ? [ids, names] : [names, ids];
    for (const n of small) if (large.has(n)) return true;
    return false;
  }

  /** Whether {@link analyze} has been asked for this function (it is parsed at most once). */
  isAnalyzed(span: FunctionSpan): boolean {
    return this.cache.has(span);
  }

  /**
   * Parses and analyses one function. Returns null when tree-sitter finds no body at all or
   * when the analysis fails (an internal error, noted as `analysis-failed`); either way,
   * unparsable and left-out regions are recorded in {@link notes}.
   */
  analyze(span: FunctionSpan): AnalyzedFunction | null {
    if (this.cache.has(span)) return this.cache.get(span)!;
    let result: AnalyzedFunction | null = null;
    try {
      result = this.analyzeUncached(span);
    } catch (e) {
      this.note(span, span.startLine, span.endLine, 'analysis-failed', `widen skipped \`${span.name}()\` because analysing it failed with an internal error (${failureReason(e)}), so no rule checked it.`);
    }
    this.cache.set(span, result);
    return result;
  }

  private analyzeUncached(span: FunctionSpan): AnalyzedFunction | null {
    const text = this.normalized.text;
    const startPos = this.source.position(span.start);
    const endPos = this.source.position(span.end);
    const tree = this.parser.parseRange(text, span.start, span.end, { row: startPos.line - 1, column: startPos.column - 1 }, { row: endPos.line - 1, column: endPos.column - 1 });
    try {
      const ast = convertFunction(tree.rootNode, text, this.normalized.blockMacros, span.name);
      if (!ast) {
        this.note(span, span.startLine, span.endLine, 'no-function-body', `widen could not find the body of \`${span.name}()\` (lines ${span.startLine}-${span.endLine}); it was not analysed.`);
        return null;
      }
      const unparsed = ast.problems.filter((p) => p.kind !== 'too-deep');
      for (const [a, b] of this.problemLines(unparsed)) {
        this.note(span, a, b, 'parse-error', `widen could not parse ${lineRange(a, b)} of \`${span.name}()\`; calls it found there are still checked, but findings that depend on that code may be missed.`);
      }
      for (const [a, b] of this.problemLines(ast.problems.filter((p) => p.kind === 'too-deep'))) {
        this.note(span, a, b, 'too-deep', `widen left ${lineRange(a, b)} of \`${span.name}()\` out of its analysis because the code there nests more than ${MAX_NESTING} levels deep, so findings that depend on that code may be missed.`);
      }
      const cfg = buildCfg(
        ast,
        (name) => this.normalized.noreturn.has(name) || this.noreturn.has(name),
        (name) => this.normalized.aliases.get(name) ?? [],
      );
      // Def-use and path facts grow with the square of a function's statements: a generated
      // function of 50,000 statements took 1.5 GB, one of 100,000 5.3 GB (sweep L). The kernel's
      // largest functions are a few thousand.
      if (cfg.nodes.length > MAX_CFG_NODES) {
        this.note(span, span.startLine, span.endLine, 'too-large', `widen left \`${span.name}()\` out of its analysis: it has ${cfg.nodes.length} statements and conditions, more than the ${MAX_CFG_NODES} it analyses in one function, so no rule checked it.`);
        return null;
      }
      for (const g of cfg.unresolvedGotos) {
        const line = this.source.position(cfg.nodes[g.node]!.start).line;
        this.note(span, line, line, 'unresolved-goto', `\`goto ${g.label}\` in \`${span.name}()\` has no label widen could find; paths through it are not followed.`);
      }
      return new AnalyzedFunction(this, span, ast, cfg);
    } finally {
      tree.delete();
    }
  }

  /** Problem regions as line ranges, adjacent and overlapping ones merged into one. */
  private problemLines(problems: FunctionAst['problems']): Array<[number, number]> {
    const ranges = problems
      .map((p): [number, number] => [this.source.position(p.start).line, this.source.position(Math.max(p.start, p.end - 1)).line])
      .sort((x, y) => x[0] - y[0]);
    const out: Array<[number, number]> = [];
    for (const r of ranges) {
      const last = out[out.length - 1];
      if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
      else out.push([...r]);
    }
    return out;
  }

  /**
   * Notes each shape problem that `concerns` the caller (a scan: its hidden code names a rule's
   * trigger; a review: the patch changes a line of it), so that code no rule saw is named.
   */
  noteShapeProblems(concerns: (p: ShapeProblem, lines: { first: number; last: number }) => boolean): void {
    for (const p of this.shapeProblems) {
      const lines = this.regionLines(p);
      if (!concerns(p, lines)) continue;
      const at = this.source.position(p.at).line;
      const range = lineRange(lines.first, lines.last);
      let message: string;
      const them = lines.first === lines.last ? 'it' : 'them';
      if (p.kind === 'stray-close') {
        const before = this.functions.filter((f) => f.end <= p.regionStart).at(-1);
        const ends = before && before.end === p.regionStart ? `: by brace count \`${before.name}()\` ends at line ${before.endLine}, so` : ', so';
        message = `The \`}\` at line ${at} closes no \`{\`${ends} ${range} ${lines.first === lines.last ? 'is' : 'are'} outside any function and no rule checked ${them}. Look for one \`}\` too many, or a macro that opens a block.`;
      } else if (p.kind === 'unbalanced') {
        const fn = this.functions.find((f) => f.bodyStart === p.at);
        message = `The braces of ${fn ? `\`${fn.name}()\`` : 'the function'} do not balance: its \`{\` at line ${at} is not closed by the \`}\` in column 0 at line ${lines.last}, where widen ended it to go on with the next function; findings in ${range} may be missing or wrong. Look for a \`{\` too many, or one \`}\` lost.`;
      } else if (p.kind === 'unclosed') {
        message = `The \`{\` at line ${at} is not closed before the end of the file, so widen could not tell where the code after it splits into functions; findings in ${range} may be missing or wrong.`;
      } else if (p.kind === 'stray-statement') {
        const word = /^\w+/.exec(this.source.text.slice(p.at, p.at + 10))?.[0] ?? '';
        message = `\`${word}\` at line ${at} stands outside any function widen could find, so the braces of the function around it are hidden (in macros such as \`#define BEGIN {\`, or as digraphs); no rule checked ${range}.`;
      } else {
        message = `The block at ${range} follows no function header widen recognises (a K&R-style parameter list, or a header hidden in a macro), so no rule checked it.`;
      }
      this.note(this.functionAt(at) ?? null, lines.first, lines.last, 'unshaped-code', message);
    }
  }

  /** The lines of a shape problem's hidden code, from its first non-blank character. */
  private regionLines(p: ShapeProblem): { first: number; last: number } {
    const text = this.source.text;
    let s = p.regionStart;
    while (s < p.regionEnd && /\s/.test(text[s]!)) s++;
    return { first: this.source.position(s).line, last: this.source.position(Math.max(s, p.regionEnd - 1)).line };
  }

  /** True when a shape problem's hidden code mentions one of `names` as an identifier. */
  shapeMentions(p: ShapeProblem, names: ReadonlySet<string>): boolean {
    const ts = this.normalized.tokens;
    for (let t = 0; t < ts.count; t++) {
      if (ts.start[t]! < p.regionStart || ts.kind[t] !== Tok.Ident) continue;
      if (ts.start[t]! >= p.regionEnd) break;
      if (names.has(tokText(ts, t))) return true;
    }
    return false;
  }

  note(span: FunctionSpan | null, line: number, endLine: number, kind: AnalysisNote['kind'], message: string): void {
    this.notes.push({ path: this.path, line, endLine, function: span?.name ?? null, kind, message });
  }
}

/**
 * What an `analysis-failed` note says went wrong: the message of whatever was thrown. Read by
 * shape, not `instanceof`: an error from another realm (a worker thread, a VM context) is not an
 * instance of this realm's `Error`.
 */
export function failureReason(e: unknown): string {
  if (typeof e === 'object' && e !== null && 'message' in e && typeof e.message === 'string') return e.message;
  return String(e);
}

const MEMBER: ReadonlySet<string> = new Set(['->', '.']);
const DOT: ReadonlySet<string> = new Set(['.']);
const CLOSE: ReadonlySet<string> = new Set([')']);
const UPDATE: ReadonlySet<string> = new Set(['++', '--']);
const BASE: ReadonlySet<string> = new Set(['->', '.', '(', ')']);
const WRITE_OPS: ReadonlySet<string> = new Set(['=', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '<<=', '>>=', '++', '--']);

/** The most CFG nodes (statements and conditions) of one function the analysis builds its facts for. */
export const MAX_CFG_NODES = 20_000;

/**
 * The text as the analysis reads it, offset for offset: a lone carriage return ends a line, as
 * for the C preprocessor (a file with old Mac line endings was one line, a preprocessor
 * directive to its end, and no function of it was checked, without a note: sweep L), and a NUL
 * byte is a space (tree-sitter read the rest of its line as an error and the finding moved
 * onto it).
 */
export function plainText(text: string): string {
  if (!text.includes('\r') && !text.includes('\0')) return text;
  return text.replace(/\r(?!\n)/g, '\n').replace(/\0/g, ' ');
}

function identifierIndex(ts: TokenStream, spans: readonly FunctionSpan[]): Map<FunctionSpan, ReadonlySet<string>> {
  const out = new Map<FunctionSpan, ReadonlySet<string>>();
  for (const span of spans) {
    const ids = new Set<string>();
    for (let t = span.firstToken; t <= span.lastToken; t++) {
      if (ts.kind[t] === Tok.Ident) ids.add(tokText(ts, t));
    }
    out.set(span, ids);
  }
  return out;
}

function lineRange(a: number, b: number): string {
  return a === b ? `line ${a}` : `lines ${a}-${b}`;
}

/**
 * The token indices of each top-level item of the list the `(` at `open` begins, up to its `)`
 * (`f(a, g(b, c))`: `a`, then `g(b, c)`), looking no further than token `last`. A list that does
 * not close by then ends with its last complete item.
 */
function topLevelGroups(ts: TokenStream, open: number, last: number): number[][] {
  const groups: number[][] = [];
  let group: number[] = [];
  let depth = 0;
  for (let u = open + 1; u <= last; u++) {
    const w = ts.kind[u] === Tok.Punct ? tokText(ts, u) : '';
    if (depth === 0 && (w === ',' || w === ')')) {
      groups.push(group);
      group = [];
      if (w === ')') break;
      continue;
    }
    if (w === '(' || w === '[' || w === '{') depth++;
    if (w === ')' || w === ']' || w === '}') depth--;
    group.push(u);
  }
  return groups;
}
