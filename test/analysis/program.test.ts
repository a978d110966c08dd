/**
 * Helpers summarised across files (a scan's files, a tree's directory), from sparse annotations,
 * and from a resource's table of known kernel helpers.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BracketSummaries, type BracketPair } from '../../src/analysis/brackets.js';
import type { AnalyzedFile } from '../../src/analysis/file.js';
import { KEEP_FILES, Preparations, Program, linkableNames, reachable } from '../../src/analysis/program.js';
import { scan } from '../../src/pipeline/scan.js';
import { findRule } from '../../src/rules/index.js';
import { analyzeSource, getParser, lineOf } from '../helpers/analyze.js';

const caller = `#include "internal.h"

void unmap_things(struct mm_struct *mm, struct vm_area_struct *vma)
{
	struct mmu_gather tlb;

	tlb_gather_mmu(&tlb, mm);
	unmap_vmas(&tlb, vma);
	finish_for_caller(&tlb);
}
`;

const caller0 = 'void nothing(void)\n{\n}\n';

const helper = `void finish_for_caller(struct mmu_gather *tlb)
{
	tlb_flush_mmu(tlb);
	tlb_finish_mmu(tlb);
}

static void local_only(struct mmu_gather *tlb)
{
	tlb_finish_mmu(tlb);
}
`;

const header = `static inline void header_finish(struct mmu_gather *tlb)
{
	tlb_finish_mmu(tlb);
}
`;

const gather = findRule('tlb-gather-finish-balance')!;

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'widen-program-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('Program', () => {
  it('indexes the functions other files can call: not static ones of a .c, every one of a header', () => {
    expect(linkableNames('mm/b.c', helper)).toEqual(['finish_for_caller']);
    expect(linkableNames('mm/internal.h', header)).toEqual(['header_finish']);
  });

  it('keeps a bounded number of analysed files, the files a scan opens included', async () => {
    const program = new Program(await getParser());
    const opened = Array.from({ length: KEEP_FILES + 1 }, (_, i) => {
      const path = `mm/f${i}.c`;
      const text = `void finish_${i}(struct mmu_gather *tlb)\n{\n\ttlb_finish_mmu(tlb);\n}\n`;
      program.add(path, text);
      return program.open(path, text);
    });
    const caller = await analyzeSource(caller0, 'mm/caller.c');
    // The first file opened was evicted: asking for its helper analyses it again.
    const [first] = program.definitions('finish_0', caller);
    expect(first!.file.path).toBe('mm/f0.c');
    expect(first!.file).not.toBe(opened[0]);
    // Analysed again from the same preparation: its text is not normalised twice.
    expect(first!.file.source).toBe(opened[0]!.source);
    expect(first!.file.normalized).toBe(opened[0]!.normalized);
    expect(first!.file.functions).toBe(opened[0]!.functions);
    // The last one is still the file the scan opened.
    expect(program.definitions(`finish_${KEEP_FILES}`, caller)[0]!.file).toBe(opened[KEEP_FILES]);
    // A file that served a helper outlives files opened after it that served none.
    const helperFile = program.definitions('finish_0', caller)[0]!.file;
    for (let i = 0; i < KEEP_FILES; i++) program.open(`mm/g${i}.c`, 'int x;\n');
    expect(program.definitions('finish_0', caller)[0]!.file).toBe(helperFile);
  });

  it("shares helper files between the programs of a series' patches, per text (sweep AH)", async () => {
    const parser = await getParser();
    const preparations = new Preparations();
    const text = `void finish_a(struct mmu_gather *tlb)\n{\n\ttlb_finish_mmu(tlb);\n}\n`;
    const caller = await analyzeSource(caller0, 'mm/caller.c');
    const helperOf = (p: Program): AnalyzedFile => {
      p.add('mm/a.c', text);
      return p.definitions('finish_a', caller)[0]!.file;
    };
    const first = helperOf(new Program(parser, undefined, preparations));
    // The next patch's program: the same file, not analysed again.
    expect(helperOf(new Program(parser, undefined, preparations))).toBe(first);
    // Two versions of one path are kept (a file before and after a patch); a third pushes out the oldest.
    const changed = text.replace('tlb_finish_mmu', 'tlb_flush_mmu');
    expect(preparations.of('mm/a.c', changed).source).not.toBe(first.source);
    expect(preparations.of('mm/a.c', text).source).toBe(first.source);
    preparations.of('mm/a.c', `${text}\n`);
    expect(preparations.of('mm/a.c', changed).text).toBe(changed);
    expect(helperOf(new Program(parser, undefined, preparations))).not.toBe(first);
  });

  it('prepares a file again only when its text changed, and drops the preparation of a file adopted from elsewhere', async () => {
    const program = new Program(await getParser());
    const text = `void finish_a(struct mmu_gather *tlb)\n{\n\ttlb_finish_mmu(tlb);\n}\n`;
    const first = program.open('mm/a.c', text);
    expect(program.open('mm/a.c', text)).toBe(first);
    const changed = program.open('mm/a.c', text.replace('finish_a', 'finish_b'));
    expect(changed).not.toBe(first);
    expect(changed.functions.map((f) => f.name)).toEqual(['finish_b']);
    // A file adopted from elsewhere (the post-image under review) replaces the kept preparation.
    const reviewed = await analyzeSource(text, 'mm/a.c');
    program.adopt(reviewed);
    expect(program.open('mm/a.c', text)).toBe(reviewed);
  });

  it("resolves a call in an architecture's code to that architecture's definition, and never across tools/", async () => {
    const program = new Program(await getParser());
    const def = (tag: string): string => `int do_page_fault(struct pt_regs *regs)\n{\n\treturn ${tag};\n}\n`;
    program.add('arch/alpha/mm/fault.c', def('1'));
    program.add('arch/m68k/mm/fault.c', def('2'));
    program.add('arch/x86/um/fault.c', def('3'));
    program.add('tools/testing/vma/vma_internal.h', 'static inline int vma_helper(void)\n{\n\treturn 0;\n}\n');
    program.add('mm/internal.h', 'static inline int mm_helper(void)\n{\n\treturn 0;\n}\n');
    const callers = (path: string, name = 'do_page_fault'): Promise<string[]> =>
      analyzeSource(caller0, path).then((from) => program.definitions(name, from).map((d) => d.file.path));
    expect(await callers('arch/m68k/kernel/sys_m68k.c')).toEqual(['arch/m68k/mm/fault.c']);
    // Generic code may reach any architecture's; user-mode Linux reaches its host's arch/x86/um.
    expect(await callers('mm/memory.c')).toEqual(['arch/alpha/mm/fault.c', 'arch/m68k/mm/fault.c', 'arch/x86/um/fault.c']);
    expect(await callers('arch/um/kernel/trap.c')).toEqual(['arch/x86/um/fault.c']);
    expect(await callers('mm/vma.c', 'vma_helper')).toEqual([]);
    expect(await callers('tools/testing/vma/vma.c', 'vma_helper')).toEqual(['tools/testing/vma/vma_internal.h']);
    expect(await callers('tools/testing/vma/vma.c', 'mm_helper')).toEqual([]);
    // A tree under directories that happen to be called arch/ or tools/ reads the same.
    expect(reachable('/src/arch/linux/arch/m68k/kernel/a.c', '/src/arch/linux/arch/alpha/mm/fault.c')).toBe(false);
    expect(reachable('/src/arch/linux/mm/a.c', '/src/arch/linux/arch/alpha/mm/fault.c')).toBe(true);
    expect(reachable('/home/tools/linux/mm/a.c', '/home/tools/linux/mm/b.c')).toBe(true);
  });

  it("resolves the caller's own file first, then other files' external and header definitions", async () => {
    const program = new Program(await getParser());
    program.add('mm/b.c', helper);
    program.add('mm/internal.h', header);
    const a = await analyzeSource(`${caller}\nstatic void finish_for_caller(struct mmu_gather *tlb) { }\n`, 'mm/a.c');
    expect(program.definitions('finish_for_caller', a).map((d) => d.file.path)).toEqual(['mm/a.c']);
    const plain = await analyzeSource(caller, 'mm/a.c');
    expect(program.definitions('finish_for_caller', plain).map((d) => `${d.file.path}:${d.span.name}`)).toEqual(['mm/b.c:finish_for_caller']);
    expect(program.definitions('header_finish', plain).map((d) => d.file.path)).toEqual(['mm/internal.h']);
    expect(program.definitions('local_only', plain)).toEqual([]);
  });

  it('seen from the file under review, never resolves into the tree\'s copy of that file, not even from a helper elsewhere', async () => {
    // A review shares one Program between the changed files of a directory; mm/a.c is in it as
    // a neighbour of the others, and is under review here.
    const program = new Program(await getParser());
    program.add('mm/a.c', `${caller}
void a_callback(struct mmu_gather *tlb)
{
	tlb_finish_mmu(tlb);
}
`);
    program.add('mm/b.c', helper);
    const fromB = program.open('mm/b.c', helper);
    expect(program.definitions('a_callback', fromB).map((d) => d.file.path)).toEqual(['mm/a.c']);
    const view = program.excluding('mm/a.c');
    expect(view.definitions('a_callback', fromB)).toEqual([]);
    // Everything else resolves as before, with the analysed files shared.
    const reviewed = await analyzeSource(caller, 'mm/a.c');
    expect(view.definitions('finish_for_caller', reviewed).map((d) => d.file)).toEqual([fromB]);
    expect([program.size, program.has('mm/a.c'), program.has('mm/c.c')]).toEqual([2, true, false]);
  });
});

describe('widen scan resolves helpers across the files it scans', () => {
  it('takes a helper in another file that finishes the gather as finishing it', async () => {
    const dir = tree({ 'a.c': caller, 'b.c': helper });
    const report = await scan({ paths: [dir], rules: [gather], jobs: 1 });
    expect(report.findings).toEqual([]);
  });

  it('does the same in worker threads, where the caller and the helper are read by different workers', async () => {
    // Files are dealt to the two workers in turn (a.c to the first, b.c to the second); 62 files
    // that mention no trigger make the scan big enough for workers.
    const filler = Object.fromEntries(Array.from({ length: 62 }, (_, i) => [`z${String(i).padStart(2, '0')}.c`, `int z${i};\n`]));
    const workerUrl = new URL('../../dist/pipeline/scan-worker.js', import.meta.url);
    const clean = await scan({ paths: [tree({ 'a.c': caller, 'b.c': helper, ...filler })], rules: [gather], jobs: 2, workerUrl });
    expect([clean.findings, clean.stats.files]).toEqual([[], 64]);
    const leaky = await scan({ paths: [tree({ 'a.c': caller, 'b.c': helper.replace('\ttlb_finish_mmu(tlb);\n', ''), ...filler })], rules: [gather], jobs: 2, workerUrl });
    expect(leaky.findings.map((f) => [f.rule, f.line])).toEqual([['tlb-gather-finish-balance', lineOf(caller, 'tlb_gather_mmu')]]);
  });

  it('reports the leak when no scanned file defines the helper (a function widen cannot see is taken to leave the gather alone)', async () => {
    const dir = tree({ 'a.c': caller });
    const report = await scan({ paths: [dir], rules: [gather], jobs: 1 });
    expect(report.findings.map((f) => [f.rule, f.messageId, f.line])).toEqual([['tlb-gather-finish-balance', 'missingFinish', lineOf(caller, 'tlb_gather_mmu')]]);
  });

  it('reports the leak when the helper in another file only flushes', async () => {
    const leaky = helper.replace('\ttlb_finish_mmu(tlb);\n', '');
    const dir = tree({ 'a.c': caller, 'b.c': leaky });
    const report = await scan({ paths: [dir], rules: [gather], jobs: 1 });
    expect(report.findings.map((f) => [f.rule, f.line])).toEqual([['tlb-gather-finish-balance', lineOf(caller, 'tlb_gather_mmu')]]);
  });
});

describe('BracketSummaries', () => {
  const lock: BracketPair = {
    id: 'test-lock',
    noun: 'lock',
    verb: 'locked',
    opens: [{ name: 'foo_lock', objectArg: 0 }],
    closes: [{ name: 'foo_unlock', objectArg: 0 }],
    owner: { kind: 'any' },
    annotated: 'lock',
    helpers: [{ name: 'drop_elsewhere', arg: 0, effect: 'closes' }],
  };
  const source = `void drop_annotated(struct foo *f) __releases(&f->lock)
{
	hand_off(f);
}

void take_annotated(struct foo *f)
	__acquires(f->lock)
{
	hand_on(f);
}

void held(struct foo *f) __must_hold(&f->lock)
{
	foo_unlock(f);
	foo_lock(f);
}

void body_only(struct foo *f)
{
	foo_unlock(f);
}
`;

  it('reads __releases, __acquires and __must_hold on a parameter as the helper summary', async () => {
    const file = await analyzeSource(source);
    const s = new BracketSummaries();
    expect(s.effect(lock, 'drop_annotated', 0, file)).toBe('closes');
    expect(s.effect(lock, 'take_annotated', 0, file)).toBe('opens');
    expect(s.effect(lock, 'held', 0, file)).toBe('none');
    expect(s.effect(lock, 'body_only', 0, file)).toBe('closes');
  });

  it('ignores annotations for a resource that says nothing of them', async () => {
    const file = await analyzeSource(source);
    const { annotated: _, ...plain } = lock;
    expect(new BracketSummaries().effect({ ...plain, id: 'plain' }, 'drop_annotated', 0, file)).toBe('none');
  });

  it("takes the resource's known kernel helpers as given, with no body to read", async () => {
    const file = await analyzeSource(source);
    expect(new BracketSummaries().effect(lock, 'drop_elsewhere', 0, file)).toBe('closes');
    expect(new BracketSummaries().effect(lock, 'drop_elsewhere', 1, file)).toBe('none');
  });
});
