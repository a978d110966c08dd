/**
 * Property tests: whatever text widen is given as C, normalisation keeps its length and line
 * structure, and analysis (segmentation, parsing, CFG, def-use, every rule) never throws. And
 * when something does fail, or nests too deep to analyse, it costs only its own function.
 */
import fc from 'fast-check';
import { AnalyzedFile, MAX_CFG_NODES } from '../../src/analysis/file.js';
import { normalize } from '../../src/analysis/normalize.js';
import type { CParser } from '../../src/analysis/parser.js';
import { MAX_NESTING } from '../../src/analysis/syntax.js';
import { analyzeSpans } from '../../src/pipeline/analyze.js';
import { RULES } from '../../src/rules/index.js';
import { analyzeSource, getParser } from '../helpers/analyze.js';

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

describe('one bad function never costs the rest', () => {
  const twoFunctions = 'void first(int a)\n{\n\tone(a);\n}\n\nvoid second(int a)\n{\n\ttwo(a);\n}\n';

  test('an exception while analysing a function becomes a note naming it; the next function is analysed', async () => {
    const real = await getParser();
    // A parser that fails on `first` only, standing in for any internal error in the analysis.
    const failing = Object.create(real) as CParser;
    failing.parseRange = (text, start, ...rest) => {
      if (text.startsWith('void first', start)) throw new RangeError('Maximum call stack size exceeded');
      return real.parseRange(text, start, ...rest);
    };
    const file = new AnalyzedFile('two.c', twoFunctions, failing);
    const [first, second] = file.functions;
    expect(file.analyze(first!)).toBeNull();
    expect(file.analyze(second!)?.cfg.nodes.some((n) => n.events.some((e) => e.k === 'call' && e.name === 'two'))).toBe(true);
    expect(file.notes).toEqual([
      {
        path: 'two.c',
        line: 1,
        endLine: 4,
        function: 'first',
        kind: 'analysis-failed',
        message: 'widen skipped `first()` because analysing it failed with an internal error (Maximum call stack size exceeded), so no rule checked it.',
      },
    ]);
  });

  test('a chain of 3,000 helpers costs nothing else in its file: summaries stop deep, the leak beside it is reported', async () => {
    // Each helper hands the VMA to the next; the last one writes it. The vma-modify summary of
    // w0() used to recurse 3,000 calls deep, overflow the stack and skip the whole file.
    const chain = Array.from({ length: 3000 }, (_, i) => `static void w${i}(struct vm_area_struct *vma)\n{\n\t${i === 2999 ? 'vma_start_write(vma)' : `w${i + 1}(vma)`};\n}\n`).join('\n');
    const user = 'void use(struct mm_struct *mm, unsigned long a)\n{\n\tstruct vm_area_struct *vma;\n\n\tmmap_read_lock(mm);\n\tvma = find_vma(mm, a);\n\tw0(vma);\n\tmmap_read_unlock(mm);\n}\n';
    const leak = 'int leak(struct mm_struct *mm, int a)\n{\n\tmmap_read_lock(mm);\n\tif (a)\n\t\treturn 0;\n\tmmap_read_unlock(mm);\n\treturn 0;\n}\n';
    const file = await analyzeSource(`${chain}\n${user}\n${leak}`, 'chain.c');
    const { findings } = analyzeSpans(file, file.functions, RULES);
    expect(findings.map((f) => [f.rule, f.function, f.messageId])).toEqual([['mmap-lock-balance', 'leak', 'leak']]);
    // Past the walk's depth widen cannot tell what w0() does to the lock held around it, and says so.
    expect(file.notes.map((n) => [n.kind, n.function, n.line])).toEqual([['not-judged', 'use', 15007]]);
  });

  test.each([
    ['600 nested ifs', `${'\tif (a) {\n'.repeat(600)}\t\tdeep(a);\n${'\t}\n'.repeat(600)}`],
    ['1,000 nested braces', `\t${'{'.repeat(1000)} deep(a); ${'}'.repeat(1000)}`],
    ['4,000 nested parentheses', `\ta = ${'('.repeat(4000)}deep(a)${')'.repeat(4000)};`],
    ['a chain of 4,000 operators', `\ta = ${Array.from({ length: 4000 }, (_, i) => `b${i}`).join(' + ')} + deep(a);`],
  ])('%s: the code outside the cut is analysed, the cut is a note', async (_, inner) => {
    const src = `int f(int a)\n{\n\tbefore(a);\n${inner}\n\tafter(a);\n\treturn a;\n}\n`;
    const file = await analyzeSource(src, 'deep.c');
    const fn = file.analyze(file.functions[0]!)!;
    const calls = fn.cfg.nodes.flatMap((n) => n.events.flatMap((e) => (e.k === 'call' ? [e.name] : [])));
    expect(calls).toEqual(expect.arrayContaining(['before', 'after']));
    expect(file.notes.map((n) => [n.kind, n.function])).toEqual([['too-deep', 'f']]);
    expect(file.notes[0]!.message).toMatch(new RegExp(`^widen left lines? [\\d-]+ of \`f\\(\\)\` out of its analysis because the code there nests more than ${MAX_NESTING} levels deep`));
  });
});

describe('line endings and stray bytes (sweep L)', () => {
  const buggy = ['static int f(struct mm_struct *mm, int x)', '{', '\tmmap_read_lock(mm);', '\tif (x)', '\t\treturn -EINVAL;', '\tmmap_read_unlock(mm);', '\treturn 0;', '}', ''];
  const found = async (text: string): Promise<string[]> => {
    const file = new AnalyzedFile('mm/x.c', text, await getParser());
    const { findings } = analyzeSpans(file, file.functions, RULES);
    return findings.map((f) => `${f.rule}:${f.line}:${f.column}`);
  };

  test('a lone carriage return ends a line, as for the preprocessor: the function is checked', async () => {
    const lf = await found(buggy.join('\n'));
    expect(lf).toEqual(['mmap-lock-balance:3:2']);
    expect(await found(buggy.join('\r'))).toEqual(lf);
    expect(await found(buggy.join('\r\n'))).toEqual(lf);
  });

  test('a NUL byte in a comment leaves the finding on its line', async () => {
    const text = [...buggy.slice(0, 2), '\t/* \0 */', ...buggy.slice(2)].join('\n');
    expect(await found(text)).toEqual(['mmap-lock-balance:4:2']);
  });
});

test('a function too large to analyse is a too-large note naming it, and the function beside it is checked', async () => {
  const big = ['void generated(struct mm_struct *mm, int a)', '{', '\tmmap_read_lock(mm);', ...Array.from({ length: MAX_CFG_NODES }, (_, k) => `\ta = a + ${k};`), '}', ''];
  const small = ['static int f(struct mm_struct *mm, int x)', '{', '\tmmap_read_lock(mm);', '\tif (x)', '\t\treturn -EINVAL;', '\tmmap_read_unlock(mm);', '\treturn 0;', '}', ''];
  const file = new AnalyzedFile('mm/gen.c', [...big, ...small].join('\n'), await getParser());
  const { findings } = analyzeSpans(file, file.functions, RULES);
  expect(findings.map((f) => `${f.rule}:${f.function}`)).toEqual(['mmap-lock-balance:f']);
  expect(file.notes.map((n) => [n.kind, n.function, n.line])).toEqual([['too-large', 'generated', 1]]);
});
