/**
 * A page table taken out of a live mm is freed through the gather (`p?d_free_tlb()`,
 * `tlb_remove_table()`), or only after the TLB flush and `tlb_remove_table_sync_one()`: freeing
 * it directly after clearing the entry that pointed to it leaves walk caches and GUP-fast with
 * a table that is about to be reused.
 */
import { addressee, forEachExpr, pathRoot, type Expr } from '../analysis/ast.js';
import type { CfgNode } from '../analysis/cfg.js';
import type { AnalyzedFunction } from '../analysis/file.js';
import { explore } from '../analysis/paths.js';
import { defineRule, unlessIn } from './define-rule.js';
import { anyEvent, callEvents } from './facts.js';

/** Direct frees of a page-table page (include/asm-generic/pgalloc.h). `pte_free_defer()` is the safe, RCU-deferred form. */
const FREES = ['pte_free', 'pmd_free', 'pud_free', 'p4d_free'];
/**
 * A table freed by hand: its destructor, then the page allocator (`pagetable_free()` is
 * `__free_pages()` of the ptdesc's page). The destructors, and `pagetable_free()`, are the
 * words that bring a function to the rule; the allocator's frees are everywhere.
 */
const DTORS = ['pagetable_pte_dtor', 'pagetable_pmd_dtor', 'pagetable_dtor'];
const BY_HAND = ['pagetable_free', '__free_page', 'free_page', '__free_pages', 'free_pages'];
/** Reuses of a table taken out of the mm: depositing it for a huge PMD makes it a page of other data. */
const REUSES = ['pgtable_trans_huge_deposit'];
/**
 * Clearing an entry that points to a lower table, without a flush. (The `_huge_` clears take
 * out leaf entries that map huge pages, not tables.)
 */
const CLEARS = ['pmd_clear', 'pud_clear', 'p4d_clear', 'pgd_clear'];
/** Clearing a PMD that points to a PTE table, with a TLB flush of its range. */
const FLUSHING_CLEARS = ['pmdp_collapse_flush'];
/** A table withdrawn from a huge PMD's deposit was never walked by hardware. */
const WITHDRAW = 'pgtable_trans_huge_withdraw';
const FLUSHES = ['flush_tlb_range', 'flush_tlb_mm', 'flush_tlb_mm_range', 'flush_tlb_page'];
const SYNC = 'tlb_remove_table_sync_one';

interface Cleared {
  at: number;
  keys: ReadonlySet<string>;
  flushed: boolean;
  synced: boolean;
}

/** What a clear took out: its result variable and the entry pointer it was given. */
function clearedKeys(node: CfgNode, call: Expr & { k: 'call' }): Set<string> {
  const out = new Set<string>();
  const entry = call.args[call.name === 'pmdp_collapse_flush' ? 2 : 0];
  const root = entry ? pathRoot(addressee(entry)) : null;
  if (root) out.add(root.id);
  for (const ev of node.events) if (ev.k === 'def' && ev.value === call) out.add(ev.key);
  return out;
}

/**
 * Whether the table `e` (at `node`) was computed from what a clear took out: a variable it read
 * or wrote, followed through single plain copies. A value that went through a deposit withdrawal
 * does not count.
 */
function derivesFrom(fn: AnalyzedFunction, e: Expr, node: number, keys: ReadonlySet<string>, depth = 0): boolean {
  let found = false;
  let withdrawn = false;
  forEachExpr(e, (x) => {
    if (x.k === 'call' && x.name === WITHDRAW) withdrawn = true;
    if (found || withdrawn || x.k !== 'ident') return;
    if (keys.has(x.ref.id)) {
      found = true;
      return;
    }
    if (depth >= 3 || x.ref.scope === 'global') return;
    const defs = fn.defs.reaching(node, x.ref.id);
    const d = defs.length === 1 ? defs[0]! : null;
    if (d && d.def.value && (d.def.how === 'assign' || d.def.how === 'init') && derivesFrom(fn, d.def.value, d.node, keys, depth + 1)) found = true;
  });
  return found && !withdrawn;
}

/**
 * Code that works on a VMA, or holds an mmu_gather, works on a live mm: a gather is how page
 * tables of a live mm are torn down (`free_pte_range()` has the gather and no VMA). Without
 * either (a test's private mm, an allocation that lost a race) a function is not judged.
 */
function onLiveMm(fn: AnalyzedFunction): boolean {
  const live = /\bstruct\s+(vm_area_struct|mmu_gather)\b/;
  return fn.ast.params.some((p) => live.test(p.type)) || fn.cfg.nodes.some((n) => (n.decls ?? []).some((d) => live.test(d.type)));
}

export default defineRule({
  id: 'pgtable-free-outside-gather',
  meta: {
    summary: 'a page table cleared from a live mm is freed through the gather, or after a flush and tlb_remove_table_sync_one()',
    severity: 'warning',
    confidence: 'medium',
    resources: [],
    calls: [...FREES, ...REUSES, 'pagetable_free', ...DTORS],
  },
  messages: {
    freedUnflushed: {
      headline: '`{{free}}` frees a page table just cleared from a live mm',
      explanation:
        'Until `{{clear}}` cleared the entry, the table was reachable in this mm: other CPUs may still cache it in their page-walk caches and GUP-fast may be walking it without locks. Freeing it directly skips both the TLB flush and the synchronisation `tlb_remove_table()` provides, so the page can be reused as something else while still being walked as a page table.',
      fix: 'Free the table through the gather (`pte_free_tlb()`, `pmd_free_tlb()`, `tlb_remove_table()`), or flush the range and call `tlb_remove_table_sync_one()` before freeing it.',
    },
    freedUnsynced: {
      headline: '`{{free}}` {{frees}} a page table without `tlb_remove_table_sync_one()`',
      brief: '`{{free}}` {{frees}} a page table unsynced',
      explanation:
        '`{{clear}}` flushed the TLB for the cleared entry, but with `CONFIG_MMU_GATHER_RCU_TABLE_FREE` that flush sends no IPI, so a lockless GUP-fast walker can still be inside the old table (include/asm-generic/tlb.h{{model}}). Freeing or reusing it now lets the page change under that walker.',
      fix: 'Call `tlb_remove_table_sync_one()` after the flush and before the table is freed or reused{{defer}}.',
    },
  },
  check(fn, ctx) {
    if (!onLiveMm(fn)) return;
    type Ev = { kind: 'free' | 'clear' | 'flushing-clear' | 'flush' | 'sync'; name: string; table?: Expr; keys?: Set<string> };
    const events = callEvents<Ev>(fn, ({ call, name: n, node }) => {
      if (REUSES.includes(n) || FREES.includes(n)) {
        // Kernel page tables (vmalloc, the direct map, KASAN shadow) have no GUP-fast walkers.
        const mm = call.args[0];
        const kernel = mm !== undefined && /^(&?\s*init_mm|NULL|0)$/.test(fn.text(mm));
        const table = call.args[REUSES.includes(n) ? 2 : 1];
        return kernel || !table ? null : { kind: 'free', name: n, table };
      }
      // Judged only as a table computed from a cleared entry (below): any other page is not one.
      if (BY_HAND.includes(n)) return call.args[0] ? { kind: 'free', name: n, table: call.args[0] } : null;
      if (CLEARS.includes(n)) return { kind: 'clear', name: n, keys: clearedKeys(node, call) };
      if (FLUSHING_CLEARS.includes(n)) return { kind: 'flushing-clear', name: n, keys: clearedKeys(node, call) };
      if (FLUSHES.includes(n)) return { kind: 'flush', name: n };
      if (n === SYNC) return { kind: 'sync', name: n };
      return null;
    });
    if (!anyEvent(events, (e) => e.kind === 'free')) return;
    const reported = new Set<number>();
    // 'none' rather than null: a walker that returns null drops the path.
    const result = explore<Cleared | 'none'>(fn.cfg, fn.facts, {
      initial: 'none',
      key: (s) => (s === 'none' ? '-' : `${s.at}|${Number(s.flushed)}|${Number(s.synced)}`),
      step(s, node) {
        let cur = s;
        for (const e of events.get(node.id) ?? []) {
          if (e.kind === 'clear') cur = { at: node.id, keys: e.keys!, flushed: false, synced: false };
          else if (e.kind === 'flushing-clear') cur = { at: node.id, keys: e.keys!, flushed: true, synced: false };
          else if (e.kind === 'flush' && cur !== 'none') cur = { ...cur, flushed: true };
          else if (e.kind === 'sync' && cur !== 'none') cur = { ...cur, synced: true };
          else if (e.kind === 'free' && cur !== 'none' && !cur.synced && derivesFrom(fn, e.table!, node.id, cur.keys)) report(node, e.name, cur);
        }
        return cur;
      },
      exit() {},
    });
    if (!result.complete) ctx.incomplete('how page tables are freed');

    /**
     * Whether the tree has `pte_free_defer()` (6.5 on): not where the headers in sight, which
     * would declare it (include/linux/pgtable.h), do not name it (sweep M: a 6.1 fix told to use it).
     */
    function hasDefer(): boolean {
      return ctx.summaries.definitions('pte_free_defer', fn.file).length > 0 || ctx.summaries.headersMention('pte_free_defer', fn.file) !== false;
    }

    function report(node: CfgNode, free: string, c: Cleared): void {
      if (reported.has(node.id)) return;
      reported.add(node.id);
      const clearNode = fn.cfg.nodes[c.at]!;
      const clear = clearNode.events.find((e) => e.k === 'call' && e.name !== null && (CLEARS.includes(e.name) || FLUSHING_CLEARS.includes(e.name)));
      const clearName = clear && clear.k === 'call' ? `${clear.name}()` : 'the clear';
      ctx.report({
        messageId: c.flushed ? 'freedUnsynced' : 'freedUnflushed',
        // A table that is kept (deposited for a later split) is not freed: `pte_free_defer()` is
        // the alternative only where the table goes.
        // A deposit keeps the table for a later split: it is reused, not freed (sweep AJ).
        data: { free: `${free}()`, frees: /deposit/.test(free) ? 'reuses' : 'frees', clear: clearName, model: unlessIn(fn, 'collapse_huge_page', '; `collapse_huge_page()` in mm/khugepaged.c does flush, then sync'), defer: /deposit/.test(free) || !hasDefer() ? '' : ', or free it with `pte_free_defer()`' },
        at: node,
        related: [{ at: clearNode, message: 'the entry pointing to the table is cleared here' }],
      });
    }
  },
});
