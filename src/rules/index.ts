/**
 * The rule registry, sorted by id. Adding a rule: create `src/rules/<id>.ts`, its page
 * `docs/rules/<id>.md`, its fixtures `test/fixtures/rules/<id>/`, and list it here; the
 * catalog test fails until all four exist.
 */
import type { PatchRule } from './patch/define-patch-rule.js';
import { PATCH_RULES } from './patch/index.js';
import type { Rule } from './define-rule.js';
import apiVersionGate from './api-version-gate.js';
import findVmaIntersectionSingleAddr from './find-vma-intersection-single-addr.js';
import findVmaMissingStartCheck from './find-vma-missing-start-check.js';
import hugetlbUnshareFlushBeforeFinish from './hugetlb-unshare-flush-before-finish.js';
import mmapLockBalance from './mmap-lock-balance.js';
import mmapLockCalleeContract from './mmap-lock-callee-contract.js';
import mmuNotifierRangeBalance from './mmu-notifier-range-balance.js';
import pgtableFreeOutsideGather from './pgtable-free-outside-gather.js';
import tlbBatchFullIgnored from './tlb-batch-full-ignored.js';
import tlbFlushBeforePtlUnlock from './tlb-flush-before-ptl-unlock.js';
import tlbGatherFinishBalance from './tlb-gather-finish-balance.js';
import tlbOpOutsideGather from './tlb-op-outside-gather.js';
import tlbRangeBeforeQueue from './tlb-range-before-queue.js';
import tlbVmaBracketBalance from './tlb-vma-bracket-balance.js';
import tlbVmaBracketMisuse from './tlb-vma-bracket-misuse.js';
import tlbVmaBracketVmaReassigned from './tlb-vma-bracket-vma-reassigned.js';
import vmFlagsDirectWrite from './vm-flags-direct-write.js';
import vmFlagsHelperLockContext from './vm-flags-helper-lock-context.js';
import vmaIteratorStale from './vma-iterator-stale.js';
import vmaListRemoved from './vma-list-removed.js';
import vmaLookupNullCheck from './vma-lookup-null-check.js';
import vmaLookupRequiresLock from './vma-lookup-requires-lock.js';
import vmaModifyWithoutWriteLock from './vma-modify-without-write-lock.js';
import vmaReadLockBalance from './vma-read-lock-balance.js';
import vmaUseAfterUnlock from './vma-use-after-unlock.js';

export const RULES: readonly Rule[] = [
  apiVersionGate,
  findVmaIntersectionSingleAddr,
  findVmaMissingStartCheck,
  hugetlbUnshareFlushBeforeFinish,
  mmapLockBalance,
  mmapLockCalleeContract,
  mmuNotifierRangeBalance,
  pgtableFreeOutsideGather,
  tlbBatchFullIgnored,
  tlbFlushBeforePtlUnlock,
  tlbGatherFinishBalance,
  tlbOpOutsideGather,
  tlbRangeBeforeQueue,
  tlbVmaBracketBalance,
  tlbVmaBracketMisuse,
  tlbVmaBracketVmaReassigned,
  vmFlagsDirectWrite,
  vmFlagsHelperLockContext,
  vmaIteratorStale,
  vmaListRemoved,
  vmaLookupNullCheck,
  vmaLookupRequiresLock,
  vmaModifyWithoutWriteLock,
  vmaReadLockBalance,
  vmaUseAfterUnlock,
];

export function findRule(id: string): Rule | undefined {
  return RULES.find((r) => r.id === id);
}

/** A rule of either kind: a function rule (above) or a patch rule (`src/rules/patch/`). */
export type CatalogRule = Rule | PatchRule;

/**
 * Every rule of both kinds, sorted by id: what `widen rules` lists and what `--rules` and
 * `.github/widen.yml` switch.
 */
export const CATALOG: readonly CatalogRule[] = [...RULES, ...PATCH_RULES].sort((a, b) => (a.id < b.id ? -1 : 1));

export function findCatalogRule(id: string): CatalogRule | undefined {
  return CATALOG.find((r) => r.id === id);
}
