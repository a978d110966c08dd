/**
 * widen's own syntax tree for one C function: plain JS objects built from tree-sitter's tree in
 * one pass (syntax.ts), so the CFG, the dataflow and the rules never call into WASM, and the
 * tree-sitter tree can be freed at once. Offsets are string indices into the file; every
 * identifier carries the variable it resolves to, scopes included.
 */
import type { BlockMacro } from './normalize.js';

/** A variable a name resolves to: a local (`name@offset`), a parameter (`name@param`), or a global (`name`). */
export interface VarRef {
  /** Unique key within the function. */
  id: string;
  name: string;
  scope: 'local' | 'param' | 'global';
}

interface Span {
  start: number;
  end: number;
}

export type Expr =
  | (Span & { k: 'ident'; name: string; ref: VarRef })
  | (Span & { k: 'lit'; text: string })
  | (Span & { k: 'call'; callee: Expr; name: string | null; args: Expr[] })
  | (Span & { k: 'field'; base: Expr; field: string; arrow: boolean })
  | (Span & { k: 'index'; base: Expr; index: Expr })
  | (Span & { k: 'unary'; op: string; arg: Expr })
  | (Span & { k: 'update'; op: string; prefix: boolean; arg: Expr })
  | (Span & { k: 'binary'; op: string; left: Expr; right: Expr })
  | (Span & { k: 'assign'; op: string; target: Expr; value: Expr })
  | (Span & { k: 'cond'; test: Expr; then: Expr | null; else: Expr })
  | (Span & { k: 'cast'; type: string; arg: Expr })
  | (Span & { k: 'comma'; exprs: Expr[] })
  | (Span & { k: 'sizeof'; arg: Expr | null })
  | (Span & { k: 'stmtexpr'; body: Stmt & { k: 'block' } })
  | (Span & { k: 'init'; items: Expr[] })
  /**
   * Anything else (asm, _Generic, an error region): only its sub-expressions are kept. An
   * expression nested deeper than syntax.ts's `MAX_NESTING` is `too-deep`, with no children.
   */
  | (Span & { k: 'opaque'; what: string; children: Expr[] });

export interface Declarator {
  name: string;
  ref: VarRef;
  /** The declared type as written (`struct mmu_gather`), without the declarator's `*`s. */
  type: string;
  pointer: boolean;
  array: boolean;
  init: Expr | null;
  start: number;
  end: number;
}

export type Stmt =
  | (Span & { k: 'block'; body: Stmt[] })
  | (Span & { k: 'expr'; expr: Expr })
  | (Span & { k: 'decl'; vars: Declarator[]; macro: string | null })
  | (Span & { k: 'if'; test: Expr; then: Stmt; else: Stmt | null })
  | (Span & { k: 'while'; test: Expr; body: Stmt })
  /**
   * `macro`: the loop is `do { ... } for_each_vma(vmi, vma);`, the macro's arguments are `args`
   * and its `test` is their comma expression.
   */
  | (Span & { k: 'do'; body: Stmt; test: Expr; macro?: BlockMacro; args?: Expr[] })
  | (Span & { k: 'for'; init: Stmt | null; test: Expr | null; update: Expr | null; body: Stmt })
  /** A statement macro with a body (`for_each_vma(vmi, vma) { ... }`). */
  | (Span & { k: 'macro-loop'; macro: BlockMacro; args: Expr[]; body: Stmt })
  | (Span & { k: 'switch'; test: Expr; body: Stmt })
  /** `case v:` / `default:` (value null) with the statements up to the next label. */
  | (Span & { k: 'case'; value: Expr | null; body: Stmt[] })
  | (Span & { k: 'label'; name: string; body: Stmt })
  | (Span & { k: 'goto'; label: string })
  | (Span & { k: 'break' })
  | (Span & { k: 'continue' })
  | (Span & { k: 'return'; value: Expr | null })
  | (Span & { k: 'empty' })
  /** `#if`/`#ifdef` alternatives inside a body; `else` branches have condition `#else`. */
  | (Span & { k: 'preproc'; branches: Array<{ condition: string; body: Stmt[] }>; complete: boolean })
  /**
   * Code tree-sitter could not parse; `exprs` keeps any calls found inside so none is lost.
   * Also a statement nested deeper than syntax.ts's `MAX_NESTING`, with no `exprs`.
   */
  | (Span & { k: 'error'; exprs: Expr[] });

export interface Param {
  name: string;
  ref: VarRef;
  type: string;
  pointer: boolean;
  start: number;
  end: number;
}

/** A region of the function that did not parse cleanly, or that widen left out. */
export interface ParseProblem {
  start: number;
  end: number;
  /**
   * `error` (tree-sitter ERROR node), `missing` (a token it had to invent), or `too-deep` (code
   * nested deeper than syntax.ts's `MAX_NESTING`, left out of the AST).
   */
  kind: 'error' | 'missing' | 'too-deep';
}

export interface FunctionAst {
  name: string;
  params: Param[];
  body: Stmt & { k: 'block' };
  start: number;
  end: number;
  /** Offset of the body's closing brace. */
  closeBrace: number;
  problems: ParseProblem[];
}

/** Calls `visit` on `e` and every expression below it, parents first (statement expressions excluded). */
export function forEachExpr(e: Expr, visit: (x: Expr) => void): void {
  visit(e);
  forEachChild(e, (x) => forEachExpr(x, visit));
}

/** Calls `visit` on each direct sub-expression of `e` (statement expressions excluded). */
export function forEachChild(e: Expr, visit: (x: Expr) => void): void {
  switch (e.k) {
    case 'call':
      visit(e.callee);
      for (const a of e.args) visit(a);
      break;
    case 'field':
      visit(e.base);
      break;
    case 'index':
      visit(e.base);
      visit(e.index);
      break;
    case 'unary':
    case 'update':
    case 'cast':
      visit(e.arg);
      break;
    case 'sizeof':
      if (e.arg) visit(e.arg);
      break;
    case 'binary':
      visit(e.left);
      visit(e.right);
      break;
    case 'assign':
      visit(e.target);
      visit(e.value);
      break;
    case 'cond':
      visit(e.test);
      if (e.then) visit(e.then);
      visit(e.else);
      break;
    case 'comma':
      for (const x of e.exprs) visit(x);
      break;
    case 'init':
      for (const x of e.items) visit(x);
      break;
    case 'opaque':
      for (const x of e.children) visit(x);
      break;
    default:
      break;
  }
}

/** `e` without the casts around it: `(unsigned long)x` is `x`. */
export function uncast(e: Expr): Expr {
  return e.k === 'cast' ? uncast(e.arg) : e;
}

/** Whether `e` itself (casts not looked through) is the constant 0, `NULL` or `false`. */
export function isZeroConstant(e: Expr): boolean {
  return (e.k === 'lit' && /^(0[uUlL]*|NULL|false)$/.test(e.text.trim())) || (e.k === 'ident' && /^(NULL|false)$/.test(e.name));
}

/** A null pointer constant as the code writes it, through casts and parentheses: `NULL`, `0`, `(void *)0`. */
export function isNullConstant(e: Expr): boolean {
  return isZeroConstant(uncast(e));
}

/**
 * The access path an lvalue-like expression names, as a key: `vma@120`, `vmf@param->vma`,
 * `*p@88`, `walk@param->private`. Null for anything that is not a plain path (calls, arithmetic).
 * Parentheses and casts are looked through.
 */
export function pathKey(e: Expr): string | null {
  switch (e.k) {
    case 'ident':
      return e.ref.id;
    case 'field': {
      const b = pathKey(e.base);
      return b === null ? null : `${b}${e.arrow ? '->' : '.'}${e.field}`;
    }
    case 'index': {
      const b = pathKey(e.base);
      return b === null ? null : `${b}[]`;
    }
    case 'unary':
      if (e.op === '*') {
        const b = pathKey(e.arg);
        return b === null ? null : `*${b}`;
      }
      return null;
    case 'cast':
      return pathKey(e.arg);
    default:
      return null;
  }
}

/** The variable at the root of an access path (`vmf` for `vmf->vma`), or null. */
export function pathRoot(e: Expr): VarRef | null {
  switch (e.k) {
    case 'ident':
      return e.ref;
    case 'field':
    case 'index':
      return pathRoot(e.base);
    case 'unary':
      return e.op === '*' ? pathRoot(e.arg) : null;
    case 'cast':
      return pathRoot(e.arg);
    default:
      return null;
  }
}

/** Every prefix of an access path key, shortest first: `a`, `a->b`, `a->b->c`. */
export function pathPrefixes(key: string): string[] {
  if (key.startsWith('*')) return [...pathPrefixes(key.slice(1)), key];
  const out: string[] = [];
  const re = /->|\.|\[\]/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(key)) !== null) out.push(key.slice(0, m.index));
  out.push(key);
  return out;
}

/** Strips `&`: the object an argument like `&tlb` refers to. */
export function addressee(e: Expr): Expr {
  return e.k === 'unary' && e.op === '&' ? e.arg : e;
}

/** An access-path key as a reader writes it: `vmf@param->vma` → `vmf->vma`. */
export function displayKey(key: string): string {
  return key.replace(/@(param|\d+)/g, '');
}
