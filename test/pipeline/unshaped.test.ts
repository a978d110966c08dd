/**
 * Code widen cannot cut into functions (a `}` too many, a `{` never closed, a K&R definition,
 * braces hidden in macros) is named in a note, so that a scan or review that checked nothing
 * there does not look clean.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPatches } from '../../src/patch/index.js';
import { review } from '../../src/pipeline/review.js';
import { scan } from '../../src/pipeline/scan.js';
import { RULES } from '../../src/rules/index.js';
import { analyzeSource } from '../helpers/analyze.js';

const body = ['\tstruct vm_area_struct *vma;', '', '\tmmap_read_lock(mm);', '\tvma = find_vma(mm, addr);', '\tif (!vma)', '\t\treturn -EFAULT;', '\tmmap_read_unlock(mm);', '\treturn 0;'];
const header = 'int foo(struct mm_struct *mm, unsigned long addr)';

/** The shape problems of `text`, as [kind, line of the brace or keyword, first and last hidden line]. */
async function shapes(text: string): Promise<Array<[string, number, number, number]>> {
  const file = await analyzeSource(text);
  const out: Array<[string, number, number, number]> = [];
  file.noteShapeProblems(() => true);
  for (const [i, p] of file.shapeProblems.entries()) {
    const note = file.notes[i]!;
    out.push([p.kind, file.source.position(p.at).line, note.line, note.endLine]);
  }
  return out;
}

describe('shape problems', () => {
  test('one `}` too many: the code between the function it closed early and the stray `}`', async () => {
    const text = [header, '{', ...body.slice(0, 4), '\t}', ...body.slice(4), '}', ''].join('\n');
    expect(await shapes(text)).toEqual([['stray-close', 12, 8, 12]]);
    const file = await analyzeSource(text);
    expect(file.functions.map((f) => [f.name, f.startLine, f.endLine])).toEqual([['foo', 1, 7]]);
    file.noteShapeProblems(() => true);
    expect(file.notes.map((n) => [n.kind, n.function, n.message])).toEqual([
      ['unshaped-code', null, 'The `}` at line 12 closes no `{`: by brace count `foo()` ends at line 7, so lines 8-12 are outside any function and no rule checked them. Look for one `}` too many, or a macro that opens a block.'],
    ]);
  });

  test('a `{` never closed', async () => {
    const text = ['static int table[] = {', '\t1, 2,', '', header, '{', ...body, '}', ''].join('\n');
    expect(await shapes(text)).toEqual([['unclosed', 1, 1, 14]]);
  });

  test('a `}` lost in one function: it ends at its `}` in column 0, and the functions after it are found (sweep AI)', async () => {
    const broken = ['static int a(int x)', '{', '\tif (x) {', '\t\tx++;', '\treturn x;', '}', ''];
    const text = [...broken, header, '{', ...body, '}', ''].join('\n');
    expect(await shapes(text)).toEqual([['unbalanced', 2, 2, 6]]);
    const file = await analyzeSource(text);
    expect(file.functions.map((f) => [f.name, f.startLine, f.endLine])).toEqual([['a', 1, 6], ['foo', 8, 18]]);
    file.noteShapeProblems(() => true);
    expect(file.notes.map((n) => [n.kind, n.function, n.message])).toEqual([
      ['unshaped-code', 'a', 'The braces of `a()` do not balance: its `{` at line 2 is not closed by the `}` in column 0 at line 6, where widen ended it to go on with the next function; findings in lines 2-6 may be missing or wrong. Look for a `{` too many, or one `}` lost.'],
    ]);
    // foo()'s findings are those it has when a() is whole.
    const dir = mkdtempSync(join(tmpdir(), 'widen-unbalanced-'));
    try {
      const findings = async (code: string): Promise<string[]> => {
        writeFileSync(join(dir, 't.c'), code);
        const report = await scan({ paths: [dir], rules: RULES, jobs: 1 });
        return report.findings.filter((f) => f.function === 'foo').map((f) => `${f.rule}/${f.messageId}:${f.line}`);
      };
      // The `}` restored: one line more before foo().
      const whole = await findings(text.replace('\t\tx++;\n', '\t\tx++;\n\t}\n'));
      expect(whole.length).toBeGreaterThan(0);
      expect((await findings(text)).map((f) => f.replace(/:(\d+)$/, (_, l: string) => `:${Number(l) + 1}`))).toEqual(whole);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a `(` left open in one function does not cost a later function its `#else` branch (sweep AI)', async () => {
    const later = [header, '{', '\tstruct vm_area_struct *vma;', '', '\tmmap_read_lock(mm);', '\tvma = find_vma(mm, addr);', '#ifdef CONFIG_A', '\taddr = 0;', '#else', '\taddr = vma->vm_start;', '#endif', '\tmmap_read_unlock(mm);', '\treturn addr;', '}', ''];
    const text = ['static int a(struct vm_area_struct *vma)', '{', '\tfoo(vma, bar(1);', '\treturn 0;', '}', '', ...later].join('\n');
    const dir = mkdtempSync(join(tmpdir(), 'widen-paren-'));
    try {
      writeFileSync(join(dir, 't.c'), text);
      const report = await scan({ paths: [dir], rules: RULES, jobs: 1 });
      expect(report.findings.map((f) => [f.rule, f.messageId, f.function, f.line])).toEqual([['vma-lookup-null-check', 'deref', 'foo', 16]]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a K&R definition: a block with no header', async () => {
    const text = ['int foo(mm, addr)', 'struct mm_struct *mm;', 'unsigned long addr;', '{', ...body, '}', ''].join('\n');
    expect(await shapes(text)).toEqual([['headless-block', 4, 4, 13]]);
  });

  test('braces hidden in macros: statements outside any function', async () => {
    const text = ['#define BEGIN {', '#define END }', header, 'BEGIN', ...body, 'END', ''].join('\n');
    expect(await shapes(text)).toEqual([['stray-statement', 10, 1, 13]]);
    const file = await analyzeSource(text);
    file.noteShapeProblems(() => true);
    expect(file.notes[0]!.message).toBe('`return` at line 10 stands outside any function widen could find, so the braces of the function around it are hidden (in macros such as `#define BEGIN {`, or as digraphs); no rule checked lines 1-13.');
  });

  test('no problem in code the kernel writes: prototypes, initialisers, macro calls with statements in their arguments', async () => {
    const text = [
      'extern void tlb_flush_mmu(struct mmu_gather *tlb);',
      'static const struct vm_operations_struct ops = { .fault = filemap_fault, };',
      'TRACE_EVENT(mm_x, TP_fast_assign(if (vma) __entry->x = 1; else __entry->x = 0;), TP_printk("%d", 1));',
      'struct s { int a; };',
      '#ifdef CONFIG_MMU',
      'static int bar(void)',
      '#else',
      'static int bar(int x)',
      '#endif',
      '{',
      '\treturn 0;',
      '}',
      '',
    ].join('\n');
    expect(await shapes(text)).toEqual([]);
  });
});

describe('in a review and a scan', () => {
  const stray = [header, '{', ...body.slice(0, 4), '\t}', ...body.slice(4), '}', ''];
  const diff = ['diff --git a/mm/foo.c b/mm/foo.c', 'new file mode 100644', '--- /dev/null', '+++ b/mm/foo.c', `@@ -0,0 +1,${stray.length - 1} @@`, ...stray.slice(0, -1).map((l) => `+${l}`), ''].join('\n');

  test('a review notes the code its patch changes that no function holds', async () => {
    const report = await review({ patches: await readPatches(diff, 'stray.diff'), tree: null, rules: RULES });
    expect(report.findings).toEqual([]);
    expect(report.notes.map((n) => [n.kind, n.path, n.line, n.endLine])).toEqual([['unshaped-code', 'mm/foo.c', 8, 12]]);
  });

  test('a scan notes it when the hidden code names a rule trigger, and not otherwise', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'widen-unshaped-'));
    try {
      writeFileSync(join(dir, 'foo.c'), stray.join('\n'));
      // A `}` too many after code that names no trigger (the triggers stay in foo()).
      writeFileSync(join(dir, 'bar.c'), [header, '{', ...body, '}', 'static int x;', '}', ''].join('\n'));
      const report = await scan({ paths: [dir], rules: RULES, jobs: 1 });
      expect(report.notes.map((n) => [n.kind, n.path.slice(dir.length + 1), n.line, n.endLine])).toEqual([['unshaped-code', 'foo.c', 8, 12]]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
