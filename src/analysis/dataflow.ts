/**
 * Def-use over the CFG: reaching definitions for every access path a function writes
 * (`vma`, `vmf->vma`, `*locked`), value canonicalisation through plain copies, and the reads
 * of a value, so a rule can ask "which assignments of `vma` reach this call?", "do these two
 * expressions name the same VMA here and there?" and "is what this call left in `p` used
 * afterwards?".
 */
import { pathKey, type Expr } from './ast.js';
import type { Cfg, Event, UseEvent } from './cfg.js';

export type DefEvent = Event & { k: 'def' };

export interface UseSite {
  node: number;
  use: UseEvent;
}

export interface DefSite {
  index: number;
  node: number;
  def: DefEvent;
}

/** True when a write to `written` changes the value of the path `read` (`vma` changes `vma->vm_mm`). */
export function writes(written: string, read: string): boolean {
  if (written === read) return true;
  if (!read.startsWith(written)) return false;
  const rest = read.slice(written.length);
  return rest.startsWith('->') || rest.startsWith('.') || rest.startsWith('[]');
}

/** May-definitions (`&x` passed to a call) do not kill earlier definitions: the callee might not write. */
function kills(d: DefEvent): boolean {
  return d.how !== 'addr';
}

/**
 * The reads of the value `key` holds when node `from` is done: uses of `key` or of a path through
 * it (`p->f` reads `p`), at the nodes reachable from `from`, each path followed until something
 * overwrites `key` (a definition of `key` or of a path it goes through; `&key` passed to a call
 * may not write, so it does not stop the search). In a node that both reads and overwrites,
 * the reads before the write count. `from` itself counts only when a loop comes back to it.
 * Sites are sorted by node, in evaluation order within one.
 */
export function usesAfter(cfg: Cfg, from: number, key: string): UseSite[] {
  const out: UseSite[] = [];
  const seen = new Set<number>();
  const work = cfg.nodes[from]!.succ.map((e) => e.to);
  while (work.length > 0) {
    const id = work.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    const node = cfg.nodes[id]!;
    let overwritten = false;
    for (const e of node.flow) {
      if (e.k === 'use' && writes(key, e.key)) out.push({ node: id, use: e });
      if (e.k === 'def' && kills(e) && writes(e.key, key)) {
        overwritten = true;
        break;
      }
    }
    if (!overwritten) for (const s of node.succ) work.push(s.to);
  }
  // Stable: the sites of one node keep their evaluation order.
  return out.sort((a, b) => a.node - b.node);
}

export class ReachingDefs {
  readonly sites: DefSite[] = [];
  private readonly nodeSites: DefSite[][];
  private readonly inSets: Uint32Array[];
  private readonly words: number;

  constructor(private readonly cfg: Cfg) {
    this.nodeSites = cfg.nodes.map(() => []);
    for (const n of cfg.nodes) {
      for (const e of n.events) {
        if (e.k !== 'def') continue;
        const site: DefSite = { index: this.sites.length, node: n.id, def: e };
        this.sites.push(site);
        this.nodeSites[n.id]!.push(site);
      }
    }
    this.words = Math.max(1, Math.ceil(this.sites.length / 32));
    this.inSets = cfg.nodes.map(() => new Uint32Array(this.words));
    this.solve();
  }

  /** Definitions made at node `id`, in order. */
  defsAt(id: number): readonly DefSite[] {
    return this.nodeSites[id]!;
  }

  /** Definitions of exactly `key` that reach the entry of node `id`. */
  reaching(id: number, key: string): DefSite[] {
    const set = this.inSets[id]!;
    const out: DefSite[] = [];
    for (const s of this.sites) {
      if (s.def.key === key && (set[s.index >>> 5]! & (1 << (s.index & 31))) !== 0) out.push(s);
    }
    return out;
  }

  private solve(): void {
    const { nodes } = this.cfg;
    const w = this.words;
    // Per node: gen and kill sets, applying the node's definitions in order.
    const gen = nodes.map(() => new Uint32Array(w));
    const kill = nodes.map(() => new Uint32Array(w));
    const killedBy = new Map<string, Uint32Array>();
    for (const n of nodes) {
      const g = gen[n.id]!;
      const k = kill[n.id]!;
      for (const s of this.nodeSites[n.id]!) {
        if (kills(s.def)) {
          let mask = killedBy.get(s.def.key);
          if (!mask) {
            mask = new Uint32Array(w);
            for (const o of this.sites) if (writes(s.def.key, o.def.key)) mask[o.index >>> 5]! |= 1 << (o.index & 31);
            killedBy.set(s.def.key, mask);
          }
          for (let i = 0; i < w; i++) {
            g[i]! &= ~mask[i]!;
            k[i]! |= mask[i]!;
          }
        }
        g[s.index >>> 5]! |= 1 << (s.index & 31);
      }
    }
    const out = nodes.map(() => new Uint32Array(w));
    // Lowest node id first (ids follow the source): a join is solved once after all the arms
    // before it, not again after each. A stack took a 6,000-case switch's join after every
    // case, each time over its 6,000 predecessors: 19 s for one function (sweep AI).
    const work = new MinHeap(nodes.length);
    for (const n of nodes) work.push(n.id);
    const queued = new Uint8Array(nodes.length).fill(1);
    while (work.size > 0) {
      const id = work.pop();
      queued[id] = 0;
      const inSet = this.inSets[id]!;
      inSet.fill(0);
      for (const p of nodes[id]!.pred) {
        const o = out[p.to]!;
        for (let i = 0; i < w; i++) inSet[i]! |= o[i]!;
      }
      const prev = out[id]!;
      const g = gen[id]!;
      const k = kill[id]!;
      let changed = false;
      for (let i = 0; i < w; i++) {
        // `>>> 0`: bit 31 would otherwise make a negative number that never equals the stored word.
        const v = ((inSet[i]! & ~k[i]!) | g[i]!) >>> 0;
        if (v !== prev[i]) {
          prev[i] = v;
          changed = true;
        }
      }
      if (!changed) continue;
      for (const s of nodes[id]!.succ) {
        if (!queued[s.to]) {
          queued[s.to] = 1;
          work.push(s.to);
        }
      }
    }
  }

  /**
   * A canonical name for the value of path expression `e` on entry to node `at`: each variable
   * is replaced by the value it was copied from when exactly one plain copy reaches (`vma =
   * vmf->vma`), recursively. Two expressions with the same canonical name hold the same pointer.
   * Returns null for expressions that are not access paths.
   */
  canonical(e: Expr, at: number, depth = 0): string | null {
    switch (e.k) {
      case 'ident': {
        const defs = this.reaching(at, e.ref.id);
        if (depth < 4 && defs.length === 1) {
          const d = defs[0]!;
          const v = d.def.value;
          if ((d.def.how === 'assign' || d.def.how === 'init') && v && pathKey(v) !== null) {
            const c = this.canonical(v, d.node, depth + 1);
            if (c !== null) return c;
          }
        }
        return `${e.ref.id}{${defs.map((d) => d.index).join(',')}}`;
      }
      case 'field': {
        const b = this.canonical(e.base, at, depth);
        if (b === null) return null;
        const key = pathKey(e);
        const fieldDefs = key ? this.reaching(at, key) : [];
        return `${b}${e.arrow ? '->' : '.'}${e.field}${fieldDefs.length ? `{${fieldDefs.map((d) => d.index).join(',')}}` : ''}`;
      }
      case 'cast':
        return this.canonical(e.arg, at, depth);
      case 'unary':
        if (e.op === '*') {
          const b = this.canonical(e.arg, at, depth);
          return b === null ? null : `*${b}`;
        }
        return null;
      default:
        return null;
    }
  }
}

/** A binary min-heap of small non-negative integers (node ids), at most `capacity` at once. */
class MinHeap {
  private readonly items: Int32Array;
  size = 0;

  constructor(capacity: number) {
    this.items = new Int32Array(Math.max(1, capacity));
  }

  push(v: number): void {
    const a = this.items;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (a[parent]! <= v) break;
      a[i] = a[parent]!;
      i = parent;
    }
    a[i] = v;
  }

  pop(): number {
    const a = this.items;
    const top = a[0]!;
    const last = a[--this.size]!;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= this.size) break;
      if (child + 1 < this.size && a[child + 1]! < a[child]!) child++;
      if (a[child]! >= last) break;
      a[i] = a[child]!;
      i = child;
    }
    a[i] = last;
    return top;
  }
}
