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
import { callsOneOf, defineRule } from './define-rule.js';
import { callEvents } from './facts.js';
import { API_VERSIONS } from './resources.js';
import { liveIn } from './api-level.js';

const API = new Map<string, (typeof API_VERSIONS.apis)[number]>(API_VERSIONS.apis.flatMap((a) => a.names.map((n) => [n, a] as const)));

export default defineRule({
  id: 'api-version-gate',
  meta: {
    summary: 'a call to an mm API the target tree does not define (vm_flags helpers, per-VMA locks, removed calls)',
    severity: 'error',
    confidence: 'medium',
    resources: [],
    // The baseline too: its header must be among the files a scan indexes, or no tree is in sight.
    calls: [...API.keys(), API_VERSIONS.baseline],
    // ... but a function is judged only when it calls one of the APIs.
    needs: callsOneOf(API.keys()),
  },
  messages: {
    absent: {
      headline: '`{{call}}` does not exist in this tree',
      explanation:
        "`{{call}}` is one of {{what}}, and the tree this code is checked against defines no such function although widen can read its headers (it finds `{{probe}}()` there). The patch was written for another kernel version and does not build here.{{history}}",
      fix: 'Write the code for this tree: {{instead}}.',
    },
  },
  check(fn, ctx) {
    const calls = callEvents(fn, (c) => (API.has(c.name) ? c : null));
    if (calls.size === 0) return;
    const defined = (name: string): boolean => ctx.summaries.definitions(name, fn.file).length > 0;
    if (!defined(API_VERSIONS.baseline)) return;
    const text = fn.file.source.text;
    const live = liveIn(fn.file);
    // One report per API family and function: the first call, with the family's other calls as related lines.
    const absent = new Map<(typeof API_VERSIONS.apis)[number], Array<{ name: string; call: { start: number; end: number } }>>();
    for (const list of calls.values()) {
      for (const c of list) {
        if (defined(c.name) || definesMacro(text, c.name) || !live(c.call.start)) continue;
        const probe = API_VERSIONS.probes[c.name];
        if (probe !== undefined && !defined(probe)) continue;
        const api = API.get(c.name)!;
        absent.set(api, [...(absent.get(api) ?? []), { name: c.name, call: c.call }]);
      }
    }
    for (const [api, found] of absent) {
      const [first, ...rest] = found.sort((a, b) => a.call.start - b.call.start);
      ctx.report({
        messageId: 'absent',
        data: { call: `${first!.name}()`, what: api.what, instead: api.instead, probe: API_VERSIONS.baseline, history: 'history' in api ? api.history : '' },
        at: first!.call,
        related: rest.map((r) => ({ at: r.call, message: `\`${r.name}()\` is missing from this tree too` })),
      });
    }
  },
});

function definesMacro(text: string, name: string): boolean {
  return new RegExp(`^[ \\t]*#[ \\t]*define[ \\t]+${name.replace(/\W/g, '\\$&')}\\b`, 'm').test(text);
}
