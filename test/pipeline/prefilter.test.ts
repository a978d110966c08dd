import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FOUND_MARKER, FOUND_TRIGGER, readInto, TriggerFilter } from '../../src/pipeline/prefilter.js';
import { RULES } from '../../src/rules/index.js';
import { allTriggers } from '../../src/rules/run.js';

const bytes = (s: string): Buffer => Buffer.from(s, 'utf8');

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

  it('finds triggers at the very start and the very end of the bytes', () => {
    expect(filter.matches(bytes('tlb_start_vma'))).toBe(true);
    expect(filter.matches(bytes('x;flush_tlb_page'))).toBe(true);
    expect(filter.matches(bytes('flush_tlb_pag'))).toBe(false);
    expect(filter.matches(bytes(''))).toBe(false);
  });

  it('finds a trigger longer than the window whose first window another trigger shares', () => {
    // Window 8 (`pte_free`): `pte_free_tlb` and `pte_free` end their first window alike.
    const f = new TriggerFilter(['pte_free', 'pte_free_tlb', 'mmap_read_unlock']);
    expect(f.matches(bytes('\tpte_free_tlb(tlb, pte, addr);'))).toBe(true);
    expect(f.matches(bytes('\tmmap_read_unlock(mm);'))).toBe(true);
    expect(f.matches(bytes('\tpte_free_tlbx(tlb); mmap_read_unlocked = 1;'))).toBe(false);
  });

  it('agrees with a plain search on every shipped trigger, in text full of near misses', () => {
    const triggers = allTriggers(RULES);
    const f = new TriggerFilter(triggers);
    for (const t of triggers) {
      expect([t, f.matches(bytes(`static int x;\n/* ${t.slice(1)} ${t}_x x${t} */ y = ${t}(a);\n`))]).toEqual([t, true]);
      expect([t, f.matches(bytes(`static int x;\n/* ${t.slice(1)} ${t}_x x${t} ${t.slice(0, -1)} */\n`))]).toEqual([t, false]);
    }
  });

  it('finds a trigger at every place in texts of every length, across the middle included', () => {
    // The search runs two windows, over each half of the bytes: a word where the halves meet,
    // or in a text too short to split, must be found as anywhere else.
    const f = new TriggerFilter(['pte_free', 'mmap_read_unlock', 'vm_next']);
    for (const word of ['pte_free', 'mmap_read_unlock', 'vm_next']) {
      for (let len = word.length; len <= 48; len++) {
        for (let at = 0; at + word.length <= len; at++) {
          const text = ' '.repeat(at) + word + ';'.repeat(len - at - word.length);
          expect([text, f.matches(bytes(text))]).toEqual([text, true]);
          const longer = ' '.repeat(at) + word + 'x' + ';'.repeat(Math.max(0, len - at - word.length - 1));
          expect([longer, f.matches(bytes(longer))]).toEqual([longer, false]);
        }
      }
    }
  });

  it('agrees with a plain search on random texts made of pieces of the shipped triggers', () => {
    const triggers = allTriggers(RULES);
    const f = new TriggerFilter(triggers);
    const pieces = [...triggers.flatMap((t) => [t, t.slice(0, 5), t.slice(3), `${t}x`, `_${t}`]), ' ', '(', '\n', ';', '->'];
    let seed = 12345;
    // mulberry32: the same texts on every run.
    const rand = (n: number): number => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) % n;
    };
    const whole = new Map(triggers.map((t) => [t, new RegExp(`(?<![A-Za-z0-9_$])${t}(?![A-Za-z0-9_$])`)]));
    const plain = (text: string): string[] => triggers.filter((t) => whole.get(t)!.test(text)).sort();
    let found = 0;
    for (let i = 0; i < 400; i++) {
      const parts: string[] = [];
      for (let k = rand(12); k >= 0; k--) parts.push(pieces[rand(pieces.length)]!);
      const text = parts.join(rand(4) === 0 ? '' : ' ');
      const want = plain(text);
      if (want.length > 0) found++;
      expect([text, f.matches(bytes(text))]).toEqual([text, want.length > 0]);
      expect([text, [...f.collect(bytes(text))].sort()]).toEqual([text, want]);
    }
    // Both answers occur, so the comparison means something.
    expect(found).toBeGreaterThan(50);
    expect(found).toBeLessThan(390);
  });

  it('handles triggers shorter than a block one by one', () => {
    const f = new TriggerFilter(['q', 'tlb_start_vma']);
    expect(f.matches(bytes('int a = q;'))).toBe(true);
    expect(f.matches(bytes('int qq = 1;'))).toBe(false);
  });
});

describe('TriggerFilter markers', () => {
  const filter = new TriggerFilter(['mmap_read_lock', 'tlb_finish_mmu'], ['__noreturn', '_Noreturn']);

  it('reports triggers and markers found in one pass, as whole identifiers', () => {
    const header = bytes('void parisc_terminate(char *msg) __noreturn;\nstatic inline void f(struct mm_struct *mm) { mmap_read_lock(mm); }\n');
    expect(filter.find(header)).toBe(FOUND_TRIGGER | FOUND_MARKER);
    expect(filter.find(bytes('void die(void) __noreturn;'))).toBe(FOUND_MARKER);
    expect(filter.find(bytes('#define __noreturnx 1\nint my__noreturn;'))).toBe(0);
    expect(filter.matches(bytes('void die(void) __noreturn;'))).toBe(false);
  });

  it('still looks for a short word that is both a trigger and a marker once a trigger is found', () => {
    const f = new TriggerFilter(['tlb_start_vma', 'q'], ['q']);
    expect(f.find(bytes('tlb_start_vma(tlb, vma); q;'))).toBe(FOUND_TRIGGER | FOUND_MARKER);
  });

  it('stops at the first word of a kind it was asked for, and reads on for the other', () => {
    const text = bytes('tlb_finish_mmu(tlb); _Noreturn void g(void);');
    expect(filter.find(text, FOUND_TRIGGER)).toBe(FOUND_TRIGGER);
    expect(filter.find(text, FOUND_MARKER)).toBe(FOUND_TRIGGER | FOUND_MARKER);
  });
});

describe('TriggerFilter.collect', () => {
  it('lists every trigger the bytes hold as a whole identifier, not markers or longer identifiers', () => {
    const f = new TriggerFilter(['mmap_read_lock', 'vm_flags', 'tlb_finish_mmu', 'q'], ['__noreturn', 'q']);
    const text = bytes('void die(void) __noreturn;\nmmap_read_lock(mm); x = vma->vm_flags; vm_flags_set(v, 1); q; mmap_read_lock(mm);\n');
    expect([...f.collect(text)].sort()).toEqual(['mmap_read_lock', 'q', 'vm_flags']);
    expect([...f.collect(bytes('vm_flags_set(v); __noreturn; my_tlb_finish_mmu();'))]).toEqual([]);
  });

  it('agrees with find() on every shipped trigger', () => {
    const triggers = allTriggers(RULES);
    const f = new TriggerFilter(triggers);
    for (const t of triggers) {
      expect([t, [...f.collect(bytes(`/* ${t}_x x${t} */ y = ${t}(a);`))]]).toEqual([t, [t]]);
    }
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

  it('reads an empty file, and a file that reports size 0 to its end', () => {
    const dir = mkdtempSync(join(tmpdir(), 'widen-prefilter-'));
    writeFileSync(join(dir, 'empty.c'), '');
    const scratch = { buf: Buffer.alloc(16) };
    expect(readInto(join(dir, 'empty.c'), scratch).length).toBe(0);
    // /proc files report size 0 and still have content.
    expect(readInto('/proc/self/status', scratch).toString('utf8')).toMatch(/^Name:/);
  });

  it('throws the system error for a file that cannot be read', () => {
    expect(() => readInto('/nonexistent/widen.c', { buf: Buffer.alloc(16) })).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });
});
