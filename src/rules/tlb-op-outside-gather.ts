/**
 * An operation on a gather the function owns (range recording, page queueing, page-table
 * freeing, flushes, the VMA bracket) runs only while the gather is open: after
 * `tlb_gather_mmu*()` and before `tlb_finish_mmu()`, on every path.
 */
import { displayKey } from '../analysis/ast.js';
import { objectAt } from '../analysis/brackets.js';
import { nearestAfter, type CfgNode } from '../analysis/cfg.js';
import { explore } from '../analysis/paths.js';
import { defineRule } from './define-rule.js';
import { callEvents } from './facts.js';
import { GATHER_OPS, MMU_GATHER } from './resources.js';

/** Per gather: not yet gathered, open, finished at a node, or unknown (a helper we cannot read). */
type GatherState = { k: 'unset' } | { k: 'open' } | { k: 'done'; at: number } | { k: 'unknown' };

const OPS = new Map(GATHER_OPS.map((o) => [o.name, o.gatherArg]));

export default defineRule({
  id: 'tlb-op-outside-gather',
  meta: {
    summary: 'operations on a local mmu_gather must run between tlb_gather_mmu*() and tlb_finish_mmu()',
    severity: 'error',
    confidence: 'high',
    resources: [MMU_GATHER],
    calls: GATHER_OPS.map((o) => o.name),
  },
  messages: {
    beforeGather: {
      headline: '`{{op}}` is used on `{{object}}` before it is gathered',
      explanation:
        '`{{op}}` works on the gather\'s range and batches, which `tlb_gather_mmu()` sets up (`__tlb_gather_mmu()` in mm/mmu_gather.c). On the path shown `{{object}}` has not been gathered yet, so the fields it follows hold whatever was on the stack.',
      fix: 'Gather first: call `tlb_gather_mmu()` on `{{object}}` before any operation on it.',
    },
    afterFinish: {
      headline: '`{{op}}` is used on `{{object}}` after `tlb_finish_mmu()`',
      explanation:
        '`tlb_finish_mmu()` did the final flush, freed the gather\'s batches and dropped the mm\'s pending-flush count. An operation after it records a range that nothing will flush, or queues pages into batches that were freed.',
      fix: 'Move the operation before `tlb_finish_mmu()`, or gather again before it.',
    },
  },
  check(fn, ctx) {
    const gathers = ctx.facts.brackets(MMU_GATHER);
    if (gathers.objects.size === 0) return;
    // The operations on owned gathers, per node.
    // Any other call handed the gather works on it too (`free_pgtables(&tlb, ...)`): after
    // `tlb_finish_mmu()` it is the same misuse. One that opens or closes the gather (a helper the
    // summaries read) is the bracket's business, and a call before the gather may be its setup.
    const ops = callEvents(fn, ({ call, name, node }) => {
      const arg = OPS.get(name);
      if (arg !== undefined) {
        const object = objectAt(fn, call.args[arg], node.id);
        return object === null || !gathers.objects.has(object) ? null : { object, name, handed: false };
      }
      for (const a of call.args) {
        const object = objectAt(fn, a, node.id);
        if (object !== null && gathers.objects.has(object)) return { object, name, handed: true };
      }
      return null;
    });
    if (ops.size === 0) return;
    const reported = new Set<string>();
    type State = ReadonlyMap<string, GatherState>;
    const initial: State = new Map([...gathers.objects].map((o) => [o, { k: 'unset' } as GatherState]));
    const result = explore<State>(fn.cfg, fn.facts, {
      initial,
      key: (s) => [...s].map(([o, v]) => `${o}=${v.k}${v.k === 'done' ? v.at : ''}`).join(';'),
      step(s, node) {
        let next: Map<string, GatherState> | null = null;
        const state = (): Map<string, GatherState> => (next ??= new Map(s));
        for (const o of ops.get(node.id) ?? []) {
          const g = (next ?? s).get(o.object);
          if (!g || g.k === 'open' || g.k === 'unknown') continue;
          // A call handed the gather counts only after a finish above it: one reached again by a
          // loop that finishes the gather on every pass is tlb-gather-finish-balance's
          // `finishWithoutGather`, the same defect.
          if (o.handed && (g.k !== 'done' || fn.cfg.nodes[g.at]!.start > node.start || gathers.eventsAt(node).some((e) => e.object === o.object))) continue;
          const key = `${node.id}|${o.object}|${g.k}`;
          if (reported.has(key)) continue;
          reported.add(key);
          report(node, o, g);
        }
        for (const e of gathers.eventsAt(node)) {
          state().set(e.object, e.kind === 'open' ? { k: 'open' } : e.kind === 'close' ? { k: 'done', at: node.id } : { k: 'unknown' });
        }
        return next ?? s;
      },
      exit() {},
    });
    if (!result.complete) ctx.incomplete('the operations on the gather');

    function report(node: CfgNode, o: { object: string; name: string }, g: GatherState): void {
      const data = { op: `${o.name}()`, object: displayKey(o.object) };
      if (g.k === 'done') {
        ctx.report({ messageId: 'afterFinish', data, at: node, related: [{ at: fn.cfg.nodes[g.at]!, message: `\`${data.object}\` finished here` }] });
      } else {
        // Where the gather is set up: later in the function, or only on other paths.
        const opens = fn.cfg.nodes.filter((n) => gathers.eventsAt(n).some((e) => e.object === o.object && e.kind === 'open'));
        const later = nearestAfter(opens, node.start);
        const gather = later ?? opens[0];
        const message = later ? `\`${data.object}\` is gathered here, later` : `\`${data.object}\` is gathered here, on other paths`;
        ctx.report({ messageId: 'beforeGather', data, at: node, related: gather ? [{ at: gather, message }] : [] });
      }
    }
  },
});
