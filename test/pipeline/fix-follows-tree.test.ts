/**
 * A fix names only APIs the tree has: pgtable-free-outside-gather offers `pte_free_defer()`
 * (6.5 on) only where the headers in sight declare it, or where no header says either way
 * (sweep M: a 6.1 patch told to use it).
 */
import { readPatches } from '../../src/patch/index.js';
import { review } from '../../src/pipeline/review.js';
import { MemorySource } from '../../src/pipeline/source.js';
import { findRule } from '../../src/rules/index.js';

const pgtableNew = 'void pte_free_defer(struct mm_struct *mm, pgtable_t pgtable);\nstatic inline void pmd_clear(pmd_t *pmdp) { }\n';
const pgtableOld = 'static inline void pmd_clear(pmd_t *pmdp) { }\n';

const collapse = `void collapse_table(struct vm_area_struct *vma, unsigned long addr, pmd_t *pmd)
{
	pmd_t old;

	old = pmdp_collapse_flush(vma, addr, pmd);
	tlb_remove_table_sync_one();
	pte_free(vma->vm_mm, pmd_pgtable(old));
}
`;

const patch = `--- a/mm/khugepaged.c
+++ b/mm/khugepaged.c
@@ -3,6 +3,5 @@ void collapse_table(struct vm_area_struct *vma, unsigned long addr, pmd_t *pmd)
 	pmd_t old;
 
 	old = pmdp_collapse_flush(vma, addr, pmd);
-	tlb_remove_table_sync_one();
 	pte_free(vma->vm_mm, pmd_pgtable(old));
 }
`;

async function fixFor(headers: Record<string, string>): Promise<string[]> {
  const tree = new MemorySource({ 'mm/khugepaged.c': collapse, ...headers });
  const report = await review({ patches: await readPatches(patch, 'sync.patch'), tree, rules: [findRule('pgtable-free-outside-gather')!] });
  return report.findings.map((f) => `${f.messageId}:${f.line}: ${f.fix}`);
}

describe("a fix names only the tree's APIs", () => {
  test('pte_free_defer() is offered where the headers declare it, or where no header is in sight', async () => {
    const offered = 'freedUnsynced:6: Call `tlb_remove_table_sync_one()` after the flush and before the table is freed or reused, or free it with `pte_free_defer()`.';
    expect(await fixFor({ 'include/linux/pgtable.h': pgtableNew })).toEqual([offered]);
    expect(await fixFor({})).toEqual([offered]);
  });

  test('and not in a tree whose headers do not have it (6.1)', async () => {
    expect(await fixFor({ 'include/linux/pgtable.h': pgtableOld })).toEqual(['freedUnsynced:6: Call `tlb_remove_table_sync_one()` after the flush and before the table is freed or reused.']);
  });
});
