/**
 * Kernel macro normalisation: every rewrite keeps the text's length and line structure, and
 * the constructs listed in the foundation issue parse without errors afterwards.
 */
import { Tok, directiveComments, lex, replaceBlockComments, tokText } from '../../src/analysis/lexer.js';
import { normalize } from '../../src/analysis/normalize.js';
import { analyzeSource } from '../helpers/analyze.js';

function norm(text: string): string {
  const out = normalize(text).text;
  expect(out.length).toBe(text.length);
  expect(out.split('\n').length).toBe(text.split('\n').length);
  return out;
}

describe('lexer', () => {
  test('separates comments, strings, directives with continuations, and code', () => {
    const ts = lex('#define X(a) \\\n\tfoo(a)\nint s = "a/*b"; /* c */ // d\nx->y++;');
    const kinds = Array.from(ts.kind);
    const texts = Array.from({ length: ts.count }, (_, i) => tokText(ts, i));
    expect(texts).toEqual(['#define X(a) \\\n\tfoo(a)', 'int', 's', '=', '"a/*b"', ';', '/* c */', '// d', 'x', '->', 'y', '++', ';']);
    expect(kinds[0]).toBe(Tok.Directive);
    expect(kinds[4]).toBe(Tok.String);
    expect(kinds[6]).toBe(Tok.Comment);
  });

  test('never throws on unterminated input', () => {
    expect(() => lex('/* open comment')).not.toThrow();
    expect(lex('"unterminated\nx').count).toBe(2);
  });
});

describe('comments in directives, in linear time', () => {
  const samples = ['#define X y /* c */', '#if A /* x */ && B /* y', '/* a */ b /* c', '// x /* y */', 'a /* b // c */ d // e', '/*/ x */', '/**/', '#define Y /* ', 'x'];

  test('replaceBlockComments returns what the lazy pattern returns', () => {
    for (const s of samples) expect(replaceBlockComments(s, ' ')).toBe(s.replace(/\/\*[\s\S]*?\*\//g, ' '));
  });

  test('directiveComments finds what the lazy pattern finds', () => {
    for (const s of samples) expect(directiveComments(s)).toEqual([...s.matchAll(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g)].map((m) => [m.index, m.index + m[0].length]));
  });

  test('a directive of 250,000 unclosed comment openers normalises at once', () => {
    // The patterns these replace rescanned the line for every opener (40,000 openers: 6 s).
    // The test's timeout is what catches a return of that.
    const text = '#define X' + ' /* a'.repeat(250_000) + '\n#if A' + ' /*'.repeat(250_000) + '\nint y;\n#endif\nint f(void)\n{\n\treturn 0;\n}\n';
    expect(normalize(text).text.length).toBe(text.length);
  });
});

describe('normalize', () => {
  test('blanks attribute macros, with their arguments', () => {
    const src = 'static __init int __must_check f(void) __acquires(mm->lock)\n{\n}\n';
    expect(norm(src)).toBe('static        int              f(void)                     \n{\n}\n');
  });

  test('rewrites SYSCALL_DEFINEn into a plain definition', () => {
    expect(norm('SYSCALL_DEFINE2(munmap, unsigned long, addr, size_t, len)\n{\n}\n')).toBe(
      'long            munmap( unsigned long  addr, size_t  len)\n{\n}\n',
    );
    expect(norm('SYSCALL_DEFINE0(getpid)\n{\n}\n')).toBe('long           getpid()\n{\n}\n');
  });

  test('rewrites BPF_CALL_n, across lines, into a plain definition', () => {
    expect(norm('BPF_CALL_3(bpf_find_vma, struct task_struct *, task,\n\t   u64, start, void *, ctx)\n{\n}\n')).toBe(
      'long       bpf_find_vma( struct task_struct *  task,\n\t   u64  start, void *  ctx)\n{\n}\n',
    );
  });

  test('makes a declaration whose type is a macro read as one type name', () => {
    const src = 'void f(void)\n{\n\tGENRADIX(struct map_files_info) fa;\n\tDECLARE_X(a) b[2], c;\n\tFOO(x) y = 1;\n\tLIST_HEAD(l);\n}\n';
    // `FOO(x) y = 1;` stays a statement macro with a body, as before.
    expect(norm(src)).toBe(src.replace('GENRADIX(struct map_files_info)', 'GENRADIX_struct_map_files_info_').replace('DECLARE_X(a)', 'DECLARE_X_a_').replace('FOO(x)', 'if (x)'));
  });

  test('turns statement macros with a body into `if`, and records them', () => {
    const src = 'void f(void)\n{\n\tlist_for_each_entry(p, &head, lru) {\n\t}\n\tfor_each_vma(vmi, vma)\n\t\tx++;\n\tfoo(a);\n}\n';
    const n = normalize(src);
    expect(n.text).toBe(src.replace('list_for_each_entry', 'if                 ').replace('for_each_vma', 'if          '));
    const macros = [...n.blockMacros.values()].map((m) => [m.name, m.kind, m.defines, m.args.map((a) => src.slice(a.start, a.end))]);
    expect(macros).toEqual([
      ['list_for_each_entry', 'iter', [0], ['p', '&head', 'lru']],
      ['for_each_vma', 'iter', [1], ['vmi', 'vma']],
    ]);
  });

  test('turns a statement macro that ends a do-while into its `while`, and records it', () => {
    const src = 'void f(void)\n{\n\tdo {\n\t\tx++;\n\t} for_each_vma(vmi, vma);\n\tdo {\n\t} while (0);\n\tfoo(a);\n}\n';
    const n = normalize(src);
    expect(n.text).toBe(src.replace('for_each_vma', 'while       '));
    expect([...n.blockMacros.values()].map((m) => [m.name, m.defines, m.args.map((a) => src.slice(a.start, a.end))])).toEqual([['for_each_vma', [1], ['vmi', 'vma']]]);
    // Not after a block that is no do-while body, and not without the `;` that ends a do-while.
    expect(norm('void f(void)\n{\n\tif (a) {\n\t} foo_bar(x);\n}\n')).toBe('void f(void)\n{\n\tif (a) {\n\t} foo_bar(x);\n}\n');
  });

  test('a one-letter statement macro is left alone: the rewrite must keep the length', () => {
    const src = 'void f(void)\n{\n\tX(a) {\n\t}\n}\n';
    expect(norm(src)).toBe(src);
  });

  test('makes type arguments of macros into expressions', () => {
    const src = 'void f(void)\n{\n\tp = list_first_entry(&l, struct page, lru);\n\tn = min_t(unsigned long, a, b);\n}\n';
    expect(norm(src)).toBe('void f(void)\n{\n\tp = list_first_entry(&l,        page, lru);\n\tn = min_t(UNSIGNED_LONG, a, b);\n}\n');
  });

  test('keeps the first branch of a conditional that cannot be parsed as a whole', () => {
    const src = 'void f(void)\n{\n#ifdef CONFIG_A\n\tif (a) {\n#else\n\tif (b) {\n#endif\n\t\tg();\n\t}\n}\n';
    expect(norm(src)).toBe('void f(void)\n{\n               \n\tif (a) {\n     \n\t        \n      \n\t\tg();\n\t}\n}\n');
  });

  test('keeps both branches of a conditional made of whole statements', () => {
    const src = 'void f(void)\n{\n#ifdef CONFIG_A\n\ta();\n#else\n\tb();\n#endif\n}\n';
    expect(norm(src)).toBe(src);
  });

  test('drops #if 0 code', () => {
    expect(norm('#if 0\nint x;\n#endif\nint y;\n')).toBe('     \n      \n      \nint y;\n');
  });

  test('drops #if 0 code whose directive ends in a comment', () => {
    expect(norm('#if 0 // force\nint x;\n#endif\nint y;\n')).toBe('              \n      \n      \nint y;\n');
    expect(norm('#if /* never */ 0\nint x;\n#endif\n')).toBe('                 \n      \n      \n');
  });

  test.each([
    ['attribute macros and SYSCALL_DEFINE', 'static __always_inline int __must_check f(void) __acquires(x)\n{\n\treturn 0;\n}\nSYSCALL_DEFINE3(mprotect, unsigned long, start, size_t, len, unsigned long, prot)\n{\n\treturn do_mprotect(start, len, prot);\n}\n'],
    ['list_for_each_entry with a block', 'void f(struct list_head *head)\n{\n\tstruct page *page;\n\n\tlist_for_each_entry(page, head, lru) {\n\t\tput_page(page);\n\t}\n}\n'],
    ['for_each_vma with a statement', 'void f(struct mm_struct *mm)\n{\n\tstruct vm_area_struct *vma;\n\tVMA_ITERATOR(vmi, mm, 0);\n\n\tfor_each_vma(vmi, vma)\n\t\tvma->vm_flags |= VM_LOCKED;\n}\n'],
    ['statement expressions', 'int f(int x)\n{\n\treturn ({ int y = x; y * 2; });\n}\n'],
    ['type arguments', 'struct page *f(struct list_head *l)\n{\n\treturn list_first_entry_or_null(l, struct page, lru);\n}\n'],
    ['#ifdef splitting an if', 'int f(int a, int b)\n{\n#ifdef CONFIG_X\n\tif (a) {\n#else\n\tif (b) {\n#endif\n\t\treturn 1;\n\t}\n\treturn 0;\n}\n'],
    ['#ifdef around a dangling else', 'int f(int a)\n{\n\tint r;\n#ifdef CONFIG_X\n\tif (a)\n\t\tr = 1;\n\telse\n#endif\n\t\tr = 2;\n\treturn r;\n}\n'],
    ['static declaring macro, typeof declaration, asm, case range', 'int f(int x)\n{\n\tstatic DEFINE_RATELIMIT_STATE(rs, HZ, 10);\n\ttypeof(x) y = x;\n\tasm volatile("nop" : : "r"(y));\n\tswitch (y) {\n\tcase 0 ... 3:\n\t\treturn 1;\n\t}\n\treturn 0;\n}\n'],
    ['unknown attribute macros in a header, KERN_ levels', 'static __no_kmsan_checks inline void *f(void *p)\n{\n\tprintk(KERN_ERR "x %p\\n", p);\n\treturn p;\n}\nstatic my_attributes int g(void)\n{\n\treturn 0;\n}\n'],
    ['BPF_CALL_n and a declaration of a macro type', 'BPF_CALL_2(bpf_f, struct task_struct *, task,\n\t   u64, flags)\n{\n\tGENRADIX(struct map_files_info) fa;\n\n\tgenradix_init(&fa);\n\treturn 0;\n}\n'],
    ['a top-level macro without a semicolon before a function', 'DEFINE_TEST_CASE(alloc)\nDEFINE_TEST_CASE(free)\n\nstatic int h(void)\n{\n\treturn 0;\n}\n'],
  ])('%s parse without errors', async (_name, src) => {
    const file = await analyzeSource(src);
    expect(file.functions.length).toBeGreaterThan(0);
    for (const span of file.functions) expect(file.analyze(span)).not.toBeNull();
    expect(file.notes).toEqual([]);
  });

  test('an unparsable region becomes a note that names the lines, and the function is still analysed', async () => {
    const file = await analyzeSource('void f(void)\n{\n\ta();\n\tthis is not C at all @@@;\n\tb();\n}\n');
    const fn = file.analyze(file.functions[0]!);
    expect(fn).not.toBeNull();
    expect(file.notes.map((n) => [n.kind, n.line, n.function])).toEqual([['parse-error', 4, 'f']]);
    const calls = fn!.cfg.nodes.flatMap((n) => n.events.filter((e) => e.k === 'call').map((e) => (e.k === 'call' ? e.name : '')));
    expect(calls).toEqual(expect.arrayContaining(['a', 'b']));
  });
});

describe('noreturn declarations', () => {
  it('names the functions declared or defined __noreturn, in every spelling, and nothing else', () => {
    const text = [
      'void parisc_terminate(char *msg, struct pt_regs *regs,',
      '\t\tint code, unsigned long offset) __noreturn __cold;',
      'void __noreturn do_fatal(long code);',
      'extern void die_now(const char *why) __attribute__((__noreturn__));',
      '_Noreturn void halt_machine(void)',
      '{',
      '\tfor (;;)',
      '\t\tcpu_relax();',
      '}',
      'void returns_normally(int x);',
      '#if 0',
      'void __noreturn dead_branch(void);',
      '#endif',
      'static void body_mentions(void)',
      '{',
      '\t__noreturn_abort();',
      '}',
    ].join('\n');
    expect([...normalize(text).noreturn].sort()).toEqual(['die_now', 'do_fatal', 'halt_machine', 'parisc_terminate']);
  });
});

describe('macros that rename a call', () => {
  test('a function-like macro defined as a call with the same arguments names that call, in every branch', () => {
    const text = [
      '#if defined(CONFIG_STACK_GROWSUP)',
      '#define vma_expand_up(vma,addr) expand_upwards(vma, addr)',
      '#define vma_expand_down(vma, addr) (-EFAULT)',
      '#else',
      '#define vma_expand_up(vma,addr) (-EFAULT)',
      '#define vma_expand_down(vma, addr) expand_downwards(vma, addr)',
      '#endif',
      '#define lock_it(mm) (take_lock(mm))',
      '#define swapped(a, b) other(b, a)',
      '#define fewer(a, b) other(a)',
      '#define nested(a) outer(inner(a))',
    ].join('\n');
    expect([...normalize(text).callAliases]).toEqual([
      ['vma_expand_up', ['expand_upwards']],
      ['vma_expand_down', ['expand_downwards']],
      ['lock_it', ['take_lock']],
    ]);
  });
});

describe('branch hints', () => {
  test('likely() and unlikely() in a body are blanked to their parenthesised test; elsewhere the name stays', () => {
    const text = 'int f(struct vm_area_struct *vma)\n{\n\tif (unlikely(!vma))\n\t\treturn likely(x) ? 1 : 0;\n\treturn 0;\n}\nstatic int likely;\n';
    expect(norm(text)).toBe('int f(struct vm_area_struct *vma)\n{\n\tif (        (!vma))\n\t\treturn       (x) ? 1 : 0;\n\treturn 0;\n}\nstatic int likely;\n');
  });
});
