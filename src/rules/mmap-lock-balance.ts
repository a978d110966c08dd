/**
 * The mmap lock a function takes is released on every path, in the mode it was taken, once.
 *
 * Unlike a gather, the mmap lock is routinely taken in one function and released in another, so
 * the rule judges a function by its own contract, inferred from its body:
 *
 * - a lock state the function did not create (it was entered with the lock held, or called a
 *   transfer helper such as `handle_mm_fault()`) is never reported;
 * - a function that takes the lock and never releases it is a locking helper (it returns with
 *   the lock held by design);
 * - a function whose exits disagree (held on some, released on others) is reported only where
 *   the exits return the same kind of value: `lock_mm_and_find_vma()` returns a VMA when it
 *   holds the lock and NULL when it does not, which is a contract, while two `return -EINVAL`s
 *   that differ in the lock are a leak.
 */
import { displayKey, isZeroConstant, pathKey, uncast, type Expr } from '../analysis/ast.js';
import { acquisitionOf, cameBack, exitPoint, exitRoute, jumpBefore, objectAt, neverRead, pendingOf, roundAgain, settlePending, zeroEdge, type BracketSummaries, type PendingAcquisition } from '../analysis/brackets.js';
import { reachableFrom, type CfgNode } from '../analysis/cfg.js';
import type { AnalyzedFunction } from '../analysis/file.js';
import { intLiteral } from '../analysis/int-range.js';
import { edgeInto, explore, type Trace } from '../analysis/paths.js';
import { cameBackLabel, orCode, routeLabels } from './balance.js';
import { FAULT_BIT_NAMES, faultMayRelease, faultTest, releasedOn, returnedFault, setsRetryNowait, type FaultBit } from './fault-result.js';
import { defineRule, quoteCode, type RelatedSpan } from './define-rule.js';
import { helperDefinition } from './facts.js';
import { deadlockSentence, FLAG_PARAM_TYPE, flagRelease, flagTestEdge, flagValue, followsFlags, handedFlagKey, lockedObjects, lockOutcome, lockEvents, lockFlags, writtenMm, type LockEvent, type Mode } from './mmap-lock.js';
import { MMAP_LOCK_CONDITIONAL_RELEASES, MMAP_LOCK_FLAG_RELEASES, MMAP_LOCK_OPS, MMAP_LOCK_TABLE_SAYS, MMAP_READ_LOCK, MMAP_WRITE_LOCK, type ConditionalRelease } from './resources.js';

const CONDITIONAL_BY_NAME = new Map(MMAP_LOCK_CONDITIONAL_RELEASES.map((c) => [c.name, c]));
const LOCK_OP_NAMES: ReadonlySet<string> = new Set(MMAP_LOCK_OPS.map((o) => o.name));

/** Per mm: entered as the caller left it, known unlocked, held (and where taken), or not judged. */
type LockState =
  | { k: 'entry' }
  /**
   * `released`: where this function released it on the path, for the label (not in the state's
   * key: paths released at different places merge, and the label names one that reaches).
   */
  | { k: 'none'; failed: number | null; released?: number }
  /**
   * `local`: taken by this function (a downgrade of the caller's write lock is not).
   * `downgraded`: where this function downgraded the write lock it took at `at`, for the label
   * (not in the state's key, as `released`).
   */
  | { k: 'held'; mode: Mode; at: number; call: string; pending: PendingAcquisition | null; local: boolean; downgraded?: number; releasing?: { at: number; pending: ReleasePending; downgrades: boolean; upgrades?: true }; cleared?: string; either?: true }
  | { k: 'unknown' };


type State = ReadonlyMap<string, LockState>;

/** Whether `node` is a statement that evaluates `call` and drops its value: `f();` or `(void)f();`. */
function discarded(node: CfgNode, call: Expr): boolean {
  if (node.kind !== 'stmt' || node.decls !== null || node.expr === null) return false;
  let e = node.expr;
  while (e.k === 'cast') e = e.arg;
  return e === call;
}

/**
 * `, or leave through `out:`, which releases it` when a label of the function is followed at
 * once by `release` (a call of that name within its first few statements), else nothing: help
 * must not point at a label the function does not have (sweep I, vhost-vdpa).
 */
function orLabel(fn: AnalyzedFunction, release: string): string {
  const name = release.replace(/\(\)$/, '');
  for (const start of fn.cfg.nodes) {
    if (start.kind !== 'label' || !start.label) continue;
    let node: CfgNode | undefined = start;
    for (let i = 0; node && i < 4; i++) {
      if (node.events.some((e) => e.k === 'call' && e.name === name)) return `, or leave through \`${start.label}:\`, which releases it`;
      node = node.succ.length === 1 ? fn.cfg.nodes[node.succ[0]!.to] : undefined;
    }
  }
  return '';
}

/** The conditional releases that release when they return 0 (`do_vmi_align_munmap(..., true)`), by name. */
const ZERO_RELEASES = new Map(MMAP_LOCK_CONDITIONAL_RELEASES.filter((c) => c.releasedWhen === 'zero').map((c) => [c.name, c]));
const ZERO_RELEASE_NAMES: ReadonlySet<string> = new Set(ZERO_RELEASES.keys());

/**
 * A helper that hands a conditional release's result back as its own, its other
 * returns non-zero constants (sweep T: brk()'s shrink path moved into a helper ending in `return
 * do_vmi_align_munmap(vmi, vma, mm, start, end, uf, true);` after `return -ENOMEM;`): its 0 is
 * the release's 0, so its call is that release, with the caller's arguments put in for the
 * helper's parameters (an argument of the release that is neither a parameter nor a constant is
 * left undefined: not known at the call). Null when the helper does a lock operation of its
 * own, calls the release more than once or returns anything else.
 */
function returnedRelease(fn: AnalyzedFunction, name: string, callArgs: readonly Expr[], summaries: BracketSummaries): { spec: ConditionalRelease; args: Array<Expr | undefined>; zero: string } | null {
  const def = helperDefinition(fn, name, summaries, ZERO_RELEASE_NAMES);
  const callee = def ? def.file.analyze(def.span) : null;
  if (!callee || callee.file.mentions(callee.span, LOCK_OP_NAMES)) return null;
  const releases = callee.cfg.nodes.flatMap((n) => n.events.filter((e) => e.k === 'call' && e.name !== null && ZERO_RELEASES.has(e.name)));
  if (releases.length !== 1 || releases[0]!.k !== 'call') return null;
  const inner = releases[0]!.call;
  let zero = ZERO_RELEASES.get(inner.name!)!.zero ?? '0';
  for (const node of callee.cfg.nodes) {
    if (node.kind !== 'return') continue;
    const x = node.expr ? uncast(node.expr) : null;
    // `return vma_lookup(mm, addr) || expand_stack(mm, addr);` is 0 exactly when the release
    // ran and returned 0 (sweep V: `__access_remote_vm()`'s test moved into a helper).
    if (x === inner) continue;
    if (x?.k === 'binary' && x.op === '||' && uncast(x.right) === inner) {
      zero = 'false';
      continue;
    }
    const value = x ? intLiteral(x) : null;
    if (value !== null ? value === 0n : !testedNonZero(callee, node, x)) return null;
  }
  const args = inner.args.map((a) => {
    const x = uncast(a);
    if (intLiteral(x) !== null) return a;
    const i = x.k === 'ident' ? callee.ast.params.findIndex((p) => p.ref.id === x.ref.id) : -1;
    return i >= 0 ? callArgs[i] : undefined;
  });
  return { spec: ZERO_RELEASES.get(inner.name!)!, args, zero };
}

/** `*locked` for an argument that is the function's own pointer parameter `locked`, else null. */
function pointerParam(fn: AnalyzedFunction, arg: Expr): string | null {
  const key = pathKey(arg);
  return key !== null && fn.ast.params.some((p) => p.pointer && p.ref.id === key) ? `*${key}` : null;
}

/**
 * Whether the `return` `node` returns a variable `x` that the test right before it found
 * non-zero on every way in: `vma = vma_lookup(mm, addr); if (vma) return vma;` (the "find, or
 * expand the stack" helper).
 */
function testedNonZero(fn: AnalyzedFunction, node: CfgNode, x: Expr | null): boolean {
  const key = x ? pathKey(x) : null;
  if (key === null) return false;
  return node.pred.length > 0 && node.pred.every((edge) => {
    const b = fn.cfg.nodes[edge.to]!;
    if (b.kind !== 'branch' || !b.expr) return false;
    const zero = zeroEdge(b.expr, (e) => pathKey(e) === key);
    return zero !== null && (edge.kind === 'true' || edge.kind === 'false') && edge.kind !== zero;
  });
}

/** A literal true: `true`, `1`. */
function isTrue(e: Expr | undefined): boolean {
  if (!e) return false;
  const x = e.k === 'cast' ? e.arg : e;
  return (x.k === 'ident' && x.name === 'true') || (x.k === 'lit' && /^(?:true|1[uUlL]*)$/.test(x.text.trim()));
}

/**
 * When a conditional release is decided: a pending outcome as for a conditional acquisition
 * (released when it "acquires"), or a result stored in `key` that releases when it differs from
 * `constant` (`result != SCAN_SUCCEED`) or, with `equal`, when it equals it (6.1's
 * `do_brk_munmap()` returning 1), until a branch tests it.
 */
type ReleasePending = (PendingAcquisition | { key: string; constant: string; equal: boolean } | { fault: string; bits: FaultBit[] }) & {
  /**
   * A variable handed as the helper's `unlock` flag (6.12 `__vm_munmap()`: `do_vmi_munmap(...,
   * unlock)`): the outcome above releases the lock only where this is non-zero as well.
   */
  also?: string;
};


/** The edge of a branch on `cond` along which `is(value) != constant` holds, or null. */
function unlessEdge(cond: Expr, is: (e: Expr) => boolean, constant: string): 'true' | 'false' | null {
  const c = uncast(cond);
  if (c.k !== 'binary' || (c.op !== '!=' && c.op !== '==')) return null;
  const isC = (x: Expr): boolean => (x.k === 'ident' && x.name === constant) || (x.k === 'lit' && x.text.trim() === constant);
  const l = uncast(c.left);
  const r = uncast(c.right);
  if (!((is(l) && isC(r)) || (isC(l) && is(r)))) return null;
  return c.op === '!=' ? 'true' : 'false';
}

/** How the outcome of conditional release `spec` by `call` at `node` is learned, or null (untested). */
function releasePending(node: CfgNode, call: Expr & { k: 'call' }, spec: ConditionalRelease): ReleasePending | null {
  if (spec.releasedWhen === 'zero' || spec.releasedWhen === 'nonzero') return pendingOf(node, acquisitionOf(node, call, spec.releasedWhen));
  if (spec.releasedWhen === 'fault') {
    for (const ev of node.events) if (ev.k === 'def' && ev.value === call && (ev.how === 'assign' || ev.how === 'init')) return { fault: ev.key, bits: ['retry', 'completed'] };
    return null;
  }
  const [constant, equal] = 'unless' in spec.releasedWhen ? [spec.releasedWhen.unless, false] : [spec.releasedWhen.equals, true];
  if ((node.kind === 'branch' || node.kind === 'loop') && node.expr) {
    const edge = releaseEdge(node.expr, (e) => e === call, constant, equal);
    if (edge) return { branch: node.id, edge };
  }
  for (const ev of node.events) {
    if (ev.k === 'def' && ev.value === call && (ev.how === 'assign' || ev.how === 'init')) return { key: ev.key, constant, equal };
  }
  return null;
}

/** The edge of a branch on `cond` along which the release happened: `!= constant`, or `== constant` with `equal`. */
function releaseEdge(cond: Expr, is: (e: Expr) => boolean, constant: string, equal: boolean): 'true' | 'false' | null {
  const edge = unlessEdge(cond, is, constant);
  return edge === null || !equal ? edge : edge === 'true' ? 'false' : 'true';
}

/**
 * {@link settleOutcome}, then, for a release that also needs its `unlock` flag, the flag: what
 * the path's tests say of it, or a pending test of it (`if (ret || !unlock)`, the second half).
 */
function settleRelease(pending: ReleasePending, node: CfgNode, taken: { from: CfgNode; kind: string } | null, trace: Trace, nodes: readonly CfgNode[]): ReturnType<typeof settlePending> | ReleasePending {
  const flag = pending.also;
  if (flag !== undefined) {
    // A flag the path finds false releases nothing, whatever the result (`if (!unlock || ret)`);
    // found true, only the result is left to learn.
    const zeroOn = taken && taken.from.expr && (taken.kind === 'true' || taken.kind === 'false') ? zeroEdge(taken.from.expr, (e) => pathKey(e) === flag) : null;
    const zero = zeroOn !== null ? zeroOn === taken!.kind : trace.decides(flag, '==', 0n);
    if (zero === true) return 'failed';
    if (zero === false) {
      const { also: _, ...rest } = pending;
      return settleRelease(rest, node, taken, trace, nodes);
    }
  }
  const settled = settleOutcome(pending, node, taken, trace, nodes);
  if (flag === undefined || settled === null || (typeof settled === 'string' && settled !== 'acquired')) return settled;
  if (typeof settled !== 'string') return { ...settled, also: flag };
  // Released if the flag is set; what the path knew of it was read above: left to a later test.
  const onFlag: PendingAcquisition = { key: flag, when: 'nonzero' };
  return settlePending(onFlag, node, taken) ?? onFlag;
}

/** {@link settlePending} for a release, with the `unless` form turned into a branch's edge. */
function settleOutcome(pending: ReleasePending, node: CfgNode, taken: { from: CfgNode; kind: string } | null, trace: Trace, nodes: readonly CfgNode[]): ReturnType<typeof settlePending> | ReleasePending {
  if ('fault' in pending) return settleFault(pending, node, taken);
  if (!('constant' in pending)) {
    // A result the path's tests decide without testing it here: through a flag that keeps an
    // `||` of tests of it (sweep S: `locked = ret || !unlock; if (locked)`).
    if ('key' in pending) {
      const zero = trace.decides(pending.key, '==', 0n);
      if (zero !== undefined) return zero === (pending.when === 'zero') ? 'acquired' : 'failed';
    }
    return settlePending(pending, node, taken);
  }
  // What the tests the path passed say of the result, related to each other and through a flag
  // that holds one (6.1 mremap(): `if (retval < 0 && ...) goto out;` then `downgraded = retval == 1;`).
  const value = /^-?\d+$/.test(pending.constant) ? BigInt(pending.constant) : null;
  const decided = value === null ? undefined : trace.decides(pending.key, '==', value);
  if (decided !== undefined) return decided === pending.equal ? 'acquired' : 'failed';
  // A switch on the result (sweep S: `switch (ret) { case 1: mmap_read_unlock(mm); ...
  // default: mmap_write_unlock(mm); }`): the case taken says whether it is the constant.
  const cased = value === null ? undefined : caseDecides(taken, node, nodes, pending.key, value);
  if (cased !== undefined) return cased === pending.equal ? 'acquired' : 'failed';
  // An `equals` release's constant is the largest value its helper returns (6.1's
  // `do_mas_munmap()`: 1 downgraded, 0 kept, negative on error), so `ret > 0` is `ret == 1`.
  if (value !== null && pending.equal && taken && (taken.kind === 'true' || taken.kind === 'false') && taken.from.expr && reachesLargest(taken.from.expr, pending.key, value) === taken.kind) return 'acquired';
  // A range test that rules the constant out on the edge just taken (`if (ret >= 0)`, false
  // edge, for a release on 1): decided, though its other edge decides nothing.
  if (taken && (taken.kind === 'true' || taken.kind === 'false') && taken.from.expr && excludingEdge(taken.from.expr, pending.key, pending.constant) === taken.kind) {
    return pending.equal ? 'failed' : 'acquired';
  }
  if ((node.kind === 'branch' || node.kind === 'loop') && node.expr) {
    const edge = releaseEdge(node.expr, (e) => pathKey(e) === pending.key, pending.constant, pending.equal);
    if (edge) return { branch: node.id, edge };
  }
  return node.events.some((e) => e.k === 'def' && e.key === pending.key) ? 'forgotten' : null;
}

/** For a fault result whose tests ruled some outcomes out: the release outcomes still possible, as `when` says them. */
function stillPossible(pending: ReleasePending): string | null {
  if (!('fault' in pending) || pending.bits.length === 0) return null;
  return `it returned ${pending.bits.map((b) => (b === 'retry' ? '`VM_FAULT_RETRY`' : '`VM_FAULT_COMPLETED`')).join(' or ')}`;
}

/**
 * What the edge just taken says of a stored fault result: `fault & VM_FAULT_COMPLETED` set means
 * the handler released the lock; clear, that bit is ruled out, and with both ruled out the lock
 * is still held. `fault_signal_pending(fault, regs)` true means VM_FAULT_RETRY; an error bit set
 * means neither (the lock is held). A set mask of both kinds (`VM_FAULT_ERROR | VM_FAULT_RETRY`)
 * may be either: it narrows the bits still possible, and a later test decides.
 */
function settleFault(pending: { fault: string; bits: FaultBit[] }, node: CfgNode, taken: { from: CfgNode; kind: string } | null): ReturnType<typeof settlePending> | ReleasePending {
  const from = taken?.from;
  if (from && (taken.kind === 'true' || taken.kind === 'false') && from.expr) {
    const t = faultTest(from.expr, pending.fault);
    if (t && t.errorOnly && taken.kind === t.setOn) return 'failed';
    if (t && pending.bits.some((b) => t.bits.has(b))) {
      // A mask of both kinds set (sh: `fault & (VM_FAULT_RETRY | VM_FAULT_ERROR)`): one of its
      // release bits, or an error with the lock held; RETRY and COMPLETED never come together,
      // so the bits outside the mask are ruled out, and a later test decides.
      if (taken.kind === t.setOn) return t.others ? { fault: pending.fault, bits: pending.bits.filter((b) => t.bits.has(b)) } : 'acquired';
      const rest = pending.bits.filter((b) => !t.bits.has(b));
      return rest.length > 0 ? { fault: pending.fault, bits: rest } : 'failed';
    }
    const signal = releasedOn(from, new Map([[pending.fault, from.id]]));
    if (!t && signal && signal.edge === taken.kind && pending.bits.includes('retry')) return 'acquired';
  }
  return node.events.some((e) => e.k === 'def' && e.key === pending.fault) ? 'forgotten' : null;
}

/**
 * What the `case` edge just taken out of a switch on `key` says of `key == value`: true into
 * `case value:`, false into another case or, when `value` is one of the switch's cases, into
 * `default:` or past the switch; undefined for any other edge.
 */
function caseDecides(taken: { from: CfgNode; kind: string } | null, node: CfgNode, nodes: readonly CfgNode[], key: string, value: bigint): boolean | undefined {
  if (!taken || taken.kind !== 'case' || !taken.from.expr || pathKey(uncast(taken.from.expr)) !== key) return undefined;
  if (node.kind === 'case' && node.caseValue) {
    const v = intLiteral(node.caseValue);
    return v === null ? undefined : v === value;
  }
  const values = taken.from.succ.map((e) => nodes[e.to]!).filter((n) => n.kind === 'case' && n.caseValue).map((n) => intLiteral(n.caseValue!));
  return values.includes(value) ? false : undefined;
}

/** The edge of `key > n` (n = largest - 1) or `key >= largest` along which `key` is `largest`, for a value that is never larger. */
function reachesLargest(cond: Expr, key: string, largest: bigint): 'true' | 'false' | null {
  const c = uncast(cond);
  if (c.k !== 'binary') return null;
  const mirror: Record<string, string> = { '<': '>', '>': '<', '<=': '>=', '>=': '<=' };
  let op = c.op;
  let n: bigint | null = null;
  if (pathKey(uncast(c.left)) === key) n = intLiteral(c.right);
  else if (pathKey(uncast(c.right)) === key && mirror[op]) [n, op] = [intLiteral(c.left), mirror[op]!];
  if (n === null) return null;
  if ((op === '>' && n === largest - 1n) || (op === '>=' && n === largest)) return 'true';
  if ((op === '<=' && n === largest - 1n) || (op === '<' && n === largest)) return 'false';
  return null;
}

/**
 * For `key < n`, `key >= n` and the like against integer literals, the edge on which `key` cannot
 * equal the integer `constant`; null for any other condition or constant.
 */
function excludingEdge(cond: Expr, key: string, constant: string): 'true' | 'false' | null {
  const c = uncast(cond);
  if (c.k !== 'binary' || !/^-?\d+$/.test(constant)) return null;
  const int = (x: Expr): number | null => {
    const y = uncast(x);
    if (y.k === 'lit' && /^\d+$/.test(y.text.trim())) return Number(y.text.trim());
    if (y.k === 'unary' && y.op === '-' && y.arg.k === 'lit' && /^\d+$/.test(y.arg.text.trim())) return -Number(y.arg.text.trim());
    return null;
  };
  const isKey = (x: Expr): boolean => pathKey(uncast(x)) === key;
  const mirror: Record<string, string> = { '<': '>', '>': '<', '<=': '>=', '>=': '<=' };
  let op = c.op;
  let n: number | null = null;
  if (isKey(c.left)) n = int(c.right);
  else if (isKey(c.right) && mirror[op]) [n, op] = [int(c.left), mirror[op]!];
  if (n === null || !mirror[op]) return null;
  const v = Number(constant);
  const holds = op === '<' ? v < n : op === '>' ? v > n : op === '<=' ? v <= n : v >= n;
  return holds ? 'false' : 'true';
}

/** Kinds of returned value, to tell a conditional locking contract from a leak. */
type ReturnKind = 'void' | 'zero' | 'error' | 'value';

export default defineRule({
  id: 'mmap-lock-balance',
  meta: {
    summary: 'the mmap lock a function takes is released on every path, once, in the mode it was taken',
    severity: 'error',
    confidence: 'medium',
    resources: [MMAP_READ_LOCK, MMAP_WRITE_LOCK],
    // A function handed the lock in a flag may release it through a fault or a GUP call alone
    // (6.12 `faultin_page()`): its flag must say so (flagNotCleared).
    calls: ['handle_mm_fault', ...MMAP_LOCK_FLAG_RELEASES.map((r) => r.name)],
  },
  messages: {
    leak: {
      headline: "`{{mm}}`'s mmap {{mode}} lock is not released on every path",
      explanation:
        '{{call}} takes the mmap {{mode}} lock. On the path shown the function leaves with it still held, although it releases it on other paths and what it returns here does not tell the caller that it still holds it. The lock is then never released: every later writer of this mm blocks forever{{blocked}}.',
      fix: 'Release the lock on this path too ({{release}}){{orLabel}}.',
    },
    invertedTest: {
      headline: 'the test of `{{call}}` is the wrong way round',
      explanation:
        "`{{call}}` {{polarity}}, so `{{test}}` is true exactly when it took the lock. The branch taken then {{leaves}} while holding `{{mm}}`'s mmap {{mode}} lock, which is never released, and the path where the lock was not taken goes on to the unlock, which underflows the rwsem.",
      fix: 'Test the result the other way round: `{{right}}`.',
    },
    unlockNotHeld: {
      headline: "`{{call}}` can run when `{{mm}}`'s mmap lock is not held",
      explanation:
        'On the path shown this function {{cause}}{{helper}}: the unlock underflows the rwsem, which lockdep reports as "bad unlock balance" and which can let a writer in while readers still run.',
      fix: 'Keep the unlock to the paths that hold the lock: {{remedy}}',
    },
    wrongMode: {
      headline: "`{{call}}` releases `{{mm}}`'s mmap lock in the wrong mode",
      explanation:
        'The lock is held for {{held}} here ({{how}}), but `{{call}}` releases a lock taken for {{mode}}. An rwsem must be released in the mode it was acquired: the mismatch corrupts its count.',
      fix: 'Release with the matching call (`{{release}}`){{downgrade}}{{shared}}.',
    },
    downgradeUntested: {
      headline: '`{{call}}` may release a lock that `{{helper}}` downgraded',
      explanation:
        "`{{helper}}` downgrades `{{mm}}`'s mmap write lock to read when {{when}}, and leaves it write-held otherwise. On the path shown its result was not tested for that before `{{call}}` runs, so on one of the two outcomes `{{call}}` releases {{other}} rwsem in the wrong mode, which corrupts its count.",
      fix: 'Test the result and release in the mode it says: `mmap_read_unlock()` where `{{helper}}` downgraded, `mmap_write_unlock()` where it did not{{example}}.',
    },
    releaseUntested: {
      headline: '`{{call}}` runs whether or not `{{helper}}` already released the mmap lock',
      explanation:
        "`{{helper}}` releases `{{mm}}`'s mmap lock itself when {{when}}, and on the path shown nothing tests whether it did before `{{call}}`. When it did, this unlocks a lock nobody holds: the rwsem underflows (lockdep reports \"bad unlock balance\"), and a writer may get in while readers still run.",
      fix: 'Test {{test}} first, and unlock only on the path where `{{helper}}` kept the lock.',
    },
    resultIgnored: {
      headline: "the result of `{{call}}` is not tested, but the lock is used as if it were taken",
      brief: "`{{call}}` may fail, but the lock is used as if it were taken",
      explanation:
        '`{{call}}` can fail without taking the lock: {{fails}}. Its result is not tested here, and the function goes on as if it held `{{mm}}`\'s mmap lock: on the path where the attempt failed, the code runs without the lock and the unlock underflows the rwsem.',
      fix: 'Test the result, `{{test}}`, and leave on that branch (the lock was not taken) without unlocking.',
    },
    doubleLock: {
      headline: "`{{call}}` takes `{{mm}}`'s mmap lock while this function already holds it",
      brief: "`{{call}}` takes an mmap lock this function already holds",
      explanation:
        'The lock was already taken by `{{taken}}` on this path and not released. {{deadlock}}',
      fix: 'Take the lock once; release it before taking it again.',
    },
    gupFlagZero: {
      headline: '`{{call}}` is told the mmap lock is not held, but this function holds it',
      brief: '`{{call}}` is handed `{{flag}}` = 0 under the mmap lock',
      explanation:
        "A GUP call's lock flag says what its caller holds, and a caller that holds the mmap lock must hand it 1. {{zeroWhy}}, but `{{taken}}` took `{{mm}}`'s mmap lock on the path shown and it is still held. Told 0, the calls made from outside mm/gup.c refuse: 6.12's `get_user_pages_remote()` and `pin_user_pages_remote()` warn and return -EINVAL (`WARN_ON_ONCE(*locked != 1)` in `is_valid_gup_args()`), 6.1 stops with `BUG_ON(*locked != 1)`, and a caller that unlocks only `if (locked)` then leaks the lock. `__get_user_pages_locked()` and the calls that reach it take the lock a second time (\"(*locked == 0) means that the caller expects this function to acquire and drop the mmap_lock\"), which deadlocks as soon as a writer queues between the two read locks.",
      fix: 'Set `{{flag}} = 1;` once the lock is taken, before the call, or release the lock and let the call take it.',
    },
    flagNotCleared: {
      headline: 'this path releases the mmap lock but leaves `{{flag}}` saying that it is held',
      brief: 'the mmap lock is released, but `{{flag}}` still says held',
      explanation:
        '`{{flag}}` tells the caller whether this function still holds the mmap lock: {{evidence}}. This is the protocol of mm/gup.c (`__get_user_pages_locked()`: "This function may drop the mmap_lock. If it does so, then it will set (*locked = 0)."). On the path shown {{how}}, and the function returns with `{{flag}}` still non-zero, so its caller takes the lock for held: it releases it a second time, which underflows the rwsem (lockdep: "bad unlock balance"), or goes on using VMAs that nothing keeps alive.',
      fix: 'Set `{{flag}} = {{zero}};` on this path where the lock is released, before returning.',
    },
    flagClearedHeld: {
      headline: '`{{flag}}` says the mmap lock is not held, but this path returns holding it',
      brief: '`{{flag}}` says not held, but the mmap lock is still held',
      explanation:
        '`{{flag}}` tells the caller whether this function still holds the mmap lock: {{evidence}}. This is the protocol of mm/gup.c (`__get_user_pages_locked()`: "This function may drop the mmap_lock. If it does so, then it will set (*locked = 0)."). On the path shown {{how}}, but returns with the lock held, so its caller, told that the lock is not held, never releases it: every later writer of this mm blocks for ever.',
      fix: 'Keep `{{flag}}` to what the lock is on this path: {{remedy}}.',
    },
  },
  check(fn, ctx) {
    const events = lockEvents(fn, ctx.summaries);
    const flagged = flagBreaches(fn, events, ctx.summaries);
    for (const b of flagged.breaches) {
      const flag = displayKey(b.flag);
      const zero = zeroOfRef(fn, b.flag.slice(1), true);
      if (b.kind === 'zero') {
        ctx.report({
          messageId: 'gupFlagZero',
          data: { call: `${b.callee}()`, flag, zeroWhy: `\`${flag}\` is 0 on the path shown: the function found it 0 and took the lock itself without setting it to 1`, mm: [...lockedObjects(events)].map(displayKey)[0] ?? 'the mm', taken: `${displayCall(fn, b.lockAt!).replace(/\(.*$/s, '')}()` },
          at: b.at,
          related: [{ at: b.lockAt!, message: `the mmap lock is taken here, and \`${flag}\` still says it is not` }],
        });
        continue;
      }
      const released = b.kind === 'released';
      const taken = b.kind === 'taken';
      const evidence = flagEvidence(b.said, flag, zero);
      ctx.report({
        messageId: released ? 'flagNotCleared' : 'flagClearedHeld',
        data: released
          ? { flag, zero, how: b.how, evidence }
          : {
              flag,
              zero,
              evidence,
              how: taken ? `it takes the lock after finding \`${flag}\` ${zero}, and leaves it ${zero}` : `it sets \`${flag}\` to ${zero}`,
              remedy: taken ? `set \`${flag} = ${flagOne(zero)};\` where the lock is taken` : `release the lock before setting \`${flag}\` to ${zero}, or leave \`${flag}\` as it was`,
            },
        at: b.at,
        until: b.exit,
        related: [
          { at: b.at, message: released ? 'the mmap lock is released here' : taken ? `the mmap lock is taken here, and \`${flag}\` still says it is not` : `\`${flag}\` is set to ${zero} here, with the lock held` },
          ...(fn.line(b.exit.start) !== fn.line(b.at.start) ? [{ at: b.exit, message: released ? `returns with \`${flag}\` still saying that the lock is held` : 'returns with the lock held' }] : []),
          // What the function says elsewhere, on another path: not a step of this one.
          ...(b.said.at && b.said.at.id !== b.at.id ? [{ at: b.said.at, message: flagEvidenceLabel(b.said, flag), order: 'aside' as const }] : []),
          // The evidence `took` already shows the lock taken and the flag set with it.
          ...(b.setAt && b.said.kind !== 'took' ? [{ at: b.setAt, message: `the path took the lock itself, and \`${flag}\` is set to ${flagOne(zero)} here` }] : []),
        ],
      });
    }
    if (!flagged.complete) ctx.incomplete('whether the lock flag says what happened to the mmap lock');
    if (events.size === 0) return;
    const releases = new Set<string>();
    for (const list of events.values()) for (const e of list) if (e.op === 'unlock' || e.op === 'downgrade') releases.add(e.object);

    // Helpers that release the caller's lock on one outcome of the call and not on the other
    // (`do_vmi_align_munmap(..., unlock = true)` when it returns 0, `__collapse_huge_page_swapin()`
    // when it fails): see MMAP_LOCK_CONDITIONAL_RELEASES.
    const conditional = new Map<number, { object: string; name: string; pending: ReleasePending | null; why: string; test: string; downgrades: boolean; upgrades?: true; example?: string; fault?: true; zeroFlag?: { named: string; def: number }; handed?: { named: string; key: string } }>();
    const tracked = lockedObjects(events);
    /** The nodes that release `object` (an unlock, or a downgrade that ends the write lock), once per object. */
    const releasing = new Map<string, number[]>();
    const releaseNodes = (object: string): number[] => {
      let ids = releasing.get(object);
      if (!ids) releasing.set(object, (ids = [...events].filter(([, list]) => list.some((e) => e.object === object && (e.op === 'unlock' || e.op === 'downgrade'))).map(([id]) => id)));
      return ids;
    };
    /** The variables that say whether the lock is held (`locked`, `*locked`). */
    const flags = lockFlags(fn);
    /** The variables a GUP call or a helper says in whether it released the lock (`&mmap_locked`, a `bool` too). */
    const handedFlags = new Set<string>();
    /**
     * The flag release `call` is: a GUP call of the table, or a helper of the file or the tree
     * whose body says it in the flag (`hpage_collapse_scan_pmd()`, `read`); its mm and the
     * argument that hands the flag.
     */
    const flagReleaseAt = (call: Expr & { k: 'call' }, at: number): { object: string; flag: Expr; read: boolean } | null => {
      const release = flagRelease(call.name!, call.args);
      if (release) {
        const object = release.spec.mmArg === null ? (tracked.size === 1 ? [...tracked][0]! : null) : objectAt(fn, call.args[release.spec.mmArg], at);
        return release.flag && object !== null ? { object, flag: release.flag, read: false } : null;
      }
      for (const o of tracked) {
        const outcome = lockOutcome(fn, call.name!, call.args, at, o, ctx.summaries);
        if (outcome?.k === 'flag') return { object: o, flag: call.args[outcome.param]!, read: true };
      }
      return null;
    };
    // Results of faults that cannot release the lock (no FAULT_FLAG_ALLOW_RETRY): by key, the calls.
    const keptFaults = new Map<string, number[]>();
    for (const node of fn.cfg.nodes) {
      for (const ev of node.events) {
        if (ev.k !== 'call' || ev.name === null) continue;
        // A helper that returns `handle_mm_fault()`'s result is read as the fault, one
        // that returns a release's result (`return do_vmi_align_munmap(..., true);`) as that release.
        const wrapped = CONDITIONAL_BY_NAME.has(ev.name) ? null : returnedFault(fn, ev.name, LOCK_OP_NAMES, ctx.summaries);
        const passed = CONDITIONAL_BY_NAME.has(ev.name) || wrapped ? null : returnedRelease(fn, ev.name, ev.call.args, ctx.summaries);
        const spec = wrapped ? CONDITIONAL_BY_NAME.get('handle_mm_fault') : passed ? passed.spec : CONDITIONAL_BY_NAME.get(ev.name);
        /** The release's arguments: the helper's, put in for its parameters, when it is wrapped. */
        const args = passed ? passed.args : ev.call.args;
        if (!spec || (spec.flagArg !== undefined && args[spec.flagArg] !== undefined && isZeroConstant(uncast(args[spec.flagArg]!)))) continue;
        // The `unlock` flag: true releases on the outcome; a variable releases where it is
        // non-zero too (6.12 `__vm_munmap()`); false keeps the lock (lockEvents() says so).
        const unlock = spec.unlockArg === undefined ? undefined : args[spec.unlockArg];
        const flag = unlock === undefined || isTrue(unlock) ? null : pathKey(uncast(unlock));
        if (unlock !== undefined && !isTrue(unlock) && (flag === null || isZeroConstant(uncast(unlock)))) continue;
        // A fault that cannot retry keeps the lock (lockEvents() says so), and its result never
        // says otherwise; one under the VMA lock or with FAULT_FLAG_RETRY_NOWAIT is not read
        // here: the helper's unknown event stands.
        const may = spec.releasedWhen === 'fault' ? (wrapped ? faultMayRelease(wrapped.callee, wrapped.call) : faultMayRelease(fn, ev.call)) : 'yes';
        if (may === 'no') for (const d of node.events) if (d.k === 'def' && d.value === ev.call) keptFaults.set(d.key, [...(keptFaults.get(d.key) ?? []), node.id]);
        if (may !== 'yes') continue;
        // Without an mm argument (6.1's `do_brk_munmap()` reaches it through the VMA): the function's only mm.
        const object = spec.mmArg === null ? (tracked.size === 1 ? [...tracked][0]! : null) : objectAt(fn, args[spec.mmArg], node.id);
        if (object === null || !tracked.has(object)) continue;
        const when = spec.releasedWhen;
        const why = passed
          ? `it returned ${passed.zero}, passed on from \`${spec.name}()\`, which releases the lock when it returns ${spec.zero ?? '0'}${flag === null ? '' : ` and \`${fn.text(unlock!)}\` is true`}`
          : (spec.why ?? (when === 'zero' ? (flag === null ? 'it returned 0, and its `unlock` argument is true' : `it returned 0 with \`${fn.text(unlock!)}\` true`) : when === 'fault' ? 'it says so in its result' : when === 'nonzero' ? 'it returned true' : 'unless' in when ? `it failed (returned other than \`${when.unless}\`)` : `it returned ${when.equals}`));
        const pending = releasePending(node, ev.call, spec);
        conditional.set(node.id, { object, name: ev.name, pending: pending && flag !== null ? { ...pending, also: flag } : pending, why, test: 'its result', downgrades: spec.downgrades === true, ...(spec.upgrades ? { upgrades: true as const } : {}), ...(spec.example ? { example: spec.example } : {}), ...(spec.releasedWhen === 'fault' ? { fault: true as const } : {}) });
      }
      // The GUP calls handed `&locked`, or the function's own `int *locked` parameter:
      // released when they set it to 0.
      for (const ev of node.events) {
        if (ev.k !== 'call' || ev.name === null) continue;
        const release = flagReleaseAt(ev.call, node.id);
        if (!release || !tracked.has(release.object)) continue;
        const { object, flag, read } = release;
        const key = handedFlagKey(flag, flags) ?? pointerParam(fn, flag);
        if (key === null) continue;
        handedFlags.add(key);
        const held = flag.k === 'unary' && flag.op === '&' ? flag.arg : null;
        const named = held ? fn.text(held) : `*${fn.text(flag)}`;
        // `false` for a `bool` flag (`bool mmap_locked`, or a `bool *` handed on), 0 for an `int` one.
        const to = zeroOf(fn, held ?? flag, held === null) === 'false' ? 'false' : '0';
        // A GUP call of the table handed a flag that is 0 on every way in takes the lock itself.
        const zero = !read && held !== null ? zeroOnEveryWay(fn, node.id, key) : null;
        conditional.set(node.id, { object, name: ev.name, pending: { key, when: 'zero' }, why: read ? `it sets \`${named}\` to ${to} (its body does both on the same paths)` : `it sets \`${named}\` to ${to}`, test: `\`${named}\``, downgrades: false, ...(zero === null ? {} : { zeroFlag: { named, def: zero } }), ...(!read && held !== null ? { handed: { named, key } } : {}) });
      }
    }

    /**
     * Whether the edge just taken cannot be, because it says a fault result has RETRY or
     * COMPLETED set although that fault could not release the lock: a fault without
     * FAULT_FLAG_ALLOW_RETRY (powerpc's `copro_handle_mm_fault()` tests `VM_FAULT_COMPLETED` all
     * the same), or one whose result the path already found to carry an error (`cleared`, in `s`).
     */
    const impossibleFault = (taken: { from: CfgNode; kind: string }, s: State): boolean => {
      const expr = taken.from.expr;
      if (!expr || (taken.kind !== 'true' && taken.kind !== 'false')) return false;
      const saysReleased = (key: string): boolean => {
        const t = faultTest(expr, key);
        return t !== null && t.bits.size > 0 && !t.others && taken.kind === t.setOn;
      };
      for (const [key, calls] of keptFaults) if (saysReleased(key) && fn.defs.reaching(taken.from.id, key).every((d) => calls.includes(d.node))) return true;
      for (const v of s.values()) if (v.k === 'held' && v.cleared !== undefined && saysReleased(v.cleared)) return true;
      return false;
    };

    /** {@link notHeld}, with a conditional release labelled as what it is. */
    const heldNot = (cur: LockState & { k: 'none' }, node: CfgNode, trace: Trace): ReturnType<typeof notHeld> => {
      const [data, related] = notHeld(fn, cur, node, trace);
      const by = cur.released !== undefined && cur.released !== node.id ? conditional.get(cur.released) : undefined;
      // The jump that brought the released path to this unlock is often the line a patch changed
      // (sweep G: `goto out;` where `goto out_unlocked;` was right after `do_vmi_munmap()`).
      const jump = cur.released !== undefined && cur.released !== node.id ? jumpAfter(fn, trace, cur.released) : null;
      // An unlock under a test (`if (vma) mmap_read_unlock(mm);`): the test let it run here,
      // which is what a patch that stopped resetting `vma` broke (sweep G).
      const guard = cur.released !== undefined && cur.released !== node.id ? guardOf(fn, trace, node) : null;
      const flag = guard?.setVariable ?? null;
      return [
        by
          ? { ...data, remedy: `on the path where \`${by.name}()\` released it, leave without reaching this unlock (jump to a label after it).` }
          : flag
            ? { ...data, remedy: `clear \`${flag}\` where the lock is released earlier (${guard!.zero === 'NULL or 0' ? `\`${flag} = NULL;\` or 0` : `\`${flag} = ${guard!.zero};\``}), so that the test skips this unlock, or drop one of the two unlocks.` }
            : data,
        [
          ...related.map((r) => {
            const c = conditional.get(r.at.id);
            return c ? { ...r, message: `\`${c.name}()\` released it here: ${c.why}` } : r;
          }),
          ...(jump ? [{ at: jump, message: 'this jump leads to the unlock with the lock already released' }] : []),
          ...(guard ? [guard.related] : []),
        ],
      ];
    };
    const reported = new Set<string>();
    const once = (key: string): boolean => !reported.has(key) && Boolean(reported.add(key));
    /** Lock calls reported as taken again round a loop while held: a leak of that lock is the same defect. */
    const doubleLocked = new Set<number>();
    /** Pairs of mms (see {@link pairKey}) held at once on some path: two mms, not two names of one. */
    const distinct = new Set<string>();
    /** The mm as the call that took the lock at node `at` names it. */
    const heldMm = (at: number, object: string): string => {
      const e = events.get(at)?.find((x) => x.object === object && x.op !== 'unlock');
      return e ? writtenMm(e) : displayKey(object);
    };
    /** How the lock came to be held as `cur`, for `wrongMode`'s explanation. */
    const howHeld = (cur: LockState & { k: 'held' }): string => {
      const downgrade = cur.downgraded === undefined ? undefined : events.get(cur.downgraded)?.find((x) => x.op === 'downgrade');
      // Or a helper that downgrades on one outcome (6.1's `do_mas_munmap()` returning 1).
      const by = downgrade ? downgrade.event.call.name : cur.downgraded === undefined ? undefined : conditional.get(cur.downgraded)?.name;
      return by ? `taken for writing by \`${cur.call}\`, then downgraded by \`${by}()\`` : `taken by \`${cur.call}\``;
    };
    /** Where the lock held as `cur` was taken, and downgraded when it was: the mode the labels say. */
    const takenLabels = (cur: LockState & { k: 'held' }): Array<RelatedSpan<CfgNode>> =>
      cur.downgraded === undefined
        ? [{ at: fn.cfg.nodes[cur.at]!, message: `taken for ${cur.mode === 'read' ? 'reading' : 'writing'} here` }]
        : [
            { at: fn.cfg.nodes[cur.at]!, message: 'taken for writing here' },
            { at: fn.cfg.nodes[cur.downgraded]!, message: 'downgraded to reading here' },
          ];
    /** The first unlock of `object` that runs after `from`, labelled as what underflows when the attempt failed. */
    const unlockAfter = (from: CfgNode, object: string): Array<RelatedSpan<CfgNode>> => {
      const ops = (n: CfgNode): LockEvent[] => (events.get(n.id) ?? []).filter((x) => x.object === object && x.op !== 'unknown');
      const { stops } = reachableFrom(fn.cfg, from, (n) => ops(n).length > 0);
      const unlock = stops.filter((n) => ops(n).some((x) => x.op === 'unlock')).sort((a, b) => a.start - b.start)[0];
      return unlock ? [{ at: unlock, message: 'this unlock runs whether or not the lock was taken' }] : [];
    };
    type Exit = { object: string; kind: ReturnKind; held: LockState & { k: 'held' } | null; node: CfgNode; route: ReturnType<typeof exitRoute> | null };
    const exits: Exit[] = [];
    const report = (messageId: 'unlockNotHeld' | 'wrongMode' | 'doubleLock' | 'resultIgnored' | 'downgradeUntested', node: CfgNode, e: LockEvent, data: Record<string, string>, related: Array<RelatedSpan<CfgNode>> = []): void => {
      // A helper that releases the lock in its own body (sh's `bad_area()` through `__bad_area()`) says so.
      const helper = messageId === 'unlockNotHeld' && e.event.via !== null ? `, and \`${e.event.via}()\` ${e.op === 'downgrade' ? 'downgrades' : 'releases'} it in its own body` : '';
      if (once(`${messageId}|${node.id}|${e.object}`)) ctx.report({ messageId, data: { mm: writtenMm(e), call: `${e.event.via ?? e.event.call.name}()`, mode: e.mode, helper, ...data }, at: node, related });
    };

    // A function that takes the lock on a path where it did not release it first was entered
    // without it (unless a lock flag says otherwise): its unlocks on paths that never took the
    // lock are unlocks of a lock nobody holds.
    const enteredUnlocked = new Set<string>();
    const unlocksFromEntry: Array<{ node: CfgNode; e: LockEvent; via: ReturnType<typeof jumpBefore> }> = [];
    const failedUnlocks: Array<{ node: CfgNode; e: LockEvent; failed: number; why: ReturnType<typeof notHeld> }> = [];
    /** Unlocks after a failed attempt, but for those an inverted test of that attempt explains. */
    const reportFailedUnlocks = (explained: ReadonlySet<number>): void => {
      for (const u of failedUnlocks) if (!explained.has(u.failed)) report('unlockNotHeld', u.node, u.e, ...u.why);
    };
    /** Unlocks in the wrong mode, and the unlocks (`node|object`) some path reaches in the right one. */
    const wrongModes: Array<{ node: CfgNode; e: LockEvent; data: Record<string, string>; related: Array<RelatedSpan<CfgNode>> }> = [];
    /** Calls after which the lock this function held could not be followed. */
    const lostAt = new Map<number, { via: string; mm: string }>();
    /** Conditional releases of a lock the function took that some path leaves with untested. */
    const untestedAtExit = new Set<number>();
    const rightMode = new Set<string>();
    const result = explore<State>(fn.cfg, fn.facts, {
      initial: new Map(),
      key: (s) => [...s].map(([o, v]) => `${o}=${stateKey(v)}`).join(';'),
      step(s, node, trace) {
        let next: Map<string, LockState> | null = null;
        const set = (o: string, v: LockState): void => void (next ??= new Map(s)).set(o, v);
        const taken = edgeInto(fn.cfg, trace, node);
        if (taken && impossibleFault(taken, s)) return null;
        for (const [o, v] of s) if (v.k === 'held' && v.cleared !== undefined && node.events.some((e) => e.k === 'def' && e.key === v.cleared)) set(o, { ...v, cleared: undefined });
        // A fault released the lock although the flags did not allow a retry: cannot be (csky:
        // `(fault & VM_FAULT_RETRY) && (flags & FAULT_FLAG_ALLOW_RETRY)` false after the first half held).
        if (taken && taken.from.expr && zeroEdge(taken.from.expr, (e) => fn.text(e).includes('FAULT_FLAG_ALLOW_RETRY')) === taken.kind) {
          for (const v of s.values()) if (v.k === 'none' && v.released !== undefined && conditional.get(v.released)?.fault) return null;
        }
        for (const [o, v] of s) {
          if (v.k !== 'held' || !v.releasing) continue;
          const settled = settleRelease(v.releasing.pending, node, taken, trace, fn.cfg.nodes);
          // A downgrade keeps the lock, for reading, and counts as this function's own: the caller's
          // write lock came back read-held (6.1's brk() then releases it with `mmap_read_unlock()`).
          // An upgrade takes the write lock there (`mmap_upgrade_trylock()` returned true): what a
          // finding about the write lock names as its taking.
          if (settled === 'acquired') set(o, v.releasing.downgrades ? { ...v, mode: 'read', releasing: undefined, downgraded: v.releasing.at } : v.releasing.upgrades ? { ...v, mode: 'write', releasing: undefined, at: v.releasing.at, call: `${conditional.get(v.releasing.at)?.name ?? 'the upgrade'}()` } : { k: 'none', failed: null, released: v.releasing.at });
          // A fault result that says the lock was kept: a later test that finds RETRY or
          // COMPLETED set in it cannot be true (an error never comes with them).
          else if (settled === 'failed') set(o, { ...v, releasing: undefined, ...('fault' in v.releasing.pending ? { cleared: v.releasing.pending.fault } : {}) });
          else if (settled === 'forgotten') set(o, { k: 'unknown' });
          else if (settled !== null) set(o, { ...v, releasing: { ...v.releasing, pending: settled } });
        }
        for (const [o, v] of next ?? s) {
          if (v.k !== 'held' || !v.pending) continue;
          const settled = settlePending(v.pending, node, taken);
          if (settled === 'acquired') set(o, { ...v, pending: null });
          else if (settled === 'failed') set(o, { k: 'none', failed: v.at });
          else if (settled === 'forgotten') set(o, { k: 'unknown' });
          else if (settled !== null) set(o, { ...v, pending: settled });
        }
        const cond = conditional.get(node.id);
        if (cond) {
          const cur = (next ?? s).get(cond.object) ?? { k: 'entry' };
          // `int locked = 0;` says "not held" to a GUP call: it takes the lock again (B16). So does
          // a flag the path found 0 (`if (locked) mmap_read_unlock(mm);` skipped, then round the
          // loop to the lock and the call again: sweep AC, B29).
          const zero = cond.zeroFlag ?? (cond.handed && trace.decides(cond.handed.key, '==', 0n) === true ? { named: cond.handed.named, def: node.id } : undefined);
          if (zero && cur.k === 'held' && cur.local && !cur.pending && !cur.releasing && once(`gupFlagZero|${node.id}|${cond.object}`)) {
            // Not 0 on every way in, but found 0 by a test on this path (round a loop, sweep AC's B29).
            const found = zero.def === node.id && cond.handed ? lastFlagTest(fn, trace, cond.handed.key) : null;
            ctx.report({
              messageId: 'gupFlagZero',
              data: {
                call: `${cond.name}()`,
                flag: zero.named,
                zeroWhy: zero.def !== node.id ? `\`${zero.named}\` is 0 on every way to this call` : `\`${zero.named}\` is 0 when the call is reached: a test on the way found it 0`,
                mm: heldMm(cur.at, cond.object),
                taken: cur.call,
              },
              at: node,
              related: [
                { at: fn.cfg.nodes[cur.at]!, message: `the mmap lock is taken here (\`${cur.call}\`)` },
                ...(zero.def !== node.id ? [{ at: fn.cfg.nodes[zero.def]!, message: `\`${zero.named}\` is 0 from here` }] : []),
                // Below the call, it was found 0 on the way back round to it.
                ...(found ? [{ at: found, message: `\`${zero.named}\` is found 0 here`, ...(found.start > node.start ? { order: 'back' as const } : {}) }] : []),
              ],
            });
            set(cond.object, { k: 'unknown' });
          }
          // Judged only when this function holds the lock and tests the result.
          else if (cur.k === 'held' && !cur.pending && !cur.releasing && cond.pending && (!cond.downgrades || cur.mode === 'write') && (!cond.upgrades || cur.mode === 'read')) set(cond.object, { ...cur, releasing: { at: node.id, pending: cond.pending, downgrades: cond.downgrades, ...(cond.upgrades ? { upgrades: true as const } : {}) } });
          else if (cur.k !== 'entry') {
            // An upgrade whose answer nothing tests leaves the mode unknown: said in a note.
            if (cond.upgrades && cur.k === 'held' && cur.local && !lostAt.has(node.id)) lostAt.set(node.id, { via: cond.name, mm: displayKey(cond.object) });
            set(cond.object, { k: 'unknown' });
          }
        }
        for (const e of events.get(node.id) ?? []) {
          const cur = (next ?? s).get(e.object) ?? { k: 'entry' };
          if (cur.k === 'unknown') continue;
          // The conditional release above stands for the helper's own events.
          if (cond && e.object === cond.object && (e.op === 'unknown' || e.event.via === cond.name)) continue;
          if (e.op === 'unknown') {
            // Judgement stops here: said in a note when the function held the lock it took.
            if (cur.k === 'held' && cur.local && e.event.via !== null && !lostAt.has(node.id)) lostAt.set(node.id, { via: e.event.via, mm: writtenMm(e) });
            set(e.object, { k: 'unknown' });
          } else if (e.op === 'lock') {
            if (cur.k === 'entry') enteredUnlocked.add(e.object);
            if (cur.k === 'held' && !cur.pending && cur.local) {
              // Taken again by this very call, round a loop: the way back is what kept it held
              // (a `continue` that skips the unlock, sweep F).
              const back = cur.at === node.id ? wayBackTo(fn, trace) : null;
              report('doubleLock', node, e, { taken: cur.call, deadlock: deadlockSentence(cur.mode === 'write', e.mode === 'write') }, back ? [{ at: back, message: `${back.kind === 'goto' ? 'this jump goes back' : back.kind === 'continue' ? 'this `continue` goes round again' : 'the loop comes back here'} with the lock still held`, order: 'back' }] : [{ at: fn.cfg.nodes[cur.at]!, message: 'first taken here' }]);
              if (back) doubleLocked.add(cur.at);
            }
            // A trylock or killable lock whose result is thrown away (the statement is the call,
            // or its cast to void): the path goes on as if it held the lock, which is the bug (a
            // trylock treated as always locking). Reported once, and followed as held so that it
            // is not reported again at the unlock. A result returned to the caller or passed on
            // is tested there (`return !mmap_read_lock_killable(mm);`).
            // A result stored and never read is thrown away too (sweep S: `locked =
            // mmap_read_trylock(mm);` with its test deleted; sweep U: `rc` overwritten first).
            const acq = e.event.acquisition;
            if ((acq.k === 'untested' && discarded(node, e.event.call)) || (acq.k === 'stored' && neverRead(fn, node, acq.key))) {
              const trylock = e.event.call.name !== null && /trylock/.test(e.event.call.name);
              // The table's helpers that lock on a true result or a VMA (`lock_mm_and_find_vma()`,
              // `upgrade_mmap_lock_carefully()`) say what they return, and are tested like a trylock.
              const says = e.event.call.name !== null ? MMAP_LOCK_TABLE_SAYS.get(e.event.call.name) : undefined;
              const when = trylock ? 'it returns false when the lock is contended' : says ? `it ${says}` : 'it returns -EINTR when a fatal signal arrives while it waits';
              const call = acq.k === 'stored' ? displayKey(acq.key) : quoteCode(fn.text(e.event.call));
              report('resultIgnored', node, e, { fails: when, test: trylock || says ? `if (!${call})` : `if (${call})` }, unlockAfter(node, e.object));
            }
            // Taken with lockdep's nesting annotation while another mm is held: the code says
            // the two are two mms (dup_mmap()'s `mmap_write_lock_nested(mm,
            // SINGLE_DEPTH_NESTING)` under `oldmm`). A plain lock under another proves less:
            // where two values of one variable meet, widen's idea of which is held may be wrong.
            if (e.event.via === null && /_nested$/.test(e.event.call.name ?? '')) {
              for (const [o, v] of next ?? s) if (o !== e.object && v.k === 'held' && !v.pending) distinct.add(pairKey(o, e.object));
            }
            set(e.object, { k: 'held', mode: e.mode, at: node.id, call: `${e.event.via ?? e.event.call.name}()`, pending: pendingOf(node, e.event.acquisition), local: true, ...(e.either ? { either: true as const } : {}) });
          } else if (cur.k === 'held' && cur.releasing?.upgrades) {
            // Held for reading or for writing, as an upgrade whose result this path did not test
            // left it: what a release or downgrade then does is not judged, and a note says so.
            const at = cur.releasing.at;
            if (cur.local && !lostAt.has(at)) lostAt.set(at, { via: conditional.get(at)?.name ?? 'mmap_upgrade_trylock', mm: writtenMm(e) });
            set(e.object, { k: 'unknown' });
          } else if (e.op === 'downgrade') {
            if (cur.k === 'held' && cur.mode === 'read') report('wrongMode', node, e, { held: 'reading', how: howHeld(cur), release: 'mmap_read_unlock()', mode: 'writing', downgrade: '', shared: '' }, takenLabels(cur));
            if (cur.k === 'none' && cur.failed === null) report('unlockNotHeld', node, e, ...heldNot(cur, node, trace));
            set(e.object, { k: 'held', mode: 'read', at: cur.k === 'held' ? cur.at : node.id, call: cur.k === 'held' ? cur.call : `${e.event.call.name}()`, pending: null, local: cur.k === 'held' && cur.local, ...(cur.k === 'held' ? { downgraded: node.id } : {}) });
          } else if (cur.k === 'held' && cur.releasing?.downgrades) {
            // The helper's result, which says whether it downgraded, was not tested on this path.
            const c = conditional.get(cur.releasing.at);
            const helper = `${c?.name ?? 'the helper'}()`;
            report('downgradeUntested', node, e, { helper, when: c?.why ?? '', other: e.mode === 'write' ? 'a read-held' : 'a write-held', example: c?.example ? ` (${c.example})` : '' }, [{ at: fn.cfg.nodes[cur.releasing.at]!, message: `\`${helper}\` downgrades the lock to read when ${c?.why ?? 'it says so'}` }]);
            set(e.object, { k: 'none', failed: null, released: node.id });
          } else {
            // A helper may have released it already, and nothing on the path asked whether it did.
            if (cur.k === 'held' && cur.releasing) {
              const c = conditional.get(cur.releasing.at);
              const helper = `${c?.name ?? 'the helper'}()`;
              if (once(`releaseUntested|${node.id}|${e.object}`)) {
                ctx.report({
                  messageId: 'releaseUntested',
                  data: { call: `${e.event.via ?? e.event.call.name}()`, helper, mm: writtenMm(e), when: stillPossible(cur.releasing.pending) ?? c?.why ?? 'it says so', test: c?.test ?? 'its result' },
                  at: node,
                  related: [
                    { at: fn.cfg.nodes[cur.releasing.at]!, message: `\`${helper}\` may release the lock here` },
                    // The branch that let the path through to the unlock (sweep AJ: a patch that
                    // dropped `&& *locked` from it was not shown the line it changed).
                    ...lastBranchBefore(fn, trace.nodes(), cur.releasing.at, node.id).map((b) => ({ at: b, message: `the path takes this branch to \`${e.event.via ?? e.event.call.name}()\`` })),
                  ],
                });
              }
              set(e.object, { k: 'none', failed: null, released: node.id });
              continue;
            }
            // A helper's lock or unlock in either mode cannot be in the wrong one.
            if (cur.k === 'held' && !cur.pending && cur.mode !== e.mode && !cur.either && !e.either) {
              // Said after the walk, which knows whether other paths reach this unlock rightly.
              if (!wrongModes.some((w) => w.node === node && w.e.object === e.object)) wrongModes.push({ node, e, data: { held: cur.mode === 'read' ? 'reading' : 'writing', how: howHeld(cur), release: releaseOf(cur.mode), mode: e.mode === 'read' ? 'reading' : 'writing', downgrade: cur.mode === 'write' ? ', or downgrade first with `mmap_write_downgrade()` if the rest needs only the read lock' : '' }, related: takenLabels(cur) });
            }
            if (cur.k === 'held' && !cur.pending && cur.mode === e.mode) rightMode.add(`${node.id}|${e.object}`);
            // After a failed attempt the report waits: an inverted test explains it (below).
            if (cur.k === 'none' && cur.failed !== null) failedUnlocks.push({ node, e, failed: cur.failed, why: heldNot(cur, node, trace) });
            else if (cur.k === 'none') report('unlockNotHeld', node, e, ...heldNot(cur, node, trace));
            if (cur.k === 'entry') unlocksFromEntry.push({ node, e, via: jumpBefore(fn, trace) });
            set(e.object, { k: 'none', failed: null, released: node.id });
          }
        }
        return next ?? s;
      },
      exit(s, trace) {
        const node = exitPoint(fn, trace);
        const kind = returnKind(fn, node, trace);
        for (const [object, v] of s) {
          // The lock this function took may have been released by a helper, and this path
          // returns without asking (6.12 `__vm_munmap()` with `if (!unlock)` for `if (ret ||
          // !unlock)`): a contract handed to the caller, or a leak, which the caller decides.
          const keeps = v.k === 'held' && v.releasing !== undefined && (v.releasing.downgrades || v.releasing.upgrades === true);
          if (v.k === 'held' && v.local && !v.pending && v.releasing && !keeps) untestedAtExit.add(v.releasing.at);
          // A helper that may downgrade or upgrade it leaves it held either way: judged as held.
          if (v.k === 'unknown' || (v.k === 'held' && (v.pending || (v.releasing && !keeps)))) continue;
          const held = v.k === 'held' ? v : null;
          exits.push({ object, kind, held, node, route: held ? exitRoute(fn, trace, held.at, releaseNodes(object)) : null });
        }
      },
    });
    // An unlock that other paths reach in its own mode (a shared `out:` label) is right for them:
    // the fix belongs on the path shown, not at the unlock (sweep F, exit_mmap()'s `destroy:`).
    for (const w of wrongModes) {
      const shared = rightMode.has(`${w.node.id}|${w.e.object}`);
      report('wrongMode', w.node, w.e, { ...w.data, ...(shared ? { downgrade: '', shared: ` on the path shown, before it joins the paths that reach this unlock holding the lock for ${w.data['mode']}, as it expects (not at the unlock itself)` } : { shared: '' }) }, w.related);
    }
    if (!result.complete) {
      reportFailedUnlocks(new Set());
      ctx.incomplete('the balance of the mmap lock');
      return;
    }
    // Silence must mean "checked" (PRODUCT.md): a path on which the lock could not be followed
    // is named (sweep H: a leak after 6.1's do_mas_munmap() with a variable `downgrade`).
    for (const [id, { via, mm }] of lostAt) {
      // A helper of the table is known to move the lock: what is lost is which way it went here.
      const says = MMAP_LOCK_TABLE_SAYS.get(via);
      const what = MMAP_LOCK_TABLE_SAYS.has(via)
        ? `${says ?? "is one of the kernel helpers that may release or take their caller's mmap lock (widen's table of them)"}, and widen could not follow what it did to the lock of \`${mm}\` on this path`
        : `runs with the mmap lock of \`${mm}\` held, and widen cannot tell what it does to that lock`;
      ctx.unjudged(fn.line(fn.cfg.nodes[id]!.start), `\`${via}()\` ${what}, so it made no judgement on the lock's balance after this call`);
    }
    for (const id of untestedAtExit) {
      const c = conditional.get(id);
      // A GUP call's `&locked` tells the caller itself, through the flag (iommufd keeps it in
      // `user->locked` across calls): only a result left untested is said.
      if (!c || lostAt.has(id) || c.test !== 'its result') continue;
      ctx.unjudged(fn.line(fn.cfg.nodes[id]!.start), `\`${c.name}()\` releases the mmap lock this function took when ${c.why}, and a path returns after it without testing that: widen cannot tell whether the caller expects the lock back there, so it made no judgement on that path`);
    }
    // With more than one mm, two names may be one mm (`curr_mm` and `info->mm`), which widen
    // cannot always tell: such a function is judged only on what one name does (wrong mode,
    // double lock, unlock after its own unlock), not on leaks or on what it was entered with,
    // unless each two of its mms are told apart by a nested lock (below).
    const mms = [...lockedObjects(events)];
    if (mms.some((a, i) => mms.slice(i + 1).some((b) => !distinct.has(pairKey(a, b))))) {
      reportFailedUnlocks(new Set());
      return;
    }
    // With a flag, the lock may be released, and taken again, where the flag says: a lock taken
    // from the entry does not mean that the caller did not hold it (6.12 `madvise_collapse()`).
    if (flags.size === 0 && handedFlags.size === 0) {
      for (const { node, e, via } of unlocksFromEntry) {
        if (!enteredUnlocked.has(e.object)) continue;
        report('unlockNotHeld', node, e, NOT_HELD.never, via ? [{ at: via.node, message: via.node.kind === 'goto' ? 'this jump reaches the unlock before the lock is taken' : 'this branch can go on without taking the lock' }] : []);
      }
    }
    // A leak is an exit that holds a lock this function took, in a function that releases it on
    // other exits, when what it returns cannot tell the caller the lock is held: nothing (void),
    // an error, the same zero that an exit without the lock returns, or a constant where an
    // exit without the lock returns a plain value too (KVM's `kvm_host_page_size()` returning
    // `PAGE_SIZE` with the lock held, or the size it found without, sweep F; `oom_reap_task_mm()`
    // returning `true` held, and `false` or the reaper's `ret` without, sweep G). A variable
    // returned held and unlocked (`return vma;` after `if (!vma) mmap_read_unlock(mm);`, a
    // `gts` tested with IS_ERR()) may carry the answer. A VMA or a 0 returned where the
    // other exits return NULL or an error is a conditional contract (`lock_mm_and_find_vma()`,
    // the killable wrappers), not a leak.
    // A system call returns to user space: what it returns can tell no caller about a lock
    // (sweep H: 6.1's mremap() leaving through a label after the unlock with `ret = addr`).
    const syscall = fn.file.definesSyscall(fn.span);
    const inverted = new Set<number>();
    // One leak per lock, mode and decision, whichever of the function's lock calls took it (sweep
    // U: sparc64's trylock and the lock at its `retry:` label, both leaked by one new `goto`): the
    // first in the source is reported, the others named.
    const leaks = new Map<string, { held: NonNullable<Exit['held']>; route: NonNullable<Exit['route']>; object: string; sites: Map<number, NonNullable<Exit['held']>> }>();
    for (const x of exits) {
      if (!x.held || !x.held.local || !x.route || !releases.has(x.object)) continue;
      const others = exits.filter((y) => y.object === x.object && !y.held);
      const released =
        others.length > 0 &&
        (syscall ||
          x.kind === 'void' ||
          x.kind === 'error' ||
          // A variable returned without the lock, untested on its way, may be that zero too
          // (sweep AH: `return 0;` added with the lock held to 6.12 `do_madvise()`, whose
          // unlocked exit returns what `madvise_walk_vmas()` returned).
          (x.kind === 'zero' && others.some((y) => y.kind === 'zero' || (y.kind === 'value' && !returnsConstant(y.node)))) ||
          (x.kind === 'value' && returnsConstant(x.node) && others.some((y) => y.kind === 'value')) ||
          // A lock flag (`int *locked`) tells the caller instead of the value.
          (x.kind === 'value' && flags.size === 0 && handedFlags.size === 0 && others.some((y) => y.node === x.node) && sameAnswerEitherWay(fn, x.node, x.route.branch)));
      if (!released) continue;
      const mode = x.held.mode;
      // `if (!mmap_read_lock_killable(mm)) return -EINTR;` (or `return;` in a void function,
      // sweep G): the branch on the attempt's own result leaves exactly when the lock was taken.
      // One defect, said once.
      const tested = fn.cfg.nodes[x.held.at]!;
      const inverts = (x.kind === 'error' || x.kind === 'void') && tested.kind === 'branch' && x.route.branch === null && !inverted.has(tested.id);
      const lock = inverts ? events.get(tested.id)?.find((e) => e.object === x.object && e.op === 'lock') : undefined;
      // The attempt's result kept in a variable and tested the wrong way round by the branch
      // that takes the path out (sweep AL: `ret = mmap_read_lock_killable(mm); if (!ret) goto
      // out_free;` in pagemap_read(), reported as a leak and an unlock of a lock not held).
      const viaVariable = !inverts && x.route.branch && tested.kind === 'stmt' && !inverted.has(tested.id) ? invertedThroughVariable(fn, tested, x.route.branch.node, events.get(tested.id) ?? [], x.object) : null;
      const unlock = lock || viaVariable ? failedUnlocks.find((u) => u.failed === tested.id) : undefined;
      const attempt = viaVariable?.lock ?? lock;
      if (attempt && unlock) {
        inverted.add(tested.id);
        const name = attempt.event.call.name ?? '';
        const trylock = /trylock/.test(name);
        const call = quoteCode(fn.text(attempt.event.call));
        // The call in the condition itself, or the variable that holds its result.
        const test = viaVariable ? fn.text(viaVariable.test.expr!) : fn.text(tested);
        ctx.report({
          messageId: 'invertedTest',
          data: {
            call: `${name}()`,
            mm: heldMm(tested.id, x.object),
            mode,
            polarity: trylock ? 'returns true when it took the lock and false when the lock is contended' : 'returns 0 when it took the lock and -EINTR when a fatal signal came first',
            test: quoteCode(test),
            right: viaVariable ? `if (${negated(test)})` : trylock ? `if (!${call})` : `if (${call})`,
            leaves: x.kind === 'error' ? 'leaves with an error' : 'returns',
          },
          at: viaVariable?.test ?? tested,
          until: x.route.leave,
          related: [
            ...(viaVariable ? [{ at: tested, message: `\`${viaVariable.variable}\` holds what \`${name}()\` returned` }] : []),
            { at: x.route.leave, message: `leaves with the mmap ${mode} lock held` },
            // Another path than the one shown (sweep AJ: the flowchart drew one path through both).
            { at: unlock.node, message: 'the path without the lock reaches this unlock', order: 'aside' as const },
          ],
        });
        continue;
      }
      // A lock that the path also takes again while held (a `continue` that keeps it round a
      // loop) leaks on the loop's exits too: one defect, reported once as the double lock.
      // One finding per decision that gave up the release: the branch taken last before every
      // way to an unlock was lost (loongarch's moved unlock leaks through two `return`s after
      // one test; sweep K), else the way out.
      const decision = x.route.branch ? `b${x.route.branch.node.id}${x.route.branch.edge}` : `l${x.route.leave.id}`;
      if (doubleLocked.has(x.held.at)) continue;
      const key = `${x.object}|${decision}`;
      const seen = leaks.get(key);
      if (!seen) leaks.set(key, { held: x.held, route: x.route, object: x.object, sites: new Map([[x.held.at, x.held]]) });
      else {
        seen.sites.set(x.held.at, x.held);
        if (fn.cfg.nodes[x.held.at]!.start < fn.cfg.nodes[seen.held.at]!.start) Object.assign(seen, { held: x.held, route: x.route });
      }
    }
    for (const { held, route, object, sites } of leaks.values()) {
      const others = [...sites.values()].filter((h) => h.at !== held.at);
      // Taken in either mode on the way (6.1 `do_madvise()`: `if (write) ... else
      // mmap_read_lock(mm);`): one finding that names both, `read or write`.
      const modes = [...new Set([held, ...others].flatMap((h): Mode[] => (h.either ? ['write', 'read'] : [h.mode])))];
      const mode = modes.join(' or ');
      // Taken through a helper in either mode: the function's own unlock helper is the release
      // to name (`madvise_unlock()`), not the two unlocks inside it.
      const helper = held.either ? [...events.values()].flat().find((e) => e.object === object && e.op === 'unlock' && e.either && e.event.via !== null) : undefined;
      const release = helper ? `${helper.event.via}()` : orCode(modes.map(releaseOf));
      // Not steps of the path shown: other ways to the same leak (drawn paths leave them out).
      const also = others.map((h) => ({ at: fn.cfg.nodes[h.at]!, message: h.mode === held.mode ? 'this takes the same lock, and the path through it leaks it too' : `this takes it for ${h.mode === 'read' ? 'reading' : 'writing'} instead, and the path through it leaks it too`, order: 'aside' as const }));
      ctx.report({
        messageId: 'leak',
        // `call` and `release` come quoted: with both modes, each of the two is.
        data: {
          mm: heldMm(held.at, object),
          mode,
          call: `\`${orCode([held.call, ...others.map((h) => h.call)])}\``,
          release: `\`${release}\``,
          orLabel: modes.length === 1 || helper ? orLabel(fn, release) : '',
          // What else stops: readers queue behind the first writer that waits (sweep AJ: the
          // write-lock sentence was said of read locks too).
          blocked: modes.includes('write') && modes.length === 1 ? ', and so does every page fault of the process' : modes.includes('write') ? ' (held for writing, every page fault of the process too)' : ', and once one waits, every new reader of it too, page faults included',
        },
        at: fn.cfg.nodes[held.at]!,
        until: route.leave,
        related: [...routeLabels(fn, route, `the mmap ${mode} lock still held`, release), ...also],
      });
    }
    reportFailedUnlocks(inverted);
  },
});

/** Why an unlock finds the lock not held on this path: the data of `unlockNotHeld`, and the line that shows it. */
function notHeld(fn: AnalyzedFunction, s: LockState & { k: 'none' }, at: CfgNode, trace: Trace): [data: Record<string, string>, related: Array<RelatedSpan<CfgNode>>] {
  if (s.failed !== null) return [NOT_HELD.failed, [{ at: fn.cfg.nodes[s.failed]!, message: 'taking the lock can fail and take this path' }]];
  if (s.released === at.id) {
    // This very unlock, on an earlier pass of a loop.
    const back = cameBack(fn, trace);
    return [NOT_HELD.again, back ? [{ at: back, message: cameBackLabel(back, 'the unlock'), order: 'back' }] : []];
  }
  if (s.released !== undefined) return [NOT_HELD.released, [{ at: fn.cfg.nodes[s.released]!, message: 'the lock is released here' }]];
  return [NOT_HELD.unknown, []];
}

/**
 * The test right before `node` on the path, when it guards it, labelled with what it found; and
 * the variable it tests when it runs the unlock because that variable is set (`if (vma)`).
 */
function guardOf(fn: AnalyzedFunction, trace: Trace, node: CfgNode): { related: RelatedSpan<CfgNode>; setVariable: string | null; zero: string } | null {
  const nodes = trace.nodes();
  const prev = nodes.length >= 2 ? fn.cfg.nodes[nodes[nodes.length - 2]!]! : null;
  if (!prev || prev.kind !== 'branch' || !prev.expr) return null;
  const edge = prev.succ.find((e) => e.to === node.id)?.kind;
  if (edge !== 'true' && edge !== 'false') return null;
  const test = quoteCode(fn.text(prev.expr));
  const plain = prev.expr.k === 'ident' || prev.expr.k === 'field';
  const zero = zeroOf(fn, prev.expr);
  const found = plain ? (edge === 'true' ? 'is set' : `is ${zero}`) : edge === 'true' ? 'holds' : 'does not hold';
  return { related: { at: prev, message: `\`${test}\` ${found} on this path, so the unlock runs` }, setVariable: plain && edge === 'true' ? test : null, zero };
}

/**
 * How the zero of variable `e` (with `pointee`, of what it points to) is written, by its
 * declaration: `NULL` for a pointer, `false` for a `bool`, `0` for another scalar; `NULL or 0`
 * for a field or what widen cannot find.
 */
export function zeroOf(fn: AnalyzedFunction, e: Expr, pointee = false): string {
  return e.k === 'ident' ? zeroOfRef(fn, e.ref.id, pointee) : 'NULL or 0';
}

/** {@link zeroOf} for the variable or parameter whose reference id is `id`. */
function zeroOfRef(fn: AnalyzedFunction, id: string, pointee: boolean): string {
  const decl = fn.ast.params.find((p) => p.ref.id === id) ?? fn.cfg.nodes.flatMap((n) => n.decls ?? []).find((d) => d.ref.id === id);
  if (!decl) return 'NULL or 0';
  return decl.pointer && !pointee ? 'NULL' : /^(?:const\s+)?(?:bool|_Bool)$/.test(decl.type.trim()) ? 'false' : '0';
}

/** The last `goto` on the path `trace` after node `from`, or null. */
function jumpAfter(fn: AnalyzedFunction, trace: Trace, from: number): CfgNode | null {
  const nodes = trace.nodes();
  const start = nodes.lastIndexOf(from);
  for (let i = nodes.length - 2; i > start && start >= 0; i--) {
    const n = fn.cfg.nodes[nodes[i]!]!;
    if (n.kind === 'goto') return n;
  }
  return null;
}

/** Why an unlock finds the lock not held, for `unlockNotHeld`'s explanation and fix. */
const NOT_HELD = {
  released: { cause: 'has already released the lock', remedy: 'drop one of the two unlocks, or take the lock again in between.' },
  again: { cause: 'released the lock with this very unlock on an earlier pass of the loop', remedy: 'move the unlock out of the loop, or take the lock again on every pass.' },
  failed: { cause: 'tried to take the lock and failed', remedy: 'test the result of the lock call, and leave without the unlock when it failed.' },
  never: { cause: 'never took the lock, although it takes it on other paths', remedy: 'jump to a label after the unlock from the paths that never took it.' },
  unknown: { cause: 'does not hold the lock here', remedy: 'follow the path shown to see where it lost the lock.' },
} as const;

/**
 * The node by which the path in `trace` came back to the node it ends on: a `continue` or a
 * backward `goto` in between, else the loop head it came back through.
 */
function wayBackTo(fn: AnalyzedFunction, trace: Trace): CfgNode | null {
  const nodes = trace.nodes();
  const before = nodes.lastIndexOf(nodes[nodes.length - 1]!, nodes.length - 2);
  if (before < 0) return null;
  return roundAgain(fn, nodes, before, -1)?.jump ?? cameBack(fn, trace);
}

/** Two mms as one key, in either order. */
function pairKey(a: string, b: string): string {
  return a < b ? `${a}\0${b}` : `${b}\0${a}`;
}

function releaseOf(mode: Mode): string {
  return mode === 'read' ? 'mmap_read_unlock()' : 'mmap_write_unlock()';
}

function stateKey(v: LockState): string {
  if (v.k !== 'held') return v.k === 'none' ? `n${v.failed ?? ''}` : v.k;
  return `${v.mode[0]}${v.at}${v.local ? 'l' : ''}${v.pending ? JSON.stringify(v.pending) : ''}${v.releasing ? `r${v.releasing.at}${JSON.stringify(v.releasing.pending)}` : ''}${v.cleared ? `c${v.cleared}` : ''}`;
}

/**
 * Whether the variable `exit` returns holds the same answer whether or not the path kept the
 * lock: the paths part at `branch` (the last one before the release was lost), which does not
 * read the variable, and every definition of it that reaches the `return` comes before that
 * branch. Then one `return error;` reached with and without the lock tells the caller nothing
 * (sweep AH: 6.12 `do_madvise()` with its read unlock deleted, where `if (write)` alone decided
 * the unlock). `return vma;` after `if (!vma) mmap_read_unlock(mm);` tests what it returns, and
 * `ret = -EAGAIN;` set beside an unlock is defined after the parting: both may be the answer.
 */
function sameAnswerEitherWay(fn: AnalyzedFunction, exit: CfgNode, branch: { node: CfgNode } | null): boolean {
  const returned = exit.kind === 'return' && exit.expr ? uncast(exit.expr) : null;
  if (!returned || returned.k !== 'ident' || !branch?.node.expr) return false;
  const key = pathKey(returned);
  if (key === null || new RegExp(`\\b${returned.name}\\b`).test(fn.text(branch.node.expr))) return false;
  const defs = fn.defs.reaching(exit.id, key);
  return defs.length > 0 && defs.every((d) => fn.cfg.nodes[d.node]!.start < branch.node.start);
}

/** Whether `return` node `node` returns a constant: a literal, or a macro's name (`PAGE_SIZE`). */
function returnsConstant(node: CfgNode): boolean {
  if (node.kind !== 'return' || !node.expr) return false;
  const e = uncast(node.expr);
  return e.k === 'lit' || (e.k === 'ident' && e.ref.scope === 'global' && /^[A-Z][A-Z0-9_]*$/.test(e.name));
}

/**
 * What a `return` returns on the path `trace`, in kinds that tell a locking contract apart from
 * a leak; a returned variable (`out: return ret;`) is classified by its last assignment on the path.
 */
function returnKind(fn: AnalyzedFunction, node: CfgNode, path: Trace): ReturnKind {
  if (node.kind !== 'return' || !node.expr) return 'void';
  const trace = path.nodes();
  return valueKind(fn, node.expr, trace, trace.length - 1, path);
}

function valueKind(fn: AnalyzedFunction, expr: Expr, trace: readonly number[], before: number, path: Trace): ReturnKind {
  const e = expr.k === 'cast' ? expr.arg : expr;
  if (e.k === 'ident' && e.ref.scope !== 'global') {
    for (let i = before - 1; i >= 0; i--) {
      const def = fn.cfg.nodes[trace[i]!]!.events.find((ev) => ev.k === 'def' && ev.key === e.ref.id);
      if (!def || def.k !== 'def') continue;
      const kind = def.value && (def.how === 'assign' || def.how === 'init') ? valueKind(fn, def.value, trace, i, path) : 'value';
      if (kind !== 'value') return kind;
      return testedAsError(fn, e.ref.id, trace, i, before) ? 'error' : testedZero(fn, e.ref.id, trace, i, before) ? 'zero' : (decidedKind(fn, e.ref.id, path, i, before) ?? 'value');
    }
    return testedZero(fn, e.ref.id, trace, -1, before) ? 'zero' : (decidedKind(fn, e.ref.id, path, -1, before) ?? 'value');
  }
  if (isZeroConstant(e)) return 'zero';
  if (e.k === 'unary' && e.op === '-') return 'error';
  if (e.k === 'call' && e.name !== null && /^(ERR_PTR|ERR_CAST|PTR_ERR)$/.test(e.name)) return 'error';
  // The arch fault paths' bad-area helpers answer the fault with a signal or an error code
  // (powerpc `return bad_access(regs, address, mm, vma);`): what they return says nothing of a
  // lock the caller still holds.
  if (e.k === 'call' && e.name !== null && /^_*bad_(?:area|access)\w*$/.test(e.name)) return 'error';
  if (e.k === 'ident' && /^VM_FAULT_/.test(e.name)) return 'error';
  return 'value';
}

/**
 * Whether the path `trace` between positions `from` and `to` went the way of a branch that says
 * variable `key` is zero or NULL: `sgi-gru`'s `if (gts) mutex_lock(...); else
 * mmap_read_unlock(mm); return gts;` returns NULL on its unlocked path, like a `return NULL;`
 * added with the lock held (sweep I).
 */
function testedZero(fn: AnalyzedFunction, key: string, trace: readonly number[], from: number, to: number): boolean {
  return tookEdge(fn, trace, from, to, BRANCHES_AND_LOOPS, (cond) => zeroEdge(cond, (x) => pathKey(x) === key));
}

const BRANCHES: ReadonlySet<string> = new Set(['branch']);
const BRANCHES_AND_LOOPS: ReadonlySet<string> = new Set(['branch', 'loop']);

/**
 * Whether the path `trace`, between positions `from` and `to`, left a node of `kinds` along the
 * edge `edgeOf` names for its condition.
 */
function tookEdge(fn: AnalyzedFunction, trace: readonly number[], from: number, to: number, kinds: ReadonlySet<string>, edgeOf: (cond: Expr) => 'true' | 'false' | null): boolean {
  for (let j = from + 1; j < to; j++) {
    const node = fn.cfg.nodes[trace[j]!]!;
    if (!kinds.has(node.kind) || !node.expr) continue;
    const edge = node.succ.find((x) => x.to === trace[j + 1])?.kind;
    if (edge !== 'true' && edge !== 'false') continue;
    if (edgeOf(node.expr) === edge) return true;
  }
  return false;
}

/**
 * What the path learnt of variable `key` between positions `from` and `to` without a branch
 * that names it: through a flag that keeps a test of it (sweep S: `locked = ret && !unlock;
 * if (locked)`, false with `ret` set, returns `ret` as an error). Read as {@link errorEdge} and
 * {@link testedZero} read a branch; null when the facts say neither.
 */
function decidedKind(fn: AnalyzedFunction, key: string, path: Trace, from: number, to: number): ReturnKind | null {
  const negative = path.decidesAlong(key, '<', 0n);
  const nonzero = path.decidesAlong(key, '!=', 0n);
  for (let j = from + 1; j <= to; j++) {
    if (negative[j] === true || (nonzero[j] === true && returnsInteger(fn))) return 'error';
    if (nonzero[j] === false) return 'zero';
  }
  return null;
}

/**
 * Whether the path `trace` between positions `from` and `to` went the way of a branch that
 * holds only for an error in variable `key`: `if (err == -ENOENT)`, `if (err < 0)`, and, in a
 * function declared to return `int` or `long`, `if (err)` (`err = f(); if (err) return err;`).
 */
function testedAsError(fn: AnalyzedFunction, key: string, trace: readonly number[], from: number, to: number): boolean {
  return tookEdge(fn, trace, from, to, BRANCHES, (cond) => errorEdge(fn, uncast(cond), key));
}

/** The edge of a branch on `cond` along which variable `key` holds an error, or null. */
function errorEdge(fn: AnalyzedFunction, cond: Expr, key: string): 'true' | 'false' | null {
  const is = (x: Expr): boolean => { const y = uncast(x); return y.k === 'ident' && y.ref.id === key; };
  const negative = (x: Expr): boolean => { const y = uncast(x); return y.k === 'unary' && y.op === '-' && (y.arg.k === 'ident' ? /^E[A-Z0-9]+$/.test(y.arg.name) : y.arg.k === 'lit'); };
  const isZero = (x: Expr): boolean => { const y = uncast(x); return y.k === 'lit' && /^0[uUlL]*$/.test(y.text.trim()); };
  const flip = (k: 'true' | 'false' | null): 'true' | 'false' | null => (k === null ? null : k === 'true' ? 'false' : 'true');
  if (cond.k === 'unary' && cond.op === '!') return flip(errorEdge(fn, uncast(cond.arg), key));
  // include/linux/err.h: `IS_ERR_VALUE(ret)`, an error code in an integer, as do_mmap() returns
  // one in its `unsigned long` (sweep N: vm_mmap_pgoff() returning it with the lock held);
  // `IS_ERR()` and `IS_ERR_OR_NULL()`, an error pointer (sweep AL: sgi-gru's `if (IS_ERR(gts))
  // return gts;` with the lock held, where the function's other failure releases it).
  if (cond.k === 'call' && cond.name !== null && /^IS_ERR(?:_VALUE|_OR_NULL)?$/.test(cond.name) && cond.args.length === 1 && is(cond.args[0]!)) return 'true';
  if (is(cond)) return returnsInteger(fn) ? 'true' : null;
  if (cond.k !== 'binary') return null;
  const [v, c] = is(cond.left) ? [cond.left, cond.right] : is(cond.right) ? [cond.right, cond.left] : [null, null];
  if (!v || !c) return null;
  if ((cond.op === '==' || cond.op === '!=') && negative(c)) return cond.op === '==' ? 'true' : 'false';
  if (cond.op === '!=' && isZero(c)) return returnsInteger(fn) ? 'true' : null;
  if (cond.op === '==' && isZero(c)) return returnsInteger(fn) ? 'false' : null;
  if (cond.op === '<' && v === cond.left && isZero(c)) return 'true';
  return null;
}

/**
 * A lock attempt at `node` whose result a variable keeps, tested by `branch` for truth alone
 * (`ret`, `!ret`): the lock event and the variable, or null.
 */
function invertedThroughVariable(fn: AnalyzedFunction, node: CfgNode, branch: CfgNode, events: readonly LockEvent[], object: string): { lock: LockEvent; variable: string; test: CfgNode } | null {
  const lock = events.find((e) => e.object === object && e.op === 'lock' && /_(?:killable|trylock)$/.test(e.event.call.name ?? ''));
  if (!lock || !branch.expr) return null;
  const def = node.events.find((e) => e.k === 'def' && e.value === lock.event.call);
  if (!def || def.k !== 'def') return null;
  const cond = uncast(branch.expr);
  const tested = cond.k === 'unary' && cond.op === '!' ? uncast(cond.arg) : cond;
  if (pathKey(tested) !== def.key) return null;
  return { lock, variable: displayKey(def.key), test: branch };
}

/** A truth test written the other way round: `ret` for `!ret`, `!ret` for `ret`. */
function negated(test: string): string {
  const t = test.trim();
  if (/^!\s*[A-Za-z_][\w.>-]*$/.test(t)) return t.replace(/^!\s*/, '');
  return /^[A-Za-z_][\w.>-]*$/.test(t) ? `!${t}` : `!(${t})`;
}

/** Whether the function is declared to return a plain `int` or `long` (not a pointer, not `bool`). */
function returnsInteger(fn: AnalyzedFunction): boolean {
  return /\b(?:int|long)\s*$/.test(fn.file.returnType(fn.span));
}

/** A function's lock flag parameter saying the opposite of the lock: see {@link flagBreaches}. */
interface FlagBreach {
  /**
   * `released`: the path released the lock (at `at`) and leaves the flag non-zero. `cleared`:
   * it set the flag to 0 (at `at`) and leaves with the lock held. `taken`: it took the lock (at
   * `at`) for a caller that handed it 0, and leaves the flag 0. `zero`: it hands the flag, 0, to
   * a GUP call (`at`, `callee`) while it holds the lock it took (`lockAt`).
   */
  kind: 'released' | 'cleared' | 'taken' | 'zero';
  lockAt?: CfgNode;
  callee?: string;
  /** `released`: where the path set the flag to 1 after taking the lock itself, if it did. */
  setAt?: CfgNode;
  /** `*locked`, as the code writes it. */
  flag: string;
  at: CfgNode;
  exit: CfgNode;
  /** How the path released the lock (`released`), for the explanation. */
  how: string;
  /** What shows that the flag is a lock flag: see {@link FlagEvidence}. */
  said: FlagEvidence;
}

/**
 * Why a parameter is a lock flag: a path releases the lock (`at`) and stores 0 in it (`said`),
 * takes the lock (`at`) after finding it 0 and stores 1 in it (`took`), hands it to a callee
 * (`at`) that says its release in it (`handed`), or a caller of the file hands `&flag` and tests
 * the flag after the call (`caller`).
 */
interface FlagEvidence {
  kind: 'said' | 'took' | 'handed' | 'caller';
  /** Where in the function; null for `caller` (the evidence is in the caller). */
  at: CfgNode | null;
  /** The GUP call it is handed to (`handed`), or the caller that tests it (`caller`). */
  callee?: string;
  /** `caller`: the caller's flag variable. */
  variable?: string;
}

const RETRY_NOWAIT = 'FAULT_FLAG_RETRY_NOWAIT';

/**
 * The function's lock flag parameter (`int *locked`, `bool *mmap_locked`: the GUP protocol,
 * catalog §4 and hard case H11), held to its promise: on every exit `*locked` is non-zero
 * exactly when the caller's mmap lock is still held (6.12 mm/gup.c, `__get_user_pages_locked()`:
 * "leaves *locked consistent"). A path that releases the lock and leaves the flag set makes the
 * caller release it again; one that clears the flag and keeps the lock leaks it.
 *
 * The flag's value on entry says whether the lock is held (`if (!*locked) {
 * mmap_read_lock_killable(mm); *locked = 1; }`); a release the function makes without testing it
 * says that its callers hand it the lock held. A release is an unlock of the function's one mm,
 * a GUP call or helper handed the flag (which says in it what it did), or `handle_mm_fault()`
 * whose result the path finds VM_FAULT_RETRY (unless the function set FAULT_FLAG_RETRY_NOWAIT
 * and the path finds it set) or VM_FAULT_COMPLETED. Anything else the lock may go through ends
 * the judgement on that path. Judged only on evidence that the parameter is a lock flag
 * ({@link FlagEvidence}): what tells one from any other `int *` or `bool *`.
 */
function flagBreaches(fn: AnalyzedFunction, events: ReadonlyMap<number, readonly LockEvent[]>, summaries: BracketSummaries): { breaches: FlagBreach[]; complete: boolean } {
  const none = { breaches: [], complete: true };
  const params = fn.ast.params.filter((p) => p.pointer && FLAG_PARAM_TYPE.test(p.type.trim()));
  const stored = new Set<string>();
  for (const node of fn.cfg.nodes) for (const ev of node.events) if (ev.k === 'def' && ev.key.startsWith('*')) stored.add(ev.key);
  // The one such parameter it stores through, or the only one there is, named for a lock (a
  // helper whose `*mmap_locked = false;` a patch deleted: its callers still say what it is).
  // Named, so that the callers of every helper with an `int *` are not read for nothing.
  const written = params.map((p) => `*${p.ref.id}`).filter((k) => stored.has(k));
  const candidates = written.length > 0 ? written : params.filter((p) => /lock/i.test(displayKey(p.ref.id))).map((p) => `*${p.ref.id}`);
  if (candidates.length !== 1) return none;
  const flag = candidates[0]!;
  const pointer = flag.slice(1);
  const objects = new Set([...events.values()].flat().map((e) => e.object));
  if (objects.size > 1) return none;
  const fault = CONDITIONAL_BY_NAME.get('handle_mm_fault');
  /** Per node: what it does to the lock. */
  type Op = { k: 'lock'; pending: PendingAcquisition | null } | { k: 'unlock' } | { k: 'said'; key: string; callee: string; known: boolean } | { k: 'fault'; key: string; nowait: boolean } | { k: 'store'; value: 0 | 1 } | { k: 'lost' };
  const ops = new Map<number, Op[]>();
  const add = (id: number, op: Op): void => void ops.set(id, [...(ops.get(id) ?? []), op]);
  const flags = lockFlags(fn);
  const object = [...objects][0];
  const mentionsNowait = fn.file.identifiersOf(fn.span).has(RETRY_NOWAIT);
  /** The variables that hold a fault's flags: what stores to them say of FAULT_FLAG_RETRY_NOWAIT. */
  const nowaitVars = new Set<string>();
  for (const node of fn.cfg.nodes) {
    const seen = new Set<Expr>();
    for (const e of events.get(node.id) ?? []) {
      if (seen.has(e.event.call)) continue;
      seen.add(e.event.call);
      // A callee handed the flag itself says in it what it did (below), and answers for it.
      if (e.event.call.args.some((x) => pathKey(x) === pointer)) continue;
      if (e.op === 'lock' && !e.either) add(node.id, { k: 'lock', pending: pendingOf(node, e.event.acquisition) });
      else if (e.op === 'unlock' && !e.either) add(node.id, { k: 'unlock' });
      else if (e.op === 'unknown' && e.event.via !== null && (e.event.via === 'handle_mm_fault' || flagRelease(e.event.via, e.event.call.args))) continue;
      else if (e.op === 'unknown' && e.event.via !== null && lockOutcome(fn, e.event.via, e.event.call.args, node.id, e.object, summaries)?.k === 'flag') continue;
      else add(node.id, { k: 'lost' });
    }
    for (const ev of node.events) {
      if (ev.k !== 'call' || ev.name === null) continue;
      const table = flagRelease(ev.name, ev.call.args);
      const outcome = table || object === undefined ? null : lockOutcome(fn, ev.name, ev.call.args, node.id, object, summaries);
      const arg = table ? table.flag : outcome?.k === 'flag' ? ev.call.args[outcome.param] : undefined;
      // Or any callee handed the flag parameter on (`hpage_collapse_pmd_locked(..., mmap_locked)`,
      // sweep AC R19): its own flag contract is judged in its body.
      const key = arg ? (handedFlagKey(arg, flags) ?? pointerParam(fn, arg)) : ev.call.args.some((x) => pathKey(x) === pointer) ? flag : null;
      // A helper that only stores a constant through it (`note_unlocked(locked)`) is that store.
      const value = key === flag && !arg ? storeHelperValue(fn, ev.call, pointer) : null;
      if (value !== null) {
        add(node.id, { k: 'store', value });
        continue;
      }
      if (key !== null) {
        add(node.id, { k: 'said', key, callee: ev.name, known: arg !== undefined });
        continue;
      }
      if (ev.name !== 'handle_mm_fault' || !fault) continue;
      const may = faultMayRelease(fn, ev.call);
      const flagsText = fn.text(ev.call.args[2] ?? ev.call);
      // FAULT_FLAG_RETRY_NOWAIT always among its flags: the fault never releases the lock.
      if (may === 'no' || flagsText.includes(RETRY_NOWAIT)) continue;
      // With FAULT_FLAG_RETRY_NOWAIT among its flags the fault keeps the lock (mm/gup.c: "With
      // FAULT_FLAG_RETRY_NOWAIT we'll never release the mmap lock in the page fault handler"):
      // where the function sets or tests it, the path says whether it is set.
      const vmaLock = flagsText.includes('FAULT_FLAG_VMA_LOCK');
      const nowait = !vmaLock && mentionsNowait;
      const pending = releasePending(node, ev.call, fault);
      const flagsKey = ev.call.args[2] ? pathKey(uncast(ev.call.args[2])) : null;
      if (nowait && flagsKey !== null) nowaitVars.add(flagsKey);
      if ((may === 'yes' || (may === 'other' && !vmaLock && setsRetryNowait(fn, ev.call))) && pending && 'fault' in pending) add(node.id, { k: 'fault', key: pending.fault, nowait });
      else add(node.id, { k: 'lost' });
    }
  }
  if (ops.size === 0) return none;
  /**
   * `h`: 1 held, 0 released, a flag key whose test says which (`flag` itself on entry), `u` not
   * followed. `v`: the flags' known values. `acq`: a lock attempt not yet decided. `rel`: a fault
   * whose result the path has not decided yet. `nw`: released unless FAULT_FLAG_RETRY_NOWAIT
   * was set. `rAt`, `how`: where and how the path released the lock; `cAt`: where it cleared the
   * flag; `lAt`: where it took the lock; `oAt`: where it then set the flag to 1; `tz`: the path
   * found the flag 0 on entry (none of these in the key).
   */
  type S = { h: 0 | 1 | string; v: ReadonlyMap<string, 0 | 1>; acq?: PendingAcquisition; rel?: { fault: string; bits: FaultBit[]; nowait: boolean; at: number }; rAt?: number; how?: string; cAt?: number; lAt?: number; oAt?: number; tz?: true; nws?: 'set' | 'unset'; known?: { fault: string; bit: FaultBit } };
  const breaches: FlagBreach[] = [];
  let said: CfgNode | null = null;
  /** Where a path takes the lock itself and sets the flag to 1: evidence too. */
  let took: CfgNode | null = null;
  const nowaitTest = (x: Expr): boolean => x.k === 'binary' && x.op === '&' && (fn.text(x.left).includes(RETRY_NOWAIT) || fn.text(x.right).includes(RETRY_NOWAIT));
  // A function that never tests the flag and only ever releases the lock (6.12 `faultin_page()`)
  // is handed it held, with the flag set: from its entry on.
  const tested = fn.cfg.nodes.some((n) => flagTestEdge(n, flag) !== null);
  const all = [...ops.values()].flat();
  const enteredHeld = !tested && !all.some((op) => op.k === 'lock') && all.some((op) => op.k !== 'lost');
  const result = explore<S>(fn.cfg, fn.facts, {
    initial: enteredHeld ? { h: 1, v: new Map([[flag, 1]]) } : { h: flag, v: new Map() },
    key: (s) => `${s.h}|${[...s.v].map(([k, x]) => `${k}=${x}`).join(',')}|${s.acq ? JSON.stringify(s.acq) : ''}|${s.rel ? `${s.rel.fault}${s.rel.bits.join('')}${s.rel.nowait}` : ''}|${s.nws ?? ''}|${s.known ? `${s.known.fault}:${s.known.bit}` : ''}`,
    follow: (s, node, edge) => followsFlags(s.v, node, edge),
    step(s, node, trace) {
      let cur: S = s;
      const set = (k: string, x: 0 | 1 | null): void => {
        const v = new Map(cur.v);
        if (x === null) v.delete(k);
        else v.set(k, x);
        cur = { ...cur, v };
      };
      /** A store of `value` to the flag `key` (or to a flag its test decides). */
      const store = (key: string, value: 0 | 1 | null): void => {
        // A flag set before its test said which way the release went: not followed.
        if (cur.h === key) {
          cur = { ...cur, h: 'u' };
          return;
        }
        set(key, value);
        if (key === flag && value === 0) cur = { ...cur, cAt: node.id };
        // `*locked = 1;` after the path took the lock itself: why the flag says "held" there.
        if (key === flag && value === 1 && cur.h === 1 && cur.lAt !== undefined) cur = { ...cur, oAt: node.id };
        // `if (!*locked)`, `mmap_read_lock_killable(mm)` succeeded, then `*locked = 1;`.
        if (key === flag && value === 1 && cur.h === 1 && cur.tz && cur.lAt !== undefined) took ??= fn.cfg.nodes[cur.lAt]!;
      };
      const taken = edgeInto(fn.cfg, trace, node);
      const decided = taken && (taken.kind === 'true' || taken.kind === 'false') ? taken : null;
      // Handed no flag at all (`if (locked) *locked = 0;` in 6.1 `faultin_page()`, whose callers
      // without one cannot let the fault retry): nothing to keep consistent on this path.
      if (decided?.from.expr && zeroEdge(decided.from.expr, (x) => pathKey(x) === pointer) === decided.kind) return null;
      if (typeof cur.h === 'string' && cur.h !== 'u' && cur.h !== 'nw' && decided) {
        const zeroOn = flagTestEdge(decided.from, cur.h);
        if (zeroOn !== null) {
          const released = decided.kind === zeroOn;
          const tz = released && cur.h === flag ? { tz: true as const } : {};
          set(cur.h, released ? 0 : 1);
          cur = { ...cur, h: released ? 0 : 1, ...tz };
        }
      }
      // A test of FAULT_FLAG_RETRY_NOWAIT in the fault's flags: which way the path went says it.
      const nowaitZero = mentionsNowait && decided?.from.expr ? zeroEdge(decided.from.expr, nowaitTest) : null;
      if (nowaitZero !== null && decided) {
        const unset = decided.kind === nowaitZero;
        // The path set or cleared it itself: the other edge cannot be taken.
        if (cur.nws !== undefined && (cur.nws === 'unset') !== unset) return null;
        cur = { ...cur, nws: unset ? 'unset' : 'set', ...(cur.h === 'nw' ? { h: unset ? 0 : 1 } : {}) };
      }
      if (cur.acq) {
        const settled = settlePending(cur.acq, node, taken);
        if (settled === 'acquired') cur = { ...cur, h: 1, acq: undefined };
        else if (settled === 'failed') cur = { ...cur, h: 0, acq: undefined };
        else if (settled === 'forgotten') cur = { ...cur, h: 'u', acq: undefined };
        else if (settled !== null) cur = { ...cur, acq: settled };
      }
      // The outcome a test found (VM_FAULT_RETRY, say): RETRY and COMPLETED never come together,
      // so a later test cannot find the other one set, nor this one clear.
      if (cur.known && decided?.from.expr) {
        const t = faultTest(decided.from.expr, cur.known.fault);
        if (t && !t.others && t.bits.size > 0 && (decided.kind === t.setOn) !== t.bits.has(cur.known.bit)) return null;
      }
      if (cur.rel) {
        const rel = cur.rel;
        const settled = settleFault(rel, node, taken);
        // Which outcomes the deciding test left: with FAULT_FLAG_RETRY_NOWAIT set the handler
        // never drops the lock, so it never returns VM_FAULT_COMPLETED.
        const t = decided?.from.expr ? faultTest(decided.from.expr, rel.fault) : null;
        const left = t && decided && decided.kind === t.setOn ? rel.bits.filter((b) => t.bits.has(b)) : rel.bits;
        if (settled === 'acquired' && rel.nowait && cur.nws === 'set' && !left.includes('retry')) return null;
        if (settled === 'acquired' && left.length === 1) cur = { ...cur, known: { fault: rel.fault, bit: left[0]! } };
        if (settled === 'acquired') {
          // With FAULT_FLAG_RETRY_NOWAIT possible: released unless the path set it (or found it set).
          // The outcome the path found, when its test left one (`if (ret & VM_FAULT_COMPLETED)`).
          const bits = left.length === 1 ? `\`${FAULT_BIT_NAMES[left[0]!]}\`` : '`VM_FAULT_RETRY` or `VM_FAULT_COMPLETED`';
          const how = `\`handle_mm_fault()\` released the lock (its result has ${bits} set)`;
          const nowaitHow = `\`handle_mm_fault()\` released the lock (its result has ${bits} set, and \`FAULT_FLAG_RETRY_NOWAIT\` is not among its flags on this path)`;
          if (!rel.nowait) cur = { ...cur, h: 0, rel: undefined, rAt: rel.at, how };
          else if (cur.nws === 'set') cur = { ...cur, rel: undefined };
          else cur = { ...cur, h: cur.nws === 'unset' ? 0 : 'nw', rel: undefined, rAt: rel.at, how: nowaitHow };
        } else if (settled === 'failed') cur = { ...cur, rel: undefined };
        else if (settled === 'forgotten') cur = { ...cur, h: 'u', rel: undefined };
        else if (settled !== null && 'fault' in settled) cur = { ...cur, rel: { ...rel, bits: settled.bits } };
      }
      const here = ops.get(node.id) ?? [];
      for (const op of here) {
        if (op.k === 'store') continue;
        if (cur.h === 'u') break;
        // The function's lock operations without a test of the flag say what its callers hand it.
        if (cur.h === flag && (op.k === 'lock' || op.k === 'unlock' || op.k === 'said' || op.k === 'fault')) {
          const held = op.k !== 'lock';
          set(flag, held ? 1 : 0);
          cur = { ...cur, h: held ? 1 : 0 };
        }
        if (op.k === 'lost' || typeof cur.h === 'string' || cur.acq || cur.rel) {
          cur = { ...cur, h: 'u', acq: undefined, rel: undefined };
          break;
        }
        if (op.k === 'lock') cur = cur.h === 1 ? { ...cur, h: 'u' } : op.pending ? { ...cur, acq: op.pending, lAt: node.id } : { ...cur, h: 1, lAt: node.id };
        else if (op.k === 'unlock') cur = cur.h === 0 ? { ...cur, h: 'u' } : { ...cur, h: 0, rAt: node.id, how: `\`${displayCall(fn, node)}\` releases the lock` };
        else if (op.k === 'said') {
          if (cur.h === 0) cur = { ...cur, h: 'u' };
          else if (op.key === flag && cur.v.get(flag) === 0 && cur.lAt !== undefined) {
            // `if (!*locked) mmap_read_lock_killable(mm);` and no `*locked = 1;`: the callee is told "not held".
            breaches.push({ kind: 'zero', flag, at: node, exit: node, how: '', said: { kind: 'took', at: fn.cfg.nodes[cur.lAt]! }, lockAt: fn.cfg.nodes[cur.lAt]!, callee: op.callee });
            cur = { ...cur, h: 'u' };
          } else {
            set(op.key, null);
            cur = { ...cur, h: op.key, rAt: node.id, how: `\`${op.callee}()\` released the lock (and said so in \`${displayKey(op.key)}\`)` };
          }
        } else if (cur.h === 0) cur = { ...cur, h: 'u' };
        else cur = { ...cur, rel: { fault: op.key, bits: ['retry', 'completed'], nowait: op.nowait, at: node.id } };
      }
      for (const ev of node.events) {
        if (ev.k === 'def' && nowaitVars.has(ev.key)) cur = { ...cur, nws: nowaitStore(fn, node, ev.value) ?? (cur.nws && ev.value === null ? cur.nws : undefined) };
        if (ev.k === 'def' && ev.key === cur.known?.fault) cur = { ...cur, known: undefined };
        if (ev.k !== 'def' || here.some((op) => op.k === 'said' && op.key === ev.key)) continue;
        if (ev.key !== flag && !(typeof cur.h === 'string' && ev.key === cur.h) && !cur.v.has(ev.key)) continue;
        store(ev.key, flagValue(ev.value));
      }
      for (const op of here) if (op.k === 'store') store(flag, op.value);
      return cur;
    },
    exit(s, trace) {
      const x = s.v.get(flag);
      if (s.acq || s.rel || typeof s.h === 'string' || x === undefined) return;
      if (s.h === 0 && x === 0 && s.rAt !== undefined && s.cAt !== undefined) said ??= fn.cfg.nodes[s.rAt]!;
      else if (s.h === 0 && x === 1 && s.rAt !== undefined) {
        // Paths that differ only in where they set the flag share a state: named only if on this one.
        const setAt = s.oAt !== undefined && trace.nodes().includes(s.oAt) ? { setAt: fn.cfg.nodes[s.oAt]! } : {};
        breaches.push({ kind: 'released', flag, at: fn.cfg.nodes[s.rAt]!, exit: exitPoint(fn, trace), how: s.how ?? 'the lock is released', said: { kind: 'said', at: fn.cfg.nodes[s.rAt]! }, ...setAt });
      }
      else if (s.h === 1 && x === 0 && s.cAt !== undefined) breaches.push({ kind: 'cleared', flag, at: fn.cfg.nodes[s.cAt]!, exit: exitPoint(fn, trace), how: '', said: { kind: 'said', at: fn.cfg.nodes[s.cAt]! } });
      // Taken for a caller that handed it 0 ("acquire and drop"), and the flag left 0.
      else if (s.h === 1 && x === 0 && s.tz && s.lAt !== undefined) breaches.push({ kind: 'taken', flag, at: fn.cfg.nodes[s.lAt]!, exit: exitPoint(fn, trace), how: '', said: { kind: 'took', at: fn.cfg.nodes[s.lAt]! } });
    },
  });
  // Handed on to a GUP call or a helper that says its release in it, the flag is a lock flag
  // by that callee's contract (`__get_user_pages(..., locked)`).
  const handedOn = [...ops].flatMap(([id, list]) => list.flatMap((op) => (op.k === 'said' && op.known && op.key === flag ? [{ kind: 'handed' as const, at: fn.cfg.nodes[id]!, callee: op.callee }] : [])))[0];
  const evidence: FlagEvidence | null = said ? { kind: 'said', at: said } : took ? { kind: 'took', at: took } : (handedOn ?? (breaches.length > 0 ? callerEvidence(fn, pointer, summaries) : null));
  if (evidence === null) return { breaches: [], complete: result.complete };
  // One finding per release (or clearing) and kind, whichever exit the path takes after it.
  const seen = new Set<string>();
  const unique = breaches.filter((b) => !seen.has(`${b.kind}|${b.at.id}`) && Boolean(seen.add(`${b.kind}|${b.at.id}`)));
  return { breaches: unique.map((b) => ({ ...b, said: evidence })), complete: result.complete };
}

/** A call statement as written, one line, without its `;`: for labels. */
function displayCall(fn: AnalyzedFunction, node: CfgNode): string {
  const call = node.events.find((e) => e.k === 'call');
  return call && call.k === 'call' ? fn.text(call.call) : fn.text(node).replace(/;$/, '');
}

/** The "held" value of a flag whose "not held" is `zero`: `true` for a `bool`, else 1. */
function flagOne(zero: string): string {
  return zero === 'false' ? 'true' : '1';
}

/** What shows a lock flag to be one, for the explanation: "where it releases the lock ...". */
function flagEvidence(e: FlagEvidence, flag: string, zero: string): string {
  if (e.kind === 'said') return `where it releases the lock on another path, it sets \`${flag}\` to ${zero}`;
  if (e.kind === 'took') return `where it takes the lock itself, it sets \`${flag}\` to ${flagOne(zero)}`;
  if (e.kind === 'caller') return `its caller \`${e.callee}()\` hands it \`&${e.variable}\` and tests \`${e.variable}\` after the call to learn whether it still holds the lock`;
  return `it hands \`${flag.slice(1)}\` to \`${e.callee}()\`, which says in it whether it released the lock`;
}

function flagEvidenceLabel(e: FlagEvidence, flag: string): string {
  if (e.kind === 'said') return `on another path the lock is released here, and \`${flag}\` says so`;
  if (e.kind === 'took') return `the lock is taken here, and \`${flag}\` says so`;
  return `\`${e.callee}()\` says in \`${flag}\` whether it released the lock`;
}

/**
 * The constant a call stores through the lock flag `pointer` when it calls a helper of the file
 * whose whole body is that store (`static inline void note_unlocked(int *locked) { *locked = 0;
 * }`): null for any other call. Read as a store, such a helper keeps the flag judged where a
 * patch moved its stores into it (sweep AC's R23 and B26 were silent).
 */
function storeHelperValue(fn: AnalyzedFunction, call: Expr & { k: 'call' }, pointer: string): 0 | 1 | null {
  const def = call.name === null ? null : helperDefinition(fn, call.name, null);
  const callee = def ? def.file.analyze(def.span) : null;
  const body = callee?.ast.body.body.filter((x) => x.k !== 'empty') ?? [];
  const only = body.length === 1 ? body[0]! : null;
  if (!callee || only?.k !== 'expr' || only.expr.k !== 'assign' || only.expr.op !== '=') return null;
  const target = uncast(only.expr.target);
  if (target.k !== 'unary' || target.op !== '*' || target.arg.k !== 'ident') return null;
  const param = target.arg.ref.id;
  const i = callee.ast.params.findIndex((p) => p.ref.id === param);
  const arg = i < 0 ? undefined : call.args[i];
  return arg && pathKey(uncast(arg)) === pointer ? flagValue(only.expr.value) : null;
}

/** The last test of the flag `key` on the path before its current node (`if (locked)`), if any. */
function lastFlagTest(fn: AnalyzedFunction, trace: Trace, key: string): CfgNode | null {
  const ids = trace.nodes();
  for (let i = ids.length - 2; i >= 0; i--) {
    const n = fn.cfg.nodes[ids[i]!]!;
    if (flagTestEdge(n, key) !== null) return n;
  }
  return null;
}

/**
 * The node of the definition that makes `key` 0 on every way into node `at` (`int locked = 0;`,
 * `locked = false;`), or null when some definition reaching it may be non-zero (the call itself,
 * round a loop, stores through `&locked`).
 */
function zeroOnEveryWay(fn: AnalyzedFunction, at: number, key: string): number | null {
  const defs = fn.defs.reaching(at, key);
  if (defs.length === 0) return null;
  for (const d of defs) {
    const v = d.def.k === 'def' && d.def.value ? uncast(d.def.value) : null;
    if (!v || !(isZeroConstant(v) || (v.k === 'ident' && v.name === 'false'))) return null;
  }
  return defs[0]!.node;
}

/**
 * What a store to a fault's flags variable says of FAULT_FLAG_RETRY_NOWAIT: `fault_flags |=
 * FAULT_FLAG_ALLOW_RETRY | FAULT_FLAG_RETRY_NOWAIT;` sets it, `&= ~FAULT_FLAG_RETRY_NOWAIT`
 * clears it, a value built from constants without it (`fault_flags = 0;`,
 * `= FAULT_FLAG_DEFAULT`) leaves it unset; null for a compound store of other bits (the caller
 * keeps what it knew) and for anything else.
 */
function nowaitStore(fn: AnalyzedFunction, node: CfgNode, value: Expr | null): 'set' | 'unset' | null {
  const text = fn.text(node);
  if (text.includes(RETRY_NOWAIT)) return /&=\s*~/.test(text) ? 'unset' : 'set';
  if (value === null) return null;
  const constant = (e: Expr): boolean => {
    const x = uncast(e);
    if (x.k === 'lit') return true;
    if (x.k === 'ident') return x.ref.scope === 'global' && /^FAULT_FLAG_[A-Z_]+$/.test(x.name);
    return x.k === 'binary' && (x.op === '|' || x.op === '&') && constant(x.left) && constant(x.right);
  };
  return constant(value) ? 'unset' : null;
}

/**
 * A same-file caller that hands `&v` for the flag parameter `pointer` and tests `v` after the
 * call, in a function that takes or drops the mmap lock itself: the flag is a lock flag by the
 * caller's use (6.12 khugepaged_scan_mm_slot(): `hpage_collapse_scan_pmd(..., &mmap_locked, cc)`,
 * then `if (!mmap_locked)`), though the helper itself no longer shows it.
 */
function callerEvidence(fn: AnalyzedFunction, pointer: string, summaries: BracketSummaries): FlagEvidence | null {
  const index = fn.ast.params.findIndex((p) => p.ref.id === pointer);
  if (index < 0) return null;
  for (const span of fn.file.functionsMentioning(fn.name)) {
    if (span === fn.span) continue;
    const caller = fn.file.analyze(span);
    if (!caller || lockEvents(caller, summaries).size === 0) continue;
    for (const node of caller.cfg.nodes) {
      for (const ev of node.events) {
        if (ev.k !== 'call' || ev.name !== fn.name) continue;
        const arg = ev.call.args[index];
        const key = arg && arg.k === 'unary' && arg.op === '&' ? pathKey(arg.arg) : null;
        if (key !== null && caller.cfg.nodes.some((n) => flagTestEdge(n, key) !== null)) return { kind: 'caller', at: null, callee: caller.name, variable: displayKey(key) };
      }
    }
  }
  return null;
}

/** The last branch on `path` after node `from` and before node `to`, if any. */
function lastBranchBefore(fn: AnalyzedFunction, path: readonly number[], from: number, to: number): CfgNode[] {
  const start = path.lastIndexOf(from);
  const end = path.lastIndexOf(to);
  for (let i = end - 1; i > start && start >= 0; i--) {
    const n = fn.cfg.nodes[path[i]!]!;
    if (n.kind === 'branch') return [n];
  }
  return [];
}
