/**
 * What widen knows about kernel macros that a C parser cannot see through. This is widen's
 * equivalent of Coccinelle's `standard.h`: the normaliser (normalize.ts) uses it to rewrite
 * macro uses into plain C of the same length before parsing, and the CFG builder uses it to
 * give macro loops and declaring macros their meaning.
 */

/** Attribute-like words that only annotate a declaration; blanked before parsing. */
export const ATTRIBUTE_WORDS: ReadonlySet<string> = new Set([
  '__init', '__exit', '__initdata', '__initconst', '__exitdata', '__meminit', '__meminitdata',
  '__init_or_module', '__ref', '__refdata', '__refconst', '__head', '__sched', '__kprobes',
  '__must_check', '__always_inline', 'noinline', '__noinline', 'noinline_for_stack',
  '__maybe_unused', '__always_unused', '__unused', '__used', '__weak', '__cold', '__hot',
  '__pure', '__const', '__malloc', '__noreturn', '__visible', '__latent_entropy',
  '__randomize_layout', '__no_randomize_layout', '__packed', '__read_mostly', '__ro_after_init',
  '__user', '__kernel', '__iomem', '__percpu', '__rcu', '__force', '__bitwise', '__private',
  '__nocast', '__safe', '__must_be_array', 'notrace', 'asmlinkage', '__nocfi', '__noclone',
  '__no_sanitize_address', '__no_kcsan', '__no_kasan', 'noinstr', '__cpuidle', '__flatten',
  '__always_used', '____cacheline_aligned', '____cacheline_aligned_in_smp',
  '__cacheline_aligned', '__cacheline_aligned_in_smp', '__page_aligned_data',
  '__page_aligned_bss', '__lockfunc', '__irq_entry', '__softirq_entry', '__init_memblock',
  '__meminit_memblock', '__mminit', '__ksym', '__weak_alias', 'fastcall', '__fastcall',
  '__deprecated', '__nonstring', '__mustcheck', '__noendbr', '__no_stack_protector',
  '__bpf_kfunc', '__diag_ignore_all', '__sanitize_memory', '__must_hold_shared', 'inline_for_stack',
]);

/** Attribute-like macros with an argument list, blanked together with their arguments. */
export const ATTRIBUTE_CALLS: ReadonlySet<string> = new Set([
  '__acquires', '__releases', '__must_hold', '__cond_acquires', '__cond_releases',
  '__acquire_shared', '__releases_shared', '__aligned', '__section', '__printf', '__scanf',
  '__alloc_size', '__assume_aligned', '__counted_by', '__free', '__cleanup', '__guarded_by',
  '__pt_guarded_by', '__diagnose_as', '__nocapture', '__realloc_size', '__nonnull',
  '__attribute_const__', '__compiletime_error', '__designated_init', '__no_sanitize_or_inline',
  '__retain', '__alias', '__copy', '__add_pointer',
]);

/**
 * Macros that define a function from its name and (type, argument) pairs:
 * `SYSCALL_DEFINEn(name, type, arg, ...)`, its compat twin, and the BPF helpers'
 * `BPF_CALL_n(name, type, arg, ...)` (kernel/bpf/task_iter.c's `bpf_find_vma()` takes the mmap lock).
 */
export const DEFINING_MACRO = /^(?:(?:COMPAT_)?SYSCALL_DEFINE[0-6]|BPF_CALL_[0-5])$/;

/** Calls whose argument lists may hold a type, where the type rewrite must not run. */
export const TYPE_OPERATORS: ReadonlySet<string> = new Set([
  'sizeof', 'typeof', '__typeof__', '__typeof', 'alignof', '_Alignof', '__alignof__',
  'offsetof', '__builtin_offsetof', '_Generic', '__builtin_types_compatible_p', 'va_arg',
]);

/** C keywords that may appear in a type name used as a macro argument (`min_t(unsigned long, ...)`). */
export const TYPE_KEYWORDS: ReadonlySet<string> = new Set([
  'unsigned', 'signed', 'long', 'int', 'short', 'char', 'void', 'float', 'double', 'bool',
  '_Bool', 'const', 'volatile',
]);

export type MacroBlockKind =
  /** A loop over a collection: the body runs zero or more times and the macro assigns `defines`. */
  | 'iter'
  /** A scope guard (`scoped_guard`): the body runs exactly once; `break` leaves it. */
  | 'once'
  /** A conditional scope (`scoped_cond_guard`): the body may not run at all. */
  | 'cond';

export interface MacroBlockInfo {
  kind: MacroBlockKind;
  /** 0-based indices of the arguments the macro assigns on every iteration. */
  defines: readonly number[];
}

/**
 * Statement macros that take a body, by name. A macro used as `NAME(args) stmt` that is not in
 * this table is still recognised as a block macro (see normalize.ts); if its name says
 * `for_each`/`foreach` it is an iterator assigning its first plain-identifier argument.
 */
export const BLOCK_MACROS: ReadonlyMap<string, MacroBlockInfo> = new Map<string, MacroBlockInfo>([
  ['for_each_vma', { kind: 'iter', defines: [1] }],
  ['for_each_vma_range', { kind: 'iter', defines: [1] }],
  ['for_each_mte_vma', { kind: 'iter', defines: [1] }],
  ['vma_interval_tree_foreach', { kind: 'iter', defines: [0] }],
  ['anon_vma_interval_tree_foreach', { kind: 'iter', defines: [0] }],
  ['mas_for_each', { kind: 'iter', defines: [1] }],
  ['mas_for_each_rev', { kind: 'iter', defines: [1] }],
  ['mt_for_each', { kind: 'iter', defines: [1, 2] }],
  ['xa_for_each', { kind: 'iter', defines: [1, 2] }],
  ['xa_for_each_start', { kind: 'iter', defines: [1, 2] }],
  ['xa_for_each_range', { kind: 'iter', defines: [1, 2] }],
  ['xa_for_each_marked', { kind: 'iter', defines: [1, 2] }],
  ['xas_for_each', { kind: 'iter', defines: [1] }],
  ['xas_for_each_marked', { kind: 'iter', defines: [1] }],
  ['xas_for_each_conflict', { kind: 'iter', defines: [1] }],
  ['list_for_each', { kind: 'iter', defines: [0] }],
  ['list_for_each_safe', { kind: 'iter', defines: [0, 1] }],
  ['list_for_each_prev', { kind: 'iter', defines: [0] }],
  ['list_for_each_prev_safe', { kind: 'iter', defines: [0, 1] }],
  ['list_for_each_entry', { kind: 'iter', defines: [0] }],
  ['list_for_each_entry_rcu', { kind: 'iter', defines: [0] }],
  ['list_for_each_entry_lockless', { kind: 'iter', defines: [0] }],
  ['list_for_each_entry_reverse', { kind: 'iter', defines: [0] }],
  ['list_for_each_entry_continue', { kind: 'iter', defines: [0] }],
  ['list_for_each_entry_continue_reverse', { kind: 'iter', defines: [0] }],
  ['list_for_each_entry_from', { kind: 'iter', defines: [0] }],
  ['list_for_each_entry_from_reverse', { kind: 'iter', defines: [0] }],
  ['list_for_each_entry_safe', { kind: 'iter', defines: [0, 1] }],
  ['list_for_each_entry_safe_reverse', { kind: 'iter', defines: [0, 1] }],
  ['list_for_each_entry_safe_continue', { kind: 'iter', defines: [0, 1] }],
  ['list_for_each_entry_safe_from', { kind: 'iter', defines: [0, 1] }],
  ['hlist_for_each', { kind: 'iter', defines: [0] }],
  ['hlist_for_each_safe', { kind: 'iter', defines: [0, 1] }],
  ['hlist_for_each_entry', { kind: 'iter', defines: [0] }],
  ['hlist_for_each_entry_rcu', { kind: 'iter', defines: [0] }],
  ['hlist_for_each_entry_safe', { kind: 'iter', defines: [0, 1] }],
  ['llist_for_each', { kind: 'iter', defines: [0] }],
  ['llist_for_each_safe', { kind: 'iter', defines: [0, 1] }],
  ['llist_for_each_entry', { kind: 'iter', defines: [0] }],
  ['llist_for_each_entry_safe', { kind: 'iter', defines: [0, 1] }],
  ['rbtree_postorder_for_each_entry_safe', { kind: 'iter', defines: [0, 1] }],
  ['for_each_sg', { kind: 'iter', defines: [1, 3] }],
  ['for_each_set_bit', { kind: 'iter', defines: [0] }],
  ['for_each_clear_bit', { kind: 'iter', defines: [0] }],
  ['for_each_cpu', { kind: 'iter', defines: [0] }],
  ['for_each_online_cpu', { kind: 'iter', defines: [0] }],
  ['for_each_possible_cpu', { kind: 'iter', defines: [0] }],
  ['for_each_present_cpu', { kind: 'iter', defines: [0] }],
  ['for_each_node', { kind: 'iter', defines: [0] }],
  ['for_each_online_node', { kind: 'iter', defines: [0] }],
  ['for_each_node_state', { kind: 'iter', defines: [0] }],
  ['for_each_node_mask', { kind: 'iter', defines: [0] }],
  ['for_each_zone', { kind: 'iter', defines: [0] }],
  ['for_each_populated_zone', { kind: 'iter', defines: [0] }],
  ['for_each_online_pgdat', { kind: 'iter', defines: [0] }],
  ['for_each_mem_cgroup', { kind: 'iter', defines: [0] }],
  ['for_each_mem_cgroup_tree', { kind: 'iter', defines: [0] }],
  ['for_each_process', { kind: 'iter', defines: [0] }],
  ['for_each_thread', { kind: 'iter', defines: [1] }],
  ['pgd_for_each', { kind: 'iter', defines: [0] }],
  ['scoped_guard', { kind: 'once', defines: [] }],
  ['scoped_cond_guard', { kind: 'cond', defines: [] }],
]);

/**
 * Macros used as statements that declare (and initialise) their first argument, e.g.
 * `VMA_ITERATOR(vmi, mm, addr);`. The CFG records a definition of that name.
 */
export const DECLARING_MACROS: ReadonlySet<string> = new Set([
  'VMA_ITERATOR', 'MA_STATE', 'LIST_HEAD', 'HLIST_HEAD', 'LLIST_HEAD', 'XA_STATE',
  'XA_STATE_ORDER', 'DEFINE_WAIT', 'DEFINE_WAIT_FUNC', 'DECLARE_WAITQUEUE', 'DECLARE_BITMAP',
  'DEFINE_SPINLOCK', 'DEFINE_MUTEX', 'DEFINE_XARRAY', 'NODEMASK_ALLOC', 'LIST_HEAD_INIT',
  'DEFINE_PAGEVEC', 'DECLARE_COMPLETION_ONSTACK', 'DEFINE_READAHEAD', 'MMU_NOTIFIER_RANGE',
]);

/**
 * Calls that never return: a path that reaches one ends without leaking anything. Functions a
 * file or a scanned header declares `__noreturn` are added per file (normalize.ts); these are
 * the ones a review of one file, or a scan of the mm directories alone, would not see
 * declared: the generic ones, and the arch fault handlers' terminators (parisc's
 * `parisc_terminate()` is `__noreturn` in arch/parisc/include/asm/traps.h).
 */
export const NORETURN_CALLS: ReadonlySet<string> = new Set([
  'BUG', 'panic', 'do_exit', 'do_group_exit', 'make_task_dead', 'unreachable',
  '__builtin_unreachable', 'kthread_exit', 'machine_halt', 'emergency_restart', 'die',
  '__noreturn_abort', 'do_task_dead', 'cpu_startup_entry', 'BUILD_BUG', 'parisc_terminate',
]);

/**
 * Assertions that stop the machine when their first argument is true: after `BUG_ON(!vma)` the
 * path goes on only with `vma` non-NULL. (`VM_BUG_ON*()` is compiled out without
 * CONFIG_DEBUG_VM, but it states what the code relies on, which is what a reviewer reads.)
 * `WARN_ON()` returns and is not one of them.
 */
export const ASSERT_CALLS: ReadonlySet<string> = new Set([
  'BUG_ON', 'VM_BUG_ON', 'VM_BUG_ON_VMA', 'VM_BUG_ON_MM', 'VM_BUG_ON_PAGE', 'VM_BUG_ON_FOLIO',
]);

/**
 * Kernel predicates true only when a flag bit is set in one of their arguments, for the path
 * explorer: include/linux/sched/signal.h `fault_signal_pending(fault, regs)` is
 * `(fault & VM_FAULT_RETRY) && signal_pending(current)`. Their false outcome says nothing.
 */
export const BIT_PREDICATES: ReadonlyMap<string, { arg: number; bit: string }> = new Map([['fault_signal_pending', { arg: 0, bit: 'VM_FAULT_RETRY' }]]);

/**
 * Fault codes that are one bit each (include/linux/mm_types.h, and the arch's own
 * `VM_FAULT_BADMAP`/`VM_FAULT_BADACCESS`): a stored one has none of the others set. Not
 * `VM_FAULT_ERROR`, a mask of several, nor any other family, whose names may be masks.
 */
export const SINGLE_FAULT_BIT = /^VM_FAULT_(?!ERROR$)(?!.*_MASK$)[A-Z_]+$/;

/** include/linux/mm_types.h: `VM_FAULT_ERROR` and the bits it is made of. */
export const FAULT_ERROR_BITS: ReadonlySet<string> = new Set(['VM_FAULT_ERROR', 'VM_FAULT_OOM', 'VM_FAULT_SIGBUS', 'VM_FAULT_SIGSEGV', 'VM_FAULT_HWPOISON', 'VM_FAULT_HWPOISON_LARGE', 'VM_FAULT_FALLBACK']);

/**
 * The fault codes that say the handler released the lock itself (include/linux/mm_types.h). A
 * fault result never has one of them together with an error bit: the kernel's own callers test
 * the error bits first and return (mm/gup.c `faultin_page()`), or the release bits first and
 * retry, which is only right when the two cannot come together. Masks of one family and of the
 * other are exclusive for the path explorer (um's `(fault & VM_FAULT_RETRY) &&
 * fatal_signal_pending(current)`, false on its second atom, then `fault & VM_FAULT_ERROR`).
 */
export const FAULT_RELEASE_BITS: ReadonlySet<string> = new Set(['VM_FAULT_RETRY', 'VM_FAULT_COMPLETED']);

/** Wrappers that do not change a condition's truth value (`if (unlikely(!vma))`). */
export const TRANSPARENT_CALLS: ReadonlySet<string> = new Set([
  'likely', 'unlikely', 'likely_notrace', 'unlikely_notrace', '__builtin_expect',
]);

/** The default for an unknown `*for_each*` macro: it assigns its first plain identifier argument. */
export function isIteratorName(name: string): boolean {
  return /for_each|foreach/.test(name);
}

/**
 * Error numbers whose value is the same on every architecture: include/uapi/asm-generic/
 * errno-base.h (1-34, which every arch's errno.h includes), `EWOULDBLOCK` (`EAGAIN` everywhere),
 * and the kernel-internal ones of include/linux/errno.h (512 on). The path explorer reads
 * `ret == -EINTR` as a comparison with -4, so a path that found `-EINTR` knows `ret` is neither
 * 0 nor `-ENOSPC` (sweep M: a leak behind `if (!ret || ret == -ENOSPC)` in do_pagemap_scan()).
 * The numbers of errno.h proper (35 on) differ between architectures and stay unknown.
 */
export const ERRNO_VALUES: ReadonlyMap<string, number> = new Map([
  ...['EPERM', 'ENOENT', 'ESRCH', 'EINTR', 'EIO', 'ENXIO', 'E2BIG', 'ENOEXEC', 'EBADF', 'ECHILD', 'EAGAIN', 'ENOMEM', 'EACCES', 'EFAULT', 'ENOTBLK', 'EBUSY', 'EEXIST', 'EXDEV', 'ENODEV', 'ENOTDIR', 'EISDIR', 'EINVAL', 'ENFILE', 'EMFILE', 'ENOTTY', 'ETXTBSY', 'EFBIG', 'ENOSPC', 'ESPIPE', 'EROFS', 'EMLINK', 'EPIPE', 'EDOM', 'ERANGE'].map((name, i) => [name, i + 1] as const),
  ['EWOULDBLOCK', 11],
  ...['ERESTARTSYS', 'ERESTARTNOINTR', 'ERESTARTNOHAND', 'ENOIOCTLCMD', 'ERESTART_RESTARTBLOCK', 'EPROBE_DEFER', 'EOPENSTALE', 'ENOPARAM'].map((name, i) => [name, i + 512] as const),
  ...['EBADHANDLE', 'ENOTSYNC', 'EBADCOOKIE', 'ENOTSUPP', 'ETOOSMALL', 'ESERVERFAULT', 'EBADTYPE', 'EJUKEBOX', 'EIOCBQUEUED', 'ERECALLCONFLICT'].map((name, i) => [name, i + 521] as const),
]);
