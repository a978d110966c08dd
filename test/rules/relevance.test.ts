/**
 * Which functions a rule is run on, before anything is parsed: those that mention one of its
 * trigger words, and the callers in the file of those that move a resource of the rule for
 * their caller, unless the rule has a finer token test.
 */
import { BracketSummaries } from '../../src/analysis/brackets.js';
import { AnalyzedFile } from '../../src/analysis/file.js';
import { CParser } from '../../src/analysis/parser.js';
import { Program, sameFile } from '../../src/analysis/program.js';
import { findRule, RULES } from '../../src/rules/index.js';
import { bodyMentions, mayLock } from '../../src/rules/mmap-lock.js';
import { MMU_GATHER } from '../../src/rules/resources.js';
import { allTriggers, rulesFor, rulesForFile } from '../../src/rules/run.js';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TriggerFilter } from '../../src/pipeline/prefilter.js';
import type { Rule } from '../../src/rules/define-rule.js';

const text = `static bool is_locked_vma(struct vm_area_struct *vma)
{
	return vma->vm_flags & VM_LOCKED;
}

static void mark_locked(struct vm_area_struct *vma)
{
	vma->vm_flags |= VM_LOCKED;
}

static void bump(struct vm_area_struct *vma)
{
	vma->vm_flags++;
}

void caller_of_writer(struct vm_area_struct *vma)
{
	if (!is_locked_vma(vma))
		mark_locked(vma);
}

static void take_lock(struct mm_struct *mm)
{
	mmap_read_lock(mm);
}

void caller_of_locker(struct mm_struct *mm)
{
	take_lock(mm);
	mmap_read_unlock(mm);
}

static int count_vmas(struct mm_struct *mm)
{
	int n = 0;

	mmap_read_lock(mm);
	n = mm->map_count;
	mmap_read_unlock(mm);
	return n;
}

void report_vmas(struct mm_struct *mm)
{
	pr_info("%d\n", count_vmas(mm));
}

static void lock_for_caller(struct mm_struct *mm)
{
	take_lock(mm);
}

void outer_caller(struct mm_struct *mm)
{
	lock_for_caller(mm);
	mmap_read_unlock(mm);
}
`;

describe('rulesFor', () => {
  let parser: CParser;
  let file: AnalyzedFile;
  let summaries: BracketSummaries;
  beforeAll(async () => {
    parser = await CParser.create();
    file = new AnalyzedFile('mm/x.c', text, parser);
    summaries = new BracketSummaries();
  });
  const runsOn = (id: string): string[] => file.functions.filter((f) => rulesFor(file, f, [findRule(id)!], summaries).length > 0).map((f) => f.name);

  it('runs a rule with a token test only where the field is written, not on its readers or callers', () => {
    expect(runsOn('vm-flags-direct-write')).toEqual(['mark_locked', 'bump']);
  });

  it('runs a rule without one on the functions that mention a trigger and on the callers of those that hand a lock on', () => {
    // take_lock() returns with the lock held, and so does lock_for_caller() through it: their
    // callers are judged with that in mind, two levels up. count_vmas() locks and unlocks:
    // report_vmas() sees nothing of it and is not parsed for the rule.
    expect(runsOn('mmap-lock-balance')).toEqual(['take_lock', 'caller_of_locker', 'count_vmas', 'lock_for_caller', 'outer_caller']);
  });
});

describe('vma-iterator-stale relevance', () => {
  it('leaves out, unparsed, a function whose only iterators are maple states on a bare `struct maple_tree *` parameter', async () => {
    const src = [
      'void check_walk(struct maple_tree *mt)',
      '{',
      '\tMA_STATE(mas, mt, 0, 0);',
      '\tvoid *entry;',
      '',
      '\tmas_for_each(&mas, entry, ULONG_MAX)',
      '\t\tmas_store_gfp(&mas, NULL, GFP_KERNEL);',
      '}',
      '',
      'void walk_mm(struct mm_struct *mm, struct maple_tree *mt)',
      '{',
      '\tMA_STATE(mas, &mm->mm_mt, 0, 0);',
      '\tMA_STATE(tests, mt, 0, 0);',
      '\tvoid *entry;',
      '',
      '\tmas_for_each(&mas, entry, ULONG_MAX)',
      '\t\tmas_store_gfp(&tests, NULL, GFP_KERNEL);',
      '}',
      '',
      'void walk_param(struct maple_tree *mt, struct ma_state *outer)',
      '{',
      '\tMA_STATE(mas, mt, 0, 0);',
      '',
      '\tmas_find(outer, ULONG_MAX);',
      '\tmas_find(&mas, ULONG_MAX);',
      '}',
      '',
      'void walk_local(void)',
      '{',
      '\tstruct maple_tree *mt = get_tree();',
      '\tMA_STATE(mas, mt, 0, 0);',
      '',
      '\tmas_find(&mas, ULONG_MAX);',
      '}',
      '',
    ].join('\n');
    const file = new AnalyzedFile('lib/x.c', src, await CParser.create());
    const summaries = new BracketSummaries();
    const rule = findRule('vma-iterator-stale')!;
    // walk_mm() walks the mm's tree; walk_param() is handed a maple state it cannot see the
    // tree of; walk_local()'s tree is no parameter: each may be a VMA walk.
    expect(file.functions.filter((f) => rulesFor(file, f, [rule], summaries).length > 0).map((f) => f.name)).toEqual(['walk_mm', 'walk_param', 'walk_local']);
    expect(file.isAnalyzed(file.functions[0]!)).toBe(false);
  });
});

describe('triggeredVia', () => {
  it('picks a function whose trigger call a same-file helper makes for it, and not one whose helpers make none', async () => {
    const src = [
      'static void flush_range(struct vm_area_struct *vma, unsigned long start, unsigned long end)',
      '{',
      '\tflush_tlb_range(vma, start, end);',
      '}',
      '',
      'static void count(struct mm_struct *mm)',
      '{',
      '\tmm->nr++;',
      '}',
      '',
      'void move_one(struct vm_area_struct *vma, pmd_t *pmd, unsigned long addr)',
      '{',
      '\tspinlock_t *ptl;',
      '\tpte_t *pte = pte_offset_map_lock(vma->vm_mm, pmd, addr, &ptl);',
      '',
      '\tptep_get_and_clear(vma->vm_mm, addr, pte);',
      '\tpte_unmap_unlock(pte, ptl);',
      '\tflush_range(vma, addr, addr + PAGE_SIZE);',
      '}',
      '',
      'void clear_one(struct vm_area_struct *vma, pmd_t *pmd, unsigned long addr)',
      '{',
      '\tspinlock_t *ptl;',
      '\tpte_t *pte = pte_offset_map_lock(vma->vm_mm, pmd, addr, &ptl);',
      '',
      '\tptep_get_and_clear(vma->vm_mm, addr, pte);',
      '\tpte_unmap_unlock(pte, ptl);',
      '\tcount(vma->vm_mm);',
      '}',
      '',
    ].join('\n');
    const file = new AnalyzedFile('mm/x.c', src, await CParser.create());
    const rule = findRule('tlb-flush-before-ptl-unlock')!;
    // The unlock is no trigger word (it is in thousands of files): move_one() is picked through
    // its helper's flush; clear_one() flushes nothing, itself or through a helper; flush_range()
    // names the flush but clears nothing and drops no lock.
    expect(file.functions.filter((f) => rulesFor(file, f, [rule], new BracketSummaries()).length > 0).map((f) => f.name)).toEqual(['move_one']);
  });
});

describe('mayLock', () => {
  const text = `static int pure(int x)
{
	return x * 2;
}

static void helper_locks(struct mm_struct *mm)
{
	mmap_write_lock(mm);
}

static void calls_helper(struct mm_struct *mm)
{
	helper_locks(mm);
}

static void two_levels(struct mm_struct *mm)
{
	calls_helper(mm);
}

static int only_pure(struct mm_struct *mm)
{
	return pure(mm->map_count);
}

static void annotated(struct mm_struct *mm) __releases(&mm->mmap_lock)
{
	up_read(&mm->mmap_lock);
}
`;

  it('says yes for a function that locks, or reaches a helper that does at any depth or is annotated, and no otherwise', async () => {
    const file = new AnalyzedFile('mm/y.c', text, await CParser.create());
    const summaries = new BracketSummaries();
    const answer = (name: string): boolean => mayLock(file, file.functions.find((f) => f.name === name)!, summaries);
    expect(['helper_locks', 'calls_helper', 'two_levels', 'annotated', 'only_pure', 'pure'].map((n) => [n, answer(n)])).toEqual([
      ['helper_locks', true],
      ['calls_helper', true],
      ['two_levels', true],
      ['annotated', true],
      ['only_pure', false],
      ['pure', false],
    ]);
  });
});

describe('writesField', () => {
  const text = `static void writes(struct vm_area_struct *vma, struct foo *f)
{
	vma->vm_start = 0;
}

static void writes_member(struct vm_area_struct *vma)
{
	vma->vm_userfaultfd_ctx.ctx = NULL;
}

static void post_update(struct vm_area_struct *vma)
{
	vma->vm_pgoff++;
}

static void pre_update(struct vm_area_struct *vma)
{
	--vma->vm_pgoff;
}

static void compound(struct vm_area_struct *vma)
{
	vma->vm_flags |= VM_LOCKED;
}

static void parenthesised(struct vm_area_struct *vma)
{
	(vma->vm_end) = 4096;
}

static int reads(struct vm_area_struct *vma, unsigned long addr)
{
	unsigned long vm_start = vma->vm_start;

	if (vma->vm_end == addr || vma->vm_pgoff < 2)
		return 1;
	vm_start = 0;
	return addr >= vma->vm_start;
}

static void passes(struct vm_area_struct *vma)
{
	vm_flags_init(vma, vma->vm_flags);
}
`;

  it('finds assignments and updates of a field through a pointer or member, and not reads or locals of the same name', async () => {
    const file = new AnalyzedFile('mm/w.c', text, await CParser.create());
    const fields = new Set(['vm_start', 'vm_end', 'vm_pgoff', 'vm_flags', 'vm_userfaultfd_ctx']);
    expect(file.functions.map((f) => [f.name, file.writesField(f, fields)])).toEqual([
      ['writes', true],
      ['writes_member', true],
      ['post_update', true],
      ['pre_update', true],
      ['compound', true],
      ['parenthesised', true],
      ['reads', false],
      ['passes', false],
    ]);
  });
});

describe('BracketSummaries.mayName', () => {
  const text = `static unsigned long vma_size(struct vm_area_struct *vma)
{
	return vma->vm_end - vma->vm_start;
}

static void shrink(struct vm_area_struct *vma)
{
	vma->vm_end -= PAGE_SIZE;
}

static void shrink_twice(struct vm_area_struct *vma)
{
	shrink(vma);
	shrink(vma);
}

static void finish(struct mmu_gather *tlb)
{
	tlb_finish_mmu(tlb);
}

static void log_gather(struct mmu_gather *tlb)
{
	pr_debug("%p\\n", tlb);
}
`;

  it('counts a field only where it is written, itself or through a helper', async () => {
    const file = new AnalyzedFile('mm/n.c', text, await CParser.create());
    const summaries = new BracketSummaries();
    const query = { words: ['vma_start_write'], written: new Set(['vm_start', 'vm_end']), via: ['vma_start_write'] };
    const answer = (name: string): boolean => summaries.mayName(file, file.functions.find((f) => f.name === name)!, query);
    expect(['vma_size', 'shrink', 'shrink_twice'].map((n) => [n, answer(n)])).toEqual([
      ['vma_size', false],
      ['shrink', true],
      ['shrink_twice', true],
    ]);
  });

  it('lets a summary skip a helper that names none of the pair: its body is never parsed', async () => {
    const file = new AnalyzedFile('mm/n.c', text, await CParser.create());
    const summaries = new BracketSummaries();
    const parsed = (name: string): boolean => file.isAnalyzed(file.functions.find((f) => f.name === name)!);
    expect(summaries.effect(MMU_GATHER, 'log_gather', 0, file)).toBe('none');
    expect(parsed('log_gather')).toBe(false);
    expect(summaries.effect(MMU_GATHER, 'finish', 0, file)).toBe('closes');
    expect(parsed('finish')).toBe(true);
  });
});

describe('mayName remembers what its walks read', () => {
  // h_1() calls h_2(), ..., h_69() calls h_70(); only the last names a word when `last` says so.
  const chain = (last: string): string =>
    Array.from({ length: 70 }, (_, i) => {
      const n = 70 - i;
      return `static void h_${n}(struct mmu_gather *tlb)\n{\n\t${n === 70 ? last : `h_${n + 1}(tlb);`}\n}\n`;
    }).join('\n');
  const query = { words: ['tlb_finish_mmu'], via: ['tlb_finish_mmu'] };

  it('answers yes when a walk reads more definitions than it may', async () => {
    const file = new AnalyzedFile('mm/chain.c', chain('tlb->fullmm = 0;'), await CParser.create());
    const summaries = new BracketSummaries();
    expect(summaries.mayName(file, file.functions.find((f) => f.name === 'h_1')!, query)).toBe(true);
  });

  it('does not read again, or count, the definitions an earlier walk found naming nothing', async () => {
    const file = new AnalyzedFile('mm/chain.c', chain('tlb->fullmm = 0;'), await CParser.create());
    const summaries = new BracketSummaries();
    const ask = (n: number): boolean => summaries.mayName(file, file.functions.find((f) => f.name === `h_${n}`)!, query);
    // h_40 reads the 30 helpers below it; then h_1 reads only the 39 between, under the bound.
    expect([ask(40), ask(1)]).toEqual([false, false]);
  });

  it('remembers a yes for the whole chain that led to the naming helper', async () => {
    const file = new AnalyzedFile('mm/chain.c', chain('tlb_finish_mmu(tlb);'), await CParser.create());
    const looked: string[] = [];
    const summaries = new BracketSummaries({
      definitions: (name, from, mentioning) => {
        looked.push(name);
        return sameFile.definitions(name, from, mentioning);
      },
    });
    const ask = (n: number): boolean => summaries.mayName(file, file.functions.find((f) => f.name === `h_${n}`)!, query);
    expect(ask(20)).toBe(true);
    // Every helper from h_20 down to h_70 is now a known yes: asking again looks nothing up,
    // and h_1 stops at h_20 instead of running into the bound.
    looked.length = 0;
    expect([ask(45), ask(69)]).toEqual([true, true]);
    expect(looked).toEqual([]);
    expect(ask(1)).toBe(true);
    expect(looked.filter((n) => n.startsWith('h_'))).toEqual(Array.from({ length: 19 }, (_, i) => `h_${i + 2}`));
  });
});

describe('rulesForFile', () => {
  const byId = (ids: string[]): Rule[] => ids.map((id) => findRule(id)!);
  const concerned = (text: string, ids: string[]): string[] => {
    const rules = byId(ids);
    return rulesForFile(rules, new TriggerFilter(allTriggers(rules)).collect(Buffer.from(text)), text).map((r) => r.id);
  };

  it('drops a rule whose trigger the file mentions only where its fileNeeds says no', () => {
    const ids = ['vm-flags-direct-write', 'tlb-flush-before-ptl-unlock'];
    expect(concerned('int f(struct vm_area_struct *vma)\n{\n\treturn vma->vm_flags & VM_WRITE;\n}\n', ids)).toEqual([]);
    expect(concerned('void f(struct vm_area_struct *vma)\n{\n\tvma->vm_flags /* io */\n\t\t|= VM_IO;\n}\n', ids)).toEqual(['vm-flags-direct-write']);
    expect(concerned('void f(struct vm_area_struct *vma)\n{\n\tflush_tlb_page(vma, addr);\n}\n', ids)).toEqual([]);
    // Hostile text: a comment next to `vm_flags` counts as a write (no pattern scans a comment's
    // body), and 100,000 continuations are crossed in one pass (a backtracking pattern would
    // outlast the test's timeout here).
    expect(concerned(`int x = vma->vm_flags${' /* '.repeat(250_000)} == 0;\n`, ids)).toEqual(['vm-flags-direct-write']);
    expect(concerned('x = vma->vm_flags' + ' \\\n'.repeat(100_000) + ' & 1;', ids)).toEqual([]);
    const ptl = 'void f(void)\n{\n\tpte = ptep_get_and_clear(mm, addr, ptep);\n\tpte_unmap_unlock(ptep, ptl);\n\tflush_tlb_page(vma, addr);\n}\n';
    expect(concerned(ptl, ids)).toEqual(['tlb-flush-before-ptl-unlock']);
  });

  it('keeps every rule whose trigger the file mentions and that has no fileNeeds', () => {
    expect(concerned('void f(struct mm_struct *mm)\n{\n\tmmap_read_lock(mm);\n}\n', ['mmap-lock-balance', 'tlb-gather-finish-balance'])).toEqual(['mmap-lock-balance']);
  });

  it('is a necessary condition of needs on every fixture: no function a rule needs is in a file it drops', async () => {
    const parser = await CParser.create();
    const summaries = new BracketSummaries();
    const root = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'rules');
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.c') || f.endsWith('.h'));
    let needed = 0;
    for (const rule of RULES.filter((r) => r.meta.fileNeeds && r.meta.needs)) {
      for (const f of files) {
        const text = readFileSync(join(root, f), 'utf8');
        const file = new AnalyzedFile(f, text, parser);
        const needs = file.functions.filter((span) => rule.meta.needs!(file, span, summaries)).map((span) => span.name);
        needed += needs.length;
        if (needs.length > 0) expect([rule.id, f, rule.meta.fileNeeds!(text)]).toEqual([rule.id, f, true]);
      }
    }
    // The fixtures do exercise it: functions that write vm_flags, clear and flush under the lock.
    expect(needed).toBeGreaterThan(10);
  });
});

describe('mayName across files', () => {
  it('follows a name to each file that defines it: a static helper of one file does not hide the same-named one of another', async () => {
    const program = new Program(await CParser.create());
    // mm/a.c's own helper() touches no lock; mm/b.c's g() calls its own helper(), which unlocks.
    const a = `static void helper(struct mm_struct *mm)
{
	mm->map_count++;
}

void f(struct mm_struct *mm)
{
	helper(mm);
	g(mm);
}
`;
    const b = `static void helper(struct mm_struct *mm)
{
	mmap_read_unlock(mm);
}

void g(struct mm_struct *mm)
{
	helper(mm);
}
`;
    program.add('mm/a.c', a);
    program.add('mm/b.c', b);
    const file = program.open('mm/a.c', a);
    const summaries = new BracketSummaries(program);
    expect(mayLock(file, file.functions.find((s) => s.name === 'f')!, summaries)).toBe(true);
  });
});

describe('bodyMentions across files', () => {
  it('reads the same-named static helpers of two files that both define the callee', async () => {
    const program = new Program(await CParser.create());
    const a = 'void f(struct mm_struct *mm)\n{\n\tg(mm);\n}\n';
    // g() is defined in two files (two configurations); only mm/c.c's helper() unlocks.
    const g = (body: string): string => `static void helper(struct mm_struct *mm)\n{\n\t${body}\n}\n\nvoid g(struct mm_struct *mm)\n{\n\thelper(mm);\n}\n\n/* Not mmap_read_unlock() itself. */\n`;
    program.add('mm/a.c', a);
    program.add('mm/b.c', g('mm->map_count++;'));
    program.add('mm/c.c', g('mmap_read_unlock(mm);'));
    const file = program.open('mm/a.c', a);
    const summaries = new BracketSummaries(program);
    const fn = file.analyze(file.functions[0]!)!;
    expect(bodyMentions(fn, 'g', summaries, ['mmap_read_unlock'])).toBe(true);
  });
});

describe('rules that judge only where something can be reported', () => {
  // A driver's mmap handler runs under its caller's write lock: vm-flags-helper-lock-context has
  // nothing to judge there, nor api-version-gate where the tree defines the helpers.
  const driver = `static int foo_mmap(struct file *file, struct vm_area_struct *vma)
{
	vm_flags_set(vma, VM_IO | VM_DONTEXPAND);
	return remap_pfn_range(vma, vma->vm_start, 0, PAGE_SIZE, vma->vm_page_prot);
}

static void foo_lock(struct mm_struct *mm)
{
	mmap_write_lock(mm);
}

static void foo_mark(struct mm_struct *mm, struct vm_area_struct *vma)
{
	foo_lock(mm);
	vm_flags_set(vma, VM_LOCKED);
	mmap_write_unlock(mm);
}

static void foo_mark_read(struct mm_struct *mm, struct vm_area_struct *vma)
{
	if (!mmap_read_trylock(mm))
		return;
	vm_flags_clear(vma, VM_LOCKED);
	mmap_read_unlock(mm);
}

static void foo_relock(struct vm_area_struct *vma, struct pt_regs *regs, unsigned long addr)
{
	vma = lock_mm_and_find_vma(vma->vm_mm, addr, regs);
	if (vma)
		vm_flags_set(vma, VM_LOCKED);
}

static void foo_reset(struct vm_area_struct *vma, vm_flags_t flags)
{
	vm_flags_reset(vma, flags);
}

static void foo_init(struct vm_area_struct *vma)
{
	vm_flags_init(vma, VM_READ);
}

static void foo_symbol(struct vm_fault *vmf)
{
	if (vmf->flags & FAULT_FLAG_VMA_LOCK)
		vma_end_read(vmf->vma);
}
`;
  const header = `static inline void vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma_start_write(vma);
	ACCESS_PRIVATE(vma, __vm_flags) |= flags;
}

static inline void vma_end_read(struct vm_area_struct *vma)
{
	rcu_read_lock();
}

static inline void mmap_read_lock(struct mm_struct *mm)
{
	down_read(&mm->mmap_lock);
}
`;
  const runsOn = (file: AnalyzedFile, summaries: BracketSummaries, id: string): string[] =>
    file.functions.filter((f) => rulesFor(file, f, [findRule(id)!], summaries).length > 0).map((f) => f.name);

  it('runs vm-flags-helper-lock-context on a setter only where the function manages the mmap lock, and on every reset or unlocked setter', async () => {
    const file = new AnalyzedFile('drivers/foo/foo.c', driver, await CParser.create());
    expect(runsOn(file, new BracketSummaries(), 'vm-flags-helper-lock-context')).toEqual(['foo_mark', 'foo_mark_read', 'foo_relock', 'foo_reset', 'foo_init']);
  });

  it('runs api-version-gate on a call of an API only where nothing in sight defines it, and on every symbol', async () => {
    const parser = await CParser.create();
    const alone = new AnalyzedFile('drivers/foo/foo.c', driver, parser);
    expect(runsOn(alone, new BracketSummaries(), 'api-version-gate')).toEqual(['foo_mmap', 'foo_mark', 'foo_mark_read', 'foo_relock', 'foo_reset', 'foo_init', 'foo_symbol']);
    const program = new Program(parser);
    program.add('include/linux/mm.h', header);
    program.add('drivers/foo/foo.c', driver);
    const file = program.open('drivers/foo/foo.c', driver);
    // vm_flags_set() and vma_end_read() are defined in the header; the others are not.
    expect(runsOn(file, new BracketSummaries(program), 'api-version-gate')).toEqual(['foo_mark_read', 'foo_reset', 'foo_init', 'foo_symbol']);
  });
});
