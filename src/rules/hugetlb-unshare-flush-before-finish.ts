/**
 * After `huge_pmd_unshare(tlb, ...)`, `huge_pmd_unshare_flush(tlb, vma)` must run before
 * `i_mmap_unlock_write()` and before `tlb_finish_mmu()` on every path. Applies to trees whose
 * `huge_pmd_unshare()` takes the gather (the 2025 stable backports and later); the older
 * signature `huge_pmd_unshare(mm, vma, ...)` is left alone.
 */
import { addressee, displayKey, type Expr } from '../analysis/ast.js';
import { acquisitionOf, objectAt, pendingOf, settlePending, SummaryMemo, type BracketSummaries, type NameQuery, type PendingAcquisition } from '../analysis/brackets.js';
import type { CfgNode } from '../analysis/cfg.js';
import type { AnalyzedFunction } from '../analysis/file.js';
import { edgeInto, explore } from '../analysis/paths.js';
import { defineRule } from './define-rule.js';
import { anyEvent, callEvents } from './facts.js';

const GATHER_TYPE = /\bstruct\s+mmu_gather\b/;
/** The exported unshare and the static one mm/hugetlb.c calls itself (`hugetlb_unshare_pmds()`). */
const UNSHARES = ['huge_pmd_unshare', '__huge_pmd_unshare'];
/** A function that names an unshare, itself or through the helpers of its file it calls. */
const UNSHARE_QUERY: NameQuery = { words: UNSHARES, via: [] };
/** A function that names the flush, itself or through the helpers of its file it calls. */
const FLUSH_QUERY: NameQuery = { words: ['huge_pmd_unshare_flush'], via: [] };

type Messages = 'unlockBeforeFlush' | 'finishBeforeFlush';
/**
 * Per node: unshares, flushes, unlocks and finishes, keyed by gather. For an unshare whose result
 * is tested (in the branch itself, or stored and tested later: `unshared =
 * huge_pmd_unshare(...); ... if (unshared)`): how the path learns that it returned nonzero
 * (unshared); for a helper's: the helper (`via`) and the unshare inside it.
 */
type Ev = { kind: 'unshare' | 'flush' | 'finish' | 'unlock'; object: string | null; pending?: PendingAcquisition; via?: { name: string; unshare: string } };

/**
 * An unshare of a gather not yet flushed: the node of the unshare, and while the path has not yet
 * learned whether it unshared, how it will. Until then it may have: a finish or an unlock that
 * comes first is reported.
 */
type Unflushed = { at: number; pending: PendingAcquisition | null };

/**
 * What reaching `node` by `taken` makes of `u`: still unflushed (perhaps still pending), or null
 * when the unshare's result said it unshared nothing. A result overwritten before any test
 * leaves an unshare that may have happened.
 */
function settle(u: Unflushed, node: CfgNode, taken: { from: CfgNode; kind: string } | null): Unflushed | null {
  if (!u.pending) return u;
  const settled = settlePending(u.pending, node, taken);
  if (settled === null) return u;
  if (settled === 'acquired' || settled === 'forgotten') return { at: u.at, pending: null };
  if (settled === 'failed') return null;
  return { at: u.at, pending: settled };
}

const unflushedKey = (u: Unflushed): string => `${u.at}${u.pending ? `?${JSON.stringify(u.pending)}` : ''}`;

export default defineRule<Messages>({
  id: 'hugetlb-unshare-flush-before-finish',
  meta: {
    summary: 'huge_pmd_unshare_flush() must follow huge_pmd_unshare() before i_mmap_unlock_write() and tlb_finish_mmu()',
    severity: 'error',
    confidence: 'high',
    resources: [],
    // `tlb_finish_mmu()`: the caller of a helper that leaves its unshares to be flushed.
    calls: ['huge_pmd_unshare', '__huge_pmd_unshare', 'huge_pmd_unshare_flush', 'tlb_finish_mmu'],
    needs: (file, span, summaries) => summaries.mayName(file, span, UNSHARE_QUERY),
    // Only helpers of the same file are followed: a file that names no unshare has nothing here.
    fileNeeds: (text) => text.includes('huge_pmd_unshare'),
  },
  messages: {
    unlockBeforeFlush: {
      headline: '`i_mmap_unlock_write()` runs with a PMD unshare not yet flushed by `huge_pmd_unshare_flush()`',
      brief: '`i_mmap_unlock_write()` runs with a PMD unshare not yet flushed',
      explanation:
        '`{{unshare}}` detached a shared PMD table from this process, but TLBs may still cache translations through it and GUP-fast may still walk it. The caller must call `huge_pmd_unshare_flush()` before dropping `i_mmap_rwsem` (mm/hugetlb.c): once the lock is dropped, the other sharers can free the table while it is still reachable here.',
      fix: '{{flushWhere}} before `i_mmap_unlock_write()`.',
    },
    finishBeforeFlush: {
      headline: '`tlb_finish_mmu()` runs with a PMD unshare not flushed by `huge_pmd_unshare_flush()`',
      explanation:
        '`tlb_finish_mmu()` expects every PMD unshare of the gather to be flushed already and warns otherwise (`VM_WARN_ON_ONCE(tlb->fully_unshared_tables)`, mm/mmu_gather.c): on this path the unshared table\'s TLB entries and GUP-fast walkers were never synchronised.',
      fix: '{{flushWhere}} before `tlb_finish_mmu()`.',
    },
  },
  check(fn, ctx) {
    const events = unshareEvents(fn, ctx.summaries);
    if (!anyEvent(events, (e) => e.kind === 'unshare')) return;
    const reported = new Set<number>();
    // State: gather -> its unshare not yet flushed.
    type State = ReadonlyMap<string, Unflushed>;
    const result = explore<State>(fn.cfg, fn.facts, {
      initial: new Map(),
      key: (s) => [...s].map(([o, u]) => `${o}=${unflushedKey(u)}`).join(';'),
      step(s, node, trace) {
        let next: Map<string, Unflushed> | null = null;
        const taken = edgeInto(fn.cfg, trace, node);
        for (const [object, u] of s) {
          const settled = settle(u, node, taken);
          if (settled === u) continue;
          next ??= new Map(s);
          if (settled === null) next.delete(object);
          else next.set(object, settled);
        }
        const list = events.get(node.id);
        if (!list) return next ?? s;
        next ??= new Map(s);
        for (const e of list) {
          if (e.kind === 'unshare' && e.object !== null) {
            if (!next.has(e.object)) next.set(e.object, { at: node.id, pending: e.pending ?? null });
          } else if (e.kind === 'flush' && e.object !== null) {
            next.delete(e.object);
          } else if (e.kind === 'unlock') {
            for (const [object, u] of next) report(node, 'unlockBeforeFlush', object, u.at);
          } else if (e.kind === 'finish' && e.object !== null) {
            const u = next.get(e.object);
            if (u) report(node, 'finishBeforeFlush', e.object, u.at);
            next.delete(e.object);
          }
        }
        return next;
      },
      exit() {},
    });
    if (!result.complete) ctx.incomplete('the flush after huge_pmd_unshare()');

    function report(node: CfgNode, messageId: Messages, object: string, at: number): void {
      if (reported.has(node.id)) return;
      reported.add(node.id);
      // The gather as the unshare was handed it (`&tlb` for a gather on the stack), and which
      // unshare: its own, or the one inside the helper it called.
      const ev = events.get(at)?.find((e) => e.kind === 'unshare' && e.object === object);
      const call = fn.cfg.nodes[at]!.events.find((e) => e.k === 'call' && e.name !== null && (ev?.via ? e.name === ev.via.name : /huge_pmd_unshare$/.test(e.name)));
      const arg = call?.k === 'call' ? call.call.args.find((a) => isGather(fn, a) && objectAt(fn, a, at) === object) : undefined;
      const unshare = ev?.via ? `${ev.via.unshare}()` : call?.k === 'call' ? `${call.name}()` : 'huge_pmd_unshare()';
      ctx.report({
        messageId,
        data: {
          gather: arg ? fn.text(arg) : displayKey(object),
          unshare,
          // "runs before" read wrong where the flush is above, on another path, or in the
          // helper that unshares (sweep AJ); the fix then belongs in that helper.
          flushWhere: ev?.via
            ? `Make \`${ev.via.name}()\` call \`huge_pmd_unshare_flush()\` on every path after its unshares, or call \`huge_pmd_unshare_flush(${arg ? fn.text(arg) : displayKey(object)}, vma)\` after the call and`
            : `Call \`huge_pmd_unshare_flush(${arg ? fn.text(arg) : displayKey(object)}, vma)\` on every path after the unshares and`,
        },
        at: node,
        related: [{ at: fn.cfg.nodes[at]!, message: ev?.via ? `\`${ev.via.name}()\` may unshare a shared PMD table here and leave the flush to its caller` : 'a shared PMD table may be unshared here' }],
      });
    }
  },
});

/**
 * The unshare events of `fn` (see {@link Ev}), with its calls of helpers that may leave an
 * unshare of a gather they are handed unflushed when they return (the catalog: "a flush in the
 * same function or in the unique caller path"): such a call is an unshare of that gather here.
 */
function unshareEvents(fn: AnalyzedFunction, summaries: BracketSummaries): Map<number, Ev[]> {
  return callEvents<Ev>(fn, ({ call, name, node }) => {
    const arg0 = call.args[0];
    if (UNSHARES.includes(name) && isGather(fn, arg0)) {
      const pending = pendingOf(node, acquisitionOf(node, call, 'nonzero'));
      return { kind: 'unshare', object: objectAt(fn, arg0, node.id), ...(pending ? { pending } : {}) };
    }
    if (name === 'huge_pmd_unshare_flush') return { kind: 'flush', object: objectAt(fn, arg0, node.id) };
    if (name === 'tlb_finish_mmu') return { kind: 'finish', object: objectAt(fn, arg0, node.id) };
    if (name === 'i_mmap_unlock_write') return { kind: 'unlock', object: null };
    const i = call.args.findIndex((a) => isGather(fn, a));
    if (i < 0 || name === fn.name) return null;
    const unshare = leftUnflushed(fn, name, i, summaries);
    if (unshare) return { kind: 'unshare', object: objectAt(fn, call.args[i], node.id), via: { name, unshare } };
    // A helper of the file that flushes the gather on every path (sweep AG: the tail of
    // `move_hugetlb_page_tables()` moved into one) is the flush here.
    return flushesAlways(fn, name, i, summaries) ? { kind: 'flush', object: objectAt(fn, call.args[i], node.id) } : null;
  });
}

/** The one definition in `fn`'s file of callee `name` whose parameter `param` is a gather, if it may name `query`'s words. */
function gatherCallee(fn: AnalyzedFunction, name: string, param: number, summaries: BracketSummaries, query: NameQuery): { callee: AnalyzedFunction; key: string } | null {
  const defs = fn.file.calleeDefinitionsOf(name);
  if (defs.length !== 1 || !summaries.mayName(fn.file, defs[0]!, query)) return null;
  const callee = fn.file.analyze(defs[0]!);
  const p = callee?.ast.params[param];
  return callee && p && GATHER_TYPE.test(p.type) ? { callee, key: p.ref.id } : null;
}

/**
 * Whether callee `name`, handed a gather in parameter `param`, calls `huge_pmd_unshare_flush()`
 * on it (itself or through a helper of the file) on every path to its return.
 */
function flushesAlways(fn: AnalyzedFunction, name: string, param: number, summaries: BracketSummaries): boolean {
  const found = gatherCallee(fn, name, param, summaries, FLUSH_QUERY);
  if (!found) return false;
  const known = flushMemo.get(summaries, found.callee, () => new Map());
  if (!known.has(param)) {
    // A recursion reads as no flush.
    known.set(param, false);
    const events = unshareEvents(found.callee, summaries);
    let always = true;
    const result = explore<boolean>(found.callee.cfg, found.callee.facts, {
      initial: false,
      key: (flushed) => (flushed ? '1' : '0'),
      step: (flushed, node) => flushed || (events.get(node.id) ?? []).some((e) => e.kind === 'flush' && e.object === found.key),
      exit(flushed) {
        if (!flushed) always = false;
      },
    });
    known.set(param, result.complete && always);
  }
  return known.get(param)!;
}

const flushMemo = new SummaryMemo<AnalyzedFunction, Map<number, boolean>>();

/**
 * Whether callee `name`, handed a gather in parameter `param`, may return with an unshare of it
 * not yet flushed: the unshare's name, or null. Read from its one definition in the file, once
 * per summaries.
 */
function leftUnflushed(fn: AnalyzedFunction, name: string, param: number, summaries: BracketSummaries): string | null {
  const found = gatherCallee(fn, name, param, summaries, UNSHARE_QUERY);
  if (!found) return null;
  const known = unflushedMemo.get(summaries, found.callee, () => new Map());
  if (!known.has(param)) {
    known.set(param, null);
    known.set(param, unflushedAtExit(found.callee, found.key, summaries));
  }
  return known.get(param)!;
}

const unflushedMemo = new SummaryMemo<AnalyzedFunction, Map<number, string | null>>();

/** The unshare (by name) of gather parameter `key` that some path of `fn` leaves unflushed at its exit. */
function unflushedAtExit(fn: AnalyzedFunction, key: string, summaries: BracketSummaries): string | null {
  const events = unshareEvents(fn, summaries);
  let left: string | null = null;
  // The unshare not flushed yet, as in the check, or 'clean'. A walker's null would end the path.
  type State = Unflushed | 'clean';
  const result = explore<State>(fn.cfg, fn.facts, {
    initial: 'clean',
    key: (s) => (s === 'clean' ? s : unflushedKey(s)),
    step(s, node, trace) {
      let cur: State = s === 'clean' ? s : (settle(s, node, edgeInto(fn.cfg, trace, node)) ?? 'clean');
      for (const e of events.get(node.id) ?? []) {
        if (e.object !== key) continue;
        if (e.kind === 'unshare' && cur === 'clean') cur = { at: node.id, pending: e.pending ?? null };
        else if (e.kind === 'flush' || e.kind === 'finish') cur = 'clean';
      }
      return cur;
    },
    exit(s) {
      if (s === 'clean' || left !== null) return;
      const ev = events.get(s.at)?.find((e) => e.kind === 'unshare');
      left = ev?.via?.unshare ?? fn.cfg.nodes[s.at]!.events.flatMap((e) => (e.k === 'call' && e.name !== null && UNSHARES.includes(e.name) ? [e.name] : []))[0] ?? 'huge_pmd_unshare';
    },
  });
  return result.complete ? left : null;
}

/** Whether `arg` is a gather (`&tlb` on a local `struct mmu_gather`, or a `struct mmu_gather *`). */
function isGather(fn: AnalyzedFunction, arg: Expr | undefined): boolean {
  if (!arg) return false;
  const e = addressee(arg);
  if (e.k !== 'ident') return false;
  const param = fn.ast.params.find((p) => p.ref.id === e.ref.id);
  if (param) return GATHER_TYPE.test(param.type);
  return fn.cfg.nodes.some((n) => (n.decls ?? []).some((d) => d.ref.id === e.ref.id && GATHER_TYPE.test(d.type)));
}
