/**
 * Path-sensitive exploration of a CFG. A client ({@link PathWalker}) carries a small state
 * along every path (is the gather open? which VMA did the bracket start on?); the explorer
 * follows each path from entry, merging paths that reach a node with the same state and the
 * same known facts.
 *
 * Facts are what the path has learnt about branch conditions that occur more than once
 * (`if (locked) ... if (locked)`, `if (err) goto out; ... out: if (err)`) or about flags set to
 * constants (`locked = true`). A branch whose outcome contradicts a fact is not followed, so
 * correlated conditions do not produce findings on paths that cannot run. Facts about a
 * condition are forgotten when anything it reads is written.
 *
 * The number of explored states is bounded; when the bound is hit the result says so and the
 * client must not report from an incomplete exploration (see `complete`).
 */
import { forEachChild, forEachExpr, pathKey, type Expr } from './ast.js';
import type { Cfg, CfgEdge, CfgNode } from './cfg.js';
import { writes } from './dataflow.js';
import { bitAtom, holds, intAtom, intLiteral, IntRange, type BitAtom, type IntAtom, type IntOp } from './int-range.js';
import { BIT_PREDICATES, FAULT_ERROR_BITS, FAULT_RELEASE_BITS, SINGLE_FAULT_BIT, TRANSPARENT_CALLS } from './kernel-macros.js';

/** Default bound on explored (node, state, facts) configurations per function and walker. */
export const DEFAULT_STATE_BUDGET = 50_000;

/** A switch on a value with more case values than this (across its switches) is not correlated. */
export const MAX_SWITCH_VALUES = 64;

/** The path a state was reached by, reconstructed on demand for witnesses. */
export interface Trace {
  /** Node ids from entry to the current node, inclusive. */
  nodes(): number[];
  /** The node before the current one on the path (null at the entry), without building the path. */
  previous(): number | null;
  /**
   * What the branches the path took tell of `v op c` on arrival at the current node (`v` an
   * access path key): true, false, or undefined when they do not decide it.
   */
  decides(v: string, op: IntOp, c: bigint): boolean | undefined;
  /**
   * {@link decides} on arrival at each node of {@link nodes}, in the same order: what a branch
   * told of a value through a flag (`locked = ret && !unlock; if (locked)`) holds on the edge out
   * of it, and is dropped once nothing ahead tests it.
   */
  decidesAlong(v: string, op: IntOp, c: bigint): Array<boolean | undefined>;
}

export interface PathWalker<S> {
  readonly initial: S;
  /** A string that is equal for states that behave the same from here on. */
  key(state: S): string;
  /** Applies node `node` to `state`. Returning null drops the path (nothing more to learn on it). */
  step(state: S, node: CfgNode, trace: Trace): S | null;
  /** The path reached the function's exit (a `return` or the closing brace) in `state`. */
  exit(state: S, trace: Trace): void;
  /** Optional: may this path take `edge` out of `node` in `state`? (Return-value polarity, e.g. trylock.) */
  follow?(state: S, node: CfgNode, edge: CfgEdge): boolean;
}

export interface ExploreResult {
  complete: boolean;
  states: number;
}

interface Condition {
  /** Facts implied when the branch is taken true / false. */
  onTrue: Fact[];
  onFalse: Fact[];
}

type Fact = [key: string, value: boolean];

/** A flag that holds a test's outcome (`downgraded = retval == 1;`): fact `key` says it still does. */
interface Equivalence {
  flag: string;
  atom: string;
  negated: boolean;
  key: string;
}

/**
 * A flag that holds a `||` or an `&&` of tests (`locked = ret || !unlock;`): fact `key` says it
 * still does. Unlike an {@link Equivalence}, one outcome of the flag does not decide each test:
 * a later branch on it splits the path, one per way the operator could have come out that way,
 * as the branches of `if (ret || !unlock)` would have.
 */
interface Junction {
  flag: string;
  op: '&&' | '||';
  terms: Array<{ atom: string; negated: boolean }>;
  key: string;
}

const RELATIONAL: ReadonlySet<string> = new Set(['<', '<=', '>', '>=', '==', '!=']);

/** Which conditions a function's paths can be correlated on, and how to read them. */
export type { IntOp };

export class FactModel {
  /** Per branch node id: the facts each outcome implies (tracked keys only). */
  private readonly conditions = new Map<number, Condition>();
  /** Per tracked key: the access paths it reads. */
  readonly deps = new Map<string, string[]>();
  /** Per node id: constant assignments to tracked flags (`locked = true`). */
  private readonly constants = new Map<number, Fact[]>();
  /** Per `switch` head: the facts each `case` edge implies, by the case node it leads to. */
  private readonly cases = new Map<number, Map<number, Fact[]>>();
  /** Per `switch` head without `default:`: the facts of its edge past the body (no case matched). */
  private readonly pastSwitch = new Map<number, Fact[]>();
  /** Per tracked integer atom key (`(ret<0)`, `ret`): the value, comparison and constant it is. */
  private readonly atoms = new Map<string, IntAtom | BitAtom>();
  /** Per value with tracked atoms: their keys. */
  private readonly atomsOf = new Map<string, string[]>();
  /** Per node id: integer constants stored in values with tracked atoms (`ret = 1`). */
  private readonly intStores = new Map<number, Array<{ v: string; c: bigint }>>();
  /** Per node id: flags set from a test of a value (`downgraded = retval == 1;`). */
  private readonly equivStores = new Map<number, Equivalence[]>();
  /** Per flag, and per atom key: the equivalences that name it. */
  private readonly equivByFlag = new Map<string, Equivalence[]>();
  private readonly equivByAtom = new Map<string, Equivalence[]>();
  private readonly equivByKey = new Map<string, Equivalence[]>();
  /** Per node id: flags set from a `||` or `&&` of tests; per flag and per fact key: the junctions. */
  private readonly junctionStores = new Map<number, Junction[]>();
  private readonly junctionByFlag = new Map<string, Junction[]>();
  private readonly junctionByKey = new Map<string, Junction>();
  /**
   * Per node id: the tracked keys the node's own branch, or a branch or switch reachable after
   * it, still tests (an atom counts for every atom of its value). A fact nothing ahead tests can prune no path, and
   * kept it would only split paths that behave the same: it is dropped when the node is left.
   */
  private readonly tokenIds = new Map<string, number>();
  private live: Uint32Array | null = null;
  private words = 0;
  /**
   * One instance per distinct set of facts, and what each becomes after a node and along an
   * edge: every rule walks the same function with the same model, and a walk meets the same
   * (facts, node) pair once per state of its own, so each transition is computed once per
   * function. On a fault handler with 10,000 configurations this is most of a walk's cost.
   */
  private readonly interned = new Map<string, Facts>([['', Facts.EMPTY]]);
  private readonly afterMemo = new Map<Facts, Map<number, Facts>>();
  private readonly edgeMemo = new Map<Facts, Map<CfgEdge, readonly Facts[]>>();

  constructor(cfg: Cfg) {
    const seen = new Map<string, number>();
    const raw = new Map<number, { t: Fact[]; f: Fact[] }>();
    const depsOf = new Map<string, string[]>();
    const atomsAll = new Map<string, IntAtom | BitAtom>();
    // Tests of one value against integer constants relate to each other (`ret < 0` rules out
    // `ret == 1`), so they count together: a value tested twice, in any two ways, is tracked.
    const uses = new Map<string, number>();
    const used = (v: string, n = 1): void => void uses.set(v, (uses.get(v) ?? 0) + n);
    for (const n of cfg.nodes) {
      if (n.kind !== 'branch' || !n.expr) continue;
      const t = impliedFacts(n.expr, true, depsOf, atomsAll);
      const f = impliedFacts(n.expr, false, depsOf, atomsAll);
      raw.set(n.id, { t, f });
      const keys = new Set([...t, ...f].map(([key]) => key));
      for (const k of keys) seen.set(k, (seen.get(k) ?? 0) + 1);
      for (const v of new Set([...keys].flatMap((k) => (atomsAll.has(k) ? [atomsAll.get(k)!.v] : [])))) used(v);
    }
    const stores: Array<{ node: number; v: string; c: bigint }> = [];
    const bitStores: Array<{ node: number; v: string; name: string | null }> = [];
    const equivs: Array<{ node: number; flag: string; key: string; negated: boolean }> = [];
    /** Variables every store of which is a constant 0 or 1 (`bool mmap_locked = true; ... = false;`). */
    const flagLike = new Set<string>();
    const notFlag = new Set<string>();
    for (const n of cfg.nodes) {
      for (const e of n.events) {
        if (e.k !== 'def' || !e.value) continue;
        const c = intLiteral(e.value);
        (c === 0n || c === 1n ? flagLike : notFlag).add(e.key);
      }
    }
    for (const k of notFlag) flagLike.delete(k);
    const junctions: Array<{ node: number; flag: string; op: Junction['op']; terms: Junction['terms'] }> = [];
    for (const n of cfg.nodes) {
      for (const e of n.events) {
        if (e.k !== 'def' || !e.value) continue;
        const c = intLiteral(e.value);
        if (c !== null) {
          if (uses.has(e.key)) {
            stores.push({ node: n.id, v: e.key, c });
            used(e.key);
          }
          if (c === 0n && uses.has(`&${e.key}`)) bitStores.push({ node: n.id, v: `&${e.key}`, name: null });
          continue;
        }
        // A fault code stored (`fault = VM_FAULT_BADACCESS;`): its own bit, no other.
        const x = unwrap(e.value);
        if (x.k === 'ident' && x.ref.scope === 'global' && uses.has(`&${e.key}`)) {
          bitStores.push({ node: n.id, v: `&${e.key}`, name: x.name });
          continue;
        }
        // A flag that keeps a test's outcome for a later branch: `downgraded = retval == 1;`,
        // or spelled as a choice of truth values (`downgraded = ret == 1 ? true : false;`).
        const kept = truthChoice(x) ?? x;
        if (!seen.has(e.key) || (e.how !== 'assign' && e.how !== 'init')) continue;
        // Or of an `||` or `&&` of such tests (sweep S: `locked = ret || !unlock; if (locked)`).
        if (kept.k === 'binary' && (kept.op === '||' || kept.op === '&&')) {
          const terms = junctionTerms(kept, kept.op, depsOf, atomsAll);
          if (!terms || terms.some((t) => depsOf.get(t.atom)!.some((d) => writes(e.key, d) || writes(d, e.key)))) continue;
          junctions.push({ node: n.id, flag: e.key, op: kept.op, terms });
          seen.set(e.key, (seen.get(e.key) ?? 0) + 1);
          for (const t of terms) {
            seen.set(t.atom, (seen.get(t.atom) ?? 0) + 2);
            const a = atomsAll.get(t.atom);
            if (a) used(a.v, 2);
          }
          continue;
        }
        // A copy of a flag is a test of it too (`held = mmap_locked;`), as its negation is
        // (`dropped = !mmap_locked;`, sweep AB): of a variable that only ever holds 0 or 1. A
        // copy of any value (`vma = next`) would relate values no test needs related, at a cost
        // to every walk.
        const copy = (kept.k === 'ident' || kept.k === 'field') && flagLike.has(pathKey(kept) ?? '');
        if (!((kept.k === 'binary' && RELATIONAL.has(kept.op)) || (kept.k === 'unary' && kept.op === '!') || copy)) continue;
        const atom = atomOf(kept, depsOf, atomsAll);
        const a = atom && atomsAll.get(atom.key);
        if (!atom || !a || a.v === e.key) continue;
        equivs.push({ node: n.id, flag: e.key, key: atom.key, negated: atom.negated });
        seen.set(e.key, (seen.get(e.key) ?? 0) + 1);
        used(a.v, 2);
      }
    }
    // A flag tested only through a copy made after its constants were stored: the stores
    // the pass above met before it knew the flag was used.
    const copied = new Set(equivs.map((q) => atomsAll.get(q.key)?.v).filter((v): v is string => v !== undefined && flagLike.has(v)));
    if (copied.size > 0) {
      const known = new Set(stores.map((x) => `${x.node}|${x.v}`));
      for (const n of cfg.nodes) {
        for (const e of n.events) {
          const c = e.k === 'def' && copied.has(e.key) && e.value ? intLiteral(e.value) : null;
          if (c === null || e.k !== 'def' || known.has(`${n.id}|${e.key}`)) continue;
          known.add(`${n.id}|${e.key}`);
          stores.push({ node: n.id, v: e.key, c });
        }
      }
    }
    const assigned = new Map<number, Fact[]>();
    for (const n of cfg.nodes) {
      for (const e of n.events) {
        if (e.k !== 'def' || !e.value) continue;
        const v = constantTruth(e.value);
        if (v === null || !seen.has(e.key)) continue;
        const list = assigned.get(n.id) ?? [];
        list.push([e.key, v]);
        assigned.set(n.id, list);
        seen.set(e.key, (seen.get(e.key) ?? 0) + 1);
      }
    }
    // A switch on a side-effect-free value: `(x==V)` is true along the edge to `case V:` and
    // false for the other cases; `x = V` with V a constant (a literal, an enumerator) says the
    // same ahead of the switch. So `op = first; ... switch (op)` follows only `case first:`.
    const caseValues = new Map<string, Set<string>>();
    const switches: Array<{ head: number; key: string; edges: Array<{ to: number; value: string | null }> }> = [];
    for (const n of cfg.nodes) {
      if (n.kind !== 'branch' || !n.expr || !n.succ.some((e) => e.kind === 'case')) continue;
      const key = conditionKey(unwrap(n.expr));
      if (key === null) continue;
      const edges = n.succ.filter((e) => e.kind === 'case').map((e) => {
        const v = cfg.nodes[e.to]!.caseValue;
        return { to: e.to, value: v && isConstant(v) ? render(v) : null };
      });
      // A case value widen cannot read (`case A ... B:`, an expression) leaves the switch unmodelled.
      if (edges.some((e) => e.value === null && cfg.nodes[e.to]!.kind === 'case' && cfg.nodes[e.to]!.caseValue)) continue;
      switches.push({ head: n.id, key, edges });
      const values = caseValues.get(key) ?? new Set();
      for (const e of edges) if (e.value !== null) values.add(e.value);
      caseValues.set(key, values);
      if (!depsOf.has(key)) depsOf.set(key, readPaths(n.expr));
    }
    const eq = (key: string, value: string): string => `(${key}==${value})`;
    // A switch's facts only matter where something else reads or sets the same value: another
    // switch on it, a test `x == V`, a constant stored in it. Each `case` edge states a fact per
    // case value, so a lone switch of a thousand cases cost a thousand facts on each of a
    // thousand edges (a minute and gigabytes, for nothing); and past MAX_SWITCH_VALUES values a
    // switch is not correlated at all.
    const switchesOn = new Map<string, number>();
    for (const { key } of switches) switchesOn.set(key, (switchesOn.get(key) ?? 0) + 1);
    const storedConstant = new Set<string>();
    for (const n of cfg.nodes) for (const e of n.events) if (e.k === 'def' && e.value && isConstant(e.value) && caseValues.has(e.key)) storedConstant.add(e.key);
    const modelled = new Set<string>();
    for (const [key, values] of caseValues) {
      if (values.size > MAX_SWITCH_VALUES) continue;
      if (switchesOn.get(key)! >= 2 || storedConstant.has(key) || [...values].some((v) => seen.has(eq(key, v)))) modelled.add(key);
    }
    for (const { head, key, edges } of switches) {
      if (!modelled.has(key)) continue;
      // Along `case V:` the value is V and no other; along `default:` it is none of this
      // switch's own values (another switch on it may list more).
      const values = caseValues.get(key)!;
      const own = edges.flatMap((e) => (e.value === null ? [] : [e.value]));
      const perEdge = new Map<number, Fact[]>();
      for (const e of edges) {
        perEdge.set(e.to, e.value === null ? own.map((v): Fact => [eq(key, v), false]) : [...values].map((v): Fact => [eq(key, v), v === e.value]));
        for (const v of values) {
          const k = eq(key, v);
          seen.set(k, (seen.get(k) ?? 0) + 1);
          depsOf.set(k, depsOf.get(key) ?? [key]);
        }
      }
      this.cases.set(head, perEdge);
      this.pastSwitch.set(head, own.map((v): Fact => [eq(key, v), false]));
    }
    for (const n of cfg.nodes) {
      for (const e of n.events) {
        const values = e.k === 'def' && e.value && isConstant(e.value) && modelled.has(e.key) ? caseValues.get(e.key) : undefined;
        if (!values || e.k !== 'def' || !e.value) continue;
        const assignedValue = render(e.value);
        const list = assigned.get(n.id) ?? [];
        for (const v of values) {
          list.push([eq(e.key, v), v === assignedValue]);
          seen.set(eq(e.key, v), (seen.get(eq(e.key, v)) ?? 0) + 1);
        }
        assigned.set(n.id, list);
      }
    }
    // Bit tests of one value are related only where their masks share a bit, or where a single
    // fault code stored in it answers a test of another (`fault = VM_FAULT_BADACCESS;`): tracking
    // every `vma->vm_flags & VM_*` of a function together cost a cold scan of mm/ 0.3 s.
    const related = new Set<string>();
    const masks = new Map<string, Array<readonly string[]>>();
    for (const a of atomsAll.values()) if ('bits' in a) masks.set(a.v, [...(masks.get(a.v) ?? []), a.bits]);
    for (const [v, list] of masks) {
      const overlap = list.some((m, i) => list.some((o, j) => j > i && m !== o && (m.some((b) => o.includes(b)) || exclusiveMasks(m, o))));
      const stored = bitStores.some((b) => b.v === v && (b.name === null || SINGLE_FAULT_BIT.test(b.name))) && list.some((m) => m.every((b) => SINGLE_FAULT_BIT.test(b)));
      if (overlap || stored) related.add(v);
    }
    // A value tested against many constants (an `else if (a == k)` chain of hundreds, sweep L)
    // is not related test by test: each fact added re-reads every test of the value, and a
    // 200-arm chain took 6 s. Its tests still count one by one.
    const atomCount = new Map<string, number>();
    for (const a of atomsAll.values()) atomCount.set(a.v, (atomCount.get(a.v) ?? 0) + 1);
    const trackedValue = (v: string): boolean => (uses.get(v) ?? 0) >= 2 && (atomCount.get(v) ?? 0) <= MAX_ATOMS_PER_VALUE && (!v.startsWith('&') || related.has(v));
    const tracked = (k: string): boolean => (seen.get(k) ?? 0) >= 2 || (atomsAll.has(k) && trackedValue(atomsAll.get(k)!.v));
    for (const [k, a] of atomsAll) {
      if (!trackedValue(a.v)) continue;
      this.atoms.set(k, a);
      const list = this.atomsOf.get(a.v) ?? [];
      list.push(k);
      this.atomsOf.set(a.v, list);
    }
    for (const { node, v, name } of bitStores) {
      if (!this.atomsOf.has(v)) continue;
      const facts: Fact[] = [];
      for (const k of this.atomsOf.get(v)!) {
        const bits = (this.atoms.get(k) as BitAtom).bits;
        if (name !== null && bits.includes(name)) facts.push([k, true]);
        else if (name === null || (SINGLE_FAULT_BIT.test(name) && bits.every((b) => SINGLE_FAULT_BIT.test(b)))) facts.push([k, false]);
      }
      if (facts.length) this.constants.set(node, [...(this.constants.get(node) ?? []), ...facts]);
    }
    for (const { node, v, c } of stores) {
      if (!this.atomsOf.has(v)) continue;
      const list = this.intStores.get(node) ?? [];
      list.push({ v, c });
      this.intStores.set(node, list);
    }
    for (const { node, flag, key, negated } of equivs) {
      if (!tracked(flag) || !this.atoms.has(key)) continue;
      const q: Equivalence = { flag, atom: key, negated, key: `${flag}\u2261${negated ? '!' : ''}${key}` };
      depsOf.set(q.key, [flag, ...(depsOf.get(key) ?? [])]);
      seen.set(q.key, 2);
      pushTo(this.equivStores, node, q);
      pushTo(this.equivByFlag, flag, q);
      pushTo(this.equivByAtom, key, q);
      pushTo(this.equivByKey, q.key, q);
    }
    for (const { node, flag, op, terms } of junctions) {
      if (!tracked(flag) || !terms.every((t) => tracked(t.atom))) continue;
      const q: Junction = { flag, op, terms, key: `${flag}\u2261${op}(${terms.map((t) => `${t.negated ? '!' : ''}${t.atom}`).join(',')})` };
      depsOf.set(q.key, [flag, ...terms.flatMap((t) => depsOf.get(t.atom) ?? [])]);
      seen.set(q.key, 2);
      pushTo(this.junctionStores, node, q);
      pushTo(this.junctionByFlag, flag, q);
      this.junctionByKey.set(q.key, q);
    }
    for (const [head, facts] of this.pastSwitch) this.pastSwitch.set(head, facts.filter(([k]) => tracked(k)));
    for (const [head, perEdge] of this.cases) {
      for (const [to, facts] of perEdge) perEdge.set(to, facts.filter(([k]) => tracked(k)));
      if (![...perEdge.values()].some((f) => f.length > 0)) this.cases.delete(head);
    }
    for (const [id, { t, f }] of raw) {
      const onTrue = t.filter(([k]) => tracked(k));
      const onFalse = f.filter(([k]) => tracked(k));
      if (onTrue.length || onFalse.length) this.conditions.set(id, { onTrue, onFalse });
    }
    for (const [id, facts] of assigned) {
      const kept = facts.filter(([k]) => tracked(k));
      if (kept.length) this.constants.set(id, [...kept, ...(this.constants.get(id) ?? [])]);
    }
    for (const [k, d] of depsOf) if (tracked(k)) this.deps.set(k, d);
    this.computeLiveness(cfg);
  }

  /** What a key is live as: its value for an integer atom (any test of the value may use it), else itself. */
  private token(k: string): string {
    const a = this.atoms.get(k);
    return a ? `=${a.v}` : k;
  }

  /** {@link live}: backward reachability of the branches and switches that test each tracked key. */
  private computeLiveness(cfg: Cfg): void {
    const ids = this.tokenIds;
    const tested: Array<number[] | undefined> = new Array(cfg.nodes.length);
    const add = (id: number, facts: readonly Fact[]): void => {
      if (facts.length === 0) return;
      const list = (tested[id] ??= []);
      for (const [k] of facts) {
        const t = this.token(k);
        let n = ids.get(t);
        if (n === undefined) ids.set(t, (n = ids.size));
        list.push(n);
      }
    };
    for (const [id, c] of this.conditions) add(id, [...c.onTrue, ...c.onFalse]);
    for (const [id, perEdge] of this.cases) for (const facts of perEdge.values()) add(id, facts);
    for (const [id, facts] of this.pastSwitch) add(id, facts);
    // A flag set from a test reads what is known of the value tested (`downgraded = retval == 1;`).
    for (const [id, list] of this.equivStores) add(id, list.map((q): Fact => [q.atom, true]));
    // So does a flag set from a `||` or `&&`, and a branch on it learns of its tests: what was
    // known of them where the flag was set is kept to there, and the split on it rules out.
    const termsOf = (q: Junction): Fact[] => q.terms.map((t): Fact => [t.atom, true]);
    for (const [id, list] of this.junctionStores) add(id, list.flatMap(termsOf));
    for (const [id, c] of this.conditions) add(id, [...c.onTrue, ...c.onFalse].flatMap(([k]) => (this.junctionByFlag.get(k) ?? []).flatMap(termsOf)));
    // A tracked value the function returns is read there: what the path knows of it stays
    // until the `return`, so paths that return it with different values are not merged on the
    // way (sweep S: `gts = NULL; ... if (!vma) goto out; ... out: return gts;`, where the
    // path by the `goto` returns NULL and the other one a value).
    for (const n of cfg.nodes) {
      const k = n.kind === 'return' && n.expr ? pathKey(unwrap(n.expr)) : null;
      if (k !== null && (this.atomsOf.has(k) || this.deps.has(k))) add(n.id, [[this.atomsOf.get(k)?.[0] ?? k, true]]);
    }
    // Most functions track nothing: no facts to drop, and nothing to compute.
    if (ids.size === 0) return;
    const words = (this.words = Math.ceil(ids.size / 32));
    const live = (this.live = new Uint32Array(cfg.nodes.length * words));
    for (let i = 0; i < tested.length; i++) for (const t of tested[i] ?? []) live[i * words + (t >>> 5)]! |= 1 << (t & 31);
    // Backward to a fixpoint: live on entry to a node is what it tests and what any successor
    // does. A branch tests its own condition on the way out, after its node: its own bits count.
    let changed = true;
    while (changed) {
      changed = false;
      for (let i = cfg.nodes.length - 1; i >= 0; i--) {
        for (const e of cfg.nodes[i]!.succ) {
          for (let w = 0; w < words; w++) {
            const was = live[i * words + w]!;
            // Unsigned, as the array holds it: `|` gives a signed int, and with bit 31 set a signed
            // `now` never equalled the unsigned `was`, so a function with more than 31 tracked
            // facts looped for ever (amdgpu's `calculate_bandwidth()`, found by the parse-health bench).
            const now = (was | live[e.to * words + w]!) >>> 0;
            if (now !== was) {
              live[i * words + w] = now;
              changed = true;
            }
          }
        }
      }
    }
  }

  /** Whether fact `k` can still prune a path after node `id`. */
  private liveAt(id: number, k: string): boolean {
    if (this.live === null) return true;
    const has = (token: string): boolean => {
      const t = this.tokenIds.get(token);
      return t !== undefined && (this.live![id * this.words + (t >>> 5)]! & (1 << (t & 31))) !== 0;
    };
    for (const q of this.equivByKey.get(k) ?? []) if (has(this.token(q.flag)) || has(this.token(q.atom))) return true;
    const junction = this.junctionByKey.get(k);
    if (junction) return has(this.token(junction.flag));
    return has(this.token(k));
  }

  /**
   * Facts after running node `node` (its writes forget facts; constant stores set them).
   *
   * A structure handed to a callee by address (`walk_page_range(..., &p)`) may be written by it,
   * but the kernel passes control structures that way all the time and the flags a function
   * branches on (`p.arg.flags & PM_SCAN_WP_MATCHING`) are not what the callee changes. So such a
   * call forgets facts about the variable itself only, not about its fields: a deliberate
   * trade of a rare missed finding for the false reports the other choice gives on real code
   * (`do_pagemap_scan()`, fs/proc/task_mmu.c).
   */
  afterNode(facts: Facts, node: CfgNode): Facts {
    const from = this.intern(facts);
    let memo = this.afterMemo.get(from);
    if (!memo) this.afterMemo.set(from, (memo = new Map()));
    let out = memo.get(node.id);
    if (!out) memo.set(node.id, (out = this.intern(this.computeAfterNode(from, node))));
    return out;
  }

  /** The canonical instance of a set of facts (the same object for the same facts). */
  private intern(facts: Facts): Facts {
    const known = this.interned.get(facts.key);
    if (known) return known;
    this.interned.set(facts.key, facts);
    return facts;
  }

  private computeAfterNode(facts: Facts, node: CfgNode): Facts {
    let out = facts;
    for (const e of node.events) {
      if (e.k !== 'def' || out.size === 0) continue;
      for (const [k] of out.entries) {
        const deps = this.deps.get(k);
        if (!deps) continue;
        const forgets = e.how === 'addr' ? readsWhole(deps, e.key) : deps.some((d) => writes(e.key, d) || writes(d, e.key));
        if (forgets) out = out.without(k);
      }
    }
    const consts = this.constants.get(node.id);
    if (consts) out = out.withAll(consts);
    for (const { v, c } of this.intStores.get(node.id) ?? []) {
      out = out.withAll(this.atomsOf.get(v)!.map((k): Fact => {
        const a = this.atoms.get(k) as IntAtom;
        return [k, holds(c, a.op, a.c)];
      }));
    }
    for (const q of this.equivStores.get(node.id) ?? []) {
      const known = out.get(q.atom);
      out = known === undefined ? out.withAll([[q.key, true]]) : out.withAll([[q.flag, known !== q.negated]]);
    }
    for (const q of this.junctionStores.get(node.id) ?? []) {
      const value = junctionValue(out, q);
      out = value === undefined ? out.withAll([[q.key, true]]) : out.withAll([[q.flag, value]]);
    }
    for (const [k] of out.entries) if (!this.liveAt(node.id, k)) out = out.without(k);
    return out;
  }

  /**
   * What `facts` tell of `v op c` for an access path `v`: true or false when the tests the path
   * passed decide it (`ret < 0` taken rules out `ret == 1`), undefined when they do not.
   */
  decides(facts: Facts, v: string, op: IntOp, c: bigint): boolean | undefined {
    return this.rangeOf(facts, v)?.decides(op, c);
  }

  /**
   * The values `v` may have given its integer atoms in `facts` (every value when they say
   * nothing); null when they contradict each other.
   */
  private rangeOf(facts: Facts, v: string): IntRange | null {
    let range: IntRange | null = IntRange.ANY;
    for (const k of this.atomsOf.get(v) ?? []) {
      const truth = facts.get(k);
      const a = this.atoms.get(k)!;
      if (truth === undefined || 'bits' in a) continue;
      range = range.and(a.op, a.c, truth);
      if (range === null) return null;
    }
    return range;
  }

  /**
   * The bit tests of value `v` against each other: a mask tested clear clears each of its bits,
   * so a later mask made of cleared bits is clear too, and cannot be set (`fault & (RETRY |
   * ERROR)` clear rules out `fault & RETRY` set). False when the facts contradict.
   */
  private closeBits(v: string, facts: () => Facts, set: (k: string, v: boolean) => boolean): boolean {
    const keys = this.atomsOf.get(v)!;
    const clear = new Set<string>();
    for (const k of keys) if (facts().get(k) === false) for (const b of (this.atoms.get(k) as BitAtom).bits) clear.add(b);
    // A fault code with a release bit set has no error bit, and the other way round.
    for (const k of keys) {
      if (facts().get(k) !== true) continue;
      const bits = (this.atoms.get(k) as BitAtom).bits;
      const family = bits.every((b) => FAULT_RELEASE_BITS.has(b)) ? FAULT_ERROR_BITS : bits.every((b) => FAULT_ERROR_BITS.has(b)) ? FAULT_RELEASE_BITS : null;
      if (family) for (const b of family) clear.add(b);
    }
    for (const k of keys) {
      if (!(this.atoms.get(k) as BitAtom).bits.every((b) => clear.has(b))) continue;
      if (facts().get(k) === true || !set(k, false)) return false;
    }
    return true;
  }

  /**
   * `facts` with what the facts just `added` imply about other atoms of the same values and
   * about flags that hold a test's outcome; null when they contradict each other.
   */
  private closed(facts: Facts, added: readonly Fact[]): Facts | null {
    let out = facts;
    const work = added.map(([k]) => k);
    const set = (k: string, v: boolean): boolean => {
      const known = out.get(k);
      if (known === v) return true;
      if (known !== undefined) return false;
      out = out.withAll([[k, v]]);
      work.push(k);
      return true;
    };
    for (let steps = 0; work.length > 0 && steps < 256; steps++) {
      const k = work.pop()!;
      const truth = out.get(k);
      if (truth === undefined) continue;
      for (const q of this.equivByFlag.get(k) ?? []) if (out.get(q.key) === true && !set(q.atom, truth !== q.negated)) return null;
      for (const q of this.equivByAtom.get(k) ?? []) if (out.get(q.key) === true && !set(q.flag, truth !== q.negated)) return null;
      const a = this.atoms.get(k);
      if (!a) continue;
      if ('bits' in a) {
        if (!this.closeBits(a.v, () => out, set)) return null;
        continue;
      }
      const range = this.rangeOf(out, a.v);
      if (range === null) return null;
      for (const other of this.atomsOf.get(a.v)!) {
        if (out.get(other) !== undefined) continue;
        const b = this.atoms.get(other) as IntAtom;
        const d = range.decides(b.op, b.c);
        if (d !== undefined && !set(other, d)) return null;
      }
    }
    return out;
  }

  /**
   * The facts of a `case` edge out of a switch head: its value is the one tested, the others are
   * not. The edge from a head without `default:` past the body (to the code after the switch)
   * says every case value is not the one tested, like an edge to `default:`.
   */
  private caseFacts(node: CfgNode, edge: CfgEdge): Fact[] | null {
    const perEdge = this.cases.get(node.id);
    if (!perEdge) return null;
    return perEdge.get(edge.to) ?? this.pastSwitch.get(node.id) ?? null;
  }

  /**
   * The sets of facts a path may have after taking `edge` out of `node`: none when the edge
   * contradicts what is known, more than one when it decides a flag set from a `||` or `&&`
   * (one per way the operator came out so).
   */
  alongEdge(facts: Facts, node: CfgNode, edge: CfgEdge): readonly Facts[] {
    const from = this.intern(facts);
    let memo = this.edgeMemo.get(from);
    if (!memo) this.edgeMemo.set(from, (memo = new Map()));
    let out = memo.get(edge);
    if (out === undefined) memo.set(edge, (out = this.computeAlongEdge(from, node, edge).map((f) => this.intern(f))));
    return out;
  }

  private computeAlongEdge(facts: Facts, node: CfgNode, edge: CfgEdge): Facts[] {
    const c = this.conditions.get(node.id);
    const implied = edge.kind === 'case' ? this.caseFacts(node, edge) : c && (edge.kind === 'true' || edge.kind === 'false') ? (edge.kind === 'true' ? c.onTrue : c.onFalse) : null;
    if (!implied) return [facts];
    const out = this.learn(facts, implied);
    if (out === null) return [];
    let paths = [out];
    for (const [k] of implied) {
      for (const q of this.junctionByFlag.get(k) ?? []) paths = paths.flatMap((f) => (f.get(q.key) === true ? this.split(f, q) : [f]));
    }
    return paths;
  }

  /** `facts` with `added` set and what they imply; null when they contradict what is known. */
  private learn(facts: Facts, added: readonly Fact[]): Facts | null {
    for (const [k, v] of added) {
      const known = facts.get(k);
      if (known !== undefined && known !== v) return null;
    }
    const out = facts.withAll(added);
    return this.atoms.size === 0 || out === facts ? out : this.closed(out, added);
  }

  /**
   * The ways junction `q` came out as its flag now says: `a || b` true is `a`, or `!a && b`;
   * false is `!a && !b` (and the other way round for `&&`). Each way that the known facts allow.
   */
  private split(facts: Facts, q: Junction): Facts[] {
    const rest = facts.without(q.key);
    // The value of a term that decides the operator alone: true for `||`, false for `&&`.
    const decisive = q.op === '||';
    const term = (i: number, value: boolean): Fact => [q.terms[i]!.atom, value !== q.terms[i]!.negated];
    const ways: Fact[][] =
      facts.get(q.flag) === decisive ? q.terms.map((_, i) => [...q.terms.slice(0, i).map((__, j) => term(j, !decisive)), term(i, decisive)]) : [q.terms.map((_, j) => term(j, !decisive))];
    return ways.flatMap((way) => this.learn(rest, way) ?? []);
  }
}

/**
 * A constant a `case` or an assignment can name: a literal, or an identifier that is no local
 * variable or parameter (an enumerator, a macro constant).
 */
function isConstant(e: Expr): boolean {
  const x = e.k === 'cast' ? e.arg : e;
  if (x.k === 'lit') return /^(-?\d|0x|'|true|false|NULL)/i.test(x.text.trim());
  return x.k === 'ident' && x.ref.scope === 'global' && /^[A-Za-z_]\w*$/.test(x.name);
}

/** An immutable set of facts with a stable key. */
export class Facts {
  static readonly EMPTY = new Facts(new Map());
  readonly key: string;

  private constructor(private readonly map: ReadonlyMap<string, boolean>) {
    this.key = map.size === 0 ? '' : [...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${v ? '' : '!'}${k}`).join('&');
  }

  get size(): number {
    return this.map.size;
  }

  get entries(): Iterable<[string, boolean]> {
    return this.map.entries();
  }

  get(k: string): boolean | undefined {
    return this.map.get(k);
  }

  /** These facts with each of `facts` set: one copy, however many (a `case` edge states dozens). */
  withAll(facts: readonly Fact[]): Facts {
    let m: Map<string, boolean> | null = null;
    for (const [k, v] of facts) {
      if ((m ?? this.map).get(k) === v) continue;
      (m ??= new Map(this.map)).set(k, v);
    }
    return m ? new Facts(m) : this;
  }

  without(k: string): Facts {
    if (!this.map.has(k)) return this;
    const m = new Map(this.map);
    m.delete(k);
    return new Facts(m);
  }
}

function constantTruth(e: Expr): boolean | null {
  if (e.k !== 'lit') return null;
  const t = e.text.trim();
  if (t === 'true' || t === '1' || /^0x0*[1-9a-f]/i.test(t) || /^[1-9]\d*[uUlL]*$/.test(t)) return true;
  if (t === 'false' || t === '0' || t === 'NULL' || /^0x0+$/i.test(t)) return false;
  return null;
}

/**
 * `c ? true : false` read as `c`, and `c ? false : true` as `!c` (sweep S: 6.1 `__vm_munmap()`
 * rewritten `downgraded = ret == 1 ? true : false;`); null for any other expression.
 */
function truthChoice(e: Expr): Expr | null {
  if (e.k !== 'cond' || e.then === null) return null;
  const t = intLiteral(e.then);
  const f = intLiteral(e.else);
  if (t === null || f === null || (t === 0n) === (f === 0n)) return null;
  return t !== 0n ? e.test : { k: 'unary', op: '!', arg: e.test, start: e.start, end: e.end };
}

function unwrap(e: Expr): Expr {
  let x = e;
  for (;;) {
    if (x.k === 'call' && x.name !== null && TRANSPARENT_CALLS.has(x.name) && x.args[0]) x = x.args[0];
    else if (x.k === 'cast' && /^(bool|_Bool|int|long)$/.test(x.type)) x = x.arg;
    else return x;
  }
}

/**
 * The tests an `||` or `&&` is made of, in order (`ret || !unlock`: `ret`, and `unlock` negated),
 * when each is a test the facts can name; null when one is not (a call), or mixes the other operator.
 */
function junctionTerms(e: Expr & { k: 'binary' }, op: Junction['op'], deps: Map<string, string[]>, atoms: Map<string, IntAtom | BitAtom>): Junction['terms'] | null {
  const out: Junction['terms'] = [];
  for (const side of [e.left, e.right]) {
    const x = unwrap(side);
    if (x.k === 'binary' && (x.op === '||' || x.op === '&&')) {
      const inner = x.op === op ? junctionTerms(x, op, deps, atoms) : null;
      if (!inner) return null;
      out.push(...inner);
      continue;
    }
    const atom = atomOf(x, deps, atoms);
    if (!atom) return null;
    out.push({ atom: atom.key, negated: atom.negated });
  }
  return out;
}

/** What `facts` decide of junction `q`'s value, or undefined. */
function junctionValue(facts: Facts, q: Junction): boolean | undefined {
  const decisive = q.op === '||';
  const values = q.terms.map((t) => {
    const v = facts.get(t.atom);
    return v === undefined ? undefined : v !== t.negated;
  });
  if (values.includes(decisive)) return decisive;
  return values.every((v) => v === !decisive) ? !decisive : undefined;
}

/** Facts implied by `e` evaluating to `truth`; keys are written with variable ids. */
function impliedFacts(e: Expr, truth: boolean, deps: Map<string, string[]>, atoms: Map<string, IntAtom | BitAtom>): Fact[] {
  const x = unwrap(e);
  if (x.k === 'unary' && x.op === '!') return impliedFacts(x.arg, !truth, deps, atoms);
  if (x.k === 'binary') {
    if (x.op === '&&') return truth ? [...impliedFacts(x.left, true, deps, atoms), ...impliedFacts(x.right, true, deps, atoms)] : [];
    if (x.op === '||') return truth ? [] : [...impliedFacts(x.left, false, deps, atoms), ...impliedFacts(x.right, false, deps, atoms)];
  }
  const predicate = x.k === 'call' && x.name !== null ? BIT_PREDICATES.get(x.name) : undefined;
  if (predicate && x.k === 'call') {
    const p = x.args[predicate.arg] ? pathKey(x.args[predicate.arg]!) : null;
    if (p === null || !truth) return [];
    const a: BitAtom = { v: `&${p}`, bits: [predicate.bit] };
    const key = bitKey(a);
    atoms.set(key, a);
    if (!deps.has(key)) deps.set(key, readPaths(x.args[predicate.arg]!));
    return [[key, true]];
  }
  const atom = atomOf(x, deps, atoms);
  return atom ? [[atom.key, atom.negated ? !truth : truth]] : [];
}

/** The key of a bit test: the same for `fault & VM_FAULT_RETRY` and what `fault_signal_pending(fault, ...)` says. */
/** Whether one mask is made of fault release bits only and the other of error bits only: exclusive tests. */
function exclusiveMasks(m: readonly string[], o: readonly string[]): boolean {
  const release = (x: readonly string[]): boolean => x.every((b) => FAULT_RELEASE_BITS.has(b));
  const error = (x: readonly string[]): boolean => x.every((b) => FAULT_ERROR_BITS.has(b));
  return (release(m) && error(o)) || (error(m) && release(o));
}

/** The most tests of one value the explorer relates to each other (the kernel's longest chains test a value a dozen times). */
const MAX_ATOMS_PER_VALUE = 32;

function bitKey(a: BitAtom): string {
  return `${a.v}:${a.bits.join('|')}`;
}

/**
 * The condition key `e` tests, and whether `e` is its negation (`!p`, `p == NULL` test `p`),
 * registering what the key reads and, for a comparison with an integer, the atom it is.
 */
function atomOf(e: Expr, deps: Map<string, string[]>, atoms: Map<string, IntAtom | BitAtom>): { key: string; negated: boolean } | null {
  const x = unwrap(e);
  if (x.k === 'unary' && x.op === '!') {
    const inner = atomOf(x.arg, deps, atoms);
    return inner && { key: inner.key, negated: !inner.negated };
  }
  if (x.k === 'binary' && (x.op === '==' || x.op === '!=') && (constantTruth(unwrap(x.right)) === false || constantTruth(unwrap(x.left)) === false)) {
    const inner = atomOf(constantTruth(unwrap(x.right)) === false ? x.left : x.right, deps, atoms);
    return inner && { key: inner.key, negated: x.op === '==' ? !inner.negated : inner.negated };
  }
  const rendered = conditionKey(x);
  if (rendered === null) return null;
  const bits = bitAtom(x);
  const key = bits ? bitKey(bits) : rendered;
  if (!deps.has(key)) deps.set(key, readPaths(x));
  const atom = intAtom(x) ?? bits;
  if (atom) atoms.set(key, atom);
  return { key, negated: false };
}

/** Appends `value` to the list `map` keeps under `key`. */
function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** A canonical text for a side-effect-free condition, or null when it calls or writes anything. */
function conditionKey(e: Expr): string | null {
  let pure = true;
  forEachExpr(e, (x) => {
    if (x.k === 'call' || x.k === 'assign' || x.k === 'update' || x.k === 'stmtexpr' || x.k === 'opaque') pure = false;
  });
  if (!pure) return null;
  return render(e);
}

function render(e: Expr): string {
  switch (e.k) {
    case 'ident':
      return e.ref.id;
    case 'lit':
      return e.text.trim();
    case 'field':
      return `${render(e.base)}${e.arrow ? '->' : '.'}${e.field}`;
    case 'index':
      return `${render(e.base)}[${render(e.index)}]`;
    case 'unary':
      return `${e.op}(${render(e.arg)})`;
    case 'binary':
      return `(${render(e.left)}${e.op}${render(e.right)})`;
    case 'cast':
      return `(${e.type})${render(e.arg)}`;
    case 'cond':
      return `(${render(e.test)}?${e.then ? render(e.then) : ''}:${render(e.else)})`;
    case 'sizeof':
      return `sizeof(${e.arg ? render(e.arg) : ''})`;
    case 'comma':
      return e.exprs.map(render).join(',');
    default:
      return `<${e.k}>`;
  }
}

/** Whether a condition reading `deps` reads `key` as a value, not only as the base of a field. */
function readsWhole(deps: readonly string[], key: string): boolean {
  return deps.includes(key) && !deps.some((d) => d.startsWith(`${key}.`) || d.startsWith(`${key}->`) || d.startsWith(`${key}[`));
}

function readPaths(e: Expr): string[] {
  const out = new Set<string>();
  const visit = (x: Expr): void => {
    // `&init_mm` is a constant: writing `init_mm` (or passing `&init_mm` to a callee) leaves
    // `mm != &init_mm` as true as it was. `&p->field` still reads `p`.
    if (x.k === 'unary' && x.op === '&') {
      if (x.arg.k !== 'ident') visit(x.arg.k === 'field' || x.arg.k === 'index' ? x.arg.base : x.arg);
      return;
    }
    const k = pathKey(x);
    if (k !== null) out.add(k);
    forEachChild(x, visit);
  };
  visit(e);
  return [...out];
}

interface Config<S> {
  node: number;
  state: S;
  facts: Facts;
  parent: number;
}

/**
 * The edge the path in `trace` took into `node` (the last node of the trace), or null at the
 * entry: how a walker learns which way the previous branch went (a call tested by that branch).
 */
export function edgeInto(cfg: Cfg, trace: Trace, node: CfgNode): { from: CfgNode; kind: CfgEdge['kind'] } | null {
  const before = trace.previous();
  const from = before === null ? undefined : cfg.nodes[before];
  const edge = from?.succ.find((e) => e.to === node.id);
  return from && edge ? { from, kind: edge.kind } : null;
}

/** The path to configuration `index`, read back through the parents (one object per step, no closures). */
class ConfigTrace implements Trace {
  constructor(
    private readonly configs: ReadonlyArray<{ node: number; parent: number; facts: Facts }>,
    private readonly index: number,
    private readonly model: FactModel,
  ) {}

  decides(v: string, op: IntOp, c: bigint): boolean | undefined {
    return this.model.decides(this.configs[this.index]!.facts, v, op, c);
  }

  decidesAlong(v: string, op: IntOp, c: bigint): Array<boolean | undefined> {
    const out: Array<boolean | undefined> = [];
    for (let i = this.index; i >= 0; i = this.configs[i]!.parent) out.push(this.model.decides(this.configs[i]!.facts, v, op, c));
    return out.reverse();
  }

  nodes(): number[] {
    const out: number[] = [];
    for (let i = this.index; i >= 0; i = this.configs[i]!.parent) out.push(this.configs[i]!.node);
    return out.reverse();
  }

  previous(): number | null {
    const parent = this.configs[this.index]!.parent;
    return parent < 0 ? null : this.configs[parent]!.node;
  }
}

/**
 * Explores every feasible path of `cfg` with `walker`. Paths that reach a node with a state and
 * facts already seen there are merged.
 */
export function explore<S>(cfg: Cfg, model: FactModel, walker: PathWalker<S>, budget = DEFAULT_STATE_BUDGET): ExploreResult {
  const configs: Array<Config<S>> = [];
  // Per node, per set of facts (one instance per set: the model interns them), the state keys
  // seen there: no long string of facts built and hashed for every configuration.
  const seen: Array<Map<Facts, Set<string>> | undefined> = new Array(cfg.nodes.length);
  const stack: number[] = [];
  const push = (node: number, state: S, facts: Facts, parent: number): boolean => {
    let byFacts = seen[node];
    if (!byFacts) seen[node] = byFacts = new Map();
    let keys = byFacts.get(facts);
    if (!keys) byFacts.set(facts, (keys = new Set()));
    // At the exit, the way out is part of what a walker judges (which `return`): paths that
    // reach it by different nodes are not merged, though their facts, dropped as dead, agree.
    const k = node === cfg.exit && parent >= 0 ? `${walker.key(state)}\u0000${configs[parent]!.node}` : walker.key(state);
    if (keys.has(k)) return true;
    if (configs.length >= budget) return false;
    keys.add(k);
    configs.push({ node, state, facts, parent });
    stack.push(configs.length - 1);
    return true;
  };
  const traceOf = (index: number): Trace => new ConfigTrace(configs, index, model);

  if (!push(cfg.entry, walker.initial, Facts.EMPTY, -1)) return { complete: false, states: 0 };
  while (stack.length > 0) {
    const index = stack.pop()!;
    const c = configs[index]!;
    const node = cfg.nodes[c.node]!;
    const trace = traceOf(index);
    const state = walker.step(c.state, node, trace);
    if (state === null) continue;
    if (node.id === cfg.exit) {
      walker.exit(state, trace);
      continue;
    }
    if (node.noreturn) continue;
    const facts = model.afterNode(c.facts, node);
    for (const edge of node.succ) {
      if (walker.follow && !walker.follow(state, node, edge)) continue;
      for (const next of model.alongEdge(facts, node, edge)) {
        if (!push(edge.to, state, next, index)) return { complete: false, states: configs.length };
      }
    }
  }
  return { complete: true, states: configs.length };
}
