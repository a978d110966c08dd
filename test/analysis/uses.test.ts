/** `use` events: every value read, in evaluation order among the calls and definitions of a node. */
import { displayKey } from '../../src/analysis/ast.js';
import type { CfgNode, FlowEvent } from '../../src/analysis/cfg.js';
import { usesAfter } from '../../src/analysis/dataflow.js';
import type { AnalyzedFunction } from '../../src/analysis/file.js';
import { functionOf } from '../helpers/analyze.js';

const PARAMS = 'struct page *p, struct page *q, struct foo s, int *arr, int i, int x, void (*ops)(int)';

async function fnWith(body: string): Promise<AnalyzedFunction> {
  return functionOf(`void f(${PARAMS})\n{\n${body}\n}\n`, 'f');
}

/** One word per event: `use p->a->b*` (`*`: a dereference of the root), `def x`, `call g`. */
function word(e: FlowEvent): string {
  if (e.k === 'use') return `use ${displayKey(e.key)}${e.deref ? '*' : ''}`;
  if (e.k === 'def') return `def ${displayKey(e.key)}${e.how === 'assign' ? '' : ` (${e.how})`}`;
  return `call ${e.name}`;
}

/** The flow of the first statement node whose text starts with `text`. */
function flowOf(fn: AnalyzedFunction, text: string): string[] {
  const node = fn.cfg.nodes.find((n) => fn.text(n).startsWith(text));
  if (!node) throw new Error(`no node ${text}`);
  return node.flow.map(word);
}

test.each([
  ['reads of paths, one use per path', '\tx = p->a->b + *arr + s.f + q->v[i];', ['use p->a->b*', 'use *arr*', 'use s.f', 'use i', 'use q->v[]*', 'def x']],
  ['a store through a pointer reads the pointer', '\tp->flags = x;', ['use x', 'use p', 'def p->flags']],
  ['a store two levels down reads the pointer it goes through', '\tp->mapping->host = NULL;', ['use p->mapping*', 'def p->mapping->host']],
  ['a compound assignment reads its target', '\tx += i;', ['use i', 'use x', 'def x']],
  ['an update reads and writes', '\ti++;', ['use i', 'def i (update)']],
  ['`&` reads no value, but the pointer it goes through', '\tg(&p->lru, &x);', ['use p', 'call g', 'def p->lru (addr)', 'def x (addr)']],
  ['arguments before the call; a function pointer is read', '\tops(x);', ['use ops', 'use x', 'call ops']],
  ['sizeof reads nothing', '\tx = sizeof(*p);', ['def x']],
  ['a declaration reads its initialiser', '\tint n = q->count;', ['use q->count*', 'def n (init)']],
])('%s', async (_, body, flow) => {
  const fn = await fnWith(body);
  expect(flowOf(fn, body.trim().slice(0, 6))).toEqual(flow);
});

test('events are the flow without its uses', async () => {
  const fn = await fnWith('\tx = p->a + g(q->b);\n\tif (x && h(p->c))\n\t\tkfree(p);');
  for (const n of fn.cfg.nodes) expect(n.events).toEqual(n.flow.filter((e) => e.k !== 'use'));
});

test('a use carries its root, its span and whether it dereferences the root', async () => {
  const fn = await fnWith('\tx = p->index;');
  const use = fn.cfg.nodes.flatMap((n) => n.flow).find((e) => e.k === 'use')!;
  expect(use.k === 'use' && [use.key, use.root.id, use.deref, fn.text(use)]).toEqual(['p@param->index', 'p@param', true, 'p->index']);
});

test('the right of && is read only on the path where the left is true', async () => {
  const fn = await fnWith('\tif (p && p->flags)\n\t\tx = 1;');
  const deref = fn.cfg.nodes.find((n) => n.flow.some((e) => e.k === 'use' && e.deref))!;
  expect(fn.text(deref)).toBe('p->flags');
  expect(deref.pred.map((e) => [fn.text(fn.cfg.nodes[e.to]!), e.kind])).toEqual([['p', 'true']]);
});

test("an iterator macro's cursor is written, not read", async () => {
  const fn = await functionOf('void f(struct mm_struct *mm)\n{\n\tstruct vm_area_struct *vma;\n\tVMA_ITERATOR(vmi, mm, 0);\n\n\tfor_each_vma(vmi, vma)\n\t\tzap(vma);\n}\n', 'f');
  const head = fn.cfg.nodes.find((n) => n.kind === 'loop')!;
  expect(head.flow.map(word)).toEqual(['use vmi', 'def vma (iter)']);
});

describe('usesAfter: the reads of the value a key holds after a node', () => {
  const src = [
    '\tkfree(p);',
    '\tif (x)',
    '\t\tp->flags = 0;',
    '\ttrace(p);',
    '\tp = q;',
    '\tuse(p);',
  ].join('\n');

  const after = (fn: AnalyzedFunction, text: string, key: string): string[] => {
    const from: CfgNode = fn.cfg.nodes.find((n) => fn.text(n).startsWith(text))!;
    return usesAfter(fn.cfg, from.id, key).map((u) => `${fn.line(u.use.start)}:${fn.text(u.use)}`);
  };

  test('reads of the key and of paths through it, until it is overwritten', async () => {
    const fn = await fnWith(src);
    expect(after(fn, 'kfree(p)', 'p@param')).toEqual(['5:p', '6:p']);
  });

  test('a loop brings control back to earlier reads', async () => {
    const fn = await fnWith('\twhile (i--) {\n\t\tuse(p->lru);\n\t\tkfree(p);\n\t}');
    expect(after(fn, 'kfree(p)', 'p@param')).toEqual(['4:p->lru', '5:p']);
  });

  test('a node that reads before it overwrites counts its reads', async () => {
    const fn = await fnWith('\tput(p);\n\tp = p->next;\n\tuse(p);');
    expect(after(fn, 'put(p)', 'p@param')).toEqual(['4:p->next']);
  });
});
