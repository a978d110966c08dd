/**
 * The resource table: every kernel bracket widen checks, as data. A resource is acquired by
 * some calls and released by others, on an object named by one argument; who owns the object
 * (the function itself, or its caller) decides where the release must happen. Rules name the
 * resources they check, and their prefilter words, the docs' API lists and the bracket events
 * of a function all derive from this table, so an API variant added here is checked everywhere.
 *
 * Sources: include/asm-generic/tlb.h (6.12: 47-55 gather/finish, 555-583 tlb_start_vma /
 * tlb_end_vma), mm/mmu_gather.c (tlb_gather_mmu_vma, 432-446), include/linux/mmu_notifier.h
 * (451-463: the range start/end bracket, `_start_nonblock` is `__must_check`).
 */
import type { BracketCall, BracketPair } from '../analysis/brackets.js';

/**
 * Declared as {@link BracketPair}s, the analysis layer's view of a resource: the table lives
 * here, with the rules, and the analysis only interprets it.
 */
export type Resource = BracketPair;

/** `tlb_gather_mmu*()` … `tlb_finish_mmu()` on a `struct mmu_gather` the function owns. */
export const MMU_GATHER: Resource = {
  id: 'mmu-gather',
  noun: 'gather',
  verb: 'gathered',
  opens: [
    { name: 'tlb_gather_mmu', objectArg: 0 },
    { name: 'tlb_gather_mmu_fullmm', objectArg: 0 },
    { name: 'tlb_gather_mmu_vma', objectArg: 0 },
  ],
  closes: [{ name: 'tlb_finish_mmu', objectArg: 0 }],
  // A `struct mmu_gather *` parameter is live and owned by the caller: never require a finish there.
  owner: { kind: 'local', type: /\bstruct\s+mmu_gather\b/ },
};

/** `tlb_start_vma(tlb, vma)` … `tlb_end_vma(tlb, vma)`, keyed by the gather. */
export const TLB_VMA: Resource = {
  id: 'tlb-vma',
  noun: 'VMA bracket',
  verb: 'opened',
  opens: [{ name: 'tlb_start_vma', objectArg: 0 }],
  closes: [{ name: 'tlb_end_vma', objectArg: 0 }],
  owner: { kind: 'any' },
};

/**
 * `mmu_notifier_invalidate_range_start(&range)` … `_end(&range)`. The `_nonblock` start
 * returns 0 when it started the range and an error when it did not: a range that failed to
 * start must not be ended.
 */
export const MMU_NOTIFIER_RANGE: Resource = {
  id: 'mmu-notifier-range',
  noun: 'notifier range',
  verb: 'started',
  opens: [
    { name: 'mmu_notifier_invalidate_range_start', objectArg: 0 },
    { name: 'mmu_notifier_invalidate_range_start_nonblock', objectArg: 0, acquiredWhen: 'zero' },
  ],
  // `_only_end` (6.1 and older) ends the range without the secondary-TLB invalidation.
  closes: [
    { name: 'mmu_notifier_invalidate_range_end', objectArg: 0 },
    { name: 'mmu_notifier_invalidate_range_only_end', objectArg: 0 },
  ],
  owner: { kind: 'local', type: /\bstruct\s+mmu_notifier_range\b/ },
  // include/linux/mmu_notifier.h: the init helpers store the range's start address.
  stateField: { name: 'start', setBy: ['mmu_notifier_range_init', 'mmu_notifier_range_init_owner'] },
};

export const RESOURCES: readonly Resource[] = [MMU_GATHER, TLB_VMA, MMU_NOTIFIER_RANGE];

/** A call that operates on a gather the caller passes, and which argument names the gather. */
export interface GatherOp {
  name: string;
  gatherArg: number;
}

const op = (gatherArg: number, ...names: string[]): GatherOp[] => names.map((name) => ({ name, gatherArg }));

/**
 * Operations that need a live gather (include/asm-generic/tlb.h, 6.12 lines 585-748;
 * mm/mmu_gather.c): range recording, page queueing, page-table freeing, mid-gather flushes,
 * the VMA bracket and PMD unsharing. Each assumes the batches and range that
 * `__tlb_gather_mmu()` initialises and `tlb_finish_mmu()` tears down.
 */
/** Range recording: grows the gather's range (`tlb->start/end`) and its `cleared_*` levels. */
export const GATHER_RANGE_OPS: readonly GatherOp[] = [
  ...op(0, 'tlb_flush_pte_range', 'tlb_flush_pmd_range', 'tlb_flush_pud_range', 'tlb_flush_p4d_range'),
  ...op(0, 'tlb_remove_tlb_entry', 'tlb_remove_tlb_entries', 'tlb_remove_pmd_tlb_entry', 'tlb_remove_pud_tlb_entry'),
  // The hstate comes first: tlb_remove_huge_tlb_entry(h, tlb, ptep, address).
  ...op(1, 'tlb_remove_huge_tlb_entry'),
];

/** Page queueing, with the argument that gives a page size other than PAGE_SIZE, if any. */
export const GATHER_QUEUE_OPS: ReadonlyArray<GatherOp & { sizeArg: number | null }> = [
  { name: '__tlb_remove_page', gatherArg: 0, sizeArg: null },
  { name: '__tlb_remove_page_size', gatherArg: 0, sizeArg: 3 },
  { name: '__tlb_remove_folio_pages', gatherArg: 0, sizeArg: null },
  { name: 'tlb_remove_page', gatherArg: 0, sizeArg: null },
  { name: 'tlb_remove_page_size', gatherArg: 0, sizeArg: 2 },
];

/**
 * Page-table entry clears that hand back the old entry (include/linux/pgtable.h, 6.12 lines
 * 459-690; hugetlb's `huge_ptep_get_and_clear()`): the function that clears an entry is the only
 * one that knows its address, so it, not its caller, must record the entry's range on the gather
 * before queueing the page.
 */
export const PTE_CLEAR_CALLS: readonly string[] = [
  'ptep_get_and_clear', 'ptep_get_and_clear_full', 'get_and_clear_full_ptes',
  'pmdp_huge_get_and_clear', 'pmdp_huge_get_and_clear_full',
  'pudp_huge_get_and_clear', 'pudp_huge_get_and_clear_full',
  'huge_ptep_get_and_clear',
];

/** Mid-gather flushes: they flush and reset the range (`__tlb_reset_range()`). */
export const GATHER_FLUSH_OPS: readonly GatherOp[] = op(0, 'tlb_flush_mmu', 'tlb_flush_mmu_tlbonly');

/**
 * Operations that need a live gather (include/asm-generic/tlb.h, 6.12 lines 585-748;
 * mm/mmu_gather.c): range recording, page queueing, page-table freeing, mid-gather flushes,
 * the VMA bracket and PMD unsharing. Each assumes the batches and range that
 * `__tlb_gather_mmu()` initialises and `tlb_finish_mmu()` tears down.
 */
export const GATHER_OPS: readonly GatherOp[] = [
  ...GATHER_RANGE_OPS,
  ...GATHER_QUEUE_OPS.map(({ name, gatherArg }) => ({ name, gatherArg })),
  ...op(0, 'tlb_change_page_size'),
  // Page-table freeing.
  ...op(0, 'pte_free_tlb', 'pmd_free_tlb', 'pud_free_tlb', 'p4d_free_tlb', 'tlb_remove_table', 'tlb_remove_ptdesc'),
  ...GATHER_FLUSH_OPS,
  // The VMA bracket, and PMD unsharing, which takes the gather first since the 2025 stable backports.
  ...op(0, 'tlb_start_vma', 'tlb_end_vma', 'huge_pmd_unshare', 'huge_pmd_unshare_flush'),
];

/** Every call that acquires or releases `r`: the words a function must mention to matter to it. */
export function resourceCalls(r: Resource): string[] {
  return [...r.opens, ...r.closes].map((c) => c.name);
}

/**
 * What a call does to the mmap lock of the `mm` in argument `arg`
 * (include/linux/mmap_lock.h; 6.12 lines 102-195, 6.1 lines 68-147).
 */
export interface MmapLockOp {
  name: string;
  arg: number;
  op: 'lock' | 'unlock' | 'downgrade' | 'assert';
  mode: 'read' | 'write';
  /**
   * A lock that may fail says so in its result: `zero` for the killable forms (0 = locked,
   * `-EINTR` otherwise), `nonzero` for the trylocks (true = locked). The opposite polarities,
   * and the reason one table holds both.
   */
  when?: 'zero' | 'nonzero';
}

export const MMAP_LOCK_OPS: readonly MmapLockOp[] = [
  { name: 'mmap_read_lock', arg: 0, op: 'lock', mode: 'read' },
  { name: 'mmap_read_lock_killable', arg: 0, op: 'lock', mode: 'read', when: 'zero' },
  { name: 'mmap_read_trylock', arg: 0, op: 'lock', mode: 'read', when: 'nonzero' },
  { name: 'mmap_write_lock', arg: 0, op: 'lock', mode: 'write' },
  { name: 'mmap_write_lock_nested', arg: 0, op: 'lock', mode: 'write' },
  { name: 'mmap_write_lock_killable', arg: 0, op: 'lock', mode: 'write', when: 'zero' },
  // 6.1 only: removed before 6.12.
  { name: 'mmap_write_trylock', arg: 0, op: 'lock', mode: 'write', when: 'nonzero' },
  { name: 'mmap_read_unlock', arg: 0, op: 'unlock', mode: 'read' },
  { name: 'mmap_read_unlock_non_owner', arg: 0, op: 'unlock', mode: 'read' },
  { name: 'mmap_write_unlock', arg: 0, op: 'unlock', mode: 'write' },
  // kernel/bpf/mmap_unlock_work.h: mmap_read_unlock() now, or from an irq_work (the lock's
  // lockdep release now, the rwsem's from the work): released either way for its caller.
  { name: 'bpf_mmap_unlock_mm', arg: 1, op: 'unlock', mode: 'read' },
  // 6.1 and 6.12 mm/khugepaged.c: "collapse_huge_page will return with the mmap_lock released"
  // (hpage_collapse_scan_pmd()); it drops the read lock first, and any lock it takes again it
  // drops before it returns, on every path.
  { name: 'collapse_huge_page', arg: 0, op: 'unlock', mode: 'read' },
  { name: 'mmap_write_downgrade', arg: 0, op: 'downgrade', mode: 'write' },
  { name: 'mmap_assert_locked', arg: 0, op: 'assert', mode: 'read' },
  { name: 'mmap_assert_write_locked', arg: 0, op: 'assert', mode: 'write' },
];

/**
 * Kernel helpers that may take or drop the mmap lock for their caller, depending on what they
 * return or store (the catalog's transfer table, §4). None carries a sparse annotation. Until
 * their return values are modelled, a call to one ends the judgement of the lock on that path:
 * widen says nothing rather than guess.
 */
export const MMAP_LOCK_HELPERS: readonly string[] = [
  'lock_mm_and_find_vma', 'get_mmap_lock_carefully', 'mmap_upgrade_trylock', 'expand_stack',
  'handle_mm_fault', 'faultin_page', '__get_user_pages_locked', 'faultin_page_range',
  'userfaultfd_remove', '__collapse_huge_page_swapin', 'release_fault_lock',
  '__bad_area', 'bad_area', 'bad_area_access_error', 'migrate_to_node', 'fixup_user_fault',
  'get_user_pages_remote', 'pin_user_pages_remote', 'mmap_read_lock_maybe_expand',
];

/** The mmap lock's read and write sides as bracket pairs, for summarising helpers that take or drop it. */
function mmapLockPair(mode: MmapLockOp['mode']): Resource {
  const of = (op: MmapLockOp['op']): BracketCall[] =>
    MMAP_LOCK_OPS.filter((o) => o.mode === mode && o.op === op).map((o) => ({ name: o.name, objectArg: o.arg, ...(o.when ? { acquiredWhen: o.when } : {}) }));
  return {
    id: `mmap-lock-${mode}`,
    noun: `mmap ${mode} lock`,
    verb: `${mode}-locked`,
    opens: [...of('lock'), ...(mode === 'read' ? MMAP_LOCK_OPS.filter((o) => o.op === 'downgrade').map((o) => ({ name: o.name, objectArg: o.arg })) : [])],
    closes: [...of('unlock'), ...(mode === 'write' ? of('downgrade') : [])],
    owner: { kind: 'any' },
    helpers: MMAP_LOCK_KEPT.map((name) => ({ name, arg: 0, effect: 'none' as const })),
  };
}

/**
 * Kernel functions handed the mm that return with its mmap lock as they found it, whatever
 * their bodies do on the way (with a tree widen reads them): `fixup_user_fault()` may drop the
 * lock but takes it again before it returns (6.12 mm/gup.c: "mmap_lock may be released and
 * re-acquired"; it says so in `*unlocked`), and `do_munmap()` keeps it (mm/mmap.c). A same-file
 * helper that calls one (vfio's `follow_fault_pfn()`) moves nothing for its caller either.
 */
export const MMAP_LOCK_KEPT: readonly string[] = ['fixup_user_fault', 'do_munmap'];

export const MMAP_READ_LOCK = mmapLockPair('read');
export const MMAP_WRITE_LOCK = mmapLockPair('write');

/**
 * VMA lookups that return NULL when nothing matches (kernel-doc at 6.12 mm/mmap.c:965-973,
 * include/linux/mm.h:1040-1066 and 3480-3503; `lock_vma_under_rcu()` at mm/memory.c:6260).
 */
export const VMA_LOOKUPS: readonly string[] = [
  'find_vma', 'vma_lookup', 'find_vma_intersection', 'find_vma_prev', 'vma_next', 'vma_prev', 'vma_find', 'lock_vma_under_rcu',
  // `vma_lookup()` and a test of both bounds (include/linux/mm.h); every caller tests it (sweep AE:
  // /proc/PID/map_files/<start>-<end> names it from user space).
  'find_exact_vma',
];

/**
 * Lookups that return NULL for an address in a hole, but that callers also use where an earlier
 * check proved the VMA there: `vma_iter_load()` (`mas_walk()`), which 6.12 `apply_mm_seal()`
 * dereferences unchecked because `check_mm_seal()` ran first. Their result counts as unchecked
 * only where the function tested it before the patch (sweep AE: `apply_vma_lock_flags()` with its
 * `if (!vma) return -ENOMEM;` deleted).
 */
export const VMA_LOOKUPS_BY_CONTRACT: readonly string[] = ['vma_iter_load'];

/** Where `vma_modify()` and its wrappers fail (6.12 mm/vma.h, mm/vma.c). */
const VMA_MODIFY_FAILS = 'mm/vma.c `vma_modify()`: the error of the `split_vma()` it needs when it cannot merge, such as -ENOMEM';

/**
 * Calls that return a VMA, or an `ERR_PTR()` when they fail, and never NULL: a NULL test does not
 * prove their result usable, `IS_ERR()` does. Each with where it fails, for the message.
 */
export const VMA_ERR_RETURNING: Readonly<Record<string, string>> = {
  vma_modify: VMA_MODIFY_FAILS,
  vma_modify_flags: VMA_MODIFY_FAILS,
  vma_modify_flags_name: VMA_MODIFY_FAILS,
  vma_modify_policy: VMA_MODIFY_FAILS,
  vma_modify_flags_uffd: VMA_MODIFY_FAILS,
  userfaultfd_clear_vma: 'mm/userfaultfd.c: the error of the `vma_modify_flags_uffd()` it makes',
  vma_to_resize: 'mm/mremap.c: -EFAULT when nothing is mapped at the address, -EINVAL, -EAGAIN or -ENOMEM when the range cannot be resized',
  find_vma_and_prepare_anon: 'mm/userfaultfd.c: -ENOENT when no VMA covers the address, -ENOMEM when `anon_vma_prepare()` fails',
};

/**
 * Helpers that dereference the VMA they are handed without testing it for NULL first (each reads
 * a field of it on entry in 6.1 and 6.12): passing them a lookup's unchecked result is a NULL
 * dereference one call down. Kept short on purpose: a helper not listed here may test its
 * argument, so handing it the VMA proves nothing either way.
 */
export const VMA_DEREF_HELPERS: readonly string[] = [
  'vm_flags_set', 'vm_flags_clear', 'vm_flags_mod', 'vm_flags_reset', 'vm_flags_init', 'vma_start_write', 'vma_end_read',
  'vma_assert_write_locked', 'vma_pages', 'is_vm_hugetlb_page', 'vma_is_anonymous', 'vma_is_accessible', 'vma_kernel_pagesize',
  'handle_mm_fault', 'vma_policy', 'vma_is_dax', 'vma_is_shmem', 'vma_is_special_huge', 'folio_walk_start',
  // Read the VMA's flags, offset or bounds: `vma_pkey()` its pkey bits of `vm_flags` (where the
  // arch has pkeys), `linear_page_index()` `vm_start` and `vm_pgoff`.
  'vma_pkey', 'linear_page_index', 'vma_is_initial_heap', 'vma_is_initial_stack',
  // Read `vma->vm_mm` or the bounds before anything else (mm/memory.c, mm/pagewalk.c,
  // include/linux/mm.h): what binder's shrinker hands `zap_page_range_single()` (sweep F).
  'zap_page_range_single', 'zap_vma_pages', 'walk_page_vma', 'vm_insert_page',
];

/**
 * Predicates on a VMA's own flags and fields that say nothing of an address (include/linux/mm.h,
 * hugetlb.h, mempolicy.h; `vma_migratable()` reads `vm_flags` first, mm/mempolicy.c): a
 * `find_vma()` result tested with one is as unchecked as one whose `vm_flags` the caller reads
 * itself (sweep N: `vma_migratable(vma)` then `folio_walk_start(&fw, vma, addr, ...)`).
 */
export const VMA_PREDICATES: readonly string[] = [
  'is_vm_hugetlb_page', 'vma_is_anonymous', 'vma_is_accessible', 'vma_kernel_pagesize', 'vma_policy', 'vma_is_dax',
  'vma_is_shmem', 'vma_is_special_huge', 'vma_pkey', 'vma_is_initial_heap', 'vma_is_initial_stack', 'vma_migratable', 'vma_pages',
];

/**
 * Helpers that return false, not crash, for a NULL VMA, so a true answer proves the VMA is there:
 * `range_in_vma()` tests `vma &&` first (6.12 include/linux/mm.h:3559).
 */
export const VMA_NULL_SAFE_TESTS: readonly string[] = ['range_in_vma'];

/**
 * Helpers that fault in or pin pages of the VMA they are handed, at an address the caller says
 * is inside it: handing them `find_vma()`'s result unchecked is the catalog's B13 misuse.
 */
export const VMA_FAULT_HELPERS: readonly string[] = [
  'handle_mm_fault', 'faultin_page', 'follow_page', 'follow_page_mask', 'follow_page_pte', 'follow_pfn', 'follow_pte',
  'vm_normal_page', 'vm_normal_folio', 'vmf_insert_pfn', 'vmf_insert_page', 'vm_insert_page', 'folio_walk_start',
];

/**
 * Helpers that compare a VMA's start with an address themselves, so a call on `find_vma()`'s
 * result counts as the start check: `vm_start_gap()` (the free-area form
 * `!vma || addr + len <= vm_start_gap(vma)`), `range_in_vma()`, and the stack-growth and
 * arch access helpers, which test `vm_start` or `VM_GROWSDOWN` against the address.
 */
export const VMA_START_CHECK_HELPERS: readonly string[] = [
  'vm_start_gap', 'range_in_vma', 'expand_stack', 'expand_stack_locked', 'expand_downwards', 'find_extend_vma',
  'find_extend_vma_locked', 'check_stack_guard_page', 'access_error', 'bad_area_access_error', 'vma_contains', 'in_vma',
  // Clamp the range they are handed to the VMA (mm/memory.c `unmap_single_vma()`: `start =
  // max(vma->vm_start, start_addr)`; 6.1's multi-VMA `zap_page_range()` the same for each VMA it
  // walks from there), so an address below it zaps nothing outside the VMAs: s390's
  // `gmap_discard()` zaps each guest segment's range of whichever VMA `find_vma()` gave.
  'zap_page_range_single', 'zap_page_range', 'zap_vma_ptes',
];

/**
 * Helpers that may drop the mmap lock and take it again, and say so by setting the `bool`
 * their argument `flag` points to: `fixup_user_fault(mm, addr, flags, &unlocked)` (mm/gup.c,
 * 6.1 and 6.12: "@unlocked: did we unlock the mmap_lock while retrying ... the caller must
 * handle it (e.g. restart the walk)"). A VMA found before the call is stale when the flag is
 * set; the lock itself is held either way.
 */
export const MMAP_LOCK_RETAKERS: ReadonlyArray<{ name: string; flag: number }> = [{ name: 'fixup_user_fault', flag: 3 }];

/**
 * Helpers of the fault path whose non-NULL result says the fault's lock (the mmap read lock or
 * the VMA's) is dropped: `maybe_unlock_mmap_for_io(vmf, fpin)` (6.1 and 6.12 mm/internal.h)
 * pins the file and calls `release_fault_lock()` when the fault may be retried, and returns a
 * non-NULL `fpin` once the lock is gone, now or earlier.
 */
export const FAULT_LOCK_RESULT_RELEASERS: readonly string[] = ['maybe_unlock_mmap_for_io'];

/**
 * The per-VMA read lock (6.12 only; include/linux/mm.h 686-838, mm/memory.c 6260-6299). The
 * object is not an argument but the VMA `lock_vma_under_rcu()` returns: non-NULL means read
 * locked, NULL means nothing is held. A tree without these functions (6.1) has nothing to check.
 */
export const VMA_READ_LOCK = {
  /** Return a read-locked VMA or NULL. */
  acquire: ['lock_vma_under_rcu'],
  /**
   * Return a read-locked VMA or an `ERR_PTR()`: 6.12 mm/userfaultfd.c `uffd_lock_vma()`, "Return:
   * A locked vma containing @address, -ENOENT if no vma is found, or -ENOMEM" (sweep I: a
   * `vma_end_read()` dropped from `uffd_mfill_lock()` passed in silence).
   */
  acquireOrError: ['uffd_lock_vma'],
  /**
   * Release the lock of the VMA in argument `arg`: the VMA itself (`vma_end_read(vma)`), or the
   * fault whose `vma` field holds it (`release_fault_lock(vmf)` ends the VMA lock when
   * `vmf->flags` has FAULT_FLAG_VMA_LOCK, the mmap lock otherwise; mm.h 789-795).
   */
  releases: [
    { name: 'vma_end_read', arg: 0, through: 'vma' },
    { name: 'release_fault_lock', arg: 0, through: 'vmf' },
  ],
  /**
   * `handle_mm_fault(vma, addr, flags | FAULT_FLAG_VMA_LOCK, regs)` releases the VMA lock itself
   * when it returns VM_FAULT_RETRY or VM_FAULT_COMPLETED (mm/memory.c 6068-6075), so the caller
   * ends the read lock only when the result has neither bit.
   */
  fault: { name: 'handle_mm_fault', vmaArg: 0, releasedBits: ['VM_FAULT_RETRY', 'VM_FAULT_COMPLETED'] },
  /**
   * Arch fault helpers handed the locked VMA with a NULL mm: they release the VMA lock for their
   * caller (x86 `__bad_area()` at arch/x86/mm/fault.c 836-850, powerpc `bad_access()`); with an
   * mm they release the mmap lock instead, and the VMA lock is not judged after them.
   */
  releasedWithNullMm: ['__bad_area', 'bad_area_access_error', 'bad_access', 'bad_access_pkey'],
} as const;

/**
 * The `vm_flags` modifier API (6.3 and later; 6.12 include/linux/mm.h 859-917): `vm_flags` is
 * `const` in a union with `__vm_flags` (mm_types.h 733-740) and changes only through these.
 * `probe` is the one whose definition in a tree says the tree has the API.
 */
export const VM_FLAGS_API = {
  field: 'vm_flags',
  /** The union's writable member, which the 6.3+ helpers write (`ACCESS_PRIVATE(vma, __vm_flags)`). */
  union: '__vm_flags',
  helpers: ['vm_flags_init', 'vm_flags_reset', 'vm_flags_reset_once', 'vm_flags_set', 'vm_flags_clear', 'vm_flags_mod', '__vm_flags_mod'],
  probe: 'vm_flags_set',
  vmaType: /^(const\s+)?struct\s+vm_area_struct$/,
  /** Allocators of VMAs not yet in the tree: their flags are set with `vm_flags_init()`. */
  fresh: ['vm_area_alloc', 'vm_area_dup'],
  /** Initialisers of a VMA the caller owns (an on-stack one: 6.1 fs/hugetlbfs/inode.c `vma_init(&pseudo_vma, mm)`). */
  initialisers: ['vma_init'],
  /**
   * Masks written `vma->vm_flags &= MASK` in 6.1 and the flags 6.3 clears instead: 6.1
   * include/linux/mm.h `#define VM_LOCKED_CLEAR_MASK (~(VM_LOCKED | VM_LOCKONFAULT))`, which 6.12
   * replaced by `VM_LOCKED_MASK` and `vm_flags_clear(vma, VM_LOCKED_MASK)` (mm/mremap.c, kernel/fork.c).
   */
  clearMasks: { VM_LOCKED_CLEAR_MASK: 'VM_LOCKED_MASK' } as Readonly<Record<string, string>>,
  /** What a VMA's write lock is taken with before `vm_flags_reset()`, which only asserts it. */
  writeLock: 'vma_start_write',
} as const;

/**
 * What went wrong when a backport papered over a lock contract that differs between versions:
 * said for the API families whose difference is one.
 */
const LOCK_CONTRACT_BACKPORT =
  ' A backport that papers over a difference in who releases the lock is where lock-contract bugs appeared: the stable backport of 091c1dd2d4df into the caller-locked `migrate_to_node()` released the mmap lock twice (fixed by d77401968c78 "mm/mempolicy: fix wrong mmap_read_unlock() in migrate_to_node()").';

/**
 * APIs that exist in only one of the trees widen knows (the catalog's §0 version matrix), as
 * functions a tree defines (a macro is not visible to the definition index, so macros such as
 * `tlb_delay_rmap()` are left out). `baseline` is defined as a function in every tree of
 * interest (include/linux/mmap_lock.h since v5.8): a tree that defines it but not an API here
 * lacks that API.
 */
export const API_VERSIONS = {
  baseline: 'mmap_read_lock',
  /**
   * APIs that a tree defines in a C file of mm/ only (the headers hold a prototype at most): such
   * an API is judged absent only where that directory is in sight, which the probe, a function of
   * the same file or directory in every tree, shows. A review of a file outside mm/ reads mm/'s
   * API headers but not its C files, and reported `do_vmi_align_munmap()` of ipc/shm.c as missing
   * from 6.12.
   */
  probes: {
    do_vmi_munmap: 'find_vma',
    do_vmi_align_munmap: 'find_vma',
    do_mas_munmap: 'find_vma',
    __tlb_remove_folio_pages: 'tlb_gather_mmu',
    zap_page_range: 'zap_page_range_single',
  } as Readonly<Record<string, string>>,
  /**
   * Names that are not functions (macros, enum values) and come with an API of `apis` (its
   * `names[0]`): judged absent only when a header in sight names the probe, which every tree has
   * beside them, and nowhere the name itself. A backport of the per-VMA-lock fault path that is
   * told only of `lock_vma_under_rcu()` still does not build for `FAULT_FLAG_VMA_LOCK`.
   */
  symbols: [
    // include/linux/mm_types.h, enum fault_flag (6.4).
    { name: 'FAULT_FLAG_VMA_LOCK', probe: 'FAULT_FLAG_WRITE', api: 'lock_vma_under_rcu' },
    // include/linux/vm_event_item.h (6.4), and include/linux/vmstat.h's macro.
    { name: 'VMA_LOCK_SUCCESS', probe: 'PGFAULT', api: 'lock_vma_under_rcu' },
    { name: 'VMA_LOCK_ABORT', probe: 'PGFAULT', api: 'lock_vma_under_rcu' },
    { name: 'VMA_LOCK_RETRY', probe: 'PGFAULT', api: 'lock_vma_under_rcu' },
    { name: 'VMA_LOCK_MISS', probe: 'PGFAULT', api: 'lock_vma_under_rcu' },
    { name: 'count_vm_vma_lock_event', probe: 'count_vm_event', api: 'lock_vma_under_rcu' },
  ] as ReadonlyArray<{ name: string; probe: string; api: string }>,
  /**
   * Functions both trees have under one name with a different number of parameters (the
   * catalog's §0: `free_pgtables()` and `unmap_vmas()` take the maple state and the lock mode
   * in 6.12, the maple tree in 6.1): a call with the other tree's arguments does not build. By
   * argument count, each form as its tree writes it.
   */
  signatures: [
    { name: 'free_pgtables', forms: { 5: { tree: '6.1', params: '(tlb, struct maple_tree *mt, vma, floor, ceiling)' }, 6: { tree: '6.12', params: '(tlb, struct ma_state *mas, vma, floor, ceiling, bool mm_wr_locked)' } } },
    { name: 'unmap_vmas', forms: { 5: { tree: '6.1', params: '(tlb, struct maple_tree *mt, vma, start_addr, end_addr)' }, 7: { tree: '6.12', params: '(tlb, struct ma_state *mas, vma, start_addr, end_addr, tree_end, bool mm_wr_locked)' } } },
  ] as ReadonlyArray<{ name: string; forms: Readonly<Record<number, { tree: string; params: string }>> }>,
  apis: [
    {
      names: ['vm_flags_init', 'vm_flags_reset', 'vm_flags_reset_once', 'vm_flags_set', 'vm_flags_clear', 'vm_flags_mod', '__vm_flags_mod'],
      what: 'the vm_flags modifier helpers (v6.3, "introduce vm_flags modifier functions"; in 6.12, not in 6.1)',
      instead: 'in a tree without them, `vm_flags` is a plain field: write `vma->vm_flags` under the mmap write lock',
    },
    {
      names: ['lock_vma_under_rcu', 'vma_start_read', 'vma_end_read', 'vma_start_write', 'vma_assert_write_locked', 'release_fault_lock'],
      what: 'the per-VMA locks (v6.4; in 6.12, not in 6.1)',
      instead: 'in a tree without per-VMA locks the mmap lock alone covers VMAs: drop `vma_start_write()` and `vma_assert_write_locked()` (the mmap write lock covers VMA changes), and a fault path takes `mmap_read_lock()` (or `lock_mm_and_find_vma()`) where it would try `lock_vma_under_rcu()`, and releases it with `mmap_read_unlock()` where it would call `vma_end_read()` or `release_fault_lock()`',
    },
    {
      names: ['tlb_flush_rmaps'],
      what: 'the delayed rmap removal of the mmu_gather (`tlb_delay_rmap()` and `tlb_flush_rmaps()`, include/asm-generic/tlb.h; in 6.12, not in 6.1)',
      instead: 'in a tree without it, `zap_pte_range()` removes each page\'s rmap as it queues the page (`page_remove_rmap()`), so there is no delayed rmap to flush: drop the call and its `tlb_delay_rmap()` test',
    },
    {
      names: ['__tlb_remove_folio_pages', 'tlb_remove_tlb_entries'],
      what: 'the newer mmu_gather helpers for runs of pages (in 6.12, not in 6.1)',
      instead: 'in a tree without them, queue pages one by one with `__tlb_remove_page()` and record each PTE with `tlb_remove_tlb_entry()`',
    },
    {
      names: ['mmap_write_trylock'],
      what: 'the mmap lock variants removed from newer trees (in 6.1, not in 6.12)',
      instead: 'take `mmap_write_lock()` or `mmap_write_lock_killable()`',
    },
    {
      names: ['do_vmi_munmap', 'do_vmi_align_munmap'],
      what: 'the VMA-iterator munmap helpers, whose `unlock` argument makes them return with the mmap lock released (in 6.12, not in 6.1)',
      instead: 'in a tree without them, `do_mas_munmap(&mas, mm, start, len, uf, downgrade)` unmaps, and with `downgrade` returns 1 with the mmap lock downgraded to read, not released',
      history: LOCK_CONTRACT_BACKPORT,
    },
    {
      names: ['do_mas_munmap'],
      what: 'the munmap helpers of 6.1, whose `downgrade` argument makes them return 1 with the mmap lock downgraded to read (in 6.1, not in 6.12)',
      instead: 'call `do_vmi_munmap(&vmi, mm, start, len, uf, unlock)`: with `unlock` it returns with the mmap lock released, not downgraded, and the caller must not release it again',
      history: LOCK_CONTRACT_BACKPORT,
    },
    {
      names: ['zap_page_range'],
      what: 'the APIs removed before 6.12 (the multi-VMA `zap_page_range()`, in 6.1)',
      instead: 'zap one VMA with `zap_page_range_single()`',
    },
  ],
} as const;

/**
 * Helpers whose result says what they did to the caller's mmap lock (the catalog's §4 table,
 * the entries whose outcome a caller can read from the return value). `when`: the result on
 * which `effect` happened: NULL or false (`zero`), non-NULL or true (`nonzero`), or
 * `VM_FAULT_RETRY`/`VM_FAULT_COMPLETED` set (`fault`). `says` completes "`helper()` ...".
 */
export interface MmapLockTransfer {
  name: string;
  effect: 'releases' | 'acquires';
  when: 'zero' | 'nonzero' | 'fault';
  says: string;
}

/**
 * Helpers that release the caller's mmap lock on one outcome of their call and leave it held on
 * the other, for `mmap-lock-balance`:
 * - `do_vmi_munmap()` and `do_vmi_align_munmap()` with their `unlock` argument true release the
 *   write lock when they return 0 (6.12 mm/vma.c, the kernel-doc of `do_vmi_align_munmap()`:
 *   "Return: 0 on success and drops the lock if so directed, error and leaves the lock held
 *   otherwise");
 * - `__collapse_huge_page_swapin()` releases the read lock when it fails, that is returns
 *   anything but `SCAN_SUCCEED` (6.12 mm/khugepaged.c, `collapse_huge_page()`: "mmap_lock is
 *   released when it fails. So we jump out_nolock directly in that case"; the catalog's H18).
 *
 * - 6.1's `do_brk_munmap()` downgrades the write lock to read when it returns 1 (6.1 mm/mmap.c,
 *   its kernel-doc: "Returns: 1 on success ... downgrades lock if possible", and brk(): "ret == 1
 *   ... downgraded = true"); 0 and an error leave it write-held. It reaches the mm through the
 *   VMA it is handed, so the mm is the caller's only one.
 *
 * - `mmap_upgrade_trylock()` upgrades the read lock to write when it returns true, and leaves it
 *   read-held when it returns false (6.12 mm/memory.c, `lock_mm_and_find_vma()`: "We can try to
 *   upgrade the mmap lock atomically, in which case we can continue to use the vma").
 *
 * `mmArg` names the mm (null: the caller's only mm), `unlockArg` the flag that must be a literal
 * true, `flagArg` one that must not be a literal false; `releasedWhen` is `zero` (released when
 * the result is 0), `{ unless }` (released when the result is not that constant) or `{ equals }`
 * (released when it is); `downgrades`: the outcome downgrades the lock instead of releasing it.
 */
export interface ConditionalRelease {
  name: string;
  mmArg: number | null;
  unlockArg?: number;
  /** The flag that, a literal false or 0, means the call releases nothing (6.1's `downgrade`). */
  flagArg?: number;
  releasedWhen: 'zero' | 'nonzero' | 'fault' | { unless: string } | { equals: string };
  /** For `zero` without `unlockArg`: the outcome, finishing "released when ..." (`it returned NULL`). */
  why?: string;
  /** For `zero`: how its zero reads, when it returns a pointer (`NULL`); 0 otherwise. */
  zero?: 'NULL';
  downgrades?: true;
  /** The outcome upgrades the read lock to write instead of releasing it (`mmap_upgrade_trylock()`). */
  upgrades?: true;
  /** For a downgrade: how a correct caller in the kernel tells the two outcomes apart, for the help. */
  example?: string;
}

export const MMAP_LOCK_CONDITIONAL_RELEASES: readonly ConditionalRelease[] = [
  // 6.12 mm/mmap.c expand_stack(mm, addr): "If no vma is found or it can't be expanded, it
  // returns NULL and has the mmap lock dropped"; the VMA it returns comes with the read lock
  // held. (6.1's expand_stack(vma, addr) returns an error and keeps the lock: its first
  // argument is no mm the caller locked, so it is never read this way.)
  { name: 'expand_stack', mmArg: 0, releasedWhen: 'zero', zero: 'NULL', why: 'it returned NULL' },
  // include/linux/mm_types.h: VM_FAULT_RETRY and VM_FAULT_COMPLETED mean the handler released
  // the lock (mm/memory.c handle_mm_fault()); any other result leaves it held. It reaches the mm
  // through the VMA, so the mm is the caller's only one.
  { name: 'handle_mm_fault', mmArg: null, releasedWhen: 'fault', why: 'it returned `VM_FAULT_RETRY` or `VM_FAULT_COMPLETED`' },
  { name: 'do_vmi_munmap', mmArg: 1, unlockArg: 5, releasedWhen: 'zero' },
  { name: 'do_vmi_align_munmap', mmArg: 2, unlockArg: 6, releasedWhen: 'zero' },
  { name: '__collapse_huge_page_swapin', mmArg: 0, releasedWhen: { unless: 'SCAN_SUCCEED' } },
  { name: 'do_brk_munmap', mmArg: null, releasedWhen: { equals: '1' }, downgrades: true, example: '6.1 brk() sets `downgraded = true` when `do_brk_munmap()` returns 1, and tests it at `success:`' },
  // 6.1 mm/mmap.c:2621-2635, do_mas_munmap(): "Returns: -EINVAL on failure, 1 on success and
  // unlock, 0 otherwise", the unlock a downgrade to read (mremap()'s shrink, __vm_munmap()). Only
  // a `downgrade` argument that is true returns 1, so a variable one reads the same, and a literal
  // false one releases nothing (6.1 vm_brk_flags(): `do_mas_munmap(&mas, mm, addr, len, &uf, 0)`).
  { name: 'do_mas_munmap', mmArg: 1, flagArg: 5, releasedWhen: { equals: '1' }, downgrades: true, example: '6.1 mremap() sets `downgraded = true` when `do_mas_munmap()` returns 1, and tests it at `out:`' },
  { name: 'do_mas_align_munmap', mmArg: 2, flagArg: 6, releasedWhen: { equals: '1' }, downgrades: true, example: '6.1 do_mas_munmap() passes the result on, and its callers test it for 1' },
  // 6.12 mm/memory.c (and um's copy in arch/um/kernel/trap.c): true means the read lock was
  // upgraded to write in place; false leaves it read-held. Both bodies return false today ("We
  // don't have this operation yet"), but the callers are written for either answer.
  { name: 'mmap_upgrade_trylock', mmArg: 0, releasedWhen: 'nonzero', upgrades: true, why: 'it returned true' },
];

/**
 * GUP functions that may drop the caller's mmap lock and say so in the `int *locked` they are
 * handed: 6.12 mm/gup.c kernel-doc, "If @locked != NULL, *@locked will be set to 0 when
 * mmap_lock is released" (`get_user_pages_remote()`, `pin_user_pages_remote()`), "If it's
 * released, *@locked will be set to 0" (`populate_vma_page_range()`, `faultin_page_range()`),
 * "If this happens *@locked will be set to 0 on return" (`__get_user_pages()`), "If it is,
 * *@locked will be set to 0 and -EBUSY returned" (`faultin_page()`). `__get_user_pages_locked()`
 * keeps the same contract for a caller that holds the lock (6.1 hands `*locked` on to
 * `__get_user_pages()`; 6.12 also takes the lock itself when `*locked` is 0, and then drops it
 * again and says so).
 *
 * `mmArg` names the mm (null: the caller's only mm, which `faultin_page()` reaches through its
 * VMA). The flag is the last argument, or the one `fromEnd` places before the end: in 6.1 and
 * 6.12 alike, `__get_user_pages_locked()` has `flags` after it (and 6.1 a `vmas` before it).
 */
export const MMAP_LOCK_FLAG_RELEASES: ReadonlyArray<{ name: string; mmArg: number | null; fromEnd?: number }> = [
  { name: 'get_user_pages_remote', mmArg: 0 },
  { name: 'pin_user_pages_remote', mmArg: 0 },
  { name: 'populate_vma_page_range', mmArg: null },
  { name: 'faultin_page_range', mmArg: 0 },
  { name: '__get_user_pages', mmArg: 0 },
  { name: 'faultin_page', mmArg: null },
  { name: '__get_user_pages_locked', mmArg: 0, fromEnd: 2 },
];

export const MMAP_LOCK_TRANSFERS: readonly MmapLockTransfer[] = [
  // 6.12 mm/mmap.c expand_stack(): "If no vma is found or it can't be expanded, it returns NULL and has the mmap lock dropped."
  { name: 'expand_stack', effect: 'releases', when: 'zero', says: 'returns NULL with the mmap lock dropped (mm/mmap.c)' },
  // 6.12 fs/userfaultfd.c userfaultfd_remove(): returns false after mmap_read_unlock() when it must wait for the monitor.
  { name: 'userfaultfd_remove', effect: 'releases', when: 'zero', says: 'returns false after releasing the mmap read lock to wait for the userfault monitor (fs/userfaultfd.c)' },
  // 6.12 mm/memory.c lock_mm_and_find_vma(): returns the VMA with the mmap read lock held, or NULL with no lock.
  { name: 'lock_mm_and_find_vma', effect: 'acquires', when: 'nonzero', says: 'holds the mmap read lock only when it returns a VMA (mm/memory.c)' },
  { name: 'get_mmap_lock_carefully', effect: 'acquires', when: 'nonzero', says: 'holds the mmap read lock only when it returns true (mm/memory.c)' },
  // include/linux/mm_types.h: VM_FAULT_RETRY / VM_FAULT_COMPLETED mean the handler released the lock.
  { name: 'handle_mm_fault', effect: 'releases', when: 'fault', says: 'releases the mmap lock itself when it returns `VM_FAULT_RETRY` or `VM_FAULT_COMPLETED` (include/linux/mm_types.h)' },
];

/**
 * Kernel helpers that release the caller's mmap read lock and then try to take the write lock,
 * holding it only when they return true: 6.12 mm/memory.c `upgrade_mmap_lock_carefully()`
 * (`mmap_read_unlock(mm); ... return !mmap_write_lock_killable(mm);`) and um's copy. A read
 * unlock, then a write lock acquired on a non-zero result, for every rule.
 */
export const MMAP_LOCK_RELOCKS: ReadonlyArray<{ name: string; mmArg: number; says: string }> = [
  { name: 'upgrade_mmap_lock_carefully', mmArg: 0, says: 'releases the mmap read lock, then holds the write lock only when it returns true (mm/memory.c)' },
];

/**
 * Every kernel helper whose effect on its caller's mmap lock widen takes from its tables rather
 * than from its body, with what the table says it does when it says (`says` of
 * {@link MMAP_LOCK_TRANSFERS}): for messages that name such a helper.
 */
export const MMAP_LOCK_TABLE_SAYS: ReadonlyMap<string, string | null> = new Map<string, string | null>([
  ...MMAP_LOCK_HELPERS.map((name) => [name, null] as const),
  ...MMAP_LOCK_CONDITIONAL_RELEASES.map((c) => [c.name, null] as const),
  ...MMAP_LOCK_TRANSFERS.map((t) => [t.name, t.says] as const),
  ...MMAP_LOCK_RELOCKS.map((r) => [r.name, r.says] as const),
]);

/**
 * The helpers of {@link MMAP_LOCK_HELPERS} whose table entry says no more than "may release or
 * take": where widen reads a body, the body says what they do (6.1's `migrate_to_node()` keeps
 * the caller's lock, x86's `bad_area_access_error()` releases it), and the table does not stand
 * over it.
 */
export const MMAP_LOCK_BARE_HELPERS: ReadonlySet<string> = new Set(
  MMAP_LOCK_HELPERS.filter(
    (name) =>
      MMAP_LOCK_TABLE_SAYS.get(name) === null &&
      !MMAP_LOCK_CONDITIONAL_RELEASES.some((c) => c.name === name) &&
      !MMAP_LOCK_FLAG_RELEASES.some((r) => r.name === name) &&
      !MMAP_LOCK_KEPT.includes(name) &&
      !MMAP_LOCK_OPS.some((o) => o.name === name),
  ),
);

/** VMA lookups that need the mmap lock (6.12 mm/mmap.c:961, 978 assert it), with the argument naming the mm. */
export const MMAP_LOCKED_LOOKUPS: ReadonlyMap<string, number> = new Map([
  ['find_vma', 0],
  ['find_vma_prev', 0],
  ['find_vma_intersection', 0],
  ['vma_lookup', 0],
  ['find_exact_vma', 0],
]);

/** The VMA tree's iterators: each step of the loop walks the maple tree of the iterator's mm. */
export const VMA_TREE_ITERATORS: ReadonlySet<string> = new Set(['for_each_vma', 'for_each_vma_range']);

/** Why a kernel function needs its caller's mmap lock (finishing "`f()` ..."), and whether for writing. */
export interface MmapLockNeed {
  why: string;
  write?: true;
}

/**
 * Kernel functions their caller must call with the mmap lock of their mm held, in 6.1 and 6.12:
 * each asserts it (`mmap_assert_locked()` / `mmap_assert_write_locked()` on entry, or in the
 * walk it starts) or says so in its kernel-doc. The VMA lookups and iterators are
 * `vma-lookup-requires-lock`'s (`MMAP_LOCKED_LOOKUPS`). What a function does that only a held
 * lock makes safe is what a patch that stops taking the lock around it breaks
 * (`mmap-lock-callee-contract`, `lockRemoved`).
 */
export const MMAP_LOCK_REQUIRED: ReadonlyMap<string, MmapLockNeed> = new Map<string, MmapLockNeed>([
  // 6.12 mm/hmm.c:591, mm/pagewalk.c:376-385 (every walk_page_* of a user mm).
  ['hmm_range_fault', { why: 'asserts it (`mmap_assert_locked()`, mm/hmm.c)' }],
  ['walk_page_range', { why: 'asserts it before walking the page tables (mm/pagewalk.c)' }],
  ['walk_page_range_vma', { why: 'asserts it before walking the page tables (mm/pagewalk.c)' }],
  ['walk_page_vma', { why: 'asserts it before walking the page tables (mm/pagewalk.c)' }],
  ['folio_walk_start', { why: 'asserts it (`mmap_assert_locked()`, mm/pagewalk.c)' }],
  // 6.12 mm/gup.c kernel-doc: "Must be called with mmap_lock held" (2665), "mm->mmap_lock must be held" (1960).
  ['get_user_pages', { why: 'must be called with it held (mm/gup.c kernel-doc)' }],
  ['get_user_pages_remote', { why: 'must be called with it held (mm/gup.c kernel-doc)' }],
  ['pin_user_pages', { why: 'must be called with it held (mm/gup.c kernel-doc)' }],
  ['pin_user_pages_remote', { why: 'must be called with it held (mm/gup.c kernel-doc)' }],
  ['fixup_user_fault', { why: 'must be called with it held (mm/gup.c kernel-doc)' }],
  ['populate_vma_page_range', { why: 'asserts it (`mmap_assert_locked()`, mm/gup.c)' }],
  ['faultin_page_range', { why: 'asserts it (`mmap_assert_locked()`, mm/gup.c)' }],
  // 6.12 mm/rmap.c:192, mm/khugepaged.c:1507, mm/mmu_notifier.c:611/766/1015, mm/util.c:522, mm/vma.c:2031/2127, mm/ksm.c:2927.
  ['anon_vma_prepare', { why: 'asserts it (`mmap_assert_locked()` in `__anon_vma_prepare()`, mm/rmap.c)' }],
  ['__anon_vma_prepare', { why: 'asserts it (`mmap_assert_locked()`, mm/rmap.c)' }],
  ['collapse_pte_mapped_thp', { why: 'asserts it (`mmap_assert_locked()`, mm/khugepaged.c)' }],
  ['__mmu_notifier_register', { why: 'asserts the write lock (`mmap_assert_write_locked()`, mm/mmu_notifier.c)', write: true }],
  ['mmu_notifier_get_locked', { why: 'asserts the write lock (`mmap_assert_write_locked()`, mm/mmu_notifier.c)', write: true }],
  ['mmu_interval_notifier_insert_locked', { why: 'asserts the write lock (`mmap_assert_write_locked()`, mm/mmu_notifier.c)', write: true }],
  ['__account_locked_vm', { why: 'asserts the write lock (`mmap_assert_write_locked()`, mm/util.c)', write: true }],
  ['mm_take_all_locks', { why: 'asserts the write lock (`mmap_assert_write_locked()`, mm/vma.c)', write: true }],
  ['mm_drop_all_locks', { why: 'asserts the write lock (`mmap_assert_write_locked()`, mm/vma.c)', write: true }],
  ['ksm_disable', { why: 'asserts the write lock (`mmap_assert_write_locked()`, mm/ksm.c)', write: true }],
]);

/**
 * Write-locking a VMA of the tree (6.12 include/linux/mm.h:686-838; upstream
 * Documentation/mm/process_addrs.rst, "VMA fields"), for `vma-modify-without-write-lock`.
 */
export const VMA_WRITE_LOCKING = {
  /**
   * The fields page faults read under the per-VMA read lock alone, so written only under the
   * mmap write lock and the VMA write lock (`anon_vma` only when cleared; set, it is under the
   * `page_table_lock`). `vm_flags` itself is added for trees without the const union (6.1).
   */
  fields: ['vm_start', 'vm_end', 'vm_pgoff', 'vm_page_prot', 'vm_policy', 'anon_vma', 'vm_userfaultfd_ctx', 'anon_name', '__vm_flags'],
  /** What write-locks a VMA, or proves it is. */
  locks: ['vma_start_write', 'vma_assert_write_locked'],
  /** Contracts: the caller holds the mmap lock for writing. */
  mmapWriteAsserts: ['mmap_assert_write_locked', 'lockdep_assert_held_write'],
  /** Lookups that return a VMA of the tree (or NULL). */
  lookups: [
    'find_vma', 'vma_lookup', 'find_vma_prev', 'find_vma_intersection', 'vma_next', 'vma_prev', 'vma_find', 'find_exact_vma',
    'vma_iter_load', 'vma_iter_next_range', 'vma_iter_prev_range', 'vma_prev_limit',
  ],
  /** Iterators whose loop variable is a VMA of the tree. */
  iterators: ['for_each_vma', 'for_each_vma_range', 'for_each_mte_vma', 'mas_for_each', 'vma_interval_tree_foreach'],
  /**
   * Calls that insert the VMA at `arg` into the tree: from there a page fault can find it, so a
   * VMA the function allocated is in the tree after them (6.12 mm/mmap.c `__mmap_region()`:
   * "Lock the VMA since it is modified after insertion into VMA tree", then
   * `vma_iter_store(&vmi, vma)`; 6.12 mm/vma.h, 6.1 mm/mmap.c `vma_mas_store()`). Those that
   * can fail count only where their result is dropped.
   */
  insertions: [
    { name: 'vma_iter_store', arg: 1 },
    { name: 'vma_iter_store_gfp', arg: 1 },
    { name: 'vma_link', arg: 1 },
    { name: 'insert_vm_struct', arg: 1 },
    { name: 'vma_mas_store', arg: 0 },
    { name: 'mas_store_prealloc', arg: 1 },
  ],
  /** Helpers that write-lock the VMAs they are handed (6.12 mm/vma.c, include/linux/mm.h). */
  lockingHelpers: [
    'vma_expand', 'vma_shrink', 'split_vma', '__split_vma', 'vma_merge', 'vma_merge_new_range', 'vma_merge_existing_range',
    'vm_flags_set', 'vm_flags_clear', 'vm_flags_mod',
  ],
  /** Helpers whose result is a write-locked VMA (6.12 mm/vma.c: `vma_modify*()`, `vma_merge*()`). */
  returnsLocked: /^(vma_modify\w*|vma_merge\w*|copy_vma)$/,
  /**
   * Helpers that return the VMA handed to them at `arg` when it needs neither a split nor a
   * merge, and then as it was: unlocked, if it was (6.12 mm/vma.c `vma_modify()` ends in
   * `return vma;`). A lock their result must hold, the VMA handed in must hold.
   */
  returnsInput: { pattern: /^vma_modify\w*$/, arg: 2 },
  /**
   * Helpers that write-lock every VMA of the range they walk when given `flag` (6.12
   * mm/mempolicy.c: `MPOL_MF_WRLOCK` makes `queue_pages_range()` walk with `PGWALK_WRLOCK`,
   * and mm/pagewalk.c calls `vma_start_write()` on each VMA).
   */
  locksAllWith: [{ name: 'queue_pages_range', flag: 'MPOL_MF_WRLOCK' }],
  /**
   * Kernel functions that assert the VMA write lock on an argument (`vma_assert_write_locked()`,
   * 6.12), for callers that cannot read their bodies (a review without the tree, a file outside
   * mm/): `copy_page_range()` on the parent's VMA since "fork: lock VMAs of the parent process
   * when forking" (mm/memory.c:1400), `vm_flags_reset*()` (include/linux/mm.h:873, 880).
   */
  requiresWriteLocked: [
    { name: 'copy_page_range', arg: 1 },
    { name: 'vm_flags_reset', arg: 0 },
    { name: 'vm_flags_reset_once', arg: 0 },
  ],
  /** The per-VMA lock API, whose presence in the code says the per-VMA half applies. */
  perVmaApi: ['vma_start_write', 'vma_assert_write_locked', 'lock_vma_under_rcu', 'vma_start_read', 'vma_end_read'],
  /** Defined by a tree with per-VMA locks (include/linux/mm.h). */
  probe: 'vma_start_write',
} as const;

/**
 * The VMA linked list removed in v6.1 (upstream 763ecb035029 "mm: remove the vma linked list"):
 * `vm_next`/`vm_prev` of `struct vm_area_struct` and the list head `mm_struct.mmap` are in
 * neither 6.1's nor 6.12's include/linux/mm_types.h. A field is not a function, so the tree's
 * level is read from what replaced it: `probe` is defined in include/linux/mm.h of every
 * maple-tree tree (6.12 line 996, 6.1 line 688) and of no older one, and `evidence` are the
 * calls and macros only maple-tree-era code writes (5.11-5.19's mm/mmap.c had a static
 * `vma_next(mm, vma)` of its own, so `vma_next()`/`vma_prev()` prove nothing).
 */
export const VMA_LIST_API = {
  links: ['vm_next', 'vm_prev'],
  head: 'mmap',
  vmaType: /^(const\s+)?struct\s+vm_area_struct$/,
  mmType: /^(const\s+)?struct\s+mm_struct$/,
  /** Fields of other structures that hold an mm (`current->mm`, `vma->vm_mm`). */
  mmFields: ['mm', 'vm_mm', 'active_mm'],
  probe: 'vma_find',
  evidence: [
    'VMA_ITERATOR', 'for_each_vma', 'for_each_vma_range', 'vma_find', 'vma_iter_init', 'vma_iter_set', 'vma_iter_invalidate',
    'vma_iter_load', 'vma_iter_addr', 'vma_iter_end', 'mas_find', 'mas_walk', 'mas_for_each', 'MA_STATE',
  ],
} as const;

/**
 * How code walks the VMA tree (6.12 include/linux/mm.h 996-1066, mm/vma.h; 6.1 mm.h 688-717):
 * an iterator (`struct vma_iterator`, a wrapper of the maple tree's `struct ma_state`) holds a
 * position inside the tree's nodes, valid while the tree does not change under it. Each entry
 * names the argument that is the iterator (`&vmi`, a `struct vma_iterator *`, or `&vmi.mas`).
 */
export const VMA_ITERATOR_API = {
  /** Statement macros that advance their iterator on every pass (the loop head). */
  loops: [
    { name: 'for_each_vma', arg: 0 },
    { name: 'for_each_vma_range', arg: 0 },
    { name: 'mas_for_each', arg: 0 },
    { name: 'mas_for_each_rev', arg: 0 },
  ],
  /** Calls that step the iterator from where it stands (walking the nodes it points into). */
  advances: [
    'vma_next', 'vma_prev', 'vma_find', 'vma_iter_next_range', 'vma_iter_prev_range', 'vma_iter_next_range_limit',
    'vma_iter_prev_range_limit', 'vma_prev_limit', 'mas_find', 'mas_find_rev', 'mas_next', 'mas_prev', 'mas_next_range', 'mas_prev_range',
  ].map((name) => ({ name, arg: 0 })),
  /**
   * Calls that re-seat the iterator: its next step walks down from the root again, so what
   * changed before is harmless (`vma_iter_invalidate()` is `mas_pause()`, mm.h 1051-1054).
   */
  reseats: [
    'vma_iter_set', 'vma_iter_invalidate', 'vma_iter_init', 'vma_iter_reset', 'vma_iter_config', 'mas_pause', 'mas_set', 'mas_set_range',
    'mas_reset', 'mas_init',
  ].map((name) => ({ name, arg: 0 })),
  /**
   * Tree changes made through an iterator (6.12): the one passed is kept coherent (that is why
   * they take it, mm/mprotect.c:838, mm/userfaultfd.c:1985); any other iterator of the tree is
   * left pointing into nodes that may have been replaced. When the argument is not an iterator
   * (6.1's `split_vma(mm, ...)`), the change is made through none.
   */
  modifiers: [
    'split_vma', '__split_vma', 'vma_modify_flags', 'vma_modify_flags_name', 'vma_modify_policy', 'vma_modify_flags_uffd', 'vma_merge_extend',
    'do_vmi_munmap', 'do_vmi_align_munmap', 'vma_shrink', 'mprotect_fixup', 'mlock_fixup', 'do_mas_munmap', 'do_mas_align_munmap',
  ].map((name) => ({ name, arg: 0 })),
  /**
   * Calls handed an iterator that neither walk from nor read its position: its preallocated
   * nodes, error state and the tree's lock (lib/maple_tree.c `mas_destroy()`, `mas_nomem()`;
   * include/linux/maple_tree.h `mas_lock()`). A re-seat before them positions nothing they use.
   */
  positionFree: [
    'mas_destroy', 'mas_nomem', 'mas_allocated', 'mas_pop_node', 'mas_push_node', 'mas_node_count', 'mas_node_count_gfp', 'mas_alloc_nodes',
    'mas_set_alloc_req', 'mas_alloc_req', 'mas_set_err', 'mas_is_err', 'mas_expected_entries', 'mas_lock', 'mas_unlock', 'mas_mt_height',
    'vma_iter_free',
  ],
  /** Tree changes made through no iterator: every live iterator of the tree goes stale. */
  modifiersWithout: ['do_munmap', 'vm_munmap', '__vm_munmap', 'do_mmap', 'mmap_region', 'insert_vm_struct', 'vma_merge', 'do_brk_flags', 'vm_brk_flags'],
  /**
   * Of those, the ones that change nothing when they return NULL: 6.1's `vma_merge()` ("return
   * NULL if no merge was made"), after which 6.1's fs/userfaultfd.c pauses the walk only
   * `if (prev)`.
   */
  changesWhenNonNull: ['vma_merge'],
  /** Tree changes that return the VMA, or an `ERR_PTR()` when they fail (6.12 mm/vma.h 289-320). */
  errReturning: ['vma_modify_flags', 'vma_modify_flags_name', 'vma_modify_policy', 'vma_modify_flags_uffd', 'vma_modify', 'userfaultfd_clear_vma'],
  /**
   * Calls that show the function tears down an address space whose last user is gone
   * (`exit_mmap()`: "mm's last user has gone", mm/mmap.c): no other thread can change its tree
   * while the lock is dropped (the OOM reaper only reads it), so 6.1's `exit_mmap()` resumes
   * `mas_find()` after its unlock and write lock without re-seating, rightly.
   */
  teardown: ['mmu_notifier_release', '__mt_destroy'],
  /** Declared types of an iterator. */
  types: /\b(vma_iterator|ma_state|VMA_ITERATOR|MA_STATE)\b/,
  /**
   * What a function that walks VMAs mentions: the iterator's declaring macro or its type
   * (`struct ma_state` is left out: every function of lib/maple_tree.c takes one).
   */
  declarations: ['VMA_ITERATOR', 'vma_iterator', 'MA_STATE'],
} as const;
