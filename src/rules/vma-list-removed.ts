/**
 * The VMA linked list is gone since v6.1 (upstream 763ecb035029 "mm: remove the vma linked
 * list"): `vma->vm_next`, `vma->vm_prev` and the list head `mm->mmap` exist in neither 6.1's nor
 * 6.12's include/linux/mm_types.h. Code written for an older tree (a backport in the other
 * direction, an out-of-tree driver, a patch rebased from 5.x) walks a list that is not there.
 *
 * The tree's level is read, never assumed (the seed patch is a v5.15 one and walks
 * `vma->vm_next` legitimately): the file itself uses the maple-tree API that replaced the list
 * (`VMA_ITERATOR`, `for_each_vma()`, `vma_find()`, `mas_find()`, ... outside a `#ifdef` of a
 * macro that may be defined nowhere), or the tree widen can read defines `vma_find()`
 * (include/linux/mm.h). Without either, the code is taken to be written for its own, older tree.
 *
 * Only fields of a `struct vm_area_struct` (by declaration, or a lookup's result) and of a
 * `struct mm_struct` (by declaration, or `current->mm`, `vma->vm_mm`) count: other structures
 * have `vm_next` or `mmap` members (`file_operations.mmap`, perf's `attr.mmap`), and comments
 * never reach the syntax tree (6.12 arch/parisc/mm/fault.c:134-136 mention `prev->vm_next`).
 */
import { forEachExpr, type Expr } from '../analysis/ast.js';
import type { AnalyzedFunction } from '../analysis/file.js';
import { apiEvidence } from './api-level.js';
import { callsOneOf, defineRule, type Span } from './define-rule.js';
import { VMA_LIST_API, VMA_LOOKUPS } from './resources.js';

const LOOKUPS = new Set(VMA_LOOKUPS);

export default defineRule({
  id: 'vma-list-removed',
  meta: {
    summary: 'no `vm_next`, `vm_prev` or `mm->mmap` in trees where the maple tree replaced the VMA list (6.1 and later)',
    severity: 'error',
    confidence: 'high',
    resources: [],
    // The probe too: the header that defines it must be among the files a scan indexes. Not
    // the head's name: `mmap` is an identifier in a thousand more files of 6.12 (every
    // `f_op->mmap`), which cost a whole-tree scan a quarter more time for a use that nearly
    // always comes with a `vm_next` walk.
    calls: [...VMA_LIST_API.links, VMA_LIST_API.probe],
    // It reports only at the function's own list uses: one that names only the probe, or
    // calls a function that does, has nothing to report.
    needs: callsOneOf([...VMA_LIST_API.links, VMA_LIST_API.head]),
  },
  messages: {
    link: {
      headline: '`{{use}}` walks the VMA linked list, which this tree no longer has',
      explanation:
        '`struct vm_area_struct` lost `vm_next` and `vm_prev` when the maple tree replaced the VMA list in v6.1 (upstream 763ecb035029 "mm: remove the vma linked list"; neither 6.1 nor 6.12 include/linux/mm_types.h has them), and {{evidence}} shows this code is for such a tree: it does not build here. The neighbours of a VMA are found through the tree, under the mmap lock.',
      fix: '{{instead}}',
    },
    head: {
      headline: '`{{use}}` reads the VMA list head, which `struct mm_struct` no longer has here',
      brief: '`{{use}}` reads a VMA list head `struct mm_struct` no longer has',
      explanation:
        '`struct mm_struct` lost its `mmap` list head when the maple tree `mm_mt` replaced the VMA list in v6.1 (upstream 763ecb035029 "mm: remove the vma linked list"), and {{evidence}} shows this code is for such a tree: it does not build here.',
      fix: 'Find the first VMA with `find_vma({{mm}}, 0)`, walk them with `VMA_ITERATOR(vmi, {{mm}}, 0)` and `for_each_vma(vmi, vma)`, and test for an empty address space with `{{mm}}->map_count`.',
    },
  },
  check(fn, ctx) {
    const uses = listUses(fn);
    if (uses.length === 0) return;
    // What shows the code is for a tree without the list: a live use of the maple-tree API in the
    // file (the function's own first), or the tree's definition of the probe.
    const evidence = apiEvidence(fn, { names: VMA_LIST_API.evidence, probe: VMA_LIST_API.probe, skipComments: true }, (name) => ctx.summaries.definitions(name, fn.file).length > 0);
    if (evidence === null) return;
    // One report per function: a list walk (a link, with the head it starts from as a related
    // line) or, with no link, the head alone; every other use is a related line.
    const kind = uses.some((u) => u.kind === 'link') ? 'link' : 'head';
    const first = uses.find((u) => u.kind === kind)!;
    const related = uses.filter((u) => u !== first).map((u) => ({ at: u as Span, message: `\`${fn.text(u.expr)}\` uses the removed list too` }));
    if (evidence.at && evidence.at.start >= fn.span.start && evidence.at.end <= fn.span.end) {
      related.push({ at: evidence.at, message: `\`${evidence.name}()\` here: this code is for a tree with the maple tree` });
    }
    ctx.report({
      messageId: kind,
      data: { use: fn.text(first.expr), evidence: evidence.phrase, instead: instead(first), mm: kind === 'head' ? fn.text(first.base) : '' },
      at: first,
      related,
    });
  },
});

interface ListUse {
  kind: 'link' | 'head';
  field: string;
  expr: Expr;
  base: Expr;
  start: number;
  end: number;
}

/** The reads and writes of `X->vm_next`, `X->vm_prev` (X a VMA) and `M->mmap` (M an mm), in source order. */
function listUses(fn: AnalyzedFunction): ListUse[] {
  const out: ListUse[] = [];
  const seen = new Set<number>();
  const visit = (e: Expr): void => {
    if (e.k !== 'field' || seen.has(e.start * 31 + e.end)) return;
    const link = (VMA_LIST_API.links as readonly string[]).includes(e.field) && isVma(fn, e.base);
    const head = e.field === VMA_LIST_API.head && isMm(fn, e.base);
    if (!link && !head) return;
    seen.add(e.start * 31 + e.end);
    out.push({ kind: link ? 'link' : 'head', field: e.field, expr: e, base: e.base, start: e.start, end: e.end });
  };
  for (const node of fn.cfg.nodes) {
    if (node.expr) forEachExpr(node.expr, visit);
    for (const d of node.decls ?? []) if (d.init) forEachExpr(d.init, visit);
  }
  return out.sort((a, b) => a.start - b.start);
}

/** Whether `e` is a VMA: declared so, a lookup's result, or a list link of one. */
function isVma(fn: AnalyzedFunction, e: Expr): boolean {
  const b = e.k === 'cast' ? e.arg : e;
  if (b.k === 'ident') {
    const type = fn.declaredType(b.ref);
    return type !== null && VMA_LIST_API.vmaType.test(type);
  }
  if (b.k === 'field') return (VMA_LIST_API.links as readonly string[]).includes(b.field) ? isVma(fn, b.base) : b.field === 'vma' || (b.field === VMA_LIST_API.head && isMm(fn, b.base));
  if (b.k === 'call') return b.name !== null && LOOKUPS.has(b.name);
  return false;
}

/** Whether `e` is a `struct mm_struct`: declared so, or an mm field of something (`current->mm`). */
function isMm(fn: AnalyzedFunction, e: Expr): boolean {
  const b = e.k === 'cast' ? e.arg : e;
  if (b.k === 'ident') {
    const type = fn.declaredType(b.ref);
    return type !== null && VMA_LIST_API.mmType.test(type);
  }
  return b.k === 'field' && (VMA_LIST_API.mmFields as readonly string[]).includes(b.field);
}

/** What replaces one step along the list. */
function instead(u: ListUse): string {
  if (u.kind === 'head') return '';
  return u.field === 'vm_next'
    ? 'Walk the VMAs with `VMA_ITERATOR(vmi, mm, addr)` and `for_each_vma(vmi, vma)` (or `for_each_vma_range()`, `vma_next(&vmi)`); for one step, `find_vma(mm, vma->vm_end)` (include/linux/mm.h).'
    : 'Step back with `vma_prev(&vmi)` on the iterator that found the VMA, or look the previous VMA up with `find_vma_prev(mm, addr, &prev)` (include/linux/mm.h).';
}
