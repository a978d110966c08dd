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
