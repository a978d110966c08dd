/**
 * `find_vma_intersection(mm, a, a + 1)` asks for the VMA containing `a`: `vma_lookup(mm, a)`
 * says so directly (the 2021 patch that added `vma_lookup()` names these callers).
 */
import { callsOneOf, defineRule } from './define-rule.js';
import type { Expr } from '../analysis/ast.js';

export default defineRule({
  id: 'find-vma-intersection-single-addr',
  meta: {
    summary: '`find_vma_intersection(mm, a, a + 1)` is `vma_lookup(mm, a)`',
    severity: 'note',
    confidence: 'high',
    resources: [],
    calls: ['find_vma_intersection'],
    needs: callsOneOf(['find_vma_intersection']),
  },
  messages: {
    singleAddress: {
      headline: 'a one-byte `find_vma_intersection()` at `{{addr}}` is `vma_lookup({{mm}}, {{addr}})`',
      explanation:
        'A one-byte range `[{{addr}}, {{addr}} + 1)` intersects a VMA exactly when the VMA contains `{{addr}}`, which is what `vma_lookup()` (include/linux/mm.h) answers with a single maple-tree load. The patch that introduced `vma_lookup()` in 2021 converted callers of this form to make the intent ("the VMA at this address") plain to the reader.',
      fix: 'Call `vma_lookup({{mm}}, {{addr}})` instead.',
    },
  },
  check(fn, ctx) {
    for (const node of fn.cfg.nodes) {
      for (const ev of node.events) {
        if (ev.k !== 'call' || ev.name !== 'find_vma_intersection' || ev.call.args.length !== 3) continue;
        const [mm, start, end] = ev.call.args as [Expr, Expr, Expr];
        if (!isPlusOne(end, fn.text(start), fn.text.bind(fn))) continue;
        ctx.report({ messageId: 'singleAddress', data: { mm: fn.text(mm), addr: fn.text(start) }, at: ev.call });
      }
    }
  },
});

/** Whether `end` is `start + 1` (or `1 + start`), comparing the source text of `start`. */
function isPlusOne(end: Expr, start: string, text: (e: Expr) => string): boolean {
  if (end.k !== 'binary' || end.op !== '+') return false;
  const one = (e: Expr): boolean => e.k === 'lit' && /^1[uUlL]*$/.test(e.text.trim());
  const same = (e: Expr): boolean => strip(text(e)) === strip(start);
  return (one(end.right) && same(end.left)) || (one(end.left) && same(end.right));
}

/** Source text without white space or redundant outer parentheses. */
function strip(t: string): string {
  let s = t.replace(/\s+/g, '');
  while (s.startsWith('(') && s.endsWith(')') && balanced(s.slice(1, -1))) s = s.slice(1, -1);
  return s;
}

function balanced(s: string): boolean {
  let depth = 0;
  for (const c of s) {
    if (c === '(') depth++;
    else if (c === ')' && --depth < 0) return false;
  }
  return depth === 0;
}
