/**
 * What counts as the code's own use of an API (src/rules/api-level.ts): a call in live code, not
 * a mention in a comment, in a comment on a directive line, or under `#if 0`.
 */
import { liveCalls, liveRegions } from '../../src/rules/api-level.js';
import { analyzeSource } from '../helpers/analyze.js';

const api = { names: ['vma_start_write'], skipComments: true };

describe('liveCalls', () => {
  it('finds the call in code, at its offset, and none of the mentions in comments', async () => {
    const text = [
      '/* No vma_start_write() here: the caller locks. */',
      '#define LOCKS 1 /* vma_start_write(vma) in the header */',
      '// vma_start_write(vma) is the caller\'s job',
      'static void lock_it(struct vm_area_struct *vma)',
      '{',
      '\tconst char *s = "/* not a comment";',
      '\tvma_start_write(vma);',
      '}',
      '/*',
      ' * vma_start_write(vma)',
      ' */',
      '',
    ].join('\n');
    const file = await analyzeSource(text);
    expect(liveCalls(file, api)).toEqual([{ name: 'vma_start_write', start: text.indexOf('vma_start_write(vma);') }]);
  });

  it('does not take a call under #if 0 as live', async () => {
    const text = '#if 0\nstatic void old(struct vm_area_struct *vma)\n{\n\tvma_start_write(vma);\n}\n#endif\n';
    expect(liveCalls(await analyzeSource(text), api)).toEqual([]);
  });

  it('reads mentions in comments as calls when asked to (skipComments: false)', async () => {
    const text = '/* vma_start_write(vma) */\n';
    expect(liveCalls(await analyzeSource(text), { ...api, skipComments: false })).toEqual([{ name: 'vma_start_write', start: 3 }]);
  });
});

describe('liveRegions', () => {
  const liveAt = (text: string, word: string): boolean => liveRegions(text)(text.indexOf(word));

  it('takes a branch on a macro defined nowhere as dead, and one on a config option as live', () => {
    expect(liveAt('#ifdef _HAS_MMAP\ncode_a();\n#endif\n', 'code_a')).toBe(false);
    expect(liveAt('#if defined(_HAS_MMAP)\ncode_a();\n#endif\n', 'code_a')).toBe(false);
    expect(liveAt('#ifdef CONFIG_MMU\ncode_a();\n#else\ncode_b();\n#endif\n', 'code_a')).toBe(true);
    expect(liveAt('#ifdef _HAS_MMAP\ncode_a();\n#else\ncode_b();\n#endif\n', 'code_b')).toBe(true);
  });

  it('takes a condition with another way in (||) as live (sound/usb/usx2y/usx2yhwdeppcm.c)', () => {
    expect(liveAt('#if defined(USX2Y_NRPACKS_VARIABLE) || USX2Y_NRPACKS == 1\ncode_a();\n#endif\n', 'code_a')).toBe(true);
  });

  it('takes a branch on a macro the file defines as live', () => {
    expect(liveAt('#define HAS_RING 1\n#ifdef HAS_RING\ncode_a();\n#endif\n', 'code_a')).toBe(true);
    expect(liveAt('# define HAS_RING\n#if defined(HAS_RING)\ncode_a();\n#endif\n', 'code_a')).toBe(true);
  });
});
