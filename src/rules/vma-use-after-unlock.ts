/**
 * A VMA is dereferenced only while the mmap lock that keeps it alive is held: after
 * `mmap_read_unlock()`, or after `handle_mm_fault()` returned `VM_FAULT_RETRY` or
 * `VM_FAULT_COMPLETED` (it dropped the lock itself), the VMA may already be freed
 * (6.12 mm/memory.c:6074 "If the fault handler drops the mmap_lock, vma may be freed", and
 * 6106-6110 "It is no longer safe to dereference vma-> after this point").
 *
 * Only what the function does itself is judged: VMAs are the function's `struct
 * vm_area_struct *` variables and parameters, a release is an unlock of an mm or the
 * documented release of the fault handler, and a VMA assigned again (after re-locking, from a
 * new lookup) is trusted again. Reading the pointer itself (`if (vma == prev)`, passing it on)
 * is not a dereference, except to the kernel helpers known to read the VMA they are handed
 * (`is_vm_hugetlb_page(vma)`, `vma_pages(vma)`: {@link VMA_DEREF_HELPERS}); values copied out
 * before the release are the fix, not a finding.
 */
import { displayKey, type Expr } from '../analysis/ast.js';
import type { CfgNode } from '../analysis/cfg.js';
import type { AnalyzedFunction } from '../analysis/file.js';
import type { FunctionSpan } from '../analysis/functions.js';
import { edgeInto, explore } from '../analysis/paths.js';
import { defineRule, unlessIn } from './define-rule.js';
import { helperDefinition } from './facts.js';
import { faultResults, faultTest, releasedOn, releasingFaults } from './fault-result.js';
import { flagHanded, lockEvents, lockFlags } from './mmap-lock.js';
import { FAULT_LOCK_RESULT_RELEASERS, MMAP_LOCK_RETAKERS, MMAP_LOCK_TRANSFERS, MMAP_READ_LOCK, MMAP_WRITE_LOCK, VMA_DEREF_HELPERS } from './resources.js';
import { acquisitionOf, zeroEdge, acquiredEdge, type BracketSummaries } from '../analysis/brackets.js';
import { pathKey } from '../analysis/ast.js';

/** Helpers whose NULL or false result says they released the mmap lock (`expand_stack()`, `userfaultfd_remove()`). */
const RELEASERS = MMAP_LOCK_TRANSFERS.filter((t) => t.effect === 'releases' && t.when === 'zero');

/**
 * Helpers that always release the lock a fault was handled under, the mmap read lock or the
 * VMA's own (include/linux/mm.h `release_fault_lock()`): a fault path that reads its VMA after
 * one (mm/filemap.c's readahead after dropping the lock for I/O, sweep F) reads a VMA nothing
 * keeps.
 */
const FAULT_LOCK_RELEASES: ReadonlySet<string> = new Set(['release_fault_lock']);

/**
 * Helpers that read the VMA they are handed, so handing it over is a dereference. `vma_end_read()`
 * is the per-VMA lock's business (`vma-read-lock-balance`), not the mmap lock's.
 */
const DEREF_HELPERS: ReadonlySet<string> = new Set(VMA_DEREF_HELPERS.filter((h) => h !== 'vma_end_read'));

/**
 * The arguments of a call that the callee dereferences: every one for the kernel helpers that
 * read the VMA they are handed, and for another helper those at the parameters its
 * body dereferences or hands to such a kernel helper (sweep S: x86's `vma->vm_flags &
 * VM_GROWSDOWN` moved into a static inline `x86_vma_grows_down(vma)`, binder's zap moved into a
 * helper taking the VMA).
 */
function readsHanded(fn: AnalyzedFunction, name: string, args: readonly Expr[], summaries: BracketSummaries): Array<string | null> {
  if (DEREF_HELPERS.has(name)) return args.map(pathKey);
  // Asked only for a call handed a VMA the path no longer holds the lock for: a helper is
  // parsed for that alone, not for every call of every function checked.
  const def = helperDefinition(fn, name, summaries);
  if (!def) return [];
  const span = def.span;
  let params = derefParamsMemo.get(span);
  if (!params) {
    const callee = def.file.analyze(span);
    const roots = new Set<string>();
    for (const n of callee?.cfg.nodes ?? []) {
      for (const e of n.flow) {
        if (e.k === 'use' && e.deref && e.root) roots.add(e.root.id);
        // Or hands it on to a kernel helper that reads it (`zap_page_range_single(vma, ...)`).
        if (e.k === 'call' && e.name !== null && DEREF_HELPERS.has(e.name)) for (const a of e.call.args) if (a.k === 'ident') roots.add(a.ref.id);
      }
    }
    params = new Set((callee?.ast.params ?? []).flatMap((p, i) => (p.pointer && roots.has(p.ref.id) ? [i] : [])));
    derefParamsMemo.set(span, params);
  }
  return args.map((a, i) => (params!.has(i) ? pathKey(a) : null));
}

const derefParamsMemo = new WeakMap<FunctionSpan, ReadonlySet<number>>();

/** Which release a finding with several leads with. */
const HOW_ORDER: readonly How[] = ['unlock', 'helper', 'fault', 'result', 'flag', 'retake', 'untested'];

/**
 * Per VMA variable: where the lock that protected it was released, on this path. `flag`: a call
 * handed the function's lock flag (`&locked`) may have dropped it, which the flag, still
 * untested (or tested as cleared), would tell. `retake`: a call that drops the lock and takes it
 * again says so by setting the flag it was handed (`fixup_user_fault(..., &unlocked)`), still
 * untested (or tested as set). `result`: a fault helper whose non-NULL result says it dropped
 * the fault's lock (`fpin = maybe_unlock_mmap_for_io(vmf, fpin)`), untested (or tested non-NULL).
 * `untested`: `handle_mm_fault()` may have released the lock, and its result (`flag`, the key it
 * is stored in) has not yet been tested for VM_FAULT_RETRY or VM_FAULT_COMPLETED (sweep K's
 * mips patch: `pr_debug(..., vma->vm_flags)` right after the call).
 */
type How = 'unlock' | 'fault' | 'helper' | 'untested' | FlagHow;
/** The releases a value tells of: a flag the call was handed, or the result it stored. */
type FlagHow = 'flag' | 'retake' | 'result';
/** A call that says through a value (`flag`, its key) whether it dropped the lock. */
type FlagCall = { how: FlagHow; name: string; flag: string; arg: Expr };

/**
 * Per kind of {@link FlagCall}: the value of the flag (zero or not) that says the lock was
 * never dropped, which a test that finds it ends the VMAs' staleness with; the finding's
 * message; and the label of the call.
 */
const FLAG_HOWS: Record<FlagHow, { kept: 'zero' | 'nonzero'; messageId: 'afterFlag' | 'afterRetake' | 'afterResult'; label: (flag: string) => string }> = {
  flag: { kept: 'nonzero', messageId: 'afterFlag', label: (flag) => `may release the lock (and clear \`${flag}\`)` },
  retake: { kept: 'zero', messageId: 'afterRetake', label: (flag) => `may drop and retake the lock (and set \`${flag}\`)` },
  result: { kept: 'zero', messageId: 'afterResult', label: (flag) => `may drop the lock (\`${flag}\` is then non-NULL)` },
};

const isFlagHow = (how: How): how is FlagHow => how in FLAG_HOWS;
/** `relock`: where the path took the lock again since, which does not make the old pointer valid. */
type Stale = { release: number; how: How; relock?: number; flag?: string };
type State = ReadonlyMap<string, Stale>;

export default defineRule({
  id: 'vma-use-after-unlock',
  meta: {
    summary: 'a VMA is not dereferenced after the mmap lock that keeps it alive was released',
    severity: 'error',
    confidence: 'medium',
    resources: [MMAP_READ_LOCK, MMAP_WRITE_LOCK],
    calls: ['handle_mm_fault', ...RELEASERS.map((t) => t.name), ...FAULT_LOCK_RELEASES, ...MMAP_LOCK_RETAKERS.map((r) => r.name), ...FAULT_LOCK_RESULT_RELEASERS],
  },
  messages: {
    afterUnlock: {
      headline: '`{{vma}}` is dereferenced after {{lock}} was released',
      explanation:
        '`{{vma}}` was found under {{lockLong}}, and `{{release}}` released that lock before this use. Once the lock is dropped the VMA can be unmapped, merged or split and freed by another thread at any moment, so `{{use}}` may read freed memory (6.12 mm/memory.c: "It is no longer safe to dereference vma-> after this point").{{relock}}{{paths}}',
      fix: 'Copy what you need out of `{{vma}}` before releasing the lock, or take the lock again and look the VMA up afresh, the way it was found (`vma_lookup()`, or `find_vma()` where the address may fall in a hole), before using it.',
    },
    afterHelper: {
      headline: '`{{vma}}` is dereferenced after `{{release}}` released the mmap lock',
      explanation:
        '`{{release}}` {{says}}, and on this path it did: the lock that kept `{{vma}}` alive was dropped, and the VMA may be unmapped and freed by another thread by the time `{{use}}` reads it (mm/madvise.c after `userfaultfd_remove()`: "mmap_lock has been dropped, prev is stale").{{relock}}{{paths}}',
      fix: 'Take the lock again and look the VMA up afresh (`vma_lookup()`) before using it{{model}}.',
    },
    afterFlag: {
      headline: '`{{vma}}` is dereferenced after `{{release}}` may have dropped the mmap lock',
      explanation:
        '`{{release}}` was handed `{{handed}}`: it may release the mmap lock, and clears `{{flag}}` when it does (the `int *locked` contract of mm/gup.c). On this path `{{flag}}` is not tested before `{{use}}`, so the lock that kept `{{vma}}` alive may be gone and the VMA freed by another thread.{{relock}}{{paths}}',
      fix: 'Use `{{vma}}` only where `{{flag}}` says the lock is still held (`if ({{flag}})`), or copy what you need out of it before the call.',
    },
    afterRetake: {
      headline: '`{{vma}}` is dereferenced after `{{release}}` may have dropped and retaken the mmap lock',
      brief: '`{{vma}}` is used after `{{release}}` may have dropped the mmap lock',
      explanation:
        '`{{release}}` was handed `{{handed}}`: it sets `{{flag}}` when it had to drop the mmap lock and take it again ("the caller must handle it (e.g. restart the walk)", mm/gup.c). On this path `{{flag}}` may be set when `{{use}}` reads `{{vma}}`, which was found before the call and may have been unmapped and freed while the lock was dropped.{{relock}}{{paths}}',
      fix: 'When `{{flag}}` is set, look `{{vma}}` up again before using it, or return and retry the walk{{retry}}.',
    },
    afterResult: {
      headline: '`{{vma}}` is dereferenced after `{{release}}` may have dropped the fault\'s lock',
      brief: '`{{vma}}` is used after `{{release}}` may have dropped the lock',
      explanation:
        '`{{release}}` drops the lock the fault holds (the mmap read lock or the VMA\'s) when the fault may be retried, and returns non-NULL once it is gone (mm/internal.h). `{{flag}}` is not tested before `{{use}}` on this path, so the lock that kept `{{vma}}` alive may be gone and the VMA freed by another thread.{{relock}}{{paths}}',
      fix: 'Read what you need from `{{vma}}` before the call (mm/filemap.c keeps `vm_flags` in a local for this reason), or use it only where `{{flag}}` is NULL.',
    },
    beforeTest: {
      headline: '`{{vma}}` is dereferenced before the result of `handle_mm_fault()` is tested',
      brief: '`{{vma}}` is used before `handle_mm_fault()`\'s result is tested',
      explanation:
        '`handle_mm_fault()` releases the mmap (or per-VMA) lock itself when it returns `VM_FAULT_RETRY` or `VM_FAULT_COMPLETED`, and the VMA may then be freed (6.12 mm/memory.c:6074: "If the fault handler drops the mmap_lock, vma may be freed"). `{{use}}` reads `{{vma}}` before anything tests `{{flag}}` for those two outcomes, so on them it may read freed memory.{{relock}}{{paths}}',
      fix: 'Read what you need from `{{vma}}` before calling `handle_mm_fault()` (the fault path samples `vm_flags` early for this reason), or only after a test of `{{flag}}` has ruled out `VM_FAULT_RETRY` and `VM_FAULT_COMPLETED`.',
    },
    afterFault: {
      headline: '`{{vma}}` is dereferenced after `handle_mm_fault()` may have dropped the lock',
      explanation:
        'On this path `handle_mm_fault()` returned `VM_FAULT_RETRY` or `VM_FAULT_COMPLETED`, which means it released the mmap (or per-VMA) lock itself; `{{vma}}` may be freed by the time `{{use}}` reads it (6.12 mm/memory.c:6074: "If the fault handler drops the mmap_lock, vma may be freed").{{relock}}{{paths}}',
      fix: 'Read what you need from `{{vma}}` before calling `handle_mm_fault()` (the fault path samples `vm_flags` early for this reason), or retake the lock and look the VMA up again.',
    },
  },
  check(fn, ctx) {
    const held = faultVmas(fn);
    const vmas = new Set([...vmaVariables(fn), ...held]);
    if (vmas.size === 0) return;
    const locks = lockEvents(fn, ctx.summaries);
    const faults = faultResults(fn);
    // The fault calls that may release the mmap lock, by node, with the key of their result.
    const untestedFaults = releasingFaults(fn, faults);
    const helperReleases = releasingBranches(fn);
    const flagCalls = flagSettingCalls(fn);
    const faultLockReleases = new Set(fn.cfg.nodes.filter((n) => n.events.some((e) => e.k === 'call' && e.name !== null && FAULT_LOCK_RELEASES.has(e.name))).map((n) => n.id));
    if (locks.size === 0 && faults.size === 0 && helperReleases.size === 0 && flagCalls.size === 0 && faultLockReleases.size === 0) return;

    const reported = new Set<string>();
    const byUse = new Map<string, { node: CfgNode; key: string; use: { start: number; end: number }; stale: Stale[] }>();
    const result = explore<State>(fn.cfg, fn.facts, {
      initial: new Map(),
      key: (s) => [...s].map(([v, r]) => `${v}@${r.release}${r.relock === undefined ? '' : `+${r.relock}`}`).join(';'),
      step(s, node, trace) {
        let next: Map<string, Stale> | null = null;
        const stale = (release: number, how: How, flag?: string): void => {
          next ??= new Map(s);
          for (const v of vmas) if (!next.has(v)) next.set(v, flag === undefined ? { release, how } : { release, how, flag });
        };
        // The branch just taken says the fault handler released the lock.
        const taken = edgeInto(fn.cfg, trace, node);
        if (taken && (taken.kind === 'true' || taken.kind === 'false')) {
          // A test of the flag that says the lock was never dropped (`if (locked)`, `if
          // (!unlocked)`, `if (!fpin)`): the VMA is kept on this edge.
          for (const [v, r] of next ?? s) {
            if (!isFlagHow(r.how) || !taken.from.expr) continue;
            const zeroOn = zeroEdge(taken.from.expr, (e) => pathKey(e) === r.flag);
            if (zeroOn !== null && (zeroOn === taken.kind ? 'zero' : 'nonzero') === FLAG_HOWS[r.how].kept) (next ??= new Map(s)).delete(v);
          }
          // A test of the fault's result for RETRY or COMPLETED (releasedOn() reads both forms)
          // settles what an untested fault may have done (the edge where it did is marked just
          // below); so does an error bit found set, which a RETRY or COMPLETED never comes with.
          for (const [v, r] of next ?? s) {
            if (r.how !== 'untested' || !taken.from.expr || r.flag === undefined) continue;
            const t = faultTest(taken.from.expr, r.flag);
            const settled = (t !== null && t.errorOnly && t.setOn === taken.kind) || releasedOn(taken.from, new Map([[r.flag, r.release]])) !== null;
            if (settled) (next ??= new Map(s)).delete(v);
          }
          const call = releasedOn(taken.from, faults);
          if (call && call.edge === taken.kind) stale(call.node, 'fault');
          for (const r of helperReleases.get(taken.from.id) ?? []) if (r.edge === taken.kind) stale(r.call, 'helper');
        }
        // Reads and writes in evaluation order: a use before a reassignment in the same node counts.
        for (const ev of node.flow) {
          const cur: State = next ?? s;
          // A dereference: `vma->vm_flags`, or the VMA handed to a helper that reads it.
          const key =
            ev.k === 'use' && ev.deref ? (held.find((h) => ev.key.startsWith(`${h}->`) || ev.key.startsWith(`${h}.`)) ?? ev.root.id)
            : ev.k === 'call' && ev.name !== null && ev.call.args.some((a) => cur.has(pathKey(a) ?? '')) ? readsHanded(fn, ev.name, ev.call.args, ctx.summaries).find((k) => k !== null && cur.has(k))
            : undefined;
          if (key !== undefined && key !== null) {
            const use = ev.k === 'call' ? ev.call : ev;
            const r = cur.get(key);
            // One use per VMA and release: the first use shows the problem, the rest repeat it.
            // Releases on different paths to the same use make one finding, that names each.
            if (r && !reported.has(`${r.release}|${key}`)) {
              reported.add(`${r.release}|${key}`);
              const group = `${node.id}|${key}`;
              const found = byUse.get(group);
              if (!found) byUse.set(group, { node, key, use, stale: [r] });
              else if (!found.stale.some((x) => x.release === r.release)) found.stale.push(r);
            }
          } else if (ev.k === 'def' && cur.has(ev.key)) {
            // Assigned, declared again, produced by an iterator, or handed by address to a
            // lookup that fills it in (`hugepage_vma_revalidate(mm, addr, true, &vma, cc)`):
            // whatever it points to now is not the VMA found before the release.
            (next ??= new Map(s)).delete(ev.key);
          }
        }
        const flagged = flagCalls.get(node.id);
        if (flagged) stale(node.id, flagged.how, flagged.flag);
        const untested = untestedFaults.get(node.id);
        if (untested !== undefined) stale(node.id, 'untested', untested);
        if (faultLockReleases.has(node.id)) stale(node.id, 'unlock');
        for (const e of locks.get(node.id) ?? []) {
          if (e.op === 'unlock') stale(node.id, 'unlock');
          if (e.op === 'lock') {
            for (const [v, r] of next ?? s) if (r.relock === undefined) (next ??= new Map(s)).set(v, { ...r, relock: node.id });
          }
          // Taking the write lock again, unconditionally, is what a teardown does once the mm
          // has no users left (`exit_mmap()`: "the mm is ours alone"): the VMAs it already
          // walked stay valid. A killable re-lock is a live process's (`remap_file_pages()`),
          // which must look the VMA up again.
          if (e.op === 'lock' && e.mode === 'write' && e.event.acquisition.k === 'always' && (next ?? s).size > 0) next = new Map();
        }
        return next ?? s;
      },
      exit() {},
    });
    if (!result.complete) ctx.incomplete('VMA uses after the mmap lock is released');
    for (const { node, key, use, stale } of byUse.values()) {
      stale.sort((a, b) => fn.cfg.nodes[a.release]!.start - fn.cfg.nodes[b.release]!.start);
      // The headline names the surest release: an unlock, then a helper's, then the fault's.
      const r = [...stale].sort((a, b) => HOW_ORDER.indexOf(a.how) - HOW_ORDER.indexOf(b.how))[0]!;
      const releaseNode = fn.cfg.nodes[r.release]!;
      const helper = r.how === 'helper' ? RELEASERS.find((t) => releaseNode.events.some((e) => e.k === 'call' && e.name === t.name)) : undefined;
      const flagCall = isFlagHow(r.how) ? flagCalls.get(r.release) : undefined;
      const relocks = [...new Set(stale.flatMap((x) => (x.relock === undefined ? [] : [x.relock])))];
      // `release_fault_lock()` drops the VMA's own read lock under FAULT_FLAG_VMA_LOCK, the
      // mmap lock otherwise (sweep AE: the headline said "the mmap lock" of both).
      const faultLock = r.how === 'unlock' && FAULT_LOCK_RELEASES.has(callName(releaseNode).replace(/\(\)$/, ''));
      ctx.report({
        messageId: isFlagHow(r.how) ? FLAG_HOWS[r.how].messageId : r.how === 'fault' ? 'afterFault' : r.how === 'untested' ? 'beforeTest' : r.how === 'helper' ? 'afterHelper' : 'afterUnlock',
        data: {
          vma: displayKey(key),
          lock: faultLock ? "the fault's lock" : 'the mmap lock',
          lockLong: faultLock ? "the fault's lock (the mmap lock, or the VMA's own read lock when the fault was handled under `FAULT_FLAG_VMA_LOCK`)" : 'the mmap lock',
          release: `${helper?.name ?? flagCall?.name ?? callName(releaseNode)}()`,
          flag: flagCall ? displayKey(flagCall.flag) : r.how === 'untested' && r.flag !== undefined ? displayKey(r.flag) : '',
          handed: flagCall ? fn.text(flagCall.arg) : '',
          use: fn.text(use),
          says: helper?.says ?? '',
          model: unlessIn(fn, 'madvise_dontneed_free', ', as `madvise_dontneed_free()` does'),
          retry: unlessIn(fn, 'hva_to_pfn_remapped', ", as KVM's `hva_to_pfn_remapped()` does with -EAGAIN"),
          relock: relocks.length === 0 ? '' : ` Taking the lock again does not help: \`${displayKey(key)}\` still points to the VMA found before the release, which may be gone, until it is looked up afresh.`,
          paths: stale.length === 1 ? '' : ` The use is reached after ${stale.length} different releases, each on its own path; all are marked.`,
        },
        at: node,
        // The release comes first on the path even where it is below the use in the source (a
        // loop coming back round): say so, and draw it in path order.
        related: [
          ...stale.map((x) => {
            const at = fn.cfg.nodes[x.release]!;
            return { at, message: `${x.how === 'unlock' ? 'the lock is released here' : x.how === 'helper' ? 'the lock is released here on this path (the result says so)' : isFlagHow(x.how) ? FLAG_HOWS[x.how].label(displayKey(x.flag ?? '')) : x.how === 'untested' ? `may release the lock; \`${displayKey(x.flag ?? '')}\` is not tested before the use` : 'may release the lock'}${at.start > node.start ? ', and the loop comes back to the use' : ''}`, order: 'before' as const };
          }),
          ...relocks.map((at) => ({ at: fn.cfg.nodes[at]!, message: `taken again here, with \`${displayKey(key)}\` not looked up again`, order: 'before' as const })),
        ],
      });
    }
  },
});

/**
 * The VMAs the function reaches through a fault it was handed: `vmf->vma` for each `struct
 * vm_fault *` parameter or variable, as path keys. A fault path that drops the lock and then
 * reads `vmf->vma->vm_flags` reads a VMA nothing keeps (mm/filemap.c's readahead, sweep F).
 */
function faultVmas(fn: AnalyzedFunction): string[] {
  const declared = [...fn.ast.params, ...fn.cfg.nodes.flatMap((node) => node.decls ?? [])];
  return declared.filter((v) => v.pointer && /\bstruct\s+vm_fault\b/.test(v.type)).map((v) => `${v.ref.id}->vma`);
}

/** The function's VMAs: its `struct vm_area_struct *` parameters and local variables, by key. */
function vmaVariables(fn: AnalyzedFunction): ReadonlySet<string> {
  const out = new Set<string>();
  // One `*` exactly: `struct vm_area_struct **prev` is the caller's slot, not a VMA.
  const isVma = (v: { type: string; pointer: boolean; start: number; end: number }): boolean =>
    v.pointer && /\bstruct\s+vm_area_struct\b/.test(v.type) && !/\*\s*\*/.test(fn.file.source.text.slice(v.start, v.end));
  const declared = [...fn.ast.params, ...fn.cfg.nodes.flatMap((node) => node.decls ?? [])];
  for (const v of declared) if (isVma(v)) out.add(v.ref.id);
  // A VMA the function allocates itself (`vm_area_alloc()`, `vm_area_dup()`) is not in anyone
  // else's hands until it is inserted, and exec's new mm has no other user: not found under a
  // lock. Nor is the stack VMA of that mm (`bprm->vma`, fs/exec.c `get_arg_page()`).
  const binprm = new Set(declared.filter((v) => /\bstruct\s+linux_binprm\b/.test(v.type)).map((v) => v.ref.id));
  for (const node of fn.cfg.nodes) {
    for (const ev of node.events) {
      if (ev.k !== 'def' || !out.has(ev.key) || !ev.value) continue;
      const v = ev.value;
      if (v.k === 'call' && v.name !== null && /^vm_area_(alloc|dup)$/.test(v.name)) out.delete(ev.key);
      if (v.k === 'field' && v.field === 'vma' && v.base.k === 'ident' && binprm.has(v.base.ref.id)) out.delete(ev.key);
    }
  }
  return out;
}

function callName(node: CfgNode): string {
  for (const ev of node.events) if (ev.k === 'call' && ev.name !== null && /unlock|handle_mm_fault|downgrade/.test(ev.name)) return ev.name;
  const first = node.events.find((ev) => ev.k === 'call');
  return first && first.k === 'call' ? (first.name ?? 'the call') : 'the release';
}

/**
 * Per branch node, the edges on which a releasing helper's result (tested there directly, or
 * through the variable it was stored in, when that call is the only definition reaching the
 * test) says the lock was released, with the helper's call node.
 */
function releasingBranches(fn: AnalyzedFunction): ReadonlyMap<number, ReadonlyArray<{ edge: 'true' | 'false'; call: number }>> {
  const out = new Map<number, Array<{ edge: 'true' | 'false'; call: number }>>();
  const add = (branch: number, edge: 'true' | 'false', call: number): void => void out.set(branch, [...(out.get(branch) ?? []), { edge, call }]);
  for (const node of fn.cfg.nodes) {
    for (const ev of node.events) {
      if (ev.k !== 'call' || !RELEASERS.some((t) => t.name === ev.name)) continue;
      const a = acquisitionOf(node, ev.call, 'zero');
      if (a.k === 'branch') add(node.id, a.edge, node.id);
      if (a.k !== 'stored') continue;
      for (const b of fn.cfg.nodes) {
        if ((b.kind !== 'branch' && b.kind !== 'loop') || !b.expr) continue;
        const zeroOn = zeroEdge(b.expr, (e) => pathKey(e) === a.key);
        const defs = zeroOn ? fn.defs.reaching(b.id, a.key) : [];
        if (zeroOn && defs.length === 1 && defs[0]!.node === node.id) add(b.id, acquiredEdge(zeroOn, 'zero'), node.id);
      }
    }
  }
  return out;
}

/**
 * A call handed the function's lock flag (`populate_vma_page_range(vma, start, end, &locked)`,
 * `__get_user_pages(..., locked)` for an `int *locked` parameter), or null: the callee may drop
 * the mmap lock and says so by clearing the flag. A helper whose result says what happened to
 * the lock is left out, because its callers read that instead of the flag: the transfer table,
 * and mm/gup.c's `faultin_page()`, which returns -EBUSY or -EAGAIN when it dropped the lock
 * (`__get_user_pages()` goes on using its VMA after a 0).
 */
function flagHandingCall(name: string, call: Expr & { k: 'call' }, flags: ReadonlySet<string>): FlagCall | null {
  if (flags.size === 0 || TRANSFER_NAMES.has(name)) return null;
  for (const arg of call.args) {
    const flag = flagHanded(arg, flags);
    if (flag !== null) return { how: 'flag', name, flag, arg };
  }
  return null;
}

/**
 * The calls that say through a value whether they dropped the lock, by node: those handed the
 * function's lock flag ({@link flagHandingCall}); those of {@link MMAP_LOCK_RETAKERS} handed
 * the address of a flag (`&unlocked`); and those of {@link FAULT_LOCK_RESULT_RELEASERS} whose
 * result is stored (`fpin = ...`).
 */
function flagSettingCalls(fn: AnalyzedFunction): ReadonlyMap<number, FlagCall> {
  const out = new Map<number, FlagCall>();
  const flags = lockFlags(fn);
  for (const node of fn.cfg.nodes) {
    for (const ev of node.events) {
      if (ev.k !== 'call' || ev.name === null || out.has(node.id)) continue;
      const call = ev.call;
      const retaker = MMAP_LOCK_RETAKERS.find((r) => r.name === ev.name);
      const arg = retaker ? call.args[retaker.flag] : undefined;
      const unlocked = arg?.k === 'unary' && arg.op === '&' ? pathKey(arg.arg) : null;
      const stored = FAULT_LOCK_RESULT_RELEASERS.includes(ev.name) ? node.events.find((d) => d.k === 'def' && d.value === call) : undefined;
      const found =
        flagHandingCall(ev.name, call, flags) ??
        (arg && unlocked !== null ? ({ how: 'retake', name: ev.name, flag: unlocked, arg } as const) : null) ??
        (stored?.k === 'def' ? ({ how: 'result', name: ev.name, flag: stored.key, arg: call } as const) : null);
      if (found) out.set(node.id, found);
    }
  }
  return out;
}

const TRANSFER_NAMES: ReadonlySet<string> = new Set([...MMAP_LOCK_TRANSFERS.map((t) => t.name), 'faultin_page']);
