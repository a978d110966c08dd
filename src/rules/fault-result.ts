/**
 * Reading `handle_mm_fault()`'s result the way its callers test it: `fault & MASK`, possibly
 * negated, wrapped in `likely()`/`unlikely()` or cast, with MASK an `|` of `VM_FAULT_*` names.
 * `VM_FAULT_RETRY` and `VM_FAULT_COMPLETED` say the handler released the lock itself
 * (include/linux/mm_types.h), which is what the lock rules need to know.
 */
import { isZeroConstant, pathKey, uncast, type Expr } from '../analysis/ast.js';
import type { CfgNode } from '../analysis/cfg.js';
import type { AnalyzedFunction } from '../analysis/file.js';
import { FAULT_ERROR_BITS } from '../analysis/kernel-macros.js';
import { helperDefinition } from './facts.js';
import type { BracketSummaries } from '../analysis/brackets.js';

const FAULT_NAME: ReadonlySet<string> = new Set(['handle_mm_fault']);

/** The two result bits that mean "the fault handler dropped the lock". */
export type FaultBit = 'retry' | 'completed';

/** The kernel's name of each outcome bit. */
export const FAULT_BIT_NAMES: Readonly<Record<FaultBit, string>> = { retry: 'VM_FAULT_RETRY', completed: 'VM_FAULT_COMPLETED' };
const BIT_OUTCOME: Readonly<Record<string, FaultBit>> = Object.fromEntries(Object.entries(FAULT_BIT_NAMES).map(([bit, name]) => [name, bit as FaultBit]));

export interface FaultTest {
  bits: ReadonlySet<FaultBit>;
  /** The mask has bits other than RETRY and COMPLETED. */
  others: boolean;
  /**
   * The mask names error bits only (`VM_FAULT_ERROR`, `VM_FAULT_OOM`, ...): set, the fault
   * failed, which it never reports together with RETRY or COMPLETED (the arch handlers that test
   * `VM_FAULT_ERROR` first and then release the lock rely on it).
   */
  errorOnly: boolean;
  /** The edge along which `result & mask` is nonzero. */
  setOn: 'true' | 'false';
}

/** `result & MASK` (under `!` and casts; `likely()` is blanked by the normaliser), with MASK an `|` of VM_FAULT_* names. */
export function faultTest(cond: Expr, result: string): FaultTest | null {
  let c = uncast(cond);
  let negated = false;
  for (;;) {
    if (c.k === 'unary' && c.op === '!') {
      negated = !negated;
      c = uncast(c.arg);
    } else if (c.k === 'binary' && (c.op === '!=' || c.op === '==') && (isZeroConstant(uncast(c.right)) || isZeroConstant(uncast(c.left)))) {
      // `(fault & VM_FAULT_RETRY) != 0`, `0 == (fault & MASK)` (sweep K).
      if (c.op === '==') negated = !negated;
      c = uncast(isZeroConstant(uncast(c.right)) ? c.left : c.right);
    } else break;
  }
  if (c.k !== 'binary' || c.op !== '&') return null;
  const mask = pathKey(uncast(c.left)) === result ? c.right : pathKey(uncast(c.right)) === result ? c.left : null;
  if (mask === null) return null;
  const names: string[] = [];
  const collect = (e: Expr): boolean => {
    const x = uncast(e);
    if (x.k === 'binary' && x.op === '|') return collect(x.left) && collect(x.right);
    if (x.k === 'ident') return names.push(x.name) > 0;
    return false;
  };
  if (!collect(mask)) return null;
  const bits = new Set(names.map((nm) => BIT_OUTCOME[nm]).filter((o): o is FaultBit => o !== undefined));
  return { bits, others: names.some((nm) => !(nm in BIT_OUTCOME)), errorOnly: names.every((nm) => FAULT_ERROR_BITS.has(nm)), setOn: negated ? 'false' : 'true' };
}

/** Where `handle_mm_fault()`'s result is stored: the key, per node of the call. */
export function faultResults(fn: AnalyzedFunction): ReadonlyMap<string, number> {
  const out = new Map<string, number>();
  for (const node of fn.cfg.nodes) {
    for (const ev of node.events) {
      if (ev.k === 'def' && ev.value && ev.value.k === 'call' && ev.value.name === 'handle_mm_fault') out.set(ev.key, node.id);
    }
  }
  return out;
}

/**
 * The stored `handle_mm_fault()` calls that may release the mmap lock ({@link faultMayRelease}
 * says yes), by node, with the key their result is stored in.
 */
export function releasingFaults(fn: AnalyzedFunction, faults: ReadonlyMap<string, number> = faultResults(fn)): ReadonlyMap<number, string> {
  const out = new Map<number, string>();
  for (const [key, at] of faults) {
    const call = fn.cfg.nodes[at]!.events.find((e) => e.k === 'call' && e.name === 'handle_mm_fault');
    if (call?.k === 'call' && faultMayRelease(fn, call.call) === 'yes') out.set(at, key);
  }
  return out;
}

/**
 * When `node` branches on a stored fault result having `VM_FAULT_RETRY` or `VM_FAULT_COMPLETED`
 * set (`fault & VM_FAULT_RETRY`, read by the fault-result module, or
 * `fault_signal_pending(fault, regs)`, negated or not): the edge on which it is set, and the
 * call that produced it. `exact`: only when the test is of those two bits alone (`fault &
 * (VM_FAULT_RETRY | VM_FAULT_ERROR)` set may be an error with the lock still held).
 */
export function releasedOn(node: CfgNode, faults: ReadonlyMap<string, number>, exact = false): { edge: 'true' | 'false'; node: number } | null {
  if ((node.kind !== 'branch' && node.kind !== 'loop') || !node.expr) return null;
  for (const [key, at] of faults) {
    const t = faultTest(node.expr, key);
    if (t && t.bits.size > 0 && !(exact && t.others)) return { edge: t.setOn, node: at };
  }
  const pending = (e: Expr, edge: 'true' | 'false'): { edge: 'true' | 'false'; node: number } | null => {
    const x = e.k === 'cast' ? e.arg : e;
    if (x.k === 'unary' && x.op === '!') return pending(x.arg, edge === 'true' ? 'false' : 'true');
    if (x.k === 'call' && x.name === 'fault_signal_pending' && x.args[0]) {
      const at = faults.get(pathKey(x.args[0]) ?? '');
      return at === undefined ? null : { edge, node: at };
    }
    return null;
  };
  return pending(node.expr, 'true');
}

/**
 * Whether a `handle_mm_fault()` call may return VM_FAULT_RETRY or VM_FAULT_COMPLETED, that is
 * release the mmap lock: only when its flags may carry FAULT_FLAG_ALLOW_RETRY
 * (include/linux/mm_types.h), which FAULT_FLAG_DEFAULT includes. Flags read from a parameter or
 * a structure may; flags the function builds itself from constants may only if it names one of
 * the two (iommu's `iommu_sva_handle_mm()` faults with FAULT_FLAG_REMOTE and keeps the lock).
 * With FAULT_FLAG_VMA_LOCK the call is about the VMA's lock, not the mmap lock, and when the
 * function sets FAULT_FLAG_RETRY_NOWAIT a retry keeps the lock: neither is read here.
 */
export function faultMayRelease(fn: AnalyzedFunction, call: Expr & { k: 'call' }): 'yes' | 'no' | 'other' {
  const flags = call.args[2];
  if (!flags) return 'other';
  const names = fn.file.identifiersOf(fn.span);
  if (fn.text(flags).includes('FAULT_FLAG_VMA_LOCK') || setsRetryNowait(fn, call)) return 'other';
  if (names.has('FAULT_FLAG_ALLOW_RETRY') || names.has('FAULT_FLAG_DEFAULT')) return 'yes';
  // Flags from outside the function: a parameter, a field, a call, or a local set from one.
  const seenLocals = new Set<string>();
  const outside = (e: Expr): boolean => {
    const x = uncast(e);
    if (x.k === 'cond') return (x.then ? outside(x.then) : outside(x.test)) || outside(x.else);
    if (x.k === 'binary') return outside(x.left) || outside(x.right);
    if (x.k === 'lit') return false;
    if (x.k === 'ident') {
      if (x.ref.scope === 'global') return false;
      if (x.ref.scope === 'param') return true;
      if (seenLocals.has(x.ref.id)) return false;
      seenLocals.add(x.ref.id);
      for (const node of fn.cfg.nodes) {
        for (const ev of node.events) {
          if (ev.k !== 'def' || ev.key !== x.ref.id || ev.how === 'decl') continue;
          // `flags |= FAULT_FLAG_WRITE`: its constants are the function's own, checked above.
          if (ev.value === null ? !/\|=|&=/.test(fn.text(node)) : outside(ev.value)) return true;
        }
      }
      return false;
    }
    return true;
  };
  return outside(flags) ? 'yes' : 'no';
}

const RETRY_NOWAIT = 'FAULT_FLAG_RETRY_NOWAIT';

/**
 * Whether FAULT_FLAG_RETRY_NOWAIT may be among the flags of the fault `call`: the call's flags
 * name it, or the function stores it somewhere (`flags |= FAULT_FLAG_RETRY_NOWAIT;`, an
 * initialiser, s390's gmap path). With it a VM_FAULT_RETRY keeps the mmap lock. A test of the
 * flag stores nothing: x86's `WARN_ON_ONCE(flags & FAULT_FLAG_RETRY_NOWAIT)` used to turn off
 * the judgement of its whole handler (sweep K).
 */
export function setsRetryNowait(fn: AnalyzedFunction, call: Expr & { k: 'call' }): boolean {
  if (!fn.file.identifiersOf(fn.span).has(RETRY_NOWAIT)) return false;
  const flags = call.args[2];
  if (flags && fn.text(flags).includes(RETRY_NOWAIT)) return true;
  for (const node of fn.cfg.nodes) {
    for (const ev of node.events) {
      if (ev.k !== 'def' || ev.how === 'param' || ev.how === 'iter') continue;
      // A compound assignment has no value of its own: its statement names what it stores.
      if ((ev.value !== null ? fn.text(ev.value) : fn.text(node)).includes(RETRY_NOWAIT)) return true;
    }
  }
  return false;
}

/**
 * The `handle_mm_fault()` call a helper returns the result of, for a helper that does
 * no lock operation of its own (6.1 arm64's `__do_page_fault()`: checks the VMA, then `return
 * handle_mm_fault(vma, addr, mm_flags, regs);`): its callers test the helper's result as the
 * fault's. Null for any other callee.
 */
export function returnedFault(fn: AnalyzedFunction, name: string, lockNames: ReadonlySet<string>, summaries: BracketSummaries): { callee: AnalyzedFunction; call: Expr & { k: 'call' } } | null {
  // Only a callee that names the fault handler is read: parsing every callee of every
  // lock-taking function cost a cold scan of mm/ a second.
  const def = helperDefinition(fn, name, summaries, FAULT_NAME);
  const callee = def ? def.file.analyze(def.span) : null;
  if (!callee || callee.file.mentions(callee.span, lockNames)) return null;
  for (const node of callee.cfg.nodes) {
    const e = node.kind === 'return' ? node.expr : null;
    const x = e ? uncast(e) : null;
    if (x && x.k === 'call' && x.name === 'handle_mm_fault') return { callee, call: x };
  }
  return null;
}
