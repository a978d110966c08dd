/**
 * Advisory: a `tlb_start_vma()`/`tlb_end_vma()` bracket that only frees page tables, or that is
 * redundant because the gather was set up for one VMA (`tlb_gather_mmu_vma()`) or for a whole
 * mm (`tlb_gather_mmu_fullmm()`, where both calls do nothing).
 *
 * Hugh Dickins on the patch that started widen: "tlb_start_vma() is for when freeing pages,
 * not for when freeing page tables".
 */
import { displayKey } from '../analysis/ast.js';
import { reachableFrom } from '../analysis/cfg.js';
import { defineRule } from './define-rule.js';
import { MMU_GATHER, TLB_VMA } from './resources.js';

/** Page-table freeing (include/asm-generic/tlb.h, mm/memory.c). */
const TABLE_FREEING = ['free_pgd_range', 'hugetlb_free_pgd_range', 'free_pgtables', 'pte_free_tlb', 'pmd_free_tlb', 'pud_free_tlb', 'p4d_free_tlb', 'tlb_remove_table', 'tlb_remove_ptdesc'];
/** What a bracket is for: zapping, changing or walking the PTEs of the VMA. */
const PAGE_WORK = /zap|unmap|change_|walk_page|tlb_remove_(page|tlb|huge|pmd|pud|folio)|__tlb_remove|_pte_range|madvise|move_|clear_|flush_tlb|huge_pmd_unshare/;

export default defineRule({
  id: 'tlb-vma-bracket-misuse',
  meta: {
    summary: 'tlb_start_vma()/tlb_end_vma() around page-table freeing only, or on a gather that does not need it',
    severity: 'note',
    confidence: 'low',
    resources: [TLB_VMA],
    calls: TABLE_FREEING,
  },
  messages: {
    tablesOnly: {
      headline: 'this `tlb_start_vma()` bracket encloses only page-table freeing',
      explanation:
        '`tlb_start_vma()`/`tlb_end_vma()` record one VMA\'s flags and flush its range for the pages zapped in between; they are for freeing pages, not page tables. A page table can be shared by many kinds of VMA, and `free_pgtables()` deliberately runs without a bracket (Hugh Dickins, reviewing a patch that bracketed it).',
      fix: 'Drop the bracket around page-table freeing; bracket the PTE zapping of each VMA instead, as `unmap_single_vma()` does.',
    },
    withGatherVma: {
      headline: '`{{object}}` comes from `tlb_gather_mmu_vma()`, which needs no VMA bracket',
      explanation:
        '`tlb_gather_mmu_vma()` sets the gather up for a single VMA: its doc comment in mm/mmu_gather.c says it "will not require another call to tlb_start_vma()". The bracket is redundant, and its `flush_cache_range()` is extra work.',
      fix: 'Drop the `tlb_start_vma()`/`tlb_end_vma()` pair, or gather with `tlb_gather_mmu()` if the bracket is wanted.',
    },
    fullmm: {
      headline: '`{{object}}` is a full-mm gather, where the VMA bracket does nothing',
      explanation:
        'With `tlb_gather_mmu_fullmm()` the whole address space goes away and `tlb_start_vma()`/`tlb_end_vma()` return at once (include/asm-generic/tlb.h: "fullmm can ignore tlb_{start,end}_vma"). The bracket suggests a per-VMA flush that does not happen.',
      fix: 'Drop the bracket, or use a per-range gather if per-VMA flushing is intended.',
    },
  },
  check(fn, ctx) {
    const brackets = ctx.facts.brackets(TLB_VMA);
    if (!brackets.hasEvents) return;
    const gathers = ctx.facts.brackets(MMU_GATHER);
    // How each owned gather was set up.
    const setup = new Map<string, string>();
    for (const id of gathers.nodesWithEvents()) {
      for (const e of gathers.eventsAt(fn.cfg.nodes[id]!)) if (e.kind === 'open' && e.via === null) setup.set(e.object, e.call.name ?? '');
    }
    // One `tablesOnly` per function: every bracket of a function that frees tables is the same remark.
    let tablesOnlyReported = false;
    for (const id of brackets.nodesWithEvents()) {
      const node = fn.cfg.nodes[id]!;
      for (const e of brackets.eventsAt(node)) {
        if (e.kind !== 'open' || e.via !== null) continue;
        const how = setup.get(e.object);
        const object = displayKey(e.object);
        if (how === 'tlb_gather_mmu_vma') {
          ctx.report({ messageId: 'withGatherVma', data: { object }, at: node });
          continue;
        }
        if (how === 'tlb_gather_mmu_fullmm') {
          ctx.report({ messageId: 'fullmm', data: { object }, at: node });
          continue;
        }
        const { nodes: body, stops: ends } = reachableFrom(fn.cfg, node, (n) => brackets.eventsAt(n).some((x) => x.kind === 'close' && x.object === e.object));
        const calls = body.flatMap((n) => n.events.flatMap((ev) => (ev.k === 'call' && ev.name !== null ? [{ name: ev.name, node: n }] : [])));
        const frees = calls.filter((c) => TABLE_FREEING.includes(c.name));
        if (tablesOnlyReported || frees.length === 0 || calls.some((c) => !TABLE_FREEING.includes(c.name) && PAGE_WORK.test(c.name))) continue;
        tablesOnlyReported = true;
        const until = ends.sort((a, b) => b.start - a.start)[0];
        ctx.report({ messageId: 'tablesOnly', at: node, ...(until ? { until } : {}), related: frees.sort((a, b) => a.node.start - b.node.start).map((c) => ({ at: c.node, message: `frees page tables: \`${c.name}()\``, order: 'aside' as const })) });
      }
    }
  },
});
