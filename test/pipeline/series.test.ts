/**
 * Series as they arrive: a bug that a later patch fixes stays on the patch that introduced it,
 * series are ordered by `n/m` whatever the order of the files, gaps are errors (or notes), a
 * tree that already holds the patch is reviewed as the post-patch state, and fingerprints
 * survive moved and re-indented code.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyFilePatch, readPatches, readSeries } from '../../src/patch/index.js';
import { PatchError } from '../../src/patch/errors.js';
import { review } from '../../src/pipeline/review.js';
import { renderEmail } from '../../src/render/email.js';
import { DirectorySource, MemorySource } from '../../src/pipeline/source.js';
import { RULES } from '../../src/rules/index.js';
import { ScratchRepo } from '../helpers/git.js';
import { repoRoot } from '../helpers/root.js';

const seedDir = join(repoRoot(), 'examples', 'seed');
const base = readFileSync(join(seedDir, 'tree/mm/memory.c'), 'utf8');
let seeded: string;
let seedSubject: string;

beforeAll(async () => {
  const [patch] = await readPatches(readFileSync(join(seedDir, 'seed.patch')), 'seed.patch');
  seeded = applyFilePatch(base, patch!.files[0]!, patch!).text;
  seedSubject = patch!.subject!;
});

/** A repository with the seed tree as base and five patches: the bug comes in 2 and goes in 5. */
function fivePatchSeries(): ScratchRepo {
  const repo = new ScratchRepo();
  repo.commit({ 'mm/memory.c': base }, 'mm: base');
  let text = base.replace('static void zap_one_vma', 'static noinline void zap_one_vma');
  repo.commit({ 'mm/memory.c': text }, 'mm: keep zap_one_vma out of line');
  text = seeded.replace('static void zap_one_vma', 'static noinline void zap_one_vma');
  repo.commit({ 'mm/memory.c': text }, seedSubject);
  text = text.replace('\tstruct mmu_gather tlb;\n', '\tstruct mmu_gather tlb;\n\tunsigned long zapped = 0;\n');
  repo.commit({ 'mm/memory.c': text }, 'mm: count zapped VMAs');
  text = text.replace('\t\tzap_one_vma(&tlb, vma, start, end);\n', '\t\tzap_one_vma(&tlb, vma, start, end), zapped++;\n');
  repo.commit({ 'mm/memory.c': text }, 'mm: really count them');
  text = text.replace('\t\ttlb_start_vma(tlb, vma);\n\n', '').replace('\n\t\ttlb_end_vma(tlb, vma);\n', '\n');
  repo.commit({ 'mm/memory.c': text }, 'mm: drop the per-VMA bracket from free_pgtables()');
  return repo;
}

describe('a bug fixed later in the series', () => {
  test('stays reported against patch 2, with fixedBy naming patch 5', async () => {
    const repo = fivePatchSeries();
    try {
      const patches = await readPatches(repo.formatPatch(5), 'series.mbox');
      const report = await review({ patches, tree: new DirectorySource(repo.snapshot(5)), rules: RULES });
      const fix = { index: 5, subject: 'mm: drop the per-VMA bracket from free_pgtables()', total: 5 };
      expect(report.findings.map((f) => [f.rule, f.line, f.patch?.index, f.fixedBy])).toEqual([
        ['tlb-vma-bracket-vma-reassigned', 31, 2, fix],
        ['tlb-vma-bracket-misuse', 31, 2, fix],
      ]);
      // The reply to patch 2 asks to fold the fix in, as text and markdown say it is fixed later (sweep H).
      const mail = renderEmail(report, patches).text.replace(/\n/g, ' ');
      expect(mail).toContain('A later patch 5 fixes this ("mm: drop the per-VMA bracket from free_pgtables()"), but the series does not bisect cleanly in between: please fold the fix into this patch.');
    } finally {
      repo.remove();
    }
  });

  test('patch 5 alone, on the tree after patch 4, reports nothing: fixing is not a finding', async () => {
    const repo = fivePatchSeries();
    try {
      const patches = await readPatches(repo.formatPatch(1), 'fix.patch');
      const report = await review({ patches, tree: new DirectorySource(repo.snapshot(1)), rules: RULES });
      expect([report.findings, report.stats.functions]).toEqual([[], 1]);
    } finally {
      repo.remove();
    }
  });
});

describe('series order and gaps', () => {
  /** `git format-patch --cover-letter` files of the five-patch series, by their file names. */
  function patchFiles(repo: ScratchRepo): string[] {
    return repo.git('format-patch', '--cover-letter', '--thread', '-5', '-o', join(repo.dir, 'out')).trim().split('\n');
  }

  test('files given out of order (cover letter among them) are ordered by the n/m of their subjects', async () => {
    const repo = fivePatchSeries();
    try {
      const files = patchFiles(repo);
      expect(files.map((f) => f.replace(/^.*\//, '').slice(0, 4))).toEqual(['0000', '0001', '0002', '0003', '0004', '0005']);
      const shuffled = [files[4]!, files[0]!, files[2]!, files[5]!, files[1]!, files[3]!];
      const { patches, gaps } = await readSeries(shuffled.map((f) => ({ input: readFileSync(f), source: f })));
      expect(gaps).toEqual([]);
      expect(patches.map((p) => [p.index, p.total, p.subject, p.source])).toEqual([
        [1, 5, 'mm: keep zap_one_vma out of line', files[1]],
        [2, 5, seedSubject, files[2]],
        [3, 5, 'mm: count zapped VMAs', files[3]],
        [4, 5, 'mm: really count them', files[4]],
        [5, 5, 'mm: drop the per-VMA bracket from free_pgtables()', files[5]],
      ]);
    } finally {
      repo.remove();
    }
  });

  test('a missing patch is an error naming it; with allowGaps, the rest and a sentence per gap', async () => {
    const repo = fivePatchSeries();
    try {
      const files = patchFiles(repo);
      const inputs = [files[0]!, files[1]!, files[3]!, files[4]!, files[5]!].map((f) => ({ input: readFileSync(f), source: f }));
      const error = await readSeries(inputs).then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(PatchError);
      expect((error as PatchError).kind).toBe('missing-patch');
      expect((error as PatchError).message).toBe(
        'the 5 files given hold patches 1/5, 3/5, 4/5, 5/5 of a 5-patch series, but patch 2/5 is missing. The later patches may depend on it; ' +
          'save the whole series (for example with `b4 am <message-id>`) and try again, or give --allow-gaps to review the patches that are there.',
      );
      const { patches, gaps } = await readSeries(inputs, { allowGaps: true });
      expect(patches.map((p) => p.index)).toEqual([1, 3, 4, 5]);
      expect(gaps).toEqual(['Patch 2/5 is missing in the 5 files given; widen reviewed the patches that are there without it.']);
      // Only the last ones missing: nothing given builds on them (sweep AH).
      const last = await readSeries(inputs.slice(0, 3).concat([{ input: readFileSync(files[2]!), source: files[2]! }])).then(() => null, (e: unknown) => e);
      expect((last as PatchError).message).toBe(
        'the 4 files given hold patches 1/5, 2/5, 3/5 of a 5-patch series, but patches 4/5 and 5/5 are missing. The patches that are there do not build on what is missing, but the series is not whole; ' +
          'save the whole series (for example with `b4 am <message-id>`) and try again, or give --allow-gaps to review the patches that are there.',
      );
    } finally {
      repo.remove();
    }
  });

  test('the cover letter alone says what it is, not that it "carries a diff"', async () => {
    const repo = fivePatchSeries();
    try {
      const [cover] = patchFiles(repo);
      const error = (await readPatches(readFileSync(cover!), 'cover.patch').catch((e: unknown) => e)) as PatchError;
      expect(error.message).toBe(
        'cover.patch is the cover letter of a 5-patch series ("[PATCH 0/5] *** SUBJECT HERE ***"), which carries no diff. ' +
          'Give widen the patch mails too (`widen review 00*.patch`, or the mbox from `b4 am <message-id>`).',
      );
    } finally {
      repo.remove();
    }
  });
});

describe('a tree that already holds the patch', () => {
  test('`git format-patch -1 | widen review --tree .` reviews the tree as the post-patch state and says so', async () => {
    const repo = fivePatchSeries();
    try {
      repo.git('checkout', '-q', 'HEAD~3');
      const patches = await readPatches(repo.formatPatch(1), 'seed.patch');
      const report = await review({ patches, tree: new DirectorySource(repo.dir), rules: RULES });
      expect(report.findings.map((f) => [f.rule, f.line, f.patch?.index])).toEqual([
        ['tlb-vma-bracket-vma-reassigned', 31, 1],
        ['tlb-vma-bracket-misuse', 31, 1],
      ]);
      expect(report.notes.map((n) => [n.kind, n.path, n.message])).toEqual([
        ['already-applied', 'mm/memory.c', `The tree already holds patch "${seedSubject}" (seed.patch): its hunks are in mm/memory.c and undoing them gives a file they apply to. widen reviewed the tree as the state after the patch.`],
      ]);
    } finally {
      repo.remove();
    }
  });

  test('a hunk that matches neither before nor after is still an error', async () => {
    const patches = await readPatches(readFileSync(join(seedDir, 'seed.patch')), 'seed.patch');
    const tree = new MemorySource({ 'mm/memory.c': base.replace(/\t\tunlink_file_vma\(vma\);\n\n/, '\t\tunlink_file_vma(vma);\n\t\tcond_resched();\n') });
    await expect(review({ patches, tree, rules: RULES })).rejects.toMatchObject({ kind: 'patch-does-not-apply' });
  });
});

describe('fingerprints survive moved and re-indented code', () => {
  /** The patch that turns `before` into `after`, reviewed on `before`. */
  async function reviewChange(before: string, after: string) {
    const repo = new ScratchRepo();
    try {
      repo.commit({ 'mm/memory.c': before }, 'mm: base');
      writeFileSync(join(repo.dir, 'mm/memory.c'), after);
      repo.git('commit', '-qam', 'mm: move things around');
      const patches = await readPatches(repo.formatPatch(1), 'move.patch');
      return await review({ patches, tree: new MemorySource({ 'mm/memory.c': before }), rules: RULES });
    } finally {
      repo.remove();
    }
  }

  const fnStart = (text: string): number => text.indexOf('void free_pgtables(');
  const fnEnd = (text: string): number => text.indexOf('/*\n * Zap the pages of one VMA');

  test('the buggy function moved below another one, re-indented with spaces and re-wrapped: no finding', async () => {
    const fn = seeded.slice(fnStart(seeded), fnEnd(seeded));
    const reindented = fn
      .replace(/^\t+/gm, (tabs) => '    '.repeat(tabs.length))
      .replace(/vma->vm_end,\n\s+floor, next/g, 'vma->vm_end, floor, next');
    expect(reindented).not.toBe(fn);
    const moved = `/* Helpers come first now. */\n\n${seeded.slice(0, fnStart(seeded))}${seeded.slice(fnEnd(seeded))}\n${reindented}`;
    const report = await reviewChange(seeded, moved);
    expect(report.findings).toEqual([]);
    expect(report.stats.functions).toBeGreaterThanOrEqual(1);
  });

  test('the same move of the clean function is clean, and a real change in the moved code is still found', async () => {
    const fn = seeded.slice(fnStart(seeded), fnEnd(seeded));
    const withoutBracket = fn.replace('\t\ttlb_start_vma(tlb, vma);\n\n', '').replace('\n\t\ttlb_end_vma(tlb, vma);\n', '\n');
    const before = `${seeded.slice(0, fnStart(seeded))}${withoutBracket}${seeded.slice(fnEnd(seeded))}`;
    const moved = `${seeded.slice(0, fnStart(seeded))}${seeded.slice(fnEnd(seeded))}\n${fn.replace(/^\t/gm, '        ')}`;
    const report = await reviewChange(before, moved);
    expect(report.findings.map((f) => [f.rule, f.function])).toEqual([
      ['tlb-vma-bracket-vma-reassigned', 'free_pgtables'],
      ['tlb-vma-bracket-misuse', 'free_pgtables'],
    ]);
  });
});
