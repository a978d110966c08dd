/**
 * A call to a kernel API the target tree does not have: a patch written for a newer tree
 * applied to an older one (a stable backport), or the other way round. Both fail to build at
 * best; at worst an arch-local function of the same name does something else.
 *
 * The tree is read, never assumed: the API is judged absent only when the definitions widen can
 * see (the scan's files, or the tree of a review) include the baseline of the table
 * (`mmap_read_lock()`, include/linux/mmap_lock.h) and no definition of the API. Without the
 * tree's headers in sight, the rule says nothing. A file that defines the name itself (a
 * function or a macro, an arch-local helper) is not judged, nor is a call under a `#ifdef` on a
 * macro that may be defined nowhere (6.1's habanalabs calls `vm_flags_set()` under
 * `#ifdef _HAS_DMA_MMAP_COHERENT`).
 */
import type { AnalyzedFunction } from '../analysis/file.js';
import type { Definition } from '../analysis/program.js';
import { callsOneOf, defineRule, type RuleContext } from './define-rule.js';
import { callEvents } from './facts.js';
import { API_VERSIONS } from './resources.js';
import { definesMacro, liveIn, withoutComments } from './api-level.js';

const API = new Map<string, (typeof API_VERSIONS.apis)[number]>(API_VERSIONS.apis.flatMap((a) => a.names.map((n) => [n, a] as const)));
const SYMBOLS = new Map(API_VERSIONS.symbols.map((x) => [x.name, x]));
const SIGNATURES = new Map(API_VERSIONS.signatures.map((x) => [x.name, x]));

const namesSymbol = callsOneOf([...SYMBOLS.keys(), ...SIGNATURES.keys()]);

export default defineRule({
  id: 'api-version-gate',
  meta: {
    summary: 'a call to an mm API the target tree does not define (vm_flags helpers, per-VMA locks, removed calls)',
    severity: 'error',
    confidence: 'medium',
    resources: [],
    // The baseline too: its header must be among the files a scan indexes, or no tree is in sight.
    calls: [...API.keys(), ...SYMBOLS.keys(), ...SIGNATURES.keys(), API_VERSIONS.baseline],
    // ... but a function is judged only when it names one of their symbols or signatures, or
    // calls an API that nothing in sight defines (in a scan of a whole tree, none: 91 drivers of
    // 6.12 call `vm_flags_set()` in their mmap handlers, and were parsed for nothing).
    needs: (file, span, summaries) => namesSymbol(file, span, summaries) || [...file.identifiersOf(span)].some((id) => API.has(id) && summaries.definitions(id, file).length === 0),
    deletionsExplain: false,
  },
  messages: {
    absent: {
      headline: '`{{call}}` does not exist in this tree',
      explanation:
        "`{{call}}` is one of {{what}}, and the tree this code is checked against {{lacks}} although widen can read its headers (it finds `{{probe}}` there). The patch was written for another kernel version and does not build here.{{history}}",
      fix: 'Write the code for this tree: {{instead}}.',
    },
    signature: {
      headline: '`{{call}}` is called with {{given}} arguments; this tree\'s takes {{takes}}',
      explanation:
        "`{{call}}` changed its parameters between kernel versions: {{forms}}. The tree this code is checked against defines it with {{takes}} parameters, {{here}}, so the call was written for another kernel version and does not build here.",
      fix: 'Call it with the {{takes}} arguments this tree declares: {{expected}}.',
    },
  },
  check(fn, ctx) {
    checkSignatures(fn, ctx);
    const calls = callEvents(fn, (c) => (API.has(c.name) ? c : null));
    const used = [...SYMBOLS.keys()].filter((name) => fn.file.identifiersOf(fn.span).has(name));
    if (calls.size === 0 && used.length === 0) return;
    const defined = (name: string): boolean => ctx.summaries.definitions(name, fn.file).length > 0;
    /** The headers in sight name `probe`, which every tree has beside `name`, and not `name`. */
    const headersLack = (name: string, probe: string): boolean => ctx.summaries.headersMention(probe, fn.file) === true && ctx.summaries.headersMention(name, fn.file) === false;
    if (!defined(API_VERSIONS.baseline)) return;
    const live = liveIn(fn.file);
    // One report per API family and function: the first use, with the family's other uses as related lines.
    type Use = { name: string; call: { start: number; end: number }; symbol: boolean };
    const absent = new Map<(typeof API_VERSIONS.apis)[number], Use[]>();
    const add = (api: (typeof API_VERSIONS.apis)[number], use: Use): void => void absent.set(api, [...(absent.get(api) ?? []), use]);
    for (const list of calls.values()) {
      for (const c of list) {
        if (defined(c.name) || definesMacro(fn.file, c.name) || !live(c.call.start)) continue;
        // A probe defined nowhere in sight: judged by the headers instead, which declare both
        // (6.1 include/linux/mm.h declares `zap_page_range()` beside `zap_page_range_single()`,
        // 6.12 only the latter), so a review outside mm/, which reads mm/'s API headers but
        // not its C files, still sees the API missing (sweep M: a vdso.c backport).
        const probe = API_VERSIONS.probes[c.name];
        if (probe !== undefined && !defined(probe) && !headersLack(c.name, probe)) continue;
        add(API.get(c.name)!, { name: c.name, call: c.call, symbol: false });
      }
    }
    // Macros and enum values: absent when a header in sight names the probe and not them.
    for (const name of used) {
      const sym = SYMBOLS.get(name)!;
      if (definesMacro(fn.file, name) || !headersLack(name, sym.probe)) continue;
      const code = withoutComments(fn.file);
      const at = firstUse(code.text, fn.span, name, code.live);
      if (at !== null) add(API.get(sym.api)!, { name, call: { start: at, end: at + name.length }, symbol: true });
    }
    const shown = (u: Use): string => (u.symbol ? (/^[A-Z0-9_]+$/.test(u.name) ? u.name : `${u.name}()`) : `${u.name}()`);
    for (const [api, found] of absent) {
      found.sort((a, b) => a.call.start - b.call.start);
      // The headline leads with a function when there is one: that is what a reader looks up.
      const first = found.find((u) => !u.symbol) ?? found[0]!;
      const rest = found.filter((u) => u !== first);
      ctx.report({
        messageId: 'absent',
        data: {
          call: shown(first),
          what: first.symbol ? `the names that come with ${api.what}` : api.what,
          lacks: first.symbol ? 'names it in none of the headers that would define it' : 'defines no such function',
          instead: api.instead,
          probe: first.symbol ? SYMBOLS.get(first.name)!.probe : `${API_VERSIONS.baseline}()`,
          history: 'history' in api ? api.history : '',
        },
        at: first.call,
        related: byLine(fn, rest).map((uses) => ({ at: uses[0]!.call, message: `${uses.map((u) => `\`${shown(u)}\``).join(' and ')} ${uses.length > 1 ? 'are' : 'is'} missing from this tree too` })),
      });
    }
  },
});

/**
 * Calls of {@link SIGNATURES} with another number of arguments than the tree's own definition
 * of the function has parameters (its definition in sight: the file's, or mm/memory.c for a
 * file of mm/ reviewed with its tree, or the scan's).
 */
function checkSignatures(fn: AnalyzedFunction, ctx: RuleContext<'absent' | 'signature'>): void {
  const calls = callEvents(fn, (c) => (SIGNATURES.has(c.name) ? c : null));
  for (const list of calls.values()) {
    for (const c of list) {
      const sig = SIGNATURES.get(c.name)!;
      const defs = ctx.summaries.definitions(c.name, fn.file);
      const takes = [...new Set(defs.map((d) => d.file.analyze(d.span)?.ast.params.length ?? -1))];
      if (takes.length !== 1 || takes[0]! < 0 || takes[0] === c.call.args.length) continue;
      const mine = sig.forms[c.call.args.length];
      const theirs = sig.forms[takes[0]!];
      if (!mine || !theirs) continue;
      const form = (f: { tree: string; params: string }): string => `${f.tree}: \`${f.params}\``;
      ctx.report({
        messageId: 'signature',
        data: { call: `${c.name}()`, given: String(c.call.args.length), takes: String(takes[0]), forms: `${form(mine)}; ${form(theirs)}`, here: `\`${theirs.params}\``, expected: prototype(defs[0]!) },
        at: c.call,
      });
    }
  }
}

/**
 * A definition's prototype as the help quotes it, with where it is: `` `void free_pgtables(struct
 * mmu_gather *tlb, ...)` (mm/memory.c) ``; a call with a type in it is neither (sweep AJ).
 */
function prototype(d: Definition): string {
  const head = d.file.source.text.slice(d.span.start, d.span.bodyStart).replace(/\s+/g, ' ').trim();
  return `\`${head.replace(/^(?:(?:static|inline|__always_inline|noinline)\s+)+/, '')}\` (${d.file.path})`;
}

/** Uses grouped by their line, in order: one label per line of the excerpt. */
function byLine<T extends { call: { start: number } }>(fn: { line(offset: number): number }, uses: readonly T[]): T[][] {
  const out: T[][] = [];
  for (const u of uses) {
    const last = out[out.length - 1];
    if (last && fn.line(last[0]!.call.start) === fn.line(u.call.start)) last.push(u);
    else out.push([u]);
  }
  return out;
}

/** The offset of the first live use of identifier `name` in the function's body, or null. */
function firstUse(text: string, span: { bodyStart: number; end: number }, name: string, live: (offset: number) => boolean): number | null {
  const re = new RegExp(`\\b${name}\\b`, 'g');
  re.lastIndex = span.bodyStart;
  for (let m = re.exec(text); m && m.index < span.end; m = re.exec(text)) if (live(m.index)) return m.index;
  return null;
}
