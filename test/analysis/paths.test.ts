/** The path explorer: correlated conditions and constant flags prune infeasible paths. */
import { explore } from '../../src/analysis/paths.js';
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
