/**
 * TLB flushes that protect pages which outlive the page-table lock must run before that lock
 * is dropped: the flush of PTEs cleared (moved, migrated, collapsed) under the lock without a
 * gather, and the delayed-rmap flush of a gather (`tlb_flush_mmu_tlbonly()` then
 * `tlb_flush_rmaps()`).
 */
import { addressee, displayKey, forEachExpr, pathKey, type Expr } from '../analysis/ast.js';
import { reachableFrom, type CfgNode } from '../analysis/cfg.js';
import { acquisitionOf, pendingOf, settlePending, type BracketSummaries, type PendingAcquisition } from '../analysis/brackets.js';
import type { AnalyzedFile, AnalyzedFunction } from '../analysis/file.js';
import type { FunctionSpan } from '../analysis/functions.js';
import { intLiteral } from '../analysis/int-range.js';
import { edgeInto, explore } from '../analysis/paths.js';
import { defineRule, quoteCode, unlessIn } from './define-rule.js';
import { anyEvent, callEvents, helperDefinition } from './facts.js';
import { GATHER_QUEUE_OPS } from './resources.js';

/** Taking a PTE (or huge-PMD) lock; the lock is the argument at `lockArg` (`&ptl` or `ptl`). */
const ACQUIRE: ReadonlyMap<string, number> = new Map([
  ['pte_offset_map_lock', 3],
  ['spin_lock', 0],
  ['spin_lock_nested', 0],
]);
/**
 * Taking a PMD, PUD or hugetlb page-table lock and returning it (`old_ptl = pmd_lock(mm,
 * old_pmd);` in mremap's `move_normal_pmd()`): the call's result is the lock.
 */
const ACQUIRE_RETURNING: ReadonlySet<string> = new Set(['pmd_lock', 'pud_lock', 'huge_pte_lock', 'pmd_trans_huge_lock', 'pud_trans_huge_lock']);
/**
 * Acquisitions that fail by returning NULL, without the lock: since 6.5, `pte_offset_map_lock()`
 * returns NULL when the page table went away, and callers retry (`if (!ptep) goto again;`).
 */
const MAY_FAIL: ReadonlySet<string> = new Set(['pte_offset_map_lock', 'pmd_trans_huge_lock', 'pud_trans_huge_lock']);
const RELEASE: ReadonlyMap<string, number> = new Map([
  ['pte_unmap_unlock', 1],
  ['spin_unlock', 0],
]);
/** Clearing PTEs without a flush: the caller owes one. */
const CLEARS = ['ptep_get_and_clear', 'ptep_get_and_clear_full', 'get_and_clear_full_ptes', 'pte_clear', 'ptep_clear', 'huge_ptep_get_and_clear', 'pmdp_huge_get_and_clear', 'pudp_huge_get_and_clear', 'pmd_clear', 'pud_clear'];
/** Flushes of a range outside any gather. */
const FLUSHES = ['flush_tlb_range', 'flush_tlb_page', 'flush_tlb_mm', 'flush_tlb_mm_range', 'flush_pmd_tlb_range', 'flush_pud_tlb_range', 'flush_hugetlb_tlb_range'];

const RMAPS: ReadonlySet<string> = new Set(['tlb_flush_rmaps']);
/**
 * Gather operations that queue a page to be freed after the flush: with one under the lock, a
 * forced flush (`if (force_flush) tlb_flush_mmu_tlbonly(tlb);`) must come before the unlock.
 */
const QUEUES_PAGE: ReadonlySet<string> = new Set(GATHER_QUEUE_OPS.map((o) => o.name));
const TLBONLY: ReadonlySet<string> = new Set(['tlb_flush_mmu_tlbonly']);
/** `tlb_delay_rmap(tlb)`: true when the gather will remove the rmap at `tlb_flush_rmaps()`. */
const DELAY: ReadonlySet<string> = new Set(['tlb_delay_rmap']);
const FLUSH_SET: ReadonlySet<string> = new Set(FLUSHES);
const CLEAR_SET: ReadonlySet<string> = new Set(CLEARS);
const RELEASE_SET: ReadonlySet<string> = new Set(RELEASE.keys());

/**
 * Whether a lock argument is a page-table lock by its name (`ptl`, `old_ptl`, `vmf->ptl`, and
 * `ptl1`, `ptl2`: userfaultfd's `double_pt_unlock()`), not some other spinlock.
 */
function isPtl(text: string): boolean {
  return /(^|[^A-Za-z])ptl\d?$/.test(text.replace(/^&/, '').trim());
}

/** Calls that return a page-table lock without taking it (`spinlock_t *lock = pte_lockptr(mm, pmd);`). */
const LOCK_POINTERS: ReadonlySet<string> = new Set(['pte_lockptr', 'pmd_lockptr', 'pud_lockptr', 'huge_pte_lockptr', 'ptlock_ptr']);

/**
 * The function's page-table locks by value, whatever they are called (sweep S: `insert_pages()`
 * names it `pte_lock`, `follow_pte()` `lock`): the one `pte_offset_map_lock()` hands back
 * through its `&ptl` argument, and one a `*_lockptr()` call returns.
 */
function ptlKeys(fn: AnalyzedFunction): ReadonlySet<string> {
  const out = new Set<string>();
  for (const node of fn.cfg.nodes) {
    for (const ev of node.events) {
      if (ev.k === 'call' && ev.name === 'pte_offset_map_lock') {
        const arg = ev.call.args[ACQUIRE.get('pte_offset_map_lock')!];
        const key = arg && arg.k === 'unary' && arg.op === '&' ? pathKey(arg.arg) : null;
        if (key !== null) out.add(key);
      } else if (ev.k === 'def' && (ev.how === 'assign' || ev.how === 'init') && ev.value && ev.value.k === 'call' && ev.value.name !== null && (LOCK_POINTERS.has(ev.value.name) || ACQUIRE_RETURNING.has(ev.value.name))) {
        out.add(ev.key);
      }
    }
  }
  return out;
}

/** The flushes a helper may make for its caller. */
const HELPER_FLUSHES: ReadonlySet<string> = new Set([...FLUSHES, ...RMAPS, ...TLBONLY]);
/** The calls a helper is read for: it flushes, or takes or drops a page-table lock, for its caller. */
const HELPER_WORDS: ReadonlySet<string> = new Set([...HELPER_FLUSHES, ...RELEASE.keys(), ...ACQUIRE.keys(), ...ACQUIRE_RETURNING]);

/**
 * Whether the function mentions one of `names`, itself or in a helper it calls that {@link
 * helperEvents} would read (sweep S: mremap's flush moved into a static helper). With
 * `summaries`, a helper of another file they read too (sweep Z: page-table lock helpers moved
 * into mm/internal.h); without, before any summary is asked, one of the same file.
 */
function mentionsOrHelper(file: AnalyzedFile, span: FunctionSpan, names: ReadonlySet<string>, summaries?: BracketSummaries): boolean {
  if (file.mentions(span, names)) return true;
  for (const callee of file.calleesOf(span)) {
    const helper = helperDefinition({ file, span }, callee, summaries ?? null, HELPER_WORDS);
    if (helper && helper.file.mentions(helper.span, names)) return true;
  }
  return false;
}

/** A call the walk follows: the kernel call itself, or one of those a same-file helper makes for its caller. */
interface Ev {
  kind: 'acquire' | 'release' | 'clear' | 'flush' | 'tlbonly' | 'rmaps' | 'queue';
  name: string;
  pending?: PendingAcquisition | null;
}

/**
 * Each call of `fn` the walk follows, by node; a helper's calls under the helper's name, at its
 * call, with `summaries` (null: no helper is read, as for a helper's own body).
 */
function flushEvents(fn: AnalyzedFunction, summaries: BracketSummaries | null): Map<number, Ev[]> {
  const locks = ptlKeys(fn);
  const isLock = (arg: Expr): boolean => {
    const key = pathKey(addressee(arg));
    return (key !== null && locks.has(key)) || isPtl(displayKey(fn.text(addressee(arg))));
  };
  const events = callEvents<Ev[]>(fn, ({ call, name: n, node }) => {
    // `pmd_trans_huge_lock()` returns NULL without the lock when the PMD is no huge one.
    if (ACQUIRE_RETURNING.has(n)) return [{ kind: 'acquire', name: n, pending: MAY_FAIL.has(n) ? pendingOf(node, acquisitionOf(node, call, 'nonzero')) : null }];
    const lockArg = ACQUIRE.get(n) ?? RELEASE.get(n);
    if (lockArg !== undefined) {
      const arg = call.args[lockArg];
      if (!arg || !isLock(arg)) return null;
      if (!ACQUIRE.has(n)) return [{ kind: 'release', name: n }];
      return [{ kind: 'acquire', name: n, pending: MAY_FAIL.has(n) ? pendingOf(node, acquisitionOf(node, call, 'nonzero')) : null }];
    }
    if (CLEAR_SET.has(n)) return [{ kind: 'clear', name: n }];
    if (FLUSH_SET.has(n)) return [{ kind: 'flush', name: n }];
    if (TLBONLY.has(n)) return [{ kind: 'tlbonly', name: n }];
    if (RMAPS.has(n)) return [{ kind: 'rmaps', name: n }];
    if (QUEUES_PAGE.has(n)) return [{ kind: 'queue', name: n }];
    return summaries ? helperEvents(fn, n, summaries) : null;
  });
  return new Map([...events].map(([id, lists]) => [id, lists.flat()]));
}

const helperMemo = new WeakMap<FunctionSpan, Ev[] | null>();

/**
 * What a call of the helper `name` does for its caller (sweep S: mremap's `if (force)
 * flush_tlb_range(...)`, its three unlock steps, or zap_pte_range()'s two flushes moved into a
 * static helper): its flushes, in order, named as the helper, and its page-table unlocks when
 * it drops one on every path; or, for a helper that only takes page-table locks, on every path,
 * those locks. Null when it does none of that, and for a helper that both takes and drops a
 * page-table lock: its unlocks and flushes are its own business. The helper's clears and queued
 * pages are not read, nor its own helpers.
 */
function helperEvents(fn: AnalyzedFunction, name: string, summaries: BracketSummaries): Ev[] | null {
  const def = helperDefinition(fn, name, summaries, HELPER_WORDS);
  if (!def) return null;
  const span = def.span;
  if (helperMemo.has(span)) return helperMemo.get(span)!;
  let out: Ev[] | null = null;
  const callee = def.file.analyze(span);
  if (callee) {
    const events = flushEvents(callee, null);
    const at = (kind: Ev['kind']): Set<number> => new Set([...events].filter(([, list]) => list.some((e) => e.kind === kind)).map(([id]) => id));
    const releases = at('release');
    const acquires = at('acquire');
    const exit = callee.cfg.nodes[callee.cfg.exit]!;
    // Whether every path from entry to exit passes one of `nodes`.
    const always = (nodes: ReadonlySet<number>): boolean => nodes.size > 0 && !reachableFrom(callee.cfg, callee.cfg.nodes[callee.cfg.entry]!, (n) => nodes.has(n.id)).nodes.includes(exit);
    const order = [...events].sort(([a], [b]) => callee.cfg.nodes[a]!.start - callee.cfg.nodes[b]!.start);
    if (acquires.size === 0) {
      const unlocks = always(releases);
      const kept = order.flatMap(([, list]) => list.filter((e) => e.kind === 'flush' || e.kind === 'tlbonly' || e.kind === 'rmaps' || (e.kind === 'release' && unlocks)));
      if (kept.length > 0) out = kept.map((e) => ({ kind: e.kind, name }));
    } else if (releases.size === 0 && always(acquires)) {
      // A helper that only takes page-table locks, on every path, takes them for its caller
      // (userfaultfd's `double_pt_lock()`): each of its locks, as its caller's.
      out = order.flatMap(([, list]) => list.filter((e) => e.kind === 'acquire')).map(() => ({ kind: 'acquire' as const, name, pending: null }));
    }
  }
  helperMemo.set(span, out);
  return out;
}

/**
 * Whether `fn` is entered with a page-table lock held: it takes none, and each of its unlocks
 * (its own, or a same-file helper's) drops a lock its caller handed in, a parameter named as a
 * page-table lock. A lock in a local variable was taken here, by a call widen does not know as
 * a lock (x86's `unmap_ldt_struct()` takes it with `get_locked_pte()`): then nothing is assumed.
 */
function enteredLocked(fn: AnalyzedFunction, events: ReadonlyMap<number, readonly Ev[]>): boolean {
  let releases = 0;
  for (const [id, list] of events) {
    if (list.some((e) => e.kind === 'acquire')) return false;
    if (!list.some((e) => e.kind === 'release')) continue;
    releases++;
    const handed = fn.cfg.nodes[id]!.events.some(
      (ev) => ev.k === 'call' && ev.call.args.some((a) => {
        const root = addressee(a);
        return root.k === 'ident' && root.ref.scope === 'param' && isPtl(root.ref.name);
      }),
    );
    if (!handed) return false;
  }
  return releases > 0;
}

interface State {
  /** Page-table locks held. */
  held: number;
  /** A clear done under the lock and not flushed yet. */
  clear: number | null;
  /** The unlock that dropped the lock after such a clear. */
  unlockedAfterClear: { unlock: number; clear: number } | null;
  /** A `tlb_flush_mmu_tlbonly()` since the lock was last taken. */
  tlbOnly: boolean;
  /** A page queued on the gather while a page-table lock was held, and no TLB flush since. */
  queued: number | null;
  /** The function held a page-table lock at some point on this path. */
  everHeld: boolean;
  /** The unlock that last dropped the last page-table lock. */
  lastUnlock: number | null;
  /** A lock counted in `held` whose call may have failed, until a test of its result says. */
  pending: PendingAcquisition | null;
}

export default defineRule({
  id: 'tlb-flush-before-ptl-unlock',
  meta: {
    summary: 'flush the TLB for PTEs cleared under the page-table lock before dropping it',
    severity: 'error',
    confidence: 'medium',
    resources: [],
    calls: [...FLUSHES, 'tlb_flush_rmaps', 'tlb_flush_mmu_tlbonly', 'tlb_delay_rmap'],
    // A function whose flush is in a same-file helper names no flush itself.
    triggeredVia: (file, span) => mentionsOrHelper(file, span, HELPER_FLUSHES),
    // Every report needs, in the function itself, a clear, an unlock and a flush, the rmap
    // flush, or a forced gather flush with an unlock and a page queued; the flushes and the
    // unlock may be a helper's.
    needs: (file, span, summaries) =>
      mentionsOrHelper(file, span, RMAPS, summaries) ||
      file.mentions(span, DELAY) ||
      (mentionsOrHelper(file, span, FLUSH_SET, summaries) && file.mentions(span, CLEAR_SET) && mentionsOrHelper(file, span, RELEASE_SET, summaries)) ||
      (mentionsOrHelper(file, span, TLBONLY, summaries) && file.mentions(span, QUEUES_PAGE) && mentionsOrHelper(file, span, RELEASE_SET, summaries)),
    fileNeeds: (text) => {
      const any = (names: Iterable<string>): boolean => [...names].some((n) => text.includes(n));
      return any(RMAPS) || any(DELAY) || (any(FLUSH_SET) && any(CLEAR_SET) && any(RELEASE_SET)) || (any(TLBONLY) && any(QUEUES_PAGE) && any(RELEASE_SET));
    },
  },
  messages: {
    flushAfterUnlock: {
      headline: '`{{flush}}` {{flushing}} after the page-table lock is dropped',
      explanation:
        'The PTEs cleared under the lock still have live TLB entries until this flush. Between the unlock and the flush another thread can take the lock, see the entries gone, and free or reuse the pages (`MADV_DONTNEED`, reclaim, migration) while this CPU or another can still write to them through the stale TLB entries: the bug class of "mremap: properly flush TLB before releasing the page" (CVE-2018-18281) and "mm/migrate_device.c: flush TLB while holding PTL".',
      fix: 'Flush the range before the page-table lock is dropped: {{fixHow}}.',
    },
    rmapsAfterUnlock: {
      headline: '`tlb_flush_rmaps()` runs after the page-table lock is dropped',
      explanation:
        'With delayed rmap removal (`tlb_delay_rmap()`), the dirty file folios of the batch are still mapped in the rmap until `tlb_flush_rmaps()`; it must run after `tlb_flush_mmu_tlbonly()` and before the PTE lock is dropped (mm/memory.c, `zap_pte_range()`: "Do the actual TLB flush before dropping ptl"), or the folio can be written back and freed while a stale TLB entry still writes to it.',
      fix: 'Call `tlb_flush_mmu_tlbonly()` and `tlb_flush_rmaps()` before `pte_unmap_unlock()`.',
    },
    tlbOnlyAfterUnlock: {
      headline: '`tlb_flush_mmu_tlbonly()` runs after the page-table lock is dropped',
      explanation:
        'The gather holds pages queued under the lock, and this forced flush (a dirty shared page, or a full batch) is the one that must reach the TLB before the PTE lock is dropped (6.1 mm/memory.c, `zap_pte_range()`: "Do the actual TLB flush before dropping ptl"). Between the unlock and the flush, `page_mkclean()` on another CPU finds the PTE already gone, cleans the page and lets writeback start, while a stale writable TLB entry still writes to it: the write is lost. That race is why the flush was split from the freeing of the pages (1cf35d47712d, "mm: split \'tlb_flush_mmu()\' into tlb flushing and memory freeing parts").',
      fix: 'Call `tlb_flush_mmu_tlbonly()` before `{{unlock}}`, and free the pages (`tlb_flush_mmu()`) after it.',
    },
    delayFlushLost: {
      headline: '`{{flag}}` is overwritten after `tlb_delay_rmap()` asked for the rmap flush',
      explanation:
        '`tlb_delay_rmap()` returned true, so this folio\'s rmap is removed only by `tlb_flush_rmaps()`, which runs where `{{flag}}` is set: 6.12 `zap_pte_range()` then calls `tlb_flush_mmu_tlbonly()` and `tlb_flush_rmaps()` before dropping the PTE lock ("Do the actual TLB flush before dropping ptl"). This assignment stores `{{value}}` over the `true` set for the delay, which clears it whenever that is false, and the PTE lock is then dropped with the rmap still in place while a stale TLB entry can still write to the folio.',
      fix: 'Never clear the flag on this path: set it only when `{{value}}` is true (`if ({{value}}) {{flag}} = true;`){{model}}.',
    },
    rmapsBeforeTlbFlush: {
      headline: '`tlb_flush_rmaps()` runs without `tlb_flush_mmu_tlbonly()` first',
      explanation:
        '`tlb_flush_rmaps()` removes the rmap of pages whose TLB entries must already be gone{{model}}. Without a `tlb_flush_mmu_tlbonly()` before it, the rmap is dropped while stale TLB entries still map the pages: `folio_mkclean()` and reclaim no longer find those mappings, and the process can still write to the folio through them.',
      fix: 'Call `tlb_flush_mmu_tlbonly()` right before `tlb_flush_rmaps()`.',
    },
  },
  check(fn, ctx) {
    const events = flushEvents(fn, ctx.summaries);
    checkDelayFlags(fn, ctx.report);
    if (!anyEvent(events, (e) => e.kind === 'flush' || e.kind === 'rmaps' || e.kind === 'tlbonly')) return;
    const reported = new Set<string>();
    // Entered with the lock held: the function drops a page-table lock and takes none (its
    // caller locked, as userfaultfd's `move_pages_pte()` does around `move_zeropage_pte()`:
    // sweep U split its `ptep_clear_flush()` and flushed after `double_pt_unlock()`).
    const entered = enteredLocked(fn, events);
    const initial: State = { held: entered ? 1 : 0, clear: null, unlockedAfterClear: null, tlbOnly: false, queued: null, everHeld: entered, lastUnlock: null, pending: null };
    const result = explore<State>(fn.cfg, fn.facts, {
      initial,
      // Node ids in the state only name the lines of a report: states that differ in them alone
      // behave the same from here on, and one witness is enough.
      key: (s) =>
        `${s.held}|${Number(s.clear !== null)}|${Number(s.unlockedAfterClear !== null)}|${Number(s.tlbOnly)}|${Number(s.queued !== null)}|${Number(s.everHeld)}|${Number(s.lastUnlock !== null)}|${s.pending ? JSON.stringify(s.pending) : ''}`,
      step(s, node, trace) {
        let cur = s;
        if (cur.pending) {
          // `if (!ptep) goto again;`: along the NULL edge the lock was never taken.
          const settled = settlePending(cur.pending, node, edgeInto(fn.cfg, trace, node));
          if (settled === 'failed') cur = { ...cur, held: Math.max(0, cur.held - 1), pending: null };
          else if (settled === 'acquired' || settled === 'forgotten') cur = { ...cur, pending: null };
          else if (settled !== null) cur = { ...cur, pending: settled };
        }
        const list = events.get(node.id);
        if (!list) return cur;
        for (const e of list) {
          switch (e.kind) {
            case 'acquire':
              cur = { ...cur, held: cur.held + 1, everHeld: true, tlbOnly: cur.held === 0 ? false : cur.tlbOnly, pending: e.pending ?? null };
              break;
            case 'release': {
              const held = Math.max(0, cur.held - 1);
              cur = { ...cur, held, ...(held === 0 ? { lastUnlock: node.id } : {}), ...(held === 0 && cur.clear !== null ? { unlockedAfterClear: { unlock: node.id, clear: cur.clear }, clear: null } : {}) };
              break;
            }
            case 'clear':
              if (cur.held > 0) cur = { ...cur, clear: cur.clear ?? node.id };
              break;
            case 'flush':
              // Under a page-table lock taken again (the next pass of a loop), the flush is that
              // pass's own, in time for its own unlock (sweep Y).
              if (cur.unlockedAfterClear && cur.held === 0) report('flushAfterUnlock', node, e.name, cur.unlockedAfterClear);
              cur = { ...cur, clear: null, unlockedAfterClear: null };
              break;
            case 'tlbonly':
              if (cur.queued !== null && cur.everHeld && cur.held === 0) report('tlbOnlyAfterUnlock', node, e.name, null, cur.lastUnlock, cur.queued);
              cur = { ...cur, tlbOnly: true, queued: null };
              break;
            case 'queue':
              if (cur.held > 0 && cur.queued === null) cur = { ...cur, queued: node.id };
              break;
            case 'rmaps':
              if (cur.everHeld && cur.held === 0) report('rmapsAfterUnlock', node, e.name, null, cur.lastUnlock);
              else if (cur.held > 0 && !cur.tlbOnly) report('rmapsBeforeTlbFlush', node, e.name, null);
              break;
          }
        }
        return cur;
      },
      exit() {},
    });
    if (!result.complete) ctx.incomplete('the TLB flushes around the page-table lock');

    function report(messageId: 'flushAfterUnlock' | 'rmapsAfterUnlock' | 'rmapsBeforeTlbFlush' | 'tlbOnlyAfterUnlock', node: CfgNode, flush: string, after: { unlock: number; clear: number } | null, unlockedAt: number | null = null, queuedAt: number | null = null): void {
      const key = `${messageId}|${node.id}`;
      if (reported.has(key)) return;
      reported.add(key);
      const unlockId = after ? after.unlock : messageId === 'tlbOnlyAfterUnlock' ? unlockedAt : null;
      const unlockCall = unlockId !== null ? events.get(unlockId)?.find((e) => e.kind === 'release') : undefined;
      const unlock = unlockCall ? `${unlockCall.name}()` : 'the unlock';
      // A helper of the file that drops the lock and then flushes, in one call (sweep AE: the
      // help said to move the helper above itself).
      const inHelper = after !== null && after.unlock === node.id;
      ctx.report({
        messageId,
        data: {
          flush: `${flush}()`,
          unlock,
          flushing: inHelper ? 'flushes' : 'runs',
          fixHow: inHelper ? `\`${flush}()\` unlocks first, so put its flush above its unlock` : `move \`${flush}()\` above \`${unlock}\``,
          model: unlessIn(fn, 'zap_pte_range', ': `zap_pte_range()` calls `tlb_flush_mmu_tlbonly()` first'),
        },
        at: node,
        related: after
          ? [
              { at: fn.cfg.nodes[after.clear]!, message: 'PTEs cleared under the lock here' },
              ...(inHelper ? [] : [{ at: fn.cfg.nodes[after.unlock]!, message: 'the lock is dropped here, before the flush' }]),
            ]
          : unlockedAt !== null
            ? [
                ...(queuedAt !== null ? [{ at: fn.cfg.nodes[queuedAt]!, message: 'a page is queued on the gather under the lock here' }] : []),
                { at: fn.cfg.nodes[unlockedAt]!, message: 'the page-table lock is dropped here' },
              ]
            : [],
      });
    }
  },
});

/**
 * The catalog's check (a) as the kernel writes it: the delayed-rmap path sets a flag that tells
 * the caller to flush the TLB and the rmaps before it drops the PTE lock (6.12
 * `zap_present_folio_ptes()`: `if (tlb_delay_rmap(tlb)) { delay_rmap = true; *force_flush =
 * true; }`). A plain assignment of anything but `true` to that flag later on the same path may
 * clear the request (sweep M: `*force_flush = __tlb_remove_folio_pages(...)`).
 */
function checkDelayFlags(fn: AnalyzedFunction, report: (r: { messageId: 'delayFlushLost'; data: Record<string, string>; at: CfgNode; related: Array<{ at: CfgNode; message: string }> }) => void): void {
  const delays = callEvents(fn, ({ call, name, node }) => (DELAY.has(name) ? pendingOf(node, acquisitionOf(node, call, 'nonzero')) ?? 'always' : null));
  if (delays.size === 0) return;
  /**
   * The delay's node once it returned true (or while the path has not yet tested it), and the
   * flags set to true since, by key; 'none' before any delay (a walker's null ends the path).
   */
  type State = { at: number; pending: PendingAcquisition | null; flags: ReadonlyMap<string, number> } | 'none';
  const reported = new Set<number>();
  explore<State>(fn.cfg, fn.facts, {
    initial: 'none',
    key: (s) => (s === 'none' ? '' : `${s.at}|${s.pending ? JSON.stringify(s.pending) : ''}|${[...s.flags.keys()].join(',')}`),
    step(s, node, trace) {
      let cur = s;
      if (cur !== 'none' && cur.pending) {
        const settled = settlePending(cur.pending, node, edgeInto(fn.cfg, trace, node));
        if (settled === 'failed' || settled === 'forgotten') cur = 'none';
        else if (settled === 'acquired') cur = { ...cur, pending: null };
        else if (settled !== null) cur = { ...cur, pending: settled };
      }
      const delay = delays.get(node.id)?.[0];
      if (delay !== undefined && cur === 'none') cur = { at: node.id, pending: delay === 'always' ? null : delay, flags: new Map() };
      if (cur === 'none' || cur.pending) return cur;
      for (const ev of node.events) {
        if (ev.k !== 'def' || (ev.how !== 'assign' && ev.how !== 'init')) continue;
        const set = cur.flags.get(ev.key);
        const value = ev.value ? intLiteral(storedValue(ev.value)) : null;
        if (value !== null && value !== 0n) {
          if (set === undefined) cur = { ...cur, flags: new Map([...cur.flags, [ev.key, node.id]]) };
          continue;
        }
        if (set === undefined) continue;
        const store = plainStore(node.expr, ev.key);
        if (store && !reported.has(node.id)) {
          reported.add(node.id);
          report({
            messageId: 'delayFlushLost',
            data: { flag: fn.text(store.target), value: quoteCode(fn.text(store.value)), model: unlessIn(fn, 'zap_present_folio_ptes', ', as `zap_present_folio_ptes()` does') },
            at: node,
            related: [
              { at: fn.cfg.nodes[cur.at]!, message: '`tlb_delay_rmap()` returned true here' },
              { at: fn.cfg.nodes[set]!, message: `\`${fn.text(store.target)}\` is set to ask the caller for the flush here` },
            ],
          });
        }
        const flags: Map<string, number> = new Map(cur.flags);
        flags.delete(ev.key);
        cur = { ...cur, flags };
      }
      return cur;
    },
    exit() {},
  });
}

/** The plain `=` in `expr` that stores into `key` (not `|=`, which keeps a set flag set). */
function plainStore(expr: Expr | null, key: string): (Expr & { k: 'assign' }) | null {
  let found: (Expr & { k: 'assign' }) | null = null;
  if (expr) forEachExpr(expr, (e) => {
    if (!found && e.k === 'assign' && e.op === '=' && pathKey(e.target) === key) found = e;
  });
  return found;
}

/**
 * What a plain `=` stores, through a chained one: `*force_flush = *force_break = true` stores
 * `true` in both (sweep T read it as clearing the request). A def's value stays the inner
 * assignment, which names the other target: 6.12 khugepaged's `*vmap = vma = find_vma(...)`
 * keeps `*vmap` the alias of the `vma` its NULL test covers.
 */
function storedValue(value: Expr): Expr {
  let v = value;
  while (v.k === 'assign' && v.op === '=') v = v.value;
  return v;
}
