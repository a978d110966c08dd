/**
 * Brackets: resources that are acquired by some calls and released by others and must balance
 * on every path (`tlb_gather_mmu` / `tlb_finish_mmu`, `tlb_start_vma` / `tlb_end_vma`, notifier
 * range start / end). What the brackets are is data (rules/resources.ts); this module finds their
 * events in a function and checks balance along every feasible path:
 *
 * - objects are matched by value, not by text: `struct mmu_gather *t = &tlb; tlb_finish_mmu(t)`
 *   finishes `tlb`, through the reaching definitions of `t`;
 * - helpers that acquire or release for their caller count as doing so: known kernel helpers
 *   from the resource's table, annotated ones, and helpers whose body the resolver finds (in
 *   the caller's file, or in other files of a scan or tree), summarised path by path;
 * - an acquisition that only happens when the call returns 0 (`_start_nonblock`) is applied on
 *   the branch that tests its result, directly (`if (f(&r))`) or through a variable
 *   (`ret = f(&r); if (ret)`).
 */
import { addressee, forEachExpr, isZeroConstant, pathKey, uncast, type Expr } from './ast.js';
import type { CfgNode } from './cfg.js';
import type { AnalyzedFile, AnalyzedFunction } from './file.js';
import type { FunctionSpan } from './functions.js';
import { usesAfter } from './dataflow.js';
import { sameFile, type Definition, type DefinitionResolver } from './program.js';
import { edgeInto, explore, type Trace } from './paths.js';

export interface BracketCall {
  name: string;
  /** 0-based index of the argument naming the object (`&tlb` or `tlb`). */
  objectArg: number;
  /**
   * The call acquires only when it returns 0 (`zero`: an error code otherwise, the killable
   * locks) or anything but 0 (`nonzero`: the trylocks); absent: always.
   */
  acquiredWhen?: 'zero' | 'nonzero';
}

/**
 * Who owns the objects a resource is tracked on. `local`: only objects the function declares
 * itself with a matching type (not pointers): a `struct mmu_gather *tlb` parameter belongs to the
 * caller, who gathers and finishes it. `any`: every object the calls name.
 */
export type Ownership = { kind: 'local'; type: RegExp } | { kind: 'any' };

export interface BracketPair {
  id: string;
  /** What a reader calls one of these, for messages: `gather`, `VMA bracket`. */
  noun: string;
  /** What acquiring does to the object, for labels: `gathered`, `opened`, `started`. */
  verb: string;
  opens: readonly BracketCall[];
  closes: readonly BracketCall[];
  owner: Ownership;
  /**
   * Kernel functions known to acquire or release the object for their caller (or known to leave
   * it alone), whatever their body says or wherever it is: the catalog's transfer table.
   */
  helpers?: readonly KnownHelper[];
  /**
   * How a sparse annotation names this resource on a parameter: the field holding it
   * (`__releases(&mm->mmap_lock)` with `mmap_lock`), or `''` when the annotation names the object
   * itself. Absent: annotations say nothing about this resource.
   */
  annotated?: string;
  /**
   * A field of the object that the code tests to learn whether it acquired it: zero until one of
   * `setBy` fills it in. mm/mprotect.c starts its notifier range lazily, `range.start = 0;` then
   * `if (!range.start) { mmu_notifier_range_init(&range, ..., addr, end); ..._start(&range); }`
   * and `if (range.start) ..._end(&range);` (the address is never 0: no user mapping is there).
   * A path that tests the field against what the function last stored in it cannot be taken.
   */
  stateField?: { name: string; setBy: readonly string[] };
}

/** A kernel function's effect on the object passed as argument `arg`, taken as given. */
export interface KnownHelper {
  name: string;
  arg: number;
  /** `unknown`: it may acquire or release depending on its result; judgement stops there. */
  effect: BracketEffect;
}

export type BracketEventKind = 'open' | 'close' | 'unknown';

/** How a conditional acquisition learns whether it happened. */
export type Acquisition =
  /** Unconditional. */
  | { k: 'always' }
  /** The node is a branch on the result: acquired when control leaves it along `edge`. */
  | { k: 'branch'; edge: 'true' | 'false' }
  /** The result is stored in `key`; a later branch on it decides, with the call's polarity. */
  | { k: 'stored'; key: string; when: 'zero' | 'nonzero' }
  /** The result is not tested at all: whether it acquired is unknown. */
  | { k: 'untested' };

export interface BracketEvent {
  kind: BracketEventKind;
  /** Access-path key of the object (`tlb@123`, `tlb@param`). */
  object: string;
  /** The call that opens or closes (directly, or through a helper). */
  call: Expr & { k: 'call' };
  /** The helper's name when the event comes from a same-file function's summary. */
  via: string | null;
  acquisition: Acquisition;
}

/**
 * Values derived once per set of summaries and per file, function or span: what a rule computes
 * from the summaries it runs with, for rules and functions that ask again. Keyed weakly on both,
 * so a finished scan or review, or an evicted file, takes its values with it.
 */
export class SummaryMemo<K extends object, V> {
  private readonly bySummaries = new WeakMap<BracketSummaries, WeakMap<K, V>>();

  get(summaries: BracketSummaries, key: K, compute: () => V): V {
    let perKey = this.bySummaries.get(summaries);
    if (!perKey) this.bySummaries.set(summaries, (perKey = new WeakMap()));
    if (perKey.has(key)) return perKey.get(key)!;
    const value = compute();
    perKey.set(key, value);
    return value;
  }
}

/** What calling a function does to the bracket object passed in one of its arguments. */
export type BracketEffect = 'opens' | 'closes' | 'none' | 'unknown';

/**
 * How calls affect bracket objects passed to them, so that a helper that finishes the gather for
 * its caller is not mistaken for a leak. In order: the resource's table of known kernel helpers,
 * the callee's own sparse annotations (`__releases(...)`), then its body, analysed path by path,
 * wherever the resolver finds it (the caller's file, or other files of a scan or tree). One
 * object serves a whole scan or review, so each helper is summarised once.
 */
export class BracketSummaries {
  private readonly memo = new Map<string, BracketEffect>();
  private readonly inProgress = new Set<string>();
  private readonly fileIds = new WeakMap<AnalyzedFile, number>();
  private readonly named = new Map<string, boolean>();
  private readonly handing = new Map<string, boolean>();
  private files = 0;
  private depth = 0;

  constructor(private readonly resolver: DefinitionResolver = sameFile) {}

  /**
   * Runs `compute`, a summary that may need the summaries of the helpers its function calls,
   * unless {@link MAX_SUMMARY_DEPTH} summaries are being computed inside one another already:
   * then `tooDeep()`, the summary's answer for "not known". A chain of helpers thousands of
   * calls long overflowed the stack, and the whole file was skipped with an internal error.
   */
  nested<T>(compute: () => T, tooDeep: () => T): T {
    if (this.depth >= MAX_SUMMARY_DEPTH) return tooDeep();
    this.depth++;
    try {
      return compute();
    } finally {
      this.depth--;
    }
  }

  /** See {@link DefinitionResolver.headersMention}; null when the resolver reads no headers. */
  headersMention(word: string, from: AnalyzedFile): boolean | null {
    return this.resolver.headersMention?.(word, from) ?? null;
  }

  /** The definitions a call to `name` from `from` reaches, as the summaries see them. */
  definitions(name: string, from: AnalyzedFile, mentioning?: readonly string[]): readonly Definition[] {
    return this.resolver.definitions(name, from, mentioning);
  }

  /**
   * Whether the function `span` of `file`, parsed or not, may name one of `words`: in its own
   * tokens, or in those of a helper it calls, wherever the summaries would look for the helper
   * (in another file only when that file names one of `via`), however deep. With `annotated`, a
   * sparse annotation (`__releases(...)`) on any of them counts too. When not, a summary that
   * only those words can make non-empty is empty for it, and it need not be parsed to say so:
   * most helpers a caller's summaries ask about touch no resource at all, and parsing them was
   * most of what summarising cost. A walk that reads more than {@link MAY_NAME_WALK}
   * definitions answers yes.
   */
  mayName(file: AnalyzedFile, span: FunctionSpan, query: NameQuery): boolean {
    const key = this.nameKey(file, span, query);
    let known = this.named.get(key);
    if (known === undefined) known = this.walkNames(file, span, query, key);
    return known;
  }

  private nameKey(file: AnalyzedFile, span: FunctionSpan, query: NameQuery): string {
    return `${this.fileId(file)}:${span.key}|${queryId(query)}`;
  }

  /**
   * The walk behind {@link mayName}. Answers are remembered per definition, not only for the
   * function asked about: a walk that ends in "no" has read everything its definitions reach,
   * so every one of them is a "no" too, and a later walk that meets one neither reads it again
   * nor counts it against {@link MAY_NAME_WALK}; a walk that meets a known "yes" answers yes.
   * A "yes" is remembered for the function asked about and for the chain of definitions that
   * led to the naming one. Only a "yes" can come from the bound, so a "no" is always exact.
   */
  private walkNames(file: AnalyzedFile, span: FunctionSpan, query: NameQuery, rootKey: string): boolean {
    const names = (f: AnalyzedFile, s: FunctionSpan): boolean => {
      const ids = f.identifiersOf(s);
      // A function's own name is among its identifiers: that is not a mention.
      return (
        query.words.some((w) => w !== s.name && ids.has(w)) ||
        (query.annotated === true && f.annotationsOf(s).length > 0) ||
        (query.written !== undefined && f.writesField(s, query.written))
      );
    };
    if (names(file, span)) {
      this.named.set(rootKey, true);
      return true;
    }
    // A name resolves in the file that uses it when that file defines it (a `static` helper),
    // else through the index, the same from everywhere: it is followed once per such place.
    const place = (id: string, from: AnalyzedFile): string => (from.definitionsOf(id).length > 0 ? `${this.fileId(from)}:${id}` : id);
    const seen = new Set<string>([place(span.name, file)]);
    // Each definition read, with the index of the one whose identifiers led to it (-1: the root).
    const read: Array<{ key: string; parent: number }> = [];
    const work: Array<{ ids: ReadonlySet<string>; from: AnalyzedFile; at: number }> = [{ ids: file.calleesOf(span), from: file, at: -1 }];
    const yes = (at: number): true => {
      this.named.set(rootKey, true);
      for (let i = at; i >= 0; i = read[i]!.parent) this.named.set(read[i]!.key, true);
      return true;
    };
    while (work.length > 0) {
      const { ids, from, at } = work.pop()!;
      for (const id of ids) {
        const p = place(id, from);
        if (seen.has(p)) continue;
        seen.add(p);
        for (const d of this.resolver.definitions(id, from, query.via)) {
          const key = this.nameKey(d.file, d.span, query);
          const known = this.named.get(key);
          if (known === false) continue;
          if (known === true) return yes(at);
          if (read.length >= MAY_NAME_WALK) return yes(-1);
          read.push({ key, parent: at });
          if (names(d.file, d.span)) return yes(read.length - 1);
          work.push({ ids: d.file.calleesOf(d.span), from: d.file, at: read.length - 1 });
        }
      }
    }
    this.named.set(rootKey, false);
    for (const r of read) this.named.set(r.key, false);
    return false;
  }

  /**
   * What a call to `callee` does to the object it is handed as argument `target` (a number), or,
   * for an object the caller names by a global path (`current->mm`, a string), to that object
   * reached without being handed: s390's `handle_fault_error()` unlocks `current->mm` itself.
   */
  effect(pair: BracketPair, callee: string, target: number | string, from: AnalyzedFile): BracketEffect {
    const known = typeof target === 'number' ? pair.helpers?.find((h) => h.name === callee && h.arg === target) : undefined;
    if (known) return known.effect;
    const defs = this.resolver.definitions(callee, from, pairCalls(pair));
    if (defs.length === 0) return 'none';
    // A helper that names none of the pair's calls or helpers, itself or through its own
    // helpers, cannot open or close the object: its body is not read.
    const query = pairQuery(pair);
    if (defs.every((d) => !this.mayName(d.file, d.span, query))) return 'none';
    const key = `${pair.id}|${target}|${defs.map((d) => `${this.fileId(d.file)}:${d.span.key}`).join(',')}`;
    const memo = this.memo.get(key);
    if (memo) return memo;
    if (this.inProgress.has(key)) return 'unknown';
    this.inProgress.add(key);
    const effects = new Set<BracketEffect>();
    for (const def of defs) effects.add(this.nested(() => this.compute(pair, def, target), (): BracketEffect => 'unknown'));
    this.inProgress.delete(key);
    const result: BracketEffect = effects.size === 1 ? [...effects][0]! : 'unknown';
    this.memo.set(key, result);
    return result;
  }

  /**
   * Whether a call of `callee` from `from` opens or closes an object of `pair` it is handed, by
   * a definition the summaries reach that names one of the pair's calls itself: its summary for
   * one of its pointer parameters is not 'none'. For a function that names none of the pair's
   * calls but calls such a helper of another file (sweep Z: `madvise_lock()` moved into
   * mm/internal.h). Only a helper that names the calls itself counts, as for a helper of the
   * same file ({@link trackedObjects}). Asked once per callee and file.
   */
  handsOn(pair: BracketPair, callee: string, from: AnalyzedFile): boolean {
    const key = `${pair.id}|${this.fileId(from)}|${callee}`;
    let known = this.handing.get(key);
    if (known === undefined) {
      known = false;
      const calls = pairCallSet(pair);
      for (const d of this.resolver.definitions(callee, from, pairCalls(pair))) {
        if (!d.file.mentions(d.span, calls)) continue;
        const fn = d.file.analyze(d.span);
        if (!fn || fn.ast.params.some((p, i) => p.pointer && this.effect(pair, callee, i, from) !== 'none')) {
          known = true;
          break;
        }
      }
      this.handing.set(key, known);
    }
    return known;
  }

  /**
   * Files are told apart by identity, not path: a review summarises the same path before and
   * after the patch, and the patch may have changed the helper.
   */
  private fileId(file: AnalyzedFile): number {
    let id = this.fileIds.get(file);
    if (id === undefined) this.fileIds.set(file, (id = ++this.files));
    return id;
  }

  private compute(pair: BracketPair, def: Definition, target: number | string): BracketEffect {
    const fn = def.file.analyze(def.span);
    if (!fn) return 'unknown';
    let object: string;
    if (typeof target === 'number') {
      const param = fn.ast.params[target];
      if (!param || !param.pointer) return 'none';
      const annotated = annotatedEffect(pair, def, param.name);
      if (annotated) return annotated;
      object = param.ref.id;
    } else {
      object = target;
    }
    const index = new BracketIndex(fn, pair, this, new Set([object]));
    if (!index.hasEvents) return 'none';
    const fromOpen = exitStates(fn, index, object, 'open');
    const fromClosed = exitStates(fn, index, object, 'closed');
    // Closed whatever the entry: a release of the caller's lock only if some path releases
    // before it takes the lock itself. powerpc's `subpage_prot_clear()` takes `current->mm`'s
    // lock and drops it on every path: for a caller that does not hold it, nothing changes.
    if (fromOpen === 'closed' && fromClosed === 'closed') return closesFirst(fn, index, object) ? 'closes' : 'none';
    // Held at every exit whatever the entry. A helper whose every path first releases the
    // caller's lock and takes it again (sweep H: powerpc's subpage_prot() with its
    // `mmap_write_unlock(); __copy_from_user(); mmap_write_lock();` moved into a helper) leaves
    // a caller that holds it holding it: nothing changes. One that takes it first opens it.
    if (fromOpen === 'open' && fromClosed === 'open') return opensFirst(fn, index, object) ? 'opens' : 'none';
    if (fromOpen === 'open' && fromClosed === 'closed') return 'none';
    // A helper that opens the object itself and closes it again before it returns, on every
    // path (mm/userfaultfd.c `uffd_lock_vma()` takes the mmap lock to look the VMA up and drops
    // it): nothing changes for a caller that does not hold it, which is the only caller it can
    // have (one that holds it would take it twice, the callee contract's business).
    if (fromClosed === 'closed' && fromOpen === 'mixed' && index.nodesWithEvents().some((id) => index.eventsAt(fn.cfg.nodes[id]!).some((e) => e.object === object && e.kind === 'open' && e.via === null))) return 'none';
    return 'unknown';
  }
}

/** What a {@link BracketSummaries.mayName} walk looks for. */
export interface NameQuery {
  /** The words that make a function worth reading. */
  words: readonly string[];
  /** What another file must name for the walk to read its definitions (as the summaries would). */
  via: readonly string[];
  /** Whether a sparse lock annotation counts as naming one of the words. */
  annotated?: boolean;
  /** Struct fields that count where the tokens write them (`p->f = v`), not where they read them. */
  written?: ReadonlySet<string>;
}

/** Definitions a {@link BracketSummaries.mayName} walk reads before it answers yes without reading on. */
export const MAY_NAME_WALK = 64;

/**
 * Summaries computed inside one another ({@link BracketSummaries.nested}) before the next is
 * taken as not known. Kernel helper chains that move a lock or write a VMA are a few calls deep.
 */
export const MAX_SUMMARY_DEPTH = 24;

const queryIds = new WeakMap<NameQuery, number>();
let queries = 0;

/** Queries are told apart by identity: each is a constant of its rule or pair. */
function queryId(query: NameQuery): number {
  let id = queryIds.get(query);
  if (id === undefined) queryIds.set(query, (id = ++queries));
  return id;
}

const pairQueries = new WeakMap<BracketPair, NameQuery>();

/** A helper can change a pair's object only by naming one of its calls, one of its known helpers, or by an annotation. */
function pairQuery(pair: BracketPair): NameQuery {
  let query = pairQueries.get(pair);
  if (!query) {
    const words = [...new Set([...pairCalls(pair), ...(pair.helpers ?? []).map((h) => h.name)])];
    pairQueries.set(pair, (query = { words, via: pairCalls(pair), annotated: pair.annotated !== undefined }));
  }
  return query;
}

const callNames = new WeakMap<BracketPair, readonly string[]>();

/** The names of a pair's own calls: a file that names none of them cannot hold a helper for it. */
function pairCalls(pair: BracketPair): readonly string[] {
  let names = callNames.get(pair);
  if (!names) callNames.set(pair, (names = [...new Set([...pair.opens, ...pair.closes].map((c) => c.name))]));
  return names;
}

const callSets = new WeakMap<BracketPair, ReadonlySet<string>>();

/** {@link pairCalls} as a set. */
function pairCallSet(pair: BracketPair): ReadonlySet<string> {
  let names = callSets.get(pair);
  if (!names) callSets.set(pair, (names = new Set(pairCalls(pair))));
  return names;
}

/** What the callee's sparse annotations say it does to the resource on parameter `param`. */
function annotatedEffect(pair: BracketPair, def: Definition, param: string): BracketEffect | null {
  if (pair.annotated === undefined) return null;
  const names = pair.annotated === '' ? [param] : [`${param}->${pair.annotated}`, `${param}.${pair.annotated}`];
  for (const a of def.file.annotationsOf(def.span)) {
    if (!names.includes(a.arg.replace(/^&/, ''))) continue;
    return a.kind === 'acquires' ? 'opens' : a.kind === 'releases' ? 'closes' : 'none';
  }
  return null;
}

/** Whether some path closes `object` before it opens it: releases what the caller holds. */
function closesFirst(fn: AnalyzedFunction, index: BracketIndex, object: string): boolean {
  return someFirst(fn, index, object, (kind) => kind !== 'open');
}

/** Whether some path of `fn` takes `object` before it releases it (or the paths are too many to tell). */
function opensFirst(fn: AnalyzedFunction, index: BracketIndex, object: string): boolean {
  return someFirst(fn, index, object, (kind) => kind === 'open');
}

/** Whether the first event on `object` of some path of `fn` is one `is` accepts, or the paths are too many to tell. */
function someFirst(fn: AnalyzedFunction, index: BracketIndex, object: string, is: (kind: BracketEvent['kind']) => boolean): boolean {
  let found = false;
  const result = explore<boolean>(fn.cfg, fn.facts, {
    initial: false,
    key: (touched) => (touched ? 't' : ''),
    step(touched, node, trace) {
      if (testedNull(fn, trace, node, object)) return null;
      if (touched) return true;
      const e = index.eventsAt(node).find((x) => x.object === object);
      if (!e) return false;
      if (is(e.kind)) found = true;
      return true;
    },
    exit() {},
  });
  return found || !result.complete;
}

/**
 * Whether the path reached `node` by the edge on which `object` itself is NULL (`if (mm)`
 * false): the caller's object is a real one, so such a path is not the helper's effect on it.
 * powerpc's and x86's `__bad_area()` release `mm` only `if (mm)`, and the VMA lock otherwise.
 */
function testedNull(fn: AnalyzedFunction, trace: Trace, node: CfgNode, object: string): boolean {
  const taken = edgeInto(fn.cfg, trace, node);
  return taken !== null && taken.from.expr !== null && (taken.kind === 'true' || taken.kind === 'false') && zeroEdge(taken.from.expr, (e) => pathKey(e) === object) === taken.kind;
}

/** The single state `object` is in at every exit, starting from `start`, or 'mixed'. */
function exitStates(fn: AnalyzedFunction, index: BracketIndex, object: string, start: 'open' | 'closed'): 'open' | 'closed' | 'mixed' {
  const seen = new Set<string>();
  let unknown = false;
  const result = explore<string>(fn.cfg, fn.facts, {
    initial: start,
    key: (s) => s,
    step(s, node, trace) {
      if (testedNull(fn, trace, node, object)) return null;
      let cur = s;
      for (const e of index.eventsAt(node)) {
        if (e.object !== object) continue;
        if (e.kind === 'unknown' || (e.kind === 'open' && e.acquisition.k !== 'always')) unknown = true;
        cur = e.kind === 'open' ? 'open' : e.kind === 'close' ? 'closed' : cur;
      }
      return cur;
    },
    exit(s) {
      seen.add(s);
    },
  });
  if (!result.complete || unknown || seen.size !== 1) return 'mixed';
  return [...seen][0] as 'open' | 'closed';
}

/**
 * Whether an object key is a path from a global (`current->mm`), the same object in every
 * function: locals and parameters carry their scope in their key (`mm@param`, `mm@12`).
 */
export function isGlobalPath(key: string): boolean {
  const root = /^\**([A-Za-z_]\w*(?:@\w+)?)/.exec(key)?.[1] ?? '';
  return root !== '' && !root.includes('@') && key.includes('->');
}

/**
 * The object an argument names, by value: `&tlb` and `tlb` both name `tlb`, and a pointer that
 * holds a copy of another (`t = tlb`, `t = &local`) names what it was copied from when exactly
 * one plain copy reaches the call.
 */
export function objectAt(fn: AnalyzedFunction, arg: Expr | undefined, node: number, depth = 0): string | null {
  if (!arg) return null;
  const e = addressee(arg);
  if (e.k === 'ident' && e.ref.scope !== 'global' && depth < 4) {
    const defs = fn.defs.reaching(node, e.ref.id);
    const d = defs.length === 1 ? defs[0]! : null;
    if (d && (d.def.how === 'assign' || d.def.how === 'init') && d.def.value && pathKey(addressee(d.def.value)) !== null) {
      return objectAt(fn, d.def.value, d.node, depth + 1);
    }
  }
  // A field of a copy is the field of what was copied: `tsk->mm` with `tsk = current` is
  // `current->mm`, the mm a helper that reaches `current->mm` itself releases (x86's and sh's
  // `__bad_area()` under `do_user_addr_fault()` / `do_page_fault()`).
  if (e.k === 'field' && e.arrow && e.base.k === 'ident' && e.base.ref.scope === 'local' && depth < 4) {
    const base = objectAt(fn, e.base, node, depth + 1);
    if (base !== null && base !== e.base.ref.id) return `${base}->${e.field}`;
  }
  return pathKey(e);
}

/** The bracket events of one function for one pair, per CFG node. */
export class BracketIndex {
  private readonly byNode = new Map<number, BracketEvent[]>();
  /** Objects whose events are recorded. */
  readonly objects: ReadonlySet<string>;

  constructor(
    readonly fn: AnalyzedFunction,
    readonly pair: BracketPair,
    summaries: BracketSummaries,
    objects?: ReadonlySet<string>,
  ) {
    this.objects = objects ?? trackedObjects(fn, pair, summaries);
    const opens = new Map(pair.opens.map((c) => [c.name, c]));
    const closes = new Map(pair.closes.map((c) => [c.name, c]));
    const globals = [...this.objects].filter(isGlobalPath);
    for (const node of fn.cfg.nodes) {
      for (const ev of node.events) {
        if (ev.k !== 'call' || ev.name === null) continue;
        const call = ev.call;
        const direct: Array<[BracketEventKind, BracketCall | undefined]> = [
          ['open', opens.get(ev.name)],
          ['close', closes.get(ev.name)],
        ];
        let matched = false;
        for (const [kind, spec] of direct) {
          if (spec === undefined) continue;
          matched = true;
          const object = objectAt(fn, call.args[spec.objectArg], node.id);
          if (object === null || !this.objects.has(object)) continue;
          const acquisition: Acquisition = kind === 'open' && spec.acquiredWhen ? acquisitionOf(node, call, spec.acquiredWhen) : { k: 'always' };
          this.add(node, { kind, object, call, via: null, acquisition });
        }
        if (matched) continue;
        const handed = new Set<string>();
        call.args.forEach((arg, i) => {
          const object = objectAt(fn, arg, node.id);
          if (object === null || !this.objects.has(object)) return;
          handed.add(object);
          const effect = summaries.effect(pair, ev.name!, i, fn.file);
          if (effect === 'none') return;
          const kind: BracketEventKind = effect === 'opens' ? 'open' : effect === 'closes' ? 'close' : 'unknown';
          this.add(node, { kind, object, call, via: ev.name, acquisition: { k: 'always' } });
        });
        // An object named by a global path (`current->mm`) is the same object in the callee
        // whether or not it is handed over: a helper that unlocks `current->mm` itself unlocks
        // the caller's `mm = current->mm`. Only what the helper surely does counts here: a
        // helper that merely may touch it is left to the rules' own judgement of unknown calls.
        for (const object of globals) {
          if (handed.has(object)) continue;
          const effect = summaries.effect(pair, ev.name, object, fn.file);
          if (effect === 'opens' || effect === 'closes') this.add(node, { kind: effect === 'opens' ? 'open' : 'close', object, call, via: ev.name, acquisition: { k: 'always' } });
        }
      }
    }
  }

  private add(node: CfgNode, e: BracketEvent): void {
    const list = this.byNode.get(node.id) ?? [];
    list.push(e);
    this.byNode.set(node.id, list);
  }

  get hasEvents(): boolean {
    return this.byNode.size > 0;
  }

  eventsAt(node: CfgNode): readonly BracketEvent[] {
    return this.byNode.get(node.id) ?? [];
  }

  /** Every node with an event, in node order. */
  nodesWithEvents(): number[] {
    return [...this.byNode.keys()].sort((a, b) => a - b);
  }
}

export function trackedObjects(fn: AnalyzedFunction, pair: BracketPair, summaries: BracketSummaries): ReadonlySet<string> {
  const out = new Set<string>();
  if (pair.owner.kind === 'any') {
    const objectArg = new Map([...pair.opens, ...pair.closes].map((c) => [c.name, c.objectArg]));
    const opens = new Set(pair.opens.map((c) => c.name));
    const closes = new Set(pair.closes.map((c) => c.name));
    for (const node of fn.cfg.nodes) {
      for (const ev of node.events) {
        if (ev.k !== 'call' || ev.name === null) continue;
        const arg = objectArg.get(ev.name);
        if (arg !== undefined) {
          const key = objectAt(fn, ev.call.args[arg], node.id);
          if (key !== null) out.add(key);
          continue;
        }
        // An object the function locks or unlocks only through a helper
        // (fs/proc/task_mmu.c: `query_vma_teardown(mm, vma)` is `mmap_read_unlock(mm)`) is as
        // much the function's as one it locks itself. Only a helper that does one of the two: one
        // that brackets its own work (`madvise_cold_page_range()`'s VMA bracket) leaves nothing
        // open or closed for its caller, whatever its summary makes of its paths.
        // The helper may be in another file the summaries read (sweep Z: a lock-and-lookup
        // helper moved into mm/internal.h); its own file comes first.
        const defs = summaries.definitions(ev.name, fn.file, pairCalls(pair));
        const def = defs.length === 1 ? defs[0]! : null;
        if (!def || def.span === fn.span || def.file.mentions(def.span, opens) === def.file.mentions(def.span, closes)) continue;
        ev.call.args.forEach((a, i) => {
          const key = objectAt(fn, a, node.id);
          if (key === null || out.has(key)) return;
          const effect = summaries.effect(pair, ev.name!, i, fn.file);
          if (effect === 'opens' || effect === 'closes') out.add(key);
        });
      }
    }
    return out;
  }
  for (const node of fn.cfg.nodes) {
    for (const d of node.decls ?? []) {
      if (!d.pointer && !d.array && pair.owner.type.test(d.type)) out.add(d.ref.id);
    }
  }
  return out;
}

/**
 * How the result of a conditional acquisition `call` at `node` is tested. A condition that is
 * the call itself, its negation, or its comparison with 0 decides on the node's own edges;
 * `ret = call` (or `int ret = call`) hands the decision to a later branch on `ret`.
 */
export function acquisitionOf(node: CfgNode, call: Expr & { k: 'call' }, when: 'zero' | 'nonzero'): Acquisition {
  if ((node.kind === 'branch' || node.kind === 'loop') && node.expr) {
    const zeroOn = zeroEdge(node.expr, (e) => e === call);
    if (zeroOn) return { k: 'branch', edge: acquiredEdge(zeroOn, when) };
  }
  for (const ev of node.events) {
    if (ev.k === 'def' && ev.value === call && (ev.how === 'assign' || ev.how === 'init')) return { k: 'stored', key: ev.key, when };
  }
  return { k: 'untested' };
}

/**
 * A conditional acquisition waiting to learn whether it happened: on the next edge out of the
 * branch that tests the call, or on a later branch testing the variable its result was stored in.
 */
export type PendingAcquisition = { branch: number; edge: 'true' | 'false' } | { key: string; when: 'zero' | 'nonzero' };

/** The pending state of an acquisition as a walker records it, from the event's {@link Acquisition}. */
export function pendingOf(node: CfgNode, a: Acquisition): PendingAcquisition | null {
  if (a.k === 'branch') return { branch: node.id, edge: a.edge };
  if (a.k === 'stored') return { key: a.key, when: a.when };
  return null;
}

/**
 * What reaching `node` (by the edge `taken`) tells a pending acquisition: it happened, it
 * failed, it now waits on this node's branch (a test of the stored result), the stored result
 * was overwritten before any test (`forgotten`), or nothing yet (null). One reading for every
 * walker, so the killable and trylock polarities are decided the same way everywhere.
 */
export function settlePending(
  pending: PendingAcquisition,
  node: CfgNode,
  taken: { from: CfgNode; kind: string } | null,
): 'acquired' | 'failed' | 'forgotten' | PendingAcquisition | null {
  if ('branch' in pending) {
    if (!taken || taken.from.id !== pending.branch) return null;
    return taken.kind === pending.edge ? 'acquired' : 'failed';
  }
  const key = pending.key;
  if ((node.kind === 'branch' || node.kind === 'loop') && node.expr) {
    const zeroOn = zeroEdge(node.expr, (e) => pathKey(e) === key);
    if (zeroOn) return { branch: node.id, edge: acquiredEdge(zeroOn, pending.when) };
  }
  if (node.events.some((e) => e.k === 'def' && e.key === key)) return 'forgotten';
  // A copy of the result or flag carries the decision on (`locked = mmap_locked;`, then `if
  // (!locked)`: sweep AB); the original is no longer what a later test reads.
  const copy = node.events.find((e) => e.k === 'def' && e.key !== key && e.value !== null && pathKey(uncast(e.value)) === key);
  return copy && copy.k === 'def' ? { key: copy.key, when: pending.when } : null;
}

/** The edge along which a call with polarity `when` acquired, given the edge where its result is 0. */
export function acquiredEdge(zeroOn: 'true' | 'false', when: 'zero' | 'nonzero'): 'true' | 'false' {
  return when === 'zero' ? zeroOn : zeroOn === 'true' ? 'false' : 'true';
}

/**
 * The edge of a branch on `cond` along which the tested value is 0, when `cond` tests a value
 * `is` recognises (`v`, `!v`, `v == 0`, `v != 0`, `v < 0`, `0 != v`, `v == NULL`...); null otherwise.
 */
export function zeroEdge(cond: Expr, is: (e: Expr) => boolean): 'true' | 'false' | null {
  const c = uncast(cond);
  if (is(c)) return 'false';
  if (c.k === 'unary' && c.op === '!' && is(uncast(c.arg))) return 'true';
  if (c.k === 'binary') {
    const zero = (e: Expr): boolean => isZeroConstant(uncast(e));
    const [v, op] = is(uncast(c.left)) && zero(c.right) ? [c.left, c.op] : is(uncast(c.right)) && zero(c.left) ? [c.right, flip(c.op)] : [null, c.op];
    if (v === null) return null;
    if (op === '==') return 'true';
    // `!= 0`, and `< 0` for an error code (0 or negative): true means "not 0".
    if (op === '!=' || op === '<') return 'false';
  }
  return null;
}

function flip(op: string): string {
  return op === '<' ? '>' : op === '>' ? '<' : op;
}

/**
 * What `node` leaves in `object`'s state field, from `was`: zero after `object.field = 0`, set
 * after a call of one of `setBy` handed the object, unknown after any other store into the field
 * or the whole object, or after a call other than the pair's own that is handed the object (it
 * may write the field).
 */
function storedField(node: CfgNode, object: string, field: NonNullable<BracketPair['stateField']>, pair: BracketPair, was: ObjectState['field']): ObjectState['field'] {
  let out = was;
  for (const ev of node.events) {
    // `&range` handed to a call is a store into it (`how: 'addr'`): the call decides, below.
    if (ev.k === 'def' && ev.how !== 'addr') {
      if (ev.key === object) out = null;
      else if (ev.key === `${object}.${field.name}` || ev.key === `${object}->${field.name}`) out = ev.value !== null && isZeroConstant(uncast(ev.value)) ? 'zero' : null;
    } else if (ev.k === 'call' && ev.name !== null && ev.call.args.some((a) => pathKey(addressee(a)) === object)) {
      if (field.setBy.includes(ev.name)) out = 'set';
      else if (!pair.opens.some((c) => c.name === ev.name) && !pair.closes.some((c) => c.name === ev.name)) out = null;
    }
  }
  return out;
}

/**
 * The tracked objects whose fields `cond` reads (`range.start`). Passing the object to a call in
 * a condition (`if (g(&tlb))`) reads no state of it and does not count.
 */
function readObjects(cond: Expr, objects: ReadonlySet<string>): string[] {
  const out = new Set<string>();
  forEachExpr(cond, (e) => {
    if (e.k !== 'field') return;
    const key = pathKey(e);
    if (key === null) return;
    for (const o of objects) if (key.startsWith(`${o}.`) || key.startsWith(`${o}->`)) out.add(o);
  });
  return [...out];
}

/** Where a path left the function: its `return` statement, or the closing brace. */
export function exitPoint(fn: AnalyzedFunction, trace: Trace): CfgNode {
  const nodes = trace.nodes();
  const before = nodes[nodes.length - 2];
  const n = before === undefined ? undefined : fn.cfg.nodes[before];
  return n && n.kind === 'return' ? n : fn.cfg.nodes[fn.cfg.exit]!;
}

/** How a path that leaves with a resource held gets out: what a reviewer must see in the excerpt. */
export interface ExitRoute {
  /** The last branch after the acquisition that the path took, and which way. */
  branch: { node: CfgNode; edge: string } | null;
  /** The `goto` or `return` the path leaves through, or the closing brace. */
  leave: CfgNode;
  /**
   * The `continue` (or backward `goto`) that took the path round again after the acquisition,
   * past the release, before it left, and the branch that sent it there: the line a patch that
   * adds an early `continue` changed, where the loop condition alone would be blamed.
   */
  around?: { jump: CfgNode; branch: { node: CfgNode; edge: string } | null };
}

/**
 * The branch and the jump that take a path from `after` out of the function. With the nodes
 * that release the resource (`releases`), the route is where the path gave up every way to a
 * release: the first node on it from which none is reachable, the branch just before it, and
 * the first `goto` or `return` from there (loongarch's OOM `return;` after a `goto good_area;`
 * that still had the unlock ahead).
 */
export function exitRoute(fn: AnalyzedFunction, trace: Trace, after: number, releases: readonly number[] = [], closers: readonly number[] = releases): ExitRoute {
  const nodes = trace.nodes();
  const from = nodes.lastIndexOf(after);
  const route = leavingRoute(fn, nodes, from, releases);
  const around = roundAgain(fn, nodes, from, nodes.indexOf(route.leave.id, from + 1));
  return around && goesRound(fn, around.jump, closers) ? { ...route, around } : route;
}

/**
 * Whether `jump` (a `continue` or a jump back) takes a path round a release among `closers`
 * (every one counts when none is given): one from which the jump's target can be reached again,
 * inside the loop it goes round. A notifier range started lazily in a loop and ended after it
 * goes round with every `continue` and ends later; the way out is elsewhere (sweep AE:
 * `__migrate_device_pages()` with an early `return`, whose help said "before the `continue`").
 */
function goesRound(fn: AnalyzedFunction, jump: CfgNode, closers: readonly number[]): boolean {
  if (closers.length === 0) return true;
  const inLoop = reachingAny(fn, jump.succ.map((e) => e.to));
  return closers.some((c) => inLoop.has(c));
}

/**
 * The last `continue`, or `goto` to a label above it, on `nodes` after position `from` and
 * before `until` (the end when negative), with the last branch before it that chose it.
 */
export function roundAgain(fn: AnalyzedFunction, nodes: readonly number[], from: number, until: number): ExitRoute['around'] | null {
  const end = until < 0 ? nodes.length - 1 : until;
  for (let i = end - 1; i > from; i--) {
    const n = fn.cfg.nodes[nodes[i]!]!;
    if (n.kind !== 'continue' && !(n.kind === 'goto' && fn.cfg.nodes[nodes[i + 1]!]!.start < n.start)) continue;
    for (let j = i - 1; j > from; j--) {
      const b = fn.cfg.nodes[nodes[j]!]!;
      if (b.kind !== 'branch') continue;
      const edge = b.succ.find((e) => e.to === nodes[j + 1]);
      return { jump: n, branch: edge && (edge.kind === 'true' || edge.kind === 'false') ? { node: b, edge: edge.kind } : null };
    }
    return { jump: n, branch: null };
  }
  return null;
}

/** {@link exitRoute} but for the way round: the branch and the jump out. */
function leavingRoute(fn: AnalyzedFunction, nodes: readonly number[], from: number, releases: readonly number[]): ExitRoute {
  if (releases.length > 0) {
    const reaching = reachingAny(fn, releases);
    const lost = nodes.findIndex((id, i) => i > from && !reaching.has(id));
    if (lost > from) {
      let leaveAt = nodes.findIndex((id, i) => i >= lost && (fn.cfg.nodes[id]!.kind === 'goto' || fn.cfg.nodes[id]!.kind === 'return'));
      if (leaveAt < 0) leaveAt = nodes.length - 1;
      const leave = fn.cfg.nodes[nodes[leaveAt]!]!;
      for (let i = lost - 1; i > from; i--) {
        const n = fn.cfg.nodes[nodes[i]!]!;
        if (n.kind !== 'branch') continue;
        const edge = n.succ.find((e) => e.to === nodes[i + 1]);
        return { branch: edge && (edge.kind === 'true' || edge.kind === 'false') ? { node: n, edge: edge.kind } : null, leave: leave.kind === 'goto' || leave.kind === 'return' ? leave : fn.cfg.nodes[fn.cfg.exit]! };
      }
      return { branch: null, leave: leave.kind === 'goto' || leave.kind === 'return' ? leave : fn.cfg.nodes[fn.cfg.exit]! };
    }
  }
  let leaveAt = -1;
  for (let i = nodes.length - 1; i > from; i--) {
    const k = fn.cfg.nodes[nodes[i]!]!.kind;
    if (k === 'goto' || k === 'return') {
      leaveAt = i;
      if (k === 'goto') break;
    }
  }
  const leave = leaveAt >= 0 ? fn.cfg.nodes[nodes[leaveAt]!]! : fn.cfg.nodes[fn.cfg.exit]!;
  let branch: ExitRoute['branch'] = null;
  for (let i = (leaveAt >= 0 ? leaveAt : nodes.length - 1) - 1; i > from; i--) {
    const n = fn.cfg.nodes[nodes[i]!]!;
    if (n.kind !== 'branch') continue;
    const edge = n.succ.find((e) => e.to === nodes[i + 1]);
    if (edge && (edge.kind === 'true' || edge.kind === 'false')) branch = { node: n, edge: edge.kind };
    break;
  }
  return { branch, leave };
}

const reachingMemo = new WeakMap<AnalyzedFunction, Map<string, ReadonlySet<number>>>();

/**
 * The nodes from which one of `targets` can be reached (the targets included), by walking
 * predecessors; once per function and set of targets (a walk asks at every exit it judges).
 */
function reachingAny(fn: AnalyzedFunction, targets: readonly number[]): ReadonlySet<number> {
  let perFn = reachingMemo.get(fn);
  if (!perFn) reachingMemo.set(fn, (perFn = new Map()));
  const key = targets.join(',');
  let out = perFn.get(key);
  if (!out) perFn.set(key, (out = reachingFrom(fn, targets)));
  return out;
}

function reachingFrom(fn: AnalyzedFunction, targets: readonly number[]): ReadonlySet<number> {
  const seen = new Set<number>(targets);
  const work = [...targets];
  while (work.length > 0) {
    for (const e of fn.cfg.nodes[work.pop()!]!.pred) {
      if (seen.has(e.to)) continue;
      seen.add(e.to);
      work.push(e.to);
    }
  }
  return seen;
}

/**
 * The jump by which a path reached its current node: the last `goto` on it, else the last branch
 * and the way it went (for a release reached without the acquisition, the line that explains how).
 */
export function jumpBefore(fn: AnalyzedFunction, trace: Trace): { node: CfgNode; edge: string | null } | null {
  const nodes = trace.nodes();
  let branch: { node: CfgNode; edge: string | null } | null = null;
  for (let i = nodes.length - 2; i >= 0; i--) {
    const n = fn.cfg.nodes[nodes[i]!]!;
    if (n.kind === 'goto') return { node: n, edge: null };
    if (n.kind === 'branch' && !branch) {
      const edge = n.succ.find((e) => e.to === nodes[i + 1]);
      branch = { node: n, edge: edge && (edge.kind === 'true' || edge.kind === 'false') ? edge.kind : null };
    }
  }
  return branch;
}

/**
 * Why a release finds its object not held on the path shown:
 * - `failed`: a conditional acquisition (`_nonblock`, trylock) failed at `at`;
 * - `closed`: the object was already released at `at`; when that is the release itself, on an
 *   earlier pass of a loop, `again` is the loop head or the `goto` that brought the path back;
 * - `never`: the path never acquired it. `elsewhere`: the function acquires it on other paths
 *   (or later on this one); then `via` is the jump or branch that went around the acquisition,
 *   if the path took one.
 */
export type UnopenedCause =
  | { k: 'failed'; at: CfgNode }
  | { k: 'closed'; at: CfgNode; again: CfgNode | null }
  | { k: 'never'; elsewhere: boolean; via: { node: CfgNode; edge: string | null } | null };

export interface BalanceResult {
  /** An open bracket that reaches the function's exit. */
  unclosed: Array<{ object: string; open: CfgNode; openCall: BracketEvent; exit: CfgNode; route: ExitRoute }>;
  /** A close reached on a path where the bracket is not open. */
  unopened: Array<{ object: string; close: CfgNode; closeCall: BracketEvent; cause: UnopenedCause }>;
  /**
   * An open reached while the same object is already open; `back`, the `continue` or backward
   * `goto` that brought the path round to it again without the release.
   */
  reopened: Array<{ object: string; first: CfgNode; second: CfgNode; secondCall: BracketEvent; back: CfgNode | null }>;
  /** A conditional acquisition whose result is never tested. */
  untested: Array<{ object: string; open: CfgNode; openCall: BracketEvent }>;
  /**
   * Conditions that read a tracked object's fields (`if (!range.start)`), where a path then
   * reached a release, an acquisition or the exit that would have been reported: the object may
   * keep its state in those fields, so the report was not made. A condition after which nothing
   * would have been reported is not listed.
   */
  stateInFields: CfgNode[];
  /** False when the path budget ran out: nothing may be reported then. */
  complete: boolean;
}

/** Per object: the node that opened it, or one of these. */
const CLOSED = -1;
const UNKNOWN = -2;

interface ObjectState {
  at: number;
  event: BracketEvent | null;
  /** A conditional open waiting for its test: decided on the next edge taken out of `branch`. */
  pending: PendingAcquisition | null;
  /** The conditional open that failed on this path, for a close that follows it. */
  failed: number | null;
  /** Conditions on this path that read the object's fields since it was last opened or closed. */
  unsure: readonly number[] | null;
  /** What the path last stored in the pair's {@link BracketPair.stateField}: zero, set, or not known. */
  field: 'zero' | 'set' | null;
}

/**
 * Whether the result a call at `node` stored in `key` is never read: no use of it is reachable
 * before it is overwritten. Not only a variable no statement reads (sweep S: `locked =
 * mmap_read_trylock(mm);` with its test deleted) but one overwritten first (sweep U:
 * `rc = mmap_read_lock_killable(mm);` with its test deleted, then `rc = -ENOENT;`).
 */
export function neverRead(fn: AnalyzedFunction, node: CfgNode, key: string): boolean {
  return usesAfter(fn.cfg, node.id, key).length === 0;
}

/**
 * Checks that `pair` balances on every feasible path of `fn`. Each problem is reported once per
 * pair of program points, however many paths show it.
 */
export function checkBalance(fn: AnalyzedFunction, index: BracketIndex): BalanceResult {
  const result: BalanceResult = { unclosed: [], unopened: [], reopened: [], untested: [], stateInFields: [], complete: true };
  if (!index.hasEvents) return result;
  const seen = new Set<string>();
  const once = (key: string): boolean => {
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  };
  /** The nodes that close `object`, for the route of a path that leaves it open. */
  const closersOf = (object: string): number[] => index.nodesWithEvents().filter((id) => index.eventsAt(fn.cfg.nodes[id]!).some((e) => e.kind === 'close' && e.object === object));
  type State = ReadonlyMap<string, ObjectState>;
  const closed: ObjectState = { at: CLOSED, event: null, pending: null, failed: null, unsure: null, field: null };
  const unknown: ObjectState = { at: UNKNOWN, event: null, pending: null, failed: null, unsure: null, field: null };
  const stateField = index.pair.stateField;
  /** The edge of `cond` on which `object`'s state field is zero, when `cond` tests just that field. */
  const fieldZeroEdge = (cond: Expr, object: string): 'true' | 'false' | null =>
    stateField ? zeroEdge(cond, (e) => e.k === 'field' && e.field === stateField.name && pathKey(e.base) === object) : null;
  const initial: State = new Map([...index.objects].map((o) => [o, closed]));
  /** Whether a report on `v` may be made; if not, the conditions that prevent it are listed. */
  const sure = (v: ObjectState): boolean => {
    for (const id of v.unsure ?? []) {
      const node = fn.cfg.nodes[id]!;
      if (!result.stateInFields.includes(node)) result.stateInFields.push(node);
    }
    return v.unsure === null;
  };
  const explored = explore<State>(fn.cfg, fn.facts, {
    initial,
    key: (s) =>
      [...s].map(([o, v]) => `${o}=${v.at}${v.pending ? `?${JSON.stringify(v.pending)}` : ''}${v.failed !== null ? `!${v.failed}` : ''}${v.unsure ? `~${v.unsure.join(',')}` : ''}${v.field ? `:${v.field}` : ''}`).join(';'),
    step(s, node, trace) {
      let next: Map<string, ObjectState> | null = null;
      const set = (o: string, v: ObjectState): void => {
        (next ??= new Map(s)).set(o, v);
      };
      // Decide pending conditional opens on the edge just taken, or on a branch testing the stored result.
      const taken = edgeInto(fn.cfg, trace, node);
      // A test of the state field against what the path stored in it goes one way only.
      if (stateField && taken?.from.expr && (taken.kind === 'true' || taken.kind === 'false')) {
        for (const [o, v] of s) {
          const zero = v.field === null ? null : fieldZeroEdge(taken.from.expr, o);
          if (zero !== null && (v.field === 'zero') !== (taken.kind === zero)) return null;
        }
      }
      for (const [o, v] of s) {
        if (!v.pending) continue;
        const settled = settlePending(v.pending, node, taken);
        if (settled === 'acquired') set(o, { ...v, pending: null });
        else if (settled === 'failed') set(o, { ...closed, failed: v.at, unsure: v.unsure, field: v.field });
        else if (settled === 'forgotten') set(o, unknown);
        else if (settled !== null) set(o, { ...v, pending: settled });
      }
      if (stateField) {
        for (const o of index.objects) {
          const v = (next ?? s).get(o) ?? closed;
          const field = storedField(node, o, stateField, index.pair, v.field);
          if (field !== v.field) set(o, { ...v, field });
        }
      }
      // A condition that reads the object itself (`if (!range.start)`) may encode its state in
      // its fields; widen does not model that, so what this path would report about the object
      // until it is next opened or closed is not reported (and the condition is named instead).
      // The pair's state field, when the path knows what it holds, is modelled (above).
      if ((node.kind === 'branch' || node.kind === 'loop') && node.expr) {
        for (const o of readObjects(node.expr, index.objects)) {
          const v = (next ?? s).get(o) ?? closed;
          if (v.unsure?.includes(node.id) || (v.field !== null && fieldZeroEdge(node.expr, o) !== null)) continue;
          set(o, { ...v, unsure: [...(v.unsure ?? []), node.id].sort((a, b) => a - b) });
        }
      }
      const events = index.eventsAt(node);
      for (const e of events) {
        const cur = (next ?? s).get(e.object) ?? closed;
        if (e.kind === 'unknown') {
          set(e.object, { ...unknown, field: cur.field });
        } else if (e.kind === 'open') {
          if (cur.at >= 0 && !cur.pending && sure(cur) && once(`re|${cur.at}|${node.id}`)) {
            const nodes = trace.nodes();
            const back = roundAgain(fn, nodes, nodes.lastIndexOf(cur.at, nodes.length - 2), -1)?.jump ?? null;
            result.reopened.push({ object: e.object, first: fn.cfg.nodes[cur.at]!, second: node, secondCall: e, back });
          }
          const a = e.acquisition;
          // A result stored and never read is as untested as one thrown away (sweep S: `ret =
          // mmu_notifier_invalidate_range_start_nonblock(&range);` with its test deleted).
          if (a.k === 'untested' || (a.k === 'stored' && neverRead(fn, node, a.key))) {
            if (once(`untested|${node.id}`)) result.untested.push({ object: e.object, open: node, openCall: e });
            set(e.object, { ...unknown, field: cur.field });
          } else {
            set(e.object, { at: node.id, event: e, pending: pendingOf(node, a), failed: null, unsure: null, field: cur.field });
          }
        } else {
          if (cur.at === CLOSED && sure(cur) && once(`un|${node.id}`)) {
            result.unopened.push({ object: e.object, close: node, closeCall: e, cause: unopenedCause(fn, index, e.object, cur, trace) });
          }
          set(e.object, { ...closed, field: cur.field });
        }
      }
      return next ?? s;
    },
    exit(s, trace) {
      for (const [object, v] of s) {
        if (v.at < 0 || !v.event || v.pending || !sure(v)) continue;
        const exit = exitPoint(fn, trace);
        if (once(`exit|${v.at}|${exit.id}`)) result.unclosed.push({ object, open: fn.cfg.nodes[v.at]!, openCall: v.event, exit, route: exitRoute(fn, trace, v.at, [], closersOf(object)) });
      }
    },
  });
  result.complete = explored.complete;
  return result;
}

/**
 * How the path in `trace` came back to the node it ends on, which it passed before: the loop
 * head or the backward `goto` in between (null when the trace does not pass its last node twice).
 */
export function cameBack(fn: AnalyzedFunction, trace: Trace): CfgNode | null {
  const nodes = trace.nodes();
  const before = nodes.lastIndexOf(nodes[nodes.length - 1]!, nodes.length - 2);
  return before < 0 ? null : wayBack(fn, nodes, before);
}

/** The loop head or `goto` by which the path `nodes` came back after position `from`. */
function wayBack(fn: AnalyzedFunction, nodes: readonly number[], from: number): CfgNode | null {
  let jump: CfgNode | null = null;
  for (let i = from; i < nodes.length - 1; i++) {
    const node = fn.cfg.nodes[nodes[i]!]!;
    const next = fn.cfg.nodes[nodes[i + 1]!]!;
    const edge = node.succ.find((e) => e.to === next.id);
    if (edge && (edge.back || edge.kind === 'back')) return next;
    // A `goto retry`: a jump to a label earlier in the function.
    if (node.kind === 'goto' && next.start < node.start) jump ??= node;
  }
  return jump;
}

/** Why `object` is not held at the release the trace ends on (see {@link UnopenedCause}). */
function unopenedCause(fn: AnalyzedFunction, index: BracketIndex, object: string, state: ObjectState, trace: Trace): UnopenedCause {
  if (state.failed !== null) return { k: 'failed', at: fn.cfg.nodes[state.failed]! };
  const nodes = trace.nodes();
  for (let i = nodes.length - 2; i >= 0; i--) {
    const node = fn.cfg.nodes[nodes[i]!]!;
    if (index.eventsAt(node).some((e) => e.object === object && e.kind === 'close')) return { k: 'closed', at: node, again: node.id === nodes[nodes.length - 1] ? wayBack(fn, nodes, i) : null };
  }
  const opensElsewhere = fn.cfg.nodes.some((n) => index.eventsAt(n).some((e) => e.object === object && e.kind === 'open'));
  return { k: 'never', elsewhere: opensElsewhere, via: opensElsewhere ? jumpBefore(fn, trace) : null };
}
