/**
 * The recall bench's edits and anchors (scripts/bench/recall.mjs): a mutation edits one
 * function, and its expectations may name lines of a caller the edit breaks.
 */
// @ts-expect-error: a plain ES module of the bench, without types
import { mutate, resolveExpectations } from '../../scripts/bench/recall.mjs';

const file = `int grow(struct vm_area_struct *vma, unsigned long addr)
{
\t/* Lock the VMA first */
\tvma_start_write(vma);
\tvma->vm_start = addr;
\treturn 0;
}

struct vm_area_struct *caller(struct mm_struct *mm, unsigned long addr)
{
\tstruct vm_area_struct *vma = find_vma(mm, addr);

\tif (vma && !grow(vma, addr))
\t\treturn vma;
\treturn NULL;
}
`;

const m = {
  id: 'x',
  rule: 'vma-modify-without-write-lock',
  file: 'mm/x.c',
  function: 'grow',
  edits: [{ delete: '/* Lock the VMA first */', lines: 2 }],
  expect: [
    { in: 'caller', line: 'if (vma && !grow(vma, addr))', related: ['find_vma(mm, addr)'] },
    { rule: 'other', line: 'vma->vm_start = addr;' },
  ],
};

test("an expectation with `in` is resolved in that function, the others in the mutated one", () => {
  const mutated = mutate(file, m, m.edits);
  expect(mutated.lines.slice(2, 4)).toEqual(['\tvma->vm_start = addr;', '\treturn 0;']);
  expect(resolveExpectations(m, mutated.lines, mutated.fn)).toEqual([
    { rule: 'vma-modify-without-write-lock', line: [11], endLine: null, related: [[9]] },
    { rule: 'other', line: [3], endLine: null, related: [] },
  ]);
});

test('an anchor of the caller that is not there is named with the caller', () => {
  const mutated = mutate(file, m, m.edits);
  expect(() => resolveExpectations({ ...m, expect: [{ in: 'caller', line: 'vma_start_write(vma);' }] }, mutated.lines, mutated.fn)).toThrow('anchor "vma_start_write(vma);" occurs 0 times in caller()');
});

test('a helper the mutation adds goes just above the function, which is still found after it', () => {
  const added = { ...m, edits: [{ insertAboveFunction: ['static inline void lock_it(struct vm_area_struct *vma)', '{', '\tvma_start_write(vma);', '}', ''] }, { replace: 'vma_start_write(vma);', with: ['lock_it(vma);'] }] };
  const mutated = mutate(file, added, added.edits);
  expect(mutated.lines.slice(0, 9)).toEqual(['static inline void lock_it(struct vm_area_struct *vma)', '{', '\tvma_start_write(vma);', '}', '', 'int grow(struct vm_area_struct *vma, unsigned long addr)', '{', '\t/* Lock the VMA first */', '\tlock_it(vma);']);
  expect([mutated.fn.start, mutated.fn.open, mutated.fn.end]).toEqual([5, 6, 11]);
});
