import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chooseAnchors, readInto, TriggerFilter } from '../../src/pipeline/prefilter.js';
import { RULES } from '../../src/rules/index.js';
import { allTriggers } from '../../src/rules/run.js';

const bytes = (s: string): Buffer => Buffer.from(s, 'utf8');

describe('chooseAnchors', () => {
  it('covers every trigger of the shipped rules with a few anchors of four characters or more', () => {
    const triggers = allTriggers(RULES);
    const anchors = chooseAnchors(triggers);
    for (const t of triggers) expect([t, anchors.some((a) => t.includes(a))]).toEqual([t, true]);
    for (const a of anchors) expect(a.length).toBeGreaterThanOrEqual(4);
    expect(anchors.length).toBeLessThanOrEqual(Math.ceil(triggers.length / 8));
  });

  it('takes the substring most triggers share, the longest among equals', () => {
    const triggers = ['tlb_gather_mmu', 'tlb_finish_mmu', 'flush_tlb_range', 'pte_free', 'pmd_free', 'free_pgtables', 'huge_pmd_unshare', 'pgtable_trans_huge_deposit'];
    expect(chooseAnchors(triggers)).toEqual(['free', 'tlb_', 'huge_']);
  });

  it('keeps a trigger shorter than the minimum as its own anchor', () => {
    expect(chooseAnchors(['abc', 'xabcdefx', 'abcdefy'])).toEqual(['abc']);
    expect(chooseAnchors(['ab'])).toEqual(['ab']);
  });
});

describe('TriggerFilter', () => {
  const filter = new TriggerFilter(['tlb_start_vma', 'pte_free', 'flush_tlb_page']);

  it('finds a trigger as a whole identifier anywhere in the bytes', () => {
    expect(filter.matches(bytes('static void f(void)\n{\n\ttlb_start_vma(tlb, vma);\n}\n'))).toBe(true);
    expect(filter.matches(bytes('pte_free'))).toBe(true);
    expect(filter.matches(bytes('x = pte_free(mm, p);'))).toBe(true);
  });

  it('does not take an identifier that only contains a trigger', () => {
    expect(filter.matches(bytes('flush_tlb_page_nosync(vma, addr); __pte_free(p); pte_freeze();'))).toBe(false);
  });

  it('looks past an anchor hit inside a longer identifier to a later real one', () => {
    expect(filter.matches(bytes('my_pte_free_helper(); free(p); pte_free(mm, p);'))).toBe(true);
  });

  it('counts bytes above 127 as identifier characters, as the lexer does', () => {
    expect(filter.matches(bytes('é_pte_free();'))).toBe(false);
  });
});

describe('readInto', () => {
  it('reads files larger than the scratch buffer whole, growing it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'widen-prefilter-'));
    const path = join(dir, 'big.c');
    const text = 'int x;\n'.repeat(10_000);
    writeFileSync(path, text);
    const scratch = { buf: Buffer.alloc(16) };
    expect(readInto(path, scratch).toString('utf8')).toBe(text);
    expect(scratch.buf.length).toBeGreaterThan(text.length);
    writeFileSync(join(dir, 'small.c'), 'int y;\n');
    expect(readInto(join(dir, 'small.c'), scratch).toString('utf8')).toBe('int y;\n');
  });

  it('throws the system error for a file that cannot be read', () => {
    expect(() => readInto('/nonexistent/widen.c', { buf: Buffer.alloc(16) })).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });
});
