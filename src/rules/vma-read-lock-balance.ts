/**
 * A VMA that `lock_vma_under_rcu()` returned read-locked is released exactly once on every path
 * (`vma_end_read()`, `release_fault_lock()`), and is not used after it was released or after
 * the lookup returned NULL.
 *
 * The object is the returned VMA, not an argument, so the rule tracks the variable the result is
 * stored in: untested (NULL or locked), NULL, held, released, or handed to `handle_mm_fault()`.
 * A fault handled under the VMA lock releases it when the result has VM_FAULT_RETRY or
 * VM_FAULT_COMPLETED; the rule follows the result through the tests the caller makes on it
 * (`if (!(fault & (VM_FAULT_RETRY | VM_FAULT_COMPLETED))) vma_end_read(vma);`), so each path
 * knows whether the handler released the lock, and a test it cannot read ends the judgement.
 *
 * Contracts, as the callers in 6.12 show them: a function that returns the locked VMA
 * (`find_tcp_vma()`, `uffd_lock_vma()`) or stores it where its caller sees it (`*src_vmap`)
 * hands the lock on; a helper passed the VMA and a NULL mm (x86 `__bad_area()`, powerpc
 * `bad_access()`) releases it; any other callee handed the VMA whose body releases a VMA lock
 * ends the judgement on that path. A tree without `lock_vma_under_rcu()` (6.1) never triggers
 * the rule.
 */
import { displayKey, isNullConstant, pathKey, uncast, type Expr } from '../analysis/ast.js';
import { acquisitionOf, exitPoint, exitRoute, SummaryMemo, zeroEdge, type BracketSummaries } from '../analysis/brackets.js';
import type { CfgNode, Event } from '../analysis/cfg.js';
import type { AnalyzedFile, AnalyzedFunction } from '../analysis/file.js';
import { edgeInto, explore } from '../analysis/paths.js';
import { jumpsBack, routeLabels } from './balance.js';
import { bodyMentions } from './mmap-lock.js';
import { defineRule, unlessIn, type RuleContext } from './define-rule.js';
import { callsHelperThat } from './facts.js';
import { faultTest, type FaultBit } from './fault-result.js';
import { MMAP_LOCK_OPS, MMAP_LOCK_TRANSFERS, VMA_DEREF_HELPERS, VMA_READ_LOCK } from './resources.js';

/** What a fault handled under the VMA lock may have returned, as far as the lock is concerned. */
type Outcome = FaultBit | 'neither';

type VmaState =
  /** Just returned by the lookup, not yet tested: NULL (or, `error`, an `ERR_PTR()`) or locked. */
  | { k: 'untested'; at: number; error?: true; nullable?: true }
  /** `vma_start_read()` tried at branch `at`: read-locked on its `edge`, not on the other. */
  | { k: 'starting'; at: number; edge: 'true' | 'false' }
  | { k: 'null'; at: number }
  /** The lookup returned an `ERR_PTR()`: nothing is held, and `vma` is no VMA at all. */
  | { k: 'error'; at: number }
  | { k: 'held'; at: number }
  /** `by`: the node that released it (a release call, a helper, or the fault handler). */
  | { k: 'released'; at: number; by: number; how: string }
  /** Handed to `handle_mm_fault()`, whose result is in `result`; `outcomes` are still possible. */
  | { k: 'faulted'; at: number; by: number; result: string; outcomes: readonly Outcome[] }
  | { k: 'unknown' };

type State = ReadonlyMap<string, VmaState>;

const ACQUIRE = new Set<string>(VMA_READ_LOCK.acquire);
const ACQUIRE_OR_ERROR = new Set<string>(VMA_READ_LOCK.acquireOrError);
const ACQUIRERS = new Set<string>([...ACQUIRE, ...ACQUIRE_OR_ERROR]);
const RELEASE_NAMES: ReadonlySet<string> = new Set(['vma_end_read']);
const RELEASE_LIST: readonly string[] = [...RELEASE_NAMES];
/** Takes the read lock of the VMA it is handed, and says by its result whether it did (include/linux/mm.h). */
const START_READ = 'vma_start_read';
const RELEASE = new Map<string, (typeof VMA_READ_LOCK.releases)[number]>(VMA_READ_LOCK.releases.map((r) => [r.name, r]));
const NULL_MM_RELEASES = new Set<string>(VMA_READ_LOCK.releasedWithNullMm);
const ACQUIRE_CALL = `${VMA_READ_LOCK.acquire[0]}()`;
/** How each acquisition takes the VMA's `vm_lock` for reading, and where, for the leak's note. */
const ACQUIRED_WHERE: Readonly<Record<string, string>> = {
  lock_vma_under_rcu: ', mm/memory.c',
  uffd_lock_vma: ' by `lock_vma_under_rcu()` or under the mmap lock, mm/userfaultfd.c',
  [START_READ]: ' when it returns true, include/linux/mm.h',
};

type MessageId = 'startReadOutsideRcu' | 'boundsBeforeDetached' | 'leak' | 'overwritten' | 'doubleRelease' | 'releaseAfterFault' | 'useAfterRelease' | 'useAfterNull' | 'handedMm';

export default defineRule({
  id: 'vma-read-lock-balance',
  meta: {
    summary: 'a VMA read-locked by `lock_vma_under_rcu()` is released once on every path and not used after',
    severity: 'error',
    confidence: 'medium',
    resources: [],
    calls: [...VMA_READ_LOCK.acquire, ...VMA_READ_LOCK.acquireOrError, 'vma_start_read'],
    // A function that gets its locked VMA from a helper of its file (sweep AE: bpf's
    // `bpf_iter_task_vma_find_next()`, userfaultfd's `uffd_mfill_lock()`).
    triggeredVia: (file, span) => callsHelperThat(file, span, HELPER_DEPTH + 1, (d) => file.mentions(d, ACQUIRERS)),
  },
  messages: {
    startReadOutsideRcu: {
      headline: '`vma_start_read()` runs outside this function\'s RCU read-side section',
      explanation:
        '`vma_start_read()` is only safe under `rcu_read_lock()`: the VMA it is handed was found by a lockless walk of the maple tree and is freed through RCU, so only the RCU read-side section keeps it from being freed before its lock is tried (6.12 mm/memory.c `lock_vma_under_rcu()`, and upstream process_addrs.rst "VMA lock internals"). This function manages the RCU section itself, and on the path shown it {{state}}.',
      fix: 'Take the VMA read lock between `rcu_read_lock()` and `rcu_read_unlock()`{{model}}.',
    },
    boundsBeforeDetached: {
      headline: '`{{field}}` is read before `{{vma}}` is known not to be detached',
      explanation:
        "`vma_start_read()` succeeds on a VMA found by a lockless walk even when it was detached from the tree in the meantime, and a detached VMA's `vm_start` and `vm_end` share their storage with the `vm_rcu` head that frees it (include/linux/mm_types.h): what is read here may be RCU callback data, not the bounds. Test `{{vma}}->detached` first{{model}}: upstream fixed this very order in 107d21077790 (\"mm: fix (harmless) type confusion in lock_vma_under_rcu()\").",
      fix: 'Move the test of `{{vma}}->detached` above this read of `{{field}}`.',
    },
    leak: {
      headline: "`{{vma}}`'s VMA read lock from `{{acquire}}` is not released on every path",
      brief: "`{{vma}}`'s VMA read lock is not released on every path",
      explanation:
        '`{{acquire}}` leaves the VMA read-locked (its `vm_lock` rwsem taken for reading{{where}}). On the path shown the function leaves without `vma_end_read()` and without handing the VMA to its caller, so nothing will ever release it: every later `vma_start_write()` on this VMA (mprotect, munmap, mremap of the range, all under the mmap write lock) waits forever, and the whole address space stalls behind it.',
      fix: 'Call `vma_end_read({{vma}})` on this path too, or leave through the code that does.',
    },
    overwritten: {
      headline: "`{{vma}}`'s VMA read lock is never released: `{{vma}}` is overwritten while it is held",
      explanation:
        '`{{acquire}}` left this VMA read-locked, and on the path shown the function overwrites the only pointer to it without `vma_end_read()`. That lock can never be released: every later `vma_start_write()` on the VMA (mprotect, munmap, mremap of the range) waits forever{{consequence}}.',
      fix: 'Call `vma_end_read({{vma}})` on this path before {{before}}.',
    },
    doubleRelease: {
      headline: "`{{call}}` releases `{{vma}}`'s VMA read lock when it is not held",
      explanation:
        'On the path shown {{why}}. Releasing a VMA read lock that is not held underflows the VMA\'s `vm_lock` rwsem (or, on a NULL VMA or an error pointer, dereferences it), which lockdep reports as a bad unlock balance and which can let a writer modify the VMA while a reader still uses it.',
      fix: 'Release the VMA lock only where it is held: {{remedy}}',
    },
    releaseAfterFault: {
      headline: "`{{call}}` can release `{{vma}}`'s VMA lock after `handle_mm_fault()` released it",
      brief: "`{{call}}` can release a VMA lock `handle_mm_fault()` released",
      explanation:
        '`handle_mm_fault()` called with FAULT_FLAG_VMA_LOCK drops the VMA read lock itself when it returns VM_FAULT_RETRY or VM_FAULT_COMPLETED (mm/memory.c; include/linux/mm_types.h describes both bits). On the path shown the result was not tested for {{untested}} before `{{call}}`, so the lock is released twice when the fault returns that.',
      fix: 'Release only when the fault did not: `if (!(fault & (VM_FAULT_RETRY | VM_FAULT_COMPLETED))) vma_end_read(vma);`.',
    },
    useAfterRelease: {
      headline: '`{{vma}}` is used after its VMA read lock was released',
      explanation:
        'The VMA read lock is what keeps a VMA found by `lock_vma_under_rcu()` alive and unchanged: once {{how}} released it, a concurrent munmap or merge may free the VMA (it is freed after an RCU grace period, which this path is not inside either), so reading it is a use-after-free.',
      fix: 'Read what is needed from `{{vma}}` before the release, or keep the lock until the last use.',
    },
    handedMm: {
      headline: '`{{call}}` is handed `{{mm}}` on a path that holds only `{{vma}}`\'s VMA read lock',
      brief: '`{{call}}` is handed `{{mm}}` while only a VMA read lock is held',
      explanation:
        'The arch fault helpers release the lock their caller holds: handed a NULL mm they call `vma_end_read()` on the VMA (the per-VMA-lock path), handed an mm they call `mmap_read_unlock()` on it (the mmap-lock path). On the path shown the VMA came from `lock_vma_under_rcu()` and the mmap lock was never taken, so `{{call}}` releases an mmap lock nobody holds (an underflow of the rwsem) and leaves `{{vma}}` read-locked for ever: every later `vma_start_write()` on it waits, and with it the whole address space.',
      fix: 'Pass NULL for the mm on the per-VMA-lock path, as the code beside it does: `{{call}}` then releases the VMA lock.',
    },
    useAfterNull: {
      headline: '`{{vma}}` is dereferenced after `lock_vma_under_rcu()` returned NULL',
      explanation:
        '`lock_vma_under_rcu()` returns NULL when no VMA covers the address or when it could not take the VMA lock (the VMA is being modified, or detached). On the path shown that NULL is dereferenced: the caller must fall back to the mmap lock and look the VMA up again (`lock_mm_and_find_vma()`).',
      fix: 'Leave the fast path when the result is NULL (`if (!vma) goto lock_mmap;`) and look the VMA up again under the mmap lock.',
    },
  },
  check(fn, ctx) {
    checkStartReadUnderRcu(fn, ctx);
    checkDetachedFirst(fn, ctx);
    const reported = new Set<string>();
    const report = (key: string, r: Parameters<RuleContext<MessageId>['report']>[0]): void => {
      if (reported.has(key)) return;
      reported.add(key);
      ctx.report(r);
    };
    const node = (id: number): CfgNode => fn.cfg.nodes[id]!;
    /** A use of `key`'s VMA at `at` (in node `n`), after `v` released its lock: a dereference, or a helper handed it. */
    const usedAfterRelease = (n: CfgNode, key: string, v: VmaState & { k: 'released' }, at: Parameters<RuleContext<MessageId>['report']>[0]['at']): void =>
      report(`use|${n.id}|${key}`, {
        messageId: 'useAfterRelease',
        data: { vma: displayKey(key), how: v.how },
        at,
        related: [{ at: node(v.by), message: `${v.how} releases the VMA read lock here` }],
      });
    /** The nodes that release the VMA lock of `key` (a release call handed it), once per key. */
    const releasing = new Map<string, number[]>();
    const releaseNodes = (key: string): number[] => {
      let ids = releasing.get(key);
      if (!ids) {
        const handed = (a: Expr): boolean => pathKey(stripAddr(a)) === key || pathKey(stripAddr(a)) === key.replace(/->vma$/, '');
        releasing.set(key, (ids = fn.cfg.nodes.filter((n) => n.events.some((e) => e.k === 'call' && e.name !== null && RELEASE.has(e.name) && e.call.args.some(handed))).map((n) => n.id)));
      }
      return ids;
    };
    /** How a value read-locks the VMA it is: a lookup's result, or a helper's that returns one. */
    const kindOf = (e: Expr | null): Acquired => acquisitionKind(e) ?? helperAcquisition(fn, e, ctx.summaries);
    const acquireName = (n: CfgNode): string | null => acquireNameIn(fn, n, ctx.summaries);
    /** What read-locked the VMA a state started at, by name, with the label and message data for it. */
    const acquiredAt = (at: number): string => `${acquireName(node(at)) ?? VMA_READ_LOCK.acquire[0]}()`;
    const acquireData = (at: number): { acquire: string; where: string } => {
      const name = acquireName(node(at)) ?? VMA_READ_LOCK.acquire[0];
      return { acquire: `${name}()`, where: ACQUIRED_WHERE[name] ?? '' };
    };

    const result = explore<State>(fn.cfg, fn.facts, {
      initial: new Map(),
      key: (s) => [...s].map(([o, v]) => `${o}=${stateKey(v)}`).join(';'),
      step(s, n, trace) {
        const out = new Map(s);
        const taken = edgeInto(fn.cfg, trace, n);
        // The branch the path came through decides a NULL test or a fault test.
        if (taken && (taken.kind === 'true' || taken.kind === 'false') && taken.from.expr) {
          for (const [key, v] of out) out.set(key, v.k === 'starting' ? (taken.from.id !== v.at ? v : taken.kind === v.edge ? { k: 'held', at: v.at } : { k: 'unknown' }) : afterBranch(v, key, taken.from.expr, taken.kind));
        }
        for (const [key, v] of out) if (v.k === 'faulted' && readsAt(n, v.result) && !isFaultTest(n, v.result)) out.set(key, { k: 'unknown' });
        for (const u of n.flow) {
          if (u.k === 'use') {
            const key = [...out.keys()].find((k) => u.key === k || u.key.startsWith(`${k}->`));
            const v = key === undefined ? undefined : out.get(key);
            if (!v || key === undefined || !u.deref) continue;
            if (v.k === 'null') {
              report(`null|${n.id}|${key}`, {
                messageId: 'useAfterNull',
                data: { vma: displayKey(key) },
                at: u,
                // The finding is that it returned NULL: say that, not that it locked (sweep AJ).
                related: [{ at: node(v.at), message: `\`${acquiredAt(v.at)}\` can return NULL here` }, ...nullTest(fn, trace.nodes(), v.at)],
              });
            } else if (v.k === 'released' && !releasesAt(n, key)) usedAfterRelease(n, key, v, u);
            continue;
          }
          // A kernel helper that reads the VMA it is handed (sweep AL: arm64's `vma_pkey(vma)`
          // moved below `vma_end_read(vma)`).
          if (u.k === 'call' && u.name !== null && READS_HANDED.has(u.name)) {
            for (const arg of u.call.args) {
              const key = pathKey(arg);
              const v = key === null ? undefined : out.get(key);
              if (key !== null && v?.k === 'released' && !releasesAt(n, key)) usedAfterRelease(n, key, v, u.call);
            }
            continue;
          }
          if (u.k === 'def') {
            const prev = out.get(u.key);
            // The only pointer to a locked VMA overwritten (a retry that looks up again).
            // A parameter counts too: the lock it holds here is one this function took (sweep AE:
            // `mfill_atomic_hugetlb()` sets its `dst_vma` to NULL and retries, where the next pass
            // read-locks another VMA with `uffd_mfill_lock()`).
            if (prev && (prev.k === 'held' || prev.k === 'untested') && (u.how === 'assign' || u.how === 'init') && (ownedLocally(u.key) || isParameter(u.key))) {
              const before = trace.nodes().slice(0, -1);
              const route = exitRoute(fn, { nodes: () => before, previous: () => before[before.length - 2] ?? null, decides: () => undefined, decidesAlong: () => [] }, prev.at);
              const vma = displayKey(u.key);
              const jump = route.leave.kind === 'goto' ? route.leave : null;
              const by = u.value?.k === 'call' ? u.value.name : null;
              report(`again|${prev.at}|${n.id}`, {
                messageId: 'overwritten',
                data: { vma, consequence: overwriteConsequence(by), before: jump ? `the \`goto ${jump.label}\`` : `\`${vma}\` is overwritten`, ...acquireData(prev.at) },
                at: node(prev.at),
                until: n,
                related: [
                  ...(jump ? routeLabels(fn, route, 'the VMA still read-locked', `vma_end_read(${vma})`, jumpsBack(fn, jump) ? 'jumps back' : 'goes on') : []),
                  // Reached after the jump; a jump back (`goto retry`) is on its way to the lock again.
                  { at: n, message: by ? `\`${vma}\` is overwritten here by \`${by}()\`` : `\`${vma}\` is overwritten here`, order: n.start <= node(prev.at).start ? 'back' : 'after' },
                ],
              });
            }
            applyDef(out, u, n.id, kindOf);
            continue;
          }
          const name = u.name;
          if (name === null) continue;
          applyCall(fn, ctx, out, n, u.call, name, (key, r) => report(key, r));
        }
        return out;
      },
      exit(s, trace) {
        const at = exitPoint(fn, trace);
        for (const [key, v] of s) {
          // After the fault, the lock is still held where its result may have neither RETRY nor
          // COMPLETED set: a success (0), unless the path tested for it (sweep W: x86's
          // `vma_end_read()` after the fault deleted went unreported while COMPLETED was possible).
          if (v.k !== 'held' && v.k !== 'untested' && !(v.k === 'faulted' && v.outcomes.includes('neither'))) continue;
          if (!ownedLocally(key) || returns(at, key)) continue;
          const route = exitRoute(fn, trace, v.at, releaseNodes(key));
          const fault = v.k === 'faulted' ? [{ at: node(v.by), message: 'keeps the VMA read-locked when its result has neither `VM_FAULT_RETRY` nor `VM_FAULT_COMPLETED`' }] : [];
          report(`leak|${v.at}|${route.branch ? `b${route.branch.node.id}${route.branch.edge}` : `l${route.leave.id}`}`, {
            messageId: 'leak',
            data: { vma: displayKey(key), ...acquireData(v.at) },
            at: node(v.at),
            until: route.leave,
            related: [...fault, ...routeLabels(fn, route, 'the VMA still read-locked', `vma_end_read(${displayKey(key)})`)],
          });
        }
      },
    });
    if (!result.complete) ctx.incomplete('the balance of the VMA read lock');
  },
});

/** How the call `e` read-locks the VMA it returns: `null` when it fails with NULL, `error` with an `ERR_PTR()`; or not at all. */
function acquisitionKind(e: Expr | null): 'null' | 'error' | null {
  const x = e && uncast(e);
  if (x === null || x.k !== 'call' || x.name === null) return null;
  return ACQUIRE.has(x.name) ? 'null' : ACQUIRE_OR_ERROR.has(x.name) ? 'error' : null;
}

/** The read-locking call node `n` of `fn` makes, by name: a lookup, or a helper that returns a locked VMA. */
function acquireNameIn(fn: AnalyzedFunction, n: CfgNode, summaries: BracketSummaries): string | null {
  for (const e of n.events) if (e.k === 'call' && e.name !== null && (ACQUIRE.has(e.name) || ACQUIRE_OR_ERROR.has(e.name) || e.name === START_READ)) return e.name;
  for (const e of n.events) if (e.k === 'call' && e.name !== null && helperKind(fn, e.name, summaries) !== null) return e.name;
  return null;
}

/** How a lookup's result says nothing is held: NULL, an `ERR_PTR()`, or either (`both`). */
type Acquired = 'null' | 'error' | 'both' | null;

/** A function as the helper questions need it: where it is, not its body. */
type Site = Pick<AnalyzedFunction, 'file' | 'span'>;

/** Helpers of helpers are read to this depth: a wrapper of `uffd_mfill_lock()` (sweep AF). */
const HELPER_DEPTH = 1;

const releaseHelpers = new SummaryMemo<AnalyzedFile, Map<string, number | null>>();

/**
 * The parameter whose VMA read lock `name` releases, when one of its definitions does nothing
 * but `vma_end_read()` of it (userfaultfd's `uffd_mfill_unlock()` under `CONFIG_PER_VMA_LOCK`),
 * or hands it to such a helper and does nothing else, else null.
 */
function releaseHelperArg(fn: Site, name: string, summaries: BracketSummaries, depth = 0): number | null {
  if (RELEASE.has(name)) return null;
  const memo = releaseHelpers.get(summaries, fn.file, () => new Map());
  const key = `${name}|${depth}`;
  if (memo.has(key)) return memo.get(key)!;
  memo.set(key, null);
  let arg: number | null = null;
  for (const d of summaries.definitions(name, fn.file, RELEASE_LIST)) {
    const releases = d.file.mentions(d.span, RELEASE_NAMES);
    const throughHelper = (c: string): boolean => depth < HELPER_DEPTH && c !== name && releaseHelperArg(d, c, summaries, depth + 1) !== null;
    if (!releases && ![...d.file.calleesOf(d.span)].some(throughHelper)) continue;
    const helper = d.file.analyze(d.span);
    const calls = helper ? helper.cfg.nodes.flatMap((n) => n.events.filter((e): e is Event & { k: 'call' } => e.k === 'call')) : [];
    const only = calls.length === 1 ? calls[0]! : null;
    const at = only === null || only.name === null ? null : only.name === 'vma_end_read' ? 0 : depth < HELPER_DEPTH ? releaseHelperArg(d, only.name, summaries, depth + 1) : null;
    const handed = only && at !== null && only.call.args[at] ? pathKey(uncast(only.call.args[at])) : null;
    const i = handed === null ? -1 : helper!.ast.params.findIndex((p) => p.ref.id === handed);
    if (i >= 0) {
      arg = i;
      break;
    }
  }
  memo.set(key, arg);
  return arg;
}

/** {@link acquisitionKind} of a call of a helper that returns a read-locked VMA ({@link helperKind}). */
function helperAcquisition(fn: Site, e: Expr | null, summaries: BracketSummaries, depth = 0): Acquired {
  const x = e && uncast(e);
  return x !== null && x.k === 'call' && x.name !== null ? helperKind(fn, x.name, summaries, depth) : null;
}

const helperKinds = new SummaryMemo<AnalyzedFile, Map<string, Acquired>>();
const ACQUIRER_LIST: readonly string[] = [...ACQUIRERS];

/**
 * Whether `name`, as `fn` would call it, returns a read-locked VMA like `lock_vma_under_rcu()`
 * (`null`: or NULL) or `uffd_lock_vma()` (`error`: or an `ERR_PTR()`): one of its definitions
 * returns only such a call's result, held in the variable it returns, NULL, or an `ERR_PTR()`
 * (sweep AE: bpf's `bpf_iter_task_vma_find_next()`, userfaultfd's `uffd_mfill_lock()`, whose
 * callers leaked the lock or read the VMA after `vma_end_read()` unseen), or the result of such
 * a helper, {@link HELPER_DEPTH} levels down. Under `#ifdef CONFIG_PER_VMA_LOCK` alternatives,
 * the definition that takes the VMA lock counts.
 */
function helperKind(fn: Site, name: string, summaries: BracketSummaries, depth = 0): Acquired {
  if (ACQUIRERS.has(name) || name === START_READ) return null;
  const memo = helperKinds.get(summaries, fn.file, () => new Map());
  const key = `${name}|${depth}`;
  if (memo.has(key)) return memo.get(key)!;
  memo.set(key, null);
  let kind: Acquired = null;
  for (const d of summaries.definitions(name, fn.file, ACQUIRER_LIST)) {
    const deeper = depth < HELPER_DEPTH;
    if (!d.file.mentions(d.span, ACQUIRERS) && !(deeper && [...d.file.calleesOf(d.span)].some((c) => c !== name && helperKind(d, c, summaries, depth + 1) !== null))) continue;
    const helper = d.file.analyze(d.span);
    kind = helper ? returnsLockedVma(helper, (e) => acquisitionKind(e) ?? (deeper ? helperAcquisition(d, e, summaries, depth + 1) : null)) : null;
    if (kind !== null) break;
  }
  memo.set(key, kind);
  return kind;
}

/**
 * The kind of locked VMA `fn` returns on every `return`: a call of `kindOf`'s, or a variable whose
 * every definition reaching the `return` is one; else NULL or an `ERR_PTR()`. Null when a return
 * gives anything else, or none gives a locked VMA.
 */
function returnsLockedVma(fn: AnalyzedFunction, kindOf: (e: Expr | null) => Acquired): Acquired {
  let locked = false;
  let nullable = false;
  let error = false;
  for (const n of fn.cfg.nodes) {
    if (n.kind !== 'return') continue;
    const e = n.expr && uncast(n.expr);
    if (!e) return null;
    if (isNullConstant(e)) {
      nullable = true;
      continue;
    }
    if (e.k === 'call' && e.name === 'ERR_PTR') {
      error = true;
      continue;
    }
    const direct = kindOf(e);
    const key = direct === null ? pathKey(e) : null;
    const defs = key === null ? [] : fn.defs.reaching(n.id, key);
    const kinds = direct !== null ? [direct] : defs.map((d) => ((d.def.how === 'assign' || d.def.how === 'init') && d.def.value ? kindOf(d.def.value) : null));
    if (kinds.length === 0 || kinds.some((k) => k === null)) return null;
    locked = true;
    if (kinds.some((k) => k === 'null' || k === 'both')) nullable = true;
    if (kinds.some((k) => k === 'error' || k === 'both')) error = true;
  }
  return !locked ? null : error && nullable ? 'both' : error ? 'error' : 'null';
}

function stateKey(v: VmaState): string {
  switch (v.k) {
    case 'faulted':
      return `f${v.at}:${v.by}:${v.result}:${v.outcomes.join(',')}`;
    case 'released':
      return `r${v.at}:${v.by}`;
    case 'unknown':
      return 'u';
    case 'untested':
      return `t${v.at}${v.error ? 'e' : ''}${v.nullable ? 'n' : ''}`;
    case 'starting':
      return `s${v.at}${v.edge}`;
    default:
      return `${v.k[0]}${v.at}`;
  }
}

/** A definition: a new lookup result starts tracking; any other store ends it or lets the VMA escape. */
function applyDef(out: Map<string, VmaState>, d: Event & { k: 'def' }, at: number, kindOf: (e: Expr | null) => Acquired): void {
  const value = d.value && uncast(d.value);
  const acquires = kindOf(value);
  if (acquires !== null) {
    out.set(d.key, acquires === 'both' ? { k: 'untested', at, error: true, nullable: true } : acquires === 'error' ? { k: 'untested', at, error: true } : { k: 'untested', at });
    return;
  }
  if (out.has(d.key)) out.delete(d.key);
  // `&vma` handed to a callee, or the VMA copied elsewhere: its lock is no longer followed here.
  for (const [key, v] of out) {
    if (v.k === 'unknown') continue;
    if (d.how === 'addr' && d.key === key) out.set(key, { k: 'unknown' });
    if (value && pathKey(value) === key && (v.k === 'held' || v.k === 'untested' || v.k === 'faulted')) out.set(key, { k: 'unknown' });
  }
  // A fault result written again can no longer be tested for what the handler did.
  // (The store of the result itself, in the node of the call, is not such a write.)
  for (const [key, v] of out) if (v.k === 'faulted' && v.by !== at && (d.key === v.result || v.result.startsWith(`${d.key}.`))) out.set(key, { k: 'unknown' });
}

function applyCall(
  fn: AnalyzedFunction,
  ctx: RuleContext<MessageId>,
  out: Map<string, VmaState>,
  n: CfgNode,
  call: Expr & { k: 'call' },
  name: string,
  report: (key: string, r: Parameters<RuleContext<MessageId>['report']>[0]) => void,
): void {
  // The acquisition takes effect through the def that stores its result (applyDef).
  if (ACQUIRE.has(name) || ACQUIRE_OR_ERROR.has(name)) return;
  // `if (!vma_start_read(vma)) goto inval;`: the VMA handed to it is read-locked on the edge
  // where it returned true (the lookup's own body, 6.12 mm/memory.c; sweep I: a range miss
  // that jumps past `inval_end_read:` kept the lock). Only as the test of its own branch.
  if (name === START_READ) {
    const key = call.args[0] ? pathKey(uncast(call.args[0])) : null;
    const a = acquisitionOf(n, call, 'nonzero');
    if (key !== null && a.k === 'branch') out.set(key, { k: 'starting', at: n.id, edge: a.edge });
    return;
  }
  // A helper's release matters only to a VMA this path holds: asked only then.
  const helperArg = out.size > 0 ? releaseHelperArg(fn, name, ctx.summaries) : null;
  const release: { arg: number; through: 'vma' | 'vmf' } | undefined = RELEASE.get(name) ?? (helperArg === null ? undefined : { arg: helperArg, through: 'vma' });
  if (release) {
    const arg = call.args[release.arg];
    const argKey = arg ? pathKey(stripAddr(arg)) : null;
    for (const [key, v] of out) {
      const mine = release.through === 'vma' ? argKey === key : argKey !== null && (key === `${argKey}->vma` || key === `${argKey}.vma`);
      if (!mine) {
        // `release_fault_lock(vmf)` on a fault that may carry this VMA: not followed further.
        if (release.through === 'vmf' && (v.k === 'held' || v.k === 'faulted')) out.set(key, { k: 'unknown' });
        continue;
      }
      const callText = `${name}()`;
      if (v.k === 'released' || v.k === 'null' || v.k === 'error') {
        // Sweep AF: `vma_end_read()` of the `ERR_PTR()` `uffd_lock_vma()` returned.
        const lookup = v.k === 'error' ? `\`${acquireNameIn(fn, fn.cfg.nodes[v.at]!, ctx.summaries) ?? 'the lookup'}()\`` : `\`${ACQUIRE_CALL}\``;
        const nothing = v.k === 'error' ? 'an `ERR_PTR()`' : 'NULL';
        const why = v.k !== 'released' ? `${lookup} returned ${nothing}, so no VMA lock is held` : `${v.how} already released \`${displayKey(key)}\`'s read lock`;
        const remedy =
          v.k !== 'released'
            ? `leave the path where ${lookup} returned ${nothing} without \`${callText}\`.`
            : 'drop this call, or jump past it from the paths that already released it.';
        report(`double|${n.id}|${key}`, {
          messageId: 'doubleRelease',
          data: { vma: displayKey(key), call: callText, why, remedy },
          at: call,
          related: v.k !== 'released' ? [{ at: fn.cfg.nodes[v.at]!, message: `${lookup} can return ${nothing} here` }] : [{ at: fn.cfg.nodes[v.by]!, message: `${v.how} releases the VMA read lock here` }],
        });
      } else if (v.k === 'faulted' && v.outcomes.includes('neither') && v.outcomes.length > 1) {
        const untested = v.outcomes.filter((o) => o !== 'neither').map((o) => (o === 'retry' ? 'VM_FAULT_RETRY' : 'VM_FAULT_COMPLETED')).join(' or ');
        report(`fault|${n.id}|${key}`, {
          messageId: 'releaseAfterFault',
          data: { vma: displayKey(key), call: callText, untested },
          at: call,
          related: [{ at: fn.cfg.nodes[v.by]!, message: `\`handle_mm_fault()\` releases the VMA lock itself on ${untested}` }],
        });
      }
      if (v.k !== 'unknown') out.set(key, { k: 'released', at: 'at' in v ? v.at : n.id, by: n.id, how: `\`${callText}\`` });
    }
    return;
  }
  if (name === VMA_READ_LOCK.fault.name) {
    const arg = call.args[VMA_READ_LOCK.fault.vmaArg];
    const key = arg ? pathKey(arg) : null;
    const v = key === null ? undefined : out.get(key);
    if (key === null || !v || (v.k !== 'held' && v.k !== 'untested')) return;
    const stored = n.events.find((ev): ev is Event & { k: 'def' } => ev.k === 'def' && ev.value !== null && uncast(ev.value) === call);
    out.set(key, stored ? { k: 'faulted', at: v.at, by: n.id, result: stored.key, outcomes: ['retry', 'completed', 'neither'] } : { k: 'unknown' });
    return;
  }
  // A callee handed the pointer a tracked VMA is stored through (`find_vmas(..., src_vmap)` for
  // `*src_vmap`) may store another VMA there: the lookup's result is no longer what it holds.
  for (const key of [...out.keys()]) {
    if (call.args.some((a) => { const k = pathKey(uncast(a)); return k !== null && (key === `*${k}` || key.startsWith(`${k}->`)); })) out.delete(key);
  }
  // Any other callee handed a tracked VMA.
  for (const [key, v] of out) {
    if (v.k !== 'held' && v.k !== 'untested' && v.k !== 'faulted') continue;
    if (!call.args.some((a) => pathKey(a) === key)) continue;
    if (NULL_MM_RELEASES.has(name)) {
      const nullMm = call.args.some((a) => isNullConstant(a));
      // Handed an mm instead of NULL, on a path that holds only the VMA read lock: the helper
      // releases the mmap lock, which this path does not hold, and leaves the VMA locked.
      const mm = nullMm || v.k === 'faulted' ? undefined : call.args.find((a) => namesMm(fn, a));
      if (mm) {
        report(`mm|${n.id}|${key}`, {
          messageId: 'handedMm',
          data: { vma: displayKey(key), call: `${name}()`, mm: fn.text(mm) },
          at: n,
          related: [{ at: fn.cfg.nodes[v.at]!, message: `\`${ACQUIRE_CALL}\` read-locks the VMA here; no mmap lock is held` }],
        });
      }
      out.set(key, nullMm ? { k: 'released', at: v.at, by: n.id, how: `\`${name}()\`` } : { k: 'unknown' });
    } else if (bodyMentions(fn, name, ctx.summaries, RELEASING)) {
      out.set(key, { k: 'unknown' });
    }
  }
}

/** The edge of a branch on `cond` along which `key` holds an `ERR_PTR()` (`IS_ERR(vma)`, `!IS_ERR(vma)`), or null. */
function errorEdge(cond: Expr, key: string): 'true' | 'false' | null {
  const x = uncast(cond);
  if (x.k === 'unary' && x.op === '!') {
    const inner = errorEdge(x.arg, key);
    return inner === null ? null : inner === 'true' ? 'false' : 'true';
  }
  if (x.k === 'call' && x.name !== null && /^(?:unlikely|likely)$/.test(x.name) && x.args[0]) return errorEdge(x.args[0], key);
  if (x.k === 'call' && x.name === 'IS_ERR' && x.args[0] && pathKey(uncast(x.args[0])) === key) return 'true';
  return null;
}

/** The state after the path left a branch on `cond` along `edge`. */
function afterBranch(v: VmaState, key: string, cond: Expr, edge: 'true' | 'false'): VmaState {
  if (v.k === 'untested' && v.error) {
    // `IS_ERR(vma)` true: nothing is held, and nothing more to judge on this path. A helper that
    // may also return NULL (sweep AF: an arm64 fault helper around `lock_vma_under_rcu()` that
    // returns `ERR_PTR(-EACCES)` too) is still NULL or locked on the other side, and tested
    // for NULL first it is still an `ERR_PTR()` or locked.
    const errorOn = errorEdge(cond, key);
    if (errorOn !== null) return edge === errorOn ? { k: 'error', at: v.at } : v.nullable ? { k: 'untested', at: v.at } : { k: 'held', at: v.at };
    const zeroOn = v.nullable ? zeroEdge(cond, (e) => pathKey(e) === key) : null;
    if (zeroOn === null) return v;
    return edge === zeroOn ? { k: 'null', at: v.at } : { k: 'untested', at: v.at, error: true };
  }
  if (v.k === 'untested') {
    const zeroOn = zeroEdge(cond, (e) => pathKey(e) === key);
    if (zeroOn === null) return v;
    return edge === zeroOn ? { k: 'null', at: v.at } : { k: 'held', at: v.at };
  }
  if (v.k === 'faulted') {
    const t = faultTest(cond, v.result);
    if (t === null) return v;
    const set = edge === t.setOn;
    const masked = (o: Outcome): boolean => o !== 'neither' && t.bits.has(o);
    let outcomes: Outcome[];
    if (set) {
      // A nonzero mask of only RETRY/COMPLETED says which; a mask with other bits says nothing.
      if (t.others) return v;
      outcomes = v.outcomes.filter(masked);
    } else {
      outcomes = v.outcomes.filter((o) => !masked(o));
    }
    if (outcomes.length === 0) return v;
    if (outcomes.every((o) => o !== 'neither')) return { k: 'released', at: v.at, by: v.by, how: '`handle_mm_fault()`' };
    if (outcomes.length === 1) return { k: 'held', at: v.at };
    return { ...v, outcomes };
  }
  return v;
}

/** Whether branch node `n` is a test of the fault result that {@link faultTest} reads. */
function isFaultTest(n: CfgNode, result: string): boolean {
  return (n.kind === 'branch' || n.kind === 'loop') && n.expr !== null && faultTest(n.expr, result) !== null;
}

/** Whether a branch or switch at `n` reads `result` (a test the rule may not understand). */
function readsAt(n: CfgNode, result: string): boolean {
  if (n.kind !== 'branch' && n.kind !== 'loop' && n.kind !== 'case') return false;
  return n.flow.some((u) => u.k === 'use' && u.key === result);
}

/**
 * Kernel helpers that read the VMA they are handed, so a call of one is a use. Not the release
 * itself (a second one is `doubleRelease`), nor `handle_mm_fault()`, whose own rules about the
 * lock are the fault checks'.
 */
const READS_HANDED: ReadonlySet<string> = new Set(VMA_DEREF_HELPERS.filter((h) => h !== 'vma_end_read' && h !== 'handle_mm_fault'));

function releasesAt(n: CfgNode, key: string): boolean {
  return n.events.some((e) => e.k === 'call' && e.name !== null && RELEASE.has(e.name) && e.call.args.some((a) => pathKey(stripAddr(a)) === key));
}

/** A VMA the function keeps in a local variable is its own to release; one in `*out` or a field is its caller's. */
function ownedLocally(key: string): boolean {
  return /^[A-Za-z_]\w*@\d+$/.test(key);
}

/** A parameter of the function itself (`vma@param`), which its caller cannot see it assign. */
function isParameter(key: string): boolean {
  return /^[A-Za-z_]\w*@param$/.test(key);
}

function returns(at: CfgNode, key: string): boolean {
  return at.kind === 'return' && at.expr !== null && pathKey(uncast(at.expr)) === key;
}

function stripAddr(e: Expr): Expr {
  const x = uncast(e);
  return x.k === 'unary' && x.op === '&' ? x.arg : x;
}

/** Whether an argument is an mm: a variable declared `struct mm_struct *`, `current->mm`, `vma->vm_mm`. */
function namesMm(fn: AnalyzedFunction, e: Expr): boolean {
  const x = uncast(e);
  if (x.k === 'ident') return x.ref.scope !== 'global' && /\bstruct\s+mm_struct\b/.test(fn.declaredType(x.ref) ?? '');
  return x.k === 'field' && x.arrow && (x.field === 'vm_mm' || (x.field === 'mm' && x.base.k === 'ident' && x.base.name === 'current'));
}

/** The `{{consequence}}` of `overwritten`: what the call that overwrites the pointer adds to the leak. */
function overwriteConsequence(by: string | null): string {
  if (by !== null && ACQUIRE.has(by)) return `, and if \`${by}()\` finds the same VMA again, one reader holds its lock twice`;
  const mmapLock = MMAP_LOCK_TRANSFERS.find((t) => t.name === by && t.effect === 'acquires') ?? MMAP_LOCK_OPS.find((o) => o.name === by && o.op === 'lock');
  if (!mmapLock) return '';
  return (
    `. Worse, \`${by}()\` takes the mmap lock with the VMA lock still held, the reverse of the writers' order: ` +
    'a writer that holds the mmap write lock and waits in `vma_start_write()` for this VMA deadlocks with this path'
  );
}

function nullTest(fn: AnalyzedFunction, nodes: readonly number[], at: number): Array<{ at: CfgNode; message: string }> {
  const from = nodes.lastIndexOf(at);
  for (let i = from + 1; i < nodes.length - 1; i++) {
    const n = fn.cfg.nodes[nodes[i]!]!;
    if (n.kind === 'branch') return [{ at: n, message: 'the path continues here although the VMA is NULL' }];
  }
  return [];
}

/** Calls whose presence in a callee's body means it may release a VMA lock for its caller. */
const RELEASING = VMA_READ_LOCK.releases.map((r) => r.name);

/** The fields of a VMA in a union with `vm_rcu` (6.12 include/linux/mm_types.h). */
const RCU_UNION_FIELDS: ReadonlySet<string> = new Set(['vm_start', 'vm_end']);

/**
 * The catalog's B10: after `vma_start_read(vma)` succeeded, `vma->vm_start` or `vma->vm_end` read
 * on a path that has not yet tested `vma->detached` (or `vma_is_detached(vma)`). Only where the
 * function takes the VMA lock itself: the lookup code.
 */
function checkDetachedFirst(fn: AnalyzedFunction, ctx: RuleContext<MessageId>): void {
  const starts = new Map<number, { key: string; call: Expr & { k: 'call' } }>();
  for (const node of fn.cfg.nodes) {
    for (const e of node.events) {
      if (e.k !== 'call' || e.name !== 'vma_start_read' || !e.call.args[0] || (node.kind !== 'branch' && node.kind !== 'loop') || !node.expr) continue;
      const key = pathKey(e.call.args[0]);
      if (key !== null) starts.set(node.id, { key, call: e.call });
    }
  }
  if (starts.size === 0) return;
  const reported = new Set<number>();
  type Unchecked = ReadonlyMap<string, number>;
  explore<Unchecked>(fn.cfg, fn.facts, {
    initial: new Map(),
    key: (s) => [...s.keys()].sort().join(','),
    step(s, node, trace) {
      let out: Map<string, number> | null = null;
      const edit = (): Map<string, number> => (out ??= new Map(s));
      const taken = edgeInto(fn.cfg, trace, node);
      const start = taken ? starts.get(taken.from.id) : undefined;
      if (start && taken && taken.from.expr) {
        // Locked on the edge where the call's result is not 0.
        const zeroOn = zeroEdge(taken.from.expr, (e) => e === start.call);
        if (zeroOn !== null && taken.kind !== zeroOn) edit().set(start.key, taken.from.id);
      }
      for (const u of node.flow) {
        if (u.k === 'def') {
          if ((out ?? s).has(u.key)) edit().delete(u.key);
          continue;
        }
        if (u.k === 'call') {
          const arg = u.name === 'vma_is_detached' && u.call.args[0] ? pathKey(u.call.args[0]) : null;
          if (arg !== null && (out ?? s).has(arg)) edit().delete(arg);
          continue;
        }
        if (u.k !== 'use' || !u.deref) continue;
        for (const [key, at] of out ?? s) {
          if (u.key === `${key}->detached`) edit().delete(key);
          else if (u.key.startsWith(`${key}->`) && RCU_UNION_FIELDS.has(u.key.slice(key.length + 2)) && !reported.has(at)) {
            // One finding per lock taken: the first read of the bounds it does not protect.
            reported.add(at);
            const field = u.key.slice(key.length + 2);
            ctx.report({
              messageId: 'boundsBeforeDetached',
              data: { field: `${displayKey(key)}->${field}`, vma: displayKey(key), model: unlessIn(fn, 'lock_vma_under_rcu', ', as `lock_vma_under_rcu()` does ("Check if the VMA got isolated after we found it")') },
              at: u,
              related: [{ at: fn.cfg.nodes[at]!, message: `\`vma_start_read()\` locks \`${displayKey(key)}\` here, detached or not` }],
            });
          }
        }
      }
      return out ?? s;
    },
    exit() {},
  });
}

/** The function that takes the VMA read lock inside its RCU section, unless it is the one at fault. */
function rcuModel(fn: AnalyzedFunction): string {
  return unlessIn(fn, 'lock_vma_under_rcu', ', as `lock_vma_under_rcu()` does');
}

/**
 * `vma_start_read()` in a function that takes and drops the RCU read lock itself, on a path
 * where it does not hold it: before its `rcu_read_lock()` (it was entered without it) or after
 * its `rcu_read_unlock()`. A function that never touches RCU relies on its caller: not judged.
 */
function checkStartReadUnderRcu(fn: AnalyzedFunction, ctx: RuleContext<MessageId>): void {
  const calls = (node: CfgNode, name: string): boolean => node.events.some((e) => e.k === 'call' && e.name === name);
  if (!fn.cfg.nodes.some((n) => calls(n, 'vma_start_read')) || !fn.cfg.nodes.some((n) => calls(n, 'rcu_read_lock'))) return;
  const reported = new Set<number>();
  type Rcu = { k: 'entry' } | { k: 'held' } | { k: 'released'; at: number };
  const before: number[] = [];
  const result = explore<Rcu>(fn.cfg, fn.facts, {
    initial: { k: 'entry' },
    key: (s) => (s.k === 'released' ? `r${s.at}` : s.k),
    step(s, node) {
      let cur = s;
      for (const e of node.events) {
        if (e.k !== 'call') continue;
        if (e.name === 'vma_start_read' && cur.k === 'released' && !reported.has(node.id)) {
          reported.add(node.id);
          ctx.report({ messageId: 'startReadOutsideRcu', data: { state: 'has already left its RCU section', model: rcuModel(fn) }, at: node, related: [{ at: fn.cfg.nodes[cur.at]!, message: 'the RCU read lock is released here' }] });
        } else if (e.name === 'vma_start_read' && cur.k === 'entry') before.push(node.id);
        if (e.name === 'rcu_read_lock') cur = { k: 'held' };
        else if (e.name === 'rcu_read_unlock') cur = { k: 'released', at: node.id };
      }
      return cur;
    },
    exit() {},
  });
  if (!result.complete) return;
  for (const id of before) {
    if (reported.has(id)) continue;
    reported.add(id);
    ctx.report({ messageId: 'startReadOutsideRcu', data: { state: 'has not entered its RCU section yet (it calls `rcu_read_lock()` only later)', model: rcuModel(fn) }, at: fn.cfg.nodes[id]! });
  }
}
