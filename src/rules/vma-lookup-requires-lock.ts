/**
 * A VMA lookup runs under the mmap lock of its mm: `find_vma()` and `find_vma_intersection()`
 * assert it (6.12 mm/mmap.c:961, 978), and `vma_lookup()`'s result is stable only under it.
 *
 * Most lookups are in callees that rely on their caller's lock, which a function cannot see;
 * so, as the catalog asks, only functions that manage the lock themselves are judged, and only
 * on paths where the function itself left the mm unlocked: after its own unlock, after a lock
 * attempt that failed, or before it takes the lock (when it takes it without a lock flag and
 * so was entered without it). `mmap_assert_locked()` counts as holding it.
 */
import { displayKey } from '../analysis/ast.js';
import { objectAt } from '../analysis/brackets.js';
import type { CfgNode } from '../analysis/cfg.js';
import type { AnalyzedFile } from '../analysis/file.js';
import type { FunctionSpan } from '../analysis/functions.js';
import { edgeInto, explore } from '../analysis/paths.js';
import { faultResults, releasedOn, releasingFaults } from './fault-result.js';
import { callsOrLoops, defineRule } from './define-rule.js';
import { callEvents } from './facts.js';
import { lockedObjects, lockEvents, lockFlags, lockNeed, type LockNeed } from './mmap-lock.js';
import { MMAP_LOCK_OPS, MMAP_LOCK_REQUIRED, MMAP_LOCKED_LOOKUPS, MMAP_READ_LOCK, MMAP_WRITE_LOCK, VMA_TREE_ITERATORS } from './resources.js';

const ASSERTS = new Set(MMAP_LOCK_OPS.filter((o) => o.op === 'assert').map((o) => o.name));

/**
 * Per mm: as the caller left it, held, known unlocked (since where, and whether by the fault
 * handler's own release), or not judged.
 */
type MmState = { k: 'entry' } | { k: 'held' } | { k: 'none'; since: number; fault?: true } | { k: 'unknown' };

export default defineRule({
  id: 'vma-lookup-requires-lock',
  meta: {
    summary: 'a VMA lookup runs with the mmap lock of its mm held, in functions that manage that lock',
    severity: 'error',
    confidence: 'medium',
    resources: [MMAP_READ_LOCK, MMAP_WRITE_LOCK],
    calls: [...MMAP_LOCKED_LOOKUPS.keys(), ...VMA_TREE_ITERATORS],
    needs: (file, span, summaries) => looksUp(file, span, summaries) || handsOnAfterUnlock(file, span),
  },
  messages: {
    afterUnlock: {
      headline: '`{{call}}` looks up a VMA of `{{mm}}` after this function dropped its mmap lock',
      brief: '`{{call}}` looks up a VMA after the mmap lock was dropped',
      explanation:
        'VMA lookups walk the mm\'s maple tree, which only the mmap lock (or, for one VMA, its per-VMA lock) keeps stable (6.12 `find_vma()` and `find_vma_intersection()` assert it with `mmap_assert_locked()`). On the path shown {{released}}, so the walk races with munmap() and mremap() and may return a VMA that is being freed.',
      fix: 'Do the lookup before the unlock, or take the lock again (`mmap_read_lock()`) around it.',
    },
    afterFault: {
      headline: '`{{call}}` looks up a VMA after `handle_mm_fault()` released the mmap lock',
      explanation:
        'On the path shown `handle_mm_fault()` returned `VM_FAULT_RETRY` or `VM_FAULT_COMPLETED`, which means it released the mmap lock of `{{mm}}` itself (include/linux/mm_types.h), and the path comes back to this lookup without taking the lock again. The lookup walks the maple tree unlocked, racing with munmap() and mremap(), and the fault and the unlocks after it work on a lock this function no longer holds.',
      fix: 'Take the lock again before going back for another try (`mmap_read_lock({{mm}});` before `goto retry;`), as the arch fault handlers do on `VM_FAULT_RETRY`.',
    },
    calleeAfterUnlock: {
      headline: '`{{call}}` needs the mmap lock of `{{mm}}`, which this function already dropped',
      brief: '`{{call}}` needs the mmap lock, which was dropped',
      explanation:
        '`{{call}}` {{why}}: it relies on its caller to hold the mmap lock of `{{mm}}`. On the path shown this function released that lock before the call and did not take it again, so the callee walks VMAs and page tables that a concurrent munmap() or mremap() can change and free under it.',
      fix: 'Make the call before the unlock, inside the locked region, or take the lock again around it.',
    },
    beforeLock: {
      headline: '`{{call}}` looks up a VMA of `{{mm}}` before this function takes its mmap lock',
      brief: '`{{call}}` looks up a VMA before the mmap lock is taken',
      explanation:
        'This function takes the mmap lock of `{{mm}}` itself later on, so it was entered without it, and this lookup runs unlocked: the maple tree walk races with munmap() and mremap() and may return a VMA that is being freed (`find_vma()` asserts the lock).',
      fix: 'Move the lookup after `{{lock}}`, inside the locked region.',
    },
  },
  check(fn, ctx) {
    const lookups = new Map(callEvents(fn, ({ call, name, node }) => {
      const arg = MMAP_LOCKED_LOOKUPS.get(name);
      if (arg === undefined) return null;
      const mm = objectAt(fn, call.args[arg], node.id);
      return mm === null ? null : { mm, name, written: fn.text(call.args[arg]!) };
    }));
    const iterators = fn.cfg.nodes.filter((n) => n.kind === 'loop' && n.macro !== null && VMA_TREE_ITERATORS.has(n.macro.name));
    const locks = lockEvents(fn, ctx.summaries);
    const mms = lockedObjects(locks);
    if (mms.size === 0) return;
    // The calls handed an mm this function locks, of a kernel function that needs the lock or
    // of a helper of the file that may (sweep S: DAMON's VMA walk moved below the unlock).
    const handed = callEvents(fn, ({ call, name, node }) => {
      if (MMAP_LOCKED_LOOKUPS.has(name) || ASSERTS.has(name) || (locks.get(node.id) ?? []).length > 0) return null;
      if (!MMAP_LOCK_REQUIRED.has(name) && fn.file.calleeDefinitionsOf(name).length === 0) return null;
      for (const arg of call.args) {
        const mm = objectAt(fn, arg, node.id);
        if (mm !== null && mms.has(mm)) return { mm, name };
      }
      return null;
    });
    if (lookups.size === 0 && iterators.length === 0 && handed.size === 0) return;
    const needMemo = new Map<string, LockNeed | null>();
    const needOf = (name: string): LockNeed | null => {
      if (!needMemo.has(name)) needMemo.set(name, lockNeed(fn.file, name, ctx.summaries));
      return needMemo.get(name)!;
    };
    // The fault calls that may release the lock themselves, and where their results are kept.
    const faults = faultResults(fn);
    const mayRelease = releasingFaults(fn, faults);
    const asserts = callEvents(fn, ({ call, name, node }) => (ASSERTS.has(name) ? objectAt(fn, call.args[0], node.id) : null));
    // An iterator names its mm in `VMA_ITERATOR(vmi, mm, addr)`, out of sight of the loop: it is
    // taken to walk the function's one mm, and is not judged in a function with several.
    if (mms.size === 1) {
      const mm = [...mms][0]!;
      for (const n of iterators) lookups.set(n.id, [...(lookups.get(n.id) ?? []), { mm, name: n.macro!.name, written: displayKey(mm) }]);
    }
    // Entered unlocked: it takes the lock itself on a path from entry, with no flag saying
    // whether it holds it, and the mm has one name (two names may be one mm).
    const enteredUnlocked = new Map<string, { node: CfgNode; call: string }>();
    const beforeLock: Array<{ node: CfgNode; mm: string; name: string }> = [];
    const reported = new Set<string>();

    const result = explore<ReadonlyMap<string, MmState>>(fn.cfg, fn.facts, {
      initial: new Map(),
      key: (s) => [...s].map(([m, v]) => `${m}=${v.k}${v.k === 'none' ? v.since : ''}`).join(';'),
      step(s, node, trace) {
        let next: Map<string, MmState> | null = null;
        const set = (m: string, v: MmState): void => void (next ??= new Map(s)).set(m, v);
        // The branch just taken says the fault handler released the lock (of the function's one mm).
        const taken = mms.size === 1 ? edgeInto(fn.cfg, trace, node) : null;
        if (taken && (taken.kind === 'true' || taken.kind === 'false')) {
          const released = releasedOn(taken.from, faults, true);
          if (released && released.edge === taken.kind && mayRelease.has(released.node)) {
            const mm = [...mms][0]!;
            // Held at the fault: taken here, or the caller's (6.1's `fixup_user_fault()` is entered
            // locked, and takes the lock again after a retry: that is no sign it was entered without).
            const cur = (s.get(mm) ?? { k: 'entry' }).k;
            if (cur === 'held' || cur === 'entry') set(mm, { k: 'none', since: released.node, fault: true });
          }
        }
        for (const { mm, name, written } of lookups.get(node.id) ?? []) {
          const cur = (next ?? s).get(mm) ?? { k: 'entry' };
          if (cur.k === 'none' && !reported.has(`${node.id}|${mm}`)) {
            reported.add(`${node.id}|${mm}`);
            const since = fn.cfg.nodes[cur.since]!;
            if (cur.fault) {
              // The jump that brings the path back to the lookup, when there is one.
              const back = trace.nodes().map((id) => fn.cfg.nodes[id]!).find((n) => n.kind === 'goto' && n.start > since.start && node.start < since.start);
              const related = [{ at: since, message: 'releases the lock itself when it returns `VM_FAULT_RETRY` or `VM_FAULT_COMPLETED`', order: 'before' as const }];
              if (back) related.push({ at: back, message: 'goes back to the lookup without taking the lock again', order: 'before' as const });
              ctx.report({ messageId: 'afterFault', data: { call: `${name}()`, mm: written }, at: node, related });
            } else {
              // Released, or never taken: a killable or try lock that failed (sweep AJ: the note said both).
              const unlocked = since.events.some((e) => e.k === 'call' && e.name !== null && /unlock/.test(e.name));
              const released = unlocked ? `this function already released the lock of \`${displayKey(mm)}\`` : `this function does not hold the lock of \`${displayKey(mm)}\`: taking it failed`;
              ctx.report({ messageId: 'afterUnlock', data: { call: `${name}()`, mm: displayKey(mm), released }, at: node, related: [{ at: since, message: unlocked ? 'the lock is released here' : 'taking the lock fails here' }] });
            }
          } else if (cur.k === 'entry') {
            beforeLock.push({ node, mm, name });
          }
        }
        for (const { mm, name } of handed.get(node.id) ?? []) {
          const cur = (next ?? s).get(mm) ?? { k: 'entry' };
          if (cur.k !== 'none' || cur.fault || reported.has(`${node.id}|${mm}`)) continue;
          const need = needOf(name);
          if (!need) continue;
          reported.add(`${node.id}|${mm}`);
          ctx.report({
            messageId: 'calleeAfterUnlock',
            data: { call: `${name}()`, mm: displayKey(mm), why: need.why },
            at: node,
            related: [
              { at: fn.cfg.nodes[cur.since]!, message: 'the lock is released here', order: 'before' },
              // The callee's own line, when it is in this file.
              ...(need.at && need.at.fn.file === fn.file ? [{ at: need.at.node, message: `\`${need.at.fn.name}()\` needs the lock here`, order: 'after' as const }] : []),
            ],
          });
        }
        for (const mm of asserts.get(node.id) ?? []) set(mm, { k: 'held' });
        for (const e of locks.get(node.id) ?? []) {
          const cur = (next ?? s).get(e.object) ?? { k: 'entry' };
          // A fault whose stored result is tested keeps the lock until a test says it released it.
          if (e.op === 'unknown' && e.event.via === 'handle_mm_fault' && mayRelease.has(node.id)) continue;
          if (e.op === 'unknown') set(e.object, { k: 'unknown' });
          else if (e.op === 'lock') {
            if (cur.k === 'entry' && !enteredUnlocked.has(e.object)) enteredUnlocked.set(e.object, { node, call: `${e.event.via ?? e.event.call.name}()` });
            set(e.object, { k: 'held' });
          } else if (e.op === 'unlock') set(e.object, { k: 'none', since: node.id });
          else set(e.object, { k: 'held' });
        }
        return next ?? s;
      },
      exit() {},
    });
    if (!result.complete) {
      ctx.incomplete('VMA lookups against the mmap lock');
      return;
    }
    if (mms.size > 1 || lockFlags(fn).size > 0) return;
    for (const { node, mm, name } of beforeLock) {
      const lock = enteredUnlocked.get(mm);
      if (!lock || reported.has(`${node.id}|${mm}`)) continue;
      reported.add(`${node.id}|${mm}`);
      ctx.report({
        messageId: 'beforeLock',
        data: { call: `${name}()`, mm: displayKey(mm), lock: lock.call },
        at: node,
        related: [{ at: lock.node, message: `takes the mmap lock of \`${displayKey(mm)}\` itself here, so it was entered without it` }],
      });
    }
  },
});

const looksUp = callsOrLoops(MMAP_LOCKED_LOOKUPS.keys(), VMA_TREE_ITERATORS);
const UNLOCKS: ReadonlySet<string> = new Set(MMAP_LOCK_OPS.filter((o) => o.op === 'unlock').map((o) => o.name));

/**
 * Whether the function drops the mmap lock itself and calls a kernel function that needs it, or
 * a helper of its file (which {@link lockNeed} may find needs it): a call the walk may find
 * after the unlock. On tokens, before parsing.
 */
function handsOnAfterUnlock(file: AnalyzedFile, span: FunctionSpan): boolean {
  if (!file.mentions(span, UNLOCKS)) return false;
  for (const id of file.calleesOf(span)) if (id !== span.name && (MMAP_LOCK_REQUIRED.has(id) || file.calleeDefinitionsOf(id).length > 0)) return true;
  return false;
}
