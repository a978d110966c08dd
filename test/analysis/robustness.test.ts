/**
 * Property tests: whatever text widen is given as C, normalisation keeps its length and line
 * structure, and analysis (segmentation, parsing, CFG, def-use, every rule) never throws.
 */
import fc from 'fast-check';
import { normalize } from '../../src/analysis/normalize.js';
import { analyzeSpans } from '../../src/pipeline/analyze.js';
import { RULES } from '../../src/rules/index.js';
import { analyzeSource } from '../helpers/analyze.js';

/** Fragments of kernel C, so generated text exercises the macro rewrites and the rules. */
const FRAGMENTS = [
  'void f(struct mmu_gather *tlb, struct vm_area_struct *vma)\n{\n', '}\n', '{', '}', '(', ')', ';', '\n',
  'tlb_start_vma(tlb, vma);', 'tlb_end_vma(tlb, vma);', 'struct mmu_gather tlb;', 'tlb_gather_mmu(&tlb, mm);',
  'tlb_finish_mmu(&tlb);', 'vma = next;', 'if (x)', 'else', 'while (vma)', 'for_each_vma(vmi, vma)',
  'list_for_each_entry(p, &h, lru) {', 'goto out;', 'out:', 'return 0;', 'break;', 'continue;',
  'switch (k) {', 'case 1:', 'default:', '#ifdef CONFIG_X\n', '#else\n', '#endif\n', '#if 0\n', '/* c */',
  '// c\n', '"str"', "'c'", 'SYSCALL_DEFINE1(x, int, a)\n', '__init', '__acquires(l)', '({ x; })', 'do {', '} while (0);',
  'BUG();', '&vma', 'helper(&tlb);', 'static void helper(struct mmu_gather *tlb)\n{\n\ttlb_finish_mmu(tlb);\n}\n',
];

const cish = fc.array(fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ maxLength: 8 })), { maxLength: 60 }).map((xs) => xs.join(' '));

test('normalisation keeps length and lines for any text', () => {
  fc.assert(
    fc.property(fc.oneof(cish, fc.string({ maxLength: 200 })), (text) => {
      const out = normalize(text).text;
      return out.length === text.length && out.split('\n').length === text.split('\n').length;
    }),
    { numRuns: Number(process.env.PROP_RUNS ?? 500) },
  );
});

test('analysis and every rule never throw on C-like text', async () => {
  await fc.assert(
    fc.asyncProperty(cish, async (text) => {
      const file = await analyzeSource(text, 'prop.c');
      analyzeSpans(file, file.functions, RULES);
      return true;
    }),
    { numRuns: Number(process.env.PROP_RUNS ?? 300) },
  );
});
