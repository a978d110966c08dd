/**
 * Integer facts about one value, for the path explorer: `ret < 0` rules out `ret == 1` on the
 * same path (6.1's mremap(): `if (retval < 0 && ...) goto out; downgraded = retval == 1;`).
 */
import { pathKey, type Expr } from './ast.js';
import { ERRNO_VALUES } from './kernel-macros.js';

/** A comparison of an integer-valued access path with an integer constant: `ret < 0`, `err` (`err != 0`). */
export type IntOp = '<' | '<=' | '>' | '>=' | '==' | '!=';
export interface IntAtom {
  /** The access path compared (ast.ts `pathKey`). */
  v: string;
  op: IntOp;
  c: bigint;
}

const NEGATED: Record<IntOp, IntOp> = { '<': '>=', '<=': '>', '>': '<=', '>=': '<', '==': '!=', '!=': '==' };
const MIRRORED: Record<IntOp, IntOp> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=', '==': '==', '!=': '!=' };

/**
 * The integer an expression is, when it is a literal (`1`, `0x10UL`, `NULL`, `true`) or an error
 * number whose value every architecture shares (`-EINTR`: kernel-macros.ts ERRNO_VALUES).
 */
export function intLiteral(e: Expr): bigint | null {
  const x = e.k === 'cast' ? e.arg : e;
  if (x.k === 'unary' && x.op === '-') {
    const v = intLiteral(x.arg);
    return v === null ? null : -v;
  }
  if (x.k === 'ident') {
    const errno = ERRNO_VALUES.get(x.name);
    if (errno !== undefined) return BigInt(errno);
    return x.name === 'NULL' || x.name === 'false' ? 0n : x.name === 'true' ? 1n : null;
  }
  if (x.k !== 'lit') return null;
  const t = x.text.trim();
  if (t === 'NULL' || t === 'false') return 0n;
  if (t === 'true') return 1n;
  const m = /^(-?)\s*(0[xX][0-9a-fA-F]+|[1-9]\d*|0)[uUlL]*$/.exec(t);
  return m ? (m[1] ? -1n : 1n) * BigInt(m[2]!) : null;
}

/** `e` read as a comparison of an access path with an integer literal, or null. */
export function intAtom(e: Expr): IntAtom | null {
  const p = pathKeyOf(e);
  if (p !== null) return { v: p, op: '!=', c: 0n };
  if (e.k !== 'binary' || !(e.op in NEGATED)) return null;
  const op = e.op as IntOp;
  const lp = pathKeyOf(e.left);
  const rc = intLiteral(e.right);
  if (lp !== null && rc !== null) return { v: lp, op, c: rc };
  const rp = pathKeyOf(e.right);
  const lc = intLiteral(e.left);
  if (rp !== null && lc !== null) return { v: rp, op: MIRRORED[op], c: lc };
  return null;
}

/** A plain variable or field path (no index, no dereference), casts looked through. */
function pathKeyOf(e: Expr): string | null {
  const x = e.k === 'cast' ? e.arg : e;
  if (x.k !== 'ident' && x.k !== 'field') return null;
  if (x.k === 'ident' && /^(NULL|true|false)$/.test(x.name)) return null;
  const k = pathKey(x);
  return k === null || k.includes('[') || k.includes('*') ? null : k;
}

/** Whether `value op c` holds. */
export function holds(value: bigint, op: IntOp, c: bigint): boolean {
  switch (op) {
    case '<':
      return value < c;
    case '<=':
      return value <= c;
    case '>':
      return value > c;
    case '>=':
      return value >= c;
    case '==':
      return value === c;
    case '!=':
      return value !== c;
  }
}

/**
 * The integers a set of atoms about one value leaves possible: an interval (null ends are
 * unbounded) less some excluded points. Values are read as mathematical integers: an unsigned
 * value compared with a negative constant is not modelled as wrapping, which only matters to
 * code that compares one unsigned value both with a negative constant and with a range.
 */
export class IntRange {
  private constructor(
    readonly lo: bigint | null,
    readonly hi: bigint | null,
    readonly excluded: readonly bigint[],
  ) {}

  static readonly ANY = new IntRange(null, null, []);

  /** This range narrowed by `op c` being `truth`; null when nothing is left. */
  and(op: IntOp, c: bigint, truth: boolean): IntRange | null {
    const o = truth ? op : NEGATED[op];
    let lo = this.lo;
    let hi = this.hi;
    let excluded = this.excluded;
    if (o === '<' || o === '<=') {
      const h = o === '<' ? c - 1n : c;
      if (hi === null || h < hi) hi = h;
    } else if (o === '>' || o === '>=') {
      const l = o === '>' ? c + 1n : c;
      if (lo === null || l > lo) lo = l;
    } else if (o === '==') {
      if ((lo !== null && c < lo) || (hi !== null && c > hi)) return null;
      lo = hi = c;
    } else if (!excluded.includes(c)) {
      excluded = [...excluded, c];
    }
    return new IntRange(lo, hi, excluded).normal();
  }

  /** Whether `op c` holds for every value left (true), for none (false), or depends (undefined). */
  decides(op: IntOp, c: bigint): boolean | undefined {
    if (this.and(op, c, false) === null) return true;
    if (this.and(op, c, true) === null) return false;
    return undefined;
  }

  /** Excluded points moved into the bounds where they sit at an end; null when empty. */
  private normal(): IntRange | null {
    let { lo, hi } = this;
    const ex = new Set(this.excluded);
    while (lo !== null && ex.has(lo)) lo += 1n;
    while (hi !== null && ex.has(hi)) hi -= 1n;
    if (lo !== null && hi !== null && lo > hi) return null;
    const kept = [...ex].filter((x) => (lo === null || x > lo) && (hi === null || x < hi));
    return new IntRange(lo, hi, kept);
  }
}

/**
 * A test of flag bits of a value: `fault & (VM_FAULT_RETRY | VM_FAULT_ERROR)`. The mask's names
 * are read as distinct bits; a composite name (`VM_FAULT_ERROR`) is one more bit, related to its
 * parts by nothing, which can only make widen know less. `v` is the value's path behind `&`, so
 * the value's integer tests stay apart.
 */
export interface BitAtom {
  v: string;
  bits: readonly string[];
}

/** `e` read as `path & MASK` with MASK an `|` of constants' names, or null. */
export function bitAtom(e: Expr): BitAtom | null {
  if (e.k !== 'binary' || e.op !== '&') return null;
  for (const [value, mask] of [[e.left, e.right], [e.right, e.left]] as const) {
    const p = pathKeyOf(value);
    if (p === null) continue;
    const bits: string[] = [];
    const collect = (x: Expr): boolean => {
      const y = x.k === 'cast' ? x.arg : x;
      if (y.k === 'binary' && y.op === '|') return collect(y.left) && collect(y.right);
      if (y.k === 'ident' && y.ref.scope === 'global' && /^[A-Z_][A-Z0-9_]*$/.test(y.name)) return bits.push(y.name) > 0;
      return false;
    };
    if (collect(mask)) return { v: `&${p}`, bits: [...new Set(bits)].sort() };
  }
  return null;
}
