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

// A helper whose lock contract the rules take from their table (rules/resources.ts), not its body.
const gup = `int fixup_user_fault(struct mm_struct *mm, unsigned long address, bool *unlocked)
{
	vm_fault_t ret;

retry:
	ret = handle_mm_fault(find_vma(mm, address), address, 0, NULL);
	if (ret & VM_FAULT_COMPLETED) {
		mmap_read_lock(mm);
		*unlocked = true;
		return 0;
	}
	if (ret & VM_FAULT_RETRY) {
		mmap_read_lock(mm);
		*unlocked = true;
		goto retry;
	}
	return 0;
}
`;

function gupPatch(old: string[], added: string[]): string {
  const lines = gup.split('\n');
  const at = lines.indexOf(old[0]!);
  const body = [...old.map((l) => `-${l}`), ...added.map((l) => `+${l}`)];
  return ['--- a/mm/gup.c', '+++ b/mm/gup.c', `@@ -${at + 1},${old.length} +${at + 1},${added.length} @@ int fixup_user_fault(struct mm_struct *mm, unsigned long address, bool *unlocked)`, ...body, ''].join('\n');
}

describe('review of a helper whose contract comes from the table', () => {
  it('says that the callers were not checked when the patch changes how the helper handles the lock', async () => {
    const tree = new MemorySource({ 'mm/gup.c': gup });
    // The re-lock on VM_FAULT_COMPLETED dropped: every caller that unlocks after the call now unlocks twice.
    const patch = gupPatch(['\t\tmmap_read_lock(mm);', '\t\t*unlocked = true;'], ['\t\t*unlocked = true;']);
    const report = await review({ patches: await readPatches(patch, 'gup.patch'), tree, rules: [findRule('mmap-lock-balance')!, findRule('mmap-lock-callee-contract')!] });
    expect(report.notes.map((n) => [n.kind, n.path, n.line, n.message])).toEqual([
      ['not-judged', 'mm/gup.c', 1, "widen knows what `fixup_user_fault()` does to its caller's mmap lock from a built-in list of kernel helpers, not from the body this patch changes: widen did not check that the callers of `fixup_user_fault()` still agree with the new body. Check how each caller handles the lock after the call."],
    ]);
  });

  it('says so for a store to the lock flag the callers read, deleted (sweep AC, B05)', async () => {
    const tree = new MemorySource({ 'mm/gup.c': gup });
    const patch = gupPatch(['\t\tmmap_read_lock(mm);', '\t\t*unlocked = true;'], ['\t\tmmap_read_lock(mm);']);
    const report = await review({ patches: await readPatches(patch, 'gup.patch'), tree, rules: [findRule('mmap-lock-balance')!] });
    expect(report.notes.map((n) => [n.kind, n.path, n.line, n.message])).toEqual([
      ['not-judged', 'mm/gup.c', 1, "widen knows what `fixup_user_fault()` does to its caller's mmap lock from a built-in list of kernel helpers, not from the body this patch changes: widen did not check that the callers of `fixup_user_fault()` still agree with the new body. Check how each caller handles the lock after the call."],
    ]);
  });

  it('says the patch adds the helper when the whole function is new (6.1 code put on a 6.12 tree, sweep P)', async () => {
    const tree = new MemorySource({ 'mm/gup.c': 'int other(void)\n{\n\treturn 0;\n}\n' });
    const body = gup.trimEnd().split('\n');
    const patch = ['--- a/mm/gup.c', '+++ b/mm/gup.c', `@@ -4,0 +5,${body.length + 1} @@`, '+', ...body.map((l) => `+${l}`), ''].join('\n');
    const report = await review({ patches: await readPatches(patch, 'gup.patch'), tree, rules: [findRule('mmap-lock-balance')!] });
    expect(report.notes.map((n) => [n.kind, n.line, n.message.match(/not from the body this patch \w+/)?.[0]])).toEqual([['not-judged', 6, 'not from the body this patch adds']]);
  });

  it('says nothing when the change cannot move the contract (a message added)', async () => {
    const tree = new MemorySource({ 'mm/gup.c': gup });
    const patch = gupPatch(['\t\t*unlocked = true;'], ['\t\t*unlocked = true;', '\t\tpr_debug("completed\\n");']);
    const report = await review({ patches: await readPatches(patch, 'gup.patch'), tree, rules: [findRule('mmap-lock-balance')!] });
    expect(report.notes).toEqual([]);
  });

  it('says nothing for an assertion or a comment added: they document the contract, they do not change it', async () => {
    const tree = new MemorySource({ 'mm/gup.c': gup });
    const patch = gupPatch(['\t\t*unlocked = true;'], ['\t\t*unlocked = true;', '\t\t/* the caller holds the mmap_lock again */', '\t\tmmap_assert_locked(mm);']);
    const report = await review({ patches: await readPatches(patch, 'gup.patch'), tree, rules: [findRule('mmap-lock-balance')!] });
    expect(report.notes).toEqual([]);
  });
});
