/**
 * Balance rules as data: a resource from the table, the message ids for each way it can fail to
 * balance, and the words that name it. The walk is shared (ctx.facts.balance), and so is the way
 * a finding shows its path: the acquisition, the branch that takes the path out, and the jump it
 * leaves through.
 */
import { displayKey } from '../analysis/ast.js';
import type { BracketEvent, ExitRoute, UnopenedCause } from '../analysis/brackets.js';
import type { CfgNode } from '../analysis/cfg.js';
import type { AnalyzedFunction } from '../analysis/file.js';
import type { RelatedSpan, RuleContext, Span } from './define-rule.js';
import { MMAP_READ_LOCK, MMAP_WRITE_LOCK, RESOURCES, resourceCalls, type Resource } from './resources.js';

export interface BalanceMessages<M extends string> {
  /** Acquired, and a path leaves the function without the release. */
  unclosed: M;
  /** A release on a path where the resource is not held. */
  unopened: M;
  /** Acquired again while held. */
  reopened: M;
  /** A conditional acquisition whose result is never tested. */
  untested?: M;
}

/**
 * The check of a balance rule. Placeholders its messages may use: `object` (the gather, range
 * or VMA bracket's object), `open` (the acquiring call, or the helper that acquires for its
 * caller), `close` (the resource's first release call), `noun`; an `unclosed` message also
 * `skipped` (other pairs the way out skips) and `leaving` (where the release belongs: "before
 * leaving", or "before the `continue`" that took the path round it); an `unopened` message also
 * `cause` (what the function did on the path shown, to follow "this function") and `remedy`
 * (the end of a fix: how to keep the release to the paths that hold the resource). An
 * `unclosed` message's explanation ends with `helper`: what a helper that acquired for this
 * function left to it, or nothing.
 */
export function balanceCheck<M extends string>(resource: Resource, ids: BalanceMessages<M>) {
  const close = `${resource.closes[0]!.name}()`;
  return (fn: AnalyzedFunction, ctx: RuleContext<M>): void => {
    const result = ctx.facts.balance(resource);
    if (!result.complete) {
      ctx.incomplete(`the balance of ${resource.opens[0]!.name}()/${close}`);
      return;
    }
    const base = (object: string): Record<string, string> => ({ object: displayKey(object), close, noun: resource.noun });
    for (const node of result.stateInFields) {
      ctx.unjudged(fn.line(node.start), `this condition reads the ${resource.noun}'s own fields, which widen does not follow, so it made no judgement on whether \`${close}\` balances after it`);
    }
    for (const u of result.unclosed) {
      const object = displayKey(u.object);
      ctx.report({
        messageId: ids.unclosed,
        data: { ...base(u.object), open: opener(u.openCall), skipped: skippedPairs(fn, u.route, resource), leaving: leaving(u.route), helper: helperOpens(u.openCall, resource, object, close) },
        at: u.open,
        until: u.route.leave,
        related: routeLabels(fn, u.route, stillHeld(resource, object), close),
      });
    }
    for (const u of result.unopened) {
      const open = `${resource.opens[0]!.name}()`;
      const why = unopened(u.cause, u.close, displayKey(u.object), open, `${u.closeCall.call.name}()`, resource.noun);
      // A helper of the file that releases for its caller is named as the release (sweep AJ: a
      // call of `change_protection_range()` was called "this `tlb_end_vma()`").
      const via = u.closeCall.via;
      const data = {
        ...base(u.object),
        open,
        ...why.data,
        closer: `${u.closeCall.call.name}()`,
        thisClose: via ? `the \`${close}\` in \`${via}()\`` : `this \`${close}\``,
        helper: via ? ` Here \`${via}()\` calls \`${close}\` for its caller; if it should not, the fix belongs there.` : '',
      };
      ctx.report({ messageId: ids.unopened, data, at: u.close, related: why.related });
    }
    // One finding per second acquisition, whatever the first was (sweep AG: an extra start in a
    // loop was reported once after the start above the loop and once after itself, the pass
    // before). A way back that an `unclosed` finding already shows going round the release is
    // that finding's leak again, not news (sweep AG: `tlb` declared in the loop body, gathered
    // again after the `continue` that skipped `tlb_finish_mmu()`).
    const again = new Map<string, typeof result.reopened>();
    for (const r of result.reopened) {
      if (r.back && result.unclosed.some((u) => u.object === r.object && u.route.around?.jump === r.back)) continue;
      const key = `${r.object}|${r.second.id}`;
      again.set(key, [...(again.get(key) ?? []), r]);
    }
    for (const group of again.values()) {
      const r = group[0]!;
      const related: RelatedSpan[] = [];
      const seen = new Set<CfgNode>();
      for (const g of group) {
        // Round a loop, the way back is what kept it open (the first time is this very line).
        if (g.first !== g.second && !seen.has(g.first)) related.push({ at: g.first, message: `first ${resource.verb} here` });
        if (g.back && !seen.has(g.back)) related.push({ at: g.back, message: roundLabel(g.back, close), order: 'back' });
        seen.add(g.first);
        if (g.back) seen.add(g.back);
      }
      ctx.report({ messageId: ids.reopened, data: { ...base(r.object), open: opener(r.secondCall) }, at: r.second, related });
    }
    if (ids.untested) {
      for (const u of result.untested) {
        ctx.report({ messageId: ids.untested, data: { ...base(u.object), open: opener(u.openCall) }, at: u.open });
      }
    }
  };
}

/**
 * What an `unopened` message says of its cause, as the data `cause` (what this function did on
 * the path shown, after "this function") and `remedy` (the end of the fix), and the line that
 * shows it. `open` is the acquiring call, `close` the release the path reached.
 */
function unopened(cause: UnopenedCause, at: CfgNode, object: string, open: string, close: string, noun: string): { data: { cause: string; remedy: string }; related: RelatedSpan[] } {
  switch (cause.k) {
    case 'failed':
      return {
        data: { cause: `tried to start \`${object}\` and the start failed`, remedy: `test the result of the start, and leave without \`${close}\` when it failed.` },
        related: [{ at: cause.at, message: `${cause.at === at ? 'this' : 'the'} start can fail and take this path` }],
      };
    case 'closed':
      if (cause.at === at) {
        return {
          data: { cause: `already called this \`${close}\` on \`${object}\` on an earlier pass of the loop`, remedy: `move \`${close}\` out of the loop, or call \`${open}\` on every pass.` },
          related: cause.again ? [{ at: cause.again, message: cameBackLabel(cause.again, `\`${close}\``), order: 'back' }] : [],
        };
      }
      return {
        data: { cause: `already called \`${close}\` on \`${object}\``, remedy: `drop one of the two \`${close}\` calls, or call \`${open}\` again in between.` },
        related: [{ at: cause.at, message: `\`${close}\` already ran here` }],
      };
    case 'never': {
      if (!cause.elsewhere) {
        return { data: { cause: `never calls \`${open}\` on \`${object}\` at all`, remedy: `call \`${open}\` first, or leave \`${close}\` to the function that started the ${noun}.` }, related: [] };
      }
      const data = { cause: `has not called \`${open}\` on \`${object}\``, remedy: `keep \`${close}\` to the paths that called \`${open}\`, or have the others leave before it.` };
      if (!cause.via) return { data, related: [] };
      const { node, edge } = cause.via;
      const message = node.kind === 'goto' ? `this jump reaches \`${close}\` without \`${open}\`` : edge ? `when this is ${edge}, the path skips \`${open}\`` : `this branch can go on without \`${open}\``;
      return { data, related: [{ at: node, message }] };
    }
  }
}

/** Closing halves of paired calls, by their opening halves' words (`inc_`/`dec_`, `_get`/`_put`, ...). */
const PAIRED_WORDS: ReadonlyArray<[RegExp, string]> = [
  [/\bdec(?=_)|(?<=_)dec\b/, 'inc'],
  [/\bput(?=_)|(?<=_)put\b/, 'get'],
  [/\bunlock(?=_)|(?<=_)unlock\b/, 'lock'],
  [/\bend(?=_)|(?<=_)end\b/, 'start'],
  [/\bdisable(?=_)|(?<=_)disable\b/, 'enable'],
  [/\brelease(?=_)|(?<=_)release\b/, 'acquire'],
];

/** The paired resources of the catalog, whose closing calls an early exit may skip besides its own. */
const KNOWN_PAIRS: readonly Resource[] = [...RESOURCES, MMAP_READ_LOCK, MMAP_WRITE_LOCK];

/**
 * ` The path shown also skips ...`: the closing halves of paired calls that the way out jumps
 * over (from its `goto` to the label it goes to, or to the end), whose opening halves the
 * function made before the branch that takes it (sweep G: clear_refs_write()'s early `goto out_unlock`
 * skips `dec_tlb_flush_pending()` as well as the notifier's end, and following the help alone
 * leaves `mm_tlb_flush_pending()` true for good). Empty when there are none.
 */
function skippedPairs(fn: AnalyzedFunction, route: ExitRoute, resource: Resource): string {
  const from = route.branch?.node ?? route.leave;
  // The code the way out jumps over: up to the label a `goto` goes to, or to the end.
  const target = route.leave.kind === 'goto' ? fn.cfg.nodes[route.leave.succ.find((e) => e.kind === 'goto')?.to ?? -1] : undefined;
  const until = target && target.start > from.start ? target.start : Infinity;
  const own = new Set(resourceCalls(resource));
  const calls = (pick: (n: CfgNode) => boolean): Set<string> => {
    const out = new Set<string>();
    for (const n of fn.cfg.nodes) if (pick(n)) for (const e of n.events) if (e.k === 'call' && e.name !== null && !own.has(e.name)) out.add(e.name);
    return out;
  };
  const before = calls((n) => n.start < from.start);
  const between = calls((n) => n.start > route.leave.start && n.start < until);
  const pairs: string[] = [];
  for (const name of between) {
    // The resources widen knows pair by their tables (`tlb_finish_mmu()` with
    // `tlb_gather_mmu()`, `tlb_end_vma()` with `tlb_start_vma()`: sweep M, one early return
    // that skipped all three of a zap's ends), other calls by their words.
    const known = KNOWN_PAIRS.find((r) => r !== resource && r.closes.some((c) => c.name === name));
    const partner = known ? known.opens.map((o) => o.name).find((o) => before.has(o)) : PAIRED_WORDS.map(([word, opening]) => (word.test(name) ? name.replace(word, opening) : null)).find((p) => p && p !== name && before.has(p));
    if (partner) pairs.push(`\`${name}()\` (which pairs with \`${partner}()\`)`);
  }
  if (pairs.length === 0) return '';
  return ` The path shown also skips ${pairs.join(' and ')}: undo that on this path too, or move the early exit below them.`;
}

/** The label of the loop head or backward `goto` by which a path runs `release` a second time. */
export function cameBackLabel(back: CfgNode, release: string): string {
  return back.kind === 'goto' ? `this jump goes back, and ${release} runs again` : `the loop comes back here, and ${release} runs again`;
}

/** The label of a `continue` or backward `goto` that took the path round again without `release` (quoted as code). */
function roundLabel(jump: CfgNode, release: string): string {
  return `${jump.kind === 'continue' ? 'this `continue` goes round again' : 'this jump goes back'} without \`${release}\``;
}

/** Where the release belongs on the path shown: before the `continue` that went round it, or before leaving. */
function leaving(route: ExitRoute): string {
  const jump = route.around?.jump;
  return !jump ? 'before leaving' : jump.kind === 'continue' ? 'before the `continue`' : 'before the jump back';
}

/**
 * ` Here \`helper()\` ...`: when a helper of the file acquired for its caller, that the helper
 * returns with the resource held, and that the fix may belong in it (sweep AG: `tlb_end_vma()`
 * deleted from `unmap_page_range()` is also reported in its caller `unmap_single_vma()`, whose
 * finding named a `tlb_start_vma()` the caller does not have). Empty otherwise.
 */
function helperOpens(e: BracketEvent, resource: Resource, object: string, close: string): string {
  if (e.via === null) return '';
  return ` Here \`${e.via}()\` returns with ${stillHeld(resource, object)}, so this function must call \`${close}\`; if \`${e.via}()\` should have called it itself, the fix belongs there.`;
}

/** `` `range` still started ``; a VMA bracket is keyed by its gather, so what is still open is the bracket, not `tlb`. */
function stillHeld(resource: Resource, object: string): string {
  return resource.id === 'tlb-vma' ? `the VMA bracket on \`${object}\` still open` : `\`${object}\` still ${resource.verb}`;
}

/** `tlb_gather_mmu()`, or `helper()` when a same-file helper acquires for its caller. */
function opener(e: BracketEvent): string {
  return `${e.via ?? e.call.name}()`;
}

/**
 * Calls as one code span's text that reads as alternatives once quoted: `a()` or `b()` (the
 * quoting adds the outer backticks). Duplicates go.
 */
export function orCode(calls: readonly string[]): string {
  return [...new Set(calls)].join('` or `');
}

/**
 * Labels for the way out: the branch that took the path there and the `goto`, `return` or
 * closing brace it left through, so the excerpt shows the whole route and not just the brace.
 * `goes` is what the path does after the branch: it `leaves` the function, `jumps back` (a
 * `goto retry` that looks the object up again without releasing it) or `goes on` (a `goto` ahead
 * to code that overwrites it). `release` is quoted as code; alternatives come joined by
 * {@link orCode}.
 */
export function routeLabels(fn: AnalyzedFunction, route: ExitRoute, held: string, release: string, goes: 'leaves' | 'jumps back' | 'goes on' = 'leaves'): Array<{ at: Span; message: string }> {
  const out: Array<{ at: Span; message: string }> = [];
  // An early `continue` (or a jump back) took the path round the release before it left.
  if (route.around) {
    const { jump, branch } = route.around;
    if (branch && branch.node !== route.branch?.node) out.push({ at: branch.node, message: `when this is ${branch.edge}, the path skips \`${release}\`` });
    out.push({ at: jump, message: roundLabel(jump, release) });
  }
  if (route.branch && !(route.branch.node.start === route.leave.start)) {
    out.push({ at: route.branch.node, message: `when this is ${route.branch.edge}, the path ${goes} without \`${release}\`` });
  }
  out.push({ at: route.leave, message: leaveLabel(fn, route.leave, held) });
  return out;
}

/** Whether `jump` (a `goto`) goes to a label above it: its edge leads back in the source. */
export function jumpsBack(fn: AnalyzedFunction, jump: CfgNode): boolean {
  return jump.succ.some((e) => e.kind === 'goto' && fn.cfg.nodes[e.to]!.start < jump.start);
}

function leaveLabel(fn: AnalyzedFunction, leave: CfgNode, held: string): string {
  if (leave.kind === 'goto') return `jumps to \`${leave.label}\` with ${held}`;
  if (leave.kind === 'return') return `returns with ${held}`;
  return `falls off the end of \`${fn.name}()\` with ${held}`;
}
