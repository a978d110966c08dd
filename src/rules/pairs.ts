/**
 * The bracket table: which calls open and close which kernel bracket, and what object they
 * name. Rules read brackets from here, never from their own lists, so adding a helper or an
 * API variant is a one-line change.
 *
 * Sources: include/asm-generic/tlb.h (6.12: lines 47-55 for gather/finish, 555-583 for
 * tlb_start_vma/tlb_end_vma) and mm/mmu_gather.c (`tlb_gather_mmu_vma`, 432-446).
 */
import type { BracketPair } from '../analysis/brackets.js';

/** `tlb_gather_mmu*()` … `tlb_finish_mmu()` on a `struct mmu_gather` the function owns. */
export const MMU_GATHER: BracketPair = {
  id: 'mmu-gather',
  opens: [
    { name: 'tlb_gather_mmu', objectArg: 0 },
    { name: 'tlb_gather_mmu_fullmm', objectArg: 0 },
    { name: 'tlb_gather_mmu_vma', objectArg: 0 },
  ],
  closes: [{ name: 'tlb_finish_mmu', objectArg: 0 }],
  // A `struct mmu_gather *` parameter is live and owned by the caller: never require a finish there.
  localObjectType: /\bstruct\s+mmu_gather\b/,
};

/** `tlb_start_vma(tlb, vma)` … `tlb_end_vma(tlb, vma)`, keyed by the gather. */
export const TLB_VMA: BracketPair = {
  id: 'tlb-vma',
  opens: [{ name: 'tlb_start_vma', objectArg: 0 }],
  closes: [{ name: 'tlb_end_vma', objectArg: 0 }],
  localObjectType: null,
};
