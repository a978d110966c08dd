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
const INITIALISERS = new Set<string>(VM_FLAGS_API.initialisers);
const WRITE_LOCK = new Set<string>([VM_FLAGS_API.writeLock]);

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
    deletionsExplain: false,
  },
  messages: {
    directWrite: {
      headline: '`{{target}}` is written directly with `{{op}}`; use `{{helper}}()`',
      explanation:
        'In this tree `vm_flags` is `const` in a union with `__vm_flags` (include/linux/mm_types.h: "To modify use vm_flags_{init|reset|set|clear|mod} functions"), as {{evidence}} shows, so this write does not build. The helpers exist because changing the flags of a VMA that is in the tree needs the VMA write lock: `vm_flags_set()`, `vm_flags_clear()` and `vm_flags_mod()` take it with `vma_start_write()`, `vm_flags_reset()` asserts it, and `vm_flags_init()` is only for a VMA not yet in the tree.',
      fix: 'Replace the write with `{{call}}` (include/linux/mm.h){{lockFirst}}.',
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
      const { helper, call, lockFirst } = replacement(fn, w, text);
      ctx.report({
        messageId: 'directWrite',
        data: { target: text(w.target), op: w.op, helper, call, lockFirst, evidence: evidence.phrase },
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

/**
 * Whether `base` is a `struct vm_area_struct` (by its declaration, in the function or at file
 * scope: x86's `static struct vm_area_struct gate_vma`), or a `vma` field of something.
 */
export function isVma(fn: AnalyzedFunction, base: Expr): boolean {
  const b = base.k === 'cast' ? base.arg : base;
  if (b.k === 'field') return b.field === 'vma';
  if (b.k === 'unary' && b.op === '*') return isVma(fn, b.arg);
  if (b.k === 'index') return isVma(fn, b.base);
  if (b.k !== 'ident') return false;
  if (b.ref.scope === 'global') return fileScopeVma(fn, b.ref.name);
  const type = fn.declaredType(b.ref);
  return type !== null && VM_FLAGS_API.vmaType.test(type);
}

/** Whether the file declares `name` at file scope as a `struct vm_area_struct` (not a pointer). */
function fileScopeVma(fn: AnalyzedFunction, name: string): boolean {
  const decl = new RegExp(String.raw`^[ \t]*(?:static\s+)?struct\s+vm_area_struct\s+${name}\s*[=;\[]`, 'gm');
  // Only a declaration outside every function: a local of another function is not this one.
  for (const m of fn.file.normalized.text.matchAll(decl)) if (!fn.file.functions.some((f) => f.start <= m.index && m.index < f.end)) return true;
  return false;
}

/**
 * The helper call that does what the write does, written out. A compound write the helpers have
 * no form for is a reset to the value the write computed: `&= MASK` is `vm_flags_reset(vma,
 * vma->vm_flags & MASK)` (6.1's `&= VM_LOCKED_CLEAR_MASK`, `~(VM_LOCKED | VM_LOCKONFAULT)`, has
 * 6.12's own form, `vm_flags_clear(vma, VM_LOCKED_MASK)`); a plain store is an init on a VMA
 * not yet in the tree (allocated or `vma_init()`ed here, or an on-stack one); a reset on any
 * other VMA needs its write lock first, which `vm_flags_reset()` asserts.
 */
function replacement(fn: AnalyzedFunction, w: FlagWrite, text: (e: Expr) => string): { helper: string; call: string; lockFirst: string } {
  const target = w.target.k === 'field' && !w.target.arrow ? `&${text(w.base)}` : text(w.base);
  const value = w.value;
  const done = (helper: string, arg: string): { helper: string; call: string; lockFirst: string } => {
    const lockFirst = helper === 'vm_flags_reset' && !writeLocked(fn, w) ? `, after \`${VM_FLAGS_API.writeLock}(${target})\`: \`vm_flags_reset()\` asserts the VMA write lock, and 6.12 takes it there first` : '';
    return { helper, call: `${helper}(${target}, ${arg})`, lockFirst };
  };
  if (value === null) return done('vm_flags_reset', 'flags');
  if (w.op === '|=') return done('vm_flags_set', text(value));
  if (w.op === '&=' && value.k === 'unary' && value.op === '~') return done('vm_flags_clear', text(value.arg));
  if (w.op === '&=' && value.k === 'ident' && VM_FLAGS_API.clearMasks[value.name] !== undefined) return done('vm_flags_clear', VM_FLAGS_API.clearMasks[value.name]!);
  const mod = w.op === '=' ? modOf(w, value, text) : null;
  if (mod) return done('vm_flags_mod', mod);
  if (w.op !== '=') {
    const operand = value.k === 'ident' || value.k === 'call' || value.k === 'field' ? text(value) : `(${text(value)})`;
    return done('vm_flags_reset', `${text(w.target)} ${w.op.slice(0, -1)} ${operand}`);
  }
  return done(freshVma(fn, w) ? 'vm_flags_init' : 'vm_flags_reset', text(value));
}

/**
 * `set, clear` of `vma->vm_flags = (vma->vm_flags & ~A) | B` (or `(vma->vm_flags | B) & ~A`):
 * what `vm_flags_mod(vma, B, A)` does (6.12 drivers/gpu/drm/vmwgfx/vmwgfx_ttm_glue.c
 * `vm_flags_mod(vma, VM_PFNMAP, VM_MIXEDMAP)`, 6.1's `vma->vm_flags = (vma->vm_flags &
 * ~VM_MIXEDMAP) | VM_PFNMAP`); null for any other value.
 */
function modOf(w: FlagWrite, value: Expr, text: (e: Expr) => string): string | null {
  const same = (e: Expr): boolean => text(e) === text(w.target);
  if (value.k !== 'binary') return null;
  const { left, right } = value;
  if (value.op === '|' && left.k === 'binary' && left.op === '&' && same(left.left) && left.right.k === 'unary' && left.right.op === '~') return `${text(right)}, ${text(left.right.arg)}`;
  if (value.op === '&' && right.k === 'unary' && right.op === '~' && left.k === 'binary' && left.op === '|' && same(left.left)) return `${text(left.right)}, ${text(right.arg)}`;
  return null;
}

/** Whether the written VMA is not in the tree yet: allocated or initialised here, or a struct of its own (on the stack, at file scope). */
function freshVma(fn: AnalyzedFunction, w: FlagWrite): boolean {
  if (w.target.k === 'field' && !w.target.arrow) return true;
  const key = pathKey(w.base);
  if (key === null) return false;
  const allocated = fn.cfg.nodes.some((n) => n.events.some((e) => e.k === 'def' && e.key === key && e.value !== null && e.value.k === 'call' && e.value.name !== null && FRESH.has(e.value.name)));
  return allocated || calledOn(fn, INITIALISERS, key, Infinity);
}

/** Whether the function write-locks the VMA (`vma_start_write(vma)`) before the write, in the source's order. */
function writeLocked(fn: AnalyzedFunction, w: FlagWrite): boolean {
  return calledOn(fn, WRITE_LOCK, pathKey(w.base), w.start);
}

/** Whether one of `names` is called on the VMA `key` (its first argument) somewhere before offset `before`. */
function calledOn(fn: AnalyzedFunction, names: ReadonlySet<string>, key: string | null, before: number): boolean {
  return key !== null && fn.cfg.nodes.some((n) => n.start < before && n.events.some((e) => e.k === 'call' && e.name !== null && names.has(e.name) && e.call.args[0] !== undefined && pathKey(e.call.args[0]) === key));
}
