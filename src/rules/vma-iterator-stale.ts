/**
 * A VMA iterator (`struct vma_iterator`, the maple tree's `struct ma_state` inside) holds a
 * position in the tree's nodes. It stays valid while the tree does not change under it; each of
 * these breaks that, and the iterator's next step (`for_each_vma()`'s loop head, `vma_next()`,
 * `vma_find()`, `mas_find()`, ...) then walks from nodes that may have been replaced or freed:
 *
 * - `modified`: the tree is changed through another iterator or through none (`do_munmap()`,
 *   6.1's `split_vma(mm, ...)`, `vma_merge()`). The 6.12 modifiers take the iterator
 *   (`vma_modify_flags(&vmi, ...)`, `split_vma(&vmi, ...)`) to keep it coherent: a change made
 *   through the walking iterator itself is the intended pattern (mm/userfaultfd.c:1985).
 * - `unlocked`: the mmap lock is dropped (and taken again) during the walk, and the iterator is
 *   not re-seated with `vma_iter_set()` / `vma_iter_invalidate()` / `mas_pause()` before its next
 *   step (`exit_mmap()` re-seats after its lock change, mm/mmap.c:1956-1966;
 *   `show_smaps_rollup()` invalidates before it unlocks, fs/proc/task_mmu.c:1223).
 * - `errPrev`: a modifier that returns an `ERR_PTR()` failed, and the "previous VMA" it was to
 *   replace still holds that pointer when it is handed on: directly, or through a helper that
 *   stores the modifier's result in its `**prev` out-parameter and returns the error (the
 *   catalog's B16: `mlock_fixup()` / `apply_mlockall_flags()`, fixed by faa242b1d2a9).
 *
 * All three are judged path by path: a walk that `break`s or returns right after the change,
 * or re-seats on the path, is fine. Only iterators the function steps itself are judged; an
 * iterator handed in as a parameter is taken as positioned by the caller.
 */
import { addressee, displayKey, pathKey, type Expr, type VarRef } from '../analysis/ast.js';
import { objectAt, type BracketSummaries } from '../analysis/brackets.js';
import { loopHeadAround, reachableFrom, type CfgNode } from '../analysis/cfg.js';
import type { AnalyzedFile, AnalyzedFunction } from '../analysis/file.js';
import type { FunctionSpan } from '../analysis/functions.js';
import { edgeInto, explore } from '../analysis/paths.js';
import { callsOrLoops, defineRule, quoteCode, unlessIn, type RuleContext, type Span } from './define-rule.js';
import { helperDefinition } from './facts.js';
import { lockEvents } from './mmap-lock.js';
import { MMAP_LOCK_OPS, VMA_ITERATOR_API } from './resources.js';

type Message = 'modified' | 'unlocked' | 'errPrev' | 'reseatDeleted';

const LOOPS = new Map<string, (typeof VMA_ITERATOR_API.loops)[number]>(VMA_ITERATOR_API.loops.map((l) => [l.name, l]));
const ADVANCES = new Map<string, number>(VMA_ITERATOR_API.advances.map((a) => [a.name, a.arg]));
const RESEATS = new Map<string, number>(VMA_ITERATOR_API.reseats.map((a) => [a.name, a.arg]));
const MODIFIERS = new Map<string, number>(VMA_ITERATOR_API.modifiers.map((a) => [a.name, a.arg]));
const MODIFIERS_WITHOUT = new Set<string>(VMA_ITERATOR_API.modifiersWithout);
const ERR_RETURNING = new Set<string>(VMA_ITERATOR_API.errReturning);
const TEARDOWN = new Set<string>(VMA_ITERATOR_API.teardown);
const NONNULL_CHANGES = new Set<string>(VMA_ITERATOR_API.changesWhenNonNull);
const POSITION_FREE = new Set<string>(VMA_ITERATOR_API.positionFree);
/** Calls that only test or convert an error pointer: handing one to them is the right thing to do. */
const ERR_TESTS = new Set(['IS_ERR', 'IS_ERR_OR_NULL', 'PTR_ERR', 'PTR_ERR_OR_ZERO', 'ERR_CAST', 'WARN_ON', 'WARN_ON_ONCE', 'likely', 'unlikely']);
/** Lookups that only store into the `&prev` they are handed. */
const OVERWRITES = new Set(['find_vma_prev']);

export default defineRule({
  id: 'vma-iterator-stale',
  meta: {
    summary: 'a VMA iterator steps on after the tree changed under it, or after the mmap lock was dropped, without being re-seated',
    severity: 'error',
    confidence: 'medium',
    resources: [],
    // A function that walks VMAs declares or receives an iterator, and calls the `vma_*()`
    // helpers on it. The loop macros' names are gone from its tokens once the normaliser rewrote
    // them (normalize.ts), and the `mas_*()` names would cost every scan's prefilter a pass of
    // its own (an anchor, prefilter.ts) for functions that declare their `MA_STATE` anyway.
    calls: [
      ...VMA_ITERATOR_API.declarations,
      ...[...ADVANCES.keys(), ...RESEATS.keys(), ...MODIFIERS.keys(), ...ERR_RETURNING].filter((n) => n.startsWith('vma_')),
    ],
    // The rule judges the iterators a function steps itself: its callers are not made relevant.
    needs: (file, span, summaries) => walksIterators(file, span, summaries) && !onlyOtherTrees(file, span),
    comparesPrevious: true,
  },
  messages: {
    modified: {
      headline: '`{{call}}` changes the VMA tree while `{{vmi}}` walks it, and `{{vmi}}` steps on',
      brief: '`{{call}}` changes the VMA tree while `{{vmi}}` walks it',
      explanation:
        '`{{vmi}}` holds a position in the maple tree\'s nodes. `{{call}}` changes the tree {{how}}, which may replace the nodes `{{vmi}}` points into, and on this path `{{vmi}}` steps on from that position ({{step}}): it can read freed nodes, skip VMAs or visit one twice. The modifiers take the iterator so they can keep it coherent (`mprotect_fixup(&vmi, ...)` in mm/mprotect.c, `vma_modify_flags_uffd(&vmi, ...)` in mm/userfaultfd.c), and `vma_iter_set()` / `vma_iter_invalidate()` re-seat one (include/linux/mm.h).',
      fix: 'Make the change through `{{vmi}}` (the `vma_modify_*()`, `split_vma(&vmi, ...)` or `do_vmi_munmap(&vmi, ...)` forms), or re-seat it with `vma_iter_set(&{{vmi}}, addr)` after the change, before it steps again.',
    },
    unlocked: {
      headline: 'the mmap lock is dropped while `{{vmi}}` walks the VMA tree, and `{{vmi}}` is not re-seated',
      explanation:
        '`{{call}}` releases the mmap lock in the middle of the walk of `{{vmi}}`{{relock}}. While it is released other threads may map, unmap, split or merge VMAs and the maple tree may free the nodes `{{vmi}}` points into, yet on this path `{{vmi}}` steps on from its old position ({{step}}).{{models}}',
      fix: 'Re-seat the iterator before it steps again: `vma_iter_invalidate(&{{vmi}})` before dropping the lock, or `vma_iter_set(&{{vmi}}, addr)` with the address to resume from after taking it again; re-check the VMA you resume from, it may be gone.',
    },
    errPrev: {
      headline: '`{{prev}}` may hold the `ERR_PTR()` of a failed `{{source}}()`, and is handed on as a VMA',
      brief: '`{{prev}}` may be an `ERR_PTR()` of `{{source}}()`, handed on as a VMA',
      explanation:
        '{{failure}}. On this path `{{prev}}` still holds one when `{{use}}` hands it on as a VMA. A merge or split given an error pointer as its neighbour dereferences it. This is the bug fixed upstream by faa242b1d2a9 "mm/mlock: set the correct prev on failure": `mlock_fixup()` left the `ERR_PTR()` of `vma_modify_flags()` in `*prev`, and `apply_mlockall_flags()` went on to the next VMA with it.',
      fix: 'On failure, set `{{prev}}` back to a real VMA before it is used again{{model}}, or stop the walk.',
    },
    reseatDeleted: {
      headline: '`{{use}}` walks `{{vmi}}` from wherever it was left: this patch deletes its re-seat',
      brief: '`{{use}}` walks `{{vmi}}` from where it was left: its re-seat is deleted',
      explanation:
        'Before this patch `{{reseat}}` put `{{vmi}}` back at a known position before `{{use}}`, after `{{moved}}` had moved it on. The patch deletes the re-seat, so `{{use}}` starts from wherever `{{moved}}` left the iterator: often past the last VMA, where it finds nothing, or at the wrong VMA. `exit_mmap()` (mm/mmap.c) re-seats its iterator this way before `free_pgtables()` and before its removal loop: without it, the page tables of every VMA but the first leak and the loop frees one VMA.',
      fix: 'Keep `{{reseat}}` before `{{use}}`, or re-seat `{{vmi}}` another way (`vma_iter_set()`, `mas_set()`).',
    },
  },
  check(fn, ctx) {
    // The iterators already reported stale: a deleted re-seat of one is the same defect seen
    // from the patch (sweep G: show_smaps_rollup()'s invalidate deleted is `unlocked` already).
    const stale = new Set<string>();
    checkStale(fn, Object.assign(Object.create(ctx) as RuleContext<Message>, {
      report: (r: Parameters<RuleContext<Message>['report']>[0]) => {
        if (typeof r.data?.['vmi'] === 'string') stale.add(r.data['vmi']);
        ctx.report(r);
      },
    }));
    checkErrPrev(fn, ctx);
    checkDeletedReseat(fn, ctx, stale);
  },
});

// ---- (a) and (b): stale iterators ---------------------------------------------------------

/**
 * The iterator object an argument names, as an access-path key: `&vmi`, `&vmi.mas` and a
 * `for_each_vma(vmi, ...)` argument name `vmi`; a `struct vma_iterator *vmi` and `&vmi->mas`
 * name `*vmi`. `byValue`: the macro takes the iterator itself, not its address.
 */
function iteratorKey(arg: Expr | undefined, byValue = false): string | null {
  if (!arg) return null;
  const target = addressee(arg);
  const base = pathKey(target);
  if (base === null) return null;
  let key = target !== arg || byValue ? base : `*${base}`;
  if (key.endsWith('.mas')) key = key.slice(0, -4);
  else if (key.endsWith('->mas')) key = `*${key.slice(0, -5).replace(/^\*/, '')}`;
  return key;
}

/**
 * Whether an argument names an iterator variable of the function (`&vmi`, `vmi`, `&vmi.mas`,
 * `&vmi->mas`). An iterator reached through another structure (`vmg->vmi`, `vms->vmi`) may be
 * the walking one under another name: such a change is not judged.
 */
function isIteratorVar(fn: AnalyzedFunction, arg: Expr): boolean {
  let root: Expr = addressee(arg);
  if (root.k === 'field' && root.field === 'mas') root = root.base;
  while (root.k === 'unary' || root.k === 'cast') root = root.arg;
  if (root.k !== 'ident') return false;
  const type = fn.declaredType(root.ref);
  return type !== null && VMA_ITERATOR_API.types.test(type) && !otherTree(fn, root.ref);
}

const walksIterators = callsOrLoops([...VMA_ITERATOR_API.declarations, ...ADVANCES.keys(), ...RESEATS.keys(), ...MODIFIERS.keys(), ...ERR_RETURNING], VMA_ITERATOR_API.loops.map((l) => l.name));

/**
 * {@link otherTree} on tokens, before parsing: every iterator the function declares is an
 * `MA_STATE()` on a bare `struct maple_tree *` parameter, and it names no other iterator type,
 * so nothing in it is a VMA iterator and the rule has nothing to say. The maple tree's tests
 * are thousands of lines long (tools/testing/radix-tree/maple.c, 36,000): parsing the 22 such
 * functions there cost a whole-tree scan half a second.
 */
function onlyOtherTrees(file: AnalyzedFile, span: FunctionSpan): boolean {
  const ids = file.identifiersOf(span);
  if (!ids.has('MA_STATE') || VMA_ITERATOR_API.declarations.some((d) => d !== 'MA_STATE' && ids.has(d)) || ids.has('ma_state')) return false;
  const params = file.parameterTypes(span);
  return file.callArguments(span, 'MA_STATE').every((args) => args.length >= 2 && /\bmaple_tree \*$/.test(params.get(args[1]!) ?? ''));
}

/**
 * Whether the iterator is a maple state declared on a tree the function was handed as a bare
 * `struct maple_tree *` parameter (`MA_STATE(mas, mt, 10, 20)`): the maple tree's own tests
 * (tools/testing/radix-tree/maple.c, lib/test_maple_tree.c), whose trees hold no VMAs. A VMA
 * walk names the mm's tree (`MA_STATE(mas, &mm->mm_mt, 0, 0)`) or a detached one of its own.
 */
function otherTree(fn: AnalyzedFunction, ref: VarRef): boolean {
  for (const node of fn.cfg.nodes) {
    for (const d of node.decls ?? []) {
      if (d.ref.id !== ref.id) continue;
      const tree = d.init?.k === 'call' ? d.init.args[1] : undefined;
      return tree?.k === 'ident' && fn.ast.params.some((p) => p.ref.id === tree.ref.id && p.pointer && /\bmaple_tree$/.test(p.type));
    }
  }
  return false;
}

type IterEvent =
  | { k: 'advance'; key: string; at: Span; what: string }
  | { k: 'reseat'; key: string }
  | { k: 'modify'; key: string | null; at: Span; name: string; mm: string | null; result: string | null }
  | { k: 'unlock'; mm: string; at: Span; name: string }
  | { k: 'lock'; mm: string; at: Span };

type IterState =
  | { s: 'live' }
  | { s: 'paused' }
  | {
      s: 'stale';
      cause: number;
      kind: 'modified' | 'unlocked';
      relock: number | null;
      /** A change made only when the call's result, held here, is non-NULL (6.1's `vma_merge()`). */
      unless: string | null;
      prior: 'live' | 'paused';
    };

interface StaleFinding {
  kind: 'modified' | 'unlocked';
  key: string;
  cause: IterEvent & { k: 'modify' | 'unlock' };
  causeNode: number;
  relock: (IterEvent & { k: 'lock' }) | null;
  steps: Map<number, { at: Span; what: string }>;
}

const LOCKS = new Set(MMAP_LOCK_OPS.filter((o) => o.op === 'lock').map((o) => o.name));

function checkStale(fn: AnalyzedFunction, ctx: RuleContext<Message>): void {
  const events = new Map<number, IterEvent[]>();
  const add = (id: number, e: IterEvent): void => {
    const list = events.get(id) ?? [];
    list.push(e);
    events.set(id, list);
  };
  const tracked = new Set<string>();
  const mmOf = new Map<string, string>();
  let changes = false;
  // An address space being torn down has no other user to change its tree while unlocked.
  const teardown = fn.cfg.nodes.some((n) => n.events.some((e) => e.k === 'call' && e.name !== null && TEARDOWN.has(e.name)));
  const locks = teardown ? new Map<number, never[]>() : lockEvents(fn, ctx.summaries);
  for (const node of fn.cfg.nodes) {
    if (node.kind === 'loop' && node.macro && LOOPS.has(node.macro.name) && node.expr?.k === 'comma') {
      const loop = LOOPS.get(node.macro.name)!;
      const key = iteratorKey(node.expr.exprs[loop.arg], loop.name.startsWith('for_each_vma'));
      if (key !== null) {
        tracked.add(key);
        add(node.id, { k: 'advance', key, at: { start: node.start, end: node.end }, what: `the \`${node.macro.name}()\` loop` });
      }
    }
    for (const ev of node.events) {
      if (ev.k === 'def') {
        // Declared or assigned anew (`VMA_ITERATOR(vmi, mm, addr)`): it starts from the root.
        if (ev.how !== 'addr' && ev.how !== 'iter' && ev.how !== 'param') add(node.id, { k: 'reseat', key: ev.key });
        continue;
      }
      if (ev.name === null) continue;
      const name = ev.name;
      const args = ev.call.args;
      if (name === 'VMA_ITERATOR' || name === 'vma_iter_init' || name === 'MA_STATE') {
        const key = name === 'vma_iter_init' ? iteratorKey(args[0]) : iteratorKey(args[0], true);
        const mm = mmKey(fn, args[1], node.id);
        if (key !== null && mm !== null) mmOf.set(key, mm);
      }
      if (ADVANCES.has(name)) {
        const key = iteratorKey(args[ADVANCES.get(name)!]);
        if (key !== null) {
          tracked.add(key);
          add(node.id, { k: 'advance', key, at: ev.call, what: `\`${ev.name}()\`` });
        }
      } else if (RESEATS.has(name)) {
        const key = iteratorKey(args[RESEATS.get(name)!]);
        if (key !== null) add(node.id, { k: 'reseat', key });
      } else if (helperReseats(fn, name, ctx.summaries).always.size > 0) {
        // A helper that re-seats the iterator it is handed on every path.
        for (const i of helperReseats(fn, name, ctx.summaries).always) {
          const key = iteratorKey(args[i]);
          if (key !== null) add(node.id, { k: 'reseat', key });
        }
      } else if (MODIFIERS.has(name)) {
        const arg = args[MODIFIERS.get(name)!];
        // Through an iterator, or (6.1's `split_vma(mm, ...)`) through none; an argument that is
        // neither (`vmg->...`) is not judged.
        const through = arg && isIteratorVar(fn, arg) ? iteratorKey(arg) : null;
        const none = arg !== undefined && through === null && isMmArg(fn, arg);
        if (through !== null || none) {
          changes = true;
          add(node.id, { k: 'modify', key: through, at: ev.call, name, mm: none ? mmKey(fn, arg, node.id) : null, result: null });
        }
      } else if (MODIFIERS_WITHOUT.has(name)) {
        changes = true;
        // A merge that did nothing says so by returning NULL: the change depends on the result.
        const stored = NONNULL_CHANGES.has(name) ? node.events.find((d) => d.k === 'def' && d.value === ev.call) : undefined;
        const result = stored && stored.k === 'def' ? stored.key : null;
        add(node.id, { k: 'modify', key: null, at: ev.call, name, mm: mmKey(fn, args.find((a) => isMmArg(fn, a)), node.id), result });
      }
      for (const l of locks.get(node.id) ?? []) {
        if (l.event.call !== ev.call || l.event.via !== null) continue;
        if (l.op === 'unlock') {
          changes = true;
          add(node.id, { k: 'unlock', mm: l.object, at: ev.call, name });
        } else if (l.op === 'lock' && LOCKS.has(name)) {
          add(node.id, { k: 'lock', mm: l.object, at: ev.call });
        }
      }
    }
  }
  if (tracked.size === 0 || !changes) return;

  const sameMm = (key: string, mm: string | null): boolean => mm === null || !mmOf.has(key) || mmOf.get(key) === mm;
  const findings = new Map<string, StaleFinding>();
  type State = ReadonlyMap<string, IterState>;
  const initial = new Map<string, IterState>([...tracked].map((k) => [k, /@param/.test(k) && !/@param\./.test(k) ? { s: 'live' } : { s: 'paused' }]));
  const result = explore<State>(fn.cfg, fn.facts, {
    initial,
    key: (s) => [...s].map(([k, v]) => (v.s === 'stale' ? `${k}=${v.cause}/${v.relock ?? ''}/${v.unless ?? ''}` : `${k}=${v.s}`)).join(';'),
    step(s, node, trace) {
      const list = events.get(node.id);
      const pending = [...s.values()].some((v) => v.s === 'stale' && v.unless !== null);
      if (!list && !pending) return s;
      const next = new Map(s);
      // A conditional change: the branch that tests its result says whether it happened.
      if (pending) {
        const into = edgeInto(fn.cfg, trace, node);
        for (const [k, v] of s) {
          if (v.s !== 'stale' || v.unless === null) continue;
          const nullEdge = into && (into.kind === 'true' || into.kind === 'false') && into.from.expr ? nullTest(into.from.expr, v.unless) : null;
          if (nullEdge === null) continue;
          next.set(k, nullEdge === into!.kind ? { s: v.prior } : { ...v, unless: null });
        }
        // Anything else that writes the result ends the correlation: the change stands.
        for (const ev of node.events) {
          if (ev.k !== 'def' || ev.how === 'addr') continue;
          for (const [k, v] of next) if (v.s === 'stale' && v.unless === ev.key && v.cause !== node.id) next.set(k, { ...v, unless: null });
        }
      }
      for (const e of list ?? []) {
        switch (e.k) {
          case 'advance': {
            const st = next.get(e.key);
            if (st?.s === 'stale') {
              const cause = causeAt(events, st.cause);
              if (cause) {
                const id = `${st.cause}|${e.key}`;
                const f = findings.get(id) ?? { kind: st.kind, key: e.key, cause, causeNode: st.cause, relock: st.relock === null ? null : ((events.get(st.relock)?.find((x) => x.k === 'lock') as (IterEvent & { k: 'lock' }) | undefined) ?? null), steps: new Map() };
                f.steps.set(node.id, { at: e.at, what: e.what });
                findings.set(id, f);
              }
            }
            if (tracked.has(e.key)) next.set(e.key, { s: 'live' });
            break;
          }
          case 'reseat':
            if (tracked.has(e.key)) next.set(e.key, { s: 'paused' });
            break;
          case 'modify': {
            const mm = e.mm ?? (e.key !== null ? (mmOf.get(e.key) ?? null) : null);
            for (const [k, st] of next) {
              if (k === e.key) next.set(k, { s: 'live' });
              else if (st.s === 'live' && sameMm(k, mm)) next.set(k, { s: 'stale', cause: node.id, kind: 'modified', relock: null, unless: e.result, prior: st.s });
            }
            break;
          }
          case 'unlock':
            for (const [k, st] of next) {
              if (st.s === 'live' && sameMm(k, e.mm)) next.set(k, { s: 'stale', cause: node.id, kind: 'unlocked', relock: null, unless: null, prior: st.s });
            }
            break;
          case 'lock':
            for (const [k, st] of next) {
              if (st.s === 'stale' && st.kind === 'unlocked' && st.relock === null && sameMm(k, e.mm)) next.set(k, { ...st, relock: node.id });
            }
            break;
        }
      }
      return next;
    },
    exit() {},
  });
  if (!result.complete) {
    ctx.incomplete('whether VMA iterators are re-seated after the tree or the lock changed');
    return;
  }
  for (const f of [...findings.values()].sort((a, b) => a.cause.at.start - b.cause.at.start)) {
    const vmi = displayKey(f.key).replace(/^\*/, '');
    const steps = [...f.steps.values()].sort((a, b) => a.at.start - b.at.start);
    const step = steps.map((x) => `\`${quoteCode(fn.text(x.at))}\``).join(', ');
    const related = steps.map((x) => ({ at: x.at, message: `\`${vmi}\` steps on from its old position here (${x.what})` }));
    if (f.kind === 'modified' && f.cause.k === 'modify') {
      const how = f.cause.key === null ? 'through no iterator' : `through another iterator, \`${displayKey(f.cause.key).replace(/^\*/, '')}\``;
      ctx.report({ messageId: 'modified', data: { call: `${f.cause.name}()`, vmi, how, step }, at: f.cause.at, related });
    } else if (f.cause.k === 'unlock') {
      if (f.relock) related.unshift({ at: f.relock.at, message: `the lock is taken again here, but \`${vmi}\` still points into the old tree` });
      const relock = f.relock ? ` and \`${quoteCode(fn.text(f.relock.at))}\` takes it again` : '';
      // The kernel's own re-seats as models, but not the function under review (sweep G: a
      // patch deleting show_smaps_rollup()'s invalidate was told that it invalidates).
      const models = [
        unlessIn(fn, 'exit_mmap', '`exit_mmap()` (mm/mmap.c) calls `vma_iter_set()` after its lock change'),
        unlessIn(fn, 'show_smaps_rollup', '`show_smaps_rollup()` (fs/proc/task_mmu.c) calls `vma_iter_invalidate()` before it unlocks'),
      ].filter((m) => m !== '');
      ctx.report({ messageId: 'unlocked', data: { call: fn.text(f.cause.at), vmi, relock, step, models: models.length > 0 ? ` ${models.join(', and ')}.` : '' }, at: f.cause.at, related: related.sort((a, b) => a.at.start - b.at.start) });
    }
  }
}

/** Which edge of branch `cond` means `key` is NULL (`if (prev)`: false), or null when it does not test `key`. */
function nullTest(cond: Expr, key: string): 'true' | 'false' | null {
  let e = cond;
  let flip = false;
  for (;;) {
    if (e.k === 'call' && (e.name === 'likely' || e.name === 'unlikely') && e.args[0]) e = e.args[0];
    else if (e.k === 'unary' && e.op === '!') {
      flip = !flip;
      e = e.arg;
    } else break;
  }
  let isNull: 'true' | 'false' | null = null;
  if (pathKey(e) === key) isNull = 'false';
  else if (e.k === 'binary' && (e.op === '==' || e.op === '!=') && pathKey(e.left) === key && e.right.k === 'lit' && /^(NULL|0)$/.test(e.right.text.trim())) isNull = e.op === '==' ? 'true' : 'false';
  if (isNull === null) return null;
  return flip ? (isNull === 'true' ? 'false' : 'true') : isNull;
}

function causeAt(events: ReadonlyMap<number, IterEvent[]>, node: number): (IterEvent & { k: 'modify' | 'unlock' }) | null {
  const e = events.get(node)?.find((x) => x.k === 'modify' || x.k === 'unlock');
  return (e as (IterEvent & { k: 'modify' | 'unlock' }) | undefined) ?? null;
}

/** Whether an argument is an mm (declared `struct mm_struct`, or an mm field: `current->mm`, `vma->vm_mm`). */
function isMmArg(fn: AnalyzedFunction, arg: Expr): boolean {
  const e = addressee(arg);
  if (e.k === 'field') return e.field === 'mm' || e.field === 'vm_mm' || e.field === 'mm_mt';
  if (e.k !== 'ident') return false;
  const type = fn.declaredType(e.ref);
  return type !== null && /\bstruct\s+mm_struct\b/.test(type);
}

/** The mm an argument names, as the lock events key it (`&mm->mm_mt` names `mm`). */
function mmKey(fn: AnalyzedFunction, arg: Expr | undefined, node: number): string | null {
  if (!arg) return null;
  const e = addressee(arg);
  return objectAt(fn, e.k === 'field' && e.field === 'mm_mt' ? e.base : e, node);
}


// ---- (c): an ERR_PTR() left in `prev` --------------------------------------------------------

/** Where an error pointer comes from: a modifier's result, or a helper's `**prev` out-parameter. */
interface ErrSource {
  /** What may hold the error pointer. */
  key: string;
  /** The variable whose test says it failed: the pointer itself, or the helper's result. */
  test: string | null;
  pointer: boolean;
  node: number;
  call: Expr & { k: 'call' };
  source: string;
  how: string;
}

interface ErrHeld {
  phase: 'pending' | 'err';
  source: number;
  test: string | null;
  pointer: boolean;
  /** The branch that saw the failure. */
  seen: number | null;
  /** Where the error pointer was copied into this variable. */
  copied: number | null;
}

type ErrState = ReadonlyMap<string, ErrHeld>;

function checkErrPrev(fn: AnalyzedFunction, ctx: RuleContext<Message>): void {
  const sources = errSources(fn, ctx);
  if (sources.size === 0) return;
  const reports = new Map<string, { use: Span; call: Span; holder: string; src: ErrSource; seen: number | null; copied: number | null }>();
  const result = explore<ErrState>(fn.cfg, fn.facts, {
    initial: new Map(),
    key: (s) => [...s].map(([k, v]) => `${k}=${v.phase}/${v.source}`).join(';'),
    step(s, node, trace) {
      let next: Map<string, ErrHeld> | null = null;
      const state = (): Map<string, ErrHeld> => (next ??= new Map(s));
      // The branch just taken may be the failure test of a pending source.
      if (s.size > 0) {
        const into = edgeInto(fn.cfg, trace, node);
        if (into && (into.kind === 'true' || into.kind === 'false') && into.from.expr) {
          for (const [k, v] of s) {
            if (v.phase !== 'pending' || v.test === null) continue;
            const failed = failureEdge(into.from.expr, v.test, v.pointer);
            if (failed === null) continue;
            if (failed === into.kind) state().set(k, { ...v, phase: 'err', seen: into.from.id });
            else state().delete(k);
          }
        }
      }
      const cur = (): ErrState => next ?? s;
      if (cur().size > 0) {
        for (const [k, v] of cur()) {
          if (v.phase !== 'err') continue;
          const use = badUse(node, k);
          if (use) {
            const src = sources.get(v.source)!.find((x) => x.key === k) ?? sources.get(v.source)![0]!;
            const id = `${node.id}|${v.source}|${k}`;
            if (!reports.has(id)) reports.set(id, { ...use, holder: k, src, seen: v.seen, copied: v.copied });
          }
        }
      }
      // Writes end what the variables held (a new result ends the wait for the old one's test);
      // a copy of an error pointer carries it.
      for (const ev of node.events) {
        if (ev.k !== 'def' || ev.how === 'addr' || ev.how === 'param') continue;
        const held = cur();
        const from = ev.value ? pathKey(ev.value) : null;
        const carried = from !== null ? held.get(from) : undefined;
        for (const [k, v] of held) if (k === ev.key || (v.phase === 'pending' && v.test === ev.key)) state().delete(k);
        if (carried && carried.phase === 'err' && !ev.key.startsWith('*')) state().set(ev.key, { ...carried, copied: node.id });
      }
      for (const src of sources.get(node.id) ?? []) state().set(src.key, { phase: src.test === null ? 'err' : 'pending', source: node.id, test: src.test, pointer: src.pointer, seen: null, copied: null });
      return next ?? s;
    },
    exit() {},
  });
  if (!result.complete) {
    ctx.incomplete('whether an error pointer left in `prev` is used');
    return;
  }
  for (const r of [...reports.values()].sort((a, b) => a.use.start - b.use.start)) {
    const related = [{ at: r.src.call as Span, message: r.src.pointer ? `\`${r.src.source}()\` may return an error pointer here` : `\`${r.src.source}()\` may leave an error pointer in \`${displayKey(r.src.key)}\` here` }];
    if (r.seen !== null) related.push({ at: fn.cfg.nodes[r.seen]!, message: 'the failure is seen here, and the path goes on' });
    if (r.copied !== null) related.push({ at: fn.cfg.nodes[r.copied]!, message: `\`${displayKey(r.holder)}\` takes the error pointer here` });
    // The source is the use itself, on an earlier pass of a loop: show where the loop comes back.
    if (r.use.start >= r.src.call.start && r.use.start < r.src.call.end) {
      const head = loopHeadBefore(fn, r.use.start);
      if (head) related.push({ at: head, message: `the loop comes back here with \`${displayKey(r.holder)}\` as the last pass left it` });
    }
    ctx.report({
      messageId: 'errPrev',
      data: { prev: displayKey(r.holder), source: r.src.source, failure: r.src.how, use: quoteCode(fn.text(r.call)), model: unlessIn(fn, 'apply_mlockall_flags', ' (`apply_mlockall_flags()` sets `prev = vma` when `mlock_fixup()` fails)') },
      at: r.use,
      related: related.filter((x) => x.at.start !== r.use.start),
    });
  }
}

/** The head of the innermost loop around source offset `offset` (see {@link loopHeadAround}). */
function loopHeadBefore(fn: AnalyzedFunction, offset: number): CfgNode | null {
  let at: CfgNode | null = null;
  for (const n of fn.cfg.nodes) if (n.start <= offset && offset < n.end && (at === null || n.end - n.start < at.end - at.start)) at = n;
  return at && loopHeadAround(fn.cfg, at);
}

/**
 * The error sources of the function, by node: `v = vma_modify_*(...)` (an error pointer in `v`
 * when `IS_ERR(v)`), and `r = helper(..., &prev, ...)` for a helper that stores such a result
 * in its `**prev` out-parameter on its error path (an error pointer in `prev` when `r` is
 * non-zero; at once when the result is thrown away).
 */
function errSources(fn: AnalyzedFunction, ctx: RuleContext<Message>): Map<number, ErrSource[]> {
  const out = new Map<number, ErrSource[]>();
  const add = (id: number, s: ErrSource): void => {
    out.set(id, [...(out.get(id) ?? []), s]);
  };
  for (const node of fn.cfg.nodes) {
    for (const ev of node.events) {
      if (ev.k !== 'call' || ev.name === null) continue;
      const stored = node.events.find((d) => d.k === 'def' && d.value === ev.call && d.how !== 'addr');
      const result = stored && stored.k === 'def' ? stored.key : null;
      if (ERR_RETURNING.has(ev.name)) {
        if (result !== null) add(node.id, { key: result, test: result, pointer: true, node: node.id, call: ev.call, source: ev.name, how: `\`${ev.name}()\` returns an error pointer when it fails` });
        continue;
      }
      ev.call.args.forEach((a, i) => {
        if (a.k !== 'unary' || a.op !== '&') return;
        const key = pathKey(a.arg);
        if (key === null || a.arg.k !== 'ident' || !/\bvm_area_struct\b/.test(fn.declaredType(a.arg.ref) ?? '')) return;
        const leaks = leavesErrIn(fn, ev.name!, i, ctx);
        if (leaks === null) return;
        const ignored = node.kind === 'stmt' && node.expr === ev.call;
        if (!ignored && result === null) return;
        add(node.id, {
          key,
          test: ignored ? null : result,
          pointer: false,
          node: node.id,
          call: ev.call,
          source: ev.name!,
          how: `\`${ev.name}()\` stores the result of \`${leaks}()\` in \`*${fn.text(a.arg)}\` on its error path, an error pointer when that failed, and returns the error`,
        });
      });
    }
  }
  return out;
}

const leakMemo = new WeakMap<object, Map<string, string | null>>();

/**
 * Whether helper `name` (wherever widen can read its body) stores the error pointer of a
 * failed modifier in its out-parameter `arg` (a `struct vm_area_struct **`): the name of the
 * modifier when it does, else null.
 */
function leavesErrIn(fn: AnalyzedFunction, name: string, arg: number, ctx: RuleContext<Message>): string | null {
  let memo = leakMemo.get(ctx.summaries);
  if (!memo) leakMemo.set(ctx.summaries, (memo = new Map()));
  const id = `${name}#${arg}`;
  if (memo.has(id)) return memo.get(id)!;
  memo.set(id, null);
  let found: string | null = null;
  for (const d of ctx.summaries.definitions(name, fn.file, [...ERR_RETURNING])) {
    const ids = d.file.identifiersOf(d.span);
    if (![...ERR_RETURNING].some((n) => ids.has(n))) continue;
    const callee = d.file.analyze(d.span);
    const param = callee?.ast.params[arg];
    if (!callee || !param || !/\bvm_area_struct\b/.test(param.type)) continue;
    found = storesErr(callee, `*${param.ref.id}`);
    if (found) break;
  }
  memo.set(id, found);
  return found;
}

/** Whether `fn` stores a modifier's error pointer into `slot` on a path where `IS_ERR()` saw it: the modifier's name. */
function storesErr(fn: AnalyzedFunction, slot: string): string | null {
  const sources = new Map<number, { key: string; name: string }>();
  for (const node of fn.cfg.nodes) {
    for (const ev of node.events) {
      if (ev.k !== 'call' || ev.name === null || !ERR_RETURNING.has(ev.name)) continue;
      const stored = node.events.find((d) => d.k === 'def' && d.value === ev.call);
      if (stored && stored.k === 'def') sources.set(node.id, { key: stored.key, name: ev.name });
    }
  }
  if (sources.size === 0) return null;
  let found: string | null = null;
  explore<ReadonlyMap<string, string>>(fn.cfg, fn.facts, {
    initial: new Map(),
    key: (s) => [...s].map(([k, v]) => `${k}=${v}`).join(';'),
    step(s, node, trace) {
      let next = s;
      const into = edgeInto(fn.cfg, trace, node);
      if (into && (into.kind === 'true' || into.kind === 'false') && into.from.expr) {
        for (const [k, v] of s) {
          if (!v.startsWith('?')) continue;
          const failed = failureEdge(into.from.expr, k, true);
          if (failed === null) continue;
          const m = new Map(next);
          if (failed === into.kind) m.set(k, v.slice(1));
          else m.delete(k);
          next = m;
        }
      }
      for (const ev of node.events) {
        if (ev.k !== 'def' || ev.how === 'addr') continue;
        const from = ev.value ? pathKey(ev.value) : null;
        const held = from !== null ? next.get(from) : undefined;
        if (ev.key === slot && held !== undefined && !held.startsWith('?')) found ??= held;
        if (next.has(ev.key)) {
          const m = new Map(next);
          m.delete(ev.key);
          next = m;
        }
      }
      const src = sources.get(node.id);
      if (src) next = new Map(next).set(src.key, `?${src.name}`);
      return next;
    },
    exit() {},
  });
  return found;
}

/**
 * Which edge of branch `cond` means the value in `key` failed: `IS_ERR(v)` (true), and for an
 * int result `r`, `-errno` style tests (`r`, `r != 0`, `r < 0` true; `!r`, `r == 0` false).
 * Null when the branch does not test `key`.
 */
function failureEdge(cond: Expr, key: string, pointer: boolean): 'true' | 'false' | null {
  let e = cond;
  let flip = false;
  for (;;) {
    if (e.k === 'call' && e.name !== null && (e.name === 'likely' || e.name === 'unlikely') && e.args[0]) e = e.args[0];
    else if (e.k === 'unary' && e.op === '!') {
      flip = !flip;
      e = e.arg;
    } else break;
  }
  const yes = flip ? 'false' : 'true';
  const no = flip ? 'true' : 'false';
  if (e.k === 'call' && (e.name === 'IS_ERR' || e.name === 'IS_ERR_OR_NULL') && e.args[0] && pathKey(e.args[0]) === key) return yes;
  if (pointer) return null;
  if (pathKey(e) === key) return yes;
  if (e.k === 'binary' && pathKey(e.left) === key && e.right.k === 'lit' && e.right.text.trim() === '0') {
    if (e.op === '!=' || e.op === '<') return yes;
    if (e.op === '==' || e.op === '>=') return no;
  }
  return null;
}

/**
 * A use of the error pointer in `key` at `node` as a VMA: handed to a call (not a test), or
 * dereferenced; with the expression that uses it, for the message.
 */
function badUse(node: CfgNode, key: string): { use: Span; call: Span } | null {
  for (const f of node.flow) if (f.k === 'use' && f.deref && (f.key === `*${key}` || f.key.startsWith(`${key}->`))) return { use: f, call: f };
  for (const ev of node.events) {
    if (ev.k !== 'call' || (ev.name !== null && (ERR_TESTS.has(ev.name) || OVERWRITES.has(ev.name)))) continue;
    for (const a of ev.call.args) if (pathKey(addressee(a)) === key) return { use: a, call: ev.call };
  }
  return null;
}

const RESEAT_NAMES: ReadonlySet<string> = new Set(RESEATS.keys());

/** Which arguments a helper re-seats: on every path through it, or on some. */
interface HelperReseats {
  always: ReadonlySet<number>;
  some: ReadonlySet<number>;
}
const NO_RESEATS: HelperReseats = { always: new Set(), some: new Set() };

/**
 * The arguments a helper re-seats when it is handed an iterator there (sweep T:
 * `show_smaps_rollup()`'s `vma_iter_invalidate(&vmi)` moved into a one-line
 * `smaps_rollup_reset_iter(&vmi)`). Re-seated on every path through the helper, its call is
 * the re-seat the API call would be; on some paths only (a helper that invalidates the
 * iterator before it drops the lock, when it drops it), the re-seat moved into the helper and
 * a patch that moves it there deletes none.
 */
function helperReseats(fn: AnalyzedFunction, name: string, summaries: BracketSummaries): HelperReseats {
  const def = helperDefinition(fn, name, summaries, RESEAT_NAMES);
  if (!def) return NO_RESEATS;
  const span = def.span;
  let found = helperReseatsMemo.get(span);
  if (found) return found;
  const always = new Set<number>();
  const some = new Set<number>();
  const callee = def.file.analyze(span);
  if (callee) {
    callee.ast.params.forEach((param, i) => {
      if (!param.pointer || !VMA_ITERATOR_API.types.test(param.type)) return;
      const key = `*${param.ref.id}`;
      const reseating = new Set(
        callee.cfg.nodes.filter((n) => n.events.some((e) => e.k === 'call' && e.name !== null && RESEATS.has(e.name) && iteratorKey(e.call.args[RESEATS.get(e.name)!]) === key)).map((n) => n.id),
      );
      if (reseating.size === 0) return;
      some.add(i);
      const exit = callee.cfg.nodes[callee.cfg.exit]!;
      if (!reachableFrom(callee.cfg, callee.cfg.nodes[callee.cfg.entry]!, (n) => reseating.has(n.id)).nodes.includes(exit)) always.add(i);
    });
  }
  found = { always, some };
  helperReseatsMemo.set(span, found);
  return found;
}

const helperReseatsMemo = new WeakMap<FunctionSpan, HelperReseats>();

/** An iterator's uses in one function: re-seats, and every other call handed it (but the position-free ones) or loop over it. */
interface IteratorUse {
  node: CfgNode;
  /** The iterator as written (`vmi`): keys hold declaration offsets, which a patch may move. */
  key: string;
  reseat: boolean;
  /** The call, squeezed (`free_pgtables(&tlb, &vmi.mas, vma, …)` as written), or the loop's head. */
  text: string;
}

function iteratorUses(fn: AnalyzedFunction, summaries: BracketSummaries): IteratorUse[] {
  // `fn.text()` collapses white space: the same call reads the same before and after a patch.
  const out: IteratorUse[] = [];
  for (const node of fn.cfg.nodes) {
    if (node.kind === 'loop' && node.macro && LOOPS.has(node.macro.name) && node.expr?.k === 'comma') {
      const loop = LOOPS.get(node.macro.name)!;
      const key = iteratorKey(node.expr.exprs[loop.arg], loop.name.startsWith('for_each_vma'));
      // Named by the macro and its arguments: the node of `do { ... } for_each_vma_range(vmi,
      // cur, end);` spans the arguments only (sweep AE's note read "after `vmi, cur, end` had
      // moved it on").
      if (key !== null) out.push({ node, key: displayKey(key), reseat: false, text: `${node.macro.name}(${fn.text(node.expr)})` });
    }
    for (const ev of node.events) {
      if (ev.k !== 'call' || ev.name === null || POSITION_FREE.has(ev.name) || (VMA_ITERATOR_API.declarations as readonly string[]).includes(ev.name)) continue;
      const name = ev.name;
      ev.call.args.forEach((a, i) => {
        if (!isIteratorVar(fn, a)) return;
        const key = iteratorKey(a);
        if (key !== null) out.push({ node, key: displayKey(key), reseat: RESEATS.has(name) || helperReseats(fn, name, summaries).some.has(i), text: fn.text(ev.call) });
      });
    }
  }
  return out;
}

/**
 * `reseatDeleted`, in a review: the patch deletes a re-seat of an iterator that a call or a step
 * had moved on before it, and the use that followed it still runs (sweep F: both
 * `vma_iter_set(&vmi, vma->vm_end)` deleted from `exit_mmap()`, whose `free_pgtables()` then
 * walks `vmi.mas` from where `unmap_vmas()` left it). A re-seat where nothing had moved the
 * iterator yet positions it for the first time, and its deletion changes nothing said here.
 */
function checkDeletedReseat(fn: AnalyzedFunction, ctx: RuleContext<Message>, stale: ReadonlySet<string>): void {
  const before = ctx.previous;
  if (!before) return;
  const then = iteratorUses(before, ctx.summaries);
  const now = iteratorUses(fn, ctx.summaries);
  const kept = now.filter((u) => u.reseat).map((u) => u.text);
  const reported = new Set<number>();
  const count = (uses: IteratorUse[], key: string): number => uses.filter((u) => u.reseat && u.key === key).length;
  for (const r of then.filter((u) => u.reseat)) {
    // A re-seat written another way (`mas_set(&vmi.mas, addr)` for `vma_iter_set(&vmi, addr)`) is no deletion.
    if (count(now, r.key) >= count(then, r.key) || stale.has(r.key.replace(/^\*/, ''))) continue;
    const i = kept.indexOf(r.text);
    if (i >= 0) {
      kept.splice(i, 1);
      continue;
    }
    // In the order of the source: a backward `goto retry;` makes a later step reach the re-seat,
    // and 6.12 task_numa_work() steps with the same `vma_next(&vmi)` text three times (sweep AE).
    const others = then.filter((u) => u.key === r.key && !u.reseat && u.node !== r.node).sort((a, b) => a.node.start - b.node.start);
    // The last use above the re-seat that reaches it, and the first below it that it reaches.
    const moved = others.filter((u) => u.node.start < r.node.start && reaches(before, u.node, r.node)).pop();
    const next = others.find((u) => u.node.start > r.node.start && reaches(before, r.node, u.node));
    if (!moved || !next) continue;
    const at = sameUse(next, then, now);
    if (!at || reported.has(at.node.id)) continue;
    reported.add(at.node.id);
    const vmi = r.key.replace(/^\*/, '');
    const mover = sameUse(moved, then, now);
    ctx.report({
      messageId: 'reseatDeleted',
      data: { use: quoteCode(at.text), vmi, reseat: quoteCode(r.text), moved: quoteCode(moved.text) },
      at: at.node,
      related: mover ? [{ at: mover.node, message: `moves \`${vmi}\` on; the re-seat that followed is deleted` }] : [],
    });
  }
}

/**
 * The use of `now` that is use `u` of `then`: the same call on the same iterator, its k-th
 * occurrence as before (`vma_next(&vmi)` both opens exit_mmap()'s walk and steps its removal loop).
 */
function sameUse(u: IteratorUse, then: readonly IteratorUse[], now: readonly IteratorUse[]): IteratorUse | undefined {
  const like = (list: readonly IteratorUse[]): IteratorUse[] => list.filter((x) => x.key === u.key && !x.reseat && x.text === u.text).sort((a, b) => a.node.start - b.node.start);
  return like(now)[like(then).indexOf(u)];
}

/** Whether `to` can follow `from` in `fn` (forward edges only, `from` itself excluded). */
function reaches(fn: AnalyzedFunction, from: CfgNode, to: CfgNode): boolean {
  const seen = new Set<number>([from.id]);
  const work = from.succ.filter((e) => e.kind !== 'back').map((e) => e.to);
  while (work.length > 0) {
    const id = work.pop()!;
    if (id === to.id) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const e of fn.cfg.nodes[id]!.succ) if (e.kind !== 'back') work.push(e.to);
  }
  return false;
}
