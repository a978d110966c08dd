/**
 * Verdicts on the reports `widen scan` makes on the unmodified kernel trees, argued in
 * docs/precision.md. The bench joins each report to its verdict by tree, rule, path and
 * function (not by line, so a stable update that shifts lines keeps the verdict); a report
 * without one is printed as "no verdict yet": read the code, then add it here and to
 * docs/precision.md.
 *
 * tree: '6.12' or '6.1', or both when the code is the same in both trees.
 * verdict: 'real' (the code has the problem the rule names) or 'false' (it does not; the
 * reason says what the rule missed).
 */
export default [
  {
    tree: '6.12',
    rule: 'mmap-lock-balance',
    path: 'arch/sh/mm/fault.c',
    function: 'mm_fault_error',
    verdict: 'real',
    reason:
      'releases current->mm\'s lock unless VM_FAULT_RETRY (handle_mm_fault() released it then), and on VM_FAULT_SIGSEGV calls bad_area(), whose __bad_area() unlocks current->mm again: a double mmap_read_unlock(); x86\'s mm_fault_error() calls bad_area_nosemaphore() there',
  },
  {
    tree: '6.1',
    rule: 'mmap-lock-balance',
    path: 'arch/sh/mm/fault.c',
    function: 'mm_fault_error',
    verdict: 'real',
    reason:
      'releases current->mm\'s lock unless VM_FAULT_RETRY (handle_mm_fault() released it then), and on VM_FAULT_SIGSEGV calls bad_area(), whose __bad_area() unlocks current->mm again: a double mmap_read_unlock(); x86\'s mm_fault_error() calls bad_area_nosemaphore() there',
  },
  {
    tree: '6.12',
    rule: 'mmap-lock-callee-contract',
    path: 'arch/csky/mm/fault.c',
    function: 'do_page_fault',
    verdict: 'false',
    reason:
      'the unlock runs when (fault & VM_FAULT_RETRY) && (flags & FAULT_FLAG_ALLOW_RETRY) is false; with RETRY set that needs the flag clear, and handle_mm_fault() returns VM_FAULT_RETRY only when the caller passed FAULT_FLAG_ALLOW_RETRY: the path cannot happen',
  },
  {
    tree: '6.12',
    rule: 'mmap-lock-callee-contract',
    path: 'arch/parisc/mm/fault.c',
    function: 'do_page_fault',
    verdict: 'false',
    reason:
      'the path reaches out_of_memory: (which unlocks) only by falling through parisc_terminate(), which is __noreturn (arch/parisc/include/asm/traps.h)',
  },
  {
    tree: '6.1',
    rule: 'mmap-lock-callee-contract',
    path: 'arch/parisc/mm/fault.c',
    function: 'do_page_fault',
    verdict: 'false',
    reason:
      'the path reaches out_of_memory: (which unlocks) only by falling through parisc_terminate(), which is __noreturn (arch/parisc/include/asm/traps.h)',
  },
  {
    tree: '6.12',
    rule: 'vma-use-after-unlock',
    path: 'arch/parisc/mm/fault.c',
    function: 'do_page_fault',
    verdict: 'real',
    reason:
      'bad_area: drops the read lock with mmap_read_unlock(mm) and then, for a user-mode fault, reads vma->vm_start, vma->vm_end and vma->vm_flags to choose the signal code: by then another thread may have unmapped and freed the VMA (x86 and arm64 choose the code before unlocking, or from values sampled under the lock)',
  },
  {
    tree: '6.12',
    rule: 'vma-use-after-unlock',
    path: 'arch/parisc/mm/fault.c',
    function: 'handle_nadtlb_fault',
    verdict: 'real',
    reason:
      'looks the VMA up under mmap_read_lock(), unlocks at once, then reads vma->vm_flags to decide whether the probe instruction may succeed: a read of a VMA that may be freed',
  },
  {
    tree: '6.1',
    rule: 'vma-use-after-unlock',
    path: 'arch/parisc/mm/fault.c',
    function: 'do_page_fault',
    verdict: 'real',
    reason:
      'bad_area: drops the read lock with mmap_read_unlock(mm) and then, for a user-mode fault, reads vma->vm_start, vma->vm_end and vma->vm_flags to choose the signal code: by then another thread may have unmapped and freed the VMA (x86 and arm64 choose the code before unlocking, or from values sampled under the lock)',
  },
  {
    tree: '6.1',
    rule: 'vma-use-after-unlock',
    path: 'arch/parisc/mm/fault.c',
    function: 'handle_nadtlb_fault',
    verdict: 'real',
    reason:
      'looks the VMA up under mmap_read_lock(), unlocks at once, then reads vma->vm_flags to decide whether the probe instruction may succeed: a read of a VMA that may be freed',
  },
  {
    tree: '6.12',
    rule: 'vma-use-after-unlock',
    path: 'kernel/bpf/task_iter.c',
    function: 'task_vma_seq_get_next',
    verdict: 'false',
    reason:
      'after the unlock at the !curr_vma exit the function goes to next_task, takes another task and its mm, and sets its saved state so that the switch finds the first VMA afresh; widen does not correlate the switch on the saved state (info->... / op) with the path that set it, and follows case task_vma_iter_next_vma with the old curr_vma',
  },
  {
    tree: '6.1',
    rule: 'mmap-lock-balance',
    path: 'arch/parisc/mm/fault.c',
    function: 'do_page_fault',
    verdict: 'false',
    reason:
      'the path reaches out_of_memory: (which unlocks) only by falling through parisc_terminate() at the end of no_context:, and parisc_terminate() is declared __noreturn in arch/parisc/include/asm/traps.h, a header the scan does not read as a declaration; every real path to out_of_memory: still holds the read lock',
  },
  {
    tree: '6.12',
    rule: 'tlb-gather-finish-balance',
    path: 'arch/powerpc/lib/code-patching.c',
    function: 'put_patching_mm',
    verdict: 'real',
    reason:
      'the gather on the temporary patching mm is never finished: the page tables free_pgd_range() queues with tlb_remove_table() (powerpc selects MMU_GATHER_RCU_TABLE_FREE) stay in tlb.batch and leak, with the batch page, on every CPU offline and on the get_locked_pte() failure path (catalog H5, FP trap (5))',
  },
  {
    tree: '6.12',
    rule: 'mmu-notifier-range-balance',
    path: 'fs/proc/task_mmu.c',
    function: 'do_pagemap_scan',
    verdict: 'false',
    reason:
      'start and end are both guarded by `p.arg.flags & PM_SCAN_WP_MATCHING`, and nothing between them writes p.arg.flags (the page-walk callbacks that get &p only read it; it is set once by pagemap_scan_get_args()); widen drops the correlation because &p is passed to walk_page_range(). `range` is declared inside the loop body, so "started again" is the same mistake',
  },
  {
    tree: '6.12',
    rule: 'tlb-range-before-queue',
    path: 'include/asm-generic/tlb.h',
    function: 'tlb_remove_page_size',
    verdict: 'false',
    reason:
      'the generic self-flushing wrapper passes its caller\'s page_size through; the callers that queue huge pages (zap_huge_pmd() in mm/huge_memory.c, __unmap_hugepage_range() in mm/hugetlb.c) call tlb_change_page_size() first, and tlb_remove_page() passes PAGE_SIZE. The size check does not leave a pass-through size to the caller the way the range check leaves a range',
  },
  ...['mm/huge_memory.c:__split_huge_pud', 'mm/huge_memory.c:__split_huge_pmd', 'mm/memory.c:wp_page_copy', 'mm/migrate_device.c:__migrate_device_pages'].map((site) => ({
    tree: '6.1',
    rule: 'mmu-notifier-range-balance',
    path: site.split(':')[0],
    function: site.split(':')[1],
    verdict: 'false',
    reason:
      'the range is ended with mmu_notifier_invalidate_range_only_end(), the 6.1 form of the end call (gone from 6.12), which the rule does not know; with it counted as an end the function has no report',
  })),
  // ---- family C: VMA lookup semantics (docs/precision.md, "Family C") -------------------------
  ...['arch/alpha/kernel/traps.c:do_entUnaUser', 'arch/arm/kernel/swp_emulate.c:set_segfault', 'arch/arm64/kernel/traps.c:arm64_notify_segfault'].map((site) => ({
    tree: ['6.12', '6.1'],
    rule: 'find-vma-missing-start-check',
    path: site.split(':')[0],
    function: site.split(':')[1],
    verdict: 'real',
    reason:
      'the si_code for the signal is SEGV_ACCERR whenever find_vma() finds any VMA ending above the address, so an address in the hole below a mapping gets SEGV_ACCERR instead of SEGV_MAPERR: the bug MIPS fixed in its trap code (catalog B13, "MIPS: traps: return correct si code for accessing nonmapped addresses"), which 6.12 MIPS now does with vma_lookup()',
  })),
  {
    tree: ['6.12', '6.1'],
    rule: 'find-vma-missing-start-check',
    path: 'kernel/sys.c',
    function: 'prctl_set_mm',
    verdict: 'real',
    reason:
      'for PR_SET_MM_START_STACK and the ARG/ENV bounds the only test of the new address is `vma = find_vma(mm, addr)` then `if (!vma) error = -EFAULT`: an address in the hole below a mapping passes as mapped (the stored form of B13); the effect is small, the call needs CAP_SYS_RESOURCE and a later read of /proc/PID/cmdline fails cleanly',
  },
  {
    tree: '6.12',
    rule: 'find-vma-missing-start-check',
    path: 'arch/s390/mm/fault.c',
    function: 'do_secure_storage_access',
    verdict: 'real',
    reason:
      'folio_walk_start(&fw, vma, addr, 0) runs on the VMA find_vma() returned with only a NULL check; folio_walk_start() itself has WARN_ON_ONCE(addr < vma->vm_start || addr >= vma->vm_end) (mm/pagewalk.c), so an address that is not mapped any more when the handler takes the lock (a racing munmap) warns and walks outside the VMA; vma_lookup() is what the code means',
  },
  {
    tree: ['6.12', '6.1'],
    rule: 'find-vma-missing-start-check',
    path: 'drivers/vhost/vdpa.c',
    function: 'vhost_vdpa_va_map',
    verdict: 'real',
    reason:
      'with uaddr in a hole below the VMA, map_size = min(size, vma->vm_end - uaddr) covers the hole too and offset = (vma->vm_pgoff << PAGE_SHIFT) + uaddr - vma->vm_start goes below the VMA\'s file offset: the IOVA range of the hole is mapped to file pages that user space never mapped there',
  },
  {
    tree: ['6.12', '6.1'],
    rule: 'find-vma-missing-start-check',
    path: 'drivers/xen/gntdev.c',
    function: 'gntdev_ioctl_get_offset_for_vaddr',
    verdict: 'real',
    reason:
      'an address in the hole below a gntdev mapping passes the vm_ops filter and gets the offset and count of that mapping (vma->vm_private_data) instead of -EINVAL; nothing compares op.vaddr with vma->vm_start',
  },
  {
    tree: ['6.12', '6.1'],
    rule: 'find-vma-missing-start-check',
    path: 'drivers/xen/privcmd.c',
    function: 'privcmd_ioctl_mmap_resource',
    verdict: 'real',
    reason:
      'after the vm_ops filter the VMA\'s vm_private_data is set and the frames are remapped at kdata.addr into that VMA; nothing checks that kdata.addr is inside it (privcmd_ioctl_mmap_batch() in the same file does check m.addr against vm_start and is not reported), so an address below the VMA installs PTEs outside it',
  },
  {
    tree: '6.12',
    rule: 'find-vma-missing-start-check',
    path: 'drivers/xen/privcmd.c',
    function: 'alloc_ioreq',
    verdict: 'real',
    reason:
      'vma->vm_private_data of whatever VMA ends above the ioreq address is taken as the privcmd page array (pages[0] dereferenced) with neither a start check nor a vm_ops check: an ioreq address in a hole reads the private data of an unrelated mapping',
  },
  {
    tree: ['6.12', '6.1'],
    rule: 'find-vma-missing-start-check',
    path: 'kernel/trace/trace_output.c',
    function: 'seq_print_user_ip',
    verdict: 'real',
    reason:
      'for an ip in a hole it prints the file of the next VMA and ip - vma->vm_start, which underflows; mm/memory.c print_vma_addr() had the same code in 6.1 and reads vma_lookup() in 6.12',
  },
  {
    tree: ['6.12', '6.1'],
    rule: 'find-vma-missing-start-check',
    path: 'drivers/misc/cxl/cxllib.c',
    function: 'get_vma_info',
    verdict: 'real',
    reason:
      "for an address in a hole it returns the bounds and vma_kernel_pagesize() of the next VMA; cxllib_handle_fault() then rounds the start down by that (maybe huge) page size and faults pages below the buffer it was asked for",
  },
  {
    tree: ['6.12', '6.1'],
    rule: 'find-vma-missing-start-check',
    path: 'virt/kvm/kvm_main.c',
    function: 'kvm_host_page_size',
    verdict: 'real',
    reason:
      "for a guest frame whose host address userspace unmapped it answers the page size of the next VMA (a hugetlb one passes XIVE's queue-size check in book3s_xive_native.c); the later gfn_to_page() fails, so the damage is an error reached the wrong way",
  },
  {
    tree: '6.1',
    rule: 'find-vma-missing-start-check',
    path: 'arch/s390/mm/fault.c',
    function: 'do_secure_storage_access',
    verdict: 'real',
    reason:
      'follow_page(vma, addr, ...) on the VMA find_vma() returned with only a NULL check: the 6.1 form of the 6.12 report, the page walk runs at an address outside the VMA it was handed',
  },
  {
    tree: '6.1',
    rule: 'find-vma-missing-start-check',
    path: 'mm/memory.c',
    function: 'print_vma_addr',
    verdict: 'real',
    reason:
      'prints the file and offset of the VMA above a hole for an ip in the hole (the offset underflows); upstream converted it to vma_lookup(), as 6.12 mm/memory.c:6770 shows',
  },
  {
    tree: '6.12',
    rule: 'vma-modify-without-write-lock',
    path: 'drivers/gpu/drm/i915/gem/i915_gem_mman.c',
    function: 'i915_gem_mmap_ioctl',
    verdict: 'real',
    reason:
      'I915_MMAP_WC: after vm_mmap() has inserted the VMA and dropped the lock, the ioctl re-takes mmap_write_lock_killable(), finds the VMA again with find_vma() and rewrites vma->vm_page_prot with no vma_start_write(vma): a page fault of another thread on the new mapping holds only the per-VMA read lock (lock_vma_under_rcu(), x86 has CONFIG_PER_VMA_LOCK), which the mmap write lock does not exclude, so it can install PTEs with the old, cached protection after the ioctl returned a write-combining mapping; process_addrs.rst lists vm_page_prot as written under the mmap and VMA write locks',
  },
  {
    tree: '6.1',
    rule: 'find-vma-intersection-single-addr',
    path: 'arch/riscv/kvm/mmu.c',
    function: 'kvm_riscv_gstage_map',
    verdict: 'real',
    reason:
      'find_vma_intersection(current->mm, hva, hva + 1) is a one-byte intersection, which is vma_lookup(current->mm, hva); 6.12 made exactly this change (arch/riscv/kvm/mmu.c calls vma_lookup() there). The rule is a style note',
  },
  {
    tree: '6.1',
    rule: 'find-vma-missing-start-check',
    path: 'drivers/media/v4l2-core/videobuf-dma-contig.c',
    function: 'videobuf_dma_contig_user_get',
    verdict: 'real',
    reason:
      'find_vma(mm, untagged_baddr), then a NULL check and an end check only, then follow_pfn(vma, user_address, ...) from untagged_baddr on: an address in a hole below the VMA passes, follow_pfn() checks VM_IO | VM_PFNMAP on the wrong VMA and walks page tables outside it (the file is gone in 6.12)',
  },
  {
    tree: '6.1',
    rule: 'vma-modify-without-write-lock',
    path: 'kernel/events/uprobes.c',
    function: 'unapply_uprobe',
    verdict: 'real',
    reason:
      "holds mmap_read_lock(mm) and calls remove_breakpoint() -> set_orig_insn() -> uprobe_write_opcode(), which for an original page in a huge page calls collapse_pte_mapped_thp(mm, vaddr, false); 6.1's collapse_pte_mapped_thp() begins with mmap_assert_write_locked(mm) (mm/khugepaged.c:1463), so lockdep fires on that path. 6.12 asserts only mmap_assert_locked() there and has no report",
  },
];
