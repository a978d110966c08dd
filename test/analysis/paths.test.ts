/** The path explorer: correlated conditions and constant flags prune infeasible paths. */
import { explore, Facts, MAX_SWITCH_VALUES } from '../../src/analysis/paths.js';
import { functionOf } from '../helpers/analyze.js';

/** Collects, for every path to the exit, the sequence of calls made. */
async function callPaths(src: string, name: string): Promise<string[]> {
  const fn = await functionOf(src, name);
  const paths = new Set<string>();
  const result = explore<string>(fn.cfg, fn.facts, {
    initial: '',
    key: (s) => s,
    step: (s, node) => s + node.events.filter((e) => e.k === 'call').map((e) => (e.k === 'call' ? `${e.name} ` : '')).join(''),
    exit: (s) => void paths.add(s.trim()),
  });
  expect(result.complete).toBe(true);
  return [...paths].sort();
}

test('a condition tested twice is taken the same way both times', async () => {
  const src = 'void f(bool locked)\n{\n\tif (locked)\n\t\tlock();\n\twork();\n\tif (locked)\n\t\tunlock();\n}\n';
  expect(await callPaths(src, 'f')).toEqual(['lock work unlock', 'work']);
});

test('negations and NULL comparisons read as the same condition', async () => {
  const src = 'void f(struct page *p)\n{\n\tif (!p)\n\t\tnone();\n\tif (p != NULL)\n\t\tsome();\n}\n';
  expect(await callPaths(src, 'f')).toEqual(['none', 'some']);
});

test('a flag set to a constant decides a later test of it', async () => {
  const src = 'void f(int n)\n{\n\tbool held = false;\n\n\tif (n > 1) {\n\t\tlock();\n\t\theld = true;\n\t}\n\tif (held)\n\t\tunlock();\n}\n';
  expect(await callPaths(src, 'f')).toEqual(['', 'lock unlock']);
});

test('writing a variable forgets what was known about it', async () => {
  const src = 'void f(int err)\n{\n\tif (err)\n\t\ta();\n\terr = retry();\n\tif (err)\n\t\tb();\n}\n';
  expect(await callPaths(src, 'f')).toEqual(['a retry', 'a retry b', 'retry', 'retry b']);
});

test('the state budget makes the result incomplete instead of running on', async () => {
  const fn = await functionOf('void f(int a)\n{\n\tif (a)\n\t\tx();\n\ty();\n}\n', 'f');
  let n = 0;
  const result = explore<number>(fn.cfg, fn.facts, { initial: 0, key: (s) => String(s), step: () => ++n, exit: () => {} }, 3);
  expect(result.complete).toBe(false);
});

describe('short-circuit operators are branches: an operand runs only on the paths that evaluate it', () => {
  const fnWith = (body: string): string => `int f(int a, int b, struct page *p)\n{\n\tint r = 0;\n\n${body}\n\treturn r;\n}\n`;

  test.each([
    ['if (a && f(p))', '\tif (a && f(p))\n\t\tg();', ['', 'f', 'f g']],
    ['if (a || f(p))', '\tif (a || f(p))\n\t\tg();', ['f', 'f g', 'g']],
    ['if (!(a && f(p)))', '\tif (!(a && f(p)))\n\t\tg();', ['f', 'f g', 'g']],
    ['nested', '\tif ((a || f(p)) && (b || h(p)))\n\t\tg();', ['f', 'f g', 'f h', 'f h g', 'g', 'h', 'h g']],
    ['?: in a condition', '\tif (a ? f(p) : h(p))\n\t\tg();', ['f', 'f g', 'h', 'h g']],
    ['unlikely(!p || f(p))', '\tif (unlikely(!p || f(p)))\n\t\tg();', ['f', 'f g', 'g']],
    ['r = a && f(p);', '\tr = a && f(p);\n\tg();', ['f g', 'g']],
    ['r = a ? f(p) : h(p);', '\tr = a ? f(p) : h(p);\n\tg();', ['f g', 'h g']],
    ['GNU r = f(p) ?: h(p);', '\tr = f(p) ?: h(p);', ['f', 'f h']],
    ['int v = a && f(p);', '\tint v = a && f(p);\n\n\tg(v);', ['f g', 'g']],
    ['return a ? f(p) : 0;', '\treturn a ? f(p) : 0;', ['', 'f']],
    ['an argument', '\tg(a && f(p));', ['f g', 'g']],
    ['a dereference on the right', '\tr = p && p->flags;\n\tg();', ['g']],
  ])('%s', async (_, body, expected) => {
    expect(await callPaths(fnWith(body), 'f')).toEqual([...expected].sort());
  });

  test.each([
    ['while (a && f(p))', '\twhile (a && f(p))\n\t\tg();'],
    ['for (; a && f(p); r++)', '\tfor (; a && f(p); r++)\n\t\tg();'],
    ['do { } while (a && f(p))', '\tdo {\n\t\tg();\n\t} while (a && f(p));'],
  ])('%s: the loop goes back to the start of its split condition; f runs only after a', async (_, body) => {
    const fn = await functionOf(fnWith(body), 'f');
    const named = (text: string) => fn.cfg.nodes.find((n) => fn.text(n) === text)!;
    const a = named('a');
    const call = named('f(p)');
    expect(call.pred).toEqual([{ to: a.id, kind: 'true' }]);
    const backTo = fn.cfg.nodes.flatMap((n) => n.succ.filter((e) => e.back === true).map((e) => fn.cfg.nodes[e.to]!));
    const isDo = body.includes('do {');
    // A do-while goes back to the top of its body; the others to their condition's first atom.
    expect(new Set(backTo.map((n) => (isDo ? n.kind : fn.text(n))))).toEqual(new Set([isDo ? 'join' : 'a']));
    const leaving = [a, call].map((n) => n.succ.find((e) => e.kind === 'false')!.to);
    expect(new Set(leaving.map((id) => fn.text(fn.cfg.nodes[id]!)))).toEqual(new Set(['return r;']));
  });

  test('a pure operand stays in its statement: no split without an effect to place', async () => {
    const fn = await functionOf(fnWith('\tr = a && b;'), 'f');
    expect(fn.cfg.nodes.filter((n) => n.kind === 'branch')).toEqual([]);
  });

  test('each atom of a split condition is correlated on its own', async () => {
    const body = '\tif (a && b)\n\t\tlock();\n\twork();\n\tif (a && b)\n\t\tunlock();\n\tif (a)\n\t\tmore();';
    expect(await callPaths(fnWith(body), 'f')).toEqual(['lock work unlock more', 'work', 'work more']);
  });

  test('a call on the right of && is an atom whose result decides the branch', async () => {
    const fn = await functionOf(fnWith('\tif (a && f(p))\n\t\tg();'), 'f');
    const atoms = fn.cfg.nodes.filter((n) => n.kind === 'branch').map((n) => [fn.text(n), n.succ.map((e) => `${fn.text(fn.cfg.nodes[e.to]!)}(${e.kind})`)]);
    expect(atoms).toEqual([
      ['a', ['f(p)(true)', 'return r;(false)']],
      ['f(p)', ['g();(true)', 'return r;(false)']],
    ]);
  });
});

describe('a switch on a value the path set to a constant follows only the matching case', () => {
  const src = `enum step { STEP_FIRST, STEP_NEXT, STEP_FIND };
void f(int fresh, int more)
{
	enum step op;

	if (fresh)
		op = STEP_FIRST;
	else
		op = STEP_FIND;
	switch (op) {
	case STEP_FIRST:
		first();
		break;
	case STEP_NEXT:
		next();
		break;
	case STEP_FIND:
		find();
		break;
	}
	if (more)
		op = STEP_NEXT;
	switch (op) {
	case STEP_NEXT:
		again();
		break;
	default:
		done();
	}
}
`;

  test('the first switch takes the case each assignment names; the second its default or the new value', async () => {
    expect(await callPaths(src, 'f')).toEqual(['find again', 'find done', 'first again', 'first done']);
  });

  test('without the assignments every case is a path', async () => {
    const open = 'void g(int op)\n{\n\tswitch (op) {\n\tcase 1:\n\t\ta();\n\t\tbreak;\n\tcase 2:\n\t\tb();\n\t\tbreak;\n\t}\n}\n';
    expect(await callPaths(open, 'g')).toEqual(['', 'a', 'b']);
  });

  /** A `switch (op)` of `n` cases, case i running `body(i)`. */
  const sw = (n: number, body: (i: number) => string): string => `\tswitch (op) {\n${Array.from({ length: n }, (_, i) => `\tcase ${i}:\n${body(i)}\t\tbreak;\n`).join('')}\t}\n`;

  test('two switches on one value correlate; a lone switch states no facts, however many cases', async () => {
    const twice = `void f(int op)\n{\n${sw(3, (i) => `\t\ta${i}();\n`)}${sw(3, (i) => `\t\tb${i}();\n`)}}\n`;
    expect(await callPaths(twice, 'f')).toEqual(['', 'a0 b0', 'a1 b1', 'a2 b2']);
    // A thousand cases, each stating a thousand facts, took a minute and gigabytes: a lone
    // switch is now left uncorrelated, and its walk is one path per case.
    const fn = await functionOf(`void g(int op)\n{\n${sw(1000, (i) => `\t\tc${i}();\n`)}}\n`, 'g');
    const head = fn.cfg.nodes.find((n) => n.succ.some((e) => e.kind === 'case'))!;
    const edge = head.succ.find((e) => e.kind === 'case')!;
    expect(fn.facts.alongEdge(fn.facts.afterNode(Facts.EMPTY, head), head, edge)).toEqual([Facts.EMPTY]);
  });

  test('past MAX_SWITCH_VALUES values, switches on one value are not correlated', async () => {
    const n = MAX_SWITCH_VALUES + 1;
    const fn = await functionOf(`void f(int op)\n{\n${sw(n, () => '\t\ta();\n')}${sw(n, () => '\t\tb();\n')}}\n`, 'f');
    const head = fn.cfg.nodes.find((x) => x.succ.some((e) => e.kind === 'case'))!;
    expect(fn.facts.alongEdge(Facts.EMPTY, head, head.succ.find((e) => e.kind === 'case')!)).toEqual([Facts.EMPTY]);
  });

  test('a switch on a value written in a case forgets it', async () => {
    const src2 = 'void h(int x)\n{\n\tint op = 1;\n\n\top = read_op(x);\n\tswitch (op) {\n\tcase 1:\n\t\ta();\n\t\tbreak;\n\tdefault:\n\t\tb();\n\t}\n}\n';
    expect(await callPaths(src2, 'h')).toEqual(['read_op a', 'read_op b']);
  });
});

describe('tests of one value against different integers are related', () => {
  test.each([
    ['`ret < 0` rules out `ret == 1`', 'int f(int ret)\n{\n\tif (ret < 0)\n\t\ta();\n\tif (ret == 1)\n\t\tb();\n\treturn 0;\n}\n', ['', 'a', 'b']],
    ['`ret > 0` decides `ret` true', 'int f(int ret)\n{\n\tif (ret > 0)\n\t\ta();\n\tif (!ret)\n\t\tb();\n\treturn 0;\n}\n', ['', 'a', 'b']],
    ['`ret >= 0` then `ret < 0`: never both', 'int f(int ret)\n{\n\tif (ret >= 0)\n\t\ta();\n\tif (ret < 0)\n\t\tb();\n\treturn 0;\n}\n', ['a', 'b']],
    ['`n == 2` decides `n > 1` and `n != 3`', 'int f(int n)\n{\n\tif (n == 2)\n\t\ta();\n\tif (n > 1)\n\t\tb();\n\tif (n != 3)\n\t\tc();\n\treturn 0;\n}\n', ['a b c', 'b', 'b c', 'c']],
    ['a stored constant decides a range test', 'int f(int n)\n{\n\tint ret = -12;\n\n\tif (n)\n\t\tret = 1;\n\tif (ret < 0)\n\t\ta();\n\tif (ret == 1)\n\t\tb();\n\treturn 0;\n}\n', ['a', 'b']],
    ['0 and 1 excluded leave nothing between them', 'int f(int r)\n{\n\tif (r < 0 || r > 1)\n\t\treturn 0;\n\tif (r)\n\t\ta();\n\tif (r != 1)\n\t\tb();\n\treturn 0;\n}\n', ['', 'a', 'b']],
  ])('%s', async (_, src, expected) => {
    expect(await callPaths(src, 'f')).toEqual([...expected].sort());
  });

  test('a flag set from a test holds its outcome (6.1 mremap(): `downgraded = retval == 1;`)', async () => {
    const src = [
      'int f(int retval, int n)',
      '{',
      '\tbool downgraded = false;',
      '',
      '\tif (retval < 0 && n)',
      '\t\treturn retval;',
      '\tdowngraded = retval == 1;',
      '\tif (downgraded)',
      '\t\tread_unlock();',
      '\telse',
      '\t\twrite_unlock();',
      '\tif (retval == 1)',
      '\t\tone();',
      '\tif (retval < 0)',
      '\t\tneg();',
      '\treturn 0;',
      '}',
      '',
    ].join('\n');
    // retval < 0 with n == 0 reaches the flag as false; retval == 1 only with the flag set.
    expect(await callPaths(src, 'f')).toEqual(['', 'read_unlock one', 'write_unlock', 'write_unlock neg'].sort());
  });

  test.each([
    // Sweep S: `locked = ret || !unlock; if (locked)` is read as `if (ret || !unlock)`.
    ['`||`', 'flag = ret || !unlock;', ['held ret_set tail', 'held ret_set unlock_clear tail', 'held unlock_clear tail', 'tail']],
    ['`&&`', 'flag = ret && !unlock;', ['held ret_set unlock_clear tail', 'ret_set tail', 'tail', 'unlock_clear tail']],
  ])('a flag set from an %s of tests splits, at its branch, into the ways it came out so', async (_, store, expected) => {
    const src = [
      'int f(int ret, bool unlock)',
      '{',
      '\tbool flag;',
      '',
      `\t${store}`,
      '\tif (flag)',
      '\t\theld();',
      '\tif (ret)',
      '\t\tret_set();',
      '\tif (!unlock)',
      '\t\tunlock_clear();',
      '\ttail();',
      '\treturn 0;',
      '}',
      '',
    ].join('\n');
    expect(await callPaths(src, 'f')).toEqual([...expected].sort());
  });

  test('writing a tested value forgets what the `||` flag said of it', async () => {
    const src = 'int f(int ret, bool unlock)\n{\n\tbool flag = ret || !unlock;\n\n\tret = g();\n\tif (flag)\n\t\ta();\n\tif (ret)\n\t\tb();\n\tif (!unlock)\n\t\tc();\n\treturn 0;\n}\n';
    // The flag no longer holds an `||` of what the tests read: every path of the three tests runs.
    expect(await callPaths(src, 'f')).toEqual(['g', 'g a', 'g a b', 'g a b c', 'g a c', 'g b', 'g b c', 'g c'].sort());
  });

  test('writing the value forgets what the flag said of it', async () => {
    const src = 'int f(int retval)\n{\n\tbool up = retval == 1;\n\n\tretval = g();\n\tif (up)\n\t\ta();\n\tif (retval == 1)\n\t\tb();\n\treturn 0;\n}\n';
    expect(await callPaths(src, 'f')).toEqual(['g', 'g a', 'g a b', 'g b'].sort());
  });

  test('a walker asks what the path decided of a value', async () => {
    // A value tested once is not tracked: its one test decides nothing later.
    const fn = await functionOf('int f(int ret)\n{\n\tif (ret < 0)\n\t\treturn ret;\n\tdone();\n\tif (ret == 2)\n\t\ttwo();\n\treturn 0;\n}\n', 'f');
    const seen: string[] = [];
    explore<string>(fn.cfg, fn.facts, {
      initial: '',
      key: () => '',
      step: (s, node, trace) => {
        if (node.events.some((e) => e.k === 'call' && e.name === 'done')) {
          const ret = fn.cfg.nodes[fn.cfg.entry]!.events.find((e) => e.k === 'def')!;
          seen.push(`${trace.decides(ret.k === 'def' ? ret.key : '', '==', 1n)}|${trace.decides(ret.k === 'def' ? ret.key : '', '<', 0n)}`);
        }
        return s;
      },
      exit: () => {},
    });
    expect(seen).toEqual(['undefined|false']);
  });
});

describe('a fact no branch ahead tests is dropped', () => {
  const body = (tail: string) => `int f(int a, int b, int c)\n{\n\tif (a)\n\t\tx();\n\tif (a)\n\t\ty();\n\tif (b)\n\t\tz();\n${tail}\treturn 0;\n}\n`;

  test('the paths that differ only in it merge again', async () => {
    const fn = await functionOf(body(''), 'f');
    const counted = (src: typeof fn) => explore<number>(src.cfg, src.facts, { initial: 0, key: () => '', step: (s) => s, exit: () => {} }).states;
    const later = await functionOf(body('\tif (a)\n\t\tw();\n'), 'f');
    // Without a later test of `a`, the two values of `a` meet again at `if (b)`; with one they cannot.
    expect(counted(fn)).toBeLessThan(counted(later) - 4);
    expect(await callPaths(body(''), 'f')).toEqual(['', 'x y', 'x y z', 'z']);
  });

  test('a value the function returns keeps what the path knew of it until the return', async () => {
    // Sweep S: `goto out` with `r` still 0 must not merge, at `out:`, with a path that set it.
    const fn = await functionOf('int f(int a)\n{\n\tint r = 0;\n\n\tif (a)\n\t\tgoto out;\n\tr = g();\n\tif (r)\n\t\th();\nout:\n\treturn r;\n}\n', 'f');
    const r = fn.cfg.nodes[fn.cfg.entry]!.succ.map((e) => fn.cfg.nodes[e.to]!.events.find((ev) => ev.k === 'def'))[0]!;
    const seen = new Set<string>();
    explore<string>(fn.cfg, fn.facts, {
      initial: '',
      key: (s) => s,
      step: (s, node, trace) => {
        if (node.kind === 'return') seen.add(`${s}${trace.decides(r.k === 'def' ? r.key : '', '==', 0n)}`);
        return node.kind === 'goto' ? 'jumped:' : s;
      },
      exit: () => {},
    });
    expect([...seen].sort()).toEqual(['false', 'jumped:true', 'true']);
  });

  test('a flag set from a test still reads what the path knew of the value', async () => {
    const src = 'int f(int retval, int n)\n{\n\tbool up = false;\n\n\tif (retval < 0 && n)\n\t\treturn retval;\n\tup = retval == 1;\n\tif (up)\n\t\ta();\n\treturn 0;\n}\n';
    const fn = await functionOf(src, 'f');
    const branch = (text: string) => fn.cfg.nodes.find((n) => n.kind === 'branch' && fn.text(n) === text)!.id;
    const [neg, up] = [branch('retval < 0'), branch('up')];
    const paths = new Set<string>();
    explore<string>(fn.cfg, fn.facts, {
      initial: '',
      key: (s) => s,
      step: (s, node, trace) => {
        const prev = trace.previous();
        const edge = prev === null ? undefined : fn.cfg.nodes[prev]!.succ.find((e) => e.to === node.id);
        return prev === neg || prev === up ? `${s}${prev === neg ? 'neg' : 'up'}:${edge!.kind} ` : s;
      },
      exit: (s) => void paths.add(s.trim()),
    });
    // `retval < 0` with `n == 0` reaches the flag: `up` is false there, though no branch tests
    // `retval` after the flag is set.
    expect([...paths].sort()).toEqual(['neg:false up:false', 'neg:false up:true', 'neg:true', 'neg:true up:false'].sort());
  });
});

test('a mask tested clear rules out its bits set later (sh: `fault & (VM_FAULT_RETRY | VM_FAULT_ERROR)`)', async () => {
  const src = [
    'void f(struct pt_regs *regs)',
    '{',
    '\tvm_fault_t fault = handle(regs);',
    '',
    '\tif (fault & (VM_FAULT_RETRY | VM_FAULT_ERROR))',
    '\t\tbad();',
    '\tif (fault & VM_FAULT_RETRY)',
    '\t\tretry();',
    '\tif (fault & VM_FAULT_COMPLETED)',
    '\t\tdone();',
    '}',
    '',
  ].join('\n');
  // Without `bad`, no `retry`. With `bad` and no `retry`, an error bit is set, which COMPLETED
  // never comes with.
  expect(await callPaths(src, 'f')).toEqual(['handle', 'handle bad', 'handle bad retry', 'handle bad retry done', 'handle done'].sort());
});

test('a fault result with RETRY or COMPLETED set has no error bit, and the other way round (um)', async () => {
  const src = [
    'void f(struct pt_regs *regs)',
    '{',
    '\tvm_fault_t fault = handle(regs);',
    '',
    '\tif ((fault & VM_FAULT_RETRY) && fatal())',
    '\t\treturn;',
    '\tif (fault & VM_FAULT_ERROR)',
    '\t\terror();',
    '\tif (fault & VM_FAULT_RETRY)',
    '\t\tretry();',
    '}',
    '',
  ].join('\n');
  // No path has both `error` and `retry`; the RETRY atom also rules out an error after `fatal`
  // came out false.
  expect(await callPaths(src, 'f')).toEqual(['handle', 'handle error', 'handle fatal', 'handle fatal retry'].sort());
});

test('a fault code stored has its own bit and no other (arm: `fault = VM_FAULT_BADACCESS;`)', async () => {
  const src = [
    'int f(struct vm_area_struct *vma, unsigned long flags)',
    '{',
    '\tvm_fault_t fault;',
    '',
    '\tif (!(vma->vm_flags & flags))',
    '\t\tfault = VM_FAULT_BADACCESS;',
    '\telse',
    '\t\tfault = handle(vma);',
    '\tif (fault & VM_FAULT_RETRY)',
    '\t\tretry();',
    '\tif (fault & (VM_FAULT_BADACCESS | VM_FAULT_BADMAP))',
    '\t\tbad();',
    '\treturn 0;',
    '}',
    '',
  ].join('\n');
  expect(await callPaths(src, 'f')).toEqual(['bad', 'handle', 'handle bad', 'handle retry', 'handle retry bad'].sort());
});

test('every way out reaches the exit on its own, though the facts that told the paths apart are dropped', async () => {
  const fn = await functionOf('int f(int a, int b)\n{\n\tif (a) {\n\t\tif (b)\n\t\t\treturn 1;\n\t\treturn 2;\n\t}\n\treturn 3;\n}\n', 'f');
  const outs: string[] = [];
  explore<string>(fn.cfg, fn.facts, {
    initial: '',
    key: () => '',
    step: (s) => s,
    exit: (_, trace) => void outs.push(fn.text(fn.cfg.nodes[trace.previous()!]!)),
  });
  expect(outs.sort()).toEqual(['return 1;', 'return 2;', 'return 3;']);
});

test('a value tested against more than 32 constants is not related test by test (a 200-arm else-if chain took 6 s, sweep L)', async () => {
  const chain = (arms: number): string => {
    const lines = ['void f(int a)', '{'];
    for (let k = 0; k < arms; k++) lines.push(`\t${k === 0 ? '' : 'else '}if (a == ${k + 1})`, `\t\tarm${k + 1}();`);
    lines.push('\tif (a == 100)', '\t\tagain();', '}', '');
    return lines.join('\n');
  };
  // Related: `arm2()` means a == 2, so the later `a == 100` is false on its path.
  const few = await callPaths(chain(8), 'f');
  expect(few.filter((p) => p === 'arm2' || p.startsWith('arm2 '))).toEqual(['arm2']);
  // Past the cap, each test stands alone: the same path may find `a == 100` true too.
  const many = await callPaths(chain(40), 'f');
  expect(many.filter((p) => p === 'arm2' || p.startsWith('arm2 '))).toEqual(['arm2', 'arm2 again']);
});

test('a function with more than 31 tracked facts is modelled (a liveness word with bit 31 set looped for ever)', async () => {
  const lines = ['void f(int a0)', '{'];
  for (let k = 0; k < 40; k++) lines.push(`\tif (v${k})`, `\t\tp${k}();`, `\tif (v${k})`, `\t\tq${k}();`);
  lines.push('}', '');
  const fn = await functionOf(lines.join('\n'), 'f');
  const result = explore<string>(fn.cfg, fn.facts, { initial: '', key: () => '', step: (s) => s, exit: () => undefined });
  expect(result.complete).toBe(true);
});
