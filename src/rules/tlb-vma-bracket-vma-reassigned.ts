/**
 * The seed rule. Between `tlb_start_vma(T, V)` and the `tlb_end_vma(T, ...)` it pairs with,
 * `V` must keep naming the same VMA on every path: no assignment, no iterator macro advancing
 * it, no `&V` handed to a callee, and the end call must name the same VMA as the start call.
 *
 * Hugh Dickins on the patch that started widen: "the vma may well have changed in between the
 * new tlb_start_vma() and tlb_end_vma(): which defeats the intent of the patch."
 */
import { displayKey, pathKey, pathPrefixes, type Expr } from '../analysis/ast.js';
import type { CfgNode } from '../analysis/cfg.js';
import { writes } from '../analysis/dataflow.js';
import type { AnalyzedFunction } from '../analysis/file.js';
import { explore } from '../analysis/paths.js';
import { defineRule, quoteCode } from './define-rule.js';
import { TLB_VMA } from './resources.js';

/** The VMA argument of tlb_start_vma() / tlb_end_vma(). */
const VMA_ARG = 1;

interface OpenBracket {
  start: number;
  vma: Expr | null;
  /** Access paths whose writes change what `vma` names (`walk` and `walk->vma` for `walk->vma`). */
  deps: readonly string[];
  /** Nodes that wrote one of `deps` since the start, sorted. */
  dirty: readonly number[];
}

interface Pairing {
  start: CfgNode;
  end: CfgNode;
  startVma: Expr | null;
  endVma: Expr | null;
  dirty: Set<number>;
}

export default defineRule({
  id: 'tlb-vma-bracket-vma-reassigned',
  meta: {
    summary: 'the VMA passed to tlb_start_vma() must be the one passed to the matching tlb_end_vma()',
    severity: 'error',
    confidence: 'high',
    resources: [TLB_VMA],
  },
  messages: {
    reassigned: {
      headline: '`{{vma}}` changes between `tlb_start_vma()` and `tlb_end_vma()`',
      explanation:
        '`tlb_start_vma()` recorded the flags of one VMA and flushed its cache range; `tlb_end_vma()` flushes the TLB with those flags. `{{vma}}` is reassigned in between ({{how}}), so the two calls see different VMAs and the end of the bracket flushes for the wrong one.',
      fix: 'Bracket each VMA separately (end the bracket before `{{vma}}` moves on), or keep `{{vma}}` fixed between the two calls.',
    },
    mismatched: {
      headline: '`tlb_end_vma()` may be given another VMA than its `tlb_start_vma()`',
      explanation:
        '`tlb_start_vma()` is given `{{startVma}}` but the `tlb_end_vma()` it pairs with is given `{{endVma}}`, which is not known to be the same VMA on every path: the end call must flush the VMA whose flags the start call recorded.',
      fix: 'Pass the same VMA to both calls.',
    },
  },
  check(fn, ctx) {
    const index = ctx.facts.brackets(TLB_VMA);
    if (!index.hasEvents) return;
    const pairings = new Map<string, Pairing>();
    type State = ReadonlyMap<string, OpenBracket>;
    const result = explore<State>(fn.cfg, fn.facts, {
      initial: new Map(),
      key: (s) => [...s].map(([t, o]) => `${t}=${o.start}:${o.dirty.join(',')}`).join(';'),
      step(s, node) {
        const events = index.eventsAt(node);
        if (s.size === 0 && events.length === 0) return s;
        let next: Map<string, OpenBracket> | null = null;
        const state = (): Map<string, OpenBracket> => (next ??= new Map(s));
        for (const ev of node.events) {
          if (ev.k === 'def') {
            if (ev.how === 'param') continue;
            for (const [t, o] of next ?? s) {
              if (o.deps.some((d) => writes(ev.key, d)) && !o.dirty.includes(node.id)) {
                state().set(t, { ...o, dirty: [...o.dirty, node.id].sort((a, b) => a - b) });
              }
            }
            continue;
          }
          for (const b of events) {
            if (b.call !== ev.call) continue;
            if (b.kind === 'open') {
              const vma = b.call.args[VMA_ARG] ?? null;
              const key = vma ? pathKey(vma) : null;
              state().set(b.object, { start: node.id, vma, deps: key === null ? [] : pathPrefixes(key), dirty: [] });
            } else if (b.kind === 'close') {
              const open = (next ?? s).get(b.object);
              if (open) {
                const id = `${open.start}|${node.id}`;
                const p = pairings.get(id) ?? { start: fn.cfg.nodes[open.start]!, end: node, startVma: open.vma, endVma: b.call.args[VMA_ARG] ?? null, dirty: new Set<number>() };
                for (const d of open.dirty) p.dirty.add(d);
                pairings.set(id, p);
              }
              state().delete(b.object);
            } else {
              state().delete(b.object);
            }
          }
        }
        return next ?? s;
      },
      exit() {},
    });
    if (!result.complete) {
      ctx.incomplete('VMA consistency of tlb_start_vma()/tlb_end_vma()');
      return;
    }
    for (const p of [...pairings.values()].sort((a, b) => a.start.start - b.start.start || a.end.start - b.end.start)) {
      if (!p.startVma || !p.endVma) continue;
      const a = pathKey(p.startVma);
      const b = pathKey(p.endVma);
      if (a !== null && a === b) {
        // Same expression at both ends: it names the same VMA unless something writes it between.
        if (p.dirty.size === 0) continue;
        const writers = [...p.dirty].map((id) => fn.cfg.nodes[id]!).sort((x, y) => x.start - y.start);
        const vma = fn.text(p.startVma);
        ctx.report({
          messageId: 'reassigned',
          data: { vma, how: describeWriters(fn, writers) },
          at: p.start,
          until: p.end,
          related: writers.map((w) => ({ at: w, message: writerMessage(w, vma) })),
        });
        continue;
      }
      // Different expressions: compare the values they hold, through the copies that reach them.
      const ca = fn.defs.canonical(p.startVma, p.start.id);
      const cb = fn.defs.canonical(p.endVma, p.end.id);
      if (ca !== null && ca === cb) continue;
      ctx.report({
        messageId: 'mismatched',
        data: { startVma: fn.text(p.startVma), endVma: fn.text(p.endVma) },
        at: p.start,
        until: p.end,
        related: [...setters(fn, p.endVma, p.start, p.end), { at: p.end, message: `\`tlb_end_vma()\` is given \`${fn.text(p.endVma)}\` here` }],
      });
    }
  },
});

/** "by `vma = next;`", naming every statement that writes it (the labels give their lines). */
function describeWriters(fn: AnalyzedFunction, writers: readonly CfgNode[]): string {
  return `by ${writers.map((w) => `\`${quoteCode(fn.text(w))}\``).join(', ')}`;
}

/** Assignments of `vma` that reach `end` and sit after `start`: why the end call names another VMA. */
function setters(fn: AnalyzedFunction, vma: Expr, start: CfgNode, end: CfgNode): Array<{ at: CfgNode; message: string }> {
  const key = pathKey(vma);
  if (key === null) return [];
  return fn.defs
    .reaching(end.id, key)
    .map((d) => fn.cfg.nodes[d.node]!)
    .filter((n) => n.start > start.start && n.start < end.start)
    .sort((x, y) => x.start - y.start)
    .map((n) => ({ at: n, message: `\`${fn.text(vma)}\` is set here` }));
}

function writerMessage(w: CfgNode, vma: string): string {
  if (w.kind === 'loop' && w.macro) return `\`${vma}\` advances to the next VMA here (${w.macro.name})`;
  const addr = w.events.find((e) => e.k === 'def' && e.how === 'addr');
  if (addr && addr.k === 'def') return `\`&${displayKey(addr.key)}\` is passed to a callee that may change it here`;
  return `\`${vma}\` reassigned here`;
}

