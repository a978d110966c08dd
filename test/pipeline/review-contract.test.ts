/**
 * A review with a tree reads the mm API headers, where the lock operations themselves are
 * inline functions: they stay lock events, and a caller that starts holding the lock around a
 * self-locking function is reported on the line the patch changed.
 */
import { readPatches } from '../../src/patch/index.js';
import { review } from '../../src/pipeline/review.js';
import { MemorySource } from '../../src/pipeline/source.js';
import { findRule } from '../../src/rules/index.js';

// A kernel-style header in which the lock operations are inline wrappers, as in 6.12.
const mmapLockH = `static inline void mmap_read_lock(struct mm_struct *mm)
{
	__mmap_lock_trace_start_locking(mm, false);
	down_read(&mm->mmap_lock);
	__mmap_lock_trace_acquire_returned(mm, false, true);
}

static inline void mmap_read_unlock(struct mm_struct *mm)
{
	__mmap_lock_trace_released(mm, false);
	up_read(&mm->mmap_lock);
}
`;

const mempolicy = `static long move_one_node(struct mm_struct *mm, int node)
{
	long err;

	mmap_read_lock(mm);
	err = isolate_node_pages(mm, node);
	mmap_read_unlock(mm);
	return err;
}

int move_all_nodes(struct mm_struct *mm, int first, int last)
{
	long err = 0;
	int n;

	lru_cache_disable();
	for (n = first; n < last; n++) {
		err = move_one_node(mm, n);
		if (err < 0)
			break;
	}
	lru_cache_enable();
	return err;
}
`;

// The 6.1 caller's shape put back: the caller holds the lock around the self-locking callee.
const patch = `diff --git a/mm/mempolicy.c b/mm/mempolicy.c
--- a/mm/mempolicy.c
+++ b/mm/mempolicy.c
@@ -14,11 +14,13 @@ int move_all_nodes(struct mm_struct *mm, int first, int last)
 	int n;
 
 	lru_cache_disable();
+	mmap_read_lock(mm);
 	for (n = first; n < last; n++) {
 		err = move_one_node(mm, n);
 		if (err < 0)
 			break;
 	}
+	mmap_read_unlock(mm);
 	lru_cache_enable();
 	return err;
 }
`;

describe('review with a tree: lock contracts across a call', () => {
  it('reports the caller that now holds the lock around a self-locking callee, with the headers read', async () => {
    const tree = new MemorySource({ 'mm/mempolicy.c': mempolicy, 'include/linux/mmap_lock.h': mmapLockH });
    const report = await review({ patches: await readPatches(patch, 'b12.patch'), tree, rules: [findRule('mmap-lock-callee-contract')!] });
    expect(report.findings.map((f) => [f.rule, f.messageId, f.path, f.line, f.related.map((r) => r.line)])).toEqual([
      ['mmap-lock-callee-contract', 'callsLocking', 'mm/mempolicy.c', 19, [17, 5]],
    ]);
  });
});
