/**
 * A review with a tree looks for the helpers a changed file calls in the files beside it.
 */
import { readPatches } from '../../src/patch/index.js';
import { review } from '../../src/pipeline/review.js';
import { MemorySource, type TreeSource } from '../../src/pipeline/source.js';
import { findRule } from '../../src/rules/index.js';

const caller = `void unmap_things(struct mm_struct *mm, struct vm_area_struct *vma)
{
	struct mmu_gather tlb;

	tlb_gather_mmu(&tlb, mm);
	unmap_vmas(&tlb, vma);
	tlb_finish_mmu(&tlb);
}
`;

const helpers = `void finish_for_caller(struct mmu_gather *tlb)
{
	tlb_flush_mmu(tlb);
	tlb_finish_mmu(tlb);
}

void flush_for_caller(struct mmu_gather *tlb)
{
	tlb_flush_mmu(tlb);
}
`;

/** A patch to mm/a.c that hands the finish to `helper`. */
function patchUsing(helper: string): string {
  return `diff --git a/mm/a.c b/mm/a.c
--- a/mm/a.c
+++ b/mm/a.c
@@ -4,5 +4,5 @@ void unmap_things(struct mm_struct *mm, struct vm_area_struct *vma)
 
 	tlb_gather_mmu(&tlb, mm);
 	unmap_vmas(&tlb, vma);
-	tlb_finish_mmu(&tlb);
+	${helper}(&tlb);
 }
`;
}

const rules = [findRule('tlb-gather-finish-balance')!];
const files = { 'mm/a.c': caller, 'mm/b.c': helpers, 'mm/unrelated.c': 'int x;\n' };

async function reviewWith(helper: string, tree: TreeSource) {
  const report = await review({ patches: await readPatches(patchUsing(helper), 'a.patch'), tree, rules });
  return report.findings.map((f) => [f.rule, f.messageId, f.path, f.line]);
}

describe('review with a tree: helpers in the files beside the changed one', () => {
  it('takes a helper in a sibling file that finishes the gather as finishing it', async () => {
    expect(await reviewWith('finish_for_caller', new MemorySource(files))).toEqual([]);
  });

  it('reports the leak when the sibling helper only flushes', async () => {
    expect(await reviewWith('flush_for_caller', new MemorySource(files))).toEqual([['tlb-gather-finish-balance', 'missingFinish', 'mm/a.c', 5]]);
  });

  it('falls back to the file alone when the source cannot list directories (the GitHub API)', async () => {
    const source = new MemorySource(files);
    const unlisted: TreeSource = { read: (p) => source.read(p) };
    expect(await reviewWith('finish_for_caller', unlisted)).toEqual([['tlb-gather-finish-balance', 'missingFinish', 'mm/a.c', 5]]);
  });
});

describe("review with a tree: the tree's mm API headers", () => {
  const header = 'static inline void mmap_read_lock(struct mm_struct *mm)\n{\n\tdown_read(&mm->mmap_lock);\n}\n';
  const before = 'int do_lock(struct mm_struct *mm)\n{\n\tif (mmap_write_lock_killable(mm))\n\t\treturn -EINTR;\n\tmmap_write_unlock(mm);\n\treturn 0;\n}\n';
  const patch = `diff --git a/mm/a.c b/mm/a.c
--- a/mm/a.c
+++ b/mm/a.c
@@ -1,6 +1,6 @@
 int do_lock(struct mm_struct *mm)
 {
-	if (mmap_write_lock_killable(mm))
+	if (!mmap_write_trylock(mm))
 		return -EINTR;
 	mmap_write_unlock(mm);
 	return 0;
`;
  const gate = [findRule('api-version-gate')!];

  it('tell a review the API level: a call the headers do not define is reported', async () => {
    const report = await review({ patches: await readPatches(patch, 'a.patch'), tree: new MemorySource({ 'mm/a.c': before, 'include/linux/mmap_lock.h': header }), rules: gate });
    expect(report.findings.map((f) => [f.rule, f.path, f.line])).toEqual([['api-version-gate', 'mm/a.c', 3]]);
  });

  it('leave the review unjudged when the tree has no such headers', async () => {
    const report = await review({ patches: await readPatches(patch, 'a.patch'), tree: new MemorySource({ 'mm/a.c': before }), rules: gate });
    expect(report.findings).toEqual([]);
  });
});

describe('review with a tree: the whole patch is applied before any of its files is reviewed', () => {
  // mm/a.c hands the finish to a helper that the same patch adds in mm/z.c, a file the diff
  // lists after it. Reviewed file by file as they were applied, mm/a.c saw no mm/z.c yet.
  const patch = `${patchUsing('finish_later')}diff --git a/mm/z.c b/mm/z.c
new file mode 100644
--- /dev/null
+++ b/mm/z.c
@@ -0,0 +1,4 @@
+void finish_later(struct mmu_gather *tlb)
+{
+	tlb_finish_mmu(tlb);
+}
`;

  it('sees a helper a later file of the same patch adds', async () => {
    const report = await review({ patches: await readPatches(patch, 'a.patch'), tree: new MemorySource({ 'mm/a.c': caller }), rules });
    expect(report.findings.map((f) => [f.rule, f.path, f.line])).toEqual([]);
    expect(report.stats.files).toBe(2);
  });

  it('sees it without a directory listing too (the GitHub API): the files the patch writes cost no request', async () => {
    const source = new MemorySource({ 'mm/a.c': caller });
    const unlisted: TreeSource = { read: (p) => source.read(p) };
    const report = await review({ patches: await readPatches(patch, 'a.patch'), tree: unlisted, rules });
    expect(report.findings).toEqual([]);
  });

  it('and still reports the leak when that helper does not finish', async () => {
    const flushing = patch.replace('+\ttlb_finish_mmu(tlb);', '+\ttlb_flush_mmu(tlb);');
    const report = await review({ patches: await readPatches(flushing, 'a.patch'), tree: new MemorySource({ 'mm/a.c': caller }), rules });
    expect(report.findings.map((f) => [f.rule, f.messageId, f.path, f.line])).toEqual([['tlb-gather-finish-balance', 'missingFinish', 'mm/a.c', 5]]);
  });
});
