/**
 * The `__` page-queueing calls return true when the gather's batch is full and the caller must
 * flush before queueing more: their result must be used, directly in a condition, stored in a
 * flag that is read later, passed on, or returned.
 */
import { forEachExpr, pathKey, type Expr } from '../analysis/ast.js';
import { reachableFrom, type CfgNode } from '../analysis/cfg.js';
import type { AnalyzedFunction } from '../analysis/file.js';
import { edgeInto, explore } from '../analysis/paths.js';
import { acquiredEdge, zeroEdge } from '../analysis/brackets.js';
import { defineRule, unlessIn } from './define-rule.js';
import { GATHER_QUEUE_OPS } from './resources.js';

/** include/asm-generic/tlb.h (6.12 lines 71-86): the `__` forms leave the flush to the caller. */
const QUEUEING = GATHER_QUEUE_OPS.map((o) => o.name).filter((n) => n.startsWith('__'));
/**
 * Every call that queues a page on the gather: after a full batch, none may come before a flush.
 * (`tlb_remove_folio()` is no function of either tree; kept so that the set stays as it was.)
 */
const QUEUES: ReadonlySet<string> = new Set([...GATHER_QUEUE_OPS.map((o) => o.name), 'tlb_remove_folio']);
/** Calls that empty the batch. */
const FLUSHES: ReadonlySet<string> = new Set(['tlb_flush_mmu', 'tlb_finish_mmu']);

export default defineRule({
  id: 'tlb-batch-full-ignored',
  meta: {
    summary: 'the "batch full" result of __tlb_remove_page*() must lead to a flush',
    severity: 'error',
    confidence: 'high',
    resources: [],
    calls: QUEUEING,
  },
  messages: {
    discarded: {
      headline: 'the result of `{{call}}` is thrown away',
      explanation:
        '`{{call}}` returns true when the gather has no room left for another page: the caller must flush with `tlb_flush_mmu()` (usually by setting a force-flush flag and leaving its loop) before it queues more. Ignoring it lets the next page overrun the batch.',
      fix: 'Test the result and flush with `tlb_flush_mmu()` when it is true{{wrapper}}.',
    },
    neverRead: {
      headline: '`{{flag}}` keeps the result of `{{call}}` but is never read',
      explanation:
        '`{{call}}` returns true when the gather is full and must be flushed before more pages are queued. The result is stored in `{{flag}}`, but nothing after reads it, so the flush it asks for never happens.',
      fix: 'Test `{{flag}}` at once: when it is set, stop queueing and call `tlb_flush_mmu()` before the next page (`zap_pte_range()` sets `force_flush` and leaves its loop to flush).',
    },
    queuedWhileFull: {
      headline: '`{{call}}` may queue into a full batch: `{{flag}}` is not tested first',
      explanation:
        '`{{first}}` returned whether the batch is full into `{{flag}}`, and nothing tests it or flushes before this call queues another page. On a full batch (no room for a new one: the batch limit, or an allocation that failed) the next page is written past the end of the batch\'s array (6.1 `__tlb_remove_page_size()`: `batch->encoded_pages[batch->nr++] = page;` after `batch->nr == batch->max` returned true). The flush after the loop comes too late.',
      fix: 'Test `{{flag}}` after each page and leave the loop when it is set, then flush{{model}}.',
    },
    queuedAfterFull: {
      headline: '`{{call}}` queues into the full batch {{found}}',
      explanation:
        '`{{first}}` returned true on the path shown: the batch has no room for another page until `tlb_flush_mmu()` empties it. Nothing flushes before `{{call}}` queues the next page, which is written past the end of the batch\'s array (6.1 `__tlb_remove_page_size()`: `batch->encoded_pages[batch->nr++] = page;` after `batch->nr == batch->max` returned true). A flag set for a flush after the loop comes too late.',
      fix: 'Leave the loop on the branch where `{{first}}` returned true, then flush{{model}}.',
    },
  },
  check(fn, ctx) {
    // A flag nothing reads is one finding (`neverRead`), not two.
    const unread = new Set<number>();
    for (const node of fn.cfg.nodes) {
      for (const ev of node.events) {
        if (ev.k !== 'call' || ev.name === null || !QUEUEING.includes(ev.name)) continue;
        const use = useOf(node, ev.call);
        const data = { call: `${ev.name}()` };
        if (use.k === 'discarded') {
          // Not inside the wrappers that flush themselves: that advice would recurse (sweep AJ).
          const wrapper = /^tlb_remove_(page|page_size)$/.test(fn.name) ? '' : ', or call `tlb_remove_page()`, which flushes by itself';
          ctx.report({ messageId: 'discarded', data: { ...data, wrapper }, at: node });
        } else if (use.k === 'stored' && !readLater(fn, node, use.key)) {
          ctx.report({ messageId: 'neverRead', data: { ...data, flag: use.name }, at: node });
          unread.add(node.id);
        }
      }
    }
    queuedWhileFull(fn, ctx.report, unread);
  },
});

/**
 * A page queued while the batch may be full: after a queueing call whose result went into a
 * flag (`full |= __tlb_remove_page(...)`, `full = ...`), another page queued on the same path
 * before the flag is tested or the batch flushed (sweep M: a loop that keeps queueing and
 * flushes after it).
 */
function queuedWhileFull(fn: AnalyzedFunction, report: (r: { messageId: 'queuedWhileFull' | 'queuedAfterFull'; data: Record<string, string>; at: CfgNode; related: Array<{ at: CfgNode; message: string }> }) => void, unread: ReadonlySet<number>): void {
  const stored = new Map<number, { key: string; name: string; call: string }>();
  /** Branches on a queueing call's result: the edge along which it said the batch is full (sweep S). */
  const fullOn = new Map<number, { edge: 'true' | 'false'; call: string }>();
  for (const node of fn.cfg.nodes) {
    const e = node.expr;
    if ((node.kind === 'branch' || node.kind === 'loop') && e) {
      for (const ev of node.events) {
        if (ev.k !== 'call' || ev.name === null || !QUEUEING.includes(ev.name)) continue;
        const zeroOn = zeroEdge(e, (x) => x === ev.call);
        if (zeroOn) fullOn.set(node.id, { edge: acquiredEdge(zeroOn, 'nonzero'), call: `${ev.name}()` });
      }
    }
    if (unread.has(node.id)) continue;
    if (node.kind !== 'stmt' || !e || e.k !== 'assign' || (e.op !== '=' && e.op !== '|=') || e.target.k !== 'ident') continue;
    const v = strip(e.value);
    if (v.k === 'call' && v.callee.k === 'ident' && QUEUEING.includes(v.callee.name)) stored.set(node.id, { key: e.target.ref.id, name: e.target.name, call: `${v.callee.name}()` });
  }
  if (stored.size === 0 && fullOn.size === 0) return;
  const model = unlessIn(fn, 'zap_pte_range', ' (`zap_pte_range()`: `force_flush = 1; addr += PAGE_SIZE; break;`)');
  const reported = new Set<number>();
  /** Since node `at`: its flag may say the batch is full, or (`full`) its branch found it full. */
  type State = { at: number; full?: true } | 'clear';
  explore<State>(fn.cfg, fn.facts, {
    initial: 'clear',
    key: (s) => (s === 'clear' ? s : `${s.at}${s.full ? 'f' : ''}`),
    step(s, node, trace) {
      let cur = s;
      // A test of the flag, or a flush: the batch is known to have room again, or the code
      // decides on the flag (leaving the loop, as zap_pte_range() does).
      if (cur !== 'clear' && !cur.full && (node.kind === 'branch' || node.kind === 'loop') && reads(node, stored.get(cur.at)!.key)) cur = 'clear';
      // Along the edge on which a queueing call said the batch is full.
      const taken = edgeInto(fn.cfg, trace, node);
      if (taken && fullOn.get(taken.from.id)?.edge === taken.kind) cur = { at: taken.from.id, full: true };
      for (const ev of node.events) {
        if (ev.k !== 'call' || ev.name === null) continue;
        if (FLUSHES.has(ev.name)) cur = 'clear';
        else if (QUEUES.has(ev.name) && cur !== 'clear' && !reported.has(node.id)) {
          reported.add(node.id);
          if (cur.full) {
            const first = fullOn.get(cur.at)!;
            // The same call on the loop's next pass, or another queueing call after it.
            const found = cur.at === node.id ? 'it found on the last pass' : `\`${first.call}\` found`;
            report({ messageId: 'queuedAfterFull', data: { call: `${ev.name}()`, first: first.call, found, model }, at: node, related: [{ at: fn.cfg.nodes[cur.at]!, message: `\`${first.call}\` says the batch is full when this is ${first.edge}` }] });
            continue;
          }
          const first = stored.get(cur.at)!;
          report({ messageId: 'queuedWhileFull', data: { call: `${ev.name}()`, flag: first.name, first: first.call, model }, at: node, related: [{ at: fn.cfg.nodes[cur.at]!, message: `whether the batch is full goes into \`${first.name}\` here` }] });
        }
      }
      const own = stored.get(node.id);
      if (own) cur = { at: node.id };
      return cur;
    },
    exit() {},
  });
}

type Use = { k: 'discarded' } | { k: 'stored'; key: string; name: string } | { k: 'used' };

/** What the statement at `node` does with the value of `call`. */
function useOf(node: CfgNode, call: Expr & { k: 'call' }): Use {
  const e = node.expr;
  if (!e) {
    // A declaration: `bool full = __tlb_remove_page(...)`.
    const d = node.decls?.find((x) => x.init !== null && contains(x.init, call));
    return d && d.init === call ? { k: 'stored', key: d.ref.id, name: d.name } : { k: 'used' };
  }
  if (node.kind === 'stmt' && strip(e) === call) return { k: 'discarded' };
  if (node.kind === 'stmt' && e.k === 'assign' && e.value === call && e.op === '=') {
    const key = pathKey(e.target);
    // Writing through a pointer (`*force_flush = ...`) or into a structure hands it to someone else.
    if (key !== null && e.target.k === 'ident' && e.target.ref.scope === 'local') return { k: 'stored', key, name: e.target.name };
  }
  return { k: 'used' };
}

function strip(e: Expr): Expr {
  return e.k === 'cast' && /^\s*void\s*$/.test(e.type) ? e.arg : e;
}

function contains(e: Expr, x: Expr): boolean {
  let found = false;
  forEachExpr(e, (y) => {
    if (y === x) found = true;
  });
  return found;
}

/** Whether any node reachable from `from` (not counting `from` itself) reads variable `key`. */
function readLater(fn: AnalyzedFunction, from: CfgNode, key: string): boolean {
  return reachableFrom(fn.cfg, from).nodes.some((n) => reads(n, key));
}

function reads(node: CfgNode, key: string): boolean {
  const exprs: Expr[] = [];
  if (node.expr) {
    // The target of a plain assignment is written, not read.
    const e = node.expr;
    exprs.push(e.k === 'assign' && e.op === '=' ? e.value : e);
  }
  for (const d of node.decls ?? []) if (d.init) exprs.push(d.init);
  let found = false;
  for (const e of exprs) {
    forEachExpr(e, (x) => {
      if (x.k === 'ident' && x.ref.id === key) found = true;
    });
  }
  return found;
}
