/**
 * A review with a tree reads the helpers a patch moves a lock, or an iterator's re-seat, into
 * when they land in another file (sweep Z): a static inline of mm/internal.h, a function of a
 * C file beside the changed one. Each shape is checked with the helper in the changed file too,
 * where widen read it before.
 */
import { readPatches } from '../../src/patch/index.js';
import { review } from '../../src/pipeline/review.js';
import { MemorySource } from '../../src/pipeline/source.js';
import { findRule } from '../../src/rules/index.js';
import { unifiedDiff } from '../helpers/change-fixtures.js';

/** A tree of mm/a.c and the helpers, in mm/a.c itself, mm/internal.h or mm/b.c. */
type Place = 'mm/a.c' | 'mm/internal.h' | 'mm/b.c';
const PLACES: readonly Place[] = ['mm/a.c', 'mm/internal.h', 'mm/b.c'];

function tree(caller: string, helpers: string, place: Place): MemorySource {
  const files: Record<string, string> = { 'mm/a.c': caller };
  if (place === 'mm/a.c') files['mm/a.c'] = `${caller}\n${helpers}`;
  else files[place] = place.endsWith('.h') ? helpers : helpers.replace(/static inline /g, '');
  return new MemorySource(files);
}

async function findings(patch: string, caller: string, helpers: string, place: Place, rule: string): Promise<string[]> {
  const report = await review({ patches: await readPatches(patch, 'a.patch'), tree: tree(caller, helpers, place), rules: [findRule(rule)!] });
  return report.findings.map((f) => `${f.rule} ${f.messageId} ${f.path}:${f.line}`);
}

// The helpers follow the caller in mm/a.c, so its line numbers are the same in every tree.
const eitherCaller = `int do_thing(struct mm_struct *mm, int x, int write)
{
	int err;

	if (write) {
		if (mmap_write_lock_killable(mm))
			return -EINTR;
	} else {
		mmap_read_lock(mm);
	}
	err = work(x);
	if (write)
		mmap_write_unlock(mm);
	else
		mmap_read_unlock(mm);
	return err;
}
`;

const eitherHelpers = `static inline int thing_lock(struct mm_struct *mm, int write)
{
	if (write) {
		if (mmap_write_lock_killable(mm))
			return -EINTR;
	} else {
		mmap_read_lock(mm);
	}
	return 0;
}

static inline void thing_unlock(struct mm_struct *mm, int write)
{
	if (write)
		mmap_write_unlock(mm);
	else
		mmap_read_unlock(mm);
}
`;

/** The caller switched to the helpers, and (`leak`) a new early return between them. */
function eitherPatch(leak: boolean): string {
  const after = eitherCaller
    .replace('\tif (write) {\n\t\tif (mmap_write_lock_killable(mm))\n\t\t\treturn -EINTR;\n\t} else {\n\t\tmmap_read_lock(mm);\n\t}\n', '\terr = thing_lock(mm, write);\n\tif (err)\n\t\treturn err;\n')
    .replace('\tif (write)\n\t\tmmap_write_unlock(mm);\n\telse\n\t\tmmap_read_unlock(mm);\n', `\tif (err == -EAGAIN)\n\t\t${leak ? 'return -EINVAL;' : 'err = -EINVAL;'}\n\tthing_unlock(mm, write);\n`);
  return unifiedDiff('mm/a.c', eitherCaller, after);
}

const loopCaller = `int walk_thing(struct mm_struct *mm, unsigned long addr, int n)
{
	struct vm_area_struct *vma;
	int err = 0;

	while (n--) {
		mmap_read_lock(mm);
		vma = vma_lookup(mm, addr);
		err = work(vma);
		mmap_read_unlock(mm);
		if (err)
			break;
	}
	return err;
}
`;

const lookupHelper = `static inline struct vm_area_struct *lock_lookup(struct mm_struct *mm, unsigned long addr)
{
	mmap_read_lock(mm);
	return vma_lookup(mm, addr);
}
`;

/** The lock and lookup moved into the helper, and (`drop`) the unlock deleted as well. */
function loopPatch(drop: boolean): string {
  let after = loopCaller.replace('\t\tmmap_read_lock(mm);\n\t\tvma = vma_lookup(mm, addr);\n', '\t\tvma = lock_lookup(mm, addr);\n');
  if (drop) after = after.replace('\t\tmmap_read_unlock(mm);\n', '');
  return unifiedDiff('mm/a.c', loopCaller, after);
}

const reseatCaller = `int walk_all(struct mm_struct *mm)
{
	struct vm_area_struct *vma;
	VMA_ITERATOR(vmi, mm, 0);

	mmap_read_lock(mm);
	for_each_vma(vmi, vma) {
		touch(vma);
		if (mmap_lock_is_contended(mm)) {
			vma_iter_invalidate(&vmi);
			mmap_read_unlock(mm);
			mmap_read_lock(mm);
			vma = vma_next(&vmi);
			if (!vma)
				break;
		}
	}
	mmap_read_unlock(mm);
	return 0;
}
`;

const reseatHelpers = `static inline void relock_walk(struct mm_struct *mm, struct vma_iterator *vmi)
{
	vma_iter_invalidate(vmi);
	mmap_read_unlock(mm);
	mmap_read_lock(mm);
}

static inline void reseat_walk(struct vma_iterator *vmi)
{
	vma_iter_invalidate(vmi);
}
`;

/** The invalidation and the relock moved into a helper, or (`only`) the invalidation alone. */
function reseatPatch(only: boolean): string {
  const moved = '\t\t\tvma_iter_invalidate(&vmi);\n\t\t\tmmap_read_unlock(mm);\n\t\t\tmmap_read_lock(mm);\n';
  const now = only ? '\t\t\treseat_walk(&vmi);\n\t\t\tmmap_read_unlock(mm);\n\t\t\tmmap_read_lock(mm);\n' : '\t\t\trelock_walk(mm, &vmi);\n';
  return unifiedDiff('mm/a.c', reseatCaller, reseatCaller.replace(moved, now));
}

const pmdCaller = `bool move_it(struct vm_area_struct *vma, unsigned long addr, pmd_t *pmd)
{
	spinlock_t *ptl;

	ptl = pmd_lock(vma->vm_mm, pmd);
	pmd_clear(pmd);
	flush_tlb_range(vma, addr, addr + PMD_SIZE);
	spin_unlock(ptl);
	return true;
}
`;

// The helper's file also flushes elsewhere: a file that names no rule's call is not read.
const pmdHelpers = `static inline void unlock_pmd(spinlock_t *ptl)
{
	spin_unlock(ptl);
}

static inline void flush_one_pmd(struct vm_area_struct *vma, unsigned long addr)
{
	flush_tlb_range(vma, addr, addr + PMD_SIZE);
}
`;

/** The unlock moved into the helper, and (`after`) the flush below it. */
function pmdPatch(after: boolean): string {
  const now = after
    ? '\tunlock_pmd(ptl);\n\tflush_tlb_range(vma, addr, addr + PMD_SIZE);\n'
    : '\tflush_tlb_range(vma, addr, addr + PMD_SIZE);\n\tunlock_pmd(ptl);\n';
  return unifiedDiff('mm/a.c', pmdCaller, pmdCaller.replace('\tflush_tlb_range(vma, addr, addr + PMD_SIZE);\n\tspin_unlock(ptl);\n', now));
}

describe.each(PLACES)('review with a tree: helpers in %s', (place) => {
  it('reads a page-table unlock helper, and finds the flush moved after it', async () => {
    expect(await findings(pmdPatch(false), pmdCaller, pmdHelpers, place, 'tlb-flush-before-ptl-unlock')).toEqual([]);
    expect(await findings(pmdPatch(true), pmdCaller, pmdHelpers, place, 'tlb-flush-before-ptl-unlock')).toEqual(['tlb-flush-before-ptl-unlock flushAfterUnlock mm/a.c:8']);
  });

  it('reads a lock helper that chooses its mode, and finds the leak between it and its unlock', async () => {
    expect(await findings(eitherPatch(false), eitherCaller, eitherHelpers, place, 'mmap-lock-balance')).toEqual([]);
    expect(await findings(eitherPatch(true), eitherCaller, eitherHelpers, place, 'mmap-lock-balance')).toEqual(['mmap-lock-balance leak mm/a.c:5']);
  });

  it('reads a lock-and-lookup helper, and finds the lock taken again on the next round', async () => {
    expect(await findings(loopPatch(false), loopCaller, lookupHelper, place, 'mmap-lock-balance')).toEqual([]);
    expect(await findings(loopPatch(true), loopCaller, lookupHelper, place, 'mmap-lock-balance')).toEqual(['mmap-lock-balance doubleLock mm/a.c:7']);
  });

  it('takes an iterator re-seated inside the helper as re-seated, not deleted', async () => {
    expect(await findings(reseatPatch(false), reseatCaller, reseatHelpers, place, 'vma-iterator-stale')).toEqual([]);
    expect(await findings(reseatPatch(true), reseatCaller, reseatHelpers, place, 'vma-iterator-stale')).toEqual([]);
  });
});
