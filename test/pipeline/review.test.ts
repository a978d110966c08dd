/**
 * widen review end to end in-process: the seed case, attribution by fingerprint, which
 * functions a hunk touches, and series.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readPatches } from '../../src/patch/index.js';
import { review } from '../../src/pipeline/review.js';
import { renderJson } from '../../src/render/json.js';
import { renderText } from '../../src/render/text.js';
import { DirectorySource, MemorySource } from '../../src/pipeline/source.js';
import type { Rule } from '../../src/rules/define-rule.js';
import { findRule, RULES } from '../../src/rules/index.js';
import { ScratchRepo } from '../helpers/git.js';

const root = join(import.meta.dirname, '..', '..');
const seedDir = join(root, 'examples', 'seed');

async function reviewFile(patchPath: string, tree: string | null) {
  const patches = await readPatches(readFileSync(patchPath), patchPath);
  return review({ patches, tree: tree === null ? null : new DirectorySource(tree), rules: RULES });
}

describe('the seed case', () => {
  test('the seed patch gets the reassigned-VMA finding at start and end, with `vma = next` related, and the advisory note', async () => {
    const report = await reviewFile(join(seedDir, 'seed.patch'), join(seedDir, 'tree'));
    expect(report.findings.map((f) => ({ rule: f.rule, messageId: f.messageId, line: f.line, endLine: f.endLine, fn: f.function, related: f.related.map((r) => [r.line, r.message]), patch: f.patch }))).toEqual([
      {
        rule: 'tlb-vma-bracket-vma-reassigned',
        messageId: 'reassigned',
        line: 31,
        endLine: 51,
        fn: 'free_pgtables',
        related: [[42, '`vma` reassigned here']],
        patch: { index: 1, subject: 'mm: use correct VMA flags when freeing page-tables', total: 1 },
      },
      {
        // Hugh's second point: the bracket is for freeing pages, not page tables.
        rule: 'tlb-vma-bracket-misuse',
        messageId: 'tablesOnly',
        line: 31,
        endLine: 51,
        fn: 'free_pgtables',
        related: [
          [34, 'frees page tables: `hugetlb_free_pgd_range()`'],
          [47, 'frees page tables: `free_pgd_range()`'],
        ],
        patch: { index: 1, subject: 'mm: use correct VMA flags when freeing page-tables', total: 1 },
      },
    ]);
    const excerpt = report.findings[0]!.excerpt!;
    const shown = excerpt.lines.filter((l) => l !== null).map((l) => [l!.line, l!.role, l!.added]);
    expect(shown).toEqual(expect.arrayContaining([[31, 'primary', true], [42, 'related', false], [51, 'end', true], [17, null, false]]));
    expect(report.notes).toEqual([]);
  });

  test('the corrected patch, a bracket per VMA, keeps only the advisory note on bracketing page-table freeing', async () => {
    const report = await reviewFile(join(seedDir, 'seed-fixed.patch'), join(seedDir, 'tree'));
    expect(report.findings.map((f) => [f.rule, f.severity, f.line])).toEqual([['tlb-vma-bracket-misuse', 'note', 32]]);
    expect(report.stats.functions).toBe(1);
  });
});

describe('attribution and touched functions', () => {
  const buggy = readFileSync(join(root, 'test/fixtures/rules/tlb-vma-bracket-vma-reassigned/seed.c'), 'utf8');
  let repo: ScratchRepo;

  beforeEach(() => {
    repo = new ScratchRepo();
    repo.commit({ 'mm/pgtable.c': buggy }, 'mm: base');
  });
  afterEach(() => repo.remove());

  async function reviewLast(): Promise<Awaited<ReturnType<typeof review>>> {
    const patches = await readPatches(repo.formatPatch(1), 'test.patch');
    return review({ patches, tree: new DirectorySource(repo.snapshot(1)), rules: RULES });
  }

  test('an old bug in a touched function stays quiet, even when the patch shifts it', async () => {
    const edited = buggy
      .replace('#include <asm/tlb.h>\n', '#include <asm/tlb.h>\n#include <linux/hugetlb.h>\n\n/* A new comment above. */\n')
      .replace('\t\tunlink_anon_vmas(vma);\n\t\tunlink_file_vma(vma);\n\n\t\t// ruleid', '\t\tunlink_anon_vmas(vma);\n\t\tunlink_file_vma(vma);\n\t\tcond_resched();\n\n\t\t// ruleid');
    repo.commit({ 'mm/pgtable.c': edited }, 'mm: add a resched point');
    const report = await reviewLast();
    expect(report.findings).toEqual([]);
    expect(report.stats.functions).toBe(1);
  });

  test('a second leak of a lock that already leaks is reported with its own path, not the old one (sweep AH)', async () => {
    const lines = (...l: string[]): string => `${l.join('\n')}\n`;
    const base = lines(
      '#include <linux/mmap_lock.h>',
      '',
      'int advise(struct mm_struct *mm, int behavior)',
      '{',
      '\tint error;',
      '',
      '\tmmap_read_lock(mm);',
      '\tif (!mm->map_count)',
      '\t\treturn -ENOMEM;',
      '\terror = apply_advice(mm, behavior);',
      '',
      '\tmmap_read_unlock(mm);',
      '\treturn error;',
      '}',
    );
    repo.commit({ 'mm/advise.c': base }, 'mm: advise with one leak');
    repo.commit({ 'mm/advise.c': base.replace('\terror = apply_advice(mm, behavior);\n', '\terror = apply_advice(mm, behavior);\n\tif (error == -EAGAIN)\n\t\treturn -EAGAIN;\n') }, 'mm: return -EAGAIN at once');
    const report = await reviewLast();
    expect(report.findings.map((f) => [f.rule, f.messageId, f.line, f.related.map((r) => r.line)])).toEqual([['mmap-lock-balance', 'leak', 7, [11, 12]]]);
  });

  test('an old finding whose identifiers the patch only renamed stays quiet; a bug added beside the rename is found', async () => {
    // Sweep AE's ctl-42: renaming a local the headline quotes made the old finding the patch's.
    const old = `#include <linux/mm.h>

struct offset_req {
	unsigned long vaddr;
	unsigned long offset;
};

static long offset_for_vaddr(struct mm_struct *mm, struct offset_req *u)
{
	struct offset_req op;
	struct vm_area_struct *vma;
	long rv = -EINVAL;

	op = *u;
	mmap_read_lock(mm);
	vma = find_vma(mm, op.vaddr);
	if (!vma || vma->vm_ops != &foo_vmops)
		goto out_unlock;
	op.offset = vma->vm_pgoff << PAGE_SHIFT;
	rv = 0;
out_unlock:
	mmap_read_unlock(mm);
	*u = op;
	return rv;
}
`;
    repo.commit({ 'mm/pgtable.c': old }, 'mm: base with an old finding');
    // The old finding is there: the patch that wrote the function gets it.
    expect((await reviewLast()).findings.map((f) => [f.rule, f.messageId, f.line])).toEqual([['find-vma-missing-start-check', 'field', 17]]);
    const renamed = old.replace(/\bop\b/g, 'req');
    repo.commit({ 'mm/pgtable.c': renamed }, 'mm: rename op');
    expect((await reviewLast()).findings).toEqual([]);
    // A name long enough that the headline must shorten the code it quotes (sweep AF: the old
    // headline, renamed, no longer read like the new one).
    repo.commit({ 'mm/pgtable.c': old.replace(/\bop\b/g, 'offset_request_copied_from_user_space') }, 'mm: rename op again');
    expect((await reviewLast()).findings).toEqual([]);
    // The rename and a NULL test deleted in the same patch: the new bug is the patch's (and the
    // old finding, on the line the patch rewrote, is shown again with it, as without a rename).
    repo.commit({ 'mm/pgtable.c': old }, 'mm: back');
    repo.commit({ 'mm/pgtable.c': renamed.replace('if (!vma || vma->vm_ops', 'if (vma->vm_ops') }, 'mm: rename op, drop a test');
    expect((await reviewLast()).findings.map((f) => [f.rule, f.messageId, f.line]).sort()).toEqual([['find-vma-missing-start-check', 'field', 17], ['vma-lookup-null-check', 'deref', 17]]);
  });

  test('a call the patch moves into a helper it calls is not said to be deleted', async () => {
    // Sweep AE's bug-34: the range's start and end moved into helpers, and a `goto out` added.
    const old = `#include <linux/mmu_notifier.h>

int protect_one(struct mm_struct *mm, unsigned long addr)
{
	struct mmu_notifier_range range;
	int err = 0;

	mmu_notifier_range_init(&range, MMU_NOTIFY_CLEAR, 0, mm, addr, addr + PAGE_SIZE);
	mmu_notifier_invalidate_range_start(&range);
	err = protect_pte(mm, addr);
	mmu_notifier_invalidate_range_end(&range);
	return err;
}
`;
    const moved = `#include <linux/mmu_notifier.h>

static void protect_begin(struct mmu_notifier_range *range, struct mm_struct *mm, unsigned long addr)
{
	mmu_notifier_range_init(range, MMU_NOTIFY_CLEAR, 0, mm, addr, addr + PAGE_SIZE);
	mmu_notifier_invalidate_range_start(range);
}

static void protect_end(struct mmu_notifier_range *range)
{
	mmu_notifier_invalidate_range_end(range);
}

int protect_one(struct mm_struct *mm, unsigned long addr)
{
	struct mmu_notifier_range range;
	int err = 0;

	protect_begin(&range, mm, addr);
	err = protect_pte(mm, addr);
	if (err)
		return err;
	protect_end(&range);
	return err;
}
`;
    repo.commit({ 'mm/pgtable.c': old }, 'mm: base');
    repo.commit({ 'mm/pgtable.c': moved }, 'mm: range helpers');
    const findings = (await reviewLast()).findings;
    expect(findings.map((f) => [f.rule, f.messageId, f.function])).toEqual([['mmu-notifier-range-balance', 'missingEnd', 'protect_one']]);
    expect(findings[0]!.explanation).not.toContain('This patch deletes');
  });

  test('a hunk that changes only the signature, or only the closing brace, touches the function', async () => {
    const signature = buggy.replace('unsigned long floor, unsigned long ceiling)\n{\n\twhile', 'unsigned long floor, unsigned long top)\n{\n\twhile');
    repo.commit({ 'mm/pgtable.c': signature }, 'mm: rename a parameter');
    expect((await reviewLast()).stats.functions).toBe(1);
    const brace = signature.replace('\t\tvma = next;\n\t}\n}\n', '\t\tvma = next;\n\t}\n} /* free_pgtables_per_vma */\n');
    repo.commit({ 'mm/pgtable.c': brace }, 'mm: label a closing brace');
    expect((await reviewLast()).stats.functions).toBe(1);
  });

  test('one hunk across two functions analyses both', async () => {
    const both = buggy
      .replace('\t\tvma = next;\n\t}\n}\n\n/* The fix', '\t\tvma = next;\n\t}\n\tcount_freed();\n}\n\n/* The fix')
      .replace('void free_pgtables_per_vma(', 'void free_pgtables_each_vma(');
    repo.commit({ 'mm/pgtable.c': both }, 'mm: count');
    expect((await reviewLast()).stats.functions).toBe(2);
  });
});

describe('without a tree', () => {
  const newFile = [
    'diff --git a/mm/x.c b/mm/x.c',
    'new file mode 100644',
    '--- /dev/null',
    '+++ b/mm/x.c',
    '@@ -0,0 +1,9 @@',
    '+/* x */',
    '+#include <linux/mm.h>',
    '+',
    '+void f(struct mm_struct *mm)',
    '+{',
    '+\tmmap_read_lock(mm);',
    '+\tg();',
    '+\tmmap_write_unlock(mm);',
    '+}',
    '',
  ].join('\n');

  test('a new file is carried whole by its diff: checked, and no limited-context note for its lines outside functions', async () => {
    const report = await review({ patches: await readPatches(newFile, 'new.diff'), tree: null, rules: RULES });
    expect(report.findings.map((f) => [f.rule, f.messageId, f.path, f.line])).toEqual([['mmap-lock-balance', 'wrongMode', 'mm/x.c', 8]]);
    expect(report.notes).toEqual([]);
  });

  test('a modified file whose hunk changes a line outside the function it carries still gets the note', async () => {
    const modified = newFile.replace('new file mode 100644\n--- /dev/null', '--- a/mm/x.c').replace('@@ -0,0 +1,9 @@', '@@ -10,0 +11,9 @@');
    const report = await review({ patches: await readPatches(modified, 'mod.diff'), tree: null, rules: RULES });
    expect(report.notes.map((n) => [n.kind, n.path, n.line])).toEqual([['limited-context', 'mm/x.c', 11]]);
  });
});

describe('callers of a touched helper', () => {
  test('a helper that stops finishing the gather for its caller makes the caller leak', async () => {
    const base = readFileSync(join(root, 'test/fixtures/rules/tlb-gather-finish-balance/ownership.c'), 'utf8');
    const repo = new ScratchRepo();
    try {
      repo.commit({ 'mm/zap.c': base }, 'mm: base');
      repo.commit({ 'mm/zap.c': base.replace('\t// ok: tlb-gather-finish-balance\n\ttlb_finish_mmu(tlb);\n\tmm->map_count--;', '\tmm->map_count--;') }, 'mm: account only');
      const patches = await readPatches(repo.formatPatch(1), 'helper.patch');
      const report = await review({ patches, tree: new DirectorySource(repo.snapshot(1)), rules: RULES });
      expect(report.findings.map((f) => [f.rule, f.messageId, f.function])).toEqual([['tlb-gather-finish-balance', 'missingFinish', 'zap_with_helpers']]);
    } finally {
      repo.remove();
    }
  });

  test('a caller that calls the helper through a macro of the file is a caller too (sweep C: expand_stack() and vma_expand_down())', async () => {
    const base = `#define stack_grow_down(vma, addr) grow_down(vma, addr)

int grow_down(struct vm_area_struct *vma, unsigned long address)
{
\tif (address < mmap_min_addr)
\t\treturn -EPERM;
\t/* Lock the VMA before expanding to prevent concurrent page faults */
\tvma_start_write(vma);
\tvma->vm_start = address;
\treturn 0;
}

struct vm_area_struct *stack_grow(struct mm_struct *mm, unsigned long addr)
{
\tstruct vm_area_struct *vma, *prev;

\tmmap_write_lock(mm);
\tvma = find_vma_prev(mm, addr, &prev);
\tif (vma && !stack_grow_down(vma, addr))
\t\treturn vma;
\tmmap_write_unlock(mm);
\treturn NULL;
}
`;
    const repo = new ScratchRepo();
    try {
      // A tree with the per-VMA locks (6.4 and later), which it shows by defining vma_start_write().
      repo.commit({ 'mm/stack.c': base, 'include/linux/mm.h': 'static inline void vma_start_write(struct vm_area_struct *vma)\n{\n}\n' }, 'mm: base');
      repo.commit({ 'mm/stack.c': base.replace('\t/* Lock the VMA before expanding to prevent concurrent page faults */\n\tvma_start_write(vma);\n', '') }, 'mm: drop the VMA write lock');
      const patches = await readPatches(repo.formatPatch(1), 'helper.patch');
      const report = await review({ patches, tree: new DirectorySource(repo.snapshot(1)), rules: RULES });
      expect(report.findings.map((f) => [f.rule, f.messageId, f.function, f.line])).toEqual([['vma-modify-without-write-lock', 'calleeWritesWithoutVmaLock', 'stack_grow', 17]]);
    } finally {
      repo.remove();
    }
  });
});

test("a series' notes name their patch: the lines are that patch's state of the file (sweep R)", async () => {
  const gup = `int fixup_user_fault(struct mm_struct *mm, unsigned long address, bool *unlocked)
{
\tint ret;

retry:
\tret = handle_mm_fault(find_vma(mm, address), address, 0, NULL);
\tif (ret & VM_FAULT_COMPLETED) {
\t\tmmap_read_lock(mm);
\t\t*unlocked = true;
\t\tgoto retry;
\t}
\treturn 0;
}
`;
  const repo = new ScratchRepo();
  try {
    repo.commit({ 'mm/gup.c': gup }, 'mm: base');
    repo.commit({ 'mm/gup.c': `/* gup */\n${gup}` }, 'mm/gup: a comment');
    repo.commit({ 'mm/gup.c': `/* gup */\n${gup.replace('\t\tmmap_read_lock(mm);\n', '')}` }, 'mm/gup: do not relock');
    const report = await review({ patches: await readPatches(repo.formatPatch(2), 'series.mbox'), tree: new DirectorySource(repo.snapshot(2)), rules: RULES });
    expect(report.notes.map((n) => [n.kind, n.path, n.line, n.patch?.index, n.patch?.total, n.patch?.subject])).toEqual([['not-judged', 'mm/gup.c', 2, 2, 2, 'mm/gup: do not relock']]);
    expect(renderText(report, { color: false })).toContain('mm/gup.c:2: note: [patch 2/2] widen knows what `fixup_user_fault()` does to its caller');
    expect(JSON.parse(renderJson(report)).notes[0].patch).toEqual({ index: 2, subject: 'mm/gup: do not relock', total: 2 });
  } finally {
    repo.remove();
  }
});

describe('what the patch deletes', () => {
  /** A function that locks, looks up, and unlocks on both exits: the base the patches below change. */
  const SET_POLICY = `int set_policy(struct mm_struct *mm, unsigned long start)
{
\tstruct vm_area_struct *vma;
\tint err;

\tmmap_write_lock(mm);
\tvma = vma_lookup(mm, start);
\tif (!vma) {
\t\tmmap_write_unlock(mm);
\t\treturn -EFAULT;
\t}
\terr = apply_policy(vma);
\tmmap_write_unlock(mm);
\treturn err;
}
`;

  test("a finding's explanation names the calls of its rule's API the patch deleted from the function, and not those it moved", async () => {
    const base = SET_POLICY;
    const repo = new ScratchRepo();
    try {
      repo.commit({ 'mm/policy.c': base }, 'mm: base');
      repo.commit({ 'mm/policy.c': base.replace('\tif (!vma) {\n\t\tmmap_write_unlock(mm);\n\t\treturn -EFAULT;\n\t}', '\tif (!vma)\n\t\treturn -EFAULT;') }, 'mm: simplify the error path');
      const report = await review({ patches: await readPatches(repo.formatPatch(1), 'leak.patch'), tree: new DirectorySource(repo.snapshot(1)), rules: RULES });
      expect(report.findings.map((f) => [f.rule, f.messageId, f.line])).toEqual([['mmap-lock-balance', 'leak', 6]]);
      expect(report.findings[0]!.explanation).toMatch(/ This patch deletes `mmap_write_unlock\(mm\);` from `set_policy\(\)`\.$/);
      // The unlock moved above the use instead: nothing was deleted, and nothing is said.
      repo.commit({ 'mm/policy.c': base.replace('\terr = apply_policy(vma);\n\tmmap_write_unlock(mm);', '\tmmap_write_unlock(mm);\n\terr = vma->vm_flags & VM_LOCKED;') }, 'mm: drop the lock early');
      const moved = await review({ patches: await readPatches(repo.formatPatch(1), 'moved.patch'), tree: new DirectorySource(repo.snapshot(1)), rules: RULES });
      expect(moved.findings.map((f) => [f.rule, f.messageId, f.line])).toEqual([['vma-use-after-unlock', 'afterUnlock', 13]]);
      expect(moved.findings[0]!.explanation).not.toContain('This patch deletes');
      // A comment that names the unlock is deleted with the unlock: only the code is quoted (sweep K).
      const commented = base.replace('\t\tmmap_write_unlock(mm);\n\t\treturn -EFAULT;', '\t\t/*\n\t\t * mmap_write_unlock(mm) before the return\n\t\t */\n\t\tmmap_write_unlock(mm);\n\t\treturn -EFAULT;');
      repo.commit({ 'mm/policy.c': commented }, 'mm: comment the error path');
      repo.commit({ 'mm/policy.c': base.replace('\tif (!vma) {\n\t\tmmap_write_unlock(mm);\n\t\treturn -EFAULT;\n\t}', '\tif (!vma)\n\t\treturn -EFAULT;') }, 'mm: simplify the commented error path');
      const uncommented = await review({ patches: await readPatches(repo.formatPatch(1), 'comment.patch'), tree: new DirectorySource(repo.snapshot(1)), rules: RULES });
      expect(uncommented.findings[0]!.explanation).toMatch(/ This patch deletes `mmap_write_unlock\(mm\);` from `set_policy\(\)`\.$/);
    } finally {
      repo.remove();
    }
  });

  test("a rule about the code as written gets no deletion sentence: an API the tree lacks is missing whatever else went (sweep P)", async () => {
    const header = 'static inline void mmap_read_lock(struct mm_struct *mm)\n{\n\tdown_read(&mm->mmap_lock);\n}\n';
    const base = `int do_mas_munmap(struct ma_state *mas, struct mm_struct *mm, unsigned long start, size_t len, struct list_head *uf, bool downgrade)
{
\treturn 0;
}

int remap_one(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long start, size_t len)
{
\tMA_STATE(mas, &mm->mm_mt, start, start);

\tdo_mas_munmap(&mas, mm, start, len, NULL, false);
\treturn 0;
}
`;
    const repo = new ScratchRepo();
    try {
      repo.commit({ 'include/linux/mmap_lock.h': header, 'mm/remap.c': base }, 'mm: base');
      repo.commit({ 'mm/remap.c': base.replace('\tdo_mas_munmap(&mas, mm, start, len, NULL, false);', '\tvm_flags_init(vma, VM_READ);') }, 'mm: a 6.12 change');
      const report = await review({ patches: await readPatches(repo.formatPatch(1), 'gate.patch'), tree: new DirectorySource(repo.snapshot(1)), rules: RULES });
      expect(report.findings.map((f) => [f.rule, f.messageId, f.line])).toEqual([['api-version-gate', 'absent', 10]]);
      expect(report.findings[0]!.explanation).not.toContain('This patch deletes');
    } finally {
      repo.remove();
    }
  });

  test('a lock turned into the other mode is said as a change of mode, not a deletion (sweep N)', async () => {
    const base = `int lock_range(struct mm_struct *mm, unsigned long start)
{
\tstruct vm_area_struct *vma;

\tmmap_write_lock(mm);
\tvma = vma_lookup(mm, start);
\tif (vma)
\t\tvm_flags_set(vma, VM_LOCKED);
\tmmap_write_unlock(mm);
\treturn vma ? 0 : -EFAULT;
}
`;
    const repo = new ScratchRepo();
    try {
      repo.commit({ 'mm/lock.c': base }, 'mm: base');
      repo.commit({ 'mm/lock.c': base.replace('mmap_write_lock(mm)', 'mmap_read_lock(mm)').replace('mmap_write_unlock(mm)', 'mmap_read_unlock(mm)') }, 'mm: the read lock is enough');
      const report = await review({ patches: await readPatches(repo.formatPatch(1), 'mode.patch'), tree: new DirectorySource(repo.snapshot(1)), rules: RULES });
      expect(report.findings.map((f) => [f.rule, f.messageId, f.line])).toEqual([['vm-flags-helper-lock-context', 'setterWithoutWriteLock', 8]]);
      expect(report.findings[0]!.explanation).toMatch(/ This patch turns `mmap_write_lock\(\)` into `mmap_read_lock\(\)` and `mmap_write_unlock\(\)` into `mmap_read_unlock\(\)` in `lock_range\(\)`\.$/);
      expect(report.findings[0]!.explanation).not.toContain('deletes');
    } finally {
      repo.remove();
    }
  });

  test('a call deleted from a helper that the finding points at is named too (sweep M: the unshare flush dropped from the helper)', async () => {
    const base = `static void unmap_range(struct mmu_gather *tlb, struct vm_area_struct *vma, pte_t *ptep, unsigned long addr)
{
\thuge_pmd_unshare(tlb, vma, addr, ptep);
\thuge_pmd_unshare_flush(tlb, vma);
}

void unmap_all(struct vm_area_struct *vma, pte_t *ptep, unsigned long addr)
{
\tstruct mmu_gather tlb;

\ttlb_gather_mmu_vma(&tlb, vma);
\tunmap_range(&tlb, vma, ptep, addr);
\ttlb_finish_mmu(&tlb);
}
`;
    const repo = new ScratchRepo();
    try {
      repo.commit({ 'mm/hugetlb.c': base }, 'mm: base');
      repo.commit({ 'mm/hugetlb.c': base.replace('\thuge_pmd_unshare_flush(tlb, vma);\n', '') }, 'mm/hugetlb: leave the flush to the finish');
      const report = await review({ patches: await readPatches(repo.formatPatch(1), 'flush.patch'), tree: new DirectorySource(repo.snapshot(1)), rules: RULES });
      expect(report.findings.map((f) => [f.rule, f.messageId, f.function, f.line, f.related.map((r) => r.line)])).toEqual([['hugetlb-unshare-flush-before-finish', 'finishBeforeFlush', 'unmap_all', 12, [11]]]);
      expect(report.findings[0]!.explanation).toMatch(/ This patch deletes `huge_pmd_unshare_flush\(tlb, vma\);` from `unmap_range\(\)`\.$/);
    } finally {
      repo.remove();
    }
  });

  test("a line only indented anew is not deleted, and a deletion the finding already names is not said again", async () => {
    const base = `void apply_flags(struct mm_struct *mm, struct vm_area_struct *vma, vm_flags_t newflags)
{
\tmmap_write_lock(mm);
\tvma_start_write(vma);
\tvm_flags_reset(vma, newflags);
\tmmap_write_unlock(mm);
}
`;
    const repo = new ScratchRepo();
    try {
      repo.commit({ 'mm/flags.c': base }, 'mm: base');
      repo.commit({ 'mm/flags.c': base.replace('\tvma_start_write(vma);\n\tvm_flags_reset(vma, newflags);\n', '\tif (newflags != vma->vm_flags)\n\t\tvm_flags_reset(vma, newflags);\n') }, 'mm: reset only on a change');
      const report = await review({ patches: await readPatches(repo.formatPatch(1), 'reset.patch'), tree: new DirectorySource(repo.snapshot(1)), rules: [findRule('vm-flags-helper-lock-context')!] });
      // The deletion is the patch's own: the finding says so (rather than resetWithoutVmaLock's "nothing write-locked it").
      expect(report.findings.map((f) => [f.rule, f.messageId, f.line])).toEqual([['vm-flags-helper-lock-context', 'startWriteDeleted', 5]]);
      // Its message says "the patch deletes that call": no second sentence (sweep AJ).
      expect(report.findings[0]!.explanation).toContain('the patch deletes that call');
      expect(report.findings[0]!.explanation).not.toContain('This patch deletes');
      // A leak's message names no deletion: an unlock only indented anew is not named as deleted.
      repo.commit({ 'mm/flags.c': base.replace('\tmmap_write_unlock(mm);\n', '\tif (!newflags)\n\t\treturn;\n\t{\n\t\tmmap_write_unlock(mm);\n\t}\n') }, 'mm: leak');
      const leak = await review({ patches: await readPatches(repo.formatPatch(1), 'leak.patch'), tree: new DirectorySource(repo.snapshot(1)), rules: [findRule('mmap-lock-balance')!] });
      expect(leak.findings.map((f) => [f.rule, f.messageId])).toEqual([['mmap-lock-balance', 'leak']]);
      expect(leak.findings[0]!.explanation).not.toContain('This patch deletes');
    } finally {
      repo.remove();
    }
  });

  test('a write lock deleted from a helper is reported there, not again at its callers', async () => {
    const base = `static int lock_fixup(struct vma_iterator *vmi, struct vm_area_struct *vma, vm_flags_t newflags)
{
\tvma = vma_modify_flags(vmi, vma, vma, vma->vm_start, vma->vm_end, newflags);
\tif (IS_ERR(vma))
\t\treturn PTR_ERR(vma);
\tvma_start_write(vma);
\tvm_flags_reset(vma, newflags);
\treturn 0;
}

int lock_range(struct mm_struct *mm, unsigned long start, unsigned long end, vm_flags_t flags)
{
\tstruct vm_area_struct *vma;
\tVMA_ITERATOR(vmi, mm, start);
\tint error = 0;

\tmmap_write_lock(mm);
\tfor_each_vma_range(vmi, vma, end) {
\t\terror = lock_fixup(&vmi, vma, flags);
\t\tif (error)
\t\t\tbreak;
\t}
\tmmap_write_unlock(mm);
\treturn error;
}
`;
    const repo = new ScratchRepo();
    try {
      repo.commit({ 'mm/mlock.c': base, 'include/linux/mm.h': 'static inline void vma_start_write(struct vm_area_struct *vma)\n{\n}\n' }, 'mm: base');
      repo.commit({ 'mm/mlock.c': base.replace('\tvma_start_write(vma);\n', '') }, 'mm: drop the VMA write lock');
      const report = await review({ patches: await readPatches(repo.formatPatch(1), 'fixup.patch'), tree: new DirectorySource(repo.snapshot(1)), rules: RULES });
      expect(report.findings.map((f) => [f.rule, f.messageId, f.function, f.line])).toEqual([['vm-flags-helper-lock-context', 'startWriteDeleted', 'lock_fixup', 6]]);
      expect(report.findings[0]!.explanation).toContain(' `lock_range()`, which calls `lock_fixup()`, is affected the same way.');
      expect(report.findings[0]!.alsoFoundBy).toEqual(['vma-modify-without-write-lock/calleeRequiresVmaLock']);
    } finally {
      repo.remove();
    }
  });

  test('a lock turned into its killable form is not deleted', async () => {
    const base = SET_POLICY;
    const repo = new ScratchRepo();
    try {
      repo.commit({ 'mm/policy.c': base }, 'mm: base');
      const after = base.replace('\tmmap_write_lock(mm);\n', '\tif (mmap_write_lock_killable(mm))\n\t\treturn -EINTR;\n').replace('\tif (!vma) {\n\t\tmmap_write_unlock(mm);\n\t\treturn -EFAULT;\n\t}', '\tif (!vma)\n\t\treturn -EFAULT;');
      repo.commit({ 'mm/policy.c': after }, 'mm: killable');
      const report = await review({ patches: await readPatches(repo.formatPatch(1), 'killable.patch'), tree: new DirectorySource(repo.snapshot(1)), rules: RULES });
      expect(report.findings.map((f) => [f.rule, f.messageId])).toEqual([['mmap-lock-balance', 'leak']]);
      expect(report.findings[0]!.explanation).toMatch(/ This patch deletes `mmap_write_unlock\(mm\);` from `set_policy\(\)`\.$/);
    } finally {
      repo.remove();
    }
  });

  test('a hunk that spans two functions gives each only the lines deleted inside it', async () => {
    const base = `static void drop_refs(struct mm_struct *mm, struct page **pages, int nr)
{
\tmmap_read_lock(mm);
\trelease_pages(pages, nr);
\tmmap_read_unlock(mm);
}

int set_policy(struct mm_struct *mm, unsigned long start)
{
\tint err;

\tmmap_write_lock(mm);
\terr = apply_policy(mm, start);
\tif (err)
\t\tgoto out;
\terr = commit_policy(mm);
out:
\tmmap_write_unlock(mm);
\treturn err;
}
`;
    const repo = new ScratchRepo();
    try {
      repo.commit({ 'mm/policy.c': base }, 'mm: base');
      // One hunk: the lock calls deleted from drop_refs(), the jump to the unlock from set_policy().
      const after = base.replace('\tmmap_read_lock(mm);\n\trelease_pages(pages, nr);\n\tmmap_read_unlock(mm);\n', '\trelease_pages(pages, nr);\n').replace('\t\tgoto out;', '\t\treturn err;');
      repo.commit({ 'mm/policy.c': after }, 'mm: return early');
      const report = await review({ patches: await readPatches(repo.formatPatch(1), 'span.patch'), tree: new DirectorySource(repo.snapshot(1)), rules: RULES });
      expect(report.findings.map((f) => [f.rule, f.messageId, f.function])).toEqual([['mmap-lock-balance', 'leak', 'set_policy']]);
      expect(report.findings[0]!.explanation).not.toContain('This patch deletes');
    } finally {
      repo.remove();
    }
  });
});

describe('series', () => {
  test('each finding names the patch of the series that introduced it', async () => {
    const repo = new ScratchRepo();
    try {
      const base = readFileSync(join(seedDir, 'tree/mm/memory.c'), 'utf8');
      repo.commit({ 'mm/memory.c': base }, 'mm: base');
      repo.commit({ 'mm/memory.c': base.replace('static void zap_one_vma', 'static noinline void zap_one_vma') }, 'mm: keep zap_one_vma out of line');
      const seeded = (await readPatches(readFileSync(join(seedDir, 'seed.patch')), 'seed.patch'))[0]!;
      repo.git('apply', join(seedDir, 'seed.patch'));
      repo.git('commit', '-qam', seeded.subject!);
      const patches = await readPatches(repo.formatPatch(2), 'series.mbox');
      const report = await review({ patches, tree: new DirectorySource(repo.snapshot(2)), rules: RULES });
      expect(report.findings.map((f) => [f.rule, f.line, f.patch])).toEqual([
        ['tlb-vma-bracket-vma-reassigned', 31, { index: 2, subject: seeded.subject, total: 2 }],
        ['tlb-vma-bracket-misuse', 31, { index: 2, subject: seeded.subject, total: 2 }],
      ]);
    } finally {
      repo.remove();
    }
  });
});

describe('one file never costs the rest', () => {
  test('a rule that throws on one file: that file gets a note, the other file is still reviewed', async () => {
    const leak = ['void zap_leak(struct mm_struct *mm)', '{', '\tstruct mmu_gather tlb;', '', '\ttlb_gather_mmu(&tlb, mm);', '\tfree_range(&tlb);', '}', ''];
    const added = `diff --git a/mm/leak.c b/mm/leak.c\nnew file mode 100644\n--- /dev/null\n+++ b/mm/leak.c\n@@ -0,0 +1,${leak.length - 1} @@\n${leak.slice(0, -1).map((l) => `+${l}`).join('\n')}\n`;
    const seedDiff = readFileSync(join(seedDir, 'seed.patch'), 'utf8');
    const diff = `${seedDiff.slice(seedDiff.indexOf('diff --git'), seedDiff.indexOf('\n-- \n') + 1)}${added}`;
    const patches = await readPatches(diff, 'two.diff');
    const throwing: Rule = {
      id: 'throws-on-free-pgtables',
      meta: { summary: 'test', severity: 'error', confidence: 'high', resources: [], calls: ['tlb_start_vma'] },
      messages: {},
      check(fn) {
        if (fn.name === 'free_pgtables') throw new Error('boom');
      },
    };
    const tree = new MemorySource({ 'mm/memory.c': readFileSync(join(seedDir, 'tree/mm/memory.c'), 'utf8') });
    const report = await review({ patches, tree, rules: [...RULES, throwing] });
    expect(report.findings.map((f) => [f.path, f.rule, f.line])).toEqual([['mm/leak.c', 'tlb-gather-finish-balance', 5]]);
    expect(report.notes.map((n) => [n.path, n.kind])).toEqual([['mm/memory.c', 'analysis-failed']]);
    expect(report.notes[0]!.message).toContain('(boom); that file was not checked');
  });

  test('an aborted signal stops the review before its next file, even when the timer that aborts it falls due during an analysis', async () => {
    const leak = ['void zap_leak(struct mm_struct *mm)', '{', '\tstruct mmu_gather tlb;', '', '\ttlb_gather_mmu(&tlb, mm);', '\tfree_range(&tlb);', '}', ''];
    const added = `diff --git a/mm/leak.c b/mm/leak.c\nnew file mode 100644\n--- /dev/null\n+++ b/mm/leak.c\n@@ -0,0 +1,${leak.length - 1} @@\n${leak.slice(0, -1).map((l) => `+${l}`).join('\n')}\n`;
    const seedDiff = readFileSync(join(seedDir, 'seed.patch'), 'utf8');
    const patches = await readPatches(`${seedDiff.slice(seedDiff.indexOf('diff --git'), seedDiff.indexOf('\n-- \n') + 1)}${added}`, 'two.diff');
    const controller = new AbortController();
    const seen: string[] = [];
    const slow: Rule = {
      id: 'slow-on-free-pgtables',
      meta: { summary: 'test', severity: 'error', confidence: 'high', resources: [], calls: ['tlb_start_vma', 'tlb_gather_mmu'] },
      messages: {},
      check(fn) {
        seen.push(fn.name);
        if (fn.name !== 'free_pgtables') return;
        // The deadline falls due while the thread is busy with this file.
        setTimeout(() => controller.abort(new Error('past the deadline')), 1);
        const until = Date.now() + 30;
        while (Date.now() < until);
      },
    };
    const tree = new MemorySource({ 'mm/memory.c': readFileSync(join(seedDir, 'tree/mm/memory.c'), 'utf8') });
    const files: string[] = [];
    await expect(review({ patches, tree, rules: [...RULES, slow], signal: controller.signal, progress: (_, __, path) => files.push(path) })).rejects.toThrow('past the deadline');
    expect(files).toEqual(['mm/memory.c']);
    expect(seen).toEqual(['free_pgtables']);
  });

  test('a signal aborted before the review starts reads nothing', async () => {
    const patches = await readPatches(readFileSync(join(seedDir, 'seed.patch')), 'seed.patch');
    const read: string[] = [];
    const tree = { read: async (path: string) => (read.push(path), null) };
    await expect(review({ patches, tree, rules: RULES, signal: AbortSignal.abort(new Error('given up')) })).rejects.toThrow('given up');
    expect(read).toEqual([]);
  });
});
