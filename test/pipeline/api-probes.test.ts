/**
 * api-version-gate on removed functions with a probe (`zap_page_range()` beside
 * `zap_page_range_single()`): in a review of a file outside mm/, which reads mm/'s API headers
 * but not its C files, the headers' declarations say whether the tree has the API (sweep M:
 * 6.1's `zap_page_range()` backported into 6.12's arch/x86/entry/vdso/vma.c).
 */
import { readPatches } from '../../src/patch/index.js';
import { review } from '../../src/pipeline/review.js';
import { MemorySource } from '../../src/pipeline/source.js';
import { findRule } from '../../src/rules/index.js';

const mmapLockH = 'static inline void mmap_read_lock(struct mm_struct *mm)\n{\n\tdown_read(&mm->mmap_lock);\n}\n';
const newMmH = 'void zap_page_range_single(struct vm_area_struct *vma, unsigned long address,\n\t\t\t   unsigned long size, struct zap_details *details);\n';
const oldMmH = `void zap_page_range(struct vm_area_struct *vma, unsigned long address,\n\t\t    unsigned long size);\n${newMmH}`;

const vdso = `int vdso_join(struct mm_struct *mm, unsigned long size)
{
	struct vm_area_struct *vma;
	VMA_ITERATOR(vmi, mm, 0);

	mmap_read_lock(mm);
	for_each_vma(vmi, vma) {
		if (vma_is_vvar(vma))
			zap_page_range_single(vma, vma->vm_start, size, NULL);
	}
	mmap_read_unlock(mm);
	return 0;
}
`;

const patch = `--- a/arch/foo/entry/vdso.c
+++ b/arch/foo/entry/vdso.c
@@ -6,7 +6,7 @@ int vdso_join(struct mm_struct *mm, unsigned long size)
 	mmap_read_lock(mm);
 	for_each_vma(vmi, vma) {
 		if (vma_is_vvar(vma))
-			zap_page_range_single(vma, vma->vm_start, size, NULL);
+			zap_page_range(vma, vma->vm_start, size);
 	}
 	mmap_read_unlock(mm);
 	return 0;
`;

async function run(files: Record<string, string>) {
  const tree = new MemorySource({ 'arch/foo/entry/vdso.c': vdso, 'include/linux/mmap_lock.h': mmapLockH, ...files });
  return review({ patches: await readPatches(patch, 'vdso.patch'), tree, rules: [findRule('api-version-gate')!] });
}

describe('api-version-gate on a removed function outside mm/', () => {
  it('reports it where the headers in sight declare the probe and not the function', async () => {
    const report = await run({ 'include/linux/mm.h': newMmH });
    expect(report.findings.map((f) => [f.rule, f.messageId, f.line, f.message])).toEqual([['api-version-gate', 'absent', 9, '`zap_page_range()` does not exist in this tree']]);
  });

  it('says nothing where a header declares it, or where no header declares the probe', async () => {
    expect((await run({ 'include/linux/mm.h': oldMmH })).findings).toEqual([]);
    expect((await run({})).findings).toEqual([]);
  });
});
