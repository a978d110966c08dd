/**
 * The mmap lock as the locking rules see a function: its lock, unlock and downgrade events per
 * node, by value of the mm, from the lock table (rules/resources.ts), with the calls after which
 * the lock cannot be judged (transfer helpers, lock flags handed to callees, helpers that lock
 * through a VMA) as `unknown` events on every mm of the function.
 */
import { displayKey, forEachChild, forEachExpr, isZeroConstant, pathKey, uncast, type Expr, type Stmt } from '../analysis/ast.js';
import { acquiredEdge, acquisitionOf, BracketIndex, isGlobalPath, MAY_NAME_WALK, objectAt, SummaryMemo, trackedObjects, zeroEdge, type BracketEvent, type BracketSummaries, type NameQuery } from '../analysis/brackets.js';
import type { AnalyzedFile, AnalyzedFunction } from '../analysis/file.js';
import type { FunctionSpan } from '../analysis/functions.js';
import { edgeInto, explore } from '../analysis/paths.js';
import { reachableFrom, type Cfg, type CfgEdge, type CfgNode } from '../analysis/cfg.js';
import type { Definition } from '../analysis/program.js';
import { intLiteral } from '../analysis/int-range.js';
import { helperDefinition } from './facts.js';
import { faultMayRelease } from './fault-result.js';
import { MMAP_LOCK_BARE_HELPERS, MMAP_LOCK_CONDITIONAL_RELEASES, MMAP_LOCK_FLAG_RELEASES, MMAP_LOCK_HELPERS, MMAP_LOCK_TABLE_SAYS, MMAP_LOCK_KEPT, MMAP_LOCK_OPS, MMAP_LOCK_RELOCKS, MMAP_LOCK_REQUIRED, MMAP_LOCK_TRANSFERS, MMAP_LOCKED_LOOKUPS, MMAP_READ_LOCK, MMAP_WRITE_LOCK, VMA_READ_LOCK, VMA_TREE_ITERATORS } from './resources.js';

export type Mode = 'read' | 'write';

export interface LockEvent {
  object: string;
  op: 'lock' | 'unlock' | 'downgrade' | 'unknown';
  /** For `either`, `write`: the rules that need the write lock then assume it, and report less. */
  mode: Mode;
  /** A helper's lock or unlock in a mode its own branches choose ({@link eitherModeOp}). */
  either?: true;
  event: BracketEvent;
}

const TRANSFER = new Set(MMAP_LOCK_HELPERS);
const RELOCKS = new Map(MMAP_LOCK_RELOCKS.map((r) => [r.name, r]));
const NULL_MM_RELEASES: ReadonlySet<string> = new Set(VMA_READ_LOCK.releasedWithNullMm);

/**
 * Helpers that take the mmap read lock of the mm they are handed and say by their result whether
 * they did (`lock_mm_and_find_vma()`: the VMA with the lock held, or NULL with none): a
 * conditional lock like a trylock's, on the mm of their first argument.
 */
const ACQUIRING = new Map(MMAP_LOCK_TRANSFERS.filter((t) => t.effect === 'acquires' && t.when === 'nonzero').map((t) => [t.name, t]));

/**
 * Whether `name` is one of {@link ACQUIRING}, or an architecture's own copy of
 * `lock_mm_and_find_vma()` under a prefixed name (um's `um_lock_mm_and_find_vma()`, which
 * keeps its contract and upgrades the lock through helpers widen cannot follow: read as
 * "locks elsewhere", it made its callers' lock unjudged without a word, sweep K).
 */
function acquiring(name: string): boolean {
  return ACQUIRING.has(name) || /^\w+_lock_mm_and_find_vma$/.test(name);
}

/**
 * The mm of `e` as the code names it at the call (`mm` in `mmap_read_lock(mm)`, even when `mm`
 * holds `current->mm`): what a headline quotes, so that it matches the excerpt. Events keep the
 * mm by value; a helper's event, whose call has no mm argument, is named by that value.
 */
export function writtenMm(e: LockEvent): string {
  const arg = e.event.via === null ? e.event.call.args[0] : undefined;
  const key = arg ? pathKey(arg) : null;
  return displayKey(key ?? e.object);
}
const LOCK_OP_NAMES = new Set(MMAP_LOCK_OPS.map((o) => o.name));
const DOWNGRADE = new Set(MMAP_LOCK_OPS.filter((o) => o.op === 'downgrade').map((o) => o.name));

/**
 * The function's lock events per node, by value of the mm (`mm`, `vma->vm_mm`, a copy of either),
 * from the read and write sides of the lock table, with helpers summarised.
 */
export function lockEvents(fn: AnalyzedFunction, summaries: BracketSummaries): ReadonlyMap<number, readonly LockEvent[]> {
  // Four rules ask for the same function's lock events: computed once per function and
  // summaries (the two bracket indexes and the helper lookups are most of their cost).
  return lockEventsMemo.get(summaries, fn, () => computeLockEvents(fn, summaries));
}

const lockEventsMemo = new SummaryMemo<AnalyzedFunction, ReadonlyMap<number, readonly LockEvent[]>>();

/**
 * {@link lockEvents} with `target` (a parameter's mm) followed even where the function takes and
 * drops no lock of its own: what a helper that only calls other helpers on its caller's mm does
 * to that mm ({@link lockOutcome}).
 */
function lockEventsOn(fn: AnalyzedFunction, target: string, summaries: BracketSummaries): ReadonlyMap<number, readonly LockEvent[]> {
  const events = lockEvents(fn, summaries);
  if (lockedObjects(events).has(target)) return events;
  const memo = targetedMemo.get(summaries, fn, () => new Map());
  let found = memo.get(target);
  if (!found) memo.set(target, (found = computeLockEvents(fn, summaries, target)));
  return found;
}

const targetedMemo = new SummaryMemo<AnalyzedFunction, Map<string, ReadonlyMap<number, readonly LockEvent[]>>>();

function computeLockEvents(fn: AnalyzedFunction, summaries: BracketSummaries, target?: string): Map<number, LockEvent[]> {
  const out = new Map<number, LockEvent[]>();
  const objects = new Set<string>(target === undefined ? [] : [target]);
  // The mms handed to a helper that locks or unlocks in either mode are the function's too,
  // although neither side's summary can say what the helper does to them. Each callee is looked
  // up once: the two sides below ask again.
  const eithers = new Map<string, EitherModeOp | null>();
  const eitherOf = (name: string): EitherModeOp | null => {
    if (!eithers.has(name)) eithers.set(name, eitherModeOp(fn, name, summaries));
    return eithers.get(name)!;
  };
  const eitherObjects = new Set<string>(target === undefined ? [] : [target]);
  for (const node of fn.cfg.nodes) {
    for (const ev of node.events) {
      const either = ev.k === 'call' && ev.name !== null && !LOCK_OP_NAMES.has(ev.name) ? eitherOf(ev.name) : null;
      const object = either && ev.k === 'call' ? objectAt(fn, ev.call.args[either.param], node.id) : null;
      if (object !== null) eitherObjects.add(object);
    }
  }
  for (const [pair, mode] of [[MMAP_WRITE_LOCK, 'write'], [MMAP_READ_LOCK, 'read']] as const) {
    const index = new BracketIndex(fn, pair, summaries, eitherObjects.size > 0 ? new Set([...trackedObjects(fn, pair, summaries), ...eitherObjects]) : undefined);
    for (const id of index.nodesWithEvents()) {
      for (const event of index.eventsAt(fn.cfg.nodes[id]!)) {
        if (event.kind === 'unknown' && event.via !== null && (keepsLock(event.via, event.call.args) || lockOutcome(fn, event.via, event.call.args, id, event.object, summaries)?.k === 'keeps')) continue;
        // Their bodies (mm/memory.c, with a tree) say what the table says; the table's event stands.
        if (event.via !== null && (acquiring(event.via) || RELOCKS.has(event.via))) continue;
        // A helper that takes or drops the lock in either mode: one event, on the write side.
        const either = event.kind === 'unknown' && event.via !== null ? eitherOf(event.via) : null;
        if (either) {
          if (mode === 'read') continue;
          const node = fn.cfg.nodes[id]!;
          const list = out.get(id) ?? [];
          const acquisition = either.op === 'lock' && either.when !== null ? acquisitionOf(node, event.call, either.when) : ({ k: 'always' } as const);
          list.push({ object: event.object, op: either.op, mode: 'write', either: true, event: { kind: either.op === 'lock' ? 'open' : 'close', object: event.object, call: event.call, via: event.via, acquisition } });
          out.set(id, list);
          objects.add(event.object);
          continue;
        }
        // A wrapper of a killable or trylock form: that lock, by the wrapper's result.
        const wrapped = event.kind === 'unknown' && event.via !== null ? returnedLock(fn, event.via, summaries) : null;
        if (wrapped) {
          if (wrapped.mode !== mode) continue;
          const list = out.get(id) ?? [];
          list.push({ object: event.object, op: 'lock', mode, event: { kind: 'open', object: event.object, call: event.call, via: event.via, acquisition: acquisitionOf(fn.cfg.nodes[id]!, event.call, wrapped.when) } });
          out.set(id, list);
          objects.add(event.object);
          continue;
        }
        const downgrade = event.via === null && DOWNGRADE.has(event.call.name ?? '');
        // A downgrade shows as a write release and a read acquisition: one event, on the write side.
        if (downgrade && mode === 'read') continue;
        const op = event.kind === 'unknown' ? 'unknown' : downgrade ? 'downgrade' : event.kind === 'open' ? 'lock' : 'unlock';
        const list = out.get(id) ?? [];
        list.push({ object: event.object, op, mode, event });
        out.set(id, list);
        objects.add(event.object);
      }
    }
  }
  for (const node of fn.cfg.nodes) {
    for (const ev of node.events) {
      if (ev.k !== 'call' || ev.name === null) continue;
      const relock = RELOCKS.get(ev.name);
      if (!relock && !acquiring(ev.name)) continue;
      const object = objectAt(fn, ev.call.args[relock?.mmArg ?? 0], node.id);
      if (object === null) continue;
      const list = out.get(node.id) ?? [];
      // A relock: the read lock released, then the write lock held when the result is non-zero.
      if (relock) list.push({ object, op: 'unlock', mode: 'read', event: { kind: 'close', object, call: ev.call, via: null, acquisition: { k: 'always' } } });
      list.push({ object, op: 'lock', mode: relock ? 'write' : 'read', event: { kind: 'open', object, call: ev.call, via: null, acquisition: acquisitionOf(node, ev.call, 'nonzero') } });
      out.set(node.id, list);
      objects.add(object);
    }
  }
  // A transfer helper reaches the lock through a VMA or a fault (`handle_mm_fault(vma, ...)`),
  // not through an argument naming the mm, and a callee handed the function's lock flag
  // (`populate_vma_page_range(..., &locked)`) may drop the lock and clear the flag: after
  // either, no mm of the function is judged.
  const flags = lockFlags(fn);
  for (const node of fn.cfg.nodes) {
    for (const ev of node.events) {
      // The lock operations themselves are events already (with a tree, their inline bodies in
      // mmap_lock.h are readable and would otherwise count as "locks elsewhere").
      if (ev.k !== 'call' || ev.name === null || LOCK_OP_NAMES.has(ev.name) || acquiring(ev.name) || RELOCKS.has(ev.name) || keepsLock(ev.name, ev.call.args) || returnedLock(fn, ev.name, summaries)) continue;
      // A fault whose flags cannot allow a retry returns with the lock held.
      if (ev.name === 'handle_mm_fault' && faultMayRelease(fn, ev.call) === 'no') continue;
      // The arch fault helpers handed a NULL mm release the VMA lock, never an mmap lock
      // (x86 and powerpc `__bad_area()`: `if (mm) mmap_read_unlock(mm); else
      // vma_end_read(vma);`): powerpc's `bad_access(regs, address, NULL, vma)` on the mmap
      // lock path leaks it (sweep K).
      if (NULL_MM_RELEASES.has(ev.name) && ev.call.args.some(isZeroConstant)) continue;
      // A bare "may release or take" entry whose body widen reads is that body (sweep AD: an
      // unlock added after x86's `bad_area_access_error()`, which already released, was silent).
      const transfers = (TRANSFER.has(ev.name) && !(MMAP_LOCK_BARE_HELPERS.has(ev.name) && helperDefinition(fn, ev.name, summaries) !== null)) || ev.call.args.some((a) => handsFlag(a, flags));
      // A helper whose effect the summaries read on an argument (`madvise_lock(mm, behavior)`
      // takes the lock, `madvise_unlock()` drops it) is that event, not a lock moved out of sight.
      const summarised = (out.get(node.id) ?? []).some((e) => e.event.via === ev.name && e.op !== 'unknown');
      if (!transfers && (summarised || !locksElsewhere(fn, ev.name, summaries) || balancedOnArgument(fn, ev.name, ev.call.args, node.id, objects, summaries))) continue;
      // A helper whose body shows it leaves the caller's lock held on every path.
      if (objects.size > 0 && [...objects].every((o) => lockOutcome(fn, ev.name!, ev.call.args, node.id, o, summaries)?.k === 'keeps')) continue;
      const list = out.get(node.id) ?? [];
      for (const object of objects) list.push({ object, op: 'unknown', mode: 'read', event: { kind: 'unknown', object, call: ev.call, via: ev.name, acquisition: { k: 'always' } } });
      out.set(node.id, list);
    }
  }
  return out;
}

/**
 * Kernel calls that return with the caller's mmap lock as they found it (6.12 mm/gup.c,
 * mm/mmap.c, mm/memory.c): the GUP calls that hand no `locked` flag on, and the `_remote` forms
 * handed NULL for it; `fixup_user_fault()`, which may drop the lock but takes it again before
 * it returns (saying so in `*unlocked`, which `vma-use-after-unlock` reads); `do_munmap()` and
 * `do_mmap()`, which keep it; the `_fast` GUP calls, which leave a held lock alone. What they do
 * to the lock is nothing, not something out of sight.
 */
const KEEPS_LOCK: ReadonlySet<string> = new Set([
  ...MMAP_LOCK_KEPT, 'get_user_pages', 'pin_user_pages', 'get_user_page_vma_remote', 'do_mmap',
  'get_user_pages_fast', 'pin_user_pages_fast', 'vm_insert_page',
]);

const FLAG_RELEASES = new Map(MMAP_LOCK_FLAG_RELEASES.map((r) => [r.name, r]));

/**
 * A GUP call of {@link MMAP_LOCK_FLAG_RELEASES}, with the argument that hands it the lock flag
 * (`&locked`, `locked` for an `int *locked` parameter, or NULL), or null for any other call.
 */
export function flagRelease(name: string, args: readonly Expr[]): { spec: (typeof MMAP_LOCK_FLAG_RELEASES)[number]; flag: Expr | undefined } | null {
  const spec = FLAG_RELEASES.get(name);
  return spec ? { spec, flag: args[args.length - (spec.fromEnd ?? 1)] } : null;
}

function keepsLock(name: string, args: readonly Expr[]): boolean {
  if (KEEPS_LOCK.has(name)) return true;
  const handed = flagRelease(name, args)?.flag;
  if (handed !== undefined && isZeroConstant(handed)) return true;
  // A conditional release told not to release: `do_vmi_align_munmap(..., false)` (ipc/shm.c
  // `ksys_shmdt()`), `do_vmi_munmap(..., 0)` (`vm_brk_flags()`), 6.1's `do_mas_munmap(..., 0)`.
  const conditional = MMAP_LOCK_CONDITIONAL_RELEASES.find((c) => c.name === name);
  const flag = conditional ? (conditional.unlockArg ?? conditional.flagArg) : undefined;
  const arg = flag === undefined ? undefined : args[flag];
  // A literal false: `false`, `0`, `(bool)0`.
  return arg !== undefined && isZeroConstant(arg.k === 'cast' ? arg.arg : arg);
}

/**
 * The mms a function locks, unlocks or downgrades itself (or through a summarised helper): the
 * `unknown` events of transfer helpers name no lock operation of its own. Empty for a function
 * that only relies on its caller's lock.
 */
export function lockedObjects(events: ReadonlyMap<number, readonly LockEvent[]>): Set<string> {
  return new Set([...events.values()].flat().filter((e) => e.op !== 'unknown').map((e) => e.object));
}

const COMPARISONS: ReadonlySet<string> = new Set(['==', '!=', '<', '<=', '>', '>=']);
const ARITHMETIC: ReadonlySet<string> = new Set(['+', '-', '*', '/', '%', '<<', '>>', '&', '|', '^']);

/**
 * Variables that record whether the lock is held: tested by a branch and set to a constant
 * (`int locked = 0; ... locked = 1;`, `user->locked = 0`), or the target of an `int *locked`
 * (or `bool *`) parameter that a branch tests. A variable set to 0 or 1 must also have to do
 * with a lock: named for one, handed by address to a callee (the GUP protocol), set beside a
 * lock call, or tested by a branch whose own statements call one (`if (locked)
 * mmap_read_unlock(mm);`). An error code that starts at 0 is none (sweep AL: `int ret = 0; ...
 * if (ret) return ret;` silenced every check of an unlock or a lookup in the function).
 */
export function lockFlags(fn: AnalyzedFunction): ReadonlySet<string> {
  let flags = flagMemo.get(fn);
  if (!flags) flagMemo.set(fn, (flags = findLockFlags(fn)));
  return flags;
}

const flagMemo = new WeakMap<AnalyzedFunction, ReadonlySet<string>>();

/** A call that may take, drop or hand on a lock: by name, generously (wrappers, GUP, faults). */
const LOCKISH_CALL = /lock|^(?:up|down)_(?:read|write)|_(?:start|end)_read$|user_pages|fault/i;

function callsLockish(node: CfgNode): boolean {
  return node.events.some((e) => e.k === 'call' && e.name !== null && LOCKISH_CALL.test(e.name));
}

function findLockFlags(fn: AnalyzedFunction): ReadonlySet<string> {
  const tested = new Set<string>();
  // What the condition itself tests: a value handed to a call in it (`if
  // (!user_event_mm_fault_in(user_mm, uaddr, attempt))`, trace_events_user.c) is the callee's.
  const testedIn = (e: Expr): void => {
    if (e.k === 'call') return;
    // A flag is tested for truth or against a constant: a count compared with another value
    // (`BUG_ON(count != mm->map_count)` after `&count` was handed to a helper; sweep T) is none.
    if (e.k === 'binary' && COMPARISONS.has(e.op) && intLiteral(e.left) === null && intLiteral(e.right) === null) return;
    // Nor is an operand of arithmetic: `if (length + copylen)` tests a sum, and `length` is a
    // byte count that starts at 0 (tcp_zerocopy_receive(), sweep V).
    if (e.k === 'binary' && ARITHMETIC.has(e.op)) return;
    const key = e.k === 'ident' || e.k === 'field' || (e.k === 'unary' && e.op === '*') ? pathKey(e) : null;
    if (key !== null) tested.add(key);
    forEachChild(e, testedIn);
  };
  for (const node of fn.cfg.nodes) {
    if ((node.kind !== 'branch' && node.kind !== 'loop') || !node.expr) continue;
    testedIn(node.expr);
  }
  const out = new Set<string>();
  /**
   * Candidates assigned beside a lock call: in the same statement, or the one just before or
   * after. Not an initialiser: `int ret = 0;` is often the declaration right above the lock.
   */
  const besideLock = new Set<string>();
  for (const node of fn.cfg.nodes) {
    for (const ev of node.events) {
      if (ev.k !== 'def' || !tested.has(ev.key) || !ev.value || ev.value.k !== 'lit' || !/^[01]$/.test(ev.value.text.trim())) continue;
      out.add(ev.key);
      const near = [node, ...node.pred.map((e) => fn.cfg.nodes[e.to]!), ...node.succ.map((e) => fn.cfg.nodes[e.to]!)];
      if (ev.how !== 'init' && near.some(callsLockish)) besideLock.add(ev.key);
    }
  }
  if (out.size > 0) {
    const related = flagsRelatedToLocks(fn, out);
    for (const key of out) if (!besideLock.has(key) && !related.has(key) && !/lock/i.test(displayKey(key))) out.delete(key);
  }
  // `*locked` for an `int *locked` / `bool *locked` parameter; not `*from` of a
  // `nodemask_t *from` that a `for_each_node_mask(s, *from)` loop condition reads.
  const flagParams = new Set(fn.ast.params.filter((p) => p.pointer && FLAG_PARAM_TYPE.test(p.type.trim())).map((p) => p.ref.id));
  for (const key of tested) if (key.startsWith('*') && flagParams.has(key.slice(1))) out.add(key);
  return out;
}

/**
 * Of the `candidates`, those handed by address to a call (`&locked`), and those tested by an
 * `if` or a loop whose own statements (not a `goto` out of them) call a lock function.
 */
function flagsRelatedToLocks(fn: AnalyzedFunction, candidates: ReadonlySet<string>): Set<string> {
  const out = new Set<string>();
  for (const node of fn.cfg.nodes) {
    for (const e of node.events) {
      if (e.k !== 'call') continue;
      for (const arg of e.call.args) {
        const key = arg.k === 'unary' && arg.op === '&' ? pathKey(arg.arg) : null;
        if (key !== null && candidates.has(key)) out.add(key);
      }
    }
  }
  const lockish = fn.cfg.nodes.filter(callsLockish);
  const within = (s: { start: number; end: number } | null): boolean => s !== null && lockish.some((n) => n.start >= s.start && n.end <= s.end);
  const names = (test: Expr): string[] => {
    const keys: string[] = [];
    forEachExpr(test, (x) => {
      const key = x.k === 'ident' || x.k === 'field' ? pathKey(x) : null;
      if (key !== null && candidates.has(key)) keys.push(key);
    });
    return keys;
  };
  // An explicit stack: a body nested hundreds deep must not overflow this walk.
  const stack: Stmt[] = [fn.ast.body];
  while (stack.length > 0) {
    const st = stack.pop()!;
    switch (st.k) {
      case 'block': stack.push(...st.body); break;
      case 'if':
        if (within(st.then) || within(st.else)) for (const k of names(st.test)) out.add(k);
        stack.push(st.then, ...(st.else ? [st.else] : []));
        break;
      case 'while': case 'do': case 'switch':
        if (within(st.body)) for (const k of names(st.test)) out.add(k);
        stack.push(st.body);
        break;
      case 'for':
        if (st.test && within(st.body)) for (const k of names(st.test)) out.add(k);
        stack.push(st.body);
        break;
      case 'macro-loop': case 'label': stack.push(st.body); break;
      case 'case': stack.push(...st.body); break;
      case 'preproc': for (const b of st.branches) stack.push(...b.body); break;
      default: break;
    }
  }
  return out;
}

/** The type a lock flag parameter points to: `int *locked`, `bool *mmap_locked`. */
export const FLAG_PARAM_TYPE = /^(const\s+)?(int|bool|unsigned\s+int|unsigned)$/;

/** Whether a call argument hands a lock flag to the callee: `&locked`, or `locked` for `*locked`. */
function handsFlag(arg: Expr, flags: ReadonlySet<string>): boolean {
  return flagHanded(arg, flags) !== null;
}

/**
 * The key of the flag a call argument hands to the callee whatever the variable (`locked` for
 * `&locked`: a `bool` too, which lockFlags() leaves out), or `*locked` for a lock flag parameter
 * `locked` handed on; null otherwise.
 */
export function handedFlagKey(arg: Expr, flags: ReadonlySet<string>): string | null {
  return arg.k === 'unary' && arg.op === '&' ? pathKey(arg.arg) : flagHanded(arg, flags);
}

/** The lock flag a call argument hands to the callee (`locked` for `&locked`, `*locked` for `locked`), or null. */
export function flagHanded(arg: Expr, flags: ReadonlySet<string>): string | null {
  if (arg.k === 'unary' && arg.op === '&') {
    const key = pathKey(arg.arg);
    return key !== null && flags.has(key) ? key : null;
  }
  const key = pathKey(arg);
  return key !== null && flags.has(`*${key}`) ? `*${key}` : null;
}

/** Lock and unlock calls, by name: what a helper's body must mention to touch the mmap lock. */
const LOCKING_NAMES = [...new Set(MMAP_LOCK_OPS.filter((o) => o.op !== 'assert').map((o) => o.name))];

/**
 * Whether a callee whose body widen can read takes, drops or downgrades some mmap lock itself:
 * reaching the mm through a VMA or a maple state (6.1's `do_brk_munmap()` downgrades the lock
 * of `vma->vm_mm` and says so by returning 1), its effect on the caller's lock cannot be
 * summarised on an argument, so the caller's lock is not judged after the call.
 */
function locksElsewhere(fn: AnalyzedFunction, name: string, summaries: BracketSummaries): boolean {
  return bodyMentions(fn, name, summaries, LOCKING_NAMES, KEEPS_LOCK);
}

/**
 * Whether callee `name` takes and releases the lock only of an mm its caller hands it (or of the
 * global `current->mm` both name), and leaves it as it found it: every lock operation of its body
 * is a lock or unlock of that mm, no callee of its own names one, and every path takes it at most
 * once and leaves it released.
 * mm/userfaultfd.c's `uffd_lock_vma(mm, addr)` takes the mmap lock to find the VMA and drops it
 * again; treating it as moving the caller's lock hid a leak on a later error return in
 * `mwriteprotect_range()`.
 */
function balancedOnArgument(fn: AnalyzedFunction, name: string, args: readonly Expr[], at: number, objects: ReadonlySet<string>, summaries: BracketSummaries): boolean {
  const defs = summaries.definitions(name, fn.file);
  // The only mm the function locks.
  if (defs.length !== 1 || objects.size !== 1) return false;
  const handed = args.map((a) => objectAt(fn, a, at));
  const index = handed.findIndex((o) => o !== null && objects.has(o));
  const [only] = objects;
  // Handed once, or not handed and named by a global path (`current->mm`), which the helper
  // reaches itself: x86's `map_vdso()` locks `current->mm` for `map_vdso_once()` (sweep F).
  if (index < 0 ? !isGlobalPath(only!) : handed.filter((o) => o !== null && objects.has(o)).length !== 1) return false;
  const callee = defs[0]!.file.analyze(defs[0]!.span);
  if (!callee) return false;
  const target = index < 0 ? only! : callee.ast.params[index]?.ref.id;
  if (target === undefined) return false;
  // Per callee and object, once: a function calls such a helper at several places.
  const known = balancedMemo.get(summaries, callee, () => new Map());
  let balanced = known.get(target);
  if (balanced === undefined) known.set(target, (balanced = balancedOn(callee, target, summaries)));
  return balanced;
}

const balancedMemo = new SummaryMemo<AnalyzedFunction, Map<string, boolean>>();

/**
 * The callee's side of {@link balancedOnArgument}: its own lock operations on `target` (a
 * parameter's key, or a global path). A killable or trylock attempt counts when it is the test
 * of its own branch (`if (mmap_write_lock_killable(mm)) return -EINTR;`): taken on the edge
 * that says so.
 */
function balancedOn(callee: AnalyzedFunction, target: string, summaries: BracketSummaries): boolean {
  // Its lock operations, per node: each on the target, none a downgrade.
  const ops = new Map<number, 1 | -1 | { branch: number; edge: 'true' | 'false' }>();
  for (const node of callee.cfg.nodes) {
    for (const ev of node.events) {
      if (ev.k !== 'call' || ev.name === null) continue;
      const op = LOCK_OPS_BY_NAME.get(ev.name);
      if (op) {
        if (op.op === 'assert') continue;
        if (op.op === 'downgrade' || ops.has(node.id) || objectAt(callee, ev.call.args[op.arg], node.id) !== target) return false;
        if (op.when === undefined) {
          ops.set(node.id, op.op === 'lock' ? 1 : -1);
          continue;
        }
        const call = ev.call;
        const zeroOn = node.kind === 'branch' && node.expr ? zeroEdge(node.expr, (e) => e === call) : null;
        if (zeroOn === null) return false;
        ops.set(node.id, { branch: node.id, edge: acquiredEdge(zeroOn, op.when) });
      } else if (bodyMentions(callee, ev.name, summaries, LOCKING_NAMES, KEEPS_LOCK)) {
        return false;
      }
    }
  }
  if (ops.size === 0) return false;
  // Every path takes it at most once, releases only what it took, and leaves it as it was.
  type Depth = { d: number; pending: { branch: number; edge: 'true' | 'false' } | null };
  let balanced = true;
  const result = explore<Depth>(callee.cfg, callee.facts, {
    initial: { d: 0, pending: null },
    key: (s) => `${s.d}|${s.pending?.branch ?? ''}`,
    step(s, node, trace) {
      let d = s.d;
      if (s.pending) {
        const taken = edgeInto(callee.cfg, trace, node);
        if (taken?.from.id === s.pending.branch && taken.kind === s.pending.edge) d++;
      }
      const op = ops.get(node.id);
      if (typeof op === 'number') d += op;
      if (d < 0 || d > 1) balanced = false;
      return { d: Math.max(0, Math.min(1, d)), pending: typeof op === 'object' ? op : null };
    },
    exit(s) {
      if (s.d !== 0 || s.pending !== null) balanced = false;
    },
  });
  return balanced && result.complete;
}

const LOCK_OPS_BY_NAME = new Map(MMAP_LOCK_OPS.map((o) => [o.name, o]));
/** The lock calls that say by their result whether they took the lock (killable, trylock). */
const CONDITIONAL_LOCKS: ReadonlySet<string> = new Set(MMAP_LOCK_OPS.filter((o) => o.op === 'lock' && o.when !== undefined).map((o) => o.name));

/**
 * A helper that is a conditional lock under another name, on a parameter: its one
 * statement returns what `mmap_read_lock_killable(mm)` (or a trylock) returns (6.12
 * fs/proc/task_mmu.c `query_vma_setup()`: `return mmap_read_lock_killable(mm);`, paired with
 * `query_vma_teardown()`), or it tests that call and returns constants that say which way it
 * went (sweep T: `if (mmap_write_lock_killable(mm)) return -EINTR; return 0;`). Its summary
 * cannot say "locked when it returns 0", so its call is that lock, with the polarity of the
 * helper's result, on the argument handed for the parameter (sweep N: an early return between
 * the two leaked the lock unseen).
 */
function returnedLock(fn: AnalyzedFunction, name: string, summaries: BracketSummaries): { mode: Mode; when: 'zero' | 'nonzero' } | null {
  const def = helperDefinition(fn, name, summaries, CONDITIONAL_LOCKS);
  if (!def) return null;
  const span = def.span;
  if (returnedLockMemo.has(span)) return returnedLockMemo.get(span)!;
  const found = ((): { mode: Mode; when: 'zero' | 'nonzero' } | null => {
    const callee = def.file.analyze(span);
    if (!callee) return null;
    const calls = callee.cfg.nodes.flatMap((n) => n.events.flatMap((e) => (e.k === 'call' && e.name !== null && LOCK_OP_NAMES.has(e.name) ? [{ node: n, call: e.call }] : [])));
    if (calls.length !== 1) return null;
    const { node, call: x } = calls[0]!;
    const op = LOCK_OPS_BY_NAME.get(x.name!);
    const arg = op ? x.args[op.arg] : undefined;
    if (!op || op.op !== 'lock' || op.when === undefined || !arg || arg.k !== 'ident' || !callee.ast.params.some((p) => p.ref.id === arg.ref.id)) return null;
    const returns = callee.cfg.nodes.filter((n) => n.kind === 'return');
    // `return mmap_read_lock_killable(mm);`: the lock's own polarity.
    if (returns.length === 1 && returns[0] === node && returns[0].expr && uncast(returns[0].expr) === x) return { mode: op.mode, when: op.when };
    // `if (lock(mm)) return <error>; return 0;`: every return a constant, the ones the taken
    // lock reaches all zero or all non-zero, and the others (the failed attempt, or before it) the other.
    const acquisition = acquisitionOf(node, x, op.when);
    if (acquisition.k !== 'branch') return null;
    if (movesLockElsewhere(callee, summaries)) return null;
    const taken = node.succ.find((s) => s.kind === acquisition.edge);
    const failed = node.succ.find((s) => s.kind !== acquisition.edge);
    if (!taken || !failed) return null;
    const cfg = callee.cfg;
    const locked = returnsReached(cfg, cfg.nodes[taken.to]!, node);
    const unlocked = [...returnsReached(cfg, cfg.nodes[failed.to]!, node), ...returnsBefore(cfg, [node])];
    const when = heldOn(locked, unlocked);
    return when && { mode: op.mode, when };
  })();
  returnedLockMemo.set(span, found);
  return found;
}

const returnedLockMemo = new WeakMap<FunctionSpan, { mode: Mode; when: 'zero' | 'nonzero' } | null>();

/**
 * Whether a call of `callee` besides its own lock operations may move a lock: a helper of the
 * transfer table, a conditional release, or a callee that names a lock operation. A helper read
 * as a lock or an unlock under another name ({@link returnedLock}, {@link eitherModeOp}) has none.
 */
function movesLockElsewhere(callee: AnalyzedFunction, summaries: BracketSummaries): boolean {
  return callee.cfg.nodes.some((n) =>
    n.events.some((c) => c.k === 'call' && c.name !== null && !LOCK_OP_NAMES.has(c.name) && (TRANSFER.has(c.name) || MMAP_LOCK_CONDITIONAL_RELEASES.some((r) => r.name === c.name) || locksElsewhere(callee, c.name, summaries))),
  );
}

/**
 * A helper that takes, or drops, the mmap lock of the mm handed as one of its
 * parameters in the mode its own branches choose: two lock calls, one of each mode (or two
 * unlocks), on separate paths, one of them on every path, and nothing else in it that may move a
 * lock (sweep W; the shape of `madvise_lock(mm, behavior)` and `madvise_unlock()` in kernels
 * after 6.12: `if (madvise_need_mmap_write(behavior)) { if (mmap_write_lock_killable(mm)) return
 * -EINTR; } else { mmap_read_lock(mm); } return 0;`). A lock helper whose locks can fail says so
 * by its result: every return a constant, 0 on the paths that hold the lock and non-zero on the
 * others (`when: 'zero'`); `when` is null when neither can fail. Null for any other shape.
 */
export function eitherModeOp(fn: AnalyzedFunction, name: string, summaries: BracketSummaries): EitherModeOp | null {
  const def = helperDefinition(fn, name, summaries, LOCK_OP_NAMES);
  if (!def) return null;
  const span = def.span;
  if (eitherModeMemo.has(span)) return eitherModeMemo.get(span)!;
  const found = ((): EitherModeOp | null => {
    const callee = def.file.analyze(span);
    if (!callee) return null;
    const ops = callee.cfg.nodes.flatMap((node) =>
      node.events.flatMap((e) => {
        const op = e.k === 'call' && e.name !== null ? LOCK_OPS_BY_NAME.get(e.name) : undefined;
        return op && e.k === 'call' && op.op !== 'assert' ? [{ node, call: e.call, op }] : [];
      }),
    );
    if (ops.length !== 2) return null;
    const [a, b] = ops as [(typeof ops)[number], (typeof ops)[number]];
    const kind = a.op.op;
    if ((kind !== 'lock' && kind !== 'unlock') || b.op.op !== kind || a.op.mode === b.op.mode) return null;
    // Both on the same parameter.
    const param = (x: (typeof ops)[number]): number => {
      const arg = x.call.args[x.op.arg];
      return arg && arg.k === 'ident' ? callee.ast.params.findIndex((p) => p.ref.id === arg.ref.id) : -1;
    };
    if (param(a) < 0 || param(a) !== param(b)) return null;
    // On separate paths, and one of them on every path.
    const cfg = callee.cfg;
    const exit = cfg.nodes[cfg.exit]!;
    if (reachableFrom(cfg, a.node, () => false).nodes.includes(b.node) || reachableFrom(cfg, b.node, () => false).nodes.includes(a.node)) return null;
    const before = reachableFrom(cfg, cfg.nodes[cfg.entry]!, (n) => n === a.node || n === b.node).nodes;
    if (before.includes(exit)) return null;
    if (movesLockElsewhere(callee, summaries)) return null;
    if (kind === 'unlock' || (a.op.when === undefined && b.op.when === undefined)) return { op: kind, param: param(a), when: null };
    // A killable or trylock form: its failure must show in the result.
    const held: CfgNode[] = [];
    const notHeld: CfgNode[] = returnsBefore(cfg, [a.node, b.node]);
    for (const x of [a, b]) {
      if (x.op.when === undefined) {
        held.push(...returnsReached(cfg, x.node, null).filter((n) => n !== x.node));
        continue;
      }
      const acquisition = acquisitionOf(x.node, x.call, x.op.when);
      if (acquisition.k !== 'branch') return null;
      for (const s of x.node.succ) (s.kind === acquisition.edge ? held : notHeld).push(...returnsReached(cfg, cfg.nodes[s.to]!, null));
    }
    const when = heldOn(held, notHeld);
    return when && { op: 'lock', param: param(a), when };
  })();
  eitherModeMemo.set(span, found);
  return found;
}

/** What {@link eitherModeOp} found: the helper's lock or unlock, on its parameter `param`. */
interface EitherModeOp {
  op: 'lock' | 'unlock';
  param: number;
  /** For a lock that can fail, the result that says it holds the lock. */
  when: 'zero' | 'nonzero' | null;
}

/** The returns a path from `from` (itself included) reaches without passing `stop`. */
function returnsReached(cfg: Cfg, from: CfgNode, stop: CfgNode | null): CfgNode[] {
  return [from, ...reachableFrom(cfg, from, (n) => n === stop).nodes].filter((n) => n.kind === 'return');
}

/** The returns a path from the entry reaches before any of `nodes`. */
function returnsBefore(cfg: Cfg, nodes: readonly CfgNode[]): CfgNode[] {
  return reachableFrom(cfg, cfg.nodes[cfg.entry]!, (n) => nodes.includes(n)).nodes.filter((n) => n.kind === 'return');
}

/**
 * How a helper's result says it holds the lock it took ({@link returnedLock}, {@link
 * eitherModeOp}): 'zero' when every return in `held` is the constant 0 and every one in
 * `notHeld` a non-zero constant, 'nonzero' the other way round. Null for anything else: no
 * return that holds it, a return on both sides, one that is not a constant.
 */
function heldOn(held: readonly CfgNode[], notHeld: readonly CfgNode[]): 'zero' | 'nonzero' | null {
  const zero = (n: CfgNode): boolean | null => {
    const v = n.expr ? intLiteral(n.expr) : null;
    return v === null ? null : v === 0n;
  };
  const heldZero = new Set(held.map(zero));
  const notHeldZero = new Set(notHeld.map(zero));
  if (held.length === 0 || heldZero.size !== 1 || heldZero.has(null) || notHeldZero.has(null) || held.some((n) => notHeld.includes(n))) return null;
  const onZero = heldZero.has(true);
  return notHeldZero.has(onZero) ? null : onZero ? 'zero' : 'nonzero';
}

const eitherModeMemo = new WeakMap<FunctionSpan, EitherModeOp | null>();

/** A helper may move the mmap lock only by naming a lock operation, or by an annotation. */
const LOCKING_QUERY: NameQuery = { words: LOCKING_NAMES, via: LOCKING_NAMES, annotated: true };

/**
 * Whether a function of `file`, not parsed yet, may have a lock event of its own: its body
 * names a lock operation, or a helper it calls does (or carries a sparse annotation), wherever
 * the summaries would look for one and however deep. When not, every summary it could use is
 * 'none' and its lock events are empty, so it need not be parsed to be judged for the lock.
 */
export function mayLock(file: AnalyzedFile, span: FunctionSpan, summaries: BracketSummaries): boolean {
  return summaries.mayName(file, span, LOCKING_QUERY);
}

/** The table's calls that take the lock by name alone, whatever widen can read of their bodies. */
const TABLE_LOCKERS: ReadonlySet<string> = new Set([...LOCK_OP_NAMES, ...RELOCKS.keys(), ...ACQUIRING.keys()]);

/**
 * Whether {@link lockEvents} of a function of `file`, not parsed yet, can hold a lock, unlock or
 * downgrade (an event other than `unknown`): it calls one of the table's lock operations,
 * relocks or lock-and-lookup helpers, or {@link mayLock}. When not, a rule that judges only the
 * lock a function manages itself has nothing to judge there.
 */
export function mayManageLock(file: AnalyzedFile, span: FunctionSpan, summaries: BracketSummaries): boolean {
  for (const id of file.identifiersOf(span)) if (TABLE_LOCKERS.has(id) || (id !== span.name && acquiring(id))) return true;
  return mayLock(file, span, summaries);
}

/**
 * Whether the body of callee `name`, wherever widen can read it, or of its own callees at any
 * depth, names one of `words` (lock or release calls): the test for a helper that may
 * move a lock for its caller without saying so on an argument.
 */
export function bodyMentions(fn: AnalyzedFunction, name: string, summaries: BracketSummaries, words: readonly string[], skip?: ReadonlySet<string>): boolean {
  // Breadth-first through the helpers' own callees (`do_brk_munmap()` downgrades through
  // `do_mas_align_munmap()`).
  // Names already followed, per file that defines them (a `static` helper of one file is not
  // the same-named one of another).
  const seen = new Map<AnalyzedFunction['file'], Set<string>>([[fn.file, new Set([name])]]);
  const first = (file: AnalyzedFunction['file'], id: string): boolean => {
    let names = seen.get(file);
    if (!names) seen.set(file, (names = new Set()));
    if (names.has(id)) return false;
    names.add(id);
    return true;
  };
  // However deep: a walk that stopped at a fixed depth answered "no" for a helper that releases
  // four calls down, and a VMA lock handed to such a chain was reported as leaked. Past
  // MAY_NAME_WALK definitions read it answers yes, as mayName() does: may release.
  let read = 0;
  let level: Array<{ name: string; from: AnalyzedFunction['file'] }> = [{ name, from: fn.file }];
  for (let depth = 0; level.length > 0; depth++) {
    const next: typeof level = [];
    for (const callee of level) {
      for (const d of summaries.definitions(callee.name, callee.from, depth === 0 ? words : undefined)) {
        if (++read > MAY_NAME_WALK) return true;
        const ids = d.file.identifiersOf(d.span);
        // A function's own name is among its identifiers: that is not a mention.
        for (const op of words) if (op !== d.span.name && ids.has(op)) return true;
        for (const id of d.file.calleesOf(d.span)) {
          if (skip?.has(id) || d.file.definitionsOf(id).length === 0 || !first(d.file, id)) continue;
          next.push({ name: id, from: d.file });
        }
      }
    }
    level = next;
  }
  return false;
}

/** Why a call needs its caller to hold the mmap lock, and where a callee of the same file shows it. */
export interface LockNeed {
  /** Finishes "`f()` ...": "asserts it (...)", "walks the VMA tree with `for_each_vma()`". */
  why: string;
  /** The line in the callee's body that needs the lock, when widen read that body. */
  at: { fn: AnalyzedFunction; node: CfgNode } | null;
}

const ASSERT_NAMES = new Set(MMAP_LOCK_OPS.filter((o) => o.op === 'assert').map((o) => o.name));
const LOOKUP_NEED = 'looks up a VMA, which only the mmap lock keeps stable (`find_vma()` asserts it)';

/** What a callee's body must name for it to need its caller's lock. */
const NEED_WORDS = [...MMAP_LOCK_REQUIRED.keys(), ...MMAP_LOCKED_LOOKUPS.keys(), ...VMA_TREE_ITERATORS, ...ASSERT_NAMES];

/**
 * Whether a call of `name` from `file` needs its caller to hold the mmap lock: a kernel function
 * of `MMAP_LOCK_REQUIRED`, a VMA lookup, or a function widen can read (one definition) that takes
 * no mmap lock itself and asserts the lock, walks the VMA tree, or makes such a call, itself or
 * one call further down. Null when nothing says so.
 */
export function lockNeed(file: AnalyzedFile, name: string, summaries: BracketSummaries, depth = 0): LockNeed | null {
  const known = MMAP_LOCK_REQUIRED.get(name)?.why ?? (MMAP_LOCKED_LOOKUPS.has(name) ? LOOKUP_NEED : undefined);
  if (known !== undefined) return { why: known, at: null };
  if (depth > 1) return null;
  // Each definition it may be (`#ifdef` alternatives, one per configuration): the one that
  // needs the lock makes the call need it, in that configuration (sweep U: powerpc's
  // `subpage_mark_vma_nohuge()` walks the VMAs under CONFIG_TRANSPARENT_HUGEPAGE and is an
  // empty stub without).
  for (const d of summaries.definitions(name, file, NEED_WORDS)) {
    const need = definitionNeed(d, name, summaries, depth);
    if (need) return need;
  }
  return null;
}

/** {@link lockNeed} of one definition of `name`. */
function definitionNeed(d: Definition, name: string, summaries: BracketSummaries, depth: number): LockNeed | null {
  const ids = d.file.identifiersOf(d.span);
  // A function that takes the lock itself is entered without it.
  if (LOCKING_NAMES.some((n) => ids.has(n))) return null;
  const fn = d.file.analyze(d.span);
  if (!fn) return null;
  const deeper: Array<{ node: CfgNode; name: string }> = [];
  for (const node of fn.cfg.nodes) {
    if (node.kind === 'loop' && node.macro !== null && VMA_TREE_ITERATORS.has(node.macro.name)) return { why: `walks the VMA tree with \`${node.macro.name}()\``, at: { fn, node } };
    for (const ev of node.events) {
      if (ev.k !== 'call' || ev.name === null) continue;
      if (ASSERT_NAMES.has(ev.name)) return { why: `asserts it (\`${ev.name}()\`)`, at: { fn, node } };
      const own = MMAP_LOCK_REQUIRED.get(ev.name)?.why ?? (MMAP_LOCKED_LOOKUPS.has(ev.name) ? LOOKUP_NEED : undefined);
      if (own !== undefined) return { why: `calls \`${ev.name}()\`, which ${own}`, at: { fn, node } };
      if (ev.name !== name && d.file.definitionsOf(ev.name).length > 0) deeper.push({ node, name: ev.name });
    }
  }
  for (const c of deeper) {
    const need = lockNeed(d.file, c.name, summaries, depth + 1);
    if (need) return { why: `calls \`${c.name}()\`, which ${need.why}`, at: { fn, node: c.node } };
  }
  return null;
}

/**
 * What a helper whose body widen reads does to the mmap lock its caller holds, when neither the
 * tables nor the bracket summaries can say it: the helper is handed the caller's mm, and maybe
 * a lock flag (`&mmap_locked`). `keeps`: every path of the helper leaves the lock held, though
 * it may drop and retake it on the way (6.12 `madvise_populate()`: `faultin_page_range(...,
 * &locked)`, then `if (!locked) { mmap_read_lock(mm); locked = 1; }`). `flag`: the helper
 * releases the lock exactly on the paths that store 0 through the flag parameter `param`, like the
 * GUP calls of {@link MMAP_LOCK_FLAG_RELEASES} (6.12 `hpage_collapse_scan_pmd()`:
 * `collapse_huge_page()` then `*mmap_locked = false;`). Null when anything else may happen: a
 * lock that may fail, a downgrade, another mm, a helper of its own that cannot be read this way,
 * a flag tested before it is known, or a path the walk could not finish.
 */
export type LockOutcome = { k: 'keeps' } | { k: 'flag'; param: number };

export function lockOutcome(fn: AnalyzedFunction, name: string, args: readonly Expr[], at: number, object: string, summaries: BracketSummaries): LockOutcome | null {
  // What the tables say of a kernel helper stands, whatever its body in the tree does today
  // (`mmap_upgrade_trylock()` returns false in 6.12, and its callers are written for true).
  if (TABLED.has(name) || acquiring(name)) return null;
  const handed = args.map((a, i) => (objectAt(fn, a, at) === object ? i : -1)).filter((i) => i >= 0);
  if (handed.length !== 1) return null;
  const def = helperDefinition(fn, name, summaries);
  const callee = def ? def.file.analyze(def.span) : null;
  const mmParam = callee?.ast.params[handed[0]!];
  if (!callee || !mmParam) return null;
  // The caller's lock flag, handed as `&locked` (or as its own `int *locked`), is the helper's
  // `int *` or `bool *` parameter at the same place. Any `&x` may be one: lockFlags() leaves out
  // `bool` variables (`bool mmap_locked = true;`, mm/khugepaged.c), because `mremap()`'s `bool
  // locked` says whether the mapping is mlocked; the walk below tells the two apart.
  const flags = lockFlags(fn);
  const candidates = args.flatMap((a, i) => {
    const param = callee.ast.params[i];
    return handedFlagKey(a, flags) !== null && param && FLAG_PARAM_TYPE.test(param.type.trim()) && param.pointer ? [i] : [];
  });
  if (candidates.length > 1) return null;
  const flagAt = candidates[0] ?? -1;
  const flagParam = flagAt >= 0 ? callee.ast.params[flagAt] : undefined;
  const key = `${handed[0]}|${flagAt}`;
  const memo = outcomeMemo.get(summaries, callee, () => new Map());
  if (memo.has(key)) return memo.get(key)!;
  // A helper that reaches itself again through its own helpers is not read this way.
  memo.set(key, null);
  const outcome = outcomeOf(callee, mmParam.ref.id, flagParam ? `*${flagParam.ref.id}` : null, summaries);
  memo.set(key, outcome && outcome.k === 'flag' ? { k: 'flag', param: flagAt } : outcome);
  return memo.get(key)!;
}

/**
 * The helpers whose table entry stands over their bodies: every entry that says what the helper
 * does (a transfer, a relock, a conditional release, a flag release, a lock operation, a helper
 * that keeps the lock). The bare "may release or take" of {@link MMAP_LOCK_HELPERS} says nothing a
 * body read with the lock held cannot say better: 6.1's `migrate_to_node()` runs under its
 * caller's lock and leaves it alone (6.12's takes the lock itself, and its body is no "keeps").
 */
const TABLED: ReadonlySet<string> = new Set([...[...MMAP_LOCK_TABLE_SAYS.keys()].filter((name) => !MMAP_LOCK_BARE_HELPERS.has(name)), ...FLAG_RELEASES.keys(), ...LOCK_OP_NAMES, ...KEEPS_LOCK]);

const outcomeMemo = new SummaryMemo<AnalyzedFunction, Map<string, LockOutcome | null>>();

/** {@link lockOutcome} on the helper's side: `target` its mm parameter, `flag` the key of `*locked` for its flag parameter. */
function outcomeOf(callee: AnalyzedFunction, target: string, flag: string | null, summaries: BracketSummaries): { k: 'keeps' } | { k: 'flag' } | null {
  const events = lockEventsOn(callee, target, summaries);
  /** Per node: +1 a lock, -1 an unlock, or the flag a release there says itself in (released where it is 0). */
  const ops = new Map<number, Array<1 | -1 | string>>();
  const calleeFlags = lockFlags(callee);
  for (const [id, list] of events) {
    const seen = new Set<Expr>();
    for (const e of list) {
      if (e.object !== target) return null;
      if (seen.has(e.event.call)) continue;
      seen.add(e.event.call);
      const at = ops.get(id) ?? [];
      ops.set(id, at);
      if (e.op === 'lock' && e.event.acquisition.k === 'always' && !e.either) at.push(1);
      else if (e.op === 'unlock' && !e.either) at.push(-1);
      else if (e.op === 'unknown' && e.event.via !== null) {
        const call = e.event.call;
        const table = flagRelease(e.event.via, call.args);
        const nested = table ? null : lockOutcome(callee, e.event.via, call.args, id, target, summaries);
        if (nested?.k === 'keeps') continue;
        const arg = table ? table.flag : nested ? call.args[nested.param] : undefined;
        const said = arg ? handedFlagKey(arg, calleeFlags) : null;
        if (said === null) return null;
        at.push(said);
      } else return null;
    }
  }
  const keys = new Set<string>([...ops.values()].flat().filter((o): o is string => typeof o === 'string'));
  if (flag !== null) keys.add(flag);
  /** `h`: 1 held, 0 released, or the flag whose test says which. `v`: the flags' known values. */
  type S = { h: 0 | 1 | string; v: ReadonlyMap<string, 0 | 1> };
  let bad = false;
  const exits = new Set<'held' | 'released' | 'flag'>();
  const result = explore<S>(callee.cfg, callee.facts, {
    initial: { h: 1, v: new Map() },
    key: (s) => `${s.h}|${[...s.v].map(([k, x]) => `${k}=${x}`).join(',')}`,
    follow: (s, node, edge) => followsFlags(s.v, node, edge),
    step(s, node, trace) {
      let h = s.h;
      let v = s.v;
      const set = (k: string, x: 0 | 1 | null): void => {
        const next = new Map(v);
        if (x === null) next.delete(k);
        else next.set(k, x);
        v = next;
      };
      // The test of the flag a release said itself in: released on the edge where it is 0.
      const taken = edgeInto(callee.cfg, trace, node);
      if (typeof h === 'string' && taken && (taken.kind === 'true' || taken.kind === 'false')) {
        const zeroOn = flagTestEdge(taken.from, h);
        if (zeroOn !== null) {
          const released = taken.kind === zeroOn;
          set(h, released ? 0 : 1);
          h = released ? 0 : 1;
        }
      }
      const here = ops.get(node.id) ?? [];
      for (const op of here) {
        if (op === 1 ? h !== 0 : h !== 1) bad = true;
        if (typeof op === 'string') set(op, null);
        h = op === 1 ? 1 : op === -1 ? 0 : op;
      }
      for (const ev of node.events) {
        // The release's own call may write the flag it is handed: what it says is the pending state.
        if (ev.k !== 'def' || !keys.has(ev.key) || here.includes(ev.key)) continue;
        // A flag set before its test said which way the release went: not followed.
        if (h === ev.key) bad = true;
        set(ev.key, flagValue(ev.value));
      }
      return bad ? null : { h, v };
    },
    exit(s) {
      if (flag !== null && s.h === flag) exits.add('flag');
      else if (s.h === 1 && (flag === null || s.v.get(flag) !== 0)) exits.add('held');
      else if (s.h === 0 && flag !== null && s.v.get(flag) === 0) exits.add('released');
      else bad = true;
    },
  });
  if (bad || !result.complete || exits.size === 0) return null;
  if (exits.size === 1 && exits.has('held')) return { k: 'keeps' };
  return flag !== null ? { k: 'flag' } : null;
}

/** The edge of a test of flag `k` at `node` along which the flag is 0, or null when `node` does not test it. */
export function flagTestEdge(node: CfgNode, k: string): 'true' | 'false' | null {
  return node.expr && (node.kind === 'branch' || node.kind === 'loop') ? zeroEdge(node.expr, (x) => pathKey(x) === k) : null;
}

/** Whether a path that knows the flags' values `v` can take `edge` out of `node` (a test of one of them). */
export function followsFlags(v: ReadonlyMap<string, 0 | 1>, node: CfgNode, edge: CfgEdge): boolean {
  if (edge.kind !== 'true' && edge.kind !== 'false') return true;
  for (const [k, x] of v) {
    const zeroOn = flagTestEdge(node, k);
    if (zeroOn !== null && (x === 0) !== (edge.kind === zeroOn)) return false;
  }
  return true;
}

/** The value a store gives a flag: 0 for `0` or `false`, 1 for `1` or `true`, null for anything else. */
export function flagValue(value: Expr | null): 0 | 1 | null {
  const x = value ? uncast(value) : null;
  const text = x && (x.k === 'lit' || x.k === 'ident') ? (x.k === 'lit' ? x.text.trim() : x.name) : null;
  return text === '0' || text === 'false' ? 0 : text === '1' || text === 'true' ? 1 : null;
}

/**
 * Why taking the mmap lock again deadlocks, for the mode it is held in and the mode asked for
 * (sweep AJ: one sentence for both cases left the reader to pick): a write lock held, or asked
 * for, waits at once; two read locks only once a writer queues between them.
 */
export function deadlockSentence(heldWrite: boolean, takesWrite: boolean): string {
  if (heldWrite) return 'It is held for writing, and an rwsem is not recursive: this deadlocks at once.';
  if (takesWrite) return 'It is held for reading, and a write lock waits until every reader has left, this task included: this deadlocks at once.';
  return 'Both are read locks: an rwsem lets the second in, until a writer queues between the two; then the second waits for the writer, the writer for the first, and the task deadlocks.';
}
