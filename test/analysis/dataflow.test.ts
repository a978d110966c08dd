/** Reaching definitions and value canonicalisation. */
import { pathKey, type Expr } from '../../src/analysis/ast.js';
import { functionOf, lineOf } from '../helpers/analyze.js';

const SRC = `void f(struct vm_fault *vmf, struct vm_area_struct *next, bool x)
{
	struct vm_area_struct *vma = vmf->vma;
	struct vm_area_struct *cur = vma;

	if (x)
		vma = next;
	use(vma, cur);
	lookup(&cur);
	use(vma, cur, vmf->vma);
}
`;

/** The CFG node whose text starts with `text`. */
async function setup() {
  const fn = await functionOf(SRC, 'f');
  const node = (needle: string) => fn.cfg.nodes.find((n) => fn.line(n.start) === lineOf(SRC, needle) && n.kind !== 'branch')!;
  const callArgs = (needle: string): Expr[] => {
    const n = node(needle);
    const ev = n.events.find((e) => e.k === 'call');
    return ev && ev.k === 'call' ? ev.call.args : [];
  };
  return { fn, node, callArgs };
}

test('reaching definitions join over branches and see through may-definitions', async () => {
  const { fn, node, callArgs } = await setup();
  const [vma, cur] = callArgs('use(vma, cur);');
  const defLines = (key: string, at: string) => fn.defs.reaching(node(at).id, key).map((d) => fn.line(d.def.start)).sort();
  expect(defLines(pathKey(vma!)!, 'use(vma, cur);')).toEqual([3, 7]);
  expect(defLines(pathKey(cur!)!, 'use(vma, cur);')).toEqual([4]);
  // `&cur` passed to a call may write it: both definitions reach the second use.
  expect(defLines(pathKey(cur!)!, 'use(vma, cur, vmf->vma);')).toEqual([4, 9]);
});

test('canonical values follow unique plain copies', async () => {
  const { fn, node, callArgs } = await setup();
  const first = node('use(vma, cur);').id;
  const [vma, cur] = callArgs('use(vma, cur);');
  const [, , vmfVma] = callArgs('use(vma, cur, vmf->vma);');
  // `cur` is a copy of `vma` made before the branch, so it holds `vmf->vma`.
  expect(fn.defs.canonical(cur!, first)).toBe(fn.defs.canonical(vmfVma!, first));
  // `vma` may have been replaced by `next`: not known to be `vmf->vma`.
  expect(fn.defs.canonical(vma!, first)).not.toBe(fn.defs.canonical(vmfVma!, first));
});

test('functions with more definitions than one bit-set word hold terminate with exact answers', async () => {
  const assignments = Array.from({ length: 70 }, (_, i) => `\t\tv${i % 7} = v${(i + 1) % 7} + ${i};`).join('\n');
  const src = `int g(int n)\n{\n\tint v0 = 0, v1 = 0, v2 = 0, v3 = 0, v4 = 0, v5 = 0, v6 = 0;\n\n\twhile (n--) {\n${assignments}\n\t}\n\treturn v0;\n}\n`;
  const fn = await functionOf(src, 'g');
  expect(fn.defs.sites.length).toBeGreaterThan(64);
  const ret = fn.cfg.nodes.find((n) => n.kind === 'return')!;
  const v0 = fn.defs.sites.find((s) => s.def.key.startsWith('v0@'))!.def.key;
  // v0 is defined at its declaration and by every 7th assignment; the last in the loop body and the declaration reach the return.
  expect(fn.defs.reaching(ret.id, v0).map((d) => fn.line(d.def.start))).toEqual([3, 69]);
});

test('definitions made in every arm of a switch inside a loop all reach the loop head and the test after the switch', async () => {
  // 200 arms, each storing its own constant: the solver visits the switch's join once per
  // round, not once per arm (sweep AI: 6,000 arms took 19 s).
  const arms = Array.from({ length: 200 }, (_, i) => `\tcase ${i}: x = ${i}; break;`);
  const src = ['int f(int x, int n)', '{', '\tfor (; n > 0; n--) {', '\tswitch (x) {', ...arms, '\t}', '\tif (x == 7)', '\t\tbreak;', '\t}', '\treturn x;', '}', ''].join('\n');
  const fn = await functionOf(src, 'f');
  const at = (needle: string) => fn.cfg.nodes.find((n) => fn.line(n.start) === lineOf(src, needle))!;
  // The key of `x` as the function's definitions name it (its parameter's).
  const x = fn.cfg.nodes.flatMap((n) => n.events).find((e) => e.k === 'def' && e.how === 'param')!;
  const lines = (needle: string) => fn.defs.reaching(at(needle).id, x.k === 'def' ? x.key : '').map((d) => fn.line(d.def.start));
  const stores = arms.map((a) => lineOf(src, a));
  // After the switch: one of the arms' stores, or (no arm taken) the parameter.
  expect(lines('if (x == 7)')).toEqual([1, ...stores]);
  // At the switch, in the loop: the parameter, or an arm's store from the round before.
  expect(lines('switch (x)')).toEqual([1, ...stores]);
});
