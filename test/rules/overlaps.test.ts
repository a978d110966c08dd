/**
 * One defect, one finding: where two rules report the same defect on the same line, the more
 * specific stays and says the other agreed; anything else on that line stays.
 */
import type { Finding } from '../../src/findings/finding.js';
import { ABSENT_CONTRACTS, CONSEQUENCES, OVERLAPS, withoutCallerEchoes, withoutOverlaps } from '../../src/rules/overlaps.js';
import { RULES } from '../../src/rules/index.js';

const finding = (rule: string, messageId: string, line: number, message: string): Finding => ({
  rule,
  messageId,
  message,
  severity: 'error',
  confidence: 'high',
  explanation: 'Why.',
  fix: 'Fix.',
  path: 'mm/khugepaged.c',
  line,
  column: 2,
  endLine: line,
  function: 'collapse_huge_page',
  related: [],
  fingerprint: `${rule}/${messageId}/${line}`,
});

test('every pair names message ids the rules have', () => {
  const known = new Set(RULES.flatMap((r) => Object.keys(r.messages).map((m) => `${r.id}/${m}`)));
  expect([...OVERLAPS, ...CONSEQUENCES, ...ABSENT_CONTRACTS].flatMap((o) => [o.keep, o.drop]).filter((id) => !known.has(id))).toEqual([]);
});

test('the balance finding at the call the contract reports is folded into the contract one', () => {
  const contract = finding('mmap-lock-callee-contract', 'callsReleasing', 1120, "`alloc_charge_folio()` releases `mm`'s mmap lock, which is already released at this call");
  const balance = finding('mmap-lock-balance', 'unlockNotHeld', 1120, "`alloc_charge_folio()` can run when `mm`'s mmap lock is not held");
  const kept = withoutOverlaps([balance, contract]);
  expect(kept.map((f) => `${f.rule}/${f.messageId}`)).toEqual(['mmap-lock-callee-contract/callsReleasing']);
  expect(kept[0]!.explanation).toBe('Why.');
  expect(kept[0]!.alsoFoundBy).toEqual(['mmap-lock-balance/unlockNotHeld']);
});

test('another line, or another subject on the same line, is another defect: both stay', () => {
  const contract = finding('mmap-lock-callee-contract', 'callsReleasing', 1120, '`alloc_charge_folio()` releases …');
  const elsewhere = finding('mmap-lock-balance', 'unlockNotHeld', 1130, '`alloc_charge_folio()` can run …');
  const other = finding('mmap-lock-balance', 'unlockNotHeld', 1120, '`mmap_read_unlock()` can run …');
  expect(withoutOverlaps([contract, elsewhere, other])).toHaveLength(3);
  expect(contract.explanation).toBe('Why.');
  expect(contract.alsoFoundBy).toBeUndefined();
});

test('a helper called with the lock dropped that needs the write lock is reported once, as such (sweep U, powerpc subpage_prot())', () => {
  const lookup = finding('vma-lookup-requires-lock', 'calleeAfterUnlock', 269, '`subpage_mark_vma_nohuge()` needs the mmap lock, which was dropped');
  const write = finding('vma-modify-without-write-lock', 'calleeNeedsWriteLock', 269, '`subpage_mark_vma_nohuge()` needs the mmap write lock, but here it is released');
  const kept = withoutOverlaps([lookup, write]);
  expect(kept.map((f) => `${f.rule}/${f.messageId}:${f.line}`)).toEqual(['vma-modify-without-write-lock/calleeNeedsWriteLock:269']);
  expect(kept[0]!.explanation).toBe('Why.');
  expect(kept[0]!.alsoFoundBy).toEqual(['vma-lookup-requires-lock/calleeAfterUnlock']);
});

test('the unlocks that follow from a lookup after the fault released the lock are folded into it, in one sentence (s390, sweep K)', () => {
  const fault = { path: 'mm/khugepaged.c', line: 325, message: 'releases the lock itself' };
  const lookup = { ...finding('vma-lookup-requires-lock', 'afterFault', 313, '`find_vma()` looks up a VMA after `handle_mm_fault()` released the mmap lock'), related: [fault] };
  const unlocks = [315, 318, 324].map((l) => ({ ...finding('mmap-lock-callee-contract', 'unlockAfterRelease', l, '`handle_fault_error()` releases …'), related: [fault] }));
  // Before the lookup, or about another release: not a consequence.
  const before = { ...finding('mmap-lock-callee-contract', 'unlockAfterRelease', 300, '`handle_fault_error()` releases …'), related: [fault] };
  const other = { ...finding('mmap-lock-balance', 'unlockNotHeld', 330, '`mmap_read_unlock()` can run …'), related: [{ ...fault, line: 290 }] };
  const kept = withoutOverlaps([lookup, ...unlocks, before, other]);
  expect(kept.map((f) => `${f.rule}/${f.messageId}:${f.line}`)).toEqual(['vma-lookup-requires-lock/afterFault:313', 'mmap-lock-callee-contract/unlockAfterRelease:300', 'mmap-lock-balance/unlockNotHeld:330']);
  expect(kept[0]!.explanation).toBe('Why. The unlocks at lines 315, 318 and 324 are wrong for the same reason.');
  expect(kept[0]!.alsoFoundBy).toEqual(['mmap-lock-callee-contract/unlockAfterRelease']);
});

test("the lock findings that read an absent API's call with its contract are folded into the absent finding (6.1 backport of do_vmi_munmap(), sweep M)", () => {
  const absent = { ...finding('api-version-gate', 'absent', 1046, '`do_vmi_munmap()` does not exist in this tree'), function: 'mremap' };
  const untested = { ...finding('mmap-lock-balance', 'releaseUntested', 1154, '`mmap_read_unlock()` runs whether or not `do_vmi_munmap()` already released the mmap lock'), function: 'mremap', related: [{ line: 1046, message: 'may release' }] } as Finding;
  const notHeld = { ...finding('mmap-lock-balance', 'unlockNotHeld', 1156, '`mmap_write_unlock()` can run when the lock is not held'), function: 'mremap', related: [{ line: 1046, message: 'released it here' }, { line: 1153, message: 'x' }] } as Finding;
  // Another function, or an unlock that does not follow from the call: stays.
  const elsewhere = { ...notHeld, function: 'vma_shrink', fingerprint: 'x' };
  const unrelated = { ...finding('mmap-lock-balance', 'unlockNotHeld', 1200, '`mmap_read_unlock()` can run when the lock is not held'), function: 'mremap', related: [{ line: 1190, message: 'y' }] } as Finding;
  const kept = withoutOverlaps([absent, untested, notHeld, elsewhere, unrelated]);
  expect(kept.map((f) => `${f.rule}/${f.messageId}/${f.function}:${f.line}`)).toEqual(['api-version-gate/absent/mremap:1046', 'mmap-lock-balance/unlockNotHeld/vma_shrink:1156', 'mmap-lock-balance/unlockNotHeld/mremap:1200']);
  expect(kept[0]!.explanation).toBe('Why. Read with the contract `do_vmi_munmap()` has in the trees that define it, the lock handling after the call is wrong too (lines 1154 and 1156).');
  expect(kept[0]!.alsoFoundBy).toEqual(['mmap-lock-balance/releaseUntested', 'mmap-lock-balance/unlockNotHeld']);
});

test("a bracket a helper closes unopened is the helper's finding; its caller's echo is folded into it (sweep AJ, change_protection_range())", () => {
  const own = { ...finding('tlb-vma-bracket-balance', 'endWithoutStart', 535, '`tlb_end_vma()` can run on `tlb` without a `tlb_start_vma()`'), function: 'change_protection_range' };
  const echo = { ...finding('tlb-vma-bracket-balance', 'endWithoutStart', 565, '`change_protection_range()` can run on `tlb` without a `tlb_start_vma()`'), function: 'change_protection' };
  // Another helper's finding in the caller is no echo of this one.
  const other = { ...finding('tlb-vma-bracket-balance', 'endWithoutStart', 570, '`other_range()` can run on `tlb` without a `tlb_start_vma()`'), function: 'change_protection' };
  const kept = withoutCallerEchoes([echo, own, other]);
  expect(kept.map((f) => `${f.function}:${f.line}`)).toEqual(['change_protection_range:535', 'change_protection:570']);
  expect(kept[0]!.explanation).toBe('Why. `change_protection()`, which calls `change_protection_range()`, is affected the same way.');
  expect(kept[0]!.alsoFoundBy).toEqual(['tlb-vma-bracket-balance/endWithoutStart']);
});

test("an unlock after a helper that may have released is reported once, by the check that names the helper (sweep AJ, gup)", () => {
  const untested = finding('mmap-lock-balance', 'releaseUntested', 1854, '`mmap_read_unlock()` runs whether or not `__get_user_pages()` already released the mmap lock');
  const notHeld = finding('mmap-lock-balance', 'unlockNotHeld', 1854, "`mmap_read_unlock()` can run when `mm`'s mmap lock is not held");
  const kept = withoutOverlaps([notHeld, untested]);
  expect(kept.map((f) => `${f.rule}/${f.messageId}:${f.line}`)).toEqual(['mmap-lock-balance/releaseUntested:1854']);
  expect(kept[0]!.alsoFoundBy).toEqual(['mmap-lock-balance/unlockNotHeld']);
});
