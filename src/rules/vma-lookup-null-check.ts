/**
 * A VMA lookup's result is tested for NULL before it is dereferenced.
 *
 * `find_vma()`, `vma_lookup()`, `find_vma_intersection()`, `find_vma_prev()`, `vma_next()`,
 * `vma_prev()`, `vma_find()`, `find_exact_vma()` and `lock_vma_under_rcu()` all return NULL when
 * nothing matches. So does `vma_iter_load()`, which callers also use where an earlier check
 * proved the VMA there: its result is judged only where the function tested it before the patch.
 * The rule follows every path from the assignment of such a result to a variable (or a field,
 * `vmf->vma`) and reports the first dereference on a path where nothing has proved it non-NULL.
 *
 * What proves it, on a path: a branch whose outcome says so (`if (!vma) return`, `if (vma &&
 * ...)`, `vma == NULL`, `IS_ERR_OR_NULL(vma)`, `range_in_vma(vma, ...)`, the same under
 * `unlikely()` or `WARN_ON()`), an assertion statement (`VM_BUG_ON(!vma)`, `BUG_ON(!vma)`,
 * `WARN_ON_ONCE(!vma)`), or handing the VMA to a helper widen does not know (which may test it).
 * Correlated branches are followed by the path explorer, so `if (!vma) err = 1; ... if (err)
 * return` is not a path to the dereference.
 *
 * The VMA modifiers (`vma_modify_flags()` and its siblings, `vma_to_resize()`, ...: the
 * `VMA_ERR_RETURNING` table) fail with an `ERR_PTR()` instead, never NULL: their result is followed
 * the same way, and only the `IS_ERR()` family proves it usable (`errDeref`, `errPassed`). So is
 * the result of a helper that returns a VMA or an `ERR_PTR()` and never NULL
 * ({@link errHelperFails}: userfaultfd's `uffd_mfill_lock()` and `uffd_lock_vma()`).
 *
 * What the rule does not report, on purpose: a lookup dereferenced in the expression that makes
 * it (`find_vma(mm, vma->vm_end)->vm_flags`, 6.1's `move_vma()` right after a split): the author
 * says the VMA exists by construction, and the rule has no way to judge that.
 */
import { displayKey, isNullConstant, pathKey, uncast, type Expr } from '../analysis/ast.js';
import { SummaryMemo, type BracketSummaries } from '../analysis/brackets.js';
import type { CfgNode } from '../analysis/cfg.js';
import type { AnalyzedFile, AnalyzedFunction } from '../analysis/file.js';
import type { FunctionSpan } from '../analysis/functions.js';
import { edgeInto, explore, type Trace } from '../analysis/paths.js';
import { quoteCode, defineRule } from './define-rule.js';
import { callsHelperThat } from './facts.js';
import { VMA_DEREF_HELPERS, VMA_ERR_RETURNING, VMA_LOOKUPS, VMA_LOOKUPS_BY_CONTRACT, VMA_NULL_SAFE_TESTS } from './resources.js';

const LOOKUPS = new Set(VMA_LOOKUPS);
const BY_CONTRACT = new Set(VMA_LOOKUPS_BY_CONTRACT);
/** Every lookup whose result the rule follows for NULL. */
const ALL_LOOKUPS = new Set([...VMA_LOOKUPS, ...VMA_LOOKUPS_BY_CONTRACT]);
/** Calls whose result the rule follows for `ERR_PTR()`. */
const ERR_CALLS = new Set(Object.keys(VMA_ERR_RETURNING));
/** Every call whose result the rule follows. */
const ALL_TRACKED = new Set([...ALL_LOOKUPS, ...ERR_CALLS]);
/**
 * What a function does with an error pointer without dereferencing it (include/linux/err.h): an
 * `ERR_PTR()` result handed to them is still unproven afterwards, not settled.
 */
const ERR_HELPERS = new Set(['IS_ERR', 'IS_ERR_OR_NULL', 'PTR_ERR', 'PTR_ERR_OR_ZERO', 'ERR_CAST', 'IS_ERR_VALUE']);
/** What a helper that returns a VMA or an `ERR_PTR()` names: where its errors come from. */
const ERR_SOURCES = new Set(['ERR_PTR', 'ERR_CAST', ...ERR_CALLS]);
const ERR_SOURCE_LIST: readonly string[] = [...ERR_SOURCES];
/** Helpers of such helpers are read to this depth: `uffd_mfill_lock()` over `uffd_lock_vma()`. */
const ERR_HELPER_DEPTH = 1;
const DEREF = new Set(VMA_DEREF_HELPERS);
const NULL_SAFE = new Set(VMA_NULL_SAFE_TESTS);
/** Wrappers whose value is their first argument's truth (`WARN_ON(x)` returns `!!x`). */
const TRUTH_WRAPPERS = new Set(['likely', 'unlikely', '__builtin_expect', 'WARN_ON', 'WARN_ON_ONCE', 'WARN', 'WARN_ONCE', 'WARN_TAINT']);
/** Statements that stop or shout when their condition holds: after them it is taken as false. */
const ASSERTIONS = new Set(['BUG_ON', 'VM_BUG_ON', 'VM_BUG_ON_VMA', 'VM_BUG_ON_MM', 'WARN_ON', 'WARN_ON_ONCE', 'WARN', 'WARN_ONCE', 'VM_WARN_ON', 'VM_WARN_ON_ONCE', 'VM_WARN_ON_VMA', 'VM_WARN_ON_ONCE_VMA']);

/** The lookup call a stored value is, looking through casts; null for anything else. */
export function lookupCall(value: Expr | null, names: ReadonlySet<string> = LOOKUPS): (Expr & { k: 'call' }) | null {
  let e = value;
  while (e && e.k === 'cast') e = e.arg;
  return e && e.k === 'call' && e.name !== null && names.has(e.name) ? e : null;
}

type Nullness = 'null' | 'nonnull' | null;

/** What `cond` being true, and being false, says about whether the pointer `key` is NULL. */
export function nullTest(cond: Expr, key: string): { onTrue: Nullness; onFalse: Nullness } {
  const none = { onTrue: null, onFalse: null };
  const e = cond.k === 'cast' ? cond.arg : cond;
  if (pathKey(e) === key) return { onTrue: 'nonnull', onFalse: 'null' };
  switch (e.k) {
    case 'assign':
      return e.op === '=' && pathKey(e.target) === key ? { onTrue: 'nonnull', onFalse: 'null' } : none;
    case 'unary': {
      if (e.op !== '!') return none;
      const t = nullTest(e.arg, key);
      return { onTrue: t.onFalse, onFalse: t.onTrue };
    }
    case 'binary': {
      if (e.op === '&&') {
        const l = nullTest(e.left, key);
        const r = nullTest(e.right, key);
        return { onTrue: l.onTrue ?? r.onTrue, onFalse: null };
      }
      if (e.op === '||') {
        const l = nullTest(e.left, key);
        const r = nullTest(e.right, key);
        return { onTrue: null, onFalse: l.onFalse ?? r.onFalse };
      }
      if (e.op === '==' || e.op === '!=') {
        const other = isNullConstant(e.right) ? e.left : isNullConstant(e.left) ? e.right : null;
        if (other === null) return none;
        const t = nullTest(other, key);
        return e.op === '!=' ? t : { onTrue: t.onFalse, onFalse: t.onTrue };
      }
      return none;
    }
    case 'call': {
      const first = e.args[0];
      if (e.name === null || !first) return none;
      if (TRUTH_WRAPPERS.has(e.name)) return nullTest(first, key);
      if (e.name === 'IS_ERR_OR_NULL' && pathKey(first) === key) return { onTrue: null, onFalse: 'nonnull' };
      if (NULL_SAFE.has(e.name) && pathKey(first) === key) return { onTrue: 'nonnull', onFalse: null };
      return none;
    }
    default:
      return none;
  }
}

/**
 * What `cond` being true, and being false, says about whether the pointer `key` is an
 * `ERR_PTR()` ('null': it may be, 'nonnull': it is not). Only the `IS_ERR()` family proves it: a
 * NULL test (`if (!vma)`) says nothing of an error pointer.
 */
export function errTest(cond: Expr, key: string): { onTrue: Nullness; onFalse: Nullness } {
  const none = { onTrue: null, onFalse: null };
  const e = cond.k === 'cast' ? cond.arg : cond;
  switch (e.k) {
    case 'unary': {
      if (e.op !== '!') return none;
      const t = errTest(e.arg, key);
      return { onTrue: t.onFalse, onFalse: t.onTrue };
    }
    case 'binary': {
      if (e.op === '&&') return { onTrue: errTest(e.left, key).onTrue ?? errTest(e.right, key).onTrue, onFalse: null };
      if (e.op === '||') return { onTrue: null, onFalse: errTest(e.left, key).onFalse ?? errTest(e.right, key).onFalse };
      return none;
    }
    case 'call': {
      const first = e.args[0];
      if (e.name === null || !first) return none;
      if (TRUTH_WRAPPERS.has(e.name)) return errTest(first, key);
      if ((e.name === 'IS_ERR' || e.name === 'IS_ERR_OR_NULL' || e.name === 'PTR_ERR_OR_ZERO') && pathKey(first) === key) return { onTrue: 'null', onFalse: 'nonnull' };
      return none;
    }
    default:
      return none;
  }
}

/** When each lookup returns NULL, as its kernel-doc says (sweep AJ: one list for all read as noise). */
const NULL_WHEN: Readonly<Record<string, string>> = {
  find_vma: 'when no VMA ends above the address, such as an address above the last mapping (kernel-doc of `find_vma()`, mm/mmap.c)',
  find_vma_prev: 'when no VMA ends above the address, such as an address above the last mapping (mm/mmap.c)',
  vma_lookup: 'when no VMA contains the address: an address in a hole or above the last mapping (include/linux/mm.h)',
  find_vma_intersection: 'when no VMA intersects the range (mm/mmap.c)',
  find_exact_vma: 'unless one VMA spans exactly the range it is given (include/linux/mm.h)',
  vma_next: 'when the iterator is past the last VMA (include/linux/mm.h)',
  vma_prev: 'when the iterator is before the first VMA (include/linux/mm.h)',
  vma_find: 'when no VMA is left below the limit it is given (include/linux/mm.h)',
  lock_vma_under_rcu: 'when no VMA contains the address, or when the VMA cannot be read-locked because it is being changed (mm/memory.c): the caller must fall back to the mmap lock',
  vma_iter_load: 'when no VMA is at the iterator\'s position (mm/vma.h)',
};
const NULL_WHEN_ANY = 'when no VMA matches';

/** What a followed pointer may be that it must not: NULL (a lookup's) or an `ERR_PTR()`. */
type Kind = 'null' | 'err';

/** What a branch says of a pointer, by what the pointer may be. */
type Test = (cond: Expr, key: string) => { onTrue: Nullness; onFalse: Nullness };
const TESTS: Record<Kind, Test> = { null: nullTest, err: errTest };

/** Per path key still unproven on this path: the node and call its value came from. */
interface Unchecked {
  at: number;
  call: string;
  kind: Kind;
  /** The branch whose outcome on this path said the pointer is NULL (or an error), if one did. */
  nullAt: number | null;
}
type State = ReadonlyMap<string, Unchecked>;

export default defineRule({
  id: 'vma-lookup-null-check',
  meta: {
    summary: 'a VMA lookup can return NULL, a VMA modifier an `ERR_PTR()`: test the result before dereferencing it',
    severity: 'error',
    confidence: 'high',
    resources: [],
    calls: [...ALL_TRACKED],
    // A function that gets its VMA from a helper of its file that returns an `ERR_PTR()`.
    triggeredVia: (file, span) => callsErrHelper(file, span),
    needs: (file, span) => file.mentions(span, ALL_TRACKED) || callsErrHelper(file, span),
  },
  messages: {
    deref: {
      headline: '`{{vma}}` from `{{call}}` is dereferenced without a NULL check',
      explanation:
        '`{{call}}` returns NULL {{nullWhen}}. On the path shown {{tested}} `{{use}}` reads through it, so a user-chosen address can crash the kernel with a NULL pointer dereference.',
      fix: '{{first}}, or, if the VMA exists by construction, say why with `VM_WARN_ON_ONCE(!{{vma}})`.',
    },
    passed: {
      headline: '`{{vma}}` from `{{call}}` is passed to `{{helper}}` without a NULL check',
      explanation:
        '`{{call}}` returns NULL {{nullWhen}}, and `{{helper}}` dereferences the VMA it is given without testing it. On the path shown {{tested}} the call, so the NULL dereference happens one call down.',
      fix: '{{first}}, or, if the VMA exists by construction, say why with `VM_WARN_ON_ONCE(!{{vma}})`.',
    },
    errDeref: {
      headline: '`{{vma}}` from `{{call}}` is dereferenced without an `IS_ERR()` check',
      explanation:
        '`{{call}}` returns `ERR_PTR()` when it fails ({{fails}}), never NULL. On the path shown {{tested}} `{{use}}` reads through it: an error pointer is an address in the last page of the address space, which nothing maps, so the kernel oopses.',
      fix: '{{first}}. An error pointer is never NULL, so `if (!{{vma}})` does not catch it.',
    },
    errPassed: {
      headline: '`{{vma}}` from `{{call}}` is passed to `{{helper}}` without an `IS_ERR()` check',
      brief: '`{{helper}}` is handed `{{vma}}` from `{{call}}` unchecked for `ERR_PTR()`',
      explanation:
        '`{{call}}` returns `ERR_PTR()` when it fails ({{fails}}), never NULL, and `{{helper}}` dereferences the VMA it is given. On the path shown {{tested}} the call, so the error pointer is dereferenced one call down.',
      fix: '{{first}}. An error pointer is never NULL, so `if (!{{vma}})` does not catch it.',
    },
  },
  check(fn, ctx) {
    // Where each call whose result may be an `ERR_PTR()` fails, by name: the table's, and the
    // helpers' that return a VMA or an error pointer.
    const fails = new Map<string, string>(Object.entries(VMA_ERR_RETURNING));
    const errCall = (value: Expr | null): (Expr & { k: 'call' }) | null => {
      const e = value && uncast(value);
      if (e === null || e.k !== 'call' || e.name === null) return null;
      if (ERR_CALLS.has(e.name)) return e;
      const helper = fails.has(e.name) ? fails.get(e.name)! : errHelperFails(fn, e.name, ctx.summaries);
      if (helper !== null) fails.set(e.name, helper);
      return helper === null ? null : e;
    };
    // Only functions that store a lookup's result somewhere can be judged.
    if (storedLookups(fn, (v) => lookupCall(v, ALL_LOOKUPS) ?? errCall(v)).size === 0) return;
    // The variables a contract lookup's result may be judged in: those the function tested
    // for NULL before the patch (none in a scan).
    const testedBefore = contractKeys(fn, ctx.previous);
    const tests = branchTests(fn, 'null', errCall);
    const errTests = branchTests(fn, 'err', errCall);
    const backTargets = backEdgeTargets(fn);
    const reported = new Set<string>();

    const result = explore<State>(fn.cfg, fn.facts, {
      initial: new Map(),
      key: (s) => [...s].map(([k, v]) => `${k}@${v.at}${v.nullAt === null ? '' : `!${v.nullAt}`}`).join(';'),
      step(s, node, trace) {
        let next: Map<string, Unchecked> | null = null;
        const drop = (k: string): void => {
          if ((next ?? s).has(k)) (next ??= new Map(s)).delete(k);
        };
        // A value carried around a loop (or back to a `retry:` label) is judged in the
        // iteration that looked it up: the next one runs under conditions (`op`, flags set
        // for the retry) the path explorer does not correlate.
        if (s.size > 0 && backTargets.has(node.id) && cameBack(fn, trace, node)) return new Map();
        // What the branch the path came through said about a tracked pointer.
        if (s.size > 0 && node.pred.some((p) => tests.has(p.to) || errTests.has(p.to))) {
          const taken = edgeInto(fn.cfg, trace, node);
          const branch = taken && (taken.kind === 'true' || taken.kind === 'false') ? taken.from.id : null;
          // Each pointer by what it may be: a lookup's result by its NULL tests, an error pointer by `IS_ERR()`.
          const said: Array<[string, { onTrue: Nullness; onFalse: Nullness }]> = [];
          for (const [k, v] of branch === null ? [] : s) {
            const t = (v.kind === 'err' ? errTests : tests).get(branch!)?.get(k);
            if (t) said.push([k, t]);
          }
          for (const [k, t] of said) {
            const verdict = taken!.kind === 'true' ? t.onTrue : t.onFalse;
            // A path where the test says non-NULL is done with the pointer; one where it says
            // NULL keeps it, so a dereference on the NULL branch itself is reported.
            if (verdict === 'nonnull') drop(k);
            const cur = (next ?? s).get(k);
            if (verdict === 'null' && cur) (next ??= new Map(s)).set(k, { ...cur, nullAt: taken!.from.id });
          }
        }
        // A test harness's assertion (`ASSERT_EQ(vma->vm_start, 0)` in tools/testing/vma) is
        // the test checking the VMA: a NULL there fails the test, which is its job.
        const harness = node.events.some((ev) => ev.k === 'call' && ev.name !== null && HARNESS.test(ev.name));
        for (const ev of node.flow) {
          const cur = next ?? s;
          if (ev.k === 'use') {
            if (!ev.deref) continue;
            if (harness) {
              const k = trackedRoot(cur, ev.key);
              if (k !== null) drop(k);
              continue;
            }
            const k = trackedRoot(cur, ev.key);
            if (k === null) continue;
            report(node, false, k, cur.get(k)!, fn.text(ev));
            drop(k);
          } else if (ev.k === 'call') {
            for (const arg of ev.call.args) {
              const k = pathKey(arg);
              // A callee handed the slot the VMA is kept in (`find_vmas(..., src_vmap)` for
              // `*src_vmap`) may store another there: what it holds is no longer the lookup's.
              if (k !== null) for (const held of [...cur.keys()]) if (held === `*${k}` || held.startsWith(`${k}->`)) drop(held);
              if (k === null || !cur.has(k)) continue;
              // `PTR_ERR(vma)`, `IS_ERR(vma)`: an error pointer looked at, not settled.
              if (cur.get(k)!.kind === 'err' && ev.name !== null && ERR_HELPERS.has(ev.name)) continue;
              if (ev.name !== null && DEREF.has(ev.name)) report(node, true, k, cur.get(k)!, `${ev.name}()`);
              // A helper widen does not know may test the VMA; either way the question is settled.
              drop(k);
            }
            if (ev.name !== null && ASSERTIONS.has(ev.name) && node.kind === 'stmt' && ev.call.args[0]) {
              for (const [k, v] of [...cur]) if (TESTS[v.kind](ev.call.args[0], k).onFalse === 'nonnull') drop(k);
            }
          } else {
            for (const k of [...cur.keys()]) if (k === ev.key || k.startsWith(`${ev.key}->`) || k.startsWith(`${ev.key}.`)) drop(k);
            const stored = ev.how === 'assign' || ev.how === 'init';
            const call = stored ? lookupCall(ev.value, ALL_LOOKUPS) : null;
            if (call && !byConstruction(fn, call, node) && (!BY_CONTRACT.has(call.name!) || testedBefore.has(displayKey(ev.key)))) (next ??= new Map(s)).set(ev.key, { at: node.id, call: `${call.name}()`, kind: 'null', nullAt: null });
            const failing = stored ? errCall(ev.value) : null;
            if (failing) (next ??= new Map(s)).set(ev.key, { at: node.id, call: `${failing.name}()`, kind: 'err', nullAt: null });
          }
        }
        return next ?? s;
      },
      exit() {},
    });
    if (!result.complete) ctx.incomplete('whether VMA lookups are tested for NULL before use');

    /**
     * The tests of the pointer between the lookup and the use: the one that found it NULL on
     * this path, or those the path went around (`if (strict && !vma)` with `strict` false).
     */
    function testsOnTheWay(use: CfgNode, key: string, from: Unchecked): Array<{ at: CfgNode; message: string }> {
      const vma = displayKey(key);
      if (from.nullAt !== null) return [{ at: fn.cfg.nodes[from.nullAt]!, message: from.kind === 'err' ? `\`${vma}\` is an error pointer on this branch` : `\`${vma}\` is NULL on this branch` }];
      const lookup = fn.cfg.nodes[from.at]!;
      const between = (n: CfgNode): boolean => n.start > lookup.start && n.start < use.start;
      const went = [...(from.kind === 'err' ? errTests : tests)]
        .filter(([id, m]) => m.has(key) && between(fn.cfg.nodes[id]!))
        .slice(0, 2)
        .map(([id]) => ({ at: fn.cfg.nodes[id]!, message: `tests \`${vma}\`, but not on the path to the use` }));
      if (from.kind !== 'err') return went;
      // A NULL test of an error pointer (`if (!vma)` after a modifier) is the bug's usual shape: show it.
      const nullTests = fn.cfg.nodes
        .filter((n) => (n.kind === 'branch' || n.kind === 'loop') && n.expr && between(n) && !errTests.get(n.id)?.has(key))
        .filter((n) => {
          const t = nullTest(n.expr!, key);
          return t.onTrue !== null || t.onFalse !== null;
        })
        .slice(0, 1)
        .map((n) => ({ at: n, message: `tests \`${vma}\` for NULL, which an error pointer is not` }));
      return [...nullTests, ...went];
    }

    function report(node: CfgNode, passed: boolean, key: string, from: Unchecked, use: string): void {
      const id = `${node.id}|${key}`;
      if (reported.has(id)) return;
      reported.add(id);
      const vma = displayKey(key);
      const err = from.kind === 'err';
      const name = from.call.replace(/\(\)$/, '');
      // On the NULL (error) branch of a test the pointer was tested: the branch itself goes wrong.
      const onBad = from.nullAt !== null;
      // A contract lookup is judged only where the patch took its test away: say so.
      const untested = BY_CONTRACT.has(name) ? `nothing tested \`${vma}\` (this function did before the patch) before` : `nothing tested \`${vma}\` before`;
      const tested = onBad ? `a test found \`${vma}\` ${err ? 'an error pointer' : 'NULL'}, and that branch goes on until` : err ? `nothing tested \`IS_ERR(${vma})\` before` : untested;
      const bail = errorReturn(fn, err ? vma : null);
      const what = passed ? 'call' : 'dereference';
      const first = onBad
        ? `Leave the ${err ? 'error' : 'NULL'} branch before the ${what} (\`${bail}\` or the function's error path)`
        : err
          ? `Test the result ${passed ? 'before the call' : 'first'} (\`if (IS_ERR(${vma})) ${bail}\` or the function's error path)`
          : passed
            ? `Test the result before the call (\`if (!${vma})\` on the error path)`
            : `Test the result first (\`if (!${vma}) ${bail}\` or the function's error path)`;
      ctx.report({
        messageId: err ? (passed ? 'errPassed' : 'errDeref') : passed ? 'passed' : 'deref',
        data: { vma, call: from.call, use, helper: use, tested, first, fails: fails.get(name) ?? '', nullWhen: NULL_WHEN[name] ?? NULL_WHEN_ANY },
        at: node,
        related: [{ at: fn.cfg.nodes[from.at]!, message: err ? `\`${from.call}\` can return an \`ERR_PTR()\` here` : `\`${from.call}\` can return NULL here` }, ...testsOnTheWay(node, key, from)],
      });
    }
  },
});

/** The nodes a loop's back edge or a backward `goto` (`goto retry;`) leads to. */
export function backEdgeTargets(fn: AnalyzedFunction): ReadonlySet<number> {
  const out = new Set<number>();
  for (const n of fn.cfg.nodes) for (const e of n.succ) if (e.back || (e.kind === 'goto' && fn.cfg.nodes[e.to]!.start < n.start)) out.add(e.to);
  return out;
}

/** Whether the path in `trace` reached `node` over a back edge or a backward `goto`. */
export function cameBack(fn: AnalyzedFunction, trace: Trace, node: CfgNode): boolean {
  const taken = edgeInto(fn.cfg, trace, node);
  const edge = taken?.from.succ.find((e) => e.to === node.id);
  return Boolean(taken && edge && (edge.back || (edge.kind === 'goto' && node.start < taken.from.start)));
}

/** Assertion macros of the kernel's test harnesses (kselftest, tools/testing/vma, KUnit). */
const HARNESS = /^(ASSERT|EXPECT|KUNIT_ASSERT|KUNIT_EXPECT)_[A-Z_]+$/;

/** Calls that change the VMA tree through the iterator they are handed. */
const TREE_CHANGE = /munmap|split|modify|merge|expand|shrink/;

/**
 * Lookups whose result exists by construction, which the rule leaves alone:
 *
 * - the neighbour of a VMA the function already holds, looked up at its boundary
 *   (`find_vma(mm, next->vm_end)`): code that splits, merges or adjusts VMAs asks for it when
 *   the operation it is doing guarantees one (6.1's `__vma_adjust()` case 6,
 *   `vma_adjust_trans_huge()` with `adjust_next > 0`);
 * - a step of an iterator (`vma_prev(&vmi)`, `vma_next(&vmi)`) that the function itself just
 *   moved by changing the tree through it (`do_vmi_munmap(&vmi, ...)`): it knows which pieces
 *   are left (6.12's `move_vma()` restoring `VM_ACCOUNT` on them).
 */
function byConstruction(fn: AnalyzedFunction, call: Expr & { k: 'call' }, node: CfgNode): boolean {
  if (atNeighbour(call)) return true;
  const iter = call.name === 'vma_next' || call.name === 'vma_prev' ? call.args[0] : undefined;
  const iterKey = iter && iter.k === 'unary' && iter.op === '&' ? pathKey(iter.arg) : iter ? pathKey(iter) : null;
  if (iterKey === null) return false;
  return fn.defs.reaching(node.id, iterKey).some((d) => {
    if (d.def.how !== 'addr') return false;
    return fn.cfg.nodes[d.node]!.events.some((ev) => ev.k === 'call' && ev.name !== null && TREE_CHANGE.test(ev.name) && ev.call.args.some((a) => a.start <= d.def.start && d.def.end <= a.end));
  });
}

/** A lookup at another VMA's boundary (`find_vma(mm, next->vm_end)`): the neighbour of a VMA in hand. */
export function atNeighbour(call: Expr & { k: 'call' }): boolean {
  const addr = call.name === 'find_vma' || call.name === 'vma_lookup' || call.name === 'find_vma_prev' ? call.args[1] : undefined;
  return Boolean(addr && addr.k === 'field' && (addr.field === 'vm_end' || addr.field === 'vm_start') && pathKey(addr) !== null);
}

/** The tracked key `useKey` dereferences (`vma` for `vma->vm_mm->mmap_lock`), or null. */
export function trackedRoot(s: ReadonlyMap<string, unknown>, useKey: string): string | null {
  for (const k of s.keys()) if (useKey.startsWith(`${k}->`) || useKey === `*${k}` || useKey.startsWith(`${k}[]`)) return k;
  return null;
}

/**
 * A way out of `fn` its return type allows, for the help: `return NULL;` from a function that
 * returns a pointer (sweep AF: `find_mergeable_anon_vma()` was told `return -EFAULT;`),
 * `return;` from a `void` one, `return -EFAULT;` otherwise.
 */
function errorReturn(fn: AnalyzedFunction, errOf: string | null): string {
  const type = fn.file.returnType(fn.span);
  if (type.includes('*')) return errOf === null ? 'return NULL;' : `return ERR_CAST(${errOf});`;
  if (/\bvoid\s*$/.test(type.replace(/\b(static|inline|__always_inline|noinline|__init|__cold)\b/g, ' '))) return 'return;';
  return errOf === null ? 'return -EFAULT;' : `return PTR_ERR(${errOf});`;
}

/**
 * The variables (by name) that `before`, the function before the patch, stored a contract
 * lookup's result in ({@link BY_CONTRACT}) and tested for NULL, when `fn` stores one too.
 */
function contractKeys(fn: AnalyzedFunction, before: AnalyzedFunction | null): Set<string> {
  const out = new Set<string>();
  const byContract = (v: Expr | null): unknown => lookupCall(v, BY_CONTRACT);
  const contract = before ? storedLookups(before, byContract) : new Set<string>();
  if (contract.size === 0 || storedLookups(fn, byContract).size === 0) return out;
  for (const tests of branchTests(before!, 'null').values()) for (const k of tests.keys()) if (contract.has(k)) out.add(displayKey(k));
  return out;
}

/** The keys `fn` stores a value `tracked` says yes to in (`vma = find_vma(...)`). */
function storedLookups(fn: AnalyzedFunction, tracked: (value: Expr | null) => unknown): Set<string> {
  const out = new Set<string>();
  for (const n of fn.cfg.nodes) for (const ev of n.events) if (ev.k === 'def' && tracked(ev.value)) out.add(ev.key);
  return out;
}

/**
 * Per branch node: the pointers its outcome says something about, and what: whether they are
 * NULL (lookups' results), or error pointers (`kind` 'err': the results of the modifiers, or of
 * the calls `errCall` says yes to).
 */
function branchTests(
  fn: AnalyzedFunction,
  kind: Kind,
  errCall: (value: Expr | null) => unknown = (v) => lookupCall(v, ERR_CALLS),
): Map<number, Map<string, { onTrue: Nullness; onFalse: Nullness }>> {
  const test = TESTS[kind];
  const stored = storedLookups(fn, kind === 'err' ? errCall : (v) => lookupCall(v, ALL_LOOKUPS));
  // Flags that keep a NULL test of a lookup's result: `mapped = vma != NULL;` (sweep AF), by
  // the definition that sets them, with what the flag's truth says of the pointer.
  const flagDefs = new Map<number, { key: string; truthy: Nullness; falsy: Nullness }>();
  const flagKeys = new Set<string>();
  for (const n of fn.cfg.nodes) {
    for (const ev of n.events) {
      if (ev.k !== 'def' || (ev.how !== 'assign' && ev.how !== 'init') || !ev.value || stored.has(ev.key)) continue;
      for (const k of stored) {
        const t = test(ev.value, k);
        if (t.onTrue === null && t.onFalse === null) continue;
        flagDefs.set(n.id, { key: k, truthy: t.onTrue, falsy: t.onFalse });
        flagKeys.add(ev.key);
      }
    }
  }
  const out = new Map<number, Map<string, { onTrue: Nullness; onFalse: Nullness }>>();
  const add = (at: number, k: string, t: { onTrue: Nullness; onFalse: Nullness }): void => {
    const m = out.get(at) ?? new Map<string, { onTrue: Nullness; onFalse: Nullness }>();
    m.set(k, t);
    out.set(at, m);
  };
  for (const n of fn.cfg.nodes) {
    if ((n.kind !== 'branch' && n.kind !== 'loop') || !n.expr) continue;
    for (const k of stored) {
      const t = test(n.expr, k);
      if (t.onTrue !== null || t.onFalse !== null) add(n.id, k, t);
    }
    // A test of such a flag, every definition of which that reaches here keeps the same test.
    for (const f of flagKeys) {
      const t = nullTest(n.expr, f);
      if (t.onTrue === null && t.onFalse === null) continue;
      const kept = fn.defs.reaching(n.id, f).map((d) => flagDefs.get(d.node));
      const first = kept[0];
      if (!first || kept.some((x) => !x || x.key !== first.key || x.truthy !== first.truthy || x.falsy !== first.falsy)) continue;
      // The flag's truth on each edge ('nonnull': true), then what that truth says of the pointer.
      const of = (v: Nullness): Nullness => (v === 'nonnull' ? first.truthy : v === 'null' ? first.falsy : null);
      add(n.id, first.key, { onTrue: of(t.onTrue), onFalse: of(t.onFalse) });
    }
  }
  return out;
}

/** Whether `fn`, declared at `span`, returns `struct vm_area_struct *`. */
function returnsVma(file: AnalyzedFile, span: FunctionSpan): boolean {
  return /\bstruct\s+vm_area_struct\s*\*\s*$/.test(file.returnType(span));
}

/**
 * Whether `span` calls a function of its file that returns a VMA and names an `ERR_PTR()` or a
 * modifier, through such functions {@link ERR_HELPER_DEPTH} levels down at most: a function
 * {@link errHelperFails} may have to judge. Asked of a function by `triggeredVia` and `needs`
 * both: remembered.
 */
function callsErrHelper(file: AnalyzedFile, span: FunctionSpan): boolean {
  let known = errHelperCallers.get(file);
  if (!known) errHelperCallers.set(file, (known = new Map()));
  let calls = known.get(span);
  if (calls === undefined) {
    calls = callsHelperThat(file, span, ERR_HELPER_DEPTH + 1, (d) => returnsVma(file, d) && file.mentions(d, ERR_SOURCES), (d) => returnsVma(file, d));
    known.set(span, calls);
  }
  return calls;
}

const errHelperCallers = new WeakMap<AnalyzedFile, Map<FunctionSpan, boolean>>();

/** A function as the helper question needs it: where it is, not its body. */
type Site = Pick<AnalyzedFunction, 'file' | 'span'>;

const errHelpers = new SummaryMemo<AnalyzedFile, Map<string, string | null>>();

/**
 * Where `name`, as `fn` calls it, fails, when it returns a VMA or an `ERR_PTR()` and never NULL
 * (sweep AG: userfaultfd's `uffd_mfill_lock()`, whose callers must test `IS_ERR()`): every one of
 * its definitions returns `struct vm_area_struct *`, and on every `return` either an
 * `ERR_PTR()`, a modifier's result, such a helper's ({@link ERR_HELPER_DEPTH} levels down), or
 * a lookup's result tested non-NULL on every path there; and at least one error. Null else.
 */
function errHelperFails(fn: Site, name: string, summaries: BracketSummaries, depth = 0): string | null {
  if (ALL_TRACKED.has(name) || ERR_HELPERS.has(name) || name === fn.span.name) return null;
  const memo = errHelpers.get(summaries, fn.file, () => new Map());
  const key = `${name}|${depth}`;
  if (memo.has(key)) return memo.get(key)!;
  // A recursion reads as no such helper.
  memo.set(key, null);
  const defs = summaries.definitions(name, fn.file, ERR_SOURCE_LIST);
  const errors: ErrorSources = { literals: new Set(), calls: new Set() };
  const deeper = (d: Site) => (e: Expr & { k: 'call' }): boolean => depth < ERR_HELPER_DEPTH && e.name !== null && errHelperFails(d, e.name, summaries, depth + 1) !== null;
  const all =
    defs.length > 0 &&
    defs.every((d) => {
      if (!returnsVma(d.file, d.span)) return false;
      if (!d.file.mentions(d.span, ERR_SOURCES) && !(depth < ERR_HELPER_DEPTH && [...d.file.calleesOf(d.span)].some((c) => c !== name && errHelperFails(d, c, summaries, depth + 1) !== null))) return false;
      const helper = d.file.analyze(d.span);
      return helper !== null && vmaOrError(helper, deeper(d), errors);
    });
  const orList = (xs: Set<string>): string => {
    const l = [...xs].slice(0, 3);
    return `${l.slice(0, -1).join(', ')}${l.length > 1 ? ' or ' : ''}${l.at(-1)!}${xs.size > 3 ? ' among others' : ''}`;
  };
  const parts = [...(errors.literals.size > 0 ? [orList(errors.literals)] : []), ...(errors.calls.size > 0 ? [`the error of ${orList(errors.calls)}`] : [])];
  const fails = all && parts.length > 0 ? `${defs[0]!.file.path}: ${parts.join(', or ')}` : null;
  memo.set(key, fails);
  return fails;
}

/** Where a helper's error pointers come from: `ERR_PTR()`s it makes, calls it hands on. */
interface ErrorSources {
  literals: Set<string>;
  calls: Set<string>;
}

/**
 * Whether every `return` of `fn` gives an error pointer or a VMA that cannot be NULL, and one
 * an error pointer; where they come from is added to `errors`. `errCall` says which calls of
 * helpers return a VMA or an error.
 */
function vmaOrError(fn: AnalyzedFunction, errCall: (e: Expr & { k: 'call' }) => boolean, errors: ErrorSources): boolean {
  let error = false;
  /** Returns whose value must be shown non-NULL on every path there: by node, the key. */
  const mustTest = new Map<number, string>();
  const source = (value: Expr | null): 'error' | 'lookup' | null => {
    const e = value && uncast(value);
    if (e === null || e.k !== 'call' || e.name === null) return null;
    if (e.name === 'ERR_PTR' || e.name === 'ERR_CAST') {
      errors.literals.add(`\`${quoteCode(fn.text(e), 30)}\``);
      return (error = true), 'error';
    }
    if (ERR_CALLS.has(e.name) || errCall(e)) {
      errors.calls.add(`\`${e.name}()\``);
      return (error = true), 'error';
    }
    return LOOKUPS.has(e.name) ? 'lookup' : null;
  };
  for (const n of fn.cfg.nodes) {
    if (n.kind !== 'return') continue;
    const e = n.expr && uncast(n.expr);
    if (!e || isNullConstant(e)) return false;
    const direct = source(e);
    if (direct === 'error') continue;
    if (direct === 'lookup') return false;
    const key = pathKey(e);
    const defs = key === null ? [] : fn.defs.reaching(n.id, key);
    if (defs.length === 0) return false;
    for (const d of defs) {
      const kind = (d.def.how === 'assign' || d.def.how === 'init') && d.def.value ? source(d.def.value) : null;
      if (kind === null) return false;
      if (kind === 'lookup') mustTest.set(n.id, key!);
    }
  }
  return error && (mustTest.size === 0 || testedOnEveryPath(fn, mustTest));
}

/** Whether, on every path of `fn` to each return of `returns`, its key was last tested non-NULL. */
function testedOnEveryPath(fn: AnalyzedFunction, returns: ReadonlyMap<number, string>): boolean {
  const tests = branchTests(fn, 'null');
  let nullable = false;
  const result = explore<ReadonlySet<string>>(fn.cfg, fn.facts, {
    initial: new Set(),
    key: (s) => [...s].join(';'),
    step(s, node, trace) {
      let next: Set<string> | null = null;
      if (s.size > 0 && node.pred.some((p) => tests.has(p.to))) {
        const taken = edgeInto(fn.cfg, trace, node);
        const said = taken && (taken.kind === 'true' || taken.kind === 'false') ? tests.get(taken.from.id) : undefined;
        for (const [k, t] of said ?? []) if ((taken!.kind === 'true' ? t.onTrue : t.onFalse) === 'nonnull' && s.has(k)) (next ??= new Set(s)).delete(k);
      }
      for (const ev of node.events) {
        if (ev.k !== 'def') continue;
        const cur = next ?? s;
        if (lookupCall(ev.value, LOOKUPS)) (next ??= new Set(cur)).add(ev.key);
        else if (cur.has(ev.key)) (next ??= new Set(cur)).delete(ev.key);
      }
      const at = returns.get(node.id);
      if (at !== undefined && (next ?? s).has(at)) nullable = true;
      return next ?? s;
    },
    exit() {},
  });
  return result.complete && !nullable;
}
