/**
 * `find_vma(mm, addr)` returns the first VMA that ends above `addr`, which may start above it:
 * a caller that uses the result as "the VMA containing `addr`" must check `vm_start <= addr`
 * first, or use `vma_lookup()`.
 *
 * The rule follows every path from `v = find_vma(mm, addr)` and reports the first use of `v` as
 * the containing VMA (a field read other than its bounds, such as `vm_flags`, `vm_file`,
 * `vm_pgoff`; or `v` handed to a fault or pin helper) on a path where the function has not
 * looked at where `v` starts. Looking at it settles the question on that path, whatever the
 * comparison: any read of `v->vm_start`, or a call of a helper that compares the start itself
 * (`vm_start_gap()`, `range_in_vma()`, the stack-growth and arch `access_error()` helpers).
 * That is deliberately generous: range walkers that treat `vm_start > start` as a hole
 * (mm/madvise.c `madvise_walk_vmas()`), free-area checks (`!vma || addr + len <=
 * vm_start_gap(vma)`) and `lock_mm_and_find_vma()`'s `VM_GROWSDOWN` handling after
 * `vma->vm_start <= addr` all read the start before they use the VMA.
 *
 * A third form needs no path: `if (find_vma(mm, addr))` taken as "is `addr` mapped" (the
 * signal-code bug MIPS fixed, the catalog's B13), or the same through a variable that is never
 * read but in NULL tests.
 *
 * Not judged: `find_vma(mm, 0)` ("the first VMA"), a lookup at another VMA's boundary
 * (`find_vma(mm, vma->vm_end)`: the next VMA, on purpose), a variable named as the next VMA
 * (`next`), and a VMA handed to a helper widen does not know (which may do the check).
 */
import { displayKey, pathKey, forEachExpr, type Expr, type Stmt } from '../analysis/ast.js';
import type { CfgNode } from '../analysis/cfg.js';
import type { AnalyzedFunction } from '../analysis/file.js';
import { explore } from '../analysis/paths.js';
import { withoutMmu } from './api-level.js';
import { callsOneOf, defineRule, type RelatedSpan } from './define-rule.js';
import { fileHelper } from './facts.js';
import { VMA_FAULT_HELPERS, VMA_PREDICATES, VMA_START_CHECK_HELPERS } from './resources.js';
import { atNeighbour, backEdgeTargets, cameBack, lookupCall, nullTest, trackedRoot } from './vma-lookup-null-check.js';
import { usesAfter } from '../analysis/dataflow.js';

const FIND = new Set(['find_vma', 'find_vma_prev']);
const FAULT = new Set(VMA_FAULT_HELPERS);
const CHECKS = new Set(VMA_START_CHECK_HELPERS);
const PREDICATES = new Set(VMA_PREDICATES);
/** The stack-growth calls: a function that makes one takes VMAs above the address on purpose. */
const STACK_GROWERS: ReadonlySet<string> = new Set(['expand_stack', 'expand_stack_locked', 'expand_downwards']);
/** Fields that say where the VMA is, or whose mm it is: reading them is not using it as the VMA of `addr`. */
const BOUNDS = new Set(['vm_start', 'vm_end', 'vm_mm', 'vm_next', 'vm_prev']);

interface Found {
  at: number;
  call: string;
  addr: string;
  mm: string;
  /**
   * A field read in a condition (`if (vma->vm_ops != &my_ops) goto out;`) that a later check
   * of the start on the same path makes harmless (Xen's privcmd checks `m.addr !=
   * vma->vm_start` right after its `vm_ops` filter): reported only if the path goes on to use
   * the VMA without that check.
   */
  pending: { node: number; use: string; helper?: { name: string; read: HelperRead } } | null;
}
type State = ReadonlyMap<string, Found>;

export default defineRule({
  id: 'find-vma-missing-start-check',
  meta: {
    summary: '`find_vma()` may return a VMA above the address: check `vm_start`, or use `vma_lookup()`',
    severity: 'warning',
    confidence: 'medium',
    resources: [],
    calls: [...FIND],
    needs: callsOneOf(FIND),
  },
  messages: {
    mapped: {
      headline: '`{{call}}` is tested as "is `{{addr}}` mapped", but may return a VMA above it',
      brief: '`{{call}}` as "is `{{addr}}` mapped" may return a VMA above it',
      explanation:
        '`{{call}}` returns the first VMA that ends above `{{addr}}`, which may start above it (include/linux/mm.h, the kernel-doc of `find_vma()`): a non-NULL result does not mean `{{addr}}` is mapped. An address in the hole below a VMA is taken as mapped, which is the bug MIPS fixed in its trap code ("return correct si code for accessing nonmapped addresses": `SEGV_ACCERR` was sent where `SEGV_MAPERR` was due).',
      fix: 'Ask `vma_lookup({{mm}}, {{addr}})`, which returns NULL unless a VMA contains the address.',
    },
    field: {
      headline: '`{{vma}}` from `{{call}}` may not contain `{{addr}}`: nothing checks `vm_start`',
      brief: '`{{vma}}` from `{{call}}` may not contain `{{addr}}`',
      explanation:
        '`{{call}}` returns the first VMA that ends above `{{addr}}`, which may start above it (include/linux/mm.h, the kernel-doc of `find_vma()`): `{{addr}}` can sit in the hole below it. On the path shown the function reads `{{use}}` as if `{{vma}}` contained `{{addr}}`, and nothing compared `{{vma}}->vm_start` with it first. The 2021 patch that added `vma_lookup()` calls this the find_vma() use "that is often overlooked for a long time".',
      fix: '{{lookup}}bail out when `{{addr}} < {{vma}}->vm_start`{{stack}}.',
    },
    helperReads: {
      headline: '`{{use}}` reads `{{vma}}->{{field}}`, but `{{vma}}` from `{{call}}` may not contain `{{addr}}`',
      brief: '`{{use}}` reads a `{{vma}}` that may not contain `{{addr}}`',
      explanation:
        '`{{call}}` returns the first VMA that ends above `{{addr}}`, which may start above it (include/linux/mm.h, the kernel-doc of `find_vma()`): `{{addr}}` can sit in the hole below it. On the path shown the function hands `{{vma}}` to `{{use}}`, which reads `{{field}}` of it as the VMA of the address, and nothing compared `{{vma}}->vm_start` with `{{addr}}` first. It makes no difference that the read happens inside `{{use}}`: its answer is about a VMA that may not hold the address.',
      fix: '{{lookup}}bail out when `{{addr}} < {{vma}}->vm_start`{{stack}}.',
    },
    passed: {
      headline: '`{{vma}}` from `{{call}}` is passed to `{{use}}` without a `vm_start` check',
      brief: '`{{use}}` is handed `{{vma}}` without a `vm_start` check',
      explanation:
        '`{{call}}` returns the first VMA that ends above `{{addr}}`, which may start above it (include/linux/mm.h, the kernel-doc of `find_vma()`). `{{use}}` works on the page tables of the VMA it is handed (to fault in, find or map a page) at an address its caller says is inside it; on the path shown nothing compared `{{vma}}->vm_start` with `{{addr}}`, so an address in the hole below the VMA reaches it.',
      fix: '{{lookup}}bail out when `{{addr}} < {{vma}}->vm_start`{{stack}}.',
    },
  },
  check(fn, ctx) {
    const tracked = (call: (Expr & { k: 'call' }) | null, key: string): boolean => {
      if (!call || call.args.length < 2 || atNeighbour(call)) return false;
      const addr = call.args[1]!;
      if (isZero(addr)) return false;
      // A variable named for the next VMA holds it on purpose (the stack guard-gap checks).
      return !/next/i.test(displayKey(key));
    };
    // Without an MMU, find_vma() is exact (mm/nommu.c): it returns the VMA containing the address.
    if (withoutMmu(fn)) return;
    // `if (find_vma(mm, addr))` as "is addr mapped?": the signal code of the catalog's B13.
    // Or the test of a `?:` (sweep S: `si_code = find_vma(mm, addr) ? SEGV_ACCERR : SEGV_MAPERR;`),
    // or its truth kept in a flag (sweep S: `mapped = find_vma(mm, addr) != NULL;`).
    for (const node of fn.cfg.nodes) {
      const cond = node.expr;
      if (!cond) continue;
      for (const ev of node.events) {
        if (ev.k !== 'call' || ev.name !== 'find_vma' || ev.call.args.length < 2 || isZero(ev.call.args[1]!)) continue;
        const call = ev.call;
        let chosen = false;
        forEachExpr(cond, (e) => {
          if (e.k === 'cond' && testsTruth(e.test, call)) chosen = true;
        });
        const kept = node.events.some((d) => d.k === 'def' && (d.how === 'assign' || d.how === 'init') && d.value !== null && d.value !== call && testsTruth(d.value, call));
        if (!chosen && !kept && !((node.kind === 'branch' || node.kind === 'loop') && testsTruth(cond, call))) continue;
        ctx.report({ messageId: 'mapped', data: { call: 'find_vma()', addr: fn.text(call.args[1]!), mm: fn.text(call.args[0]!) }, at: node });
      }
    }
    let any = false;
    for (const n of fn.cfg.nodes) for (const ev of n.events) if (ev.k === 'def' && tracked(lookupCall(ev.value, FIND), ev.key)) any = true;
    if (!any) return;
    // The stored form of `mapped`: `vma = find_vma(mm, addr); if (!vma) ... SEGV_MAPERR`, with
    // `vma` never read but in NULL tests.
    for (const node of fn.cfg.nodes) {
      for (const ev of node.events) {
        const call = ev.k === 'def' && (ev.how === 'assign' || ev.how === 'init') ? lookupCall(ev.value, FIND) : null;
        if (!call || ev.k !== 'def' || call.name !== 'find_vma' || !tracked(call, ev.key)) continue;
        const uses = usesAfter(fn.cfg, node.id, ev.key);
        const onlyTested = uses.length > 0 && uses.every((u) => {
          const at = fn.cfg.nodes[u.node]!;
          return !u.use.deref && (at.kind === 'branch' || at.kind === 'loop') && at.expr !== null && nullTest(at.expr, ev.key).onTrue !== null;
        });
        if (!onlyTested) continue;
        const test = fn.cfg.nodes[uses[0]!.node]!;
        ctx.report({ messageId: 'mapped', data: { call: 'find_vma()', addr: fn.text(call.args[1]!), mm: fn.text(call.args[0]!) }, at: test, related: [{ at: node, message: `\`${displayKey(ev.key)}\` is only ever tested for NULL` }] });
      }
    }
    const backTargets = backEdgeTargets(fn);
    const conditions = fullConditions(fn.ast.body);
    const reported = new Set<string>();

    const result = explore<State>(fn.cfg, fn.facts, {
      initial: new Map(),
      key: (s) => [...s].map(([k, v]) => `${k}@${v.at}${v.pending ? `!${v.pending.node}` : ''}`).join(';'),
      step(s, node, trace) {
        if (s.size > 0 && backTargets.has(node.id) && cameBack(fn, trace, node)) return new Map();
        let next: Map<string, Found> | null = null;
        const drop = (k: string): void => {
          if ((next ?? s).has(k)) (next ??= new Map(s)).delete(k);
        };
        for (const ev of node.flow) {
          const cur = next ?? s;
          if (ev.k === 'use') {
            const k = ev.deref ? trackedRoot(cur, ev.key) : null;
            if (k === null) continue;
            const field = /^(?:->|\.)(\w+)/.exec(ev.key.slice(k.length))?.[1] ?? '';
            if (field === 'vm_start') drop(k);
            if (BOUNDS.has(field)) continue;
            readsFields(k, fn.text(ev));
          } else if (ev.k === 'call') {
            for (const arg of ev.call.args) {
              const k = pathKey(arg);
              if (k === null || !cur.has(k)) continue;
              // A start-check helper settles it, even after a test of the VMA's flags: a
              // `VM_GROWSDOWN` test then `expand_stack_locked(vma, addr)` is how a stack grows
              // down to the address (sweep I: um's copy of `lock_mm_and_find_vma()`).
              if (ev.name !== null && CHECKS.has(ev.name)) {
                drop(k);
                continue;
              }
              const found = cur.get(k)!;
              // A predicate on the VMA's own fields reads them as `vma->vm_flags` would.
              if (ev.name !== null && PREDICATES.has(ev.name)) {
                readsFields(k, `${ev.name}(${displayKey(k)})`);
                continue;
              }
              const read = found.pending || ev.name === null || FAULT.has(ev.name) ? null : helperRead(fn, ev.name, ev.call.args.indexOf(arg));
              if (found.pending) settle(k, found);
              else if (ev.name !== null && FAULT.has(ev.name)) report(node, 'passed', k, found, `${ev.name}()`);
              else if (read && (node.kind === 'branch' || node.kind === 'loop')) {
                // A same-file helper that reads the VMA's fields, as a filter (`if
                // (!can_do_mincore(vma))`): judged at the end of the path, as a check of the
                // start after it (uprobes' `vma->vm_start > info->vaddr`) makes it harmless.
                (next ??= new Map(s)).set(k, { ...found, pending: { node: node.id, use: `${ev.name}()`, helper: { name: ev.name!, read } } });
                continue;
              } else if (read) reportHelper(node, k, found, ev.name!, read);
              // A start-check helper settles it; a helper widen does not know may check too.
              drop(k);
            }
          } else {
            for (const k of [...cur.keys()]) if (k === ev.key || k.startsWith(`${ev.key}->`) || k.startsWith(`${ev.key}.`)) drop(k);
            const call = ev.how === 'assign' || ev.how === 'init' ? lookupCall(ev.value, FIND) : null;
            if (call && tracked(call, ev.key)) (next ??= new Map(s)).set(ev.key, { at: node.id, call: `${call.name}()`, addr: fn.text(call.args[1]!), mm: fn.text(call.args[0]!), pending: null });
          }
        }
        // Returned after a test of its fields, with no start check: the caller gets it as the VMA
        // of the address (a `lock_mm_and_find_vma()` copy returning a VMA because it does not
        // grow down, though it may start above the address).
        if (node.kind === 'return' && node.expr) {
          const k = pathKey(node.expr);
          const found = k === null ? undefined : (next ?? s).get(k);
          if (k !== null && found?.pending) settle(k, found, 'returned');
        }
        return next ?? s;

        /**
         * A read of the VMA's fields (`vma->vm_flags`, or a predicate on them) as `use`: in a
         * condition, judged when the path goes on (a start check in the same condition, or after,
         * settles it: `if (vma->vm_flags & VM_GROWSDOWN && vma->vm_start <= addr)`), elsewhere a
         * use of a VMA that may not hold the address.
         */
        function readsFields(k: string, use: string): void {
          const found = (next ?? s).get(k)!;
          const test = node.kind === 'branch' || node.kind === 'loop';
          const whole = test ? conditionAround(conditions, node) : null;
          if (whole && checksStart(whole, k)) drop(k);
          else if (test) {
            if (!found.pending) (next ??= new Map(s)).set(k, { ...found, pending: { node: node.id, use } });
          } else if (found.pending) settle(k, found);
          else {
            report(node, 'field', k, found, use);
            drop(k);
          }
        }

        /** The condition's read was not followed by a start check: report it now. */
        function settle(k: string, found: Found, how: 'used' | 'returned' = 'used'): void {
          const helper = found.pending!.helper;
          const then = { at: node, message: `\`${displayKey(k)}\` then ${how} as the VMA of \`${found.addr}\`, still unchecked` };
          if (helper) reportHelper(fn.cfg.nodes[found.pending!.node]!, k, found, helper.name, helper.read, then);
          else report(fn.cfg.nodes[found.pending!.node]!, 'field', k, found, found.pending!.use, then);
          drop(k);
        }
      },
      // A filter that only decides an error code on a VMA that may be the wrong one (`if
      // (!(vma->vm_flags & VM_MAYEXEC)) return -EACCES;`, then the address itself is used) is
      // left alone: an address in a hole fails on its own further on.
      // A same-file helper's reads are the function's own decision on the VMA (mincore's
      // `can_do_mincore()` decides what the caller reports for the range): a path that leaves
      // without a start check after it is reported.
      // A function that checks the start on another path after the lookup knows the VMA may
      // not hold the address: the path that leaves after the filter is its error exit.
      exit(state) {
        for (const [k, found] of state) {
          const helper = found.pending?.helper;
          if (helper && !checksStartLater(found.at, k)) reportHelper(fn.cfg.nodes[found.pending!.node]!, k, found, helper.name, helper.read);
        }
      },
    });
    if (!result.complete) ctx.incomplete("whether find_vma()'s result is checked to contain the address");

    /** Whether some path from the lookup at `at` reads `key->vm_start`. */
    function checksStartLater(at: number, key: string): boolean {
      return usesAfter(fn.cfg, at, key).some((u) => u.use.deref && /^(?:->|\.)vm_start\b/.test(u.use.key.slice(key.length)));
    }

    /**
     * How to fix it: `vma_lookup()`, unless the function grows the stack (um's copy of
     * `lock_mm_and_find_vma()`), where a VMA above the address is right on the growing path
     * and the start check belongs on the other ones (sweep I).
     */
    function remedy(vma: string, from: Found): { lookup: string; stack: string } {
      const grows = fn.file.mentions(fn.span, STACK_GROWERS);
      return grows
        ? { lookup: `Before treating \`${vma}\` as the VMA of \`${from.addr}\`, `, stack: ': only the path that grows the stack down to the address (`VM_GROWSDOWN`, then the stack expansion) may take a VMA above it' }
        : { lookup: `Use \`vma_lookup(${from.mm}, ${from.addr})\`, which returns NULL unless a VMA contains the address, or `, stack: '' };
    }

    function reportHelper(node: CfgNode, key: string, from: Found, name: string, read: HelperRead, then?: { at: CfgNode; message: string }): void {
      report(node, 'helperReads', key, from, `${name}()`, [{ at: read.at, message: `\`${name}()\` reads \`${read.field}\` of the VMA it is handed`, order: 'after' }, ...(then ? [then] : [])], read.field);
    }

    function report(node: CfgNode, messageId: 'field' | 'passed' | 'helperReads', key: string, from: Found, use: string, then?: RelatedSpan | readonly RelatedSpan[], field = ''): void {
      const id = `${node.id}|${key}`;
      if (reported.has(id)) return;
      reported.add(id);
      const lookup = fn.cfg.nodes[from.at]!;
      ctx.report({
        messageId,
        data: { vma: displayKey(key), call: from.call, addr: from.addr, use, mm: from.mm, field, ...remedy(displayKey(key), from) },
        at: node,
        related: [{ at: lookup, message: `\`${from.call}\` may return a VMA that starts above \`${from.addr}\`` }, ...(then === undefined ? [] : Array.isArray(then) ? then : [then])],
      });
    }
  },
});

/** Fields whose value is the VMA's own, not where it is: reading one assumes the VMA holds the address. */
const CONTAINMENT_FIELDS: ReadonlySet<string> = new Set(['vm_flags', 'vm_file', 'vm_ops', 'vm_pgoff', 'vm_page_prot', 'anon_vma', 'vm_private_data', 'vm_userfaultfd_ctx']);

/** A helper's read of a field of the VMA it is handed: where, and which field. */
interface HelperRead {
  at: { start: number; end: number };
  field: string;
}

/**
 * Whether the same-file helper `name`, handed a VMA as argument `index`, reads one of the VMA's
 * {@link CONTAINMENT_FIELDS} of it: the first such read, or null. Null too when the helper looks
 * at `vm_start` itself (it may do the check), assigns the parameter, or is defined more than
 * once. Same file only, so that the read's line is one of this file's.
 */
function helperRead(caller: AnalyzedFunction, name: string, index: number): HelperRead | null {
  if (index < 0) return null;
  // On tokens first: most helpers a VMA is handed to read none of these fields.
  const span = fileHelper(caller, name, CONTAINMENT_FIELDS);
  if (!span || caller.file.identifiersOf(span).has('vm_start')) return null;
  const helper = caller.file.analyze(span);
  const param = helper?.ast.params[index];
  if (!helper || !param) return null;
  let first: HelperRead | null = null;
  for (const node of helper.cfg.nodes) {
    for (const ev of node.flow) {
      if (ev.k === 'def' && ev.how !== 'param' && ev.key === param.ref.id) return null;
      if (ev.k === 'call' && ev.name !== null && CHECKS.has(ev.name)) return null;
      if (ev.k !== 'use' || !ev.deref || ev.root.id !== param.ref.id) continue;
      const field = /->(\w+)/.exec(ev.key)?.[1];
      if (field && CONTAINMENT_FIELDS.has(field) && (!first || ev.start < first.at.start)) first = { at: { start: ev.start, end: ev.end }, field };
    }
  }
  return first;
}

/** Whether condition `cond` is `call`'s truth: `call`, `!call`, `call == NULL` (`unlikely()` is blanked by the normaliser). */
function testsTruth(cond: Expr, call: Expr): boolean {
  const e = cond.k === 'cast' ? cond.arg : cond;
  if (e === call) return true;
  if (e.k === 'unary' && e.op === '!') return testsTruth(e.arg, call);
  if (e.k === 'binary' && (e.op === '==' || e.op === '!=')) {
    const isNull = (x: Expr): boolean => (x.k === 'ident' && x.name === 'NULL') || (x.k === 'lit' && x.text.trim() === 'NULL') || isZero(x);
    return (isNull(e.right) && testsTruth(e.left, call)) || (isNull(e.left) && testsTruth(e.right, call));
  }
  return false;
}

function isZero(e: Expr): boolean {
  return e.k === 'lit' && /^0[uUlL]*$/.test(e.text.trim());
}

/** Whether `cond` reads `key->vm_start` or hands `key` to a helper that compares the start. */
function checksStart(cond: Expr, key: string): boolean {
  let found = false;
  forEachExpr(cond, (e) => {
    if (e.k === 'field' && e.field === 'vm_start' && pathKey(e.base) === key) found = true;
    if (e.k === 'call' && e.name !== null && CHECKS.has(e.name) && e.args.some((a) => pathKey(a) === key)) found = true;
  });
  return found;
}

/** The conditions of the function's `if`s and loops, whole (the CFG splits them into atoms). */
function fullConditions(body: Stmt): Expr[] {
  const out: Expr[] = [];
  const walk = (s: Stmt | null): void => {
    if (!s) return;
    switch (s.k) {
      case 'block':
        s.body.forEach(walk);
        break;
      case 'if':
        out.push(s.test);
        walk(s.then);
        walk(s.else);
        break;
      case 'while':
      case 'do':
        out.push(s.test);
        walk(s.body);
        break;
      case 'for':
        if (s.test) out.push(s.test);
        walk(s.init);
        walk(s.body);
        break;
      case 'macro-loop':
      case 'label':
        walk(s.body);
        break;
      case 'switch':
        walk(s.body);
        break;
      case 'case':
        s.body.forEach(walk);
        break;
      case 'preproc':
        for (const b of s.branches) b.body.forEach(walk);
        break;
      default:
        break;
    }
  };
  walk(body);
  return out;
}

/** The smallest whole condition that contains the atom at `node`. */
function conditionAround(conditions: readonly Expr[], node: CfgNode): Expr | null {
  let best: Expr | null = null;
  for (const c of conditions) {
    if (c.start <= node.start && node.end <= c.end && (!best || c.end - c.start < best.end - best.start)) best = c;
  }
  return best;
}
