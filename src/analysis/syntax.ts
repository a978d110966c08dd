/**
 * Converts tree-sitter's tree of one function into widen's AST (ast.ts) in a single pass,
 * resolving every identifier to its declaration and turning the normaliser's rewritten block
 * macros back into loops. Parse errors become {@link ParseProblem}s and `error` statements
 * that keep the calls found inside them.
 *
 * The AST is never deeper than {@link MAX_NESTING}: a subtree that would be is left out and
 * reported as a `too-deep` problem (file.ts turns it into a note), so the converter and every
 * recursive pass after it (CFG, dataflow, paths, rules) stay well inside the stack.
 */
import type { Node } from 'web-tree-sitter';
import type { Declarator, Expr, FunctionAst, Param, ParseProblem, Stmt, VarRef } from './ast.js';
import { DECLARING_MACROS } from './kernel-macros.js';
import type { BlockMacro } from './normalize.js';

/**
 * How deep widen's AST of a function may be, statements and expressions counted together (an
 * `if` with a braced body is two levels, each parenthesis or operator one). Kernel functions
 * stay within a few dozen levels; only generated or hostile code comes near this. Anything
 * deeper is cut off, converted to an `error` statement or an `opaque` expression without
 * children, and reported as a `too-deep` {@link ParseProblem}: the calls inside it are not seen.
 */
export const MAX_NESTING = 256;

/** Converts the first function definition under `root`, or returns null when there is none. */
export function convertFunction(root: Node, text: string, blockMacros: Map<number, BlockMacro>, fallbackName: string): FunctionAst | null {
  const def = root.namedChildren.find((c) => c?.type === 'function_definition') ?? null;
  const body = def ? def.childForFieldName('body') : root.namedChildren.find((c) => c?.type === 'compound_statement') ?? null;
  if (!body) return null;
  const problems: ParseProblem[] = [];
  collectProblems(root, problems);
  const conv = new Converter(text, blockMacros, problems);
  conv.pushScope();
  const params = def ? conv.params(def) : [];
  const block = conv.block(body);
  conv.popScope();
  const name = def ? declaratorName(def.childForFieldName('declarator')) ?? fallbackName : fallbackName;
  return {
    name,
    params,
    body: block,
    start: (def ?? body).startIndex,
    end: (def ?? body).endIndex,
    closeBrace: Math.max(body.startIndex, body.endIndex - 1),
    problems,
  };
}

/** ERROR and MISSING nodes under `root`, in source order (iterative: error regions can nest deep). */
function collectProblems(root: Node, out: ParseProblem[]): void {
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.type === 'ERROR') {
      out.push({ start: node.startIndex, end: node.endIndex, kind: 'error' });
    } else if (node.isMissing) {
      out.push({ start: node.startIndex, end: node.endIndex, kind: 'missing' });
    } else if (node.hasError) {
      const children = node.children;
      for (let i = children.length - 1; i >= 0; i--) {
        const c = children[i];
        if (c) stack.push(c);
      }
    }
  }
}

function declaratorName(d: Node | null): string | null {
  let n = d;
  while (n) {
    if (n.type === 'identifier' || n.type === 'field_identifier') return n.text;
    n = n.childForFieldName('declarator') ?? n.namedChildren.find((c) => c?.type.endsWith('declarator') || c?.type === 'identifier') ?? null;
  }
  return null;
}

type Block = Stmt & { k: 'block' };

class Converter {
  private readonly scopes: Array<Map<string, VarRef>> = [];
  private readonly globals = new Map<string, VarRef>();
  /** Levels of {@link stmt}, {@link expr} and {@link salvage} currently open. */
  private depth = 0;

  constructor(
    private readonly text: string,
    private readonly blockMacros: Map<number, BlockMacro>,
    private readonly problems: ParseProblem[],
  ) {}

  /**
   * Opens one more level for `n`, or, at {@link MAX_NESTING}, records `n` as too deep and returns
   * false: the caller then returns its cut-off form. A caller that got true closes the level
   * with `this.depth--`. (Not a helper taking closures: two closures per statement and
   * expression were a measurable part of the garbage a scan makes.)
   */
  private enter(n: Node): boolean {
    if (this.depth >= MAX_NESTING) {
      this.problems.push({ start: n.startIndex, end: n.endIndex, kind: 'too-deep' });
      return false;
    }
    this.depth++;
    return true;
  }

  pushScope(): void {
    this.scopes.push(new Map());
  }

  popScope(): void {
    this.scopes.pop();
  }

  private declare(name: string, scope: 'local' | 'param', offset: number): VarRef {
    const ref: VarRef = { id: scope === 'param' ? `${name}@param` : `${name}@${offset}`, name, scope };
    this.scopes[this.scopes.length - 1]!.set(name, ref);
    return ref;
  }

  private resolve(name: string): VarRef {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const r = this.scopes[i]!.get(name);
      if (r) return r;
    }
    let g = this.globals.get(name);
    if (!g) {
      g = { id: name, name, scope: 'global' };
      this.globals.set(name, g);
    }
    return g;
  }

  private slice(n: Node): string {
    return this.text.slice(n.startIndex, n.endIndex);
  }

  params(def: Node): Param[] {
    let d = def.childForFieldName('declarator');
    while (d && d.type !== 'function_declarator') d = d.childForFieldName('declarator');
    const list = d?.childForFieldName('parameters');
    const out: Param[] = [];
    if (!list) return out;
    for (const p of list.namedChildren) {
      if (!p || p.type !== 'parameter_declaration') continue;
      const decl = p.childForFieldName('declarator');
      const name = declaratorName(decl);
      if (!name) continue;
      const type = this.typeText(p);
      out.push({ name, ref: this.declare(name, 'param', p.startIndex), type, pointer: isPointerDeclarator(decl), start: p.startIndex, end: p.endIndex });
    }
    return out;
  }

  private typeText(declNode: Node): string {
    const t = declNode.childForFieldName('type');
    return t ? this.slice(t).replace(/\s+/g, ' ') : '';
  }

  block(n: Node): Block {
    this.pushScope();
    const body: Stmt[] = [];
    for (const c of n.namedChildren) if (c) this.stmtInto(c, body);
    this.popScope();
    return { k: 'block', body, start: n.startIndex, end: n.endIndex };
  }

  private stmtInto(n: Node, out: Stmt[]): void {
    if (n.type === 'comment') return;
    out.push(this.stmt(n));
  }

  stmt(n: Node): Stmt {
    if (!this.enter(n)) return { k: 'error', exprs: [], start: n.startIndex, end: n.endIndex };
    const out = this.convertStmt(n);
    this.depth--;
    return out;
  }

  private convertStmt(n: Node): Stmt {
    const start = n.startIndex;
    const end = n.endIndex;
    switch (n.type) {
      case 'compound_statement':
        return this.block(n);
      case 'expression_statement': {
        const e = n.namedChildren.find((c) => c && c.type !== 'comment');
        if (!e) return { k: 'empty', start, end };
        const expr = this.expr(e);
        const declared = this.declaringMacro(expr);
        if (declared) return declared;
        return { k: 'expr', expr, start, end };
      }
      case 'declaration':
        return { k: 'decl', vars: this.declarators(n), macro: null, start, end };
      case 'if_statement':
        return this.ifStmt(n);
      case 'while_statement':
        return { k: 'while', test: this.cond(n.childForFieldName('condition')), body: this.stmtOrEmpty(n.childForFieldName('body'), end), start, end };
      case 'do_statement': {
        const body = this.stmtOrEmpty(n.childForFieldName('body'), end);
        const test = this.cond(n.childForFieldName('condition'));
        const keyword = n.children.find((c) => c?.type === 'while');
        const macro = keyword ? this.blockMacros.get(keyword.startIndex) : undefined;
        // The condition of `do { } for_each_vma(vmi, vma);` is the macro's arguments.
        return macro ? { k: 'do', body, test, macro, args: this.flattenComma(test), start, end } : { k: 'do', body, test, start, end };
      }
      case 'for_statement': {
        this.pushScope();
        const initNode = n.childForFieldName('initializer');
        let init: Stmt | null = null;
        if (initNode) {
          init = initNode.type === 'declaration'
            ? { k: 'decl', vars: this.declarators(initNode), macro: null, start: initNode.startIndex, end: initNode.endIndex }
            : { k: 'expr', expr: this.expr(initNode), start: initNode.startIndex, end: initNode.endIndex };
        }
        const testNode = n.childForFieldName('condition');
        const updateNode = n.childForFieldName('update');
        const s: Stmt = {
          k: 'for',
          init,
          test: testNode ? this.expr(testNode) : null,
          update: updateNode ? this.expr(updateNode) : null,
          body: this.stmtOrEmpty(n.childForFieldName('body'), end),
          start,
          end,
        };
        this.popScope();
        return s;
      }
      case 'switch_statement':
        return { k: 'switch', test: this.cond(n.childForFieldName('condition')), body: this.stmtOrEmpty(n.childForFieldName('body'), end), start, end };
      case 'case_statement': {
        const valueNode = n.childForFieldName('value');
        const body: Stmt[] = [];
        for (const c of n.namedChildren) if (c && c.id !== valueNode?.id) this.stmtInto(c, body);
        return { k: 'case', value: valueNode ? this.expr(valueNode) : null, body, start, end };
      }
      case 'labeled_statement': {
        const label = n.childForFieldName('label');
        const inner = n.namedChildren.find((c) => c && c.id !== label?.id && c.type !== 'comment');
        return { k: 'label', name: label ? this.slice(label) : '', body: inner ? this.stmt(inner) : { k: 'empty', start: end, end }, start, end };
      }
      case 'goto_statement': {
        const label = n.childForFieldName('label');
        return { k: 'goto', label: label ? this.slice(label) : '', start, end };
      }
      case 'break_statement':
        return { k: 'break', start, end };
      case 'continue_statement':
        return { k: 'continue', start, end };
      case 'return_statement': {
        const v = n.namedChildren.find((c) => c && c.type !== 'comment');
        return { k: 'return', value: v ? this.expr(v) : null, start, end };
      }
      case 'attributed_statement': {
        const inner = n.namedChildren.find((c) => c && c.type !== 'attribute_declaration');
        return inner ? this.stmt(inner) : { k: 'empty', start, end };
      }
      case 'preproc_if':
      case 'preproc_ifdef':
        return this.preproc(n);
      case 'ERROR':
        return { k: 'error', exprs: this.salvage(n), start, end };
      default:
        return { k: 'empty', start, end };
    }
  }

  private stmtOrEmpty(n: Node | null, at: number): Stmt {
    return n ? this.stmt(n) : { k: 'empty', start: at, end: at };
  }

  private ifStmt(n: Node): Stmt {
    const start = n.startIndex;
    const end = n.endIndex;
    const macro = this.blockMacros.get(start);
    const condNode = n.childForFieldName('condition');
    const consNode = n.childForFieldName('consequence');
    const altNode = n.childForFieldName('alternative');
    const altStmt = altNode ? this.elseBody(altNode) : null;
    if (macro) {
      const inner = condNode?.namedChildren.find((c) => c && c.type !== 'comment') ?? null;
      const args = inner ? this.flattenComma(this.expr(inner)) : [];
      const body = this.stmtOrEmpty(consNode, end);
      const loop: Stmt = { k: 'macro-loop', macro, args, body, start, end };
      // `if (x) for_each_foo(...) s; else t;` — the parser gave the `else` to the macro's `if`.
      return altStmt ? { k: 'block', body: [loop, altStmt], start, end } : loop;
    }
    let then = this.stmtOrEmpty(consNode, end);
    let elseStmt = altStmt;
    if (!elseStmt && then.k === 'block' && then.body.length === 2 && then.body[0]!.k === 'macro-loop' && consNode?.type !== 'compound_statement') {
      // Undo the dangling-else capture above: the else belongs to this `if`.
      elseStmt = then.body[1]!;
      then = then.body[0]!;
    }
    return { k: 'if', test: this.cond(condNode), then, else: elseStmt, start, end };
  }

  private elseBody(alt: Node): Stmt {
    const inner = alt.type === 'else_clause' ? alt.namedChildren.find((c) => c && c.type !== 'comment') : alt;
    return inner ? this.stmt(inner) : { k: 'empty', start: alt.endIndex, end: alt.endIndex };
  }

  private preproc(n: Node): Stmt {
    const branches: Array<{ condition: string; body: Stmt[] }> = [];
    let cur: Node | null = n;
    let complete = false;
    while (cur) {
      const alt: Node | null = cur.childForFieldName('alternative');
      const skip = new Set<number>([alt?.id ?? -1, cur.childForFieldName('name')?.id ?? -1, cur.childForFieldName('condition')?.id ?? -1]);
      const body: Stmt[] = [];
      this.pushScope();
      for (const c of cur.namedChildren) if (c && !skip.has(c.id)) this.stmtInto(c, body);
      this.popScope();
      const headEnd = this.text.indexOf('\n', cur.startIndex);
      const condition = this.text.slice(cur.startIndex, headEnd < 0 ? cur.endIndex : headEnd).trim();
      branches.push({ condition, body });
      if (cur.type === 'preproc_else') complete = true;
      cur = alt;
    }
    return { k: 'preproc', branches, complete, start: n.startIndex, end: n.endIndex };
  }

  /** `VMA_ITERATOR(vmi, mm, addr);` declares `vmi`. */
  private declaringMacro(e: Expr): Stmt | null {
    if (e.k !== 'call' || e.name === null || !DECLARING_MACROS.has(e.name)) return null;
    const first = e.args[0];
    if (!first || first.k !== 'ident') return null;
    const ref = this.declare(first.name, 'local', first.start);
    first.ref = ref;
    const v: Declarator = { name: first.name, ref, type: e.name, pointer: false, array: false, init: e, start: first.start, end: first.end };
    return { k: 'decl', vars: [v], macro: e.name, start: e.start, end: e.end };
  }

  private declarators(n: Node): Declarator[] {
    const type = this.typeText(n);
    const out: Declarator[] = [];
    for (const d of n.childrenForFieldName('declarator')) {
      if (!d) continue;
      let target: Node | null = d;
      let init: Expr | null = null;
      if (d.type === 'init_declarator') {
        const v = d.childForFieldName('value');
        init = v ? this.expr(v) : null;
        target = d.childForFieldName('declarator');
      }
      if (containsType(target, 'function_declarator') && !containsType(target, 'parenthesized_declarator')) continue;
      const name = declaratorName(target);
      if (!name) continue;
      const ref = this.declare(name, 'local', d.startIndex);
      out.push({ name, ref, type, pointer: isPointerDeclarator(target), array: containsType(target, 'array_declarator'), init, start: d.startIndex, end: d.endIndex });
    }
    return out;
  }

  private cond(n: Node | null): Expr {
    if (!n) return { k: 'lit', text: '1', start: 0, end: 0 };
    if (n.type === 'parenthesized_expression') {
      const inner = n.namedChildren.find((c) => c && c.type !== 'comment');
      if (inner && inner.type !== 'compound_statement') return this.expr(inner);
    }
    return this.expr(n);
  }

  private flattenComma(e: Expr): Expr[] {
    return e.k === 'comma' ? e.exprs : [e];
  }

  expr(n: Node): Expr {
    if (!this.enter(n)) return { k: 'opaque', what: 'too-deep', children: [], start: n.startIndex, end: n.endIndex };
    const out = this.convertExpr(n);
    this.depth--;
    return out;
  }

  private convertExpr(n: Node): Expr {
    const start = n.startIndex;
    const end = n.endIndex;
    switch (n.type) {
      case 'identifier':
        return { k: 'ident', name: n.text, ref: this.resolve(n.text), start, end };
      case 'number_literal':
      case 'string_literal':
      case 'concatenated_string':
      case 'char_literal':
      case 'true':
      case 'false':
      case 'null':
        return { k: 'lit', text: this.slice(n), start, end };
      case 'parenthesized_expression': {
        const inner = n.namedChildren.find((c) => c && c.type !== 'comment');
        if (!inner) return { k: 'opaque', what: '()', children: [], start, end };
        if (inner.type === 'compound_statement') return { k: 'stmtexpr', body: this.block(inner), start, end };
        return this.expr(inner);
      }
      case 'call_expression': {
        const fnNode = n.childForFieldName('function');
        const callee = fnNode ? this.expr(fnNode) : ({ k: 'opaque', what: 'callee', children: [], start, end } as Expr);
        const argsNode = n.childForFieldName('arguments');
        const args: Expr[] = [];
        if (argsNode) for (const a of argsNode.namedChildren) if (a && a.type !== 'comment') args.push(this.expr(a));
        return { k: 'call', callee, name: callee.k === 'ident' ? callee.name : null, args, start, end };
      }
      case 'field_expression': {
        const base = n.childForFieldName('argument');
        const field = n.childForFieldName('field');
        const op = n.childForFieldName('operator');
        return {
          k: 'field',
          base: base ? this.expr(base) : { k: 'opaque', what: 'base', children: [], start, end },
          field: field ? field.text : '',
          arrow: op ? op.type === '->' : this.slice(n).includes('->'),
          start,
          end,
        };
      }
      case 'subscript_expression': {
        const base = n.childForFieldName('argument');
        const index = n.childForFieldName('index');
        return {
          k: 'index',
          base: base ? this.expr(base) : { k: 'opaque', what: 'base', children: [], start, end },
          index: index ? this.expr(index) : { k: 'opaque', what: 'index', children: [], start, end },
          start,
          end,
        };
      }
      case 'pointer_expression':
      case 'unary_expression': {
        const arg = n.childForFieldName('argument');
        const op = n.childForFieldName('operator')?.type ?? this.text.slice(start, start + 1);
        return { k: 'unary', op, arg: arg ? this.expr(arg) : { k: 'opaque', what: 'arg', children: [], start, end }, start, end };
      }
      case 'update_expression': {
        const arg = n.childForFieldName('argument');
        const op = n.childForFieldName('operator')?.type ?? '++';
        return { k: 'update', op, prefix: !!arg && arg.startIndex > start, arg: arg ? this.expr(arg) : { k: 'opaque', what: 'arg', children: [], start, end }, start, end };
      }
      case 'binary_expression': {
        const l = n.childForFieldName('left');
        const r = n.childForFieldName('right');
        const op = n.childForFieldName('operator')?.type ?? '?';
        return { k: 'binary', op, left: this.exprOr(l, start), right: this.exprOr(r, end), start, end };
      }
      case 'assignment_expression': {
        const l = n.childForFieldName('left');
        const r = n.childForFieldName('right');
        const op = n.childForFieldName('operator')?.type ?? '=';
        return { k: 'assign', op, target: this.exprOr(l, start), value: this.exprOr(r, end), start, end };
      }
      case 'conditional_expression': {
        const c = n.childForFieldName('condition');
        const t = n.childForFieldName('consequence');
        const a = n.childForFieldName('alternative');
        return { k: 'cond', test: this.exprOr(c, start), then: t ? this.expr(t) : null, else: this.exprOr(a, end), start, end };
      }
      case 'cast_expression': {
        const t = n.childForFieldName('type');
        const v = n.childForFieldName('value');
        return { k: 'cast', type: t ? this.slice(t).replace(/\s+/g, ' ') : '', arg: this.exprOr(v, end), start, end };
      }
      case 'sizeof_expression':
      case 'alignof_expression': {
        const v = n.childForFieldName('value');
        return { k: 'sizeof', arg: v ? this.expr(v) : null, start, end };
      }
      case 'comma_expression': {
        const l = n.childForFieldName('left');
        const r = n.childForFieldName('right');
        const exprs = [...(l ? this.flattenComma(this.expr(l)) : []), ...(r ? this.flattenComma(this.expr(r)) : [])];
        return { k: 'comma', exprs, start, end };
      }
      case 'initializer_list':
      case 'compound_literal_expression': {
        const items: Expr[] = [];
        const list = n.type === 'initializer_list' ? n : n.childForFieldName('value');
        if (list) {
          for (const c of list.namedChildren) {
            if (!c || c.type === 'comment') continue;
            const v = c.type === 'initializer_pair' ? c.childForFieldName('value') : c;
            if (v) items.push(this.expr(v));
          }
        }
        return { k: 'init', items, start, end };
      }
      default:
        return { k: 'opaque', what: n.type, children: this.salvage(n), start, end };
    }
  }

  private exprOr(n: Node | null, at: number): Expr {
    return n ? this.expr(n) : { k: 'opaque', what: 'missing', children: [], start: at, end: at };
  }

  /** Expressions inside a node widen does not model (an ERROR region, asm, _Generic). */
  private salvage(n: Node): Expr[] {
    if (!this.enter(n)) return [];
    const out = this.salvageChildren(n);
    this.depth--;
    return out;
  }

  private salvageChildren(n: Node): Expr[] {
    const out: Expr[] = [];
    for (const c of n.namedChildren) {
      if (!c || c.type === 'comment') continue;
      if (isExpressionType(c.type)) out.push(this.expr(c));
      else if (c.type === 'expression_statement' || c.type === 'ERROR' || c.type === 'argument_list' || c.type === 'compound_statement') out.push(...this.salvage(c));
      else if (c.type === 'declaration' || c.type === 'init_declarator') {
        const v = c.type === 'init_declarator' ? c.childForFieldName('value') : null;
        if (v) out.push(this.expr(v));
        else out.push(...this.salvage(c));
      }
    }
    return out;
  }
}

const EXPRESSION_TYPES: ReadonlySet<string> = new Set([
  'identifier', 'call_expression', 'field_expression', 'subscript_expression', 'pointer_expression',
  'unary_expression', 'update_expression', 'binary_expression', 'assignment_expression',
  'conditional_expression', 'cast_expression', 'comma_expression', 'parenthesized_expression',
  'sizeof_expression', 'number_literal', 'string_literal', 'null', 'true', 'false',
]);

function isExpressionType(t: string): boolean {
  return EXPRESSION_TYPES.has(t);
}

function containsType(n: Node | null, type: string): boolean {
  let cur = n;
  while (cur) {
    if (cur.type === type) return true;
    cur = cur.childForFieldName('declarator');
  }
  return false;
}

function isPointerDeclarator(n: Node | null): boolean {
  return containsType(n, 'pointer_declarator');
}
