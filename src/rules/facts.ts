/**
 * Facts about one function that several rules ask for: the bracket events of a resource and its
 * balance along every path. Each is computed on first request and shared by every rule that runs
 * on the function, so two rules about the gather walk its paths once.
 */
import { BracketIndex, checkBalance, type BalanceResult, type BracketSummaries } from '../analysis/brackets.js';
import type { Expr } from '../analysis/ast.js';
import type { CfgNode } from '../analysis/cfg.js';
import type { AnalyzedFile, AnalyzedFunction } from '../analysis/file.js';
import type { FunctionSpan } from '../analysis/functions.js';
import { sameFile, type Definition } from '../analysis/program.js';
import type { Resource } from './resources.js';

export class FunctionFacts {
  private readonly indexes = new Map<string, BracketIndex>();
  private readonly balances = new Map<string, BalanceResult>();

  constructor(
    readonly fn: AnalyzedFunction,
    readonly summaries: BracketSummaries,
  ) {}

  /** The events of `resource` in the function, on the objects it owns. */
  brackets(resource: Resource): BracketIndex {
    let index = this.indexes.get(resource.id);
    if (!index) {
      index = new BracketIndex(this.fn, resource, this.summaries);
      this.indexes.set(resource.id, index);
    }
    return index;
  }

  /** Whether `resource` balances on every feasible path, and where it does not. */
  balance(resource: Resource): BalanceResult {
    let result = this.balances.get(resource.id);
    if (!result) {
      result = checkBalance(this.fn, this.brackets(resource));
      this.balances.set(resource.id, result);
    }
    return result;
  }
}

/** A call of a named function at a CFG node. */
export interface CallAt {
  call: Expr & { k: 'call' };
  name: string;
  node: CfgNode;
}

/**
 * The calls of `fn` that `classify` turns into events (null: not of interest), grouped by CFG
 * node in evaluation order: the index a rule's path walk over kernel calls reads at each step.
 */
export function callEvents<T>(fn: AnalyzedFunction, classify: (c: CallAt) => T | null): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const node of fn.cfg.nodes) {
    for (const ev of node.events) {
      if (ev.k !== 'call' || ev.name === null) continue;
      const e = classify({ call: ev.call, name: ev.name, node });
      if (e === null) continue;
      const list = out.get(node.id) ?? [];
      list.push(e);
      out.set(node.id, list);
    }
  }
  return out;
}

/** Whether any event of `events` satisfies `test`. */
export function anyEvent<T>(events: ReadonlyMap<number, readonly T[]>, test: (e: T) => boolean): boolean {
  for (const list of events.values()) if (list.some(test)) return true;
  return false;
}

/**
 * Whether `span` calls a function of its file that `matches`, or, `depth` levels down at most, a
 * function of the file that calls one through functions `through` accepts (`depth` 1: a direct
 * callee only). Each definition is looked at once, and the function itself never.
 */
export function callsHelperThat(
  file: AnalyzedFile,
  span: FunctionSpan,
  depth: number,
  matches: (d: FunctionSpan) => boolean,
  through: (d: FunctionSpan) => boolean = () => true,
  seen = new Set<FunctionSpan>([span]),
): boolean {
  for (const callee of file.calleesOf(span)) {
    for (const d of file.definitionsOf(callee)) {
      if (seen.has(d)) continue;
      seen.add(d);
      if (matches(d) || (depth > 1 && through(d) && callsHelperThat(file, d, depth - 1, matches, through, seen))) return true;
    }
  }
  return false;
}

/**
 * The one definition of `name` a call from `fn` reaches, other than `fn` itself, as the summaries
 * resolve it: a helper of its own file, else one in another file of the scan or the tree (a
 * static inline of mm/internal.h or include/linux/mm.h, a function of another C file beside it;
 * sweep Z moved helpers there). With `summaries` null, a helper of its own file only. Null when
 * there is none or more than one (under `#ifdef`s), and, with `words`, when its tokens name none
 * of them: most helpers are not read, and another file that names none of `words` is not even
 * opened.
 */
export function helperDefinition(fn: Pick<AnalyzedFunction, 'file' | 'span'>, name: string, summaries: BracketSummaries | null, words?: ReadonlySet<string>): Definition | null {
  const defs = summaries ? summaries.definitions(name, fn.file, words && wordList(words)) : sameFile.definitions(name, fn.file);
  const def = defs.length === 1 ? defs[0]! : null;
  if (!def || def.span === fn.span) return null;
  return words === undefined || def.file.mentions(def.span, words) ? def : null;
}

/** Each word set as one array, the same array every time (the resolver remembers answers per array). */
function wordList(words: ReadonlySet<string>): readonly string[] {
  let list = wordLists.get(words);
  if (!list) wordLists.set(words, (list = [...words]));
  return list;
}

const wordLists = new WeakMap<ReadonlySet<string>, readonly string[]>();

/** {@link helperDefinition} in `fn`'s own file only: the span of the same-file helper. */
export function fileHelper(fn: Pick<AnalyzedFunction, 'file' | 'span'>, name: string, words?: ReadonlySet<string>): FunctionSpan | null {
  return helperDefinition(fn, name, null, words)?.span ?? null;
}
