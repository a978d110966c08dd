/**
 * A call and its callee agree on who holds the mmap lock.
 *
 * Two halves, both about a lock crossing a call:
 *
 * - **Helpers that move the lock and say so in their result** (the catalog's §4 table, as data
 *   in `MMAP_LOCK_TRANSFERS`): after `expand_stack()` returned NULL, `userfaultfd_remove()`
 *   returned false or `handle_mm_fault()` returned `VM_FAULT_RETRY`/`VM_FAULT_COMPLETED`, the
 *   caller no longer holds the lock; after `lock_mm_and_find_vma()` returned NULL it never did.
 *   An unlock on such a path releases a lock nobody holds. The other rules stop judging the lock
 *   at these calls; this one follows the result into the branch that tests it.
 * - **Contracts between a function and its callers in the same file**: a function that takes
 *   the lock itself (entered unlocked) called where the caller holds it deadlocks; one that
 *   releases a lock it did not take (entered locked) called where the caller has released it
 *   underflows the rwsem. This is the stable-backport bug B12: `migrate_to_node()` locks for
 *   itself in 6.12 and is entered locked in 6.1, and copying one shape into the other tree breaks
 *   its caller. Reported on the callee (the function a patch changes), with the caller's lock
 *   and call as related lines.
 *
 * In a review, a third half compares the function with itself before the patch, whose callers
 * the patch may not have changed: a lock it no longer takes around a call that needs it, and an
 * unlock whose mode no longer matches the one the old body shows it is entered with.
 *
 * Only functions with one mm are judged (two names may be one mm, which widen cannot always
 * tell), and a contract is read only from a function with no lock flag (`int *locked`) and no
 * path that contradicts it.
 */
import { displayKey, type Expr } from '../analysis/ast.js';
import { acquisitionOf, pendingOf, settlePending, zeroEdge, type PendingAcquisition } from '../analysis/brackets.js';
import { reachableFrom, type CfgNode } from '../analysis/cfg.js';
import type { AnalyzedFunction } from '../analysis/file.js';
import { edgeInto, explore } from '../analysis/paths.js';
import { defineRule, type RuleContext } from './define-rule.js';
import { faultResults, releasedOn, setsRetryNowait } from './fault-result.js';
import { deadlockSentence, lockedObjects, lockEvents, lockFlags, lockNeed, mayLock, writtenMm, type LockEvent, type Mode } from './mmap-lock.js';
import { MMAP_LOCK_OPS, MMAP_LOCK_REQUIRED, MMAP_LOCK_TABLE_SAYS, MMAP_LOCK_TRANSFERS, MMAP_READ_LOCK, MMAP_WRITE_LOCK, VMA_TREE_ITERATORS, VMA_WRITE_LOCKING, type MmapLockTransfer } from './resources.js';

type Messages = 'unlockAfterRelease' | 'unlockNotTaken' | 'calledLocked' | 'calledUnlocked' | 'callsLocking' | 'callsReleasing' | 'lockRemoved' | 'modeChanged' | 'releaseAdded';

/** What the function knows of its one mm's lock from transfer helpers on this path (`none`: nothing). */
type Transfer =
  | { k: 'none' }
  /** Waiting for the branch that tests the helper's result. */
  | { k: 'pending'; at: number; helper: MmapLockTransfer; pending: PendingAcquisition }
  /** The helper's result says the lock is not held here; `branch` is the test that says so. */
  | { k: 'released'; at: number; helper: MmapLockTransfer; branch: number | null };

export default defineRule<Messages>({
  id: 'mmap-lock-callee-contract',
  meta: {
    summary: 'a call and its callee agree on who holds the mmap lock, including helpers that drop or take it',
    severity: 'error',
    confidence: 'medium',
    resources: [MMAP_READ_LOCK, MMAP_WRITE_LOCK],
    calls: MMAP_LOCK_TRANSFERS.map((t) => t.name),
    comparesPrevious: true,
  },
  messages: {
    unlockAfterRelease: {
      headline: '`{{call}}` releases the mmap lock that `{{helper}}` already released',
      explanation:
        '`{{helper}}` {{says}}, and on the path shown its result says it did: the caller no longer holds the lock when `{{call}}` runs. Releasing it again underflows the rwsem, which lockdep reports as "bad unlock balance" and which can let a writer in while readers still run.',
      fix: 'Do not unlock on the path where `{{helper}}` reports that it released the lock; leave through a label after the unlock.',
    },
    unlockNotTaken: {
      headline: '`{{call}}` releases the mmap lock that `{{helper}}` did not take',
      explanation:
        '`{{helper}}` {{says}}; on the path shown its result says it failed, so the lock is not held when `{{call}}` runs. Releasing it underflows the rwsem ("bad unlock balance" under lockdep).',
      fix: 'On the failure path of `{{helper}}`, return without unlocking (the x86 fault handler calls `bad_area_nosemaphore()` there).',
    },
    calledLocked: {
      headline: '`{{mm}}`\'s mmap lock is taken here, but its caller `{{caller}}` holds it',
      explanation:
        '`{{callee}}` is entered without the mmap lock and takes it itself (`{{lock}}`), while its caller `{{caller}}` already holds the lock at the call. {{deadlock}}{{backport}}',
      fix: 'Keep the lock in one place: either `{{caller}}` releases it before the call, or `{{callee}}` stops taking it and documents that it is called with the lock held (`mmap_assert_locked()`).',
    },
    calledUnlocked: {
      headline: '`{{mm}}`\'s mmap lock is released here, but its caller `{{caller}}` released it',
      brief: 'released here, the mmap lock was already released by `{{caller}}`',
      explanation:
        '`{{callee}}` releases a lock it did not take (`{{unlock}}`): it expects to be entered with the lock held. Its caller `{{caller}}` has already released the lock at the call, so the release underflows the rwsem ("bad unlock balance" under lockdep).',
      fix: 'Call `{{callee}}` with the lock held, or move the unlock out of `{{callee}}` into the callers that hold the lock.',
    },
    callsLocking: {
      headline: '`{{callee}}` takes `{{mm}}`\'s mmap lock, which is already held at this call',
      brief: '`{{callee}}` takes the mmap lock, which is already held here',
      explanation:
        '`{{callee}}` is entered without the mmap lock and takes it itself (`{{lock}}`), and this call is made with the lock already held. {{deadlock}}{{backport}}',
      fix: 'Release the lock before calling `{{callee}}`, or change `{{callee}}` to expect the lock held (and assert it with `mmap_assert_locked()`).',
    },
    callsReleasing: {
      headline: '`{{callee}}` releases `{{mm}}`\'s mmap lock, which is already released at this call',
      brief: '`{{callee}}` releases the mmap lock, which is already released here',
      explanation:
        '`{{callee}}` releases a lock it did not take (`{{unlock}}`): it expects to be entered with the lock held. This call is made after the lock was already released, so the release underflows the rwsem ("bad unlock balance" under lockdep).',
      fix: 'Call `{{callee}}` before releasing the lock, or move the unlock out of `{{callee}}`.',
    },
    lockRemoved: {
      headline: '`{{call}}` needs the mmap lock of `{{mm}}`, which this function no longer takes',
      brief: '`{{call}}` needs the mmap lock, which this function no longer takes',
      explanation:
        '`{{call}}` {{why}}. Before this patch `{{fn}}` took the mmap lock of `{{mm}}` itself around this call; now it takes no mmap lock at all, and no caller in this file holds one at the call. Unless every caller now takes the lock, the call runs unlocked: the VMAs and page tables it reads can be changed and freed under it by a concurrent munmap() or mremap().',
      fix: 'Keep the lock around the call (`{{lock}}` before it, the matching unlock after), or take it in every caller and assert it here with `mmap_assert_locked()`.',
    },
    modeChanged: {
      headline: '`{{call}}` is a {{mode}} unlock, but this function is entered holding the lock for {{entry}}',
      brief: '`{{call}}` is a {{mode}} unlock, but the lock is held for {{entry}}',
      explanation:
        'Before this patch `{{fn}}` {{before}}: it is entered with the mmap lock of `{{mm}}` held for {{entry}}, and its callers hold it that way at the call. On the path shown nothing changes the mode any more, so `{{call}}` releases a lock held for {{entry}} with the {{mode}} unlock: the rwsem\'s count goes wrong (lockdep reports "bad unlock balance"), and other tasks may take the lock while it is still held.',
      fix: 'Release with `{{right}}`, the unlock of the mode the callers hold the lock in{{orKeep}}.',
    },
    releaseAdded: {
      headline: '`{{call}}` releases the mmap lock that `{{caller}}` holds across this call',
      explanation:
        'Before this patch `{{fn}}` left the mmap lock of `{{mm}}` alone: it runs under its callers\' lock. `{{caller}}` still takes the lock before the call and releases it itself afterwards, so on the path shown the lock is released twice, here and in `{{caller}}`: the rwsem underflows (lockdep: "bad unlock balance"), and a writer may get in while readers still run. This is how a stable backport broke 6.1\'s `migrate_to_node()`, fixed by d77401968c78 ("mm/mempolicy: fix wrong mmap_read_unlock() in migrate_to_node()"): the unlock was copied from 6.12, where the function takes the lock itself.',
      fix: 'Leave the lock to the callers as before (in a backport, keep the target tree\'s contract rather than the newer one\'s unlock), or change `{{caller}}` not to release the lock after the call on this path.',
    },
  },
  check(fn, ctx) {
    checkTransfers(fn, ctx);
    checkCallers(fn, ctx);
    checkCallees(fn, ctx);
    checkAgainstPrevious(fn, ctx);
  },
});

const TRANSFER_BY_NAME = new Map(MMAP_LOCK_TRANSFERS.map((t) => [t.name, t]));

/** `FAULT_FLAG_*` names an expression mentions. */
function mentionsFlag(e: Expr | undefined, name: string, fn: AnalyzedFunction): boolean {
  return e !== undefined && fn.text(e).includes(name);
}

/** The half about helpers whose result says where the lock is. */
function checkTransfers(fn: AnalyzedFunction, ctx: RuleContext<Messages>): void {
  const calls = new Map<number, MmapLockTransfer>();
  for (const node of fn.cfg.nodes) {
    for (const ev of node.events) {
      const t = ev.k === 'call' && ev.name !== null ? TRANSFER_BY_NAME.get(ev.name) : undefined;
      if (!t || ev.k !== 'call') continue;
      // With FAULT_FLAG_VMA_LOCK the fault handler drops the per-VMA lock, not the mmap lock;
      // with FAULT_FLAG_RETRY_NOWAIT it keeps the mmap lock on VM_FAULT_RETRY. A function that
      // sets the latter builds its flags at run time: not judged.
      if (t.when === 'fault' && (mentionsFlag(ev.call.args[2], 'FAULT_FLAG_VMA_LOCK', fn) || setsRetryNowait(fn, ev.call))) continue;
      calls.set(node.id, t);
    }
  }
  if (calls.size === 0) return;
  const events = lockEvents(fn, ctx.summaries);
  if (lockedObjects(events).size > 1) return;
  const faults = new Map([...faultResults(fn)].filter(([, at]) => calls.get(at)?.when === 'fault'));
  const reported = new Set<number>();

  const NONE: Transfer = { k: 'none' };
  const result = explore<Transfer>(fn.cfg, fn.facts, {
    initial: NONE,
    key: (s) => (s.k === 'none' ? '' : `${s.k}${s.at}${s.k === 'pending' ? JSON.stringify(s.pending) : ''}`),
    step(s, node, trace) {
      let cur = s;
      const taken = edgeInto(fn.cfg, trace, node);
      if (cur.k === 'pending') {
        const settled = settlePending(cur.pending, node, taken);
        const says = cur.helper.effect === 'releases' ? 'acquired' : 'failed';
        if (settled === says) cur = { k: 'released', at: cur.at, helper: cur.helper, branch: taken?.from.id ?? null };
        else if (settled === 'acquired' || settled === 'failed' || settled === 'forgotten') cur = NONE;
        else if (settled !== null) cur = { ...cur, pending: settled };
      }
      if (taken && (taken.kind === 'true' || taken.kind === 'false')) {
        // The fault handler returns VM_FAULT_RETRY only when the caller allowed it
        // (FAULT_FLAG_ALLOW_RETRY, include/linux/mm_types.h): the path on which the flag is
        // clear after a retry (`(fault & VM_FAULT_RETRY) && (flags & FAULT_FLAG_ALLOW_RETRY)`
        // false) cannot happen.
        if (cur.k === 'released' && cur.helper.when === 'fault' && taken.from.expr && zeroEdge(taken.from.expr, (e) => fn.text(e).includes('FAULT_FLAG_ALLOW_RETRY')) === taken.kind) return null;
        const fault = releasedOn(taken.from, faults, true);
        if (fault) cur = fault.edge === taken.kind ? { k: 'released', at: fault.node, helper: calls.get(fault.node)!, branch: taken.from.id } : cur.k !== 'none' && cur.at === fault.node ? NONE : cur;
      }
      for (const e of events.get(node.id) ?? []) {
        if (e.op === 'unknown' && e.event.via !== null && calls.get(node.id)?.name === e.event.via) continue;
        if (cur.k === 'released' && (e.op === 'unlock' || e.op === 'downgrade') && !reported.has(node.id)) {
          reported.add(node.id);
          const released = cur.helper.effect === 'releases';
          ctx.report({
            messageId: released ? 'unlockAfterRelease' : 'unlockNotTaken',
            data: { call: `${e.event.via ?? e.event.call.name}()`, helper: `${cur.helper.name}()`, says: cur.helper.says },
            at: node,
            related: [
              { at: fn.cfg.nodes[cur.at]!, message: released ? `\`${cur.helper.name}()\` can release the lock here` : `\`${cur.helper.name}()\` may fail to take the lock here` },
              ...(cur.branch !== null ? [{ at: fn.cfg.nodes[cur.branch]!, message: released ? 'the result says the lock was released' : 'the result says the lock was not taken' }] : []),
            ],
          });
        }
        // Any lock operation of the function's own starts a new story.
        cur = NONE;
      }
      const t = calls.get(node.id);
      if (t && t.when !== 'fault') {
        const call = node.events.find((ev) => ev.k === 'call' && ev.name === t.name);
        const pending = call && call.k === 'call' ? pendingOf(node, acquisitionOf(node, call.call, t.when)) : null;
        cur = pending ? { k: 'pending', at: node.id, helper: t, pending } : NONE;
      } else if (t) {
        cur = NONE;
      }
      return cur;
    },
    exit() {},
  });
  if (!result.complete) ctx.incomplete('what the mmap lock helpers returned');
}

/** A function's own contract on its one mm, read from its body: what it expects at entry. */
interface Contract {
  object: string;
  /** Takes the lock on a path where it had not touched it: entered unlocked. */
  locks: { node: CfgNode; call: string } | null;
  /** Releases the lock on a path where it had not taken it: entered locked. */
  releases: { node: CfgNode; call: string } | null;
}

/** Contracts per function and summaries: read by the function's own check and by each caller's. */
const contracts = new WeakMap<object, WeakMap<AnalyzedFunction, Contract | null>>();

function contractOf(fn: AnalyzedFunction, ctx: RuleContext<Messages>): Contract | null {
  let perFn = contracts.get(ctx.summaries);
  if (!perFn) contracts.set(ctx.summaries, (perFn = new WeakMap()));
  if (!perFn.has(fn)) perFn.set(fn, readContract(fn, ctx));
  return perFn.get(fn)!;
}

function readContract(fn: AnalyzedFunction, ctx: RuleContext<Messages>): Contract | null {
  const events = lockEvents(fn, ctx.summaries);
  const objects = lockedObjects(events);
  // A lock flag (`int *locked`, `bool mmap_locked`) makes the contract a run-time question. The
  // flags `lockFlags()` finds include every 0/1 variable a branch tests (`int err = 0; ...
  // if (err)`); only those named for a lock count here.
  if (objects.size !== 1 || [...lockFlags(fn)].some((k) => /lock/i.test(displayKey(k)))) return null;
  const object = [...objects][0]!;
  // Only an mm the caller hands in (a parameter, or reached from one) has a contract with it.
  if (!object.includes('@param')) return null;
  let locks: Contract['locks'] = null;
  let releases: Contract['releases'] = null;
  let unknown = false;
  const result = explore<'entry' | 'touched'>(fn.cfg, fn.facts, {
    initial: 'entry',
    key: (s) => s,
    step(s, node) {
      for (const e of events.get(node.id) ?? []) {
        if (s !== 'entry') break;
        if (e.op === 'unknown') unknown = true;
        else if (e.op === 'lock') locks ??= { node, call: `${e.event.via ?? e.event.call.name}()` };
        else releases ??= { node, call: `${e.event.via ?? e.event.call.name}()` };
        s = 'touched';
      }
      return s;
    },
    exit() {},
  });
  // Both shapes from entry (or a helper whose effect is unknown first) is no contract widen can read.
  if (!result.complete || unknown || (locks !== null) === (releases !== null)) return null;
  return { object, locks, releases };
}

/** Per mm of the caller: as entered, known unlocked, held (taken here), or not judged. */
type CallerState = 'entry' | 'none' | 'held' | 'unknown';

/** A call of a function with a contract made in the state the contract forbids. */
interface Mismatch {
  kind: 'calledLocked' | 'calledUnlocked';
  call: CfgNode;
  /** Where the caller took (or released) the lock. */
  state: CfgNode;
}

/**
 * The calls `caller` makes to `callee` in a state `contract` forbids: with the lock held (taken
 * by the caller) when the callee takes it, or after the caller released it when the callee
 * releases it. Null when the caller's paths are too many to follow.
 */
function mismatches(caller: AnalyzedFunction, callee: string, contract: Contract, ctx: RuleContext<Messages>): Mismatch[] | null {
  // Both sides ask (the callee's check of its callers, each caller's check of its callees): one walk per pair.
  let perSummaries = mismatchMemo.get(ctx.summaries);
  if (!perSummaries) mismatchMemo.set(ctx.summaries, (perSummaries = new WeakMap()));
  let perCaller = perSummaries.get(caller);
  if (!perCaller) perSummaries.set(caller, (perCaller = new Map()));
  if (!perCaller.has(callee)) perCaller.set(callee, walkCalls(caller, callee, contract, ctx));
  return perCaller.get(callee)!;
}

const mismatchMemo = new WeakMap<object, WeakMap<AnalyzedFunction, Map<string, Mismatch[] | null>>>();

function walkCalls(caller: AnalyzedFunction, callee: string, contract: Contract, ctx: RuleContext<Messages>): Mismatch[] | null {
  const events = lockEvents(caller, ctx.summaries);
  if (lockedObjects(events).size !== 1) return [];
  const out = new Map<number, Mismatch>();
  const result = explore<{ s: CallerState; at: number; pending: PendingAcquisition | null }>(caller.cfg, caller.facts, {
    initial: { s: 'entry', at: -1, pending: null },
    key: (s) => `${s.s}${s.at}${s.pending ? JSON.stringify(s.pending) : ''}`,
    step(st, node, trace) {
      let cur = st;
      if (cur.pending) {
        const settled = settlePending(cur.pending, node, edgeInto(caller.cfg, trace, node));
        if (settled === 'acquired') cur = { ...cur, pending: null };
        else if (settled === 'failed') cur = { s: 'none', at: -1, pending: null };
        else if (settled === 'forgotten') cur = { s: 'unknown', at: -1, pending: null };
        else if (settled !== null) cur = { ...cur, pending: settled };
      }
      if (!cur.pending && !out.has(node.id) && node.events.some((ev) => ev.k === 'call' && ev.name === callee)) {
        if (contract.locks && cur.s === 'held') out.set(node.id, { kind: 'calledLocked', call: node, state: caller.cfg.nodes[cur.at]! });
        else if (contract.releases && cur.s === 'none' && cur.at >= 0) out.set(node.id, { kind: 'calledUnlocked', call: node, state: caller.cfg.nodes[cur.at]! });
      }
      for (const e of events.get(node.id) ?? []) {
        if (cur.s === 'unknown') break;
        // What the callee does to the lock is its contract; the caller is not judged after it.
        if (e.event.via === callee || e.op === 'unknown') cur = { s: 'unknown', at: -1, pending: null };
        else if (e.op === 'lock') cur = { s: 'held', at: node.id, pending: pendingOf(node, e.event.acquisition) };
        else if (e.op === 'downgrade') cur = { s: 'held', at: cur.at >= 0 ? cur.at : node.id, pending: null };
        else cur = { s: 'none', at: node.id, pending: null };
      }
      return cur;
    },
    exit() {},
  });
  return result.complete ? [...out.values()] : null;
}

/**
 * The two sides of one mismatch are both reported, each in its own function: a review sees the
 * side its patch changed (the callee that started taking the lock, or the caller that started
 * holding it around the call), and each finding points at the other side.
 */
function checkCallers(fn: AnalyzedFunction, ctx: RuleContext<Messages>): void {
  // `SYSCALL_DEFINE1(frob, ...)` defines `sys_frob()`: a call of `frob()` is another function.
  if (fn.file.definesSyscall(fn.span)) return;
  const contract = contractOf(fn, ctx);
  if (!contract) return;
  const file = fn.file;
  for (const span of file.functionsMentioning(fn.name)) {
    // A caller that cannot touch the lock itself cannot break the contract: not parsed. Another
    // definition of the same name (an `#ifdef` alternative) names it in its header and calls
    // none of its alternatives: thousands of them made this loop quadratic (sweep AI).
    if (span === fn.span || span.name === fn.name || !mayLock(file, span, ctx.summaries)) continue;
    const caller = file.analyze(span);
    if (!caller) continue;
    const found = mismatches(caller, fn.name, contract, ctx);
    if (found === null) {
      ctx.incomplete(`the mmap lock at the calls of \`${fn.name}()\` in \`${span.name}()\``);
      continue;
    }
    for (const m of found) {
      const own = m.kind === 'calledLocked' ? contract.locks! : contract.releases!;
      ctx.report({
        messageId: m.kind,
        data: { callee: `${fn.name}()`, caller: `${caller.name}()`, mm: displayKey(contract.object), lock: own.call, unlock: own.call, ...lockAgain(caller, fn.name, m.state, own.call) },
        at: own.node,
        related: [
          { at: m.state, message: m.kind === 'calledLocked' ? `\`${caller.name}()\` takes the lock here` : `\`${caller.name}()\` releases the lock here`, order: 'before' },
          { at: m.call, message: m.kind === 'calledLocked' ? `and calls \`${fn.name}()\` with it held` : `and calls \`${fn.name}()\` without it`, order: 'before' },
        ],
      });
    }
  }
}

/** The caller's side: its calls of same-file functions whose contract it breaks. */
function checkCallees(fn: AnalyzedFunction, ctx: RuleContext<Messages>): void {
  const file = fn.file;
  // The same-file functions this one names, in file order (as the walk over the file gave them).
  // Not its own name: the other definitions of it are `#ifdef` alternatives, which it does not
  // call (sweep AI: 4,256 of them made this quadratic, 19 s for 0.4 MB).
  const named = [...file.identifiersOf(fn.span)].flatMap((id) => (id === fn.name ? [] : file.calleeDefinitionsOf(id))).sort((a, b) => a.start - b.start);
  for (const span of named) {
    // A callee that cannot touch the lock has no contract: not parsed.
    if (span === fn.span || !mayLock(file, span, ctx.summaries)) continue;
    const callee = file.analyze(span);
    const contract = callee ? contractOf(callee, ctx) : null;
    if (!callee || !contract) continue;
    for (const m of mismatches(fn, callee.name, contract, ctx) ?? []) {
      const own = m.kind === 'calledLocked' ? contract.locks! : contract.releases!;
      ctx.report({
        messageId: m.kind === 'calledLocked' ? 'callsLocking' : 'callsReleasing',
        data: { callee: `${callee.name}()`, caller: `${fn.name}()`, mm: displayKey(contract.object), lock: own.call, unlock: own.call, ...lockAgain(fn, callee.name, m.state, own.call) },
        at: m.call,
        related: [
          { at: m.state, message: m.kind === 'calledLocked' ? 'the lock is taken here' : 'the lock is released here', order: 'before' },
          { at: own.node, message: m.kind === 'calledLocked' ? `\`${callee.name}()\` takes it again here` : `\`${callee.name}()\` releases it again here`, order: 'after' },
        ],
      });
    }
  }
}

/**
 * The half of a review: the function against itself before the patch (`ctx.previous`). Its
 * callers may be in other files, and a patch to one function rarely changes them; what the old
 * body shows about the lock at entry (taken here, or held for writing) still holds for the new
 * one.
 */
function checkAgainstPrevious(fn: AnalyzedFunction, ctx: RuleContext<Messages>): void {
  const before = ctx.previous;
  if (!before) return;
  const then = lockEvents(before, ctx.summaries);
  const thenObjects = lockedObjects(then);
  if (thenObjects.size === 0) {
    // "Left alone" needs an old body with no lock event at all, and no call of the table's lock
    // helpers either: those may have released the lock with no argument to name its mm (6.1's
    // powerpc `bad_access()` called `__bad_area(regs, address, SEGV_ACCERR)`, which releases
    // `current->mm`'s; 6.12 hands it `mm`), and then give no event.
    const calledThen = before.file.identifiersOf(before.span);
    // The function's own name is among the span's identifiers (6.1's `migrate_to_node()`, B12, is a helper of the table itself).
    const tableHelper = [...MMAP_LOCK_TABLE_SAYS.keys()].some((name) => name !== before.name && calledThen.has(name));
    if (!tableHelper && [...then.values()].every((list) => list.length === 0)) releaseAdded(fn, before, ctx);
    return;
  }
  if (thenObjects.size !== 1) return;
  const mm = [...thenObjects][0]!;
  const now = lockEvents(fn, ctx.summaries);
  if (lockedObjects(now).size === 0) lockRemoved(fn, before, then, ctx);
  else modeChanged(fn, before, mm, then, now, ctx);
}

/** Per-VMA locking and asserts: a function that names them chose how it is protected. */
const OWN_PROTECTION = [...MMAP_LOCK_OPS.filter((o) => o.op === 'assert').map((o) => o.name), ...VMA_WRITE_LOCKING.perVmaApi];

/** The kernel helpers that may take or drop the lock for their caller, but the ones that need it held first. */
const LOCKING_HELPERS = [...MMAP_LOCK_TABLE_SAYS.keys()].filter((n) => !MMAP_LOCK_REQUIRED.has(n));

/**
 * `lockRemoved`: the function took the lock of `mm` around calls that need it, and takes no
 * mmap lock now (sweep F: `hmm_range_fault()` in umem_odp, `__damon_va_three_regions()` in
 * DAMON). Not judged when it now asserts the lock or uses per-VMA locks (the patch says how it
 * is protected), when it now calls a function that may take the lock, or when a caller in the
 * file holds the lock at the call (the lock moved there).
 */
function lockRemoved(fn: AnalyzedFunction, before: AnalyzedFunction, then: ReadonlyMap<number, readonly LockEvent[]>, ctx: RuleContext<Messages>): void {
  const ids = fn.file.identifiersOf(fn.span);
  if (OWN_PROTECTION.some((n) => ids.has(n))) return;
  // Nor when the patch brings in a call that may take the lock for it (`lock_mm_and_find_vma()`,
  // or a helper of the tree that locks): the lock may have moved there.
  const had = before.file.identifiersOf(before.span);
  for (const id of ids) {
    if (had.has(id)) continue;
    if (LOCKING_HELPERS.includes(id) || ctx.summaries.definitions(id, fn.file).some((d) => mayLock(d.file, d.span, ctx.summaries))) return;
  }
  // The calls (and VMA tree loops) the old body made with the lock held, by name, with the lock call and its mm as written.
  type Held = { lock: string; mm: string };
  const held = new Map<string, Held>();
  const result = explore<{ held: Held | null }>(before.cfg, before.facts, {
    initial: { held: null },
    key: (s) => (s.held ? `${s.held.lock}|${s.held.mm}` : ''),
    step(s, node) {
      let cur = s.held;
      if (cur !== null) {
        if (node.kind === 'loop' && node.macro !== null && VMA_TREE_ITERATORS.has(node.macro.name)) held.set(node.macro.name, cur);
        for (const ev of node.events) if (ev.k === 'call' && ev.name !== null) held.set(ev.name, cur);
      }
      for (const e of then.get(node.id) ?? []) {
        if (e.op === 'lock') cur = { lock: `${e.event.via ?? e.event.call.name}()`, mm: writtenMm(e) };
        else if (e.op === 'unlock') cur = null;
      }
      return { held: cur };
    },
    exit() {},
  });
  if (!result.complete || held.size === 0) return;
  if (callersHold(fn, ctx).length > 0) return;
  const reported = new Set<string>();
  for (const node of fn.cfg.nodes) {
    const names = [
      ...(node.kind === 'loop' && node.macro !== null && VMA_TREE_ITERATORS.has(node.macro.name) ? [node.macro.name] : []),
      ...node.events.flatMap((ev) => (ev.k === 'call' && ev.name !== null ? [ev.name] : [])),
    ];
    for (const name of names) {
      const prior = held.get(name);
      if (prior === undefined || reported.has(name)) continue;
      const need = lockNeed(fn.file, name, ctx.summaries);
      if (!need) continue;
      reported.add(name);
      ctx.report({
        messageId: 'lockRemoved',
        data: { call: `${name}()`, why: need.why, fn: `${fn.name}()`, mm: prior.mm, lock: prior.lock },
        at: node,
        // The callee's own line, when it is in this file.
        related: need.at && need.at.fn.file === fn.file ? [{ at: need.at.node, message: `\`${need.at.fn.name}()\` needs the lock here`, order: 'after' }] : [],
      });
    }
  }
}

/**
 * `modeChanged`: the old body shows the mode the function is entered with (it downgraded or
 * released the lock before taking it: write for a downgrade or a write unlock, read for a read
 * unlock), and the new one releases it first in the other mode (sweep F: the downgrade deleted
 * from `vms_complete_munmap_vmas()`, whose read unlock then releases the caller's write lock).
 * Not judged when a caller in the file takes the lock, in the new unlock's mode, around the call.
 */
function modeChanged(fn: AnalyzedFunction, before: AnalyzedFunction, mm: string, then: ReadonlyMap<number, readonly LockEvent[]>, now: ReadonlyMap<number, readonly LockEvent[]>, ctx: RuleContext<Messages>): void {
  const old = firstOps(before, then, displayKey(mm));
  if (old === null || old.length === 0 || old.some((e) => e.op === 'lock' || e.op === 'unknown')) return;
  const entries = new Set<Mode>(old.map((e) => (e.op === 'downgrade' ? 'write' : e.mode)));
  if (entries.size !== 1) return;
  const entry = [...entries][0]!;
  const fresh = firstOps(fn, now, displayKey(mm));
  if (fresh === null || fresh.some((e) => e.op === 'lock' || e.op === 'unknown')) return;
  const wrong = fresh.filter((e) => e.op === 'unlock' && e.mode !== entry);
  if (wrong.length === 0) return;
  if (callersHold(fn, ctx).some((m) => (lockEvents(m.caller, ctx.summaries).get(m.state.id) ?? []).some((e) => e.op === 'lock' && e.mode !== entry))) return;
  const downgrade = old.find((e) => e.op === 'downgrade');
  const beforeText = downgrade
    ? `downgraded the lock (\`${downgrade.event.call.name}()\`) before releasing it for reading`
    : `released the lock with \`${old[0]!.event.via ?? old[0]!.event.call.name}()\` without taking it`;
  const reported = new Set<number>();
  for (const e of wrong) {
    const node = e.node;
    if (reported.has(node.id)) continue;
    reported.add(node.id);
    const call = `${e.event.via ?? e.event.call.name}()`;
    const right = entry === 'write' ? 'mmap_write_unlock()' : 'mmap_read_unlock()';
    ctx.report({
      messageId: 'modeChanged',
      data: {
        call,
        mode: e.mode,
        entry: entry === 'write' ? 'writing' : 'reading',
        fn: `${fn.name}()`,
        mm: writtenMm(e),
        before: beforeText,
        right,
        orKeep: downgrade ? `, or keep \`${downgrade.event.call.name}()\` before \`${call}\`` : '',
      },
      at: node,
    });
  }
}

/**
 * `releaseAdded`: the function did nothing to the lock before the patch (it ran under its
 * callers'), and now releases it on a path before taking it, while a caller in the file holds
 * the lock at the call: that caller releases it again after the call (the catalog's B12, the
 * 6.1 `migrate_to_node()` given 6.12's `mmap_read_unlock()` on its `!vma` path).
 */
function releaseAdded(fn: AnalyzedFunction, before: AnalyzedFunction, ctx: RuleContext<Messages>): void {
  const now = lockEvents(fn, ctx.summaries);
  const objects = lockedObjects(now);
  if (objects.size !== 1) return;
  const mm = displayKey([...objects][0]!);
  // A path that starts by releasing is judged even when a helper on another path does
  // something widen cannot tell (6.1's migrate_to_node() calls migrate_pages()).
  const first = firstOps(fn, now, mm);
  if (first === null || first.some((e) => e.op === 'lock')) return;
  // A release through a helper the old body called as well was there before the patch, which
  // only changed how the helper is called: 6.12 hands x86's and powerpc's `__bad_area()` the mm
  // whose lock it releases, 6.1 let it release `current->mm`'s without naming it.
  const called = before.file.identifiersOf(before.span);
  const releases = first.filter((e) => e.op === 'unlock' && !(e.event.via !== null && called.has(e.event.via)));
  if (releases.length === 0) return;
  // The caller must release the lock itself after the call, or nothing is released twice (a
  // caller that ends with `return bad_access(regs, address, mm, vma)` hands the lock on).
  const holder = callersHold(fn, ctx).find((h) => releasesAfter(h.caller, h.calls, ctx));
  if (!holder) return;
  const call = holder.caller.cfg.nodes[[...holder.calls][0]!]!;
  const reported = new Set<number>();
  for (const e of releases) {
    const node = e.node;
    if (reported.has(node.id)) continue;
    reported.add(node.id);
    ctx.report({
      messageId: 'releaseAdded',
      data: { call: `${e.event.via ?? e.event.call.name}()`, caller: `${holder.caller.name}()`, fn: `${fn.name}()`, mm: writtenMm(e) },
      at: node,
      related: [
        { at: holder.state, message: `\`${holder.caller.name}()\` takes the lock here`, order: 'before' },
        { at: call, message: `and calls \`${fn.name}()\` with it held`, order: 'before' },
      ],
    });
  }
}

/** Whether `caller` (which locks one mm: {@link walkCalls}) can release its lock on a path after one of `calls`. */
function releasesAfter(caller: AnalyzedFunction, calls: ReadonlySet<number>, ctx: RuleContext<Messages>): boolean {
  const events = lockEvents(caller, ctx.summaries);
  const releases = (n: CfgNode): boolean => (events.get(n.id) ?? []).some((e) => e.op === 'unlock');
  return [...calls].some((id) => reachableFrom(caller.cfg, caller.cfg.nodes[id]!).nodes.some(releases));
}

/** A lock operation and where it is. */
type LockOpAt = LockEvent & { node: CfgNode };

/** The first lock operations on `mm` (by name) on each path from entry; null when there are too many paths. */
function firstOps(fn: AnalyzedFunction, events: ReadonlyMap<number, readonly LockEvent[]>, mm: string): LockOpAt[] | null {
  const out = new Map<LockEvent, LockOpAt>();
  const result = explore<'entry' | 'touched'>(fn.cfg, fn.facts, {
    initial: 'entry',
    key: (s) => s,
    step(s, node) {
      if (s !== 'entry') return s;
      const e = (events.get(node.id) ?? []).find((x) => x.op === 'unknown' || displayKey(x.object) === mm);
      if (!e) return s;
      out.set(e, { ...e, node });
      return 'touched';
    },
    exit() {},
  });
  return result.complete ? [...out.values()] : null;
}

/** The same-file callers of `fn` that hold the mmap lock at a call of it: where they took it, and the calls so made. */
function callersHold(fn: AnalyzedFunction, ctx: RuleContext<Messages>): Array<{ caller: AnalyzedFunction; state: CfgNode; calls: ReadonlySet<number> }> {
  const out: Array<{ caller: AnalyzedFunction; state: CfgNode; calls: ReadonlySet<number> }> = [];
  const takes: Contract = { object: '', locks: { node: fn.cfg.nodes[0]!, call: '' }, releases: null };
  for (const span of fn.file.functionsMentioning(fn.name)) {
    if (span === fn.span || !mayLock(fn.file, span, ctx.summaries)) continue;
    const caller = fn.file.analyze(span);
    if (!caller) continue;
    const found = walkCalls(caller, fn.name, takes, ctx) ?? [];
    if (found.length > 0) out.push({ caller, state: found[0]!.state, calls: new Set(found.map((m) => m.call.id)) });
  }
  return out;
}

/**
 * What a lock taken twice across a call says: why it deadlocks, for the modes of the caller's
 * lock (at `state`) and the callee's (`lock`), and the backport example, unless the finding is
 * in that very function (sweep AJ: `migrate_to_node()` named as the example in its own finding).
 */
function lockAgain(caller: AnalyzedFunction, callee: string, state: CfgNode, lock: string): { deadlock: string; backport: string } {
  const heldWrite = state.events.some((e) => e.k === 'call' && e.name !== null && /write/.test(e.name));
  const example = ' A caller that holds the lock around a function that takes it itself is the stable-backport shape of `migrate_to_node()` (caller-locked in 6.1, self-locking in 6.12).';
  return { deadlock: deadlockSentence(heldWrite, /write/.test(lock)), backport: caller.name === 'migrate_to_node' || callee === 'migrate_to_node' ? '' : example };
}
