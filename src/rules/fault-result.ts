/**
 * Reading `handle_mm_fault()`'s result the way its callers test it: `fault & MASK`, possibly
 * negated, wrapped in `likely()`/`unlikely()` or cast, with MASK an `|` of `VM_FAULT_*` names.
 * `VM_FAULT_RETRY` and `VM_FAULT_COMPLETED` say the handler released the lock itself
 * (include/linux/mm_types.h), which is what the lock rules need to know.
 */
import { pathKey, type Expr } from '../analysis/ast.js';

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

function strip(e: Expr): Expr {
  return e.k === 'cast' ? strip(e.arg) : e;
}

/** `result & MASK` (under `!`, casts, `likely()`), with MASK an `|` of VM_FAULT_* names. */
export function faultTest(cond: Expr, result: string): FaultTest | null {
  let c = strip(cond);
  let negated = false;
  for (;;) {
    if (c.k === 'unary' && c.op === '!') {
      negated = !negated;
      c = strip(c.arg);
    } else if (c.k === 'call' && c.name !== null && /^(unlikely|likely)$/.test(c.name) && c.args[0]) {
      c = strip(c.args[0]);
    } else break;
  }
  if (c.k !== 'binary' || c.op !== '&') return null;
  const mask = pathKey(strip(c.left)) === result ? c.right : pathKey(strip(c.right)) === result ? c.left : null;
  if (mask === null) return null;
  const names: string[] = [];
  const collect = (e: Expr): boolean => {
    const x = strip(e);
    if (x.k === 'binary' && x.op === '|') return collect(x.left) && collect(x.right);
    if (x.k === 'ident') return names.push(x.name) > 0;
    return false;
  };
  if (!collect(mask)) return null;
  const bits = new Set(names.map((nm) => BIT_OUTCOME[nm]).filter((o): o is FaultBit => o !== undefined));
  return { bits, others: names.some((nm) => !(nm in BIT_OUTCOME)), setOn: negated ? 'false' : 'true' };
}
