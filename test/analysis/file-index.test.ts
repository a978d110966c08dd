/** The per-file indexes rules query instead of walking every function of the file. */
import { AnalyzedFile } from '../../src/analysis/file.js';
import { getParser } from '../helpers/analyze.js';

const source = [
  'static int helper(struct mm_struct *mm)',
  '{',
  '\treturn 0;',
  '}',
  '',
  'int first(struct mm_struct *mm)',
  '{',
  '\treturn helper(mm);',
  '}',
  '',
  'int second(struct mm_struct *mm)',
  '{',
  '\treturn first(mm) + helper(mm);',
  '}',
  '',
].join('\n');

test('functionsMentioning: the functions whose tokens name an identifier, in file order', async () => {
  const file = new AnalyzedFile('x.c', source, await getParser());
  const names = (id: string): string[] => file.functionsMentioning(id).map((s) => s.name);
  expect(names('helper')).toEqual(['helper', 'first', 'second']);
  expect(names('first')).toEqual(['first', 'second']);
  expect(names('second')).toEqual(['second']);
  expect(names('nowhere')).toEqual([]);
  // The reverse of identifiersOf(), for every function and identifier.
  for (const span of file.functions) for (const id of file.identifiersOf(span)) expect(file.functionsMentioning(id)).toContain(span);
});

test('calleesOf: what a function calls or takes the address of, not a variable that shares a function\'s name', async () => {
  const src = [
    'SYSCALL_DEFINE2(mlock, unsigned long, start, size_t, len)',
    '{',
    '\treturn do_mlock(start, len, VM_LOCKED);',
    '}',
    '',
    'static void mlock_folio_batch(struct folio_batch *fbatch)',
    '{',
    '\tunsigned long mlock;',
    '',
    '\tmlock = (unsigned long)fbatch & LRU_FOLIO;',
    '\tif (mlock & LRU_FOLIO)',
    '\t\tfolio_put(fbatch);',
    '\tregister_cb(&mlock_cb, mlock);',
    '}',
    '',
  ].join('\n');
  const file = new AnalyzedFile('mm/mlock.c', src, await getParser());
  const batch = file.functions.find((s) => s.name === 'mlock_folio_batch')!;
  expect(file.identifiersOf(batch).has('mlock')).toBe(true);
  const callees = file.calleesOf(batch);
  expect(['folio_put', 'register_cb', 'mlock_cb', 'mlock'].map((id) => [id, callees.has(id)])).toEqual([
    ['folio_put', true],
    ['register_cb', true],
    ['mlock_cb', true],
    ['mlock', false],
  ]);
});

test('calleesOf: a call through a function-pointer field names no function (sweep T)', async () => {
  const src = [
    'SYSCALL_DEFINE3(mprotect, unsigned long, start, size_t, len, unsigned long, prot)',
    '{',
    '\treturn do_mprotect_pkey(start, len, prot, -1);',
    '}',
    '',
    'static int apply_range(struct vm_area_struct *vma, struct ops *ops, unsigned long start)',
    '{',
    '\tif (vma->vm_ops && vma->vm_ops->mprotect)',
    '\t\treturn vma->vm_ops->mprotect(vma, start, vma->vm_end, 0);',
    '\treturn ops.close(vma) + fixup(vma, &vma->vm_mm);',
    '}',
    '',
  ].join('\n');
  const file = new AnalyzedFile('mm/mprotect.c', src, await getParser());
  const callees = file.calleesOf(file.functions.find((s) => s.name === 'apply_range')!);
  expect(['fixup', 'mprotect', 'close'].map((id) => [id, callees.has(id)])).toEqual([
    ['fixup', true],
    ['mprotect', false],
    ['close', false],
  ]);
});

test('callArguments and parameterTypes: what the tokens say of calls and parameters, before parsing', async () => {
  const src = [
    'static void walk(struct maple_tree *mt, unsigned long (*fn)(int), int n)',
    '{',
    '\tMA_STATE(mas, mt, 10, f(1, 2));',
    '\tMA_STATE(other, &mm->mm_mt, 0, 0);',
    '\tother_call(mt);',
    '}',
    '',
    'void none(void)',
    '{',
    '}',
    '',
  ].join('\n');
  const file = new AnalyzedFile('x.c', src, await getParser());
  const [walk, none] = file.functions;
  expect(file.callArguments(walk!, 'MA_STATE')).toEqual([
    ['mas', 'mt', '10', 'f(1,2)'],
    ['other', '&mm->mm_mt', '0', '0'],
  ]);
  expect(file.callArguments(walk!, 'missing')).toEqual([]);
  expect([...file.parameterTypes(walk!)]).toEqual([
    ['mt', 'struct maple_tree *'],
    ['n', 'int'],
  ]);
  expect([...file.parameterTypes(none!)]).toEqual([]);
});
