/**
 * The mutation corpus of `npm run bench` (recall). Each entry breaks one real function of the
 * linux-source-6.12 tree in the way a rule exists to catch; scripts/bench/recall.mjs applies it
 * at run time (no kernel code lives here, only the short anchors that find the spot), reviews
 * the diff with `widen review --tree`, and checks the rule fires where expected.
 *
 * Adding a mutation for a rule: append an entry. A rule that `widen rules` does not list yet is
 * reported as "not implemented yet", not as a miss, so entries can land before their rule.
 *
 * Entry fields:
 *   id        unique, kebab-case; also the name of the diff left in .bench/recall/
 *   rule      the rule id expected to fire
 *   tree      optional: '6.1' for an API only 6.1 has (the bench's 6.1 extract, mm/ + arch/*\/mm/);
 *             the default is the whole 6.12 tree
 *   file      path relative to the tree root
 *   function  the function edited; anchors are searched only inside its definition (from its
 *             first signature line to the closing brace in column 0). `functionNth` picks one of
 *             several definitions under different #ifdefs.
 *   what      one line: what the edit does, and the catalog entry or historical bug it stands for
 *   edits     applied in order, each anchor resolved in the text the previous edits left:
 *               { delete: A, lines?: n }                    delete n lines (default 1) from A
 *               { replace: A, lines?: n, with: [text] }     replace n lines from A
 *               { insertAfter: A, text: [text] }            insert after A ('{' = the body's brace)
 *               { insertBefore: A, text: [text] }           insert before A
 *               { move: A, lines?: n, after: B }            cut n lines from A, put them after B
 *               { move: A, lines?: n, before: B }           ... or before B
 *             New lines take the indentation of the anchor line; a leading '\t' adds one level.
 *   expect    findings that must all be present in the review of the mutated file:
 *               { rule?: id, in?: name, inNth?: k, line: R, endLine?: R, related?: [R...] }
 *             R is an anchor in the mutated function (1-based line of the match) or an array of
 *             anchors meaning "any of these lines" (for rules whose reporting line is not settled).
 *             With `in`, the anchors are in that function of the file instead: a caller the
 *             mutation breaks (a helper that stops doing for its caller what the caller relies on).
 *   control   optional edits for the harmless-edit control; by default a comment line is
 *             inserted after the function's opening brace. Either way the review must be silent.
 *   gap       optional: why the rule, by its documented design, is not expected to catch this
 *             real bug. The entry still counts (a later rule that catches it turns the miss
 *             into a find); the table shows the reason next to the miss.
 *
 * An anchor A is a snippet that must occur on exactly one line of the function, or
 * { at: snippet, nth: k } for the k-th line that contains it (1-based), with an optional
 * `offset` in lines.
 */

/** The seed (mm-rules.md B1, seeds/000_8cda9c5b26ebe42c.txt): Nadav Amit's bracket around free_pgtables()'s body, put back into 6.12. */
const SEED_EDITS = [
  { insertBefore: 'if (is_vm_hugetlb_page(vma)) {', text: ['tlb_start_vma(tlb, vma);', ''] },
  { insertBefore: { at: 'vma = next;', nth: 2 }, text: ['', 'tlb_end_vma(tlb, vma);'] },
];

export default [
  // ---- tlb-gather-finish-balance -------------------------------------------------------------
  {
    id: 'gather-zap-page-range-single-early-return',
    rule: 'tlb-gather-finish-balance',
    file: 'mm/memory.c',
    function: 'zap_page_range_single',
    what: 'early return between tlb_gather_mmu() and tlb_finish_mmu() in a zap function',
    edits: [{ insertAfter: 'mmu_notifier_invalidate_range_start(&range);', text: ['if (unlikely(vma->vm_flags & VM_PFNMAP))', '\treturn;'] }],
    expect: [{ line: 'tlb_gather_mmu(&tlb, vma->vm_mm);', related: ['return;'] }],
  },
  {
    id: 'gather-madvise-cold-finish-deleted',
    rule: 'tlb-gather-finish-balance',
    file: 'mm/madvise.c',
    function: 'madvise_cold',
    what: 'tlb_finish_mmu() deleted',
    edits: [{ delete: 'tlb_finish_mmu(&tlb);' }],
    expect: [{ line: 'tlb_gather_mmu(&tlb, mm);' }],
  },
  {
    id: 'gather-unmap-region-early-return',
    rule: 'tlb-gather-finish-balance',
    file: 'mm/vma.c',
    function: 'unmap_region',
    what: 'early return after unmap_vmas(), skipping free_pgtables() and the finish',
    edits: [{ insertBefore: 'mas_set(mas, vma->vm_end);', text: ['if (!prev && !next)', '\treturn;'] }],
    expect: [{ line: 'tlb_gather_mmu(&tlb, mm);', related: ['return;'] }],
  },
  {
    id: 'gather-change-prot-numa-error-return',
    rule: 'tlb-gather-finish-balance',
    file: 'mm/mempolicy.c',
    function: 'change_prot_numa',
    what: 'error return after change_protection() that forgets the finish',
    edits: [{ insertAfter: 'nr_updated = change_protection(&tlb, vma, addr, end, MM_CP_PROT_NUMA);', text: ['if (nr_updated < 0)', '\treturn nr_updated;'] }],
    expect: [{ line: 'tlb_gather_mmu(&tlb, vma->vm_mm);', related: [{ at: 'return nr_updated;', nth: 1 }] }],
  },
  {
    id: 'gather-uffd-wp-range-gather-deleted',
    rule: 'tlb-gather-finish-balance',
    file: 'mm/userfaultfd.c',
    function: 'uffd_wp_range',
    what: 'tlb_gather_mmu() deleted: a finish without a gather',
    edits: [{ delete: 'tlb_gather_mmu(&tlb, dst_vma->vm_mm);' }],
    expect: [{ line: 'tlb_finish_mmu(&tlb);' }],
  },
  {
    id: 'gather-exit-mmap-gathered-twice',
    rule: 'tlb-gather-finish-balance',
    file: 'mm/mmap.c',
    function: 'exit_mmap',
    what: 'a second tlb_gather_mmu_fullmm() on the open gather after the lock upgrade (hard case H2)',
    edits: [{ insertAfter: { at: 'mmap_write_lock(mm);', nth: 2 }, text: ['tlb_gather_mmu_fullmm(&tlb, mm);'] }],
    expect: [{ line: { at: 'tlb_gather_mmu_fullmm(&tlb, mm);', nth: 2 }, related: [{ at: 'tlb_gather_mmu_fullmm(&tlb, mm);', nth: 1 }] }],
  },
  {
    id: 'gather-try-to-unmap-one-goto-exit',
    rule: 'tlb-gather-finish-balance',
    file: 'mm/rmap.c',
    function: 'try_to_unmap_one',
    what: 'the finish before `goto walk_done` deleted: the unshare path leaves the loop gathered (hard case H17)',
    edits: [{ delete: { at: 'tlb_finish_mmu(&tlb);', nth: 1 } }],
    expect: [{ line: 'tlb_gather_mmu_vma(&tlb, vma);' }],
  },
  {
    id: 'gather-oom-reap-early-finish-deleted',
    rule: 'tlb-gather-finish-balance',
    file: 'mm/oom_kill.c',
    function: '__oom_reap_task_mm',
    what: 'the early finish before `continue` deleted: the next iteration gathers again (hard case H4)',
    edits: [{ delete: { at: 'tlb_finish_mmu(&tlb);', nth: 1 } }],
    expect: [{ line: 'tlb_gather_mmu(&tlb, mm);' }],
  },

  // ---- tlb-vma-bracket-balance ---------------------------------------------------------------
  {
    id: 'bracket-madvise-cold-end-deleted',
    rule: 'tlb-vma-bracket-balance',
    file: 'mm/madvise.c',
    function: 'madvise_cold_page_range',
    what: 'tlb_end_vma() of the cold bracket deleted',
    edits: [{ delete: 'tlb_end_vma(tlb, vma);' }],
    expect: [{ line: 'tlb_start_vma(tlb, vma);' }],
  },
  {
    id: 'bracket-madvise-pageout-error-return',
    rule: 'tlb-vma-bracket-balance',
    file: 'mm/madvise.c',
    function: 'madvise_pageout_page_range',
    what: 'return on a page-walk error between tlb_start_vma() and tlb_end_vma()',
    edits: [{ replace: 'walk_page_range(vma->vm_mm, addr, end, &cold_walk_ops, &walk_private);', with: ['if (walk_page_range(vma->vm_mm, addr, end, &cold_walk_ops, &walk_private))', '\treturn;'] }],
    expect: [{ line: 'tlb_start_vma(tlb, vma);', related: ['return;'] }],
  },
  {
    id: 'bracket-unmap-page-range-return-in-loop',
    rule: 'tlb-vma-bracket-balance',
    file: 'mm/memory.c',
    function: 'unmap_page_range',
    what: 'return from inside the zap loop, before tlb_end_vma()',
    edits: [{ insertAfter: 'next = zap_p4d_range(tlb, vma, pgd, addr, next, details);', text: ['if (fatal_signal_pending(current))', '\treturn;'] }],
    expect: [{ line: 'tlb_start_vma(tlb, vma);', related: ['return;'] }],
  },
  {
    id: 'bracket-unmap-hugepage-range-break-to-return',
    rule: 'tlb-vma-bracket-balance',
    file: 'mm/hugetlb.c',
    function: '__unmap_hugepage_range',
    what: '`if (ref_page) break;` turned into `return;`, skipping tlb_end_vma() (the catalog\'s FP trap, made a bug)',
    edits: [{ replace: 'break;', with: ['return;'] }],
    expect: [{ line: 'tlb_start_vma(tlb, vma);', related: ['return;'] }],
  },
  {
    id: 'bracket-change-protection-range-start-deleted',
    rule: 'tlb-vma-bracket-balance',
    file: 'mm/mprotect.c',
    function: 'change_protection_range',
    what: 'tlb_start_vma() deleted: an end without a start',
    edits: [{ delete: 'tlb_start_vma(tlb, vma);' }],
    expect: [{ line: 'tlb_end_vma(tlb, vma);' }],
  },
  {
    id: 'bracket-madvise-free-nested-start',
    rule: 'tlb-vma-bracket-balance',
    file: 'mm/madvise.c',
    function: 'madvise_free_single_vma',
    what: 'a second tlb_start_vma() inside the open bracket (hard case H6)',
    edits: [{ insertBefore: 'tlb_end_vma(&tlb, vma);', text: ['tlb_start_vma(&tlb, vma);'] }],
    expect: [{ line: { at: 'tlb_start_vma(&tlb, vma);', nth: 2 }, related: [{ at: 'tlb_start_vma(&tlb, vma);', nth: 1 }] }],
  },

  // ---- tlb-vma-bracket-vma-reassigned --------------------------------------------------------
  {
    id: 'reassigned-seed-free-pgtables',
    rule: 'tlb-vma-bracket-vma-reassigned',
    file: 'mm/memory.c',
    function: 'free_pgtables',
    what: 'the seed (B1): tlb_start_vma()/tlb_end_vma() around the body whose inner loop does `vma = next;` (hard case H1)',
    edits: SEED_EDITS,
    expect: [{ line: 'tlb_start_vma(tlb, vma);', endLine: 'tlb_end_vma(tlb, vma);', related: [{ at: 'vma = next;', nth: 1 }] }],
  },
  {
    id: 'reassigned-madvise-cold-find-vma',
    rule: 'tlb-vma-bracket-vma-reassigned',
    file: 'mm/madvise.c',
    function: 'madvise_cold_page_range',
    what: '`vma = find_vma(...)` between the walk and tlb_end_vma()',
    edits: [{ insertAfter: 'walk_page_range(vma->vm_mm, addr, end, &cold_walk_ops, &walk_private);', text: ['vma = find_vma(vma->vm_mm, end);'] }],
    expect: [{ line: 'tlb_start_vma(tlb, vma);', endLine: 'tlb_end_vma(tlb, vma);', related: ['vma = find_vma(vma->vm_mm, end);'] }],
  },
  {
    id: 'reassigned-unmap-page-range-in-loop',
    rule: 'tlb-vma-bracket-vma-reassigned',
    file: 'mm/memory.c',
    function: 'unmap_page_range',
    what: 'the zap loop moves `vma` on when the address passes its end',
    edits: [{ insertAfter: 'next = zap_p4d_range(tlb, vma, pgd, addr, next, details);', text: ['if (next >= vma->vm_end)', '\tvma = find_vma(vma->vm_mm, next);'] }],
    expect: [{ line: 'tlb_start_vma(tlb, vma);', endLine: 'tlb_end_vma(tlb, vma);', related: ['vma = find_vma(vma->vm_mm, next);'] }],
  },
  {
    id: 'reassigned-change-protection-range-lookup',
    rule: 'tlb-vma-bracket-vma-reassigned',
    file: 'mm/mprotect.c',
    function: 'change_protection_range',
    what: '`vma = vma_lookup(...)` at the bottom of the do/while body (hard case H15)',
    edits: [{ insertBefore: '} while (pgd++, addr = next, addr != end);', text: ['\tvma = vma_lookup(mm, next);'] }],
    expect: [{ line: 'tlb_start_vma(tlb, vma);', endLine: 'tlb_end_vma(tlb, vma);', related: ['vma = vma_lookup(mm, next);'] }],
  },
  {
    id: 'reassigned-madvise-free-mismatched-end',
    rule: 'tlb-vma-bracket-vma-reassigned',
    file: 'mm/madvise.c',
    function: 'madvise_free_single_vma',
    what: 'tlb_end_vma() given another VMA expression than tlb_start_vma()',
    edits: [{ replace: 'tlb_end_vma(&tlb, vma);', with: ['tlb_end_vma(&tlb, vma_lookup(mm, range.end - 1));'] }],
    expect: [{ line: 'tlb_start_vma(&tlb, vma);', endLine: 'tlb_end_vma(&tlb, vma_lookup(mm, range.end - 1));' }],
  },

  // ---- rules being written: kept here so they count as soon as they land ---------------------

  // tlb-op-outside-gather
  {
    id: 'op-outside-madvise-free-start-before-gather',
    rule: 'tlb-op-outside-gather',
    file: 'mm/madvise.c',
    function: 'madvise_free_single_vma',
    what: 'tlb_start_vma() on the local gather before tlb_gather_mmu()',
    edits: [{ move: 'tlb_gather_mmu(&tlb, mm);', after: 'tlb_start_vma(&tlb, vma);' }],
    expect: [{ line: 'tlb_start_vma(&tlb, vma);' }],
  },
  {
    id: 'op-outside-move-hugetlb-finish-first',
    rule: 'tlb-op-outside-gather',
    file: 'mm/hugetlb.c',
    function: 'move_hugetlb_page_tables',
    what: 'tlb_finish_mmu() moved before the final flushes, which then run on a finished gather',
    edits: [{ move: 'tlb_finish_mmu(&tlb);', before: 'tlb_flush_mmu_tlbonly(&tlb);' }],
    expect: [{ line: ['tlb_flush_mmu_tlbonly(&tlb);', 'huge_pmd_unshare_flush(&tlb, vma);'] }],
  },

  // tlb-range-before-queue
  {
    id: 'range-zap-present-folio-ptes-queue-first',
    rule: 'tlb-range-before-queue',
    file: 'mm/memory.c',
    function: 'zap_present_folio_ptes',
    what: 'tlb_remove_tlb_entries() moved after __tlb_remove_folio_pages(): pages queued before their range',
    edits: [{ move: 'tlb_remove_tlb_entries(tlb, pte, nr, addr);', after: { at: '*force_break = true;', offset: 1 } }],
    expect: [{ line: '__tlb_remove_folio_pages(tlb, page, nr, delay_rmap)' }],
  },
  {
    id: 'range-zap-huge-pmd-queue-first',
    rule: 'tlb-range-before-queue',
    file: 'mm/huge_memory.c',
    function: 'zap_huge_pmd',
    what: 'tlb_remove_pmd_tlb_entry() moved after tlb_remove_page_size()',
    edits: [{ move: 'tlb_remove_pmd_tlb_entry(tlb, pmd, addr);', after: 'tlb_remove_page_size(tlb, &folio->page, HPAGE_PMD_SIZE);' }],
    expect: [{ line: 'tlb_remove_page_size(tlb, &folio->page, HPAGE_PMD_SIZE);' }],
  },
  {
    id: 'range-zap-huge-pmd-no-page-size',
    rule: 'tlb-range-before-queue',
    file: 'mm/huge_memory.c',
    function: 'zap_huge_pmd',
    what: 'tlb_change_page_size() deleted before a huge-size queue',
    edits: [{ delete: 'tlb_change_page_size(tlb, HPAGE_PMD_SIZE);' }],
    expect: [{ line: 'tlb_remove_page_size(tlb, &folio->page, HPAGE_PMD_SIZE);' }],
  },
  {
    id: 'range-unmap-hugepage-range-queue-first',
    rule: 'tlb-range-before-queue',
    file: 'mm/hugetlb.c',
    function: '__unmap_hugepage_range',
    what: 'tlb_remove_huge_tlb_entry() moved after tlb_remove_page_size(): the first page is queued with no range',
    edits: [{ move: 'tlb_remove_huge_tlb_entry(h, tlb, ptep, address);', after: 'tlb_remove_page_size(tlb, page, huge_page_size(h));' }],
    expect: [{ line: 'tlb_remove_page_size(tlb, page, huge_page_size(h));' }],
  },
  {
    id: 'range-zap-huge-pmd-no-range',
    rule: 'tlb-range-before-queue',
    file: 'mm/huge_memory.c',
    function: 'zap_huge_pmd',
    what: 'tlb_remove_pmd_tlb_entry() deleted: the page is queued and no range is ever recorded for it',
    edits: [{ delete: 'tlb_remove_pmd_tlb_entry(tlb, pmd, addr);' }],
    expect: [{ line: 'tlb_remove_page_size(tlb, &folio->page, HPAGE_PMD_SIZE);' }],
  },

  // tlb-batch-full-ignored
  {
    id: 'batch-full-zap-present-folio-ptes-discarded',
    rule: 'tlb-batch-full-ignored',
    file: 'mm/memory.c',
    function: 'zap_present_folio_ptes',
    what: 'the result of __tlb_remove_folio_pages() discarded',
    edits: [{ replace: 'if (unlikely(__tlb_remove_folio_pages(tlb, page, nr, delay_rmap))) {', lines: 4, with: ['__tlb_remove_folio_pages(tlb, page, nr, delay_rmap);'] }],
    expect: [{ line: '__tlb_remove_folio_pages(tlb, page, nr, delay_rmap);' }],
  },
  {
    id: 'batch-full-zap-present-folio-ptes-never-read',
    rule: 'tlb-batch-full-ignored',
    file: 'mm/memory.c',
    function: 'zap_present_folio_ptes',
    what: 'the result of __tlb_remove_folio_pages() stored in a local that nothing reads',
    edits: [
      { insertAfter: 'bool delay_rmap = false;', text: ['bool full;'] },
      { replace: 'if (unlikely(__tlb_remove_folio_pages(tlb, page, nr, delay_rmap))) {', lines: 4, with: ['full = __tlb_remove_folio_pages(tlb, page, nr, delay_rmap);'] },
    ],
    expect: [{ line: 'full = __tlb_remove_folio_pages(tlb, page, nr, delay_rmap);' }],
  },
  {
    id: 'batch-full-tlb-remove-page-size-no-flush',
    rule: 'tlb-batch-full-ignored',
    file: 'include/asm-generic/tlb.h',
    function: 'tlb_remove_page_size',
    what: 'the self-flushing wrapper loses its tlb_flush_mmu()',
    edits: [{ replace: 'if (__tlb_remove_page_size(tlb, page, false, page_size))', lines: 2, with: ['__tlb_remove_page_size(tlb, page, false, page_size);'] }],
    expect: [{ line: '__tlb_remove_page_size(tlb, page, false, page_size);' }],
  },

  // tlb-flush-before-ptl-unlock
  {
    id: 'ptl-zap-pte-range-flush-after-unlock',
    rule: 'tlb-flush-before-ptl-unlock',
    file: 'mm/memory.c',
    function: 'zap_pte_range',
    what: 'the delayed-rmap flush moved after pte_unmap_unlock()',
    edits: [{ move: 'if (force_flush) {', lines: 4, after: 'pte_unmap_unlock(start_pte, ptl);' }],
    expect: [{ line: ['pte_unmap_unlock(start_pte, ptl);', 'tlb_flush_mmu_tlbonly(tlb);', 'tlb_flush_rmaps(tlb, vma);'] }],
  },
  {
    id: 'ptl-move-ptes-flush-after-unlock',
    rule: 'tlb-flush-before-ptl-unlock',
    file: 'mm/mremap.c',
    function: 'move_ptes',
    what: 'B6 (CVE-2018-18281): the TLB flush moved after the PTLs are dropped',
    edits: [{ move: 'if (force_flush)', lines: 2, after: 'pte_unmap_unlock(old_pte - 1, old_ptl);' }],
    expect: [{ line: ['pte_unmap_unlock(old_pte - 1, old_ptl);', 'spin_unlock(new_ptl);', 'flush_tlb_range(vma, old_end - len, old_end);'] }],
  },
  {
    id: 'ptl-migrate-vma-collect-pmd-flush-after-unlock',
    rule: 'tlb-flush-before-ptl-unlock',
    file: 'mm/migrate_device.c',
    function: 'migrate_vma_collect_pmd',
    what: 'B7 (60bae7370896): the TLB flush moved after pte_unmap_unlock()',
    edits: [{ move: 'if (unmapped)', lines: 2, after: 'pte_unmap_unlock(ptep - 1, ptl);' }],
    expect: [{ line: ['pte_unmap_unlock(ptep - 1, ptl);', 'flush_tlb_range(walk->vma, start, end);'] }],
  },

  // pgtable-free-outside-gather
  {
    id: 'pgtable-collapse-pte-mapped-thp-direct-free',
    rule: 'pgtable-free-outside-gather',
    file: 'mm/khugepaged.c',
    function: 'collapse_pte_mapped_thp',
    what: 'pte_free_defer() replaced by pte_free() after pmdp_collapse_flush(): no wait for GUP-fast',
    edits: [{ replace: 'pte_free_defer(mm, pmd_pgtable(pgt_pmd));', with: ['pte_free(mm, pmd_pgtable(pgt_pmd));'] }],
    expect: [{ line: 'pte_free(mm, pmd_pgtable(pgt_pmd));' }],
  },
  {
    id: 'pgtable-retract-page-tables-direct-free',
    rule: 'pgtable-free-outside-gather',
    file: 'mm/khugepaged.c',
    function: 'retract_page_tables',
    what: 'pte_free_defer() replaced by pte_free() after pmdp_collapse_flush()',
    edits: [{ replace: 'pte_free_defer(mm, pmd_pgtable(pgt_pmd));', with: ['pte_free(mm, pmd_pgtable(pgt_pmd));'] }],
    expect: [{ line: 'pte_free(mm, pmd_pgtable(pgt_pmd));' }],
  },
  {
    id: 'pgtable-collapse-huge-page-no-sync',
    rule: 'pgtable-free-outside-gather',
    file: 'mm/khugepaged.c',
    function: 'collapse_huge_page',
    what: 'B5 (2ba99c5e0881): tlb_remove_table_sync_one() deleted; the collapsed table is later deposited',
    edits: [{ delete: 'tlb_remove_table_sync_one();' }],
    expect: [{ line: ['_pmd = pmdp_collapse_flush(vma, address, pmd);', 'pgtable_trans_huge_deposit(mm, pmd, pgtable);'] }],
  },
  {
    id: 'pgtable-free-pte-range-direct-free',
    rule: 'pgtable-free-outside-gather',
    file: 'mm/memory.c',
    function: 'free_pte_range',
    what: 'pte_free_tlb() replaced by pte_free() in the munmap teardown of a live mm',
    edits: [{ replace: 'pte_free_tlb(tlb, token, addr);', with: ['pte_free(tlb->mm, token);'] }],
    expect: [{ line: 'pte_free(tlb->mm, token);' }],
  },

  // hugetlb-unshare-flush-before-finish
  {
    id: 'unshare-move-hugetlb-no-flush',
    rule: 'hugetlb-unshare-flush-before-finish',
    file: 'mm/hugetlb.c',
    function: 'move_hugetlb_page_tables',
    what: 'B4 class: huge_pmd_unshare_flush() deleted before i_mmap_unlock_write() and the finish',
    edits: [{ delete: 'huge_pmd_unshare_flush(&tlb, vma);' }],
    expect: [{ line: ['if (huge_pmd_unshare(&tlb, vma, old_addr, src_pte)) {', 'i_mmap_unlock_write(mapping);', 'tlb_finish_mmu(&tlb);'] }],
  },
  {
    id: 'unshare-try-to-unmap-one-flush-after-finish',
    rule: 'hugetlb-unshare-flush-before-finish',
    file: 'mm/rmap.c',
    function: 'try_to_unmap_one',
    what: 'huge_pmd_unshare_flush() moved after tlb_finish_mmu() (hard case H17)',
    edits: [{ move: 'huge_pmd_unshare_flush(&tlb, vma);', after: { at: 'tlb_finish_mmu(&tlb);', nth: 1 } }],
    expect: [{ line: ['if (huge_pmd_unshare(&tlb, vma, address, pvmw.pte)) {', { at: 'tlb_finish_mmu(&tlb);', nth: 1 }] }],
  },
  {
    id: 'unshare-hugetlb-unshare-pmds-flush-after-unlock',
    rule: 'hugetlb-unshare-flush-before-finish',
    file: 'mm/hugetlb.c',
    function: 'hugetlb_unshare_pmds',
    what: 'huge_pmd_unshare_flush() moved after i_mmap_unlock_write()',
    edits: [{ move: 'huge_pmd_unshare_flush(&tlb, vma);', after: 'i_mmap_unlock_write(vma->vm_file->f_mapping);' }],
    expect: [{ line: ['__huge_pmd_unshare(&tlb, vma, address, ptep, take_locks);', 'i_mmap_unlock_write(vma->vm_file->f_mapping);'] }],
  },

  // mmu-notifier-range-balance
  {
    id: 'notifier-zap-page-range-single-end-deleted',
    rule: 'mmu-notifier-range-balance',
    file: 'mm/memory.c',
    function: 'zap_page_range_single',
    what: 'mmu_notifier_invalidate_range_end() deleted',
    edits: [{ delete: 'mmu_notifier_invalidate_range_end(&range);' }],
    expect: [{ line: 'mmu_notifier_invalidate_range_start(&range);' }],
  },
  {
    id: 'notifier-oom-reap-end-after-failed-start',
    rule: 'mmu-notifier-range-balance',
    file: 'mm/oom_kill.c',
    function: '__oom_reap_task_mm',
    what: 'a range ended after mmu_notifier_invalidate_range_start_nonblock() failed (hard case H4)',
    edits: [{ insertBefore: { at: 'tlb_finish_mmu(&tlb);', nth: 1 }, text: ['mmu_notifier_invalidate_range_end(&range);'] }],
    expect: [{ line: { at: 'mmu_notifier_invalidate_range_end(&range);', nth: 1 } }],
  },
  {
    id: 'notifier-madvise-free-end-deleted',
    rule: 'mmu-notifier-range-balance',
    file: 'mm/madvise.c',
    function: 'madvise_free_single_vma',
    what: 'mmu_notifier_invalidate_range_end() deleted',
    edits: [{ delete: 'mmu_notifier_invalidate_range_end(&range);' }],
    expect: [{ line: 'mmu_notifier_invalidate_range_start(&range);' }],
  },

  // tlb-vma-bracket-misuse (advisory)
  {
    id: 'misuse-seed-free-pgtables',
    rule: 'tlb-vma-bracket-misuse',
    file: 'mm/memory.c',
    function: 'free_pgtables',
    what: 'the seed (B1): a bracket around page-table freeing only',
    edits: SEED_EDITS,
    expect: [{ line: 'tlb_start_vma(tlb, vma);' }],
  },
  {
    id: 'misuse-madvise-free-gather-vma',
    rule: 'tlb-vma-bracket-misuse',
    file: 'mm/madvise.c',
    function: 'madvise_free_single_vma',
    what: 'tlb_gather_mmu_vma() plus a tlb_start_vma() bracket on the same gather (redundant)',
    edits: [{ replace: 'tlb_gather_mmu(&tlb, mm);', with: ['tlb_gather_mmu_vma(&tlb, vma);'] }],
    expect: [{ line: 'tlb_start_vma(&tlb, vma);' }],
  },
  {
    id: 'misuse-exit-mmap-fullmm-bracket',
    rule: 'tlb-vma-bracket-misuse',
    file: 'mm/mmap.c',
    function: 'exit_mmap',
    what: 'a tlb_start_vma()/tlb_end_vma() bracket on a fullmm gather (both calls are no-ops)',
    edits: [
      { insertBefore: 'unmap_vmas(&tlb, &vmi.mas, vma, 0, ULONG_MAX, ULONG_MAX, false);', text: ['tlb_start_vma(&tlb, vma);'] },
      { insertAfter: 'unmap_vmas(&tlb, &vmi.mas, vma, 0, ULONG_MAX, ULONG_MAX, false);', text: ['tlb_end_vma(&tlb, vma);'] },
    ],
    expect: [{ line: 'tlb_start_vma(&tlb, vma);' }],
  },

  {
    id: 'ptl-zap-rmaps-without-tlb-flush',
    rule: 'tlb-flush-before-ptl-unlock',
    file: 'mm/memory.c',
    function: 'zap_pte_range',
    what: 'tlb_flush_mmu_tlbonly() deleted before tlb_flush_rmaps(): the delayed rmaps are removed while the TLB still maps the pages (mm/memory.c: "Do the actual TLB flush before dropping ptl"; rmapsBeforeTlbFlush)',
    edits: [{ delete: 'tlb_flush_mmu_tlbonly(tlb);' }],
    expect: [{ line: 'tlb_flush_rmaps(tlb, vma);' }],
  },
  {
    id: 'notifier-madvise-free-start-twice',
    rule: 'mmu-notifier-range-balance',
    file: 'mm/madvise.c',
    function: 'madvise_free_single_vma',
    what: 'mmu_notifier_invalidate_range_start() called a second time on the same range before its end (startTwice: the notifiers see two starts and one end)',
    edits: [{ insertAfter: 'tlb_start_vma(&tlb, vma);', text: ['mmu_notifier_invalidate_range_start(&range);'] }],
    expect: [{ line: { at: 'mmu_notifier_invalidate_range_start(&range);', nth: 2 }, related: [{ at: 'mmu_notifier_invalidate_range_start(&range);', nth: 1 }] }],
  },
  {
    id: 'notifier-oom-reap-nonblock-untested',
    rule: 'mmu-notifier-range-balance',
    file: 'mm/oom_kill.c',
    function: '__oom_reap_task_mm',
    what: 'the result of mmu_notifier_invalidate_range_start_nonblock() ignored: the reaper zaps and ends a range whose start may have failed with -EAGAIN (resultIgnored; the function is __must_check)',
    edits: [{ replace: 'if (mmu_notifier_invalidate_range_start_nonblock(&range)) {', lines: 5, with: ['mmu_notifier_invalidate_range_start_nonblock(&range);'] }],
    expect: [{ line: 'mmu_notifier_invalidate_range_start_nonblock(&range);' }],
  },
  // ---- family C: VMA lookup semantics --------------------------------------------------------
  // vma-lookup-null-check
  {
    id: 'null-mincore-check-deleted',
    rule: 'vma-lookup-null-check',
    file: 'mm/mincore.c',
    function: 'do_mincore',
    what: "vma_lookup()'s NULL check deleted: vma->vm_end read for an unmapped address (deref)",
    edits: [{ delete: 'if (!vma)', lines: 2 }],
    expect: [{ line: 'end = min(vma->vm_end, addr + (pages << PAGE_SHIFT));', related: ['vma = vma_lookup(current->mm, addr);'] }],
  },
  {
    id: 'null-pages-stat-check-deleted',
    rule: 'vma-lookup-null-check',
    file: 'mm/migrate.c',
    function: 'do_pages_stat_array',
    what: "vma_lookup()'s NULL check deleted before folio_walk_start(), which dereferences the VMA (passed)",
    edits: [{ delete: 'if (!vma)', lines: 2 }],
    expect: [{ line: 'folio = folio_walk_start(&fw, vma, addr, FW_ZEROPAGE);', related: ['vma = vma_lookup(mm, addr);'] }],
  },

  // find-vma-missing-start-check
  {
    id: 'start-print-vma-addr-find-vma',
    rule: 'find-vma-missing-start-check',
    file: 'mm/memory.c',
    function: 'print_vma_addr',
    what: "vma_lookup() turned into find_vma() with only a NULL check: 6.1's form of the function, which upstream fixed (field)",
    edits: [{ replace: 'vma = vma_lookup(mm, ip);', with: ['vma = find_vma(mm, ip);'] }],
    expect: [{ line: 'if (vma && vma->vm_file) {', related: ['vma = find_vma(mm, ip);', 'struct file *f = vma->vm_file;'] }],
  },
  {
    id: 'start-pages-stat-find-vma',
    rule: 'find-vma-missing-start-check',
    file: 'mm/migrate.c',
    function: 'do_pages_stat_array',
    what: 'vma_lookup() turned into find_vma() with only a NULL check, then a page walk at the address (passed)',
    edits: [{ replace: 'vma = vma_lookup(mm, addr);', with: ['vma = find_vma(mm, addr);'] }],
    expect: [{ line: 'folio = folio_walk_start(&fw, vma, addr, FW_ZEROPAGE);', related: ['vma = find_vma(mm, addr);'] }],
  },
  {
    id: 'start-mincore-helper-reads',
    rule: 'find-vma-missing-start-check',
    file: 'mm/mincore.c',
    function: 'do_mincore',
    what: "vma_lookup() turned into find_vma() with only a NULL check: the VMA's flags and file are read by the same-file helper can_do_mincore(), which decides what the range reports (helperReads)",
    edits: [{ replace: 'vma = vma_lookup(current->mm, addr);', with: ['vma = find_vma(current->mm, addr);'] }],
    expect: [{ line: 'if (!can_do_mincore(vma)) {', related: ['vma = find_vma(current->mm, addr);'] }],
  },
  {
    id: 'start-mips-fpemu-si-code',
    rule: 'find-vma-missing-start-check',
    file: 'arch/mips/kernel/traps.c',
    function: 'process_fpemu_return',
    what: 'B13 put back: find_vma() taken as "the fault address is mapped" for the SIGSEGV si_code (mapped)',
    edits: [{ replace: 'if (vma_lookup(current->mm, (unsigned long)fault_addr))', with: ['if (find_vma(current->mm, (unsigned long)fault_addr))'] }],
    expect: [{ line: 'if (find_vma(current->mm, (unsigned long)fault_addr))' }],
  },

  // find-vma-intersection-single-addr (style)
  {
    id: 'single-addr-mincore-intersection',
    rule: 'find-vma-intersection-single-addr',
    file: 'mm/mincore.c',
    function: 'do_mincore',
    what: 'vma_lookup(mm, addr) written as a one-byte find_vma_intersection(), the form the vma_lookup() patch converted',
    edits: [{ replace: 'vma = vma_lookup(current->mm, addr);', with: ['vma = find_vma_intersection(current->mm, addr, addr + 1);'] }],
    expect: [{ line: 'vma = find_vma_intersection(current->mm, addr, addr + 1);' }],
  },
  // ---- vma-read-lock-balance -----------------------------------------------------------------
  {
    id: 'vma-lock-x86-end-read-untested',
    rule: 'vma-read-lock-balance',
    file: 'arch/x86/mm/fault.c',
    function: 'do_user_addr_fault',
    what: 'vma_end_read() after handle_mm_fault(..., FAULT_FLAG_VMA_LOCK) without the RETRY/COMPLETED test (released twice)',
    edits: [{ delete: 'if (!(fault & (VM_FAULT_RETRY | VM_FAULT_COMPLETED)))' }],
    expect: [{ line: { at: 'vma_end_read(vma);', nth: 1 }, related: ['fault = handle_mm_fault(vma, address, flags | FAULT_FLAG_VMA_LOCK, regs);'] }],
  },
  {
    id: 'vma-lock-arm64-access-exit-leak',
    rule: 'vma-read-lock-balance',
    file: 'arch/arm64/mm/fault.c',
    function: 'do_page_fault',
    what: 'the first of arm64\'s three vma_end_read() sites deleted: the access-error exit leaves with the VMA read-locked',
    edits: [{ delete: { at: 'vma_end_read(vma);', nth: 1 } }],
    expect: [{ line: 'vma = lock_vma_under_rcu(mm, addr);', related: [{ at: 'goto bad_area;', nth: 1 }] }],
  },
  {
    id: 'vma-lock-arm64-use-after-retry',
    rule: 'vma-read-lock-balance',
    file: 'arch/arm64/mm/fault.c',
    function: 'do_page_fault',
    what: 'the VMA read on the VM_FAULT_RETRY path, after handle_mm_fault() released its lock',
    edits: [{ insertAfter: 'count_vm_vma_lock_event(VMA_LOCK_RETRY);', text: ['if (vma->vm_flags & VM_GROWSDOWN)', '\tmm_flags |= FAULT_FLAG_TRIED;'] }],
    expect: [{ line: 'if (vma->vm_flags & VM_GROWSDOWN)', related: ['fault = handle_mm_fault(vma, addr, mm_flags | FAULT_FLAG_VMA_LOCK, regs);'] }],
  },
  {
    id: 'vma-lock-s390-null-deref',
    rule: 'vma-read-lock-balance',
    file: 'arch/s390/mm/fault.c',
    function: 'do_exception',
    what: 'the VMA dereferenced on the path where lock_vma_under_rcu() returned NULL',
    edits: [{ replace: { at: 'goto lock_mmap;', nth: 2 }, with: ['{', '\tpr_debug("no vma: %lx\\n", vma->vm_start);', '\tgoto lock_mmap;', '}'] }],
    expect: [{ line: 'pr_debug("no vma: %lx\\n", vma->vm_start);' }],
  },
  {
    id: 'vma-lock-bpf-iter-retry-without-release',
    rule: 'vma-read-lock-balance',
    file: 'kernel/bpf/task_iter.c',
    function: 'bpf_iter_task_vma_find_next',
    what: 'the retry after a stale lookup goes round without vma_end_read(): the locked VMA is overwritten',
    edits: [{ delete: 'vma_end_read(vma);' }],
    expect: [{ line: 'vma = lock_vma_under_rcu(data->mm, start);', related: ['vma = vma_next(&vmi);'] }],
  },

  {
    id: 'vma-lock-arm64-double-end-read',
    rule: 'vma-read-lock-balance',
    file: 'arch/arm64/mm/fault.c',
    function: 'do_page_fault',
    what: 'vma_end_read() called twice on the access-error path (doubleRelease: the VMA\'s read lock count underflows)',
    edits: [{ insertAfter: { at: 'vma_end_read(vma);', nth: 1 }, text: ['vma_end_read(vma);'] }],
    expect: [{ line: { at: 'vma_end_read(vma);', nth: 2 }, related: [{ at: 'vma_end_read(vma);', nth: 1 }] }],
  },
  // ---- vm-flags-direct-write -----------------------------------------------------------------
  {
    id: 'vm-flags-remap-pfn-direct-or',
    rule: 'vm-flags-direct-write',
    file: 'mm/memory.c',
    function: 'remap_pfn_range_internal',
    what: 'vm_flags_set() turned back into a 6.1-style `vma->vm_flags |=` in a 6.12 file (does not build: vm_flags is const)',
    edits: [{ replace: 'vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);', with: ['vma->vm_flags |= VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP;'] }],
    expect: [{ line: 'vma->vm_flags |= VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP;' }],
  },
  {
    id: 'vm-flags-mlock-fixup-direct-store',
    rule: 'vm-flags-direct-write',
    file: 'mm/mlock.c',
    function: 'mlock_fixup',
    what: 'vm_flags_reset() after vma_start_write() turned into a plain store `vma->vm_flags = newflags` (6.1 style)',
    edits: [{ replace: 'vm_flags_reset(vma, newflags);', with: ['vma->vm_flags = newflags;'] }],
    expect: [{ line: 'vma->vm_flags = newflags;' }],
  },

  // ---- api-version-gate ----------------------------------------------------------------------
  {
    id: 'api-gate-mlock-write-trylock',
    rule: 'api-version-gate',
    file: 'mm/mlock.c',
    function: 'do_mlock',
    what: 'a 6.1-era mmap_write_trylock() (removed before 6.12) forward-ported into 6.12 (catalog §0, api-version-gate)',
    edits: [{ replace: 'if (mmap_write_lock_killable(current->mm))', with: ['if (!mmap_write_trylock(current->mm))'] }],
    expect: [{ line: 'if (!mmap_write_trylock(current->mm))' }],
    gap: 'a review reads the tree\'s mm API headers (include/linux/mmap_lock.h, mm.h, ...) to learn its API level, and the bench\'s default tree (mm/ and arch/*/mm/) has no include/: with --tree on the whole 6.12 tree it is found',
  },

  // ---- vma-lookup-requires-lock ----------------------------------------------------------------
  {
    id: 'lookup-split-huge-pages-pid-lock-after-loop',
    rule: 'vma-lookup-requires-lock',
    file: 'mm/huge_memory.c',
    function: 'split_huge_pages_pid',
    what: 'mmap_read_lock() moved below the loop: every vma_lookup() of the walk runs before the function takes the lock',
    edits: [{ move: 'mmap_read_lock(mm);', before: 'mmap_read_unlock(mm);' }],
    expect: [{ line: 'struct vm_area_struct *vma = vma_lookup(mm, addr);' }],
  },
  {
    id: 'lookup-remap-file-pages-before-relock',
    rule: 'vma-lookup-requires-lock',
    file: 'mm/mmap.c',
    // SYSCALL_DEFINE5(remap_file_pages, ...), the file's only one.
    function: 'SYSCALL_DEFINE5',
    what: 'the VMA looked up again before the write lock is retaken, between the read unlock and mmap_write_lock_killable() (afterUnlock)',
    edits: [{ move: { at: 'vma = vma_lookup(mm, start);', nth: 2 }, before: 'if (mmap_write_lock_killable(mm)) {' }],
    expect: [{ line: { at: 'vma = vma_lookup(mm, start);', nth: 2 }, related: [{ at: 'mmap_read_unlock(mm);', nth: 2 }] }],
  },

  // ---- mmap-lock-balance ---------------------------------------------------------------------
  {
    id: 'lock-mincore-early-return',
    rule: 'mmap-lock-balance',
    file: 'mm/mincore.c',
    // SYSCALL_DEFINE3(mincore, ...), the file's only one.
    function: 'SYSCALL_DEFINE3',
    what: 'an early return on a fatal signal between mmap_read_lock() and mmap_read_unlock() (catalog mmap-lock-balance: a path leaves with the lock held)',
    edits: [{ insertAfter: 'retval = do_mincore(start, min(pages, PAGE_SIZE), tmp);', text: ['if (fatal_signal_pending(current))', '\treturn -EINTR;'] }],
    expect: [{ line: 'mmap_read_lock(current->mm);', related: ['if (fatal_signal_pending(current))', 'return -EINTR;'] }],
  },
  {
    id: 'lock-b12-migrate-to-node-unlock-not-held',
    rule: 'mmap-lock-balance',
    file: 'mm/mempolicy.c',
    function: 'migrate_to_node',
    what: 'B12 put back: the extra mmap_read_unlock() the bad 6.1 backport added on the no-VMA path of migrate_to_node(), releasing a lock already released there (d77401968c78, "fix wrong mmap_read_unlock() in migrate_to_node()")',
    edits: [{ insertAfter: 'if (unlikely(!vma)) {', text: ['mmap_read_unlock(mm);'] }],
    expect: [{ line: { at: 'mmap_read_unlock(mm);', nth: 2 } }],
  },
  {
    id: 'lock-brk-unlock-after-munmap-released',
    rule: 'mmap-lock-balance',
    file: 'mm/mmap.c',
    // SYSCALL_DEFINE1(brk, ...), the first of the file's two.
    function: 'SYSCALL_DEFINE1',
    functionNth: 1,
    what: 'the shrink path of brk() sent to the unlocking exit after do_vmi_align_munmap(..., unlock = true) released the lock on success (a second mmap_write_unlock())',
    edits: [{ replace: 'goto success_unlocked;', with: ['goto success;'] }],
    expect: [{ line: { at: 'mmap_write_unlock(mm);', nth: 1 }, related: ['if (do_vmi_align_munmap(&vmi, brkvma, mm, newbrk, oldbrk, &uf,'] }],
  },
  {
    id: 'lock-khugepaged-swapin-failure-unlocks-again',
    rule: 'mmap-lock-balance',
    file: 'mm/khugepaged.c',
    function: 'collapse_huge_page',
    what: "H18's contract broken: an mmap_read_unlock() added on the failure path of __collapse_huge_page_swapin(), which has already released the lock when it fails",
    edits: [{ replace: 'result = __collapse_huge_page_swapin(mm, vma, address, pmd,', lines: 4, with: ['result = __collapse_huge_page_swapin(mm, vma, address, pmd, referenced);', 'if (result != SCAN_SUCCEED) {', '\tmmap_read_unlock(mm);', '\tgoto out_nolock;', '}'] }],
    expect: [{ line: { at: 'mmap_read_unlock(mm);', offset: 0, nth: 4 }, related: ['result = __collapse_huge_page_swapin(mm, vma, address, pmd, referenced);'] }],
  },
  {
    id: 'lock-uffd-move-lock-error-passed-on',
    rule: 'mmap-lock-balance',
    file: 'mm/userfaultfd.c',
    function: 'uffd_move_lock',
    // The CONFIG_PER_VMA_LOCK version; the #else one takes the mmap lock alone.
    functionNth: 1,
    what: "the lookup's error passed on with `if (err) return err;` between mmap_read_lock() and mmap_read_unlock(): the read lock leaks on every failed UFFDIO_MOVE lookup (an int that is not zero is an error)",
    edits: [{ insertBefore: 'if (!err) {', text: ['if (err)', '\treturn err;'] }],
    expect: [{ line: { at: 'mmap_read_lock(mm);', nth: 1 }, related: [{ at: 'return err;', nth: 1 }] }],
  },
  {
    id: 'contract-s390-expand-stack-failure-unlocks',
    rule: 'mmap-lock-callee-contract',
    file: 'arch/s390/mm/fault.c',
    function: 'do_exception',
    what: "handle_fault_error() (which unlocks current->mm itself, not handed the mm) called after expand_stack() returned NULL, which has already dropped the lock: a double mmap_read_unlock() on every failed stack growth",
    edits: [{ replace: 'return handle_fault_error_nolock(regs, SEGV_MAPERR);', with: ['return handle_fault_error(regs, SEGV_MAPERR);'] }],
    expect: [{ line: { at: 'return handle_fault_error(regs, SEGV_MAPERR);', nth: 3 }, related: ['vma = expand_stack(mm, address);'] }],
  },
  {
    id: 'use-after-populate-flag-untested',
    rule: 'vma-use-after-unlock',
    file: 'mm/gup.c',
    function: '__mm_populate',
    what: "a pr_debug() of the VMA on the error path after populate_vma_page_range(..., &locked), which may have dropped the mmap lock and cleared `locked`: the flag is not tested before the VMA is read",
    edits: [{ insertAfter: 'if (ignore_errors) {', text: ['\tpr_debug("skipping %lx-%lx\\n", vma->vm_start, vma->vm_end);'] }],
    expect: [{ line: 'pr_debug("skipping %lx-%lx\\n", vma->vm_start, vma->vm_end);', related: ['ret = populate_vma_page_range(vma, nstart, nend, &locked);'] }],
  },
  {
    id: 'vma-lock-powerpc-pkey-handed-mm',
    rule: 'vma-read-lock-balance',
    file: 'arch/powerpc/mm/fault.c',
    function: '___do_page_fault',
    what: "bad_access_pkey() handed `mm` instead of NULL on the per-VMA-lock path (the mmap-lock path's call copied): it releases the mmap lock nobody holds and leaves the VMA read-locked",
    edits: [{ replace: 'return bad_access_pkey(regs, address, NULL, vma);', with: ['return bad_access_pkey(regs, address, mm, vma);'] }],
    expect: [{ line: { at: 'return bad_access_pkey(regs, address, mm, vma);', nth: 1 }, related: ['vma = lock_vma_under_rcu(mm, address);'] }],
  },
  {
    id: 'lock-61-brk-downgrade-untested',
    rule: 'mmap-lock-balance',
    tree: '6.1',
    file: 'mm/mmap.c',
    // SYSCALL_DEFINE1(brk, ...), before old_mmap's.
    function: 'SYSCALL_DEFINE1',
    functionNth: 1,
    what: "6.1 brk() treating do_brk_munmap()'s 1 (the write lock downgraded to read) like 0: `success:` then releases the read-held lock with mmap_write_unlock() (a stable backport's simplification of the result test)",
    edits: [{ replace: 'if (ret == 1)  {', lines: 5, with: ['if (ret >= 0)', '\tgoto success;'] }],
    expect: [{ line: { at: 'mmap_write_unlock(mm);', nth: 1 }, related: ['ret = do_brk_munmap(&mas, brkvma, newbrk, oldbrk, &uf);'] }],
  },
  {
    id: 'lock-mlockall-wrong-mode',
    rule: 'mmap-lock-balance',
    file: 'mm/mlock.c',
    // SYSCALL_DEFINE1(mlockall, ...), the file's only one.
    function: 'SYSCALL_DEFINE1',
    what: 'the write lock of mlockall() released with mmap_read_unlock() (catalog mmap-lock-balance: wrong-mode unlock)',
    edits: [{ replace: 'mmap_write_unlock(current->mm);', with: ['mmap_read_unlock(current->mm);'] }],
    expect: [{ line: 'mmap_read_unlock(current->mm);', related: ['if (mmap_write_lock_killable(current->mm))'] }],
  },
  {
    id: 'lock-migrate-to-node-double-lock',
    rule: 'mmap-lock-balance',
    file: 'mm/mempolicy.c',
    function: 'migrate_to_node',
    what: 'mmap_read_lock() taken a second time before queue_pages_range() (catalog mmap-lock-balance: double lock; a rwsem read lock taken twice deadlocks behind a waiting writer)',
    edits: [{ insertBefore: 'nr_failed = queue_pages_range(mm, vma->vm_start, mm->task_size, &nmask,', text: ['mmap_read_lock(mm);'] }],
    expect: [{ line: { at: 'mmap_read_lock(mm);', nth: 2 }, related: [{ at: 'mmap_read_lock(mm);', nth: 1 }] }],
  },
  {
    id: 'lock-remap-file-pages-killable-inverted',
    rule: 'mmap-lock-balance',
    file: 'mm/mmap.c',
    // SYSCALL_DEFINE5(remap_file_pages, ...).
    function: 'SYSCALL_DEFINE5',
    what: 'the test of mmap_read_lock_killable() in remap_file_pages() inverted, read the trylock way round: the -EINTR return then leaves holding the lock, and the path without it reaches the unlocks (catalog mmap-lock-balance: killable lock polarity)',
    edits: [{ replace: 'if (mmap_read_lock_killable(mm))', with: ['if (!mmap_read_lock_killable(mm))'] }],
    expect: [{ line: 'if (!mmap_read_lock_killable(mm))', related: [{ at: 'return -EINTR;', nth: 1 }, [{ at: 'mmap_read_unlock(mm);', nth: 1 }, { at: 'mmap_read_unlock(mm);', nth: 2 }]] }],
  },
  {
    id: 'lock-oom-reaper-trylock-untested',
    rule: 'mmap-lock-balance',
    file: 'mm/oom_kill.c',
    function: 'oom_reap_task_mm',
    what: 'mmap_read_trylock() treated as always locking: its result is not tested, and the unlock runs on the path where it failed (catalog mmap-lock-balance: trylock polarity)',
    edits: [{ replace: 'if (!mmap_read_trylock(mm)) {', lines: 4, with: ['mmap_read_trylock(mm);'] }],
    expect: [{ line: ['mmap_read_trylock(mm);', 'mmap_read_unlock(mm);'] }],
  },

  // ---- mmap-lock-callee-contract -------------------------------------------------------------
  {
    id: 'contract-queue-pages-range-locks-under-caller',
    rule: 'mmap-lock-callee-contract',
    file: 'mm/mempolicy.c',
    function: 'queue_pages_range',
    what: 'queue_pages_range() made to take the mmap read lock itself, while migrate_to_node() and do_mbind() call it holding the lock (catalog mmap-lock-callee-contract: calledLocked, the B12 shape seen from the callee)',
    edits: [
      { insertBefore: 'err = walk_page_range(mm, start, end, ops, &qp);', text: ['mmap_read_lock(mm);'] },
      { insertAfter: 'err = walk_page_range(mm, start, end, ops, &qp);', text: ['mmap_read_unlock(mm);'] },
    ],
    expect: [{ line: 'mmap_read_lock(mm);' }],
  },
  {
    id: 'contract-khugepaged-alloc-releases-released-lock',
    rule: 'mmap-lock-callee-contract',
    file: 'mm/khugepaged.c',
    function: 'alloc_charge_folio',
    what: 'alloc_charge_folio() made to drop the caller\'s mmap read lock before allocating, but collapse_huge_page() calls it after releasing the lock already (catalog mmap-lock-callee-contract: calledUnlocked)',
    edits: [{ insertBefore: 'folio = __folio_alloc(gfp, HPAGE_PMD_ORDER, node, &cc->alloc_nmask);', text: ['mmap_read_unlock(mm);', ''] }],
    expect: [{ line: 'mmap_read_unlock(mm);' }],
  },
  {
    id: 'contract-khugepaged-unlock-before-collapse',
    rule: 'mmap-lock-callee-contract',
    file: 'mm/khugepaged.c',
    function: 'hpage_collapse_scan_pmd',
    what: 'the scan drops the mmap read lock itself before collapse_huge_page(), which releases the caller\'s read lock on entry (catalog §4, collapse_huge_page: callsReleasing)',
    edits: [{ insertBefore: 'result = collapse_huge_page(mm, address, referenced,', text: ['mmap_read_unlock(mm);'] }],
    expect: [{ line: 'result = collapse_huge_page(mm, address, referenced,', related: ['mmap_read_unlock(mm);'] }],
  },
  {
    id: 'contract-madvise-unlock-after-userfaultfd-remove',
    rule: 'mmap-lock-callee-contract',
    file: 'mm/madvise.c',
    function: 'madvise_dontneed_free',
    what: 'mmap_read_unlock() on the path where userfaultfd_remove() returned false, i.e. after it already dropped the lock (catalog §4, mmap-lock-callee-contract (a))',
    edits: [{ insertBefore: { at: 'mmap_read_lock(mm);', nth: 1 }, text: ['mmap_read_unlock(mm);'] }],
    expect: [{ line: { at: 'mmap_read_unlock(mm);', nth: 1 }, related: ['if (!userfaultfd_remove(vma, start, end)) {'] }],
  },
  {
    id: 'contract-x86-unlock-after-failed-lock-mm-and-find-vma',
    rule: 'mmap-lock-callee-contract',
    file: 'arch/x86/mm/fault.c',
    function: 'do_user_addr_fault',
    what: 'mmap_read_unlock() where lock_mm_and_find_vma() returned NULL and holds no lock (catalog §4)',
    edits: [{ insertAfter: 'if (unlikely(!vma)) {', text: ['mmap_read_unlock(mm);'] }],
    expect: [{ line: { at: 'if (unlikely(!vma)) {', offset: 1 }, related: ['vma = lock_mm_and_find_vma(mm, address, regs);'] }],
  },
  {
    id: 'contract-m68k-expand-stack-null-unlocks',
    rule: 'mmap-lock-callee-contract',
    file: 'arch/m68k/mm/fault.c',
    function: 'do_page_fault',
    what: 'expand_stack() returned NULL (lock dropped) and the handler jumps to the label that unlocks (catalog §4)',
    edits: [{ replace: 'goto map_err_nosemaphore;', with: ['goto map_err;'] }],
    expect: [{ line: { at: 'map_err:', offset: 1 }, related: ['vma = expand_stack(mm, address);'] }],
  },
  {
    id: 'contract-b12-do-migrate-pages-holds-lock',
    rule: 'mmap-lock-callee-contract',
    file: 'mm/mempolicy.c',
    function: 'do_migrate_pages',
    functionNth: 1,
    what: "bug B12 in reverse: the caller holds mmap_read_lock() around migrate_to_node(), which takes the lock itself in 6.12 (the 6.1 caller's shape in the 6.12 tree)",
    edits: [
      { insertAfter: 'lru_cache_disable();', text: ['mmap_read_lock(mm);'] },
      { insertBefore: 'lru_cache_enable();', text: ['mmap_read_unlock(mm);'] },
    ],
    expect: [{ line: 'err = migrate_to_node(mm, source, dest, flags);', related: ['mmap_read_lock(mm);'] }],
  },
  {
    id: 'uau-madvise-no-relookup-after-userfaultfd-remove',
    rule: 'vma-use-after-unlock',
    file: 'mm/madvise.c',
    function: 'madvise_dontneed_free',
    what: 'the VMA is not looked up again after userfaultfd_remove() returned false and dropped the lock: vma->vm_end of a VMA that may be freed (catalog vma-use-after-unlock, helper release)',
    edits: [{ delete: 'vma = vma_lookup(mm, start);', lines: 3 }],
    expect: [{ line: 'if (end > vma->vm_end) {', related: ['if (!userfaultfd_remove(vma, start, end)) {'] }],
  },
  {
    id: 'uau-remap-file-pages-file-after-unlock',
    rule: 'vma-use-after-unlock',
    file: 'mm/mmap.c',
    function: 'SYSCALL_DEFINE5',
    what: 'vma->vm_file read after mmap_read_unlock() instead of copied before it, as remap_file_pages() does (afterUnlock: the VMA may be freed once the lock is dropped)',
    edits: [{ move: 'file = get_file(vma->vm_file);', after: { at: 'mmap_read_unlock(mm);', nth: 2 } }],
    expect: [{ line: 'file = get_file(vma->vm_file);', related: [{ at: 'mmap_read_unlock(mm);', nth: 2 }] }],
  },
  {
    id: 'uau-remap-file-pages-hugetlb-after-unlock',
    rule: 'vma-use-after-unlock',
    file: 'mm/mmap.c',
    function: 'SYSCALL_DEFINE5',
    what: 'is_vm_hugetlb_page(vma) asked after remap_file_pages() dropped the read lock: the helper reads vma->vm_flags of a VMA that may be gone (afterUnlock, through a helper known to read the VMA)',
    edits: [{ insertAfter: { at: 'mmap_read_unlock(mm);', nth: 2 }, text: ['if (is_vm_hugetlb_page(vma)) {', '\tfput(file);', '\treturn -EINVAL;', '}'] }],
    expect: [{ line: 'if (is_vm_hugetlb_page(vma)) {', related: [{ at: 'mmap_read_unlock(mm);', nth: 2 }] }],
  },
  {
    id: 'uau-remap-file-pages-stale-after-write-relock',
    rule: 'vma-use-after-unlock',
    file: 'mm/mmap.c',
    function: 'SYSCALL_DEFINE5',
    what: 'remap_file_pages() without its second vma_lookup(): after the killable write re-lock it checks the VMA found under the read lock, which may have been freed in between (afterUnlock; the revalidation hugepage_vma_revalidate() exists for)',
    edits: [{ delete: { at: 'vma = vma_lookup(mm, start);', nth: 2 }, lines: 4 }],
    expect: [{ line: 'if (vma->vm_flags != vm_flags)', related: [{ at: 'mmap_read_unlock(mm);', nth: 2 }] }],
  },
  {
    id: 'uau-x86-vma-after-retry',
    rule: 'vma-use-after-unlock',
    file: 'arch/x86/mm/fault.c',
    function: 'do_user_addr_fault',
    what: 'the VMA read on the VM_FAULT_RETRY path, where handle_mm_fault() has already dropped the mmap lock (afterFault; catalog §4: "If we need to retry the mmap_lock has already been released")',
    edits: [{ insertAfter: { at: 'flags |= FAULT_FLAG_TRIED;', nth: 2 }, text: ['if (vma->vm_flags & VM_GROWSDOWN)', '\tflags |= FAULT_FLAG_REMOTE;'] }],
    expect: [{ line: 'if (vma->vm_flags & VM_GROWSDOWN)', related: ['fault = handle_mm_fault(vma, address, flags, regs);'] }],
  },
  // ---- vm-flags-helper-lock-context ----------------------------------------------------------
  {
    id: 'flags-clear-refs-under-read-lock',
    rule: 'vm-flags-helper-lock-context',
    file: 'fs/proc/task_mmu.c',
    function: 'clear_refs_write',
    what: 'clear_refs_write() takes the mmap lock for reading and still clears VM_SOFTDIRTY with vm_flags_clear(), which needs it for writing (vma_start_write() asserts it)',
    edits: [
      { replace: 'if (mmap_write_lock_killable(mm)) {', with: ['if (mmap_read_lock_killable(mm)) {'] },
      { replace: 'mmap_write_unlock(mm);', with: ['mmap_read_unlock(mm);'] },
    ],
    expect: [{ line: 'vm_flags_clear(vma, VM_SOFTDIRTY);', related: ['if (mmap_read_lock_killable(mm)) {'] }],
  },
  {
    id: 'lookup-lock-acct-collect-walk-before-lock',
    rule: 'vma-lookup-requires-lock',
    file: 'kernel/acct.c',
    function: 'acct_collect',
    what: 'acct_collect() walks the VMAs with for_each_vma() before it takes the mmap read lock (catalog vma-lookup-requires-lock, iteration)',
    edits: [{ move: 'mmap_read_lock(mm);', before: 'mmap_read_unlock(mm);' }],
    expect: [{ line: 'for_each_vma(vmi, vma)' }],
  },
  {
    id: 'vma-read-start-read-after-rcu-unlock',
    rule: 'vma-read-lock-balance',
    file: 'mm/memory.c',
    function: 'lock_vma_under_rcu',
    what: 'the RCU read section ends before vma_start_read() tries the VMA lock: the VMA from the lockless walk may be freed first (catalog vma-read-lock-balance, RCU)',
    edits: [{ insertBefore: 'if (!vma_start_read(vma))', text: ['rcu_read_unlock();'] }],
    expect: [{ line: 'if (!vma_start_read(vma))', related: [{ at: 'rcu_read_unlock();', nth: 1 }] }],
  },

  {
    id: 'flags-kvmppc-reset-without-vma-lock',
    rule: 'vm-flags-helper-lock-context',
    file: 'arch/powerpc/kvm/book3s_hv_uvmem.c',
    function: 'kvmppc_memslot_page_merge',
    what: 'vma_start_write(vma) deleted before vm_flags_reset() under the mmap write lock (resetWithoutVmaLock: vm_flags_reset() asserts the VMA write lock)',
    edits: [{ delete: 'vma_start_write(vma);' }],
    expect: [{ line: 'vm_flags_reset(vma, vm_flags);' }],
  },
  {
    id: 'flags-kvmppc-init-on-tree-vma',
    rule: 'vm-flags-helper-lock-context',
    file: 'arch/powerpc/kvm/book3s_hv_uvmem.c',
    function: 'kvmppc_memslot_page_merge',
    what: 'vm_flags_init() instead of vm_flags_reset() on a VMA from find_vma_intersection() (initOnTreeVma: vm_flags_init() is for a VMA not yet in the tree and takes no lock)',
    edits: [{ replace: 'vm_flags_reset(vma, vm_flags);', with: ['vm_flags_init(vma, vm_flags);'] }],
    expect: [{ line: 'vm_flags_init(vma, vm_flags);', related: ['vma = find_vma_intersection(kvm->mm, start, end);'] }],
  },
  // ---- vma-modify-without-write-lock -----------------------------------------------------------
  {
    id: 'vma-lock-expand-downwards-start-write-dropped',
    rule: 'vma-modify-without-write-lock',
    file: 'mm/mmap.c',
    function: 'expand_downwards',
    what: "vma_start_write() dropped from expand_downwards() (upstream: \"Lock the VMA before expanding to prevent concurrent page faults\"): expand_stack() hands it a VMA of the tree, whose vm_start and vm_pgoff it then writes while a per-VMA-lock fault may read them (sweep C, buggy-11)",
    edits: [{ delete: '/* Lock the VMA before expanding to prevent concurrent page faults */', lines: 2 }],
    expect: [{ in: 'expand_stack', line: 'if (vma && !vma_expand_down(vma, addr))', related: ['vma = find_vma_prev(mm, addr, &prev);'] }],
  },
  {
    id: 'modify-mpol-rebind-read-lock',
    rule: 'vma-modify-without-write-lock',
    file: 'mm/mempolicy.c',
    function: 'mpol_rebind_mm',
    what: 'the mmap write lock around the rebind loop turned into a read lock: vma_start_write() then runs under mmap_read_lock() (catalog §1.3; the fix at mm/mempolicy.c:422)',
    edits: [
      { replace: 'mmap_write_lock(mm);', with: ['mmap_read_lock(mm);'] },
      { replace: 'mmap_write_unlock(mm);', with: ['mmap_read_unlock(mm);'] },
    ],
    expect: [{ line: 'vma_start_write(vma);', related: ['mmap_read_lock(mm);'] }],
  },
  {
    id: 'modify-uffd-release-new-read-lock',
    rule: 'vma-modify-without-write-lock',
    file: 'mm/userfaultfd.c',
    function: 'userfaultfd_release_new',
    what: 'userfaultfd_release_new() under mmap_read_lock(): userfaultfd_reset_ctx() write-locks each VMA through userfaultfd_set_ctx(), which needs the mmap write lock (a callee summary two levels deep)',
    edits: [
      { replace: 'mmap_write_lock(mm);', with: ['mmap_read_lock(mm);'] },
      { replace: 'mmap_write_unlock(mm);', with: ['mmap_read_unlock(mm);'] },
    ],
    expect: [{ line: 'userfaultfd_reset_ctx(vma);', related: ['mmap_read_lock(mm);'] }],
  },
  {
    id: 'modify-uffd-release-new-open-coded-reset',
    rule: 'vma-modify-without-write-lock',
    file: 'mm/userfaultfd.c',
    function: 'userfaultfd_release_new',
    what: 'userfaultfd_reset_ctx() open-coded as a store to vma->vm_userfaultfd_ctx, without the vma_start_write() the helper does (a VMA field written without the VMA write lock)',
    edits: [{ replace: 'userfaultfd_reset_ctx(vma);', with: ['vma->vm_userfaultfd_ctx = NULL_VM_UFFD_CTX;'] }],
    expect: [{ line: 'vma->vm_userfaultfd_ctx = NULL_VM_UFFD_CTX;', related: ['for_each_vma(vmi, vma) {'] }],
  },
  {
    id: 'modify-uffd-release-new-open-coded-reset-read-lock',
    rule: 'vma-modify-without-write-lock',
    file: 'mm/userfaultfd.c',
    function: 'userfaultfd_release_new',
    what: 'the open-coded reset under mmap_read_lock(): a VMA field written while the function holds the mmap lock only for reading (the 6.1-style check, StackRot\'s class)',
    edits: [
      { replace: 'mmap_write_lock(mm);', with: ['mmap_read_lock(mm);'] },
      { replace: 'userfaultfd_reset_ctx(vma);', with: ['vma->vm_userfaultfd_ctx = NULL_VM_UFFD_CTX;'] },
      { replace: 'mmap_write_unlock(mm);', with: ['mmap_read_unlock(mm);'] },
    ],
    expect: [{ line: 'vma->vm_userfaultfd_ctx = NULL_VM_UFFD_CTX;', related: ['mmap_read_lock(mm);'] }],
  },
  {
    id: 'modify-dup-mmap-no-parent-vma-lock',
    rule: 'vma-modify-without-write-lock',
    file: 'kernel/fork.c',
    function: 'dup_mmap',
    functionNth: 1,
    what: 'bug B9 put back: dup_mmap() without vma_start_write(mpnt) on the parent VMAs (fb49c455323f, "fork: lock VMAs of the parent process when forking")',
    edits: [{ delete: 'vma_start_write(mpnt);' }],
    // copy_page_range() asserts vma_assert_write_locked() on the parent's VMA (mm/memory.c).
    expect: [{ line: 'retval = copy_page_range(tmp, mpnt);', related: ['for_each_vma(vmi, mpnt) {'] }],
  },
  {
    id: 'modify-home-node-no-vma-lock',
    rule: 'vma-modify-without-write-lock',
    file: 'mm/mempolicy.c',
    // SYSCALL_DEFINE4(set_mempolicy_home_node, ...), the first of the file's two.
    function: 'SYSCALL_DEFINE4',
    functionNth: 1,
    what: 'the vma_start_write(vma) before mbind_range() removed (the fix at mm/mempolicy.c:1596): vma_replace_policy() then writes vm_policy of a VMA that vma_modify_policy() may return unsplit and unlocked',
    edits: [{ delete: 'vma_start_write(vma);' }],
    // mbind_range() hands it through vma_modify_policy() to vma_replace_policy(), which asserts the lock.
    expect: [{ line: 'err = mbind_range(&vmi, vma, &prev, start, end, new);', related: ['for_each_vma_range(vmi, vma, end) {'] }],
  },

  {
    id: 'modify-clear-refs-page-prot-before-lock',
    rule: 'vma-modify-without-write-lock',
    file: 'fs/proc/task_mmu.c',
    function: 'clear_refs_write',
    what: 'vma_set_page_prot() moved before vm_flags_clear(), whose vma_start_write() it relied on: it rewrites vm_page_prot of a VMA of the tree that nothing write-locked (calleeWritesWithoutVmaLock; mm/mmap.c: "remove_protection_ptes reads vma->vm_page_prot without mmap_lock")',
    edits: [{ move: 'vma_set_page_prot(vma);', before: 'vm_flags_clear(vma, VM_SOFTDIRTY);' }],
    expect: [{ line: 'vma_set_page_prot(vma);', related: ['for_each_vma(vmi, vma) {'] }],
  },

  // ---- vma-list-removed ----------------------------------------------------------------------
  {
    id: 'list-move-vma-vm-next',
    rule: 'vma-list-removed',
    file: 'mm/mremap.c',
    function: 'move_vma',
    what: 'the iterator step after the unmap turned back into the 5.x list link `vma->vm_next` (catalog §2 F, upstream 763ecb035029 removed the list)',
    edits: [{ replace: 'vma = vma_next(&vmi);', with: ['vma = vma->vm_next;'] }],
    expect: [{ line: 'vma = vma->vm_next;' }],
  },
  {
    id: 'list-uffd-register-mm-mmap-empty',
    rule: 'vma-list-removed',
    file: 'fs/userfaultfd.c',
    function: 'userfaultfd_register',
    what: 'a 5.x-style "no VMA at all" test of the list head `mm->mmap` before the iterator lookup (catalog §2 F, the list head)',
    edits: [{ insertAfter: 'mmap_write_lock(mm);', text: ['if (!mm->mmap)', '\tgoto out_unlock;'] }],
    expect: [{ line: 'if (!mm->mmap)', related: ['vma_iter_init(&vmi, mm, start);'] }],
  },

  // ---- vma-iterator-stale --------------------------------------------------------------------
  {
    id: 'iter-shmdt-munmap-without-iterator',
    rule: 'vma-iterator-stale',
    file: 'ipc/shm.c',
    function: 'ksys_shmdt',
    what: 'the second walk unmaps through no iterator (the pre-maple `do_munmap(mm, ...)`) and then steps with `vma_next(&vmi)` (catalog §2 F check (a))',
    edits: [{ replace: { at: 'do_vmi_align_munmap(&vmi, vma, mm, vma->vm_start,', nth: 2 }, lines: 2, with: ['do_munmap(mm, vma->vm_start, vma->vm_end - vma->vm_start, NULL);'] }],
    expect: [{ line: { at: 'do_munmap(mm, vma->vm_start, vma->vm_end - vma->vm_start, NULL);', nth: 1 }, related: [{ at: 'vma = vma_next(&vmi);', nth: 2 }] }],
  },
  {
    id: 'iter-smaps-rollup-no-invalidate',
    rule: 'vma-iterator-stale',
    file: 'fs/proc/task_mmu.c',
    function: 'show_smaps_rollup',
    what: 'the contended-lock drop in the walk no longer calls vma_iter_invalidate() first, so vma_next() resumes from nodes that may be gone (catalog §2 F check (b))',
    edits: [{ delete: 'vma_iter_invalidate(&vmi);' }],
    expect: [{ line: { at: 'mmap_read_unlock(mm);', nth: 1 }, related: [{ at: 'ret = mmap_read_lock_killable(mm);', nth: 2 }, { at: 'vma = vma_next(&vmi);', nth: 2 }] }],
  },
  {
    id: 'iter-khugepaged-relock-and-continue',
    rule: 'vma-iterator-stale',
    file: 'mm/khugepaged.c',
    function: 'khugepaged_scan_mm_slot',
    what: 'after the file scan dropped the mmap lock, the walk takes it again and goes on instead of leaving the loop: for_each_vma() steps from the old position (catalog §2 F check (b))',
    edits: [{ replace: { at: 'goto breakouterloop_mmap_lock;', nth: 2 }, with: ['mmap_read_lock(mm);'] }],
    expect: [{ line: { at: 'mmap_read_unlock(mm);', nth: 1 }, related: ['for_each_vma(vmi, vma) {'] }],
  },
  {
    id: 'iter-mlockall-prev-err-ptr',
    rule: 'vma-iterator-stale',
    file: 'mm/mlock.c',
    function: 'apply_mlockall_flags',
    what: 'B16 put back: mlock_fixup() errors ignored without fixing up prev, so the next pass hands vma_modify_flags() the ERR_PTR left in prev (faa242b1d2a9 "mm/mlock: set the correct prev on failure")',
    edits: [
      { replace: 'error = mlock_fixup(&vmi, vma, &prev, vma->vm_start, vma->vm_end,', with: ['mlock_fixup(&vmi, vma, &prev, vma->vm_start, vma->vm_end,'] },
      { replace: '/* Ignore errors, but prev needs fixing up. */', lines: 3, with: ['/* Ignore errors */'] },
    ],
    expect: [{ line: 'mlock_fixup(&vmi, vma, &prev, vma->vm_start, vma->vm_end,' }],
  },
];
