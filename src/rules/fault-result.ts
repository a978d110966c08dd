/**
 * Reading `handle_mm_fault()`'s result the way its callers test it: `fault & MASK`, possibly
 * negated, wrapped in `likely()`/`unlikely()` or cast, with MASK an `|` of `VM_FAULT_*` names.
 * `VM_FAULT_RETRY` and `VM_FAULT_COMPLETED` say the handler released the lock itself
 * (include/linux/mm_types.h), which is what the lock rules need to know.
 */
import { pathKey, uncast, type Expr } from '../analysis/ast.js';
import type { CfgNode } from '../analysis/cfg.js';
import type { AnalyzedFunction } from '../analysis/file.js';

/** The two result bits that mean "the fault handler dropped the lock". */
export type FaultBit = 'retry' | 'completed';

const BIT_OUTCOME: Record<string, FaultBit> = { VM_FAULT_RETRY: 'retry', VM_FAULT_COMPLETED: 'completed' };

export interface FaultTest {
  bits: ReadonlySet<FaultBit>;
  /** The mask has bits other than RETRY and COMPLETED. */
  others: boolean;
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
  return { bits, others: names.some((nm) => !(nm in BIT_OUTCOME)), setOn: negated ? 'false' : 'true' };
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
