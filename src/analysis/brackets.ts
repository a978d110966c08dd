/**
 * Brackets: pairs of calls that must balance on every path (`tlb_gather_mmu` /
 * `tlb_finish_mmu`, `tlb_start_vma` / `tlb_end_vma`). The pairs themselves are data
 * (rules/pairs.ts); this module finds their events in a function, including calls to helpers
 * of the same file that open or close the bracket for their caller, and checks balance along
 * every feasible path.
 */
import { addressee, pathKey, type Expr } from './ast.js';
import type { CfgNode } from './cfg.js';
import type { AnalyzedFile, AnalyzedFunction } from './file.js';
import { explore, type Trace } from './paths.js';

export interface BracketCall {
  name: string;
  /** 0-based index of the argument naming the object (`&tlb` or `tlb`). */
  objectArg: number;
}

export interface BracketPair {
  id: string;
  opens: readonly BracketCall[];
  closes: readonly BracketCall[];
  /**
   * When set, only local objects declared with a matching type (and not as pointers) are
   * tracked: a `struct mmu_gather *tlb` parameter belongs to the caller. When null, every
   * object the calls name is tracked.
   */
  localObjectType: RegExp | null;
}

export type BracketEventKind = 'open' | 'close' | 'unknown';

export interface BracketEvent {
  kind: BracketEventKind;
  /** Access-path key of the object (`tlb@123`, `tlb@param`). */
  object: string;
  /** The call that opens or closes (directly, or through a helper). */
  call: Expr & { k: 'call' };
  /** The helper's name when the event comes from a same-file function's summary. */
  via: string | null;
}

/** What calling a function does to the bracket object passed in one of its arguments. */
export type BracketEffect = 'opens' | 'closes' | 'none' | 'unknown';

/**
 * Computes, once per file, how functions defined in it affect brackets on their parameters,
 * so a helper that finishes the gather for its caller is not mistaken for a leak.
 */
export class BracketSummaries {
  private readonly memo = new Map<string, BracketEffect>();
  private readonly inProgress = new Set<string>();

  constructor(private readonly file: AnalyzedFile) {}

  effect(pair: BracketPair, callee: string, argIndex: number): BracketEffect {
    const key = `${pair.id}|${callee}|${argIndex}`;
    const known = this.memo.get(key);
    if (known) return known;
    if (this.inProgress.has(key)) return 'unknown';
    const defs = this.file.definitionsOf(callee);
    if (defs.length === 0) return 'none';
    this.inProgress.add(key);
    const effects = new Set<BracketEffect>();
    for (const span of defs) {
      const fn = this.file.analyze(span);
      effects.add(fn ? this.compute(pair, fn, argIndex) : 'unknown');
    }
    this.inProgress.delete(key);
    const result: BracketEffect = effects.size === 1 ? [...effects][0]! : 'unknown';
    this.memo.set(key, result);
    return result;
  }

  private compute(pair: BracketPair, fn: AnalyzedFunction, argIndex: number): BracketEffect {
    const param = fn.ast.params[argIndex];
    if (!param || !param.pointer) return 'none';
    const object = param.ref.id;
    const index = new BracketIndex(fn, pair, this, new Set([object]));
    if (!index.hasEvents) return 'none';
    const fromOpen = exitStates(fn, index, object, 'open');
    const fromClosed = exitStates(fn, index, object, 'closed');
    if (fromOpen === 'closed' && fromClosed === 'closed') return 'closes';
    if (fromOpen === 'open' && fromClosed === 'open') return 'opens';
    if (fromOpen === 'open' && fromClosed === 'closed') return 'none';
    return 'unknown';
  }
}

/** The single state `object` is in at every exit, starting from `start`, or 'mixed'. */
function exitStates(fn: AnalyzedFunction, index: BracketIndex, object: string, start: 'open' | 'closed'): 'open' | 'closed' | 'mixed' {
  const seen = new Set<string>();
  let unknown = false;
  const result = explore<string>(fn.cfg, fn.facts, {
    initial: start,
    key: (s) => s,
    step(s, node) {
      let cur = s;
      for (const e of index.eventsAt(node)) {
        if (e.object !== object) continue;
        if (e.kind === 'unknown') unknown = true;
        cur = e.kind === 'open' ? 'open' : e.kind === 'close' ? 'closed' : cur;
      }
      return cur;
    },
    exit(s) {
      seen.add(s);
    },
  });
  if (!result.complete || unknown || seen.size !== 1) return 'mixed';
  return [...seen][0] as 'open' | 'closed';
}

/** The bracket events of one function for one pair, per CFG node. */
export class BracketIndex {
  private readonly byNode = new Map<number, BracketEvent[]>();
  /** Objects whose events are recorded. */
  readonly objects: ReadonlySet<string>;

  constructor(
    readonly fn: AnalyzedFunction,
    readonly pair: BracketPair,
    summaries: BracketSummaries,
    objects?: ReadonlySet<string>,
  ) {
    this.objects = objects ?? trackedObjects(fn, pair);
    const opens = new Map(pair.opens.map((c) => [c.name, c.objectArg]));
    const closes = new Map(pair.closes.map((c) => [c.name, c.objectArg]));
    for (const node of fn.cfg.nodes) {
      for (const ev of node.events) {
        if (ev.k !== 'call' || ev.name === null) continue;
        const call = ev.call;
        const direct: Array<[BracketEventKind, number | undefined]> = [
          ['open', opens.get(ev.name)],
          ['close', closes.get(ev.name)],
        ];
        let matched = false;
        for (const [kind, argIndex] of direct) {
          if (argIndex === undefined) continue;
          matched = true;
          const object = objectKey(call.args[argIndex]);
          if (object !== null && this.objects.has(object)) this.add(node, { kind, object, call, via: null });
        }
        if (matched) continue;
        call.args.forEach((arg, i) => {
          const object = objectKey(arg);
          if (object === null || !this.objects.has(object)) return;
          const effect = summaries.effect(pair, ev.name!, i);
          if (effect === 'none') return;
          const kind: BracketEventKind = effect === 'opens' ? 'open' : effect === 'closes' ? 'close' : 'unknown';
          this.add(node, { kind, object, call, via: ev.name });
        });
      }
    }
  }

  private add(node: CfgNode, e: BracketEvent): void {
    const list = this.byNode.get(node.id) ?? [];
    list.push(e);
    this.byNode.set(node.id, list);
  }

  get hasEvents(): boolean {
    return this.byNode.size > 0;
  }

  eventsAt(node: CfgNode): readonly BracketEvent[] {
    return this.byNode.get(node.id) ?? [];
  }

  /** Every node with an event, in node order. */
  nodesWithEvents(): number[] {
    return [...this.byNode.keys()].sort((a, b) => a - b);
  }
}

/** The object an argument names: `&tlb` and `tlb` both name `tlb`. */
export function objectKey(arg: Expr | undefined): string | null {
  return arg ? pathKey(addressee(arg)) : null;
}

function trackedObjects(fn: AnalyzedFunction, pair: BracketPair): ReadonlySet<string> {
  const out = new Set<string>();
  if (pair.localObjectType === null) {
    const objectArg = new Map([...pair.opens, ...pair.closes].map((c) => [c.name, c.objectArg]));
    for (const node of fn.cfg.nodes) {
      for (const ev of node.events) {
        const arg = ev.k === 'call' && ev.name !== null ? objectArg.get(ev.name) : undefined;
        const key = arg === undefined || ev.k !== 'call' ? null : objectKey(ev.call.args[arg]);
        if (key !== null) out.add(key);
      }
    }
    return out;
  }
  for (const node of fn.cfg.nodes) {
    for (const d of node.decls ?? []) {
      if (!d.pointer && !d.array && pair.localObjectType.test(d.type)) out.add(d.ref.id);
    }
  }
  return out;
}

/** Where a path left the function: its `return` statement, or the closing brace. */
export function exitPoint(fn: AnalyzedFunction, trace: Trace): CfgNode {
  const nodes = trace.nodes();
  const before = nodes[nodes.length - 2];
  const n = before === undefined ? undefined : fn.cfg.nodes[before];
  return n && n.kind === 'return' ? n : fn.cfg.nodes[fn.cfg.exit]!;
}

export interface BalanceResult {
  /** An open bracket that reaches the function's exit. */
  unclosed: Array<{ object: string; open: CfgNode; openCall: BracketEvent; exit: CfgNode }>;
  /** A close reached on a path where the bracket is not open. */
  unopened: Array<{ object: string; close: CfgNode; closeCall: BracketEvent }>;
  /** An open reached while the same object is already open. */
  reopened: Array<{ object: string; first: CfgNode; second: CfgNode; secondCall: BracketEvent }>;
  /** False when the path budget ran out: nothing may be reported then. */
  complete: boolean;
}

/**
 * Checks that `pair` balances on every feasible path of `fn`. Each problem is reported once per
 * pair of program points, however many paths show it.
 */
export function checkBalance(fn: AnalyzedFunction, index: BracketIndex): BalanceResult {
  const result: BalanceResult = { unclosed: [], unopened: [], reopened: [], complete: true };
  if (!index.hasEvents) return result;
  const seen = new Set<string>();
  const once = (key: string): boolean => {
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  };
  // State: per object, the node that opened it, CLOSED, or UNKNOWN after a helper we cannot summarise.
  const CLOSED = -1;
  const UNKNOWN = -2;
  type State = ReadonlyMap<string, { at: number; event: BracketEvent | null }>;
  const initial: State = new Map([...index.objects].map((o) => [o, { at: CLOSED, event: null }]));
  const explored = explore<State>(fn.cfg, fn.facts, {
    initial,
    key: (s) => [...s].map(([o, v]) => `${o}=${v.at}`).join(';'),
    step(s, node) {
      const events = index.eventsAt(node);
      if (events.length === 0) return s;
      const next = new Map(s);
      for (const e of events) {
        const cur = next.get(e.object) ?? { at: CLOSED, event: null };
        if (e.kind === 'unknown') {
          next.set(e.object, { at: UNKNOWN, event: null });
        } else if (e.kind === 'open') {
          if (cur.at >= 0 && once(`re|${cur.at}|${node.id}`)) {
            result.reopened.push({ object: e.object, first: fn.cfg.nodes[cur.at]!, second: node, secondCall: e });
          }
          next.set(e.object, { at: node.id, event: e });
        } else {
          if (cur.at === CLOSED && once(`un|${node.id}`)) result.unopened.push({ object: e.object, close: node, closeCall: e });
          next.set(e.object, { at: CLOSED, event: null });
        }
      }
      return next;
    },
    exit(s, trace) {
      for (const [object, v] of s) {
        if (v.at < 0 || !v.event) continue;
        const exit = exitPoint(fn, trace);
        if (once(`exit|${v.at}|${exit.id}`)) result.unclosed.push({ object, open: fn.cfg.nodes[v.at]!, openCall: v.event, exit });
      }
    },
  });
  result.complete = explored.complete;
  return result;
}
