/**
 * api-version-gate on names that are not functions (`FAULT_FLAG_VMA_LOCK`, `VMA_LOCK_SUCCESS`,
 * the `count_vm_vma_lock_event()` macro): judged in a review with a tree, from the headers in
 * sight, only where a header names the probe that every tree has beside them.
 */
import { readPatches } from '../../src/patch/index.js';
import { review } from '../../src/pipeline/review.js';
import { MemorySource } from '../../src/pipeline/source.js';
import { findRule } from '../../src/rules/index.js';

const mmapLockH = 'static inline void mmap_read_lock(struct mm_struct *mm)\n{\n\tdown_read(&mm->mmap_lock);\n}\n';
const oldTypes = 'enum fault_flag {\n\tFAULT_FLAG_WRITE = 1 << 0,\n\tFAULT_FLAG_USER = 1 << 6,\n};\n';
const newTypes = 'enum fault_flag {\n\tFAULT_FLAG_WRITE = 1 << 0,\n\tFAULT_FLAG_USER = 1 << 6,\n\tFAULT_FLAG_VMA_LOCK = 1 << 12,\n};\n';
const oldEvents = 'enum vm_event_item {\n\tPGFAULT, PGMAJFAULT,\n\tNR_VM_EVENT_ITEMS\n};\n';
const vmstat = 'static inline void count_vm_event(enum vm_event_item item)\n{\n\tthis_cpu_inc(vm_event_states.event[item]);\n}\n';

const fault = `static vm_fault_t arch_fault(struct vm_area_struct *vma, unsigned long addr, unsigned int flags)
{
	vm_fault_t fault;

	fault = handle_mm_fault(vma, addr, flags, NULL);
	return fault;
}
`;

const patch = `--- a/arch/foo/mm/fault.c
+++ b/arch/foo/mm/fault.c
@@ -3,5 +3,7 @@ static vm_fault_t arch_fault(struct vm_area_struct *vma, unsigned long addr, uns
 	vm_fault_t fault;
 
-	fault = handle_mm_fault(vma, addr, flags, NULL);
+	fault = handle_mm_fault(vma, addr, flags | FAULT_FLAG_VMA_LOCK, NULL);
+	if (!(fault & VM_FAULT_RETRY))
+		count_vm_vma_lock_event(VMA_LOCK_SUCCESS);
 	return fault;
 }
`;

async function run(files: Record<string, string>) {
  const tree = new MemorySource({ 'arch/foo/mm/fault.c': fault, ...files });
  return review({ patches: await readPatches(patch, 'vma-lock.patch'), tree, rules: [findRule('api-version-gate')!] });
}

describe('api-version-gate on macros and enum values', () => {
  it('reports them where the headers in sight name the probe and not them, one finding with each use marked', async () => {
    const report = await run({ 'include/linux/mmap_lock.h': mmapLockH, 'include/linux/mm_types.h': oldTypes, 'include/linux/vm_event_item.h': oldEvents, 'include/linux/vmstat.h': vmstat });
    expect(report.findings.map((f) => [f.rule, f.messageId, f.line, f.message, f.related.map((r) => [r.line, r.message])])).toEqual([
      ['api-version-gate', 'absent', 5, '`FAULT_FLAG_VMA_LOCK` does not exist in this tree', [[7, '`count_vm_vma_lock_event()` and `VMA_LOCK_SUCCESS` are missing from this tree too']]],
    ]);
    expect(report.findings[0]!.explanation).toContain('names it in none of the headers that would define it although widen can read its headers (it finds `FAULT_FLAG_WRITE` there)');
  });

  it('says nothing where the tree names them, or where no header that would is in sight', async () => {
    const newer = await run({ 'include/linux/mmap_lock.h': mmapLockH, 'include/linux/mm_types.h': newTypes, 'include/linux/vm_event_item.h': `${oldEvents}enum { VMA_LOCK_SUCCESS };\n`, 'include/linux/vmstat.h': `${vmstat}#define count_vm_vma_lock_event(x) count_vm_event(x)\n` });
    expect(newer.findings).toEqual([]);
    // Only the lock header: neither probe is in sight.
    const blind = await run({ 'include/linux/mmap_lock.h': mmapLockH });
    expect(blind.findings).toEqual([]);
  });
});
