/**
 * A page is queued on a gather only after the range its mapping covered was recorded on every
 * path (the queue path asserts `tlb->end`), and a page of another size only after
 * `tlb_change_page_size()`.
 */
import { displayKey, type Expr } from '../analysis/ast.js';
import { objectAt } from '../analysis/brackets.js';
import { nearestAfter, type CfgNode } from '../analysis/cfg.js';
import { explore } from '../analysis/paths.js';
import { defineRule } from './define-rule.js';
import { anyEvent, callEvents } from './facts.js';
import { GATHER_FLUSH_OPS, GATHER_QUEUE_OPS, GATHER_RANGE_OPS, PTE_CLEAR_CALLS } from './resources.js';

const RANGE = new Map(GATHER_RANGE_OPS.map((o) => [o.name, o]));
const FLUSH = new Map(GATHER_FLUSH_OPS.map((o) => [o.name, o]));
const QUEUE = new Map(GATHER_QUEUE_OPS.map((o) => [o.name, o]));
const SIZE = { name: 'tlb_change_page_size', gatherArg: 0 };
const CLEAR = new Set(PTE_CLEAR_CALLS);

interface GatherEvent {
  /** The gather, by value; empty for an entry clear, which is on no gather. */
  object: string;
  kind: 'range' | 'flush' | 'size' | 'queue' | 'clear';
  name: string;
  /** For a queue of another page size: the size expression. */
  size: Expr | null;
}

export default defineRule({
  id: 'tlb-range-before-queue',
  meta: {
    summary: 'record the TLB range before queueing a page on the gather; change the page size first',
    severity: 'error',
    confidence: 'medium',
    resources: [],
    calls: [...GATHER_QUEUE_OPS.map((o) => o.name)],
    // What the fixes call: a patch that deletes one is what a finding here usually comes from.
    remedies: ['tlb_change_page_size', 'tlb_remove_tlb_entry', 'tlb_remove_tlb_entries', 'tlb_remove_pmd_tlb_entry', 'tlb_remove_huge_tlb_entry', 'tlb_flush_pte_range', 'tlb_flush_pmd_range'],
  },
  messages: {
    queueBeforeRange: {
      headline: '`{{call}}` queues a page on `{{gather}}` before its range is recorded',
      explanation:
        'A page may be freed only after the TLB entries that map it are flushed, and the gather flushes only the range recorded in it. `{{call}}` is reached on a path where no range was recorded on `{{gather}}` since the start or since the last flush reset it, so nothing guarantees the page\'s translation is flushed before it is freed (the queue path has `VM_BUG_ON(!tlb->end)`).',
      fix: 'Record the mapping first (`tlb_remove_tlb_entry()`, `tlb_remove_pmd_tlb_entry()`, `tlb_flush_*_range()`), then queue the page.',
    },
    clearedNotRecorded: {
      headline: '`{{call}}` queues a cleared page, but `{{gather}}` has no range for its entry',
      brief: '`{{call}}` queues a page outside `{{gather}}`\'s range',
      explanation:
        'This function clears a page-table entry with `{{clear}}` and then queues a page on `{{gather}}`, but on this path no range is recorded on the gather, here or earlier in the function. Only the function that clears an entry knows its address, so no caller can record it for this one: the gather\'s flush does not cover the stale translation, and the page can be freed while another CPU still reaches it through its TLB (the queue path has `VM_BUG_ON(!tlb->end)`).',
      fix: 'Record the cleared entry on the gather (`tlb_remove_tlb_entry()`, `tlb_remove_pmd_tlb_entry()`, `tlb_remove_huge_tlb_entry()`) after clearing it and before queueing its page.',
    },
    sizeNotChanged: {
      headline: '`{{call}}` queues a `{{size}}` page without `tlb_change_page_size()`',
      explanation:
        'A gather batches pages of one size: `tlb_change_page_size()` flushes what was gathered at the old size and switches to the new one. Queueing a page of size `{{size}}` without it trips `VM_WARN_ON(tlb->page_size != page_size)` in mm/mmu_gather.c and, on architectures that flush by page size, flushes with the wrong stride.',
      fix: 'Call `tlb_change_page_size({{gather}}, {{size}})` before queueing pages of that size.',
    },
  },
  check(fn, ctx) {
    // Objects handed to other calls: a helper may record a range on a gather passed to it.
    const handed = new Set<string>();
    const events = callEvents<GatherEvent>(fn, ({ call, name, node }) => {
      if (CLEAR.has(name)) return { object: '', kind: 'clear', name, size: null };
      const kind: GatherEvent['kind'] | null = RANGE.has(name) ? 'range' : FLUSH.has(name) ? 'flush' : name === SIZE.name ? 'size' : QUEUE.has(name) ? 'queue' : null;
      if (kind === null) {
        for (const arg of call.args) {
          const object = objectAt(fn, arg, node.id);
          if (object !== null) handed.add(object);
        }
        return null;
      }
      // The gather is not always the first argument: tlb_remove_huge_tlb_entry(h, tlb, ...).
      const op = RANGE.get(name) ?? FLUSH.get(name) ?? QUEUE.get(name) ?? SIZE;
      const object = objectAt(fn, call.args[op.gatherArg], node.id);
      if (object === null) return null;
      const q = QUEUE.get(name);
      const sizeExpr = q && q.sizeArg !== null ? (call.args[q.sizeArg] ?? null) : null;
      // PAGE_SIZE needs no change; a size the caller passes in is the caller's to set up.
      const size = sizeExpr && !/^\s*PAGE_SIZE\s*$/.test(fn.text(sizeExpr)) && !(sizeExpr.k === 'ident' && sizeExpr.ref.scope === 'param') ? sizeExpr : null;
      return { object, kind, name, size };
    });
    const recorders = new Set([...events.values()].flat().filter((e) => e.kind === 'range').map((e) => e.object));
    if (!anyEvent(events, (e) => e.kind === 'queue')) return;
    const reported = new Set<string>();
    // Per gather: range recorded since the start or the last flush, and page size changed; and
    // the last entry clear on the path, if any.
    interface State {
      /** `reset`: the flush that emptied the range on this path, if that is why none is recorded. */
      gathers: ReadonlyMap<string, { range: boolean; size: boolean; reset: CfgNode | null }>;
      cleared: { node: CfgNode; name: string } | null;
    }
    const result = explore<State>(fn.cfg, fn.facts, {
      initial: { gathers: new Map(), cleared: null },
      key: (s) => `${s.cleared?.node.id ?? ''}|${[...s.gathers].map(([o, v]) => `${o}=${Number(v.range)}${Number(v.size)}${v.reset?.id ?? ''}`).join(';')}`,
      step(s, node) {
        const list = events.get(node.id);
        if (!list) return s;
        const next = new Map(s.gathers);
        let cleared = s.cleared;
        for (const e of list) {
          if (e.kind === 'clear') {
            cleared = { node, name: e.name };
            continue;
          }
          const cur = next.get(e.object) ?? { range: false, size: false, reset: null };
          if (e.kind === 'range') next.set(e.object, { ...cur, range: true, reset: null });
          else if (e.kind === 'flush') next.set(e.object, { ...cur, range: false, reset: node });
          else if (e.kind === 'size') next.set(e.object, { ...cur, size: true });
          else {
            // A function answers for the range when it records ranges on this gather itself,
            // or cleared the entry whose page it queues; otherwise the caller or a callee does.
            if (!cur.range && recorders.has(e.object)) once(node, e, 'queueBeforeRange', null, cur.reset);
            else if (!cur.range && cleared && !handed.has(e.object)) once(node, e, 'clearedNotRecorded', cleared);
            if (e.size && !cur.size) once(node, e, 'sizeNotChanged');
          }
        }
        return { gathers: next, cleared };
      },
      exit() {},
    });
    if (!result.complete) ctx.incomplete('the order of range recording and page queueing');

    function once(node: CfgNode, e: GatherEvent, messageId: 'queueBeforeRange' | 'clearedNotRecorded' | 'sizeNotChanged', cleared: State['cleared'] = null, reset: CfgNode | null = null): void {
      const key = `${node.id}|${e.object}|${messageId}`;
      if (reported.has(key)) return;
      reported.add(key);
      const data = { call: `${e.name}()`, gather: displayKey(e.object), size: e.size ? fn.text(e.size) : '', clear: cleared ? `${cleared.name}()` : '' };
      const related =
        cleared ? [{ at: cleared.node, message: `the entry is cleared here, and its range never recorded on \`${data.gather}\`` }]
        : messageId !== 'queueBeforeRange' ? []
        : reset ? [{ at: reset, message: `this flush empties the range recorded on \`${data.gather}\` before it` }]
        : recordedLater(node, e.object);
      ctx.report({ messageId, data, at: node, related });
    }

    /** The recording of `object`'s range that comes after the queue at `node` in the function, labelled. */
    function recordedLater(node: CfgNode, object: string): Array<{ at: CfgNode; message: string }> {
      const records = (n: CfgNode): GatherEvent | undefined => events.get(n.id)?.find((x) => x.kind === 'range' && x.object === object);
      const at = nearestAfter(fn.cfg.nodes.filter((n) => records(n) !== undefined), node.start);
      return at ? [{ at, message: `\`${records(at)!.name}()\` records the range here, after the page is queued` }] : [];
    }
  },
});
