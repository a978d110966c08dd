/**
 * What a patch only renamed (src/pipeline/renames.ts): the lines it paired, the names it took
 * for renames, and what it refuses to take for one.
 */
import { readPatches } from '../../src/patch/index.js';
import { applyFilePatch } from '../../src/patch/apply.js';
import { renamesOf } from '../../src/pipeline/renames.js';
import { diffLines } from '../helpers/line-diff.js';

const pre = `static long f(struct mm_struct *mm, unsigned long a)
{
	struct req op;
	long rv;

	op.vaddr = a;
	rv = lookup(mm, op.vaddr);
	if (rv < 0)
		return rv;
	return op.vaddr + 1;
}
`;

async function renamesAfter(post: string) {
  const [patch] = await readPatches(Buffer.from(diffLines('mm/f.c', pre, post)), 'f.patch');
  const fp = patch!.files[0]!;
  const { text, lineMap } = applyFilePatch(pre, fp, patch!);
  return renamesOf(pre, text, lineMap, () => 'f');
}

describe('renamesOf', () => {
  test('pairs the lines that differ only by a name renamed the same way everywhere', async () => {
    const r = await renamesAfter(pre.replace(/\bop\b/g, 'req'));
    expect([...r.names.get('f')!]).toEqual([['op', 'req']]);
    expect([...r.lineOf]).toEqual([[3, 3], [6, 6], [7, 7], [10, 10]]);
    expect(r.apply('`vma` from `find_vma()` may not contain `op.vaddr`; `opx`, `op_y`, `x.op` and the op in prose stay', 'f')).toBe('`vma` from `find_vma()` may not contain `req.vaddr`; `opx`, `op_y`, `x.op` and the op in prose stay');
    // Another function's messages keep their names.
    expect(r.apply('`op.vaddr`', 'g')).toBe('`op.vaddr`');
  });

  test('takes no rename of a name renamed two ways, of a called name, of a keyword or a type', async () => {
    const twoWays = pre.replace('\top.vaddr = a;', '\treq.vaddr = a;').replace('lookup(mm, op.vaddr)', 'lookup(mm, arg.vaddr)');
    expect([...(await renamesAfter(twoWays)).names]).toEqual([]);
    expect([...(await renamesAfter(pre.replace('lookup(mm', 'find(mm'))).names]).toEqual([]);
    expect([...(await renamesAfter(pre.replace('\tlong rv;', '\tint rv;'))).names]).toEqual([]);
    // Nor of a member name: two stores swapped is no rename of the fields.
    expect([...(await renamesAfter(pre.replace('op.vaddr = a;', 'op.vend = a;'))).names]).toEqual([]);
    // A line with anything else changed is no renamed line, though its rename counts elsewhere.
    const r = await renamesAfter(pre.replace(/\bop\b/g, 'req').replace('return req.vaddr + 1;', 'return req.vaddr + 2;'));
    expect([...r.names.get('f')!]).toEqual([['op', 'req']]);
    expect(r.lineOf.has(10)).toBe(false);
  });
});
