/**
 * The 6.12 `vm_flags` helpers each need a lock context (include/linux/mm.h:866-917):
 * `vm_flags_set()`, `vm_flags_clear()` and `vm_flags_mod()` call `vma_start_write()`, which
 * asserts the mmap write lock; `vm_flags_reset()` and `vm_flags_reset_once()` only assert that
 * the VMA is already write-locked (`vma_start_write(vma)` first, as mm/madvise.c:159-160 does).
 *
 * The lock is usually the caller's (an `f_op->mmap` handler runs under the core's write lock;
 * `userfaultfd_set_vm_flags()` relies on `userfaultfd_set_ctx()`), so only functions that
 * manage the mmap lock themselves are judged, on the state they created.
 */
import { displayKey, pathKey } from '../analysis/ast.js';
import { pendingOf, settlePending, type PendingAcquisition } from '../analysis/brackets.js';
import { edgeInto, explore } from '../analysis/paths.js';
import { callsOneOf, defineRule, type RuleContext } from './define-rule.js';
import { callEvents } from './facts.js';
import { lockEvents, mayManageLock } from './mmap-lock.js';
import { MMAP_READ_LOCK, MMAP_WRITE_LOCK, VMA_LOOKUPS } from './resources.js';
import type { CfgNode } from '../analysis/cfg.js';
import type { AnalyzedFunction } from '../analysis/file.js';

/** The helpers that change the flags with no locking at all, for VMAs not in the tree yet. */
const UNLOCKED_SETTERS_LIST = ['vm_flags_init', '__vm_flags_mod'];
/** The helpers that take the VMA write lock themselves, so need the mmap write lock. */
const SETTERS = new Set(['vm_flags_set', 'vm_flags_clear', 'vm_flags_mod']);
/** The helpers that need the VMA already write-locked. */
const RESETTERS = new Set(['vm_flags_reset', 'vm_flags_reset_once']);
/** What write-locks a VMA, or proves it is. */
const VMA_WRITE_LOCKS = new Set(['vma_start_write', 'vma_assert_write_locked']);

const setters = callsOneOf(SETTERS);
const unlockedOrReset = callsOneOf([...RESETTERS, ...UNLOCKED_SETTERS_LIST]);

/** The function's own mmap lock state (all its mms together) and its write-locked VMAs. */
interface State {
  lock: 'entry' | 'read' | 'write' | 'none' | 'unknown';
  /** Where the function left the write lock (took it for reading, downgraded, released). */
  since: number | null;
  locked: ReadonlySet<string>;
  /** A killable or trylock acquisition waiting for the test of its result, and its mode. */
  pending: { on: PendingAcquisition; mode: 'read' | 'write'; at: number } | null;
}

type Ev = { k: 'setter' | 'resetter' | 'vma-lock'; name: string; vma: string | null };

export default defineRule({
  id: 'vm-flags-helper-lock-context',
  meta: {
    summary: '`vm_flags_set/clear/mod()` need the mmap write lock; `vm_flags_reset()` a write-locked VMA',
    severity: 'error',
    confidence: 'medium',
    resources: [MMAP_READ_LOCK, MMAP_WRITE_LOCK],
    calls: [...SETTERS, ...RESETTERS, ...UNLOCKED_SETTERS_LIST],
    // A setter is judged only where the function manages the mmap lock itself (most callers, a
    // driver's `f_op->mmap`, run under their caller's lock); a reset or an unlocked setter is
    // judged wherever it is (a review compares the reset with the function's old body).
    needs: (file, span, summaries) => unlockedOrReset(file, span, summaries) || (setters(file, span, summaries) && mayManageLock(file, span, summaries)),
    remedies: ['vma_start_write'],
    comparesPrevious: true,
  },
  messages: {
    setterWithoutWriteLock: {
      headline: '`{{call}}` runs where this function holds no mmap write lock',
      explanation:
        '`{{call}}` write-locks the VMA itself (`vma_start_write()`), which requires the mmap lock held for writing (it asserts `mmap_assert_write_locked()`, include/linux/mm.h). On the path shown this function {{state}}, so the flags change races with page faults under the per-VMA lock and with other readers of `vm_flags`.',
      fix: 'Take `mmap_write_lock()` around the change (or change the flags before downgrading to a read lock).',
    },
    resetWithoutVmaLock: {
      headline: '`{{call}}` on `{{vma}}` without `vma_start_write()` first',
      explanation:
        '`{{call}}` does not lock the VMA: it only asserts `vma_assert_write_locked()` (include/linux/mm.h). This function manages the mmap write lock itself, and on the path shown nothing write-locked `{{vma}}` before the reset (mm/madvise.c and mm/mprotect.c call `vma_start_write(vma)` just before `vm_flags_reset()`), so a page fault holding the VMA read lock can see the flags change under it.',
      fix: 'Call `vma_start_write({{vma}})` before `{{call}}`, or use `vm_flags_set()`/`vm_flags_clear()`, which lock the VMA themselves.',
    },
    startWriteDeleted: {
      headline: '`{{call}}` on `{{vma}}` no longer follows the `vma_start_write()` this patch deletes',
      brief: '`{{call}}` no longer follows the `vma_start_write()` this patch deletes',
      explanation:
        '`{{call}}` does not lock the VMA: it only asserts `vma_assert_write_locked()` (include/linux/mm.h). Before this patch this function write-locked `{{vma}}` with `vma_start_write()` first; the patch deletes that call and nothing else here write-locks `{{vma}}`, so unless every caller now does, a page fault holding the VMA read lock can see the flags change under it, and lockdep\'s assertion fires.',
      fix: 'Keep `vma_start_write({{vma}})` before `{{call}}`, or use `vm_flags_set()`/`vm_flags_clear()`, which lock the VMA themselves.',
    },
    initOnTreeVma: {
      headline: '`{{call}}` on `{{vma}}`, which `{{source}}` found in the VMA tree',
      explanation:
        '`{{call}}` changes the flags without any locking: it is only for a VMA that is not in the tree yet, or has no other users (include/linux/mm.h: "Use when VMA is not part of the VMA tree and needs no locking"). `{{vma}}` comes from `{{source}}`, so it is in the tree, where page faults under the per-VMA lock and other readers of `vm_flags` can see the change half made.',
      fix: 'Use `vm_flags_set()`, `vm_flags_clear()` or `vm_flags_mod()` (they write-lock the VMA) under the mmap write lock; or `vma_start_write({{vma}})` then `vm_flags_reset()`.',
    },
  },
  check(fn, ctx) {
    reportInitOnTreeVma(fn, ctx);
    const events = helperEvents(fn);
    if (![...events.values()].flat().some((e) => e.k !== 'vma-lock')) return;
    const reported = reportDeletedStartWrite(fn, events, ctx);
    const locks = lockEvents(fn, ctx.summaries);
    if (![...locks.values()].flat().some((e) => e.op !== 'unknown')) return;

    const result = explore<State>(fn.cfg, fn.facts, {
      initial: { lock: 'entry', since: null, locked: new Set(), pending: null },
      key: (s) => `${s.lock}${s.since ?? ''}|${[...s.locked].sort().join(',')}${s.pending ? JSON.stringify(s.pending) : ''}`,
      step(s, node, trace) {
        let cur = s;
        if (cur.pending) {
          // A killable lock taken on the edge its result says (`if (mmap_write_lock_killable(mm))`
          // fails on true); a failed one leaves the lock as the caller had it: not judged.
          const settled = settlePending(cur.pending.on, node, edgeInto(fn.cfg, trace, node));
          if (settled === 'acquired') cur = { ...cur, lock: cur.pending.mode, since: cur.pending.mode === 'read' ? cur.pending.at : null, pending: null };
          else if (settled === 'failed' || settled === 'forgotten') cur = { ...cur, lock: 'unknown', since: null, pending: null };
          else if (settled !== null) cur = { ...cur, pending: { ...cur.pending, on: settled } };
        }
        for (const e of events.get(node.id) ?? []) {
          if (e.k === 'vma-lock') {
            if (e.vma !== null) cur = { ...cur, locked: new Set([...cur.locked, e.vma]) };
          } else if (e.k === 'setter' && (cur.lock === 'read' || cur.lock === 'none') && !reported.has(node.id)) {
            reported.add(node.id);
            const state = cur.lock === 'read' ? 'holds the mmap lock only for reading' : 'has already released the mmap lock';
            ctx.report({ messageId: 'setterWithoutWriteLock', data: { call: `${e.name}()`, state }, at: node, related: cur.since === null ? [] : [{ at: fn.cfg.nodes[cur.since]!, message: cur.lock === 'read' ? readFrom(fn.cfg.nodes[cur.since]!) : 'the lock is released here' }] });
          } else if (e.k === 'resetter' && cur.lock === 'write' && e.vma !== null && !cur.locked.has(e.vma) && !reported.has(node.id)) {
            reported.add(node.id);
            ctx.report({ messageId: 'resetWithoutVmaLock', data: { call: `${e.name}()`, vma: displayKey(e.vma) }, at: node });
          }
        }
        for (const e of locks.get(node.id) ?? []) {
          // A trylock asserted with `BUG_ON(mmap_read_trylock(mm))` fails on the path that goes
          // on: the caller holds the lock, which is 'unknown' here, never 'none'.
          const pending = e.op === 'lock' ? pendingOf(node, e.event.acquisition) : null;
          if (e.op === 'unknown' || (e.op === 'lock' && e.event.acquisition.k === 'untested')) cur = { ...cur, lock: 'unknown', since: null, pending: null };
          else if (pending) cur = { ...cur, lock: 'unknown', since: null, pending: { on: pending, mode: e.mode, at: node.id } };
          else if (e.op === 'lock') cur = { ...cur, lock: e.mode, since: e.mode === 'read' ? node.id : null, pending: null };
          // Dropping or downgrading the mmap write lock ends every VMA write lock (vma_end_write_all()).
          else if (e.op === 'downgrade') cur = { lock: 'read', since: node.id, locked: new Set(), pending: null };
          else cur = { lock: 'none', since: node.id, locked: new Set(), pending: null };
        }
        // A VMA variable assigned anew is another VMA, not yet write-locked, unless it comes
        // from `vma_modify_*()`/`vma_merge_*()`, which return it write-locked.
        for (const ev of node.events) {
          if (ev.k !== 'def') continue;
          const locked = ev.value?.k === 'call' && ev.value.name !== null && /^vma_(modify|merge)/.test(ev.value.name);
          if (locked) cur = { ...cur, locked: new Set([...cur.locked, ev.key]) };
          else if (cur.locked.has(ev.key)) cur = { ...cur, locked: new Set([...cur.locked].filter((v) => v !== ev.key)) };
        }
        return cur;
      },
      exit() {},
    });
    if (!result.complete) ctx.incomplete('the lock context of vm_flags changes');
  },
});

/** The setters, resetters and VMA write locks of `fn`, per node, with the VMA each is handed. */
function helperEvents(fn: AnalyzedFunction): Map<number, Ev[]> {
  return callEvents<Ev>(fn, ({ call, name }) => {
    const k = SETTERS.has(name) ? 'setter' : RESETTERS.has(name) ? 'resetter' : VMA_WRITE_LOCKS.has(name) ? 'vma-lock' : null;
    if (k === null) return null;
    const arg = call.args[0];
    return { k, name, vma: arg ? pathKey(arg) : null };
  });
}

/**
 * In a review: a reset of a VMA this function write-locked with `vma_start_write()` before the
 * patch and write-locks nowhere after it. Judged whoever holds the mmap lock: the deletion is
 * the patch's own (sweep F's W4 and sweep G's buggy-03, `mlock_fixup()`, where only its callers'
 * lock was visible and the finding landed in a caller outside the diff). The nodes reported.
 */
function reportDeletedStartWrite(fn: AnalyzedFunction, events: ReadonlyMap<number, readonly Ev[]>, ctx: RuleContext<'startWriteDeleted'>): Set<number> {
  const reported = new Set<number>();
  const before = ctx.previous;
  if (!before) return reported;
  const locked = (list: Iterable<readonly Ev[]>, name?: string): Set<string> => new Set([...list].flat().filter((e) => e.k === 'vma-lock' && e.vma !== null && (name === undefined || e.name === name)).map((e) => displayKey(e.vma!)));
  const then = locked(helperEvents(before).values(), 'vma_start_write');
  const now = locked(events.values());
  for (const node of fn.cfg.nodes) {
    for (const e of events.get(node.id) ?? []) {
      if (e.k !== 'resetter' || e.vma === null || reported.has(node.id)) continue;
      const vma = displayKey(e.vma);
      if (!then.has(vma) || now.has(vma)) continue;
      reported.add(node.id);
      ctx.report({ messageId: 'startWriteDeleted', data: { call: `${e.name}()`, vma }, at: node });
    }
  }
  return reported;
}

/** The helpers that change the flags with no locking at all: for VMAs not in the tree. */
const UNLOCKED_SETTERS = new Set(UNLOCKED_SETTERS_LIST);
/** Iterators that walk the VMA tree itself. */
const TREE_ITERATORS = /^(for_each_vma|for_each_vma_range|vma_interval_tree_foreach|mas_for_each)$/;

/**
 * `vm_flags_init()`/`__vm_flags_mod()` on a VMA every definition of which reaching the call is a
 * tree lookup (`find_vma()`, `vma_lookup()`, ...) or a tree iterator. A parameter or a VMA the
 * function allocates is not judged: it may not be inserted yet, which is what these are for.
 */
function reportInitOnTreeVma(fn: AnalyzedFunction, ctx: RuleContext<'initOnTreeVma'>): void {
  const lookups = new Set(VMA_LOOKUPS);
  for (const node of fn.cfg.nodes) {
    for (const ev of node.events) {
      if (ev.k !== 'call' || ev.name === null || !UNLOCKED_SETTERS.has(ev.name)) continue;
      const arg = ev.call.args[0];
      const key = arg && arg.k === 'ident' ? pathKey(arg) : null;
      if (key === null) continue;
      const defs = fn.defs.reaching(node.id, key);
      const sources = defs.map((d) => {
        if (d.def.how === 'iter') {
          const macro = fn.cfg.nodes[d.node]!.macro;
          return macro && TREE_ITERATORS.test(macro.name) ? { name: macro.name, at: fn.cfg.nodes[d.node]! } : null;
        }
        const v = d.def.value;
        return v && v.k === 'call' && v.name !== null && lookups.has(v.name) && (d.def.how === 'assign' || d.def.how === 'init') ? { name: v.name, at: fn.cfg.nodes[d.node]! } : null;
      });
      if (sources.length === 0 || sources.some((x) => x === null)) continue;
      const first = sources[0]!;
      ctx.report({
        messageId: 'initOnTreeVma',
        data: { call: `${ev.name}()`, vma: displayKey(key), source: `${first.name}()` },
        at: node,
        related: sources.map((x) => ({ at: x!.at, message: `\`${displayKey(key)}\` comes from the tree here` })),
      });
    }
  }
}

/**
 * The label on where the mmap lock was taken for reading: on a branch (`if
 * (mmap_read_lock_killable(mm))`), the lock is taken on the way that did not fail, not at the
 * `if` (sweep AJ: "held for reading from here" on the line whose true branch has no lock).
 */
function readFrom(n: CfgNode): string {
  return n.kind === 'branch' ? 'the mmap lock is taken for reading here when the call succeeds' : 'the mmap lock is taken for reading here';
}
