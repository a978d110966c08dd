/**
 * What each rule says, as a user reads it: the text rendering of a scan of the rule's fixtures,
 * one golden file per rule. A change in a message, a label or an excerpt shows up as a readable
 * diff; `UPDATE_GOLDEN=1 npm test` rewrites them (review the diff).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { scan } from '../../src/pipeline/scan.js';
import { renderText } from '../../src/render/text.js';
import { formatHeadline, headlineCode, quoteCode, unlessIn } from '../../src/rules/define-rule.js';
import { RULES } from '../../src/rules/index.js';
import { beforeOf, isBeforeHalf, reviewChange } from '../helpers/change-fixtures.js';
import { expectGolden } from '../helpers/golden.js';
import { repoRoot } from '../helpers/root.js';

const root = repoRoot();

test.each(RULES.map((r) => [r.id, r] as const))('%s', async (id, rule) => {
  const dir = join('test', 'fixtures', 'rules', id);
  const paths = readdirSync(join(root, dir)).filter((f) => f.endsWith('.c') && !isBeforeHalf(f)).sort().map((f) => join(dir, f));
  // The rule's scan fixtures, then each change fixture's review, in one report.
  const report = await scan({ paths: paths.filter((p) => !beforeOf(join(root, p))), rules: [rule], jobs: 1 });
  for (const p of paths.filter((x) => beforeOf(join(root, x)))) {
    const change = await reviewChange(p, [rule]);
    report.findings.push(...change.findings);
    report.notes.push(...change.notes);
    report.stats.files += change.stats.files;
    report.stats.functions += change.stats.functions;
  }
  expectGolden(join(root, 'test', 'fixtures', 'render', 'rules', `${id}.txt`), renderText({ ...report, stats: { ...report.stats, ms: 0 } }));
  // A label, beside its line or below it, stays within 100 columns (a terminal, GitHub's code block).
  const text = renderText({ ...report, stats: { ...report.stats, ms: 0 } });
  expect(text.split('\n').filter((l) => (/ <- /.test(l) || /^\s+\^ /.test(l)) && l.length > 100)).toEqual([]);
  // The templates are under 100 characters (catalog.test.ts); filled in, so are the headlines.
  expect(report.findings.filter((f) => f.message.length >= 100).map((f) => [f.line, f.message])).toEqual([]);
});

describe('what messages quote', () => {
  test('quoteCode keeps a long call to its callee, never stopping inside an argument', () => {
    expect(quoteCode('mlock_fixup(&vmi, vma, &prev, vma->vm_start, vma->vm_end,\n\t\t\t  newflags);')).toBe('mlock_fixup(…);');
    expect(quoteCode('error = mlock_fixup(&vmi, vma, &prev, vma->vm_start, vma->vm_end, newflags)')).toBe('error = mlock_fixup(…)');
    expect(quoteCode('vma = next;')).toBe('vma = next;');
    expect(quoteCode(`x ${'+ y '.repeat(20)}`)).toBe(`x ${'+ y '.repeat(20)}`.slice(0, 59) + '…');
  });

  test('headlineCode drops a leading cast and keeps what a headline quotes short', () => {
    expect(headlineCode('(unsigned long)ioeventfd->ioreq')).toBe('ioeventfd->ioreq');
    expect(headlineCode('(void __user *) addr')).toBe('addr');
    expect(headlineCode('(unsigned long)(addr + off)')).toBe('(addr + off)');
    expect(headlineCode('untagged_addr(addr)')).toBe('untagged_addr(addr)');
    expect(headlineCode('kdata.addr + kdata.num * PAGE_SIZE - 1')).toBe('kdata.addr + kdata.num …');
    expect(headlineCode('untagged_addr(regs->cp0_badvaddr & ~PAGE_MASK)')).toBe('untagged_addr(…)');
  });

  test('formatHeadline shortens the code it quotes only when the headline would reach 100 characters', () => {
    const template = '`{{vma}}` from `{{call}}` may not contain `{{addr}}`: nothing checks `vm_start`';
    // 91 characters: the 23-character address is quoted whole, however long a headline may be.
    expect(formatHeadline(template, { vma: 'vma', call: 'find_vma()', addr: 'kdata.addr + kdata.num' })).toBe(
      '`vma` from `find_vma()` may not contain `kdata.addr + kdata.num`: nothing checks `vm_start`',
    );
    // A leading cast is never quoted in a headline, whatever its length (sweep AJ).
    expect(formatHeadline(template, { vma: 'vma', call: 'find_vma()', addr: '(unsigned long)fault_addr' })).toBe('`vma` from `find_vma()` may not contain `fault_addr`: nothing checks `vm_start`');
    // Over the limit: the quoted address is cut; prose placeholders never are.
    const long = { vma: 'vma', call: 'find_vma()', addr: '(unsigned long)ioeventfd->ioreq + PAGE_SIZE * 2' };
    expect(formatHeadline(template, long)).toBe('`vma` from `find_vma()` may not contain `ioeventfd->ioreq + PAGE…`: nothing checks `vm_start`');
    expect(formatHeadline(`${template} ({{why}})`, { ...long, why: 'x'.repeat(30) })).toBe(
      `\`vma\` from \`find_vma()\` may not contain \`ioeventfd->ioreq + PAGE…\`: nothing checks \`vm_start\` (${'x'.repeat(30)})`,
    );
  });

  test('formatHeadline never cuts a name: a cut name names nothing; a brief form says it shorter', () => {
    const template = '`{{helper}}` reads `{{field}}`, but `{{vma}}` from `{{call}}` may not contain `{{addr}}`';
    const data = { helper: 'madvise_dontneed_free_valid_vma()', field: 'vma->vm_flags', vma: 'vma', call: 'find_vma()', addr: 'start + PAGE_SIZE * nr_pages' };
    expect(formatHeadline(template, data)).toBe('`madvise_dontneed_free_valid_vma()` reads `vma->vm_flags`, but `vma` from `find_vma()` may not contain `start + PAGE_SIZE * nr_…`');
    // Still too long with the code cut: the message's brief form says it in fewer words (sweep J's 110-character headline).
    const brief = '`{{helper}}` reads a `{{vma}}` that may not contain `{{addr}}`';
    expect(formatHeadline(template, data, brief)).toBe('`madvise_dontneed_free_valid_vma()` reads a `vma` that may not contain `start + PAGE_SIZE * nr_…`');
    expect(formatHeadline(template, { ...data, helper: 'f()', addr: 'start' }, brief)).toBe('`f()` reads `vma->vm_flags`, but `vma` from `find_vma()` may not contain `start`');
    // A name no kernel code has (a generated identifier of 200,000 characters, sweep L) is cut after all.
    const huge = formatHeadline(template, { ...data, helper: `${'q'.repeat(200_000)}()` }, brief);
    expect(huge.length).toBeLessThan(200);
    expect(huge).toMatch(/^`q{63}…` reads a `vma` that may not contain/);
  });

  test('unlessIn drops a model function from the message of a finding in that very function', () => {
    expect(unlessIn({ name: 'zap_pte_range' }, 'zap_pte_range', ': as `zap_pte_range()` does')).toBe('');
    expect(unlessIn({ name: 'unmap_range' }, 'zap_pte_range', ': as `zap_pte_range()` does')).toBe(': as `zap_pte_range()` does');
  });
});
