/**
 * The diff the change fixtures are reviewed through: if it did not turn the `.before.c` text
 * into the fixture's text when applied, the fixtures would test some other patch.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { applyFilePatch, readPatches } from '../../src/patch/index.js';
import { unifiedDiff } from '../helpers/change-fixtures.js';

async function roundTrip(before: string, after: string): Promise<string> {
  const [patch] = await readPatches(unifiedDiff('mm/x.c', before, after), 'x.patch');
  if (patch!.files.length === 0) return before;
  return applyFilePatch(before, patch!.files[0]!, patch!).text;
}

describe('unifiedDiff', () => {
  it('makes a patch that applies to the old text and gives the new one', async () => {
    const before = ['int f(void)', '{', '\tlock();', '\tcall();', '\tunlock();', '\treturn 0;', '}', ''].join('\n');
    const after = ['int f(void)', '{', '\tcall();', '\treturn 0;', '}', ''].join('\n');
    const diff = unifiedDiff('mm/x.c', before, after);
    expect(diff.split('\n').filter((l) => /^[-+][^-+]/.test(l))).toEqual(['-\tlock();', '-\tunlock();']);
    expect(await roundTrip(before, after)).toBe(after);
  });

  it('round-trips any pair of line lists, with changes far apart or side by side', async () => {
    const lines = fc.array(fc.constantFrom('a', 'b', 'c', '{', '}', '\tx();', ''), { maxLength: 40 });
    await fc.assert(
      fc.asyncProperty(lines, lines, async (x, y) => {
        const before = x.map((l) => `${l}\n`).join('');
        const after = y.map((l) => `${l}\n`).join('');
        expect(await roundTrip(before, after)).toBe(after);
      }),
      { numRuns: 200 },
    );
  });
});
