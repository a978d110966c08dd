/**
 * One defect, one finding: where two rules report the same defect on the same line, the more
 * specific stays and says the other agreed; anything else on that line stays.
 */
import type { Finding } from '../../src/findings/finding.js';
import { OVERLAPS, withoutOverlaps } from '../../src/rules/overlaps.js';
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
  expect(OVERLAPS.flatMap((o) => [o.keep, o.drop]).filter((id) => !known.has(id))).toEqual([]);
});

test('the balance finding at the call the contract reports is folded into the contract one', () => {
  const contract = finding('mmap-lock-callee-contract', 'callsReleasing', 1120, "`alloc_charge_folio()` releases `mm`'s mmap lock, which is already released at this call");
  const balance = finding('mmap-lock-balance', 'unlockNotHeld', 1120, "`alloc_charge_folio()` can run when `mm`'s mmap lock is not held");
  const kept = withoutOverlaps([balance, contract]);
  expect(kept.map((f) => `${f.rule}/${f.messageId}`)).toEqual(['mmap-lock-callee-contract/callsReleasing']);
  expect(kept[0]!.explanation).toBe('Why. (`mmap-lock-balance` finds this defect too; widen reports it once.)');
});

test('another line, or another subject on the same line, is another defect: both stay', () => {
  const contract = finding('mmap-lock-callee-contract', 'callsReleasing', 1120, '`alloc_charge_folio()` releases …');
  const elsewhere = finding('mmap-lock-balance', 'unlockNotHeld', 1130, '`alloc_charge_folio()` can run …');
  const other = finding('mmap-lock-balance', 'unlockNotHeld', 1120, '`mmap_read_unlock()` can run …');
  expect(withoutOverlaps([contract, elsewhere, other])).toHaveLength(3);
  expect(contract.explanation).toBe('Why.');
});
