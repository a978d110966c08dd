/**
 * The fields of a VMA in the tree that page faults read without the mmap lock (`vm_start`,
 * `vm_end`, `vm_pgoff`, `vm_page_prot`, `vm_policy`, `anon_vma` cleared, `vm_userfaultfd_ctx`,
 * `anon_name`, `__vm_flags`) change only under the mmap write lock and, since the per-VMA locks
 * (6.4), after `vma_start_write(vma)` (upstream Documentation/mm/process_addrs.rst, "VMA
 * fields"); `vma_start_write()` itself asserts the mmap write lock (6.12
 * include/linux/mm.h:733-742). Fixed instances: kernel/fork.c:676 (the catalog's B9),
 * mm/mempolicy.c:1596 and 799.
 *
 * Precision comes from evidence, never from assumption:
 * - a VMA counts as "in the tree" only when this function took it from a lookup or a tree
 *   iterator (`find_vma()`, `vma_lookup()`, `for_each_vma()`, ...): a parameter may be a VMA
 *   not yet inserted (an `f_op->mmap` handler's, `vm_area_alloc()`'s, `vm_area_dup()`'s), and
 *   a helper that writes its parameter's fields is judged at its callers only through what it
 *   does to the lock (below);
 * - the mmap lock is judged only where the function's own body shows its state (it took,
 *   downgraded or released the lock, or asserted it with `mmap_assert_write_locked()`), or
 *   where an in-file caller calls it in a state its body shows;
 * - a VMA is write-locked by `vma_start_write()`, `vma_assert_write_locked()`, a
 *   `vma_merge_*()` result, a `vma_modify_*()` result when the VMA handed in was (it may hand
 *   that VMA back as it was), or a call that hands it to a helper whose body write-locks VMAs
 *   (`vma_expand()`, `split_vma()`, `vm_flags_set()`, ...);
 * - a callee requires a VMA parameter write-locked when it asserts `vma_assert_write_locked()`
 *   on it, or hands it (possibly through `vma_modify_*()`) to a function that does.
 * The per-VMA half applies only where the code or the tree has the per-VMA locks (6.12): the
 * API level is read as `vm-flags-direct-write` and `api-version-gate` read it. In a 6.1-style
 * tree only the mmap write lock is checked, and direct `vm_flags` writes count as field writes.
 */
import { displayKey, forEachChild, forEachExpr, isNullConstant, type Expr } from '../analysis/ast.js';
import { objectAt, pendingOf, settlePending, SummaryMemo, type BracketSummaries, type NameQuery, type PendingAcquisition } from '../analysis/brackets.js';
import { reachableFrom, type CfgNode } from '../analysis/cfg.js';
import type { AnalyzedFile, AnalyzedFunction } from '../analysis/file.js';
import type { FunctionSpan } from '../analysis/functions.js';
import { edgeInto, explore } from '../analysis/paths.js';
import { callsOneOf, defineRule } from './define-rule.js';
import { helperDefinition } from './facts.js';
import { bodyMentions, lockEvents, type Mode } from './mmap-lock.js';
import { MMAP_LOCK_OPS, MMAP_LOCK_REQUIRED, MMAP_READ_LOCK, MMAP_WRITE_LOCK, VM_FLAGS_API, VMA_WRITE_LOCKING } from './resources.js';
import { liveCalls, withoutMmu } from './api-level.js';
import { isVma } from './vm-flags-direct-write.js';

const LOOKUPS = new Set<string>(VMA_WRITE_LOCKING.lookups);
const ITERATORS = new Set<string>(VMA_WRITE_LOCKING.iterators);
const INSERTIONS = new Map<string, number>(VMA_WRITE_LOCKING.insertions.map((i) => [i.name, i.arg]));
const ALLOCATORS = new Set<string>(VM_FLAGS_API.fresh);
const WRITE_LOCKS = new Set<string>(VMA_WRITE_LOCKING.locks);
const LOCKING_HELPERS = new Set<string>(VMA_WRITE_LOCKING.lockingHelpers);
/** The words a function judged by this rule mentions itself. */
const OWN_WORDS: readonly string[] = [...VMA_WRITE_LOCKING.locks, ...VMA_WRITE_LOCKING.lookups, ...VMA_WRITE_LOCKING.iterators, ...INSERTIONS.keys(), ...MMAP_LOCK_OPS.filter((o) => o.op !== 'assert').map((o) => o.name)];
const ownWords = callsOneOf(OWN_WORDS);
/** The mmap lock's own calls, by which a wrapper takes or drops it for its caller. */
const LOCK_CALLS: ReadonlySet<string> = new Set(MMAP_LOCK_OPS.filter((o) => o.op !== 'assert').map((o) => o.name));

/**
 * Whether the function calls a wrapper of the mmap lock (sweep S: `mn_lock_write(mm)` for
 * `mmap_write_lock(mm)`), in its own file or another the summaries read (sweep Z).
 */
function locksThroughHelper(file: AnalyzedFile, span: FunctionSpan, summaries: BracketSummaries): boolean {
  for (const callee of file.calleesOf(span)) if (helperDefinition({ file, span }, callee, summaries, LOCK_CALLS)) return true;
  return false;
}
const MMAP_WRITE_ASSERTS = new Set<string>(VMA_WRITE_LOCKING.mmapWriteAsserts);
/** Kernel functions that assert the mmap write lock (resources.ts), with why. */
const WRITE_REQUIRED = new Map([...MMAP_LOCK_REQUIRED].filter(([, need]) => need.write).map(([name, need]) => [name, need.why]));
/** Summaries of known kernel functions (resources.ts), taken as given instead of their bodies. */
const KNOWN_REQUIRES = new Map<string, ReadonlyMap<number, Requirement>>(
  VMA_WRITE_LOCKING.requiresWriteLocked.map((r) => [r.name, new Map([[r.arg, { chain: [r.name], through: null }]])]),
);

/** The function's own mmap lock state (all its mms together), and its write-locked VMAs. */
interface State {
  lock: 'entry' | 'read' | 'write' | 'none' | 'unknown';
  /** Where the function took the read lock, downgraded or released the lock; or took the write lock. */
  since: number | null;
  /** VMAs (by value) write-locked on this path, with where; {@link ALL} for every VMA. */
  locked: ReadonlyMap<string, number>;
  /** A killable lock whose result a branch has yet to test (`if (mmap_write_lock_killable(mm))`). */
  pending: { on: PendingAcquisition; mode: Mode; at: number } | null;
}

/** A write of a protected field of a VMA, at a CFG node. */
interface FieldWrite {
  node: number;
  expr: Expr;
  /** The VMA by value, and as written. */
  vma: string;
  base: Expr;
  field: string;
  /** Where the VMA came from: the lookup or iterator that put it in the variable; null when not from one. */
  origin: number | null;
}

/** The key of {@link State.locked} that stands for every VMA (a walk that write-locked them all). */
const ALL = '*';

function isLocked(s: State, vma: string): boolean {
  return s.locked.has(vma) || s.locked.has(ALL);
}

type Ev =
  | { k: 'start-write'; vma: string | null; call: Expr }
  /** A helper that write-locks every VMA it walks (`queue_pages_range(..., MPOL_MF_WRLOCK)`). */
  | { k: 'lock-all' }
  | { k: 'assert-vma'; vma: string | null }
  | { k: 'assert-mm' }
  /** Any other call handed a VMA, or of a function of this file: judged through its summary. */
  | { k: 'call'; name: string; vmas: readonly string[]; args: ReadonlyArray<{ vma: string; origin: number } | null> };

/** What a callee does from its entry state, before it locks or asserts anything itself. */
interface CalleeSummary {
  /** What needs the caller's mmap write lock, as a verb phrase: it calls `vma_start_write()`, or writes a field of a looked-up VMA. */
  needs: string | null;
  /** Protected fields it writes on its VMA parameters, by parameter index, before write-locking any VMA. */
  params: ReadonlyMap<number, string>;
  /** VMA parameters it requires write-locked (it, or a callee it hands them to, asserts it), by index. */
  requires: ReadonlyMap<number, Requirement>;
}

/** How a callee comes to require a VMA parameter write-locked. */
interface Requirement {
  /** The callee, then each function it hands the VMA to, down to the one that asserts the lock. */
  chain: readonly string[];
  /** A `vma_modify_*()` on the way, which hands the VMA back unlocked when it changes nothing. */
  through: string | null;
}

const summaryMemo = new WeakMap<AnalyzedFunction, CalleeSummary | 'pending'>();
/** The protected fields of a tree with per-VMA locks (6.12), where `vm_flags` changes only through its helpers. */
const PER_VMA_FIELDS: ReadonlySet<string> = new Set(VMA_WRITE_LOCKING.fields);
/** The protected fields of a tree without them (6.1), where `vm_flags` is a plain field. */
const ALL_FIELDS: ReadonlySet<string> = new Set([...VMA_WRITE_LOCKING.fields, 'vm_flags']);

/** The fields whose writes the rule judges in a tree with (or without) the per-VMA locks. */
function protectedFields(perVma: boolean): ReadonlySet<string> {
  return perVma ? PER_VMA_FIELDS : ALL_FIELDS;
}

/** What a file must mention to hold a callee worth summarising. */
const SUMMARY_WORDS: readonly string[] = ['vma_start_write', ...ALL_FIELDS];
/**
 * What a callee must do, itself or through its helpers, for its summary to say anything: write
 * a protected field or call `vma_start_write()` (what it needs or writes), call
 * `vma_assert_write_locked()` or a function of the table of known requirements (what it
 * requires). Most callees read `vm_start` or `vm_flags`; only a write counts.
 */
const SUMMARY_QUERY: NameQuery = {
  words: ['vma_start_write', 'vma_assert_write_locked', ...KNOWN_REQUIRES.keys(), ...MMAP_WRITE_ASSERTS, ...LOCKING_HELPERS, ...WRITE_REQUIRED.keys()],
  written: ALL_FIELDS,
  via: SUMMARY_WORDS,
};

export default defineRule({
  id: 'vma-modify-without-write-lock',
  meta: {
    summary: 'a VMA in the tree is modified only under the mmap write lock and after `vma_start_write()`',
    severity: 'error',
    confidence: 'medium',
    resources: [MMAP_READ_LOCK, MMAP_WRITE_LOCK],
    // The lookups and iterators too: a VMA written is judged only when one of them produced it.
    // The mmap assertions are not: they matter only next to a lookup or a VMA lock.
    calls: [...WRITE_LOCKS, ...LOOKUPS, ...ITERATORS, ...INSERTIONS.keys()],
    // Every report needs a lock call, a lookup or a VMA lock in the function itself, or a
    // wrapper that takes or drops the lock for it (a caller of such a function that
    // has none of them can be judged on nothing), and something to report: a protected field
    // written, `vma_start_write()`, or a callee whose summary says something, which it can only
    // when it or one of its helpers names what SUMMARY_QUERY does.
    needs: (file, span, summaries) => (ownWords(file, span, summaries) || locksThroughHelper(file, span, summaries)) && summaries.mayName(file, span, SUMMARY_QUERY),
  },
  messages: {
    fieldWithoutVmaLock: {
      headline: '`{{target}}` is written without `vma_start_write({{vma}})` first',
      explanation:
        '`{{vma}}` comes from `{{origin}}`, so it is in the VMA tree, where a page fault can hold its per-VMA read lock (`lock_vma_under_rcu()`) without the mmap lock and read `{{field}}` while it changes. Writing `{{field}}` needs the mmap write lock and the VMA write lock (Documentation/mm/process_addrs.rst, "VMA fields"; include/linux/mm.h: `vma_start_write()`); on the path shown nothing write-locked `{{vma}}` first. A missing `vma_start_write()` is what `fork: lock VMAs of the parent process when forking` fixed (kernel/fork.c, `dup_mmap()`).',
      fix: 'Call `vma_start_write({{vma}})` under the mmap write lock before changing `{{field}}`.',
    },
    fieldUnderReadLock: {
      headline: '`{{target}}` is written while the mmap lock is {{held}}',
      explanation:
        '`{{vma}}` comes from `{{origin}}`, so it is in the VMA tree, and `{{field}}` of a VMA in the tree changes only under the mmap write lock (Documentation/mm/process_addrs.rst, "VMA fields"): on the path shown this function {{state}}, so another thread holding the mmap read lock (a page fault, `/proc/pid/maps`, GUP) reads the field while it changes. Stack expansion rewriting VMAs under the read lock was StackRot (CVE-2023-3269).',
      fix: 'Take `mmap_write_lock()` for the change (or make it before `mmap_write_downgrade()`){{andLock}}.',
    },
    startWriteWithoutWriteLock: {
      headline: '`vma_start_write({{vma}})` runs while the mmap lock is {{held}}',
      explanation:
        '`vma_start_write()` requires the mmap lock held for writing: it asserts `mmap_assert_write_locked()` (include/linux/mm.h), and its sequence count is only ever reset by `mmap_write_unlock()`/`mmap_write_downgrade()` (`vma_end_write_all()`). On the path shown this function {{state}}, so two threads can write-lock VMAs at once and the per-VMA lock stops excluding page faults.',
      fix: 'Take `mmap_write_lock()` before write-locking the VMA (and keep it until the change is done).',
    },
    calleeWritesWithoutVmaLock: {
      headline: '`{{callee}}()` writes `{{field}}` of `{{vma}}`, which nothing write-locked',
      explanation:
        '`{{vma}}` comes from `{{origin}}`, so it is in the VMA tree, and `{{callee}}()`{{alias}} writes its `{{field}}` without write-locking it (it neither calls nor asserts `vma_start_write()` first). A page fault holding the per-VMA read lock (`lock_vma_under_rcu()`) reads `{{field}}` without the mmap lock (Documentation/mm/process_addrs.rst, "VMA fields"), so the caller must write-lock the VMA before handing it over.',
      fix: 'Call `vma_start_write({{vma}})` before `{{callee}}()`, under the mmap write lock.',
    },
    calleeNeedsWriteLock: {
      headline: '`{{callee}}()` needs the mmap write lock, but here it is {{held}}',
      explanation:
        '`{{callee}}()` {{what}} without taking the mmap lock itself, so it relies on its caller holding the mmap write lock{{because}}. On the path shown this function {{state}}.',
      fix: 'Call `{{callee}}()` under `mmap_write_lock()`.',
    },
    calleeRequiresVmaLock: {
      headline: '`{{callee}}()` needs `{{vma}}` write-locked, and nothing write-locked it',
      explanation:
        '`{{vma}}` comes from `{{origin}}`, so it is in the VMA tree, where a page fault can hold its per-VMA read lock (`lock_vma_under_rcu()`) without the mmap lock. `{{callee}}()` requires the VMA write-locked: {{how}}. On the path shown nothing write-locked `{{vma}}` before the call, so a page fault holding only the per-VMA lock can run while `{{callee}}()` changes the VMA, its fields or its page tables.{{history}}',
      fix: 'Call `vma_start_write({{vma}})` under the mmap write lock before `{{callee}}()`: it requires the VMA write-locked by its caller rather than locking it itself.',
    },
  },
  check(fn, ctx) {
    const perVma = hasPerVmaLocks(fn, ctx.summaries);
    const fields = protectedFields(perVma);
    const writes = treeWrites(fn, fields);
    const events = eventsOf(fn);
    const locks = lockEvents(fn, ctx.summaries);
    // Nothing to judge without a field write of a VMA of the tree, a VMA of the tree handed to a
    // callee, or a lock state of the function's own under a VMA write-locking call.
    const all = [...events.values()].flat();
    const handsTree = all.some((e) => e.k === 'call' && e.args.some((a) => a !== null));
    const ownLock = [...locks.values()].flat().some((e) => e.op !== 'unknown');
    if (writes.size === 0 && !handsTree && !(ownLock && all.some((e) => e.k === 'start-write' || e.k === 'call'))) return;
    // Callee summaries and helper bodies are read on demand, once per call site.
    const summaryAt = new Map<number, CalleeSummary | null>();
    const summaryOf = (node: CfgNode, e: Ev & { k: 'call' }): CalleeSummary | null => {
      const key = node.id * 64 + e.args.length;
      if (!summaryAt.has(key)) summaryAt.set(key, e.name === fn.name ? null : calleeSummary(fn, e.name, ctx.summaries, e.args.some((a) => a !== null)));
      return summaryAt.get(key) ?? null;
    };
    const handsAt = new Map<string, boolean>();
    const locksHanded = (e: Ev & { k: 'call' }): boolean => {
      if (!handsAt.has(e.name)) handsAt.set(e.name, LOCKING_HELPERS.has(e.name) || bodyMentions(fn, e.name, ctx.summaries, ['vma_start_write']));
      return handsAt.get(e.name)!;
    };
    const reported = new Set<number>();
    const stateText = (s: State): string => (s.lock === 'read' ? 'holds the mmap lock only for reading' : 'has released the mmap lock');
    const heldText = (s: State): string => (s.lock === 'read' ? 'held only for reading' : 'released');
    const sinceLabel = (s: State): string => (s.lock === 'read' ? 'the mmap lock is held only for reading from here' : 'the mmap lock is released here');
    const lockRelated = (s: State): Array<{ at: CfgNode; message: string }> => (s.since === null ? [] : [{ at: fn.cfg.nodes[s.since]!, message: sinceLabel(s) }]);

    const entered = enteredAllLocked(fn, ctx.summaries);
    const result = explore<State>(fn.cfg, fn.facts, {
      initial: { lock: 'entry', since: null, locked: entered ? new Map([[ALL, fn.cfg.entry]]) : new Map(), pending: null },
      key: (s) => `${s.lock}${s.since ?? ''}|${[...s.locked.keys()].sort().join(',')}|${s.pending ? JSON.stringify(s.pending) : ''}`,
      step(s, node, trace) {
        let cur = s;
        if (cur.pending) {
          const settled = settlePending(cur.pending.on, node, edgeInto(fn.cfg, trace, node));
          if (settled === 'acquired') cur = { ...cur, lock: cur.pending.mode, since: cur.pending.at, pending: null };
          // A failed attempt leaves the path on its way out: nothing to judge there.
          else if (settled === 'failed' || settled === 'forgotten') cur = { ...cur, lock: 'unknown', since: null, pending: null };
          else if (settled !== null) cur = { ...cur, pending: { ...cur.pending, on: settled } };
        }
        const lock = (vma: string | null): void => {
          if (vma !== null && !cur.locked.has(vma)) cur = { ...cur, locked: new Map([...cur.locked, [vma, node.id]]) };
        };
        const judged = cur.lock === 'read' || cur.lock === 'none';
        for (const e of events.get(node.id) ?? []) {
          if (e.k === 'lock-all') {
            lock(ALL);
          } else if (e.k === 'assert-mm') {
            if (cur.lock === 'entry') cur = { ...cur, lock: 'write', since: node.id };
          } else if (e.k === 'assert-vma') {
            lock(e.vma);
          } else if (e.k === 'start-write') {
            if (judged && e.vma !== null && once(reported, node.id)) {
              ctx.report({ messageId: 'startWriteWithoutWriteLock', data: { vma: displayKey(e.vma), state: stateText(cur), held: heldText(cur) }, at: node, related: lockRelated(cur) });
            }
            lock(e.vma);
          } else {
            // A helper that writes a field of the VMA it is handed (`vma_set_range()`) is judged
            // at a caller that hands it a VMA of the tree.
            const unlocked = perVma && (cur.lock === 'write' || cur.lock === 'entry') && e.args.some((a) => a !== null && !isLocked(cur, a.vma));
            const summary = judged || unlocked ? summaryOf(node, e) : null;
            const handed = summary ? (e.args.map((a, i) => (a && summary.params.has(i) ? { ...a, field: summary.params.get(i)! } : null)).find((a) => a !== null) ?? null) : null;
            const what = summary?.needs ?? (handed ? `writes \`${handed.field}\` of the VMA it is handed (\`${displayKey(handed.vma)}\`, a VMA in the tree)` : null);
            if (judged && what !== null && once(reported, node.id)) {
              const because = /vma_start_write|write-locks/.test(what) ? ' (`vma_start_write()` asserts `mmap_assert_write_locked()`, include/linux/mm.h)' : '';
              ctx.report({ messageId: 'calleeNeedsWriteLock', data: { callee: e.name, what, because, state: stateText(cur), held: heldText(cur) }, at: node, related: lockRelated(cur) });
            } else if (perVma && handed && (cur.lock === 'write' || cur.lock === 'entry') && !isLocked(cur, handed.vma) && once(reported, node.id)) {
              ctx.report({
                messageId: 'calleeWritesWithoutVmaLock',
                data: { callee: e.name, alias: aliasOf(fn, e.name), field: handed.field, vma: displayKey(handed.vma), origin: originText(fn, handed.origin) },
                at: node,
                related: [{ at: fn.cfg.nodes[handed.origin]!, message: `\`${displayKey(handed.vma)}\` is a VMA in the tree from here` }],
              });
            } else if (unlocked && summary) {
              const needed = e.args.map((a, i) => (a && !isLocked(cur, a.vma) && summary.requires.has(i) ? { ...a, requirement: summary.requires.get(i)! } : null)).find((a) => a !== null);
              if (needed && once(reported, node.id)) {
                ctx.report({
                  messageId: 'calleeRequiresVmaLock',
                  data: { callee: e.name, vma: displayKey(needed.vma), origin: originText(fn, needed.origin), how: requirementText(needed.requirement), history: historyOf(needed.requirement) },
                  at: node,
                  related: [{ at: fn.cfg.nodes[needed.origin]!, message: `\`${displayKey(needed.vma)}\` is a VMA in the tree from here` }],
                });
              }
            }
            // A VMA handed to a helper that write-locks VMAs (`vma_expand()`, `split_vma()`,
            // `vm_flags_set()`, or a function widen can read that calls `vma_start_write()`) is
            // taken as write-locked after the call: the helper's own lock, not a guess at ours.
            if ((writes.size > 0 || handsTree) && e.vmas.some((v) => !isLocked(cur, v)) && locksHanded(e)) for (const v of e.vmas) lock(v);
          }
        }
        for (const w of writes.get(node.id) ?? []) {
          const target = fn.text(w.expr.k === 'assign' ? w.expr.target : w.expr.k === 'update' ? w.expr.arg : w.expr);
          const data = { target, vma: fn.text(w.base), field: w.field, origin: originText(fn, w.origin) };
          const from = { at: fn.cfg.nodes[w.origin]!, message: `\`${data.vma}\` is a VMA in the tree from here` };
          if (cur.lock === 'read' || cur.lock === 'none') {
            if (once(reported, node.id)) {
              const andLock = perVma && !isLocked(cur, w.vma) ? `, and call \`vma_start_write(${data.vma})\` before it` : '';
              ctx.report({ messageId: 'fieldUnderReadLock', data: { ...data, state: stateText(cur), held: heldText(cur), andLock }, at: node, related: [from, ...lockRelated(cur)] });
            }
          } else if (perVma && (cur.lock === 'write' || cur.lock === 'entry') && !isLocked(cur, w.vma) && once(reported, node.id)) {
            const modified = modifiedBy(fn, w.base, node.id);
            ctx.report({
              messageId: 'fieldWithoutVmaLock',
              data,
              at: node,
              related: [
                from,
                ...(modified ? [{ at: fn.cfg.nodes[modified.node]!, message: `\`${modified.name}()\` hands back the VMA it was given, still unlocked, when it needs neither a split nor a merge` }] : []),
                ...(cur.since === null ? [] : [{ at: fn.cfg.nodes[cur.since]!, message: 'the mmap write lock is held from here, but the VMA is not write-locked' }]),
              ],
            });
          }
        }
        for (const e of locks.get(node.id) ?? []) {
          // A lock that may fail (a trylock, a killable lock) holds from the branch that tests
          // its result; untested, it is not followed (`BUG_ON(mmap_read_trylock(mm))` asserts
          // that the caller holds the lock, and its failure edge is where the path goes on).
          const pending = e.op === 'lock' && e.event.acquisition.k !== 'always' ? pendingOf(node, e.event.acquisition) : null;
          if (e.op === 'unknown' || (e.op === 'lock' && e.event.acquisition.k !== 'always')) cur = { ...cur, lock: 'unknown', since: null, pending: pending && { on: pending, mode: e.mode, at: node.id } };
          else if (e.op === 'lock') cur = { ...cur, lock: e.mode, since: node.id, pending: null };
          // Dropping or downgrading the mmap write lock ends every VMA write lock (vma_end_write_all()).
          else if (e.op === 'downgrade') cur = { lock: 'read', since: node.id, locked: new Map(), pending: null };
          else cur = { lock: 'none', since: node.id, locked: new Map(), pending: null };
        }
        // A VMA variable assigned anew holds another VMA, write-locked only when it comes from
        // `vma_merge_*()`, which returns it write-locked, or from `vma_modify_*()` handed a
        // write-locked VMA: it returns a VMA it split or merged, write-locked, or the one it was
        // handed, as it was.
        for (const ev of node.events) {
          if (ev.k !== 'def' || ev.how === 'addr') continue;
          const value = ev.value?.k === 'call' ? ev.value : null;
          const input = value?.name && VMA_WRITE_LOCKING.returnsInput.pattern.test(value.name) ? objectAt(fn, value.args[VMA_WRITE_LOCKING.returnsInput.arg], node.id) : null;
          if (value?.name && VMA_WRITE_LOCKING.returnsLocked.test(value.name) && (input === null || isLocked(cur, input))) {
            cur = { ...cur, locked: new Map([...cur.locked, [ev.key, node.id]]) };
          } else if ([...cur.locked.keys()].some((v) => v === ev.key || v.startsWith(`${ev.key}->`))) {
            cur = { ...cur, locked: new Map([...cur.locked].filter(([v]) => v !== ev.key && !v.startsWith(`${ev.key}->`))) };
          }
        }
        return cur;
      },
      exit() {},
    });
    if (!result.complete) ctx.incomplete('the write locking of VMAs');
  },
});

/** The fixed bug a requirement comes from, when it is a known one. */
function historyOf(r: Requirement): string {
  return r.chain.includes('copy_page_range')
    ? ' This is the race `fork: lock VMAs of the parent process when forking` fixed in `dup_mmap()`: `copy_page_range()` write-protects the parent\'s pages and shares them with the child, and needs the VMA and its PTEs to stay as they are meanwhile; page faults under the per-VMA lock changed them and corrupted memory.'
    : '';
}

/** How a callee comes to require a VMA write-locked, for the message. */
function requirementText(r: Requirement): string {
  const asserts = 'asserts `vma_assert_write_locked()` on it';
  const how = r.chain.length === 1 ? `it ${asserts}` : `it hands it to ${r.chain.slice(1).map((n) => `\`${n}()\``).join(', then to ')}, which ${asserts}`;
  return r.through ? `${how}; \`${r.through}()\` on the way hands the VMA back unchanged, and still unlocked, when it needs neither a split nor a merge` : how;
}

function once(seen: Set<number>, id: number): boolean {
  if (seen.has(id)) return false;
  seen.add(id);
  return true;
}

/**
 * Whether the code has the per-VMA locks: the file calls or defines one of their functions
 * outside a `#ifdef` on a macro that may be defined nowhere, or the tree widen can read
 * defines `vma_start_write()` (include/linux/mm.h, 6.4 and later). Code built only without an
 * MMU (mm/nommu.c) has none: CONFIG_PER_VMA_LOCK needs the MMU, and `vma_start_write()` is
 * an empty stub there.
 */
function hasPerVmaLocks(fn: AnalyzedFunction, summaries: BracketSummaries): boolean {
  if (withoutMmu(fn)) return false;
  // The same for every function of a file: asked once per file (the tree lookup is not free).
  return perVmaMemo.get(summaries, fn.file, () => liveCalls(fn.file, { names: VMA_WRITE_LOCKING.perVmaApi, skipComments: true }).length > 0 || summaries.definitions(VMA_WRITE_LOCKING.probe, fn.file).length > 0);
}

const perVmaMemo = new SummaryMemo<AnalyzedFunction['file'], boolean>();

/** The walkers that write-lock every VMA they walk when handed their flag. */
const LOCK_ALL_WALKERS: ReadonlySet<string> = new Set(VMA_WRITE_LOCKING.locksAllWith.map((w) => w.name));

/**
 * Whether a `static` function is entered with every VMA of its range write-locked by its
 * callers: it has callers in its file, and each call of it comes after one of
 * `queue_pages_range(..., MPOL_MF_WRLOCK)`'s kind on every path, with no mmap unlock or
 * downgrade between (sweep X: `do_mbind()`'s loop over `mbind_range()` moved into a helper,
 * whose calls were reported as needing VMAs nothing had write-locked).
 */
function enteredAllLocked(fn: AnalyzedFunction, summaries: BracketSummaries): boolean {
  if (!/^\s*static\b/.test(fn.file.source.text.slice(fn.span.start, fn.span.start + 40))) return false;
  const callers = fn.file.functionsMentioning(fn.span.name).filter((c) => c !== fn.span);
  // Cheap first: every caller names such a walker.
  if (callers.length === 0 || callers.some((c) => !fn.file.mentions(c, LOCK_ALL_WALKERS))) return false;
  let calls = 0;
  for (const span of callers) {
    const caller = fn.file.analyze(span);
    if (!caller) return false;
    // Named without a call (its address taken): callers widen cannot see.
    if (!caller.cfg.nodes.some((n) => n.events.some((e) => e.k === 'call' && e.name === fn.span.name))) return false;
    const events = eventsOf(caller);
    const locks = lockEvents(caller, summaries);
    const lockAll = new Set([...events].filter(([, list]) => list.some((e) => e.k === 'lock-all')).map(([id]) => id));
    if (lockAll.size === 0) return false;
    const ends = new Set([...locks].filter(([, list]) => list.some((e) => e.op !== 'lock')).map(([id]) => id));
    const afterLockAll = new Set([...lockAll].flatMap((id) => reachableFrom(caller.cfg, caller.cfg.nodes[id]!).nodes.map((n) => n.id)));
    const reaches = (from: number, to: CfgNode): boolean => reachableFrom(caller.cfg, caller.cfg.nodes[from]!, (n) => lockAll.has(n.id)).nodes.includes(to);
    for (const node of caller.cfg.nodes) {
      if (!node.events.some((e) => e.k === 'call' && e.name === fn.span.name)) continue;
      calls++;
      // Every way to the call passes a lock-all, and no unlock that follows a lock-all reaches
      // the call without another lock-all first.
      if (reaches(caller.cfg.entry, node)) return false;
      for (const id of ends) if (afterLockAll.has(id) && reaches(id, node)) return false;
    }
  }
  return calls > 0;
}

/** The calls of `fn` that write-lock a VMA, prove it is, or may need the caller's locks. */
function eventsOf(fn: AnalyzedFunction): Map<number, Ev[]> {
  const out = new Map<number, Ev[]>();
  const vmaOf = (arg: Expr | undefined, node: CfgNode): string | null => objectAt(fn, arg, node.id);
  for (const node of fn.cfg.nodes) {
    for (const ev of node.events) {
      if (ev.k !== 'call' || ev.name === null) continue;
      const name = ev.name;
      let e: Ev | null = null;
      const walker = VMA_WRITE_LOCKING.locksAllWith.find((w) => w.name === name);
      if (walker && ev.call.args.some((a) => fn.text(a).includes(walker.flag))) e = { k: 'lock-all' };
      else if (name === 'vma_start_write') e = { k: 'start-write', vma: vmaOf(ev.call.args[0], node), call: ev.call };
      else if (name === 'vma_assert_write_locked') e = { k: 'assert-vma', vma: vmaOf(ev.call.args[0], node) };
      else if (MMAP_WRITE_ASSERTS.has(name) && (name !== 'lockdep_assert_held_write' || fn.text(ev.call).includes('mmap_lock'))) e = { k: 'assert-mm' };
      else {
        const vmas: string[] = [];
        const args = ev.call.args.map((a) => {
          const vma = isVma(fn, a) ? vmaOf(a, node) : null;
          if (vma !== null) vmas.push(vma);
          const origin = vma === null ? null : inTree(fn, a, node.id);
          return vma !== null && origin !== null ? { vma, origin } : null;
        });
        if (vmas.length > 0 || fn.file.calleeDefinitionsOf(name).length > 0) e = { k: 'call', name, vmas, args };
      }
      if (e === null) continue;
      const list = out.get(node.id) ?? [];
      list.push(e);
      out.set(node.id, list);
    }
  }
  return out;
}

/** Writes of a protected field of a VMA that this function took from a lookup or a tree iterator, per CFG node. */
function treeWrites(fn: AnalyzedFunction, fields: ReadonlySet<string>): Map<number, Array<FieldWrite & { origin: number }>> {
  const out = new Map<number, Array<FieldWrite & { origin: number }>>();
  for (const [id, list] of allWrites(fn, fields)) {
    const kept = list.filter((w): w is FieldWrite & { origin: number } => w.origin !== null);
    if (kept.length > 0) out.set(id, kept);
  }
  return out;
}

/**
 * Writes of a protected field of a VMA, per CFG node, with where the VMA came from when a
 * lookup or iterator of this function produced it. `anon_vma` counts only when cleared:
 * setting it is done under the `page_table_lock` (`__anon_vma_prepare()`), not the VMA lock.
 */
function allWrites(fn: AnalyzedFunction, fields: ReadonlySet<string>): Map<number, FieldWrite[]> {
  const out = new Map<number, FieldWrite[]>();
  for (const node of fn.cfg.nodes) {
    if (!node.expr) continue;
    forEachExpr(node.expr, (e) => {
      if (e.k !== 'assign' && e.k !== 'update') return;
      let target = e.k === 'assign' ? e.target : e.arg;
      // `vma->vm_userfaultfd_ctx.ctx = NULL` writes the VMA's `vm_userfaultfd_ctx`.
      while (target.k === 'field' && !target.arrow && target.base.k === 'field') target = target.base;
      if (target.k !== 'field' || !fields.has(target.field) || !target.arrow || !isVma(fn, target.base)) return;
      if (target.field === 'anon_vma' && !(e.k === 'assign' && e.op === '=' && isNullConstant(e.value))) return;
      const vma = objectAt(fn, target.base, node.id);
      if (vma === null) return;
      const origin = inTree(fn, target.base, node.id);
      const list = out.get(node.id) ?? [];
      list.push({ node: node.id, expr: e, vma, base: target.base, field: target.field, origin });
      out.set(node.id, list);
    });
  }
  return out;
}

/**
 * The node that put a VMA of the tree into `e` on every path reaching `at` (a lookup call or a
 * tree iterator's head), or null when some definition reaching `at` is anything else (a
 * parameter, an allocation, a copy of something else).
 */
function inTree(fn: AnalyzedFunction, e: Expr, at: number, depth = 0): number | null {
  if (e.k === 'cast') return inTree(fn, e.arg, at, depth);
  if (e.k !== 'ident' || e.ref.scope === 'global' || depth > 3) return null;
  const defs = fn.defs.reaching(at, e.ref.id);
  if (defs.length === 0) return null;
  let origin: number | null = null;
  for (const d of defs) {
    let from: number | null = null;
    const v = d.def.value;
    if (d.def.how === 'iter') {
      const macro = fn.cfg.nodes[d.node]!.macro;
      from = macro && ITERATORS.has(macro.name) ? d.node : null;
    } else if ((d.def.how === 'assign' || d.def.how === 'init') && v) {
      const x = v.k === 'cast' ? v.arg : v;
      if (x.k === 'call' && x.name !== null && LOOKUPS.has(x.name)) from = d.node;
      else if (x.k === 'call' && x.name !== null && ALLOCATORS.has(x.name)) from = insertedAfter(fn, e.ref.id, d.node, at);
      else if (x.k === 'ident') from = inTree(fn, x, d.node, depth + 1);
      // `vma_modify_*()` may hand back the VMA of the tree it was given.
      else if (x.k === 'call' && x.name !== null && VMA_WRITE_LOCKING.returnsInput.pattern.test(x.name)) {
        const input = x.args[VMA_WRITE_LOCKING.returnsInput.arg];
        from = input ? inTree(fn, input, d.node, depth + 1) : null;
      }
    }
    if (from === null) return null;
    origin ??= from;
  }
  return origin;
}

/**
 * For a VMA allocated at node `def` into variable `ref`: the call that inserted it into the tree
 * when every path from `def` to `at` passes one (`vma_iter_store(&vmi, vma)`), else null: before
 * its insertion a VMA is the function's own, and its fields are written without locks.
 */
function insertedAfter(fn: AnalyzedFunction, ref: string, def: number, at: number): number | null {
  // Only a call whose result is dropped (`vma_iter_store(&vmi, vma);`): after a failed
  // `if (vma_link(mm, new_vma)) goto out_vma_link;` (6.1 `copy_vma()`) the VMA is not in the tree.
  const inserts = (n: CfgNode): boolean =>
    n.kind === 'stmt' &&
    n.expr?.k === 'call' &&
    n.events.some((ev) => {
      if (ev.k !== 'call' || ev.name === null || !INSERTIONS.has(ev.name) || ev.call.start !== n.expr!.start) return false;
      const a = ev.call.args[INSERTIONS.get(ev.name)!];
      const x = a?.k === 'cast' ? a.arg : a;
      return x?.k === 'ident' && x.ref.id === ref;
    });
  // The insertion itself prepares the VMA before it links it (`insert_vm_struct()` sets an
  // anonymous VMA's `vm_pgoff`): it is judged as a call on a VMA of the function's own.
  if (inserts(fn.cfg.nodes[at]!)) return null;
  const { nodes, stops } = reachableFrom(fn.cfg, fn.cfg.nodes[def]!, inserts);
  if (stops.length === 0 || nodes.some((n) => n.id === at)) return null;
  return stops.reduce((a, b) => (a.start <= b.start ? a : b)).id;
}

/** The `vma_modify_*()` call whose result `e` holds at node `at` on every path, if any. */
function modifiedBy(fn: AnalyzedFunction, e: Expr, at: number): { node: number; name: string } | null {
  const x = e.k === 'cast' ? e.arg : e;
  if (x.k !== 'ident') return null;
  const defs = fn.defs.reaching(at, x.ref.id);
  const v = defs.length === 1 ? defs[0]!.def.value : null;
  const call = v?.k === 'cast' ? v.arg : v;
  return call?.k === 'call' && call.name !== null && VMA_WRITE_LOCKING.returnsInput.pattern.test(call.name) ? { node: defs[0]!.node, name: call.name } : null;
}

/** The lookup or iterator at node `id`, for the message. */
function originText(fn: AnalyzedFunction, id: number): string {
  const node = fn.cfg.nodes[id]!;
  if (node.macro) return `${node.macro.name}()`;
  for (const ev of node.events) if (ev.k === 'call' && ev.name !== null && (LOOKUPS.has(ev.name) || INSERTIONS.has(ev.name))) return `${ev.name}()`;
  return fn.text(node);
}

/**
 * The summary of callee `name`: from the table of known kernel functions, else wherever widen
 * can read its one definition (the caller's file, or the scan's or tree's other files), else
 * null (none, or several).
 */
function calleeSummary(caller: AnalyzedFunction, name: string, summaries: BracketSummaries, anywhere: boolean): CalleeSummary | null {
  // A kernel function of the table is taken as given, with no body to read.
  const known = KNOWN_REQUIRES.get(name);
  if (known) return { needs: null, params: new Map(), requires: known };
  const writer = WRITE_REQUIRED.get(name);
  if (writer) return { needs: writer, params: new Map(), requires: new Map() };
  const defs = anywhere ? summaries.definitions(name, caller.file, SUMMARY_WORDS) : caller.file.calleeDefinitionsOf(name).map((span) => ({ file: caller.file, span }));
  if (defs.length === 1) return definitionSummary(defs[0]!, summaries);
  // Definitions under `#ifdef`s (s390's thp_split_mm() and its empty stub): what the call needs
  // in one configuration, it needs there. What each does to its parameters is not merged.
  for (const d of defs.length <= 3 ? defs : []) {
    const needs = definitionSummary(d, summaries)?.needs;
    if (needs) return { needs, params: new Map(), requires: new Map() };
  }
  return null;
}

function definitionSummary(def: { file: AnalyzedFunction['file']; span: FunctionSpan }, summaries: BracketSummaries): CalleeSummary | null {
  // A callee that names no protected field, VMA lock or assertion, itself or through its own
  // helpers, has an empty summary: its body is not read.
  if (!summaries.mayName(def.file, def.span, SUMMARY_QUERY)) return null;
  const fn = def.file.analyze(def.span);
  if (!fn) return null;
  const memo = summaryMemo.get(fn);
  if (memo === 'pending') return null;
  if (memo !== undefined) return memo;
  summaryMemo.set(fn, 'pending');
  const summary = summaries.nested<CalleeSummary | null>(
    () => summarise(fn, summaries),
    () => null,
  );
  // A summary cut off by depth is not remembered: from a shallower caller it may be computed.
  if (summary === null) summaryMemo.delete(fn);
  else summaryMemo.set(fn, summary);
  return summary;
}

/**
 * What `fn` does from its entry, on the paths before it takes, drops or asserts any lock and
 * before any branch on a parameter's value: whether it write-locks a VMA or writes a field of
 * a VMA it looked up (it needs the mmap write lock), and which protected fields it writes on
 * its VMA parameters before write-locking any VMA.
 */
function summarise(fn: AnalyzedFunction, summaries: BracketSummaries): CalleeSummary {
  const requires = requirementsOf(fn, summaries);
  const none: CalleeSummary = { needs: null, params: new Map(), requires };
  const perVma = hasPerVmaLocks(fn, summaries);
  const writes = allWrites(fn, protectedFields(perVma));
  const starts = new Set<number>();
  const vmaLocks = new Set<number>();
  const asserts = new Set<number>();
  /** What a call needs at a node: an assertion of the write lock is a need too, stated. */
  const needsAt = new Map<number, string>();
  for (const node of fn.cfg.nodes) {
    for (const e of node.events) {
      if (e.k !== 'call' || e.name === null) continue;
      if (e.name === 'vma_start_write') starts.add(node.id);
      if (WRITE_LOCKS.has(e.name) || LOCKING_HELPERS.has(e.name) || VMA_WRITE_LOCKING.returnsLocked.test(e.name)) vmaLocks.add(node.id);
      if (MMAP_WRITE_ASSERTS.has(e.name) || e.name === 'mmap_assert_locked') asserts.add(node.id);
      // `lockdep_assert_held_write()` of another lock (KVM's `mmu_lock`) is no need of this one.
      if (MMAP_WRITE_ASSERTS.has(e.name) && (e.name !== 'lockdep_assert_held_write' || /mmap_lock/.test(fn.text(e.call)))) needsAt.set(node.id, `asserts the mmap write lock (\`${e.name}()\`)`);
      else if (LOCKING_HELPERS.has(e.name)) needsAt.set(node.id, `calls \`${e.name}()\`, which write-locks the VMA it is handed (\`vma_start_write()\`)`);
    }
  }
  const paramIndex = new Map(fn.ast.params.map((p, i) => [p.ref.id, i]));
  // The callee's own callees, one summary each (`userfaultfd_reset_ctx()` writes through
  // `userfaultfd_set_ctx()`): what they need is what this one needs, and a field they write on
  // a parameter this one hands them is written on this one's parameter.
  const subsAt = new Map<number, Array<{ name: string; summary: CalleeSummary; params: Map<number, number> }>>();
  const subsOf = (node: CfgNode): Array<{ name: string; summary: CalleeSummary; params: Map<number, number> }> => {
    const known = subsAt.get(node.id);
    if (known) return known;
    const subs: Array<{ name: string; summary: CalleeSummary; params: Map<number, number> }> = [];
    subsAt.set(node.id, subs);
    for (const e of node.events) {
      if (e.k !== 'call' || e.name === null || e.name === fn.name || starts.has(node.id)) continue;
      const handed = new Map<number, number>();
      e.call.args.forEach((a, j) => {
        const p = paramAt(fn, a, node.id, paramIndex)?.param ?? null;
        if (p !== null) handed.set(j, p);
      });
      const summary = calleeSummary(fn, e.name, summaries, handed.size > 0);
      if (summary && (summary.needs !== null || summary.params.size > 0)) subs.push({ name: e.name, summary, params: handed });
    }
    return subs;
  };
  const locks = lockEvents(fn, summaries);
  let needs: string | null = null;
  const params = new Map<number, string>();
  const result = explore<boolean>(fn.cfg, fn.facts, {
    initial: true,
    key: () => 'e',
    step(_, node) {
      // An assertion of the mmap write lock is itself a need (sweep G: `__mmu_notifier_register()`
      // called under the read lock). Past any assertion, or a branch on a parameter's value
      // (`if (mm_wr_locked) vma_start_write(vma)` in free_pgtables(), mm/memory.c), what follows
      // is the caller's choice: the summary keeps to what the callee does unconditionally.
      if (needs === null && needsAt.has(node.id)) needs = needsAt.get(node.id)!;
      if (asserts.has(node.id) || branchesOnParam(fn, node)) return null;
      if (needs === null && starts.has(node.id)) needs = 'calls `vma_start_write()`';
      for (const w of writes.get(node.id) ?? []) {
        if (needs === null && w.origin !== null) needs = `writes \`${w.field}\` of a VMA it looked up`;
        const p = paramAt(fn, w.base, node.id, paramIndex)?.param ?? null;
        if (p !== null && !params.has(p)) params.set(p, w.field);
      }
      let locksVma = vmaLocks.has(node.id);
      for (const sub of subsOf(node)) {
        if (needs === null && sub.summary.needs !== null) needs = `${sub.summary.needs} (through \`${sub.name}()\`)`;
        for (const [j, p] of sub.params) if (sub.summary.params.has(j) && !params.has(p)) params.set(p, sub.summary.params.get(j)!);
        locksVma ||= sub.summary.needs !== null;
      }
      if (locksVma) return null;
      return (locks.get(node.id) ?? []).length > 0 ? null : true;
    },
    exit() {},
  });
  return result.complete ? { needs, params, requires } : none;
}

/**
 * The VMA parameters `fn` requires write-locked: those it asserts with
 * `vma_assert_write_locked()`, or hands to a callee that requires them, directly or through a
 * `vma_modify_*()` that may hand them back as they were. A parameter `fn` write-locks itself
 * anywhere (`vma_start_write()`, a helper that locks what it is handed) is its own business.
 */
function requirementsOf(fn: AnalyzedFunction, summaries: BracketSummaries): Map<number, Requirement> {
  const paramIndex = new Map(fn.ast.params.map((p, i) => [p.ref.id, i]));
  const out = new Map<number, Requirement>();
  const lockedHere = new Set<number>();
  for (const node of fn.cfg.nodes) {
    for (const e of node.events) {
      if (e.k !== 'call' || e.name === null || e.name === fn.name) continue;
      const args = e.call.args.map((a) => paramAt(fn, a, node.id, paramIndex, true));
      if (!args.some((a) => a !== null)) continue;
      if (e.name === 'vma_start_write' || LOCKING_HELPERS.has(e.name)) {
        for (const a of args) if (a) lockedHere.add(a.param);
      } else if (e.name === 'vma_assert_write_locked') {
        const a = args[0];
        if (a && !out.has(a.param)) out.set(a.param, { chain: [fn.name], through: a.through });
      } else {
        const sub = calleeSummary(fn, e.name, summaries, true)?.requires;
        args.forEach((a, j) => {
          const r = sub?.get(j);
          if (a && r && !out.has(a.param)) out.set(a.param, { chain: [fn.name, ...r.chain], through: a.through ?? r.through });
        });
      }
    }
  }
  for (const p of lockedHere) out.delete(p);
  return out;
}

/**
 * The index of the parameter whose entry value `e` holds at node `at` (`vma`, or a copy of it),
 * or null: a parameter variable reassigned on the way (`vma = vm_area_alloc(mm)` in
 * do_brk_flags(), mm/mmap.c) holds something else. With `throughModify`, also the result of a
 * `vma_modify_*()` handed that parameter (it may be the very same VMA), named in `through`.
 */
function paramAt(fn: AnalyzedFunction, e: Expr, at: number, paramIndex: ReadonlyMap<string, number>, throughModify = false, depth = 0): { param: number; through: string | null } | null {
  const x = e.k === 'cast' ? e.arg : e;
  if (x.k !== 'ident' || depth > 3) return null;
  const defs = fn.defs.reaching(at, x.ref.id);
  if (defs.length === 0) return null;
  let found: { param: number; through: string | null } | null = null;
  for (const d of defs) {
    let p: { param: number; through: string | null } | null = null;
    const v = d.def.value?.k === 'cast' ? d.def.value.arg : d.def.value;
    if (d.def.how === 'param') {
      const i = paramIndex.get(x.ref.id);
      p = i === undefined ? null : { param: i, through: null };
    } else if ((d.def.how === 'assign' || d.def.how === 'init') && v) {
      const modify = throughModify && v.k === 'call' && v.name !== null && VMA_WRITE_LOCKING.returnsInput.pattern.test(v.name) ? v : null;
      const input = modify?.args[VMA_WRITE_LOCKING.returnsInput.arg];
      if (modify && input) {
        const inner = paramAt(fn, input, d.node, paramIndex, true, depth + 1);
        p = inner && { param: inner.param, through: inner.through ?? modify.name };
      } else {
        p = paramAt(fn, v, d.node, paramIndex, throughModify, depth + 1);
      }
    }
    if (p === null || (found !== null && p.param !== found.param)) return null;
    found ??= p;
  }
  return found;
}

/** ` (a macro of this file for \`expand_downwards()\`)` when `name` is one, else nothing. */
function aliasOf(fn: AnalyzedFunction, name: string): string {
  const defs = fn.file.calleeDefinitionsOf(name);
  return defs.length === 1 && defs[0]!.name !== name ? ` (a macro of this file for \`${defs[0]!.name}()\`)` : '';
}

/** Binary operators through which a parameter is tested as a flag or a mode. */
const FLAG_TESTS: ReadonlySet<string> = new Set(['&&', '||', '&', '==', '!=']);

/** Whether a branch tests the value of a parameter itself (a flag), not something it points to. */
function branchesOnParam(fn: AnalyzedFunction, node: CfgNode): boolean {
  if ((node.kind !== 'branch' && node.kind !== 'loop') || !node.expr) return false;
  // A pointer parameter tested for NULL (`if (vma && ...)`) is not a flag.
  const flags = new Set(fn.ast.params.filter((p) => !p.pointer).map((p) => p.ref.id));
  let found = false;
  // Only a parameter tested as a flag or a mode (`if (write)`, `flags & FOLL_WRITE`, `mode ==
  // X`) chooses for the caller. A number compared or computed with (`address <
  // mmap_min_addr` in expand_downwards()) checks the request: what follows is still what the
  // callee does with it (sweep C, buggy-11).
  const visit = (e: Expr): void => {
    if (e.k === 'ident') found ||= flags.has(e.ref.id);
    else if (e.k === 'binary' && !FLAG_TESTS.has(e.op)) return;
    else if (e.k !== 'field' && e.k !== 'index' && e.k !== 'call' && !(e.k === 'unary' && e.op === '*')) forEachChild(e, visit);
  };
  visit(node.expr);
  return found;
}
