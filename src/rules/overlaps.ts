/**
 * Checks of different rules that report one defect twice. A vm_flags helper called under the
 * read lock is both `vm-flags-helper-lock-context`'s and `vma-modify-without-write-lock`'s
 * business; a helper that releases a lock already released is both the callee contract's and
 * the lock balance's. A maintainer should read one comment per defect, so where both fire on the
 * same line of the same function about the same thing (the first code span of their headlines:
 * the callee, or the VMA), the more specific one stays and says that the other agrees.
 */
import type { Finding } from '../findings/finding.js';
import { wordList } from '../words.js';

interface Overlap {
  /** `rule/messageId` of the finding that stays. */
  keep: string;
  /** `rule/messageId` of the finding it makes redundant. */
  drop: string;
}

export const OVERLAPS: readonly Overlap[] = [
  // The vm_flags helper's own rule names the helper and the lock it needs.
  { keep: 'vm-flags-helper-lock-context/setterWithoutWriteLock', drop: 'vma-modify-without-write-lock/calleeNeedsWriteLock' },
  { keep: 'vm-flags-helper-lock-context/resetWithoutVmaLock', drop: 'vma-modify-without-write-lock/calleeRequiresVmaLock' },
  { keep: 'vm-flags-helper-lock-context/startWriteDeleted', drop: 'vma-modify-without-write-lock/calleeRequiresVmaLock' },
  // The contract names the helper that releases or takes the lock, and shows its body.
  { keep: 'mmap-lock-callee-contract/callsReleasing', drop: 'mmap-lock-balance/unlockNotHeld' },
  { keep: 'mmap-lock-callee-contract/callsLocking', drop: 'mmap-lock-balance/doubleLock' },
  // The contract quotes what the helper's result said (`expand_stack()` returned NULL).
  { keep: 'mmap-lock-callee-contract/unlockAfterRelease', drop: 'mmap-lock-balance/unlockNotHeld' },
  { keep: 'mmap-lock-callee-contract/unlockAfterRelease', drop: 'mmap-lock-balance/releaseUntested' },
  { keep: 'mmap-lock-callee-contract/unlockNotTaken', drop: 'mmap-lock-balance/unlockNotHeld' },
  { keep: 'mmap-lock-callee-contract/unlockNotTaken', drop: 'mmap-lock-balance/invertedTest' },
  // An unlock after a helper that may have released: one defect, said by the check that names
  // the helper, not also as "this function has already released the lock" (sweep AJ: gup's
  // `__get_user_pages_locked()` with `&& *locked` dropped from its unlock's test).
  { keep: 'mmap-lock-balance/releaseUntested', drop: 'mmap-lock-balance/unlockNotHeld' },
  // A helper that walks the tree and writes VMA flags, called with the lock dropped (sweep U's
  // `subpage_mark_vma_nohuge()`): the write lock it needs is the stronger claim, and its fix too.
  { keep: 'vma-modify-without-write-lock/calleeNeedsWriteLock', drop: 'vma-lookup-requires-lock/calleeAfterUnlock' },
  // The per-VMA lock's own rule knows which lock the fault path dropped, and the NULL it returned.
  { keep: 'vma-read-lock-balance/useAfterRelease', drop: 'vma-use-after-unlock/afterFault' },
  { keep: 'vma-read-lock-balance/useAfterNull', drop: 'vma-lookup-null-check/deref' },
];

/**
 * Findings that follow from another on the same path: a lookup after `handle_mm_fault()`
 * released the lock and the path went back without taking it again (s390's `goto retry;`
 * without its `mmap_read_lock(mm);`, sweep K) makes every unlock after that lookup one of a
 * lock not held. The lookup names the missing re-lock; the unlocks repeat it three times with
 * a help that cannot fix it. Same function, and the same fault release among their lines.
 */
export const CONSEQUENCES: readonly Overlap[] = [
  { keep: 'vma-lookup-requires-lock/afterFault', drop: 'mmap-lock-callee-contract/unlockAfterRelease' },
  { keep: 'vma-lookup-requires-lock/afterFault', drop: 'mmap-lock-balance/unlockNotHeld' },
  { keep: 'vma-lookup-requires-lock/afterFault', drop: 'mmap-lock-balance/releaseUntested' },
];

/**
 * Findings that read a call with the contract of an API the tree does not have: a backport of
 * 6.12's `do_vmi_munmap(..., true)` into 6.1 (sweep M) is reported as absent, and the lock
 * balance also applies the 6.12 contract (the lock released on 0) to the unlocks after it. They
 * say what a backport that papers over the contract would do, which the absent finding's
 * explanation tells already: one finding, naming their lines.
 */
export const ABSENT_CONTRACTS: readonly Overlap[] = [
  'mmap-lock-balance/unlockNotHeld', 'mmap-lock-balance/releaseUntested', 'mmap-lock-balance/downgradeUntested', 'mmap-lock-balance/leak',
  'mmap-lock-callee-contract/unlockAfterRelease', 'mmap-lock-callee-contract/callsReleasing',
].map((drop) => ({ keep: 'api-version-gate/absent', drop }));

const id = (f: Finding): string => `${f.rule}/${f.messageId}`;

/** What a headline is about: its first code span (`vm_flags_clear()`, `vma`). */
function subject(f: Finding): string | null {
  return /`([^`]+)`/.exec(f.message)?.[1] ?? null;
}

/**
 * `findings` of one function without those another finding there makes redundant (see
 * {@link OVERLAPS}); each finding kept for such a pair names the checks it stands for in
 * `alsoFoundBy`, and the findings that follow from it in its note.
 */
export function withoutOverlaps(findings: readonly Finding[]): Finding[] {
  // Two checks that agree on one line: the kept finding names the other in `alsoFoundBy` (JSON),
  // not in its note, which goes to the mailing list (sweep AJ: a kernel author has no use for
  // which of widen's rules was folded).
  const once = withoutRedundant(findings, OVERLAPS, (k, d) => d.line === k.line && subject(d) !== null && subject(d) === subject(k), () => '', (f) => `${f.path}:${f.line}`);
  const followed = withoutRedundant(once, CONSEQUENCES, (k, d) => d.function === k.function && d.line > k.line && sharesRelease(k, d), consequences, (f) => `${f.path}:${f.function ?? ''}`);
  return withoutRedundant(followed, ABSENT_CONTRACTS, (k, d) => d.function === k.function && (d.line === k.line || d.related.some((r) => r.line === k.line)), contractConsequences, (f) => `${f.path}:${f.function ?? ''}`);
}

/** What an absent API's finding says of the lock findings that read the call with its contract. */
function contractConsequences(ds: readonly Finding[], k: Finding): string {
  const { lines } = folded(ds);
  return ` Read with the contract \`${subject(k) ?? 'the call'}\` has in the trees that define it, the lock handling after the call is wrong too (${lines}).`;
}

/** The lines of the findings a kept one stands for: "lines 3 and 7". */
function folded(ds: readonly Finding[]): { lines: string } {
  const lines = [...new Set(ds.map((d) => d.line))].sort((a, b) => a - b).map(String);
  return { lines: `line${lines.length === 1 ? '' : 's'} ${wordList(lines)}` };
}

/** Whether the first related line of `k` (the fault that released the lock) is among the lines of `d`. */
function sharesRelease(k: Finding, d: Finding): boolean {
  const release = k.related[0]?.line;
  return release !== undefined && d.related.some((r) => r.line === release);
}

/** What a kept finding says of the unlocks it stands for, in one sentence. */
function consequences(ds: readonly Finding[]): string {
  const { lines } = folded(ds);
  return ` The unlocks at ${lines} are wrong for the same reason.`;
}

/**
 * `findings` without those a kept finding of `pairs` makes redundant, as `same` tells (same
 * path always), each kept finding saying so with `said`.
 */
function withoutRedundant(findings: readonly Finding[], pairs: readonly Overlap[], same: (k: Finding, d: Finding) => boolean, said: (ds: Finding[], k: Finding) => string, bucket: (f: Finding) => string = (f) => f.path): Finding[] {
  const dropped = new Set<Finding>();
  const by = new Map<Finding, Finding[]>();
  // Findings by check and by the bucket `same` can only agree within (a line, a function):
  // 5,000 findings of one function took 3.4 s matched all against all (sweep L).
  const index = new Map<string, Finding[]>();
  for (const f of findings) {
    const key = `${id(f)}\0${bucket(f)}`;
    const list = index.get(key);
    if (list) list.push(f);
    else index.set(key, [f]);
  }
  for (const { keep, drop } of pairs) {
    for (const k of findings) {
      if (id(k) !== keep || dropped.has(k)) continue;
      for (const d of index.get(`${drop}\0${bucket(k)}`) ?? []) {
        if (dropped.has(d) || d.path !== k.path || !same(k, d)) continue;
        dropped.add(d);
        by.set(k, [...(by.get(k) ?? []), d]);
      }
    }
  }
  // Each kept finding says once what it stands for, and names the checks it stands for.
  for (const [k, ds] of by) {
    k.explanation += said(ds, k);
    k.alsoFoundBy = [...new Set([...(k.alsoFoundBy ?? []), ...ds.map((d) => `${d.rule}/${d.messageId}`)])].sort();
  }
  return findings.filter((f) => !dropped.has(f));
}

/**
 * Findings in a caller that repeat what a finding in its callee says, in a review where the patch
 * changed the callee: the callee's own finding sits on the changed line and names the deletion,
 * the caller's points outside the diff and asks for a lock the callee used to take (sweep G:
 * `mlock_fixup()` without its `vma_start_write()`, reported again in `apply_vma_lock_flags()`).
 */
const ECHOES: readonly Overlap[] = [
  { keep: 'vm-flags-helper-lock-context/startWriteDeleted', drop: 'vma-modify-without-write-lock/calleeRequiresVmaLock' },
  // A bracket a helper of the file leaves open, or closes unopened, is that helper's finding;
  // its caller's, which names the helper as the acquire or the release, repeats it (sweep AJ:
  // `tlb_start_vma()` deleted from `change_protection_range()`, reported in it and in
  // `change_protection()`).
  ...['tlb-vma-bracket-balance/missingEnd', 'tlb-vma-bracket-balance/endWithoutStart', 'tlb-gather-finish-balance/missingFinish', 'tlb-gather-finish-balance/finishWithoutGather', 'mmu-notifier-range-balance/missingEnd', 'mmu-notifier-range-balance/endWithoutStart'].map((id) => ({ keep: id, drop: id })),
];

/** `findings` of one file without the callers' echoes of their callees' findings (see {@link ECHOES}). */
export function withoutCallerEchoes(findings: readonly Finding[]): Finding[] {
  return withoutRedundant(findings, ECHOES, (k, d) => subject(d) === `${k.function}()`, (ds, k) => ds.map((d) => ` \`${d.function}()\`, which calls \`${k.function}()\`, is affected the same way.`).join(''));
}
