/**
 * The recall bench reads the findings of its mutations as a maintainer would (scripts/bench/recall.mjs,
 * `wordingOf`): these are the defects it must name.
 */
// @ts-expect-error: a plain ES module of the bench, without types
import { wordingOf } from '../../scripts/bench/recall.mjs';

const finding = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  rule: 'mmap-lock-balance',
  messageId: 'leak',
  path: 'mm/mmap.c',
  line: 1696,
  message: "`mm`'s mmap read lock is not released on every path",
  explanation: 'On the path shown the function leaves with it still held.',
  fix: 'Release the lock on this path too.',
  related: [{ path: 'mm/mmap.c', line: 1707, message: 'returns with the mmap read lock still held' }],
  ...over,
});

test('a clean finding has nothing to say', () => {
  expect(wordingOf([finding()])).toEqual({ findings: 1, longest: 51, problems: [] });
});

test('a long headline, a line number, an unfilled placeholder and an empty label are each named', () => {
  const long = `\`${'x'.repeat(90)}\` is not released on every path`;
  const { problems } = wordingOf([
    finding({ message: long }),
    finding({ message: 'the lock taken on line 12 is not released', line: 20 }),
    finding({ fix: 'Call `{{release}}`.', line: 30 }),
    finding({ related: [{ path: 'mm/mmap.c', line: 41, message: ' ' }], line: 40 }),
  ]);
  expect(problems).toEqual([
    `mmap-lock-balance/leak at mm/mmap.c:1696: headline of ${long.length} characters: ${long}`,
    'mmap-lock-balance/leak at mm/mmap.c:20: headline names a line: the lock taken on line 12 is not released',
    'mmap-lock-balance/leak at mm/mmap.c:30: unfilled placeholder in the fix: Call `{{release}}`.',
    'mmap-lock-balance/leak at mm/mmap.c:40: empty label at 41',
  ]);
});
