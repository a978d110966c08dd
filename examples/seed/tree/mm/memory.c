// SPDX-License-Identifier: GPL-2.0-only
/*
 * A small, self-written stand-in for mm/memory.c in the v5.15 era, when VMAs still sat on a
 * linked list (vma->vm_next). It keeps the shape of the functions the seed review is about
 * so widen can be shown on it; it is not kernel code and does not build on its own.
 */

#include <linux/mm.h>
#include <linux/hugetlb.h>
#include <linux/rmap.h>
#include <asm/tlb.h>

/*
 * Free the page tables of a run of VMAs that are being unmapped. Neighbouring VMAs that are
 * close together are handed to free_pgd_range() in one call.
 */
void free_pgtables(struct mmu_gather *tlb, struct vm_area_struct *vma,
		unsigned long floor, unsigned long ceiling)
{
	while (vma) {
		struct vm_area_struct *next = vma->vm_next;
		unsigned long addr = vma->vm_start;

		/*
		 * Take the VMA off the reverse maps and its file before its
		 * page tables go
		 */
		unlink_anon_vmas(vma);
		unlink_file_vma(vma);

		if (is_vm_hugetlb_page(vma)) {
			hugetlb_free_pgd_range(tlb, addr, vma->vm_end,
				floor, next ? next->vm_start : ceiling);
		} else {
			/*
			 * Fold neighbouring VMAs into one free_pgd_range() call
			 */
			while (next && next->vm_start <= vma->vm_end + PMD_SIZE
			       && !is_vm_hugetlb_page(next)) {
				vma = next;
				next = vma->vm_next;
				unlink_anon_vmas(vma);
				unlink_file_vma(vma);
			}
			free_pgd_range(tlb, addr, vma->vm_end,
				floor, next ? next->vm_start : ceiling);
		}
		vma = next;
	}
}

/*
 * Zap the pages of one VMA in [start, end). The caller owns the gather and has started it.
 */
static void zap_one_vma(struct mmu_gather *tlb, struct vm_area_struct *vma,
			unsigned long start, unsigned long end)
{
	start = max(start, vma->vm_start);
	end = min(end, vma->vm_end);
	if (start >= end)
		return;

	tlb_start_vma(tlb, vma);
	zap_pte_range_of(tlb, vma, start, end);
	tlb_end_vma(tlb, vma);
}

/*
 * Zap the VMAs of a list that cover [start, end), with a gather of its own.
 */
void zap_vma_list(struct vm_area_struct *vma, unsigned long start, unsigned long end)
{
	struct mmu_gather tlb;

	tlb_gather_mmu(&tlb, vma->vm_mm);
	for (; vma && vma->vm_start < end; vma = vma->vm_next)
		zap_one_vma(&tlb, vma, start, end);
	tlb_finish_mmu(&tlb);
}
