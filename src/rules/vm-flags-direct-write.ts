/**
 * In trees where `vm_flags` is a `const` member of a union with `__vm_flags` (6.3 and later, so
 * 6.12), a VMA's flags are changed only through `vm_flags_set/clear/mod/reset/init()`: a direct
 * write `vma->vm_flags |= ...` does not build, and the helpers are also where the VMA write lock
 * is taken (`vm_flags_set()` calls `vma_start_write()`).
 *
 * The API level is read from the code, never assumed: the file under review calls or defines
 * one of the helpers (outside a `#ifdef` of a macro that may never be defined: 6.1's
 * habanalabs driver calls `vm_flags_set()` under `#ifdef _HAS_DMA_MMAP_COHERENT`, defined
 * nowhere), or the tree the scan or review can read defines `vm_flags_set()`
 * (include/linux/mm.h). 6.1-style code, with no helper anywhere in sight, writes its flags
 * directly and is left alone.
 *
 * Only writes to a `struct vm_area_struct` count: other structures have a `vm_flags` member too
 * (`struct vm_region`, rmap's `folio_referenced_arg`, s390's `ccw`, trace entries), and an
 * on-stack VMA's designated initialiser (`{ .vm_flags = ... }`) is not a write.
 */
import { forEachExpr, pathKey, type Expr } from '../analysis/ast.js';
import type { AnalyzedFunction } from '../analysis/file.js';
import { apiEvidence } from './api-level.js';
import { defineRule } from './define-rule.js';
import { VM_FLAGS_API } from './resources.js';

const HELPERS = new Set<string>(VM_FLAGS_API.helpers);
/** Punctuators after a field that make the expression a write of it. */
const ASSIGNING: ReadonlySet<string> = new Set(['=', '|=', '&=', '^=', '+=', '-=', '<<=', '>>=', '++', '--']);
const INCREMENTS: ReadonlySet<string> = new Set(['++', '--']);
/**
 * The punctuators of `ops` as regular-expression alternatives, longest first. One ending in `=`
 * must not be the start of `==` (`vm_flags == x` reads the flags).
 */
function alternatives(ops: ReadonlySet<string>): string {
  return [...ops]
    .sort((a, b) => b.length - a.length)
    .map((op) => op.replace(/[|^+*/\\]/g, '\\$&') + (op.endsWith('=') ? '(?!=)' : ''))
    .join('|');
}
/** White space and line continuations: what separates two tokens in the raw text (comments aside). */
const GAP = String.raw`\s*(?:\\\n\s*)*`;
/**
 * `needs` on the raw text: `vm_flags` right before an assignment or `++`/`--`, or right after
 * `++`/`--`. A comment next to `vm_flags` (`/` after it, `*` `/` before it) counts as a write:
 * anything `hasTokenNear()` finds in a function, this finds in its file, and in linear time
 * whatever the file holds (no pattern here can backtrack over a comment's body).
 */
const WRITTEN = new RegExp(String.raw`(?<![\w$])${VM_FLAGS_API.field}${GAP}(?:${alternatives(ASSIGNING)}|/)|(?:${alternatives(INCREMENTS)}|\*/)${GAP}${VM_FLAGS_API.field}(?![\w$])`);
/** Allocators of VMAs not yet in the tree, whose flags are set with `vm_flags_init()`. */
const FRESH = new Set<string>(VM_FLAGS_API.fresh);

export default defineRule({
  id: 'vm-flags-direct-write',
  meta: {
    summary: 'in trees with the const `vm_flags` union, change VMA flags only through the `vm_flags_*()` helpers',
    severity: 'error',
    confidence: 'high',
    resources: [],
    calls: [VM_FLAGS_API.field],
    // Only a write matters: most functions that mention `vm_flags` read it.
    needs: (file, span) => file.hasTokenNear(span, VM_FLAGS_API.field, ASSIGNING, INCREMENTS),
    fileNeeds: (text) => WRITTEN.test(text),
  },
  messages: {
    directWrite: {
      headline: '`{{target}}` is written directly with `{{op}}`; use `{{helper}}()`',
      explanation:
        'In this tree `vm_flags` is `const` in a union with `__vm_flags` (include/linux/mm_types.h: "To modify use vm_flags_{init|reset|set|clear|mod} functions"), as {{evidence}} shows, so this write does not build. The helpers exist because changing the flags of a VMA that is in the tree needs the VMA write lock: `vm_flags_set()`, `vm_flags_clear()` and `vm_flags_mod()` take it with `vma_start_write()`, `vm_flags_reset()` asserts it, and `vm_flags_init()` is only for a VMA not yet in the tree.',
      fix: 'Replace the write with `{{call}}` (include/linux/mm.h).',
    },
  },
  check(fn, ctx) {
    // The helpers' own bodies write the flags: in 6.12 through `__vm_flags`, in a 6.1 tree that
    // backported them as plain writes (sweep H) through `vm_flags` itself, which is fine there.
    if (HELPERS.has(fn.name)) return;
    const writes = flagWrites(fn);
    if (writes.length === 0) return;
    // A tree whose `vm_flags_set()` writes `vm_flags` itself, not the union's `__vm_flags`, has
    // the helpers without the const union: a 6.1 tree with backported helpers (sweep H's series
    // was told "this write does not build" of writes that build).
    const defs = ctx.summaries.definitions(VM_FLAGS_API.probe, fn.file);
    if (defs.length > 0 && defs.every((d) => !d.file.identifiersOf(d.span).has(VM_FLAGS_API.union))) return;
    // Where the code shows that `vm_flags` is const here; null for 6.1-style code.
    const evidence = apiEvidence(fn, { names: [...HELPERS], probe: VM_FLAGS_API.probe, skipComments: false }, (name) => ctx.summaries.definitions(name, fn.file).length > 0);
    if (evidence === null) return;
    const text = (e: Expr): string => fn.file.source.text.slice(e.start, e.end).replace(/\s+/g, ' ').trim();
    for (const w of writes) {
      const helper = helperFor(fn, w);
      const value = w.value === null ? 'flags' : text(w.op === '&=' && w.value.k === 'unary' && w.value.op === '~' ? w.value.arg : w.value);
      ctx.report({
        messageId: 'directWrite',
        data: { target: text(w.target), op: w.op, helper, call: `${helper}(${text(w.base)}, ${value})`, evidence: evidence.phrase },
        at: w,
        // The helper call is shown when it is in this function; elsewhere the note names it.
        related: evidence.at && evidence.at.start >= fn.span.start && evidence.at.end <= fn.span.end ? [{ at: evidence.at, message: `\`${evidence.name}()\` here: this file uses the helpers, so \`vm_flags\` is const` }] : [],
      });
    }
  },
});

interface FlagWrite {
  start: number;
  end: number;
  target: Expr;
  base: Expr;
  op: string;
  value: Expr | null;
}

/** Assignments and updates of `X->vm_flags` / `X.vm_flags` where X is a VMA. */
function flagWrites(fn: AnalyzedFunction): FlagWrite[] {
  const out: FlagWrite[] = [];
  const seen = new Set<number>();
  for (const node of fn.cfg.nodes) {
    const visit = (e: Expr): void => {
      if ((e.k === 'assign' || e.k === 'update') && !seen.has(e.start)) {
        const target = e.k === 'assign' ? e.target : e.arg;
        if (target.k === 'field' && target.field === VM_FLAGS_API.field && isVma(fn, target.base)) {
          seen.add(e.start);
          out.push({ start: e.start, end: e.end, target, base: target.base, op: e.op, value: e.k === 'assign' ? e.value : null });
        }
      }
    };
    if (node.expr) forEachExpr(node.expr, visit);
    for (const d of node.decls ?? []) if (d.init) forEachExpr(d.init, visit);
  }
  return out;
}

/** Whether `base` is a `struct vm_area_struct` (by its declaration), or a `vma` field of something. */
export function isVma(fn: AnalyzedFunction, base: Expr): boolean {
  const b = base.k === 'cast' ? base.arg : base;
  if (b.k === 'field') return b.field === 'vma';
  if (b.k === 'unary' && b.op === '*') return isVma(fn, b.arg);
  if (b.k === 'index') return isVma(fn, b.base);
  if (b.k !== 'ident') return false;
  const type = fn.declaredType(b.ref);
  return type !== null && VM_FLAGS_API.vmaType.test(type);
}

/** The helper that does what the write does: a plain store is an init on a VMA this function allocated. */
function helperFor(fn: AnalyzedFunction, w: FlagWrite): string {
  if (w.op === '|=') return 'vm_flags_set';
  if (w.op === '&=' && w.value && w.value.k === 'unary' && w.value.op === '~') return 'vm_flags_clear';
  if (w.op !== '=') return 'vm_flags_reset';
  const key = pathKey(w.base);
  const fresh = key !== null && fn.cfg.nodes.some((n) => n.events.some((e) => e.k === 'def' && e.key === key && e.value !== null && e.value.k === 'call' && e.value.name !== null && FRESH.has(e.value.name)));
  return fresh ? 'vm_flags_init' : 'vm_flags_reset';
}
