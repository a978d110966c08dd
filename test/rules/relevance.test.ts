/**
 * Which functions a rule is run on, before anything is parsed: those that mention one of its
 * trigger words, and their callers in the file, unless the rule has a finer token test.
 */
import { AnalyzedFile } from '../../src/analysis/file.js';
import { CParser } from '../../src/analysis/parser.js';
import { findRule } from '../../src/rules/index.js';
import { rulesFor } from '../../src/rules/run.js';

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
`;

describe('rulesFor', () => {
  let file: AnalyzedFile;
  beforeAll(async () => {
    file = new AnalyzedFile('mm/x.c', text, await CParser.create());
  });
  const runsOn = (id: string): string[] => file.functions.filter((f) => rulesFor(file, f, [findRule(id)!]).length > 0).map((f) => f.name);

  it('runs a rule with a token test only where the field is written, not on its readers or callers', () => {
    expect(runsOn('vm-flags-direct-write')).toEqual(['mark_locked', 'bump']);
  });

  it('runs a rule without one on the functions that mention a trigger and on their callers in the file', () => {
    expect(runsOn('mmap-lock-balance')).toEqual(['take_lock', 'caller_of_locker']);
  });
});
