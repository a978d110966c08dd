/**
 * Per-function control-flow graph. One node per elementary statement or branch condition;
 * edges are labelled with how control moves (`true`/`false` out of a branch, `back` for loop
 * back edges, `goto`, `case`, `return`...). Every node carries what it does in evaluation
 * order ({@link CfgNode.flow}): the calls it makes, the definitions it performs and the values it
 * reads, so questions like "is `p` used after this call?" are answered from events, never by
 * walking expressions again. {@link CfgNode.events} is the same without the reads: what
 * reaching definitions, the path explorer and the rules' state machines step through.
 *
 * Constructs handled: if/else, loops (while, do/while, for, iterator macros), switch with
 * fall-through, goto and labels, break/continue in nested loops, early return, calls that never
 * return, statement expressions, and `#if` alternatives inside a body (as a branch).
 *
 * Short-circuit evaluation is explicit. A condition (of `if`, a loop, or `?:`) made of `&&`,
 * `||`, `?:` and `!` is split into one branch node per operand (an *atom*), so `f(x)` in
 * `if (a && f(x))` runs only on the path where `a` is true, and each atom is a condition the
 * path explorer can correlate on its own. In any other expression (a statement, an initialiser,
 * a `return` value, an argument) an `&&`, `||` or `?:` is split the same way when an operand
 * that runs only sometimes has an effect worth placing: a call, a write, a dereference, or a
 * statement expression. The split parts run as nodes of their own before the node of the
 * expression around them, which leaves them out of its events.
 */
import { addressee, forEachExpr, pathKey, pathRoot, type Declarator, type Expr, type FunctionAst, type Stmt, type VarRef } from './ast.js';
import { ASSERT_CALLS, NORETURN_CALLS, TRANSPARENT_CALLS } from './kernel-macros.js';
import type { BlockMacro } from './normalize.js';

export type EdgeKind = 'next' | 'true' | 'false' | 'back' | 'goto' | 'case' | 'return' | 'exit';

export interface CfgEdge {
  to: number;
  /**
   * `back` for an unconditional jump back to a loop's head; a branch outcome that loops back
   * (`while (...) { if (x) ...; }` falling through to the head) keeps `true`/`false`, with
   * {@link back} set, so that path facts still see which way the branch went.
   */
  kind: EdgeKind;
  back?: true;
}

export type NodeKind = 'entry' | 'exit' | 'stmt' | 'branch' | 'loop' | 'label' | 'case' | 'join' | 'return' | 'goto' | 'break' | 'continue';

/** How a definition happens. */
export type DefHow =
  /** function parameter, at entry */
  | 'param'
  /** `T x;` */
  | 'decl'
  /** `T x = v;` */
  | 'init'
  /** `x = v`, `x += v` */
  | 'assign'
  /** `x++` */
  | 'update'
  /** `&x` passed to a call, which may write it */
  | 'addr'
  /** an iterator macro's loop variable (`for_each_vma(vmi, vma)`) */
  | 'iter';

/** A call or a definition: what a node does that changes state. */
export type Event =
  | { k: 'call'; call: Expr & { k: 'call' }; name: string | null }
  | {
      k: 'def';
      /** Access path key (ast.ts `pathKey`) of what is defined. */
      key: string;
      root: VarRef | null;
      how: DefHow;
      /** The value stored, when it is known (`x = v`, `T x = v`). */
      value: Expr | null;
      start: number;
      end: number;
    };

/**
 * A value read: a variable or an access path (`vma`, `vmf->vma`, `*locked`, `pages[]`), once per
 * maximal path read (`p->a->b` is one use; it reads `p` and `p->a` on the way). Stores read the
 * pointers they go through (`p->f = v` uses `p`) and compound assignments read their target;
 * `&x` reads nothing (`&p->f` reads `p`), and a plain assignment's target is written, not read.
 * A call through a local or parameter function pointer reads it; a call by name reads nothing.
 */
export interface UseEvent {
  k: 'use';
  /** Access path key (ast.ts `pathKey`) of what is read. */
  key: string;
  /** The variable the path starts from. */
  root: VarRef;
  /**
   * True when the read goes through the value of `root` as a pointer: `p->f`, `*p`, `p[i]`
   * (`a[i]` for an array `a` too: widen does not know types); false for `p`, `s.f`.
   */
  deref: boolean;
  start: number;
  end: number;
}

/** Anything a node does, reads included, as {@link CfgNode.flow} lists it. */
export type FlowEvent = Event | UseEvent;

export interface CfgNode {
  id: number;
  kind: NodeKind;
  /** Source span this node stands for (the statement, the condition or atom of a branch, a split operand). */
  start: number;
  end: number;
  /**
   * The condition of a `branch`/`loop` (one atom of a split condition), the expression of a
   * `stmt` (or a split operand it evaluates on its own), the value of a `return`.
   */
  expr: Expr | null;
  /** Variables declared by a `stmt` node for a declaration. */
  decls: Declarator[] | null;
  /** The statement macro behind a `loop` node. */
  macro: BlockMacro | null;
  /** A `case` node's value (`case task_vma_iter_next_vma:`); null for `default:` and other kinds. */
  caseValue?: Expr | null;
  /** Label name for `label` and `goto` nodes. */
  label: string | null;
  /** The `#if`/`#ifdef` line for a branch on a preprocessor condition. */
  preproc: string | null;
  succ: CfgEdge[];
  pred: CfgEdge[];
  /** Calls, definitions and reads, in evaluation order. */
  flow: FlowEvent[];
  /** The calls and definitions of {@link flow}, in the same order, without the reads. */
  events: Event[];
  /** A call that never returns ends every path through this node. */
  noreturn: boolean;
}

export interface Cfg {
  fn: FunctionAst;
  nodes: CfgNode[];
  entry: number;
  exit: number;
  /** `goto` targets that were never found (the label sat in an unparsable region). */
  unresolvedGotos: Array<{ label: string; node: number }>;
}

interface Pending {
  from: number;
  kind: EdgeKind;
}

interface LoopTargets {
  breakTo: Pending[];
  continueTo: Pending[] | null;
}

/** Where control goes after a condition: the edges taken when it is true, and when it is false. */
interface Outcomes {
  t: Pending[];
  f: Pending[];
}

/**
 * Builds a function's CFG. `noreturn` says which callees never return beyond the kernel's
 * well-known ones (`NORETURN_CALLS`): those the file or its headers declare `__noreturn`.
 * `aliases` gives the identifiers a name is defined as by the file's object-like macros, for a
 * `goto` whose target is a macro (`goto VMALLOC_FAULT_TARGET;`): it goes to each label named.
 */
export function buildCfg(fn: FunctionAst, noreturn: (name: string) => boolean = () => false, aliases: (name: string) => readonly string[] = () => []): Cfg {
  return new Builder(fn, noreturn, aliases).run();
}

function isConstant(e: Expr | null): boolean | null {
  if (!e) return true;
  if (e.k !== 'lit') return null;
  const t = e.text.trim();
  if (t === '1' || t === 'true') return true;
  if (t === '0' || t === 'false') return false;
  return null;
}

class Builder {
  private readonly nodes: CfgNode[] = [];
  private readonly labels = new Map<string, number>();
  private readonly gotos: Array<{ node: number; label: string }> = [];
  private readonly loops: LoopTargets[] = [];

  constructor(
    private readonly fn: FunctionAst,
    private readonly noreturn: (name: string) => boolean,
    private readonly aliases: (name: string) => readonly string[],
  ) {}

  run(): Cfg {
    const fn = this.fn;
    const entry = this.node('entry', fn.start, fn.start);
    for (const p of fn.params) {
      this.addEvents(entry, [{ k: 'def', key: p.ref.id, root: p.ref, how: 'param', value: null, start: p.start, end: p.end }]);
    }
    const exit = this.node('exit', fn.closeBrace, fn.closeBrace + 1);
    const tail = this.stmt(fn.body, [{ from: entry, kind: 'next' }], exit);
    this.connect(tail, exit, 'exit');
    const unresolvedGotos: Array<{ label: string; node: number }> = [];
    for (const g of this.gotos) {
      const target = this.labels.get(g.label);
      if (target !== undefined) {
        this.edge(g.node, target, 'goto');
        continue;
      }
      const targets = this.aliases(g.label).flatMap((name) => this.labels.get(name) ?? []);
      if (targets.length === 0) unresolvedGotos.push({ label: g.label, node: g.node });
      for (const t of new Set(targets)) this.edge(g.node, t, 'goto');
    }
    return { fn, nodes: this.nodes, entry, exit, unresolvedGotos };
  }

  private node(kind: NodeKind, start: number, end: number, expr: Expr | null = null): number {
    const id = this.nodes.length;
    this.nodes.push({ id, kind, start, end, expr, decls: null, macro: null, label: null, preproc: null, succ: [], pred: [], flow: [], events: [], noreturn: false });
    return id;
  }

  /** Appends to node `id`'s flow, and its calls and definitions to its events. */
  private addEvents(id: number, events: readonly FlowEvent[]): void {
    const n = this.nodes[id]!;
    for (const e of events) {
      n.flow.push(e);
      if (e.k !== 'use') n.events.push(e);
    }
  }

  private edge(from: number, to: number, kind: EdgeKind): void {
    this.nodes[from]!.succ.push({ to, kind });
    this.nodes[to]!.pred.push({ to: from, kind });
  }

  /** An edge back to a loop's head from a pending exit, keeping a branch outcome's polarity. */
  private backEdge(p: Pending, to: number): void {
    const kind: EdgeKind = p.kind === 'true' || p.kind === 'false' ? p.kind : 'back';
    this.nodes[p.from]!.succ.push({ to, kind, back: true });
    this.nodes[to]!.pred.push({ to: p.from, kind, back: true });
  }

  private connect(pending: Pending[], to: number, override?: EdgeKind): void {
    for (const p of pending) this.edge(p.from, to, override && p.kind === 'next' ? override : p.kind);
  }

  /**
   * Builds the nodes that run before the node evaluating `e`, in evaluation order: the bodies of
   * statement expressions, and the split `&&`, `||` and `?:` (see the header). Each split
   * expression is added to `hoisted`, for `e`'s own node to leave out of its events.
   */
  private prelude(e: Expr, preds: Pending[], exit: number, hoisted: Set<Expr>): Pending[] {
    let cur = preds;
    const walk = (x: Expr): void => {
      switch (x.k) {
        case 'stmtexpr':
          cur = this.stmt(x.body, cur, exit);
          return;
        case 'binary':
          if ((x.op === '&&' || x.op === '||') && hasEffect(x.right)) {
            hoisted.add(x);
            const o = this.condition(x, cur, exit);
            cur = [...o.t, ...o.f];
            return;
          }
          walk(x.left);
          walk(x.right);
          return;
        case 'cond':
          if ((x.then && hasEffect(x.then)) || hasEffect(x.else)) {
            hoisted.add(x);
            const o = this.condition(x.test, cur, exit);
            const thenOut = x.then ? this.operand(x.then, o.t, exit) : o.t;
            cur = [...thenOut, ...this.operand(x.else, o.f, exit)];
            return;
          }
          walk(x.test);
          if (x.then) walk(x.then);
          walk(x.else);
          return;
        case 'call':
          if (x.callee.k !== 'ident') walk(x.callee);
          x.args.forEach(walk);
          return;
        case 'assign':
          walk(x.value);
          walk(x.target);
          return;
        case 'update':
        case 'unary':
        case 'cast':
          walk(x.arg);
          return;
        case 'field':
          walk(x.base);
          return;
        case 'index':
          walk(x.base);
          walk(x.index);
          return;
        case 'comma':
          x.exprs.forEach(walk);
          return;
        case 'init':
          x.items.forEach(walk);
          return;
        case 'opaque':
          x.children.forEach(walk);
          return;
        default:
          // identifiers, literals, and sizeof, which does not evaluate its operand
          return;
      }
    };
    walk(e);
    return cur;
  }

  /** A node of its own for a split operand (an arm of `?:`), unless evaluating it does nothing. */
  private operand(e: Expr, preds: Pending[], exit: number): Pending[] {
    const hoisted = new Set<Expr>();
    const before = this.prelude(e, preds, exit, hoisted);
    const events = exprEvents(e, hoisted);
    if (events.length === 0) return before;
    const id = this.node('stmt', e.start, e.end, e);
    this.connect(before, id);
    this.addEvents(id, events);
    return [{ from: id, kind: 'next' }];
  }

  /**
   * Branch nodes for condition `e`, one per atom (see the header), and where control goes when
   * `e` is true and when it is false. An atom that is a constant has only the edge it takes.
   */
  private condition(e: Expr, preds: Pending[], exit: number): Outcomes {
    const x = splitView(e);
    if (x.k === 'binary' && x.op === '&&') {
      const left = this.condition(x.left, preds, exit);
      const right = this.condition(x.right, left.t, exit);
      return { t: right.t, f: [...left.f, ...right.f] };
    }
    if (x.k === 'binary' && x.op === '||') {
      const left = this.condition(x.left, preds, exit);
      const right = this.condition(x.right, left.f, exit);
      return { t: [...left.t, ...right.t], f: right.f };
    }
    if (x.k === 'cond') {
      const test = this.condition(x.test, preds, exit);
      // GNU `a ?: b`: when `a` is true, so is the whole.
      const then = x.then ? this.condition(x.then, test.t, exit) : { t: test.t, f: [] };
      const otherwise = this.condition(x.else, test.f, exit);
      return { t: [...then.t, ...otherwise.t], f: [...then.f, ...otherwise.f] };
    }
    if (x.k === 'unary' && x.op === '!' && isSplittable(x.arg)) {
      const inner = this.condition(x.arg, preds, exit);
      return { t: inner.f, f: inner.t };
    }
    return this.atom(e, e.start, e.end, preds, exit);
  }

  /** One branch node testing `e` (null: always true, as the missing test of `for (;;)`). */
  private atom(e: Expr | null, start: number, end: number, preds: Pending[], exit: number): Outcomes {
    const id = this.simple('branch', start, end, e, preds, exit);
    const c = isConstant(e);
    return {
      t: c === false ? [] : [{ from: id, kind: 'true' }],
      f: c === true ? [] : [{ from: id, kind: 'false' }],
    };
  }

  /**
   * A plain node evaluating `expr` (with its events), linked after `preds` and `expr`'s prelude.
   * `unread` are parts of `expr` that are not evaluated (an iterator macro's cursor).
   */
  private simple(kind: NodeKind, start: number, end: number, expr: Expr | null, preds: Pending[], exit: number, unread: readonly Expr[] = []): number {
    const hoisted = new Set<Expr>(unread);
    const before = expr ? this.prelude(expr, preds, exit, hoisted) : preds;
    const id = this.node(kind, start, end, expr);
    this.connect(before, id);
    if (expr) this.addEvents(id, exprEvents(expr, hoisted));
    return id;
  }

  private stmt(s: Stmt, preds: Pending[], exit: number): Pending[] {
    switch (s.k) {
      case 'block': {
        let cur = preds;
        for (const c of s.body) cur = this.stmt(c, cur, exit);
        return cur;
      }
      case 'empty':
        return preds;
      case 'expr': {
        if (s.expr.k === 'call' && s.expr.name !== null && ASSERT_CALLS.has(s.expr.name) && s.expr.args[0]) {
          // `BUG_ON(c)` is `if (c) BUG();`: the path goes on only where `c` is false.
          const o = this.condition(s.expr.args[0], preds, exit);
          // The stop node carries no expression: the condition's calls ran in the branch already.
          const stop = this.simple('stmt', s.start, s.end, null, o.t, exit);
          this.nodes[stop]!.noreturn = true;
          return o.f;
        }
        const id = this.simple('stmt', s.start, s.end, s.expr, preds, exit);
        if (s.expr.k === 'call' && s.expr.name !== null && (NORETURN_CALLS.has(s.expr.name) || this.noreturn(s.expr.name))) {
          this.nodes[id]!.noreturn = true;
          return [];
        }
        return [{ from: id, kind: 'next' }];
      }
      case 'error': {
        const expr: Expr = { k: 'opaque', what: 'error', children: s.exprs, start: s.start, end: s.end };
        const id = this.simple('stmt', s.start, s.end, expr, preds, exit);
        return [{ from: id, kind: 'next' }];
      }
      case 'decl': {
        let cur = preds;
        const hoisted = new Set<Expr>();
        for (const v of s.vars) if (v.init) cur = this.prelude(v.init, cur, exit, hoisted);
        const id = this.node('stmt', s.start, s.end);
        this.connect(cur, id);
        const n = this.nodes[id]!;
        n.decls = s.vars;
        for (const v of s.vars) this.addEvents(id, declEvents(v, hoisted));
        return [{ from: id, kind: 'next' }];
      }
      case 'if': {
        const o = this.condition(s.test, preds, exit);
        const thenOut = this.stmt(s.then, o.t, exit);
        const elseOut = s.else ? this.stmt(s.else, o.f, exit) : o.f;
        return [...thenOut, ...elseOut];
      }
      case 'while': {
        // The condition's first node (its first atom, or a statement expression in it) is the loop head.
        const head = this.nodes.length;
        const o = this.condition(s.test, preds, exit);
        return this.loopBody(s.body, head, o.t, o.f, head, exit);
      }
      case 'do': {
        const top = this.node('join', s.start, s.start);
        this.connect(preds, top);
        const targets: LoopTargets = { breakTo: [], continueTo: [] };
        this.loops.push(targets);
        const bodyOut = this.stmt(s.body, [{ from: top, kind: 'next' }], exit);
        this.loops.pop();
        if (s.macro && s.args) {
          // `do { ... } for_each_vma(vmi, vma);`: the macro at the bottom steps the iterator and
          // tests it, as the head of a `for_each_vma()` loop does at the top.
          const step = this.macroHead(s.macro, s.args, s.test.start, s.test.end, [...bodyOut, ...targets.continueTo!], exit);
          this.backEdge({ from: step, kind: 'true' }, top);
          return [{ from: step, kind: 'false' }, ...targets.breakTo];
        }
        const o = this.condition(s.test, [...bodyOut, ...targets.continueTo!], exit);
        for (const p of o.t) this.backEdge(p, top);
        return [...o.f, ...targets.breakTo];
      }
      case 'for': {
        const afterInit = s.init ? this.stmt(s.init, preds, exit) : preds;
        const head = this.nodes.length;
        const o = s.test ? this.condition(s.test, afterInit, exit) : this.atom(null, s.start, s.start, afterInit, exit);
        const targets: LoopTargets = { breakTo: [], continueTo: [] };
        this.loops.push(targets);
        const bodyOut = this.stmt(s.body, o.t, exit);
        this.loops.pop();
        const latch = [...bodyOut, ...targets.continueTo!];
        if (s.update) {
          const upd = this.simple('stmt', s.update.start, s.update.end, s.update, latch, exit);
          this.backEdge({ from: upd, kind: 'next' }, head);
        } else {
          for (const p of latch) this.backEdge(p, head);
        }
        return [...o.f, ...targets.breakTo];
      }
      case 'macro-loop': {
        const head = this.macroHead(s.macro, s.args, s.start, s.body.start, preds, exit);
        if (s.macro.kind === 'iter') {
          return this.loopBody(s.body, head, [{ from: head, kind: 'true' }], [{ from: head, kind: 'false' }], head, exit);
        }
        // A scope guard runs its body once; `break` and `continue` leave it.
        const targets: LoopTargets = { breakTo: [], continueTo: [] };
        this.loops.push(targets);
        const entryEdge: Pending = { from: head, kind: s.macro.kind === 'cond' ? 'true' : 'next' };
        const bodyOut = this.stmt(s.body, [entryEdge], exit);
        this.loops.pop();
        const skip: Pending[] = s.macro.kind === 'cond' ? [{ from: head, kind: 'false' }] : [];
        return [...bodyOut, ...targets.breakTo, ...targets.continueTo!, ...skip];
      }
      case 'switch': {
        const head = this.simple('branch', s.test.start, s.test.end, s.test, preds, exit);
        const targets: LoopTargets = { breakTo: [], continueTo: null };
        this.loops.push(targets);
        let cur: Pending[] = [];
        let hasDefault = false;
        const items = s.body.k === 'block' ? s.body.body : [s.body];
        for (const item of items) {
          if (item.k === 'case') {
            if (item.value === null) hasDefault = true;
            const caseNode = this.node('case', item.start, item.value ? item.value.end : item.start + 'default'.length);
            this.nodes[caseNode]!.caseValue = item.value;
            this.connect(cur, caseNode);
            this.edge(head, caseNode, 'case');
            cur = [{ from: caseNode, kind: 'next' }];
            for (const b of item.body) cur = this.stmt(b, cur, exit);
          } else {
            cur = this.stmt(item, cur, exit);
          }
        }
        this.loops.pop();
        const out = [...cur, ...targets.breakTo];
        if (!hasDefault) out.push({ from: head, kind: 'case' });
        return out;
      }
      case 'case': {
        // A case label outside a switch body's top level (rare): treat its statements as plain code.
        let cur = preds;
        for (const b of s.body) cur = this.stmt(b, cur, exit);
        return cur;
      }
      case 'label': {
        const id = this.node('label', s.start, s.start + s.name.length + 1);
        this.nodes[id]!.label = s.name;
        this.labels.set(s.name, id);
        this.connect(preds, id);
        return this.stmt(s.body, [{ from: id, kind: 'next' }], exit);
      }
      case 'goto': {
        const id = this.node('goto', s.start, s.end);
        this.nodes[id]!.label = s.label;
        this.connect(preds, id);
        this.gotos.push({ node: id, label: s.label });
        return [];
      }
      case 'break':
      case 'continue': {
        const id = this.node(s.k, s.start, s.end);
        this.connect(preds, id);
        const target = [...this.loops].reverse().find((l) => s.k === 'break' || l.continueTo !== null);
        if (target) (s.k === 'break' ? target.breakTo : target.continueTo!).push({ from: id, kind: 'next' });
        return [];
      }
      case 'return': {
        const id = this.simple('return', s.start, s.end, s.value, preds, exit);
        this.edge(id, exit, 'return');
        return [];
      }
      case 'preproc': {
        let cur = preds;
        const out: Pending[] = [];
        for (const br of s.branches) {
          const isElse = /^#\s*else\b/.test(br.condition);
          if (isElse) {
            let bcur = cur;
            for (const b of br.body) bcur = this.stmt(b, bcur, exit);
            out.push(...bcur);
            cur = [];
            break;
          }
          const test: Expr = { k: 'lit', text: br.condition, start: s.start, end: s.start };
          const b = this.node('branch', s.start, s.start, test);
          this.nodes[b]!.preproc = br.condition;
          this.connect(cur, b);
          let bcur: Pending[] = [{ from: b, kind: 'true' }];
          for (const x of br.body) bcur = this.stmt(x, bcur, exit);
          out.push(...bcur);
          cur = [{ from: b, kind: 'false' }];
        }
        return [...out, ...cur];
      }
    }
  }

  /**
   * The node of a statement macro's own evaluation (`for_each_vma(vmi, vma)`): its arguments
   * are read, and the ones it assigns on each iteration (the cursor) are defined there.
   */
  private macroHead(macro: BlockMacro, args: Expr[], start: number, end: number, preds: Pending[], exit: number): number {
    const argsExpr: Expr = { k: 'comma', exprs: args, start, end };
    const cursors = macro.defines.flatMap((i) => args[i] ?? []);
    const head = this.simple('loop', start, end, argsExpr, preds, exit, cursors);
    this.nodes[head]!.macro = macro;
    for (const a of cursors) {
      const key = pathKey(a);
      if (key) this.addEvents(head, [{ k: 'def', key, root: pathRoot(a), how: 'iter', value: null, start: a.start, end: a.end }]);
    }
    return head;
  }

  /** Body of a loop whose condition node is `head`: back edges and `continue` go to `latch`. */
  private loopBody(body: Stmt, head: number, bodyIn: Pending[], exitOut: Pending[], latch: number, exit: number): Pending[] {
    const targets: LoopTargets = { breakTo: [], continueTo: [] };
    this.loops.push(targets);
    const bodyOut = this.stmt(body, bodyIn, exit);
    this.loops.pop();
    for (const p of [...bodyOut, ...targets.continueTo!]) this.backEdge(p, latch);
    return [...exitOut, ...targets.breakTo];
  }
}

/**
 * Events of evaluating `e`, in evaluation order (arguments before the call, values before
 * stores, the location of a store before the store), leaving out the sub-expressions in `skip`
 * (built as nodes of their own, or not evaluated).
 */
export function exprEvents(e: Expr, skip: ReadonlySet<Expr> = new Set()): FlowEvent[] {
  const out: FlowEvent[] = [];
  const def = (target: Expr, how: DefHow, value: Expr | null, at: Expr): void => {
    const key = pathKey(target);
    if (key !== null) out.push({ k: 'def', key, root: pathRoot(target), how, value, start: at.start, end: at.end });
  };
  const use = (x: Expr): void => {
    const key = pathKey(x);
    const root = pathRoot(x);
    if (key === null || root === null) return;
    const rest = key.startsWith('*') ? '*' : key.slice(root.id.length);
    out.push({ k: 'use', key, root, deref: rest.startsWith('*') || rest.startsWith('->') || rest.startsWith('[]'), start: x.start, end: x.end });
  };
  /** Evaluates `x` for its value. */
  const read = (x: Expr): void => {
    if (skip.has(x)) return;
    switch (x.k) {
      case 'ident':
        use(x);
        break;
      case 'call':
        if (x.callee.k !== 'ident' || x.callee.ref.scope !== 'global') read(x.callee);
        for (const a of x.args) read(a);
        out.push({ k: 'call', call: x, name: x.name });
        for (const a of x.args) {
          const target = addressee(a);
          if (target !== a) def(target, 'addr', null, a);
        }
        break;
      case 'assign':
        read(x.value);
        locate(x.target);
        if (x.op !== '=') use(x.target);
        def(x.target, 'assign', x.op === '=' ? x.value : null, x);
        break;
      case 'update':
        locate(x.arg);
        use(x.arg);
        def(x.arg, 'update', null, x);
        break;
      case 'field':
      case 'index':
        if (pathKey(x) !== null) {
          subscripts(x);
          use(x);
        } else {
          read(x.base);
          if (x.k === 'index') read(x.index);
        }
        break;
      case 'unary':
        if (x.op === '&') {
          locate(x.arg);
        } else if (x.op === '*' && pathKey(x) !== null) {
          subscripts(x);
          use(x);
        } else {
          read(x.arg);
        }
        break;
      case 'cast':
        read(x.arg);
        break;
      case 'sizeof':
        // sizeof does not evaluate its operand.
        break;
      case 'binary':
        read(x.left);
        read(x.right);
        break;
      case 'cond':
        read(x.test);
        if (x.then) read(x.then);
        read(x.else);
        break;
      case 'comma':
        for (const c of x.exprs) read(c);
        break;
      case 'init':
        for (const c of x.items) read(c);
        break;
      case 'opaque':
        for (const c of x.children) read(c);
        break;
      default:
        // literals, statement expressions (built as nodes of their own)
        break;
    }
  };
  /** Evaluates the subscripts of access path `x` (`i` in `p->a[i].b`): one use stands for the rest. */
  const subscripts = (x: Expr): void => {
    switch (x.k) {
      case 'field':
        subscripts(x.base);
        break;
      case 'index':
        subscripts(x.base);
        read(x.index);
        break;
      case 'unary':
      case 'cast':
        subscripts(x.arg);
        break;
      default:
        break;
    }
  };
  /**
   * Evaluates what finding the object `x` names takes, without reading `x` itself: the pointer
   * it goes through (`p` in `p->f`, `p->a` in `p->a->b`, `a` in `a[i]`) and its subscripts.
   */
  const locate = (x: Expr): void => {
    if (skip.has(x)) return;
    switch (x.k) {
      case 'ident':
        break;
      case 'field':
        if (x.arrow) read(x.base);
        else locate(x.base);
        break;
      case 'index':
        read(x.base);
        read(x.index);
        break;
      case 'unary':
        if (x.op === '*') read(x.arg);
        else read(x);
        break;
      case 'cast':
        locate(x.arg);
        break;
      default:
        read(x);
        break;
    }
  };
  read(e);
  return out;
}

/**
 * Whether running `e` does anything a path should place: a call, a write, a dereference, or a
 * statement expression. An operand that runs only sometimes and does is split into a node of
 * its own.
 */
function hasEffect(e: Expr): boolean {
  let found = false;
  forEachExpr(e, (x) => {
    if (x.k === 'call' || x.k === 'assign' || x.k === 'update' || x.k === 'stmtexpr' || x.k === 'index' || (x.k === 'field' && x.arrow) || (x.k === 'unary' && x.op === '*')) found = true;
  });
  return found;
}

/**
 * `e` as the condition splitter reads it: `unlikely(a || b)` and the like are looked through
 * when what they wrap can be split.
 */
function splitView(e: Expr): Expr {
  if (e.k === 'call' && e.name !== null && TRANSPARENT_CALLS.has(e.name) && e.args[0] && isSplittable(e.args[0])) return splitView(e.args[0]);
  return e;
}

function isSplittable(e: Expr): boolean {
  const x = splitView(e);
  return (x.k === 'binary' && (x.op === '&&' || x.op === '||')) || x.k === 'cond' || (x.k === 'unary' && x.op === '!' && isSplittable(x.arg));
}

function declEvents(v: Declarator, skip: ReadonlySet<Expr>): FlowEvent[] {
  const out = v.init ? exprEvents(v.init, skip) : [];
  out.push({ k: 'def', key: v.ref.id, root: v.ref, how: v.init ? 'init' : 'decl', value: v.init, start: v.start, end: v.end });
  return out;
}

/**
 * The head of the innermost loop statement that holds `node`: among the heads of back edges (a
 * `back` edge, or a branch outcome flagged {@link CfgEdge.back}; a backward `goto` is not one) whose natural loop,
 * the nodes that reach the edge's source without passing its head, contains `node`, the one that
 * starts last in the source. Null outside every loop. A loop that ends before `node`, or one
 * nested beside it, does not hold it.
 */
export function loopHeadAround(cfg: Cfg, node: CfgNode): CfgNode | null {
  let best: CfgNode | null = null;
  for (const head of cfg.nodes) {
    if (head.start > node.start || (best && head.start <= best.start)) continue;
    for (const e of head.pred) {
      if (!(e.back || e.kind === 'back')) continue;
      const body = new Set<number>([head.id]);
      const work = [e.to];
      for (let id = work.pop(); id !== undefined; id = work.pop()) {
        if (body.has(id)) continue;
        body.add(id);
        for (const p of cfg.nodes[id]!.pred) work.push(p.to);
      }
      if (body.has(node.id)) {
        best = head;
        break;
      }
    }
  }
  return best;
}

/**
 * The node of `nodes` that starts first after source offset `offset`, or null: node ids follow
 * the builder's order, not always the source's (a `for` loop's update comes after its body).
 */
export function nearestAfter(nodes: readonly CfgNode[], offset: number): CfgNode | null {
  let best: CfgNode | null = null;
  for (const n of nodes) if (n.start > offset && (best === null || n.start < best.start)) best = n;
  return best;
}

/**
 * The nodes reachable from `from` along successor edges, `from` itself excluded (unless a loop
 * leads back to it), not going past a node for which `stop` holds; stopping nodes are returned
 * apart, as where the walk ended.
 */
export function reachableFrom(cfg: Cfg, from: CfgNode, stop: (n: CfgNode) => boolean = () => false): { nodes: CfgNode[]; stops: CfgNode[] } {
  const nodes: CfgNode[] = [];
  const stops: CfgNode[] = [];
  const seen = new Set<number>([from.id]);
  const work = from.succ.map((e) => e.to);
  while (work.length > 0) {
    const id = work.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    const n = cfg.nodes[id]!;
    if (stop(n)) {
      stops.push(n);
      continue;
    }
    nodes.push(n);
    for (const e of n.succ) work.push(e.to);
  }
  return { nodes, stops };
}
