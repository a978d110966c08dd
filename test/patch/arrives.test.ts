/**
 * Mail as it really arrives: the fixtures of test/fixtures/patch that generate.sh makes with git
 * (and b4) for the shapes a kernel reviewer meets, each read and applied, and compared with what
 * `git am` / `git apply` wrote where git can apply it (generate.sh checks each with git first).
 */
import { applyFilePatch } from '../../src/patch/apply.js';
import { readPatches, readSeries } from '../../src/patch/read.js';
import type { Patch } from '../../src/patch/types.js';
import { fixture, fixtureBytes } from './fixtures.js';

/** Applies the patches in order on trees/base and returns every file they changed. */
function applyOnBase(patches: readonly Patch[]): Map<string, string> {
  const tree = new Map<string, string>();
  const read = (path: string): string => tree.get(path) ?? fixture(`trees/base/${path}`);
  for (const patch of patches) {
    for (const fp of patch.files) {
      const text = applyFilePatch(fp.oldPath === null ? '' : read(fp.oldPath), fp, patch).text;
      if (fp.newPath !== null) tree.set(fp.newPath, text);
    }
  }
  return tree;
}

/** Checks that the changed files are exactly those of expected/<dir>, with its contents. */
function expectTree(tree: Map<string, string>, dir: string, paths: string[]): void {
  expect([...tree.keys()].sort()).toEqual(paths);
  for (const [path, text] of tree) expect(text).toBe(fixture(`expected/${dir}/${path}`));
}

const SERIES_FILES = ['include/linux/pgwalk.h', 'mm/pgwalk.c', 'mm/reclaim_hint.c'];
const SERIES_SUBJECTS = ['mm/pgwalk: skip VM_IO mappings', 'mm/pgwalk: count the pages behind huge PMDs', 'mm/reclaim_hint: take huge pages into account'];

describe('mail as it really arrives', () => {
  test('git log -p with several commits: one patch per commit, oldest first, each applying on the last', async () => {
    const patches = await readPatches(fixture('log-p.txt'), 'log-p.txt');
    expect(patches.map((p) => [p.index, p.total, p.subject, p.from])).toEqual(SERIES_SUBJECTS.map((s, k) => [k + 1, 3, s, 'Jane Developer <jane@example.org>']));
    expect(patches[0]!.description).toBe('I/O mappings have no struct page behind them either; walking them only\nproduces noise in the statistics.\n\nSigned-off-by: Jane Developer <jane@example.org>');
    expectTree(applyOnBase(patches), 'series', SERIES_FILES);
    // Each is a commit as `--git` reads one (sweep AH: a reply to it had no Subject or To), with
    // git's date in the form of a mail's.
    const last = patches[2]!;
    expect(last.date).toBe('Tue, 5 Mar 2024 10:00:00 +0000');
    expect([last.commit?.sha, last.commit?.author, last.commit?.subject, last.commit?.trailers]).toEqual([
      'bbc9e8277becfb60a6592ae16665057b3b7f6b11',
      { name: 'Jane Developer', email: 'jane@example.org' },
      SERIES_SUBJECTS[2],
      [{ key: 'Signed-off-by', value: 'Jane Developer <jane@example.org>' }],
    ]);
  });

  test('diff.noprefix: paths are not stripped of their first directory', async () => {
    const [patch] = await readPatches(fixture('noprefix.patch'), 'noprefix.patch');
    expect(patch!.files.map((fp) => [fp.oldPath, fp.newPath])).toEqual([
      ['mm/pgwalk.c', 'mm/pgwalk.c'],
      ['mm/reclaim_hint.c', 'mm/reclaim_hint.c'],
    ]);
    expectTree(applyOnBase([patch!]), 'two-files', ['mm/pgwalk.c', 'mm/reclaim_hint.c']);
  });

  test('mboxrd: `>From ` lines of the message are unescaped, one `>` at a time', async () => {
    const [patch] = await readPatches(fixture('mboxrd.mbox'), 'mboxrd.mbox');
    expect(patch!.description.split('\n').slice(0, 2)).toEqual(['From the numbers in the last report, four scans too often.', '>From the list: "five is what we use".']);
    expect(applyOnBase([patch!]).get('mm/reclaim_hint.c')).toContain('static unsigned int reclaim_hint_ratio = 5;\n');
  });

  test('a latin-1 mail: RFC 2047 ISO-8859-1 headers and an 8-bit latin-1 body decode to the right characters', async () => {
    const [patch] = await readPatches(fixtureBytes('latin1.patch'), 'latin1.patch');
    expect([patch!.subject, patch!.from]).toEqual(['mm/pgwalk: spell the naïve increment out', 'José Núñez <jose@example.org>']);
    expect(patch!.description).toBe('Café-grade clarity.\n\nSigned-off-by: José Núñez <jose@example.org>');
    expect(applyOnBase([patch!]).get('mm/pgwalk.c')).toContain('\tstats->walked += 1;\n');
  });

  test('scissors: the discussion above `-- >8 --` is dropped, the in-body From and Subject below it win', async () => {
    const [patch] = await readPatches(fixture('scissors.eml'), 'scissors.eml');
    expect([patch!.subject, patch!.from, patch!.rawSubject]).toEqual(['mm/pgwalk: stop walking on fatal signals', 'Jane Developer <jane@example.org>', 'Re: [PATCH] mm/pgwalk: stop walking on fatal signals']);
    expect(patch!.description.split('\n')[0]).toBe('A walk over a large address space can take a while, and a task that has');
    expect(patch!.description).not.toContain('Agreed');
    expectTree(applyOnBase([patch!]), 'two-files', ['mm/pgwalk.c', 'mm/reclaim_hint.c']);
  });

  test('scissors under a reply to patch 2/5: the patch below is numbered by its own subject (sweep AH)', async () => {
    const mail = fixture('scissors.eml').replace('Subject: Re: [PATCH] mm/pgwalk', 'Subject: Re: [PATCH 2/5] mm/pgwalk');
    const reading = await readSeries([{ input: mail, source: 'scissors.eml' }]);
    expect(reading.patches.map((p) => [p.index, p.total, p.subject])).toEqual([[1, 1, 'mm/pgwalk: stop walking on fatal signals']]);
    expect(reading.gaps).toEqual([]);
  });

  test('a copy with edits (--find-copies-harder): status copied, both paths, the hunks apply to the source', async () => {
    const [patch] = await readPatches(fixture('copy.diff'), 'copy.diff');
    expect(patch!.files.map((fp) => [fp.status, fp.oldPath, fp.newPath, fp.similarity])).toEqual([['copied', 'mm/old_walk_stats.c', 'mm/walk_stats_copy.c', 64]]);
    const copied = applyOnBase([patch!]).get('mm/walk_stats_copy.c')!;
    expect(copied).toBe(fixture('trees/base/mm/old_walk_stats.c').replace('walk_stats_reset', 'walk_stats_clear').replace('walk_stats_total', 'walk_stats_sum'));
  });

  test('b4 am: the .mbx with trailers folded in; with its .cover given too, the cover letter is skipped', async () => {
    const patches = await readPatches(fixture('b4-am.mbx'), 'b4-am.mbx');
    expect(patches.map((p) => [p.index, p.total, p.subject])).toEqual(SERIES_SUBJECTS.map((s, k) => [k + 1, 3, s]));
    expect(patches[0]!.description.split('\n').slice(-3)).toEqual(['Reviewed-by: Rita Reviewer <rita@example.org>', 'Tested-by: Tom Tester <tom@example.org>', 'Signed-off-by: Jane Developer <jane@example.org>']);
    expectTree(applyOnBase(patches), 'series', SERIES_FILES);
    const both = await readSeries([
      { input: fixture('b4-am.mbx'), source: 'b4-am.mbx' },
      { input: fixture('b4-am.cover'), source: 'b4-am.cover' },
    ]);
    expect(both.patches.map((p) => [p.index, p.source])).toEqual([[1, 'b4-am.mbx'], [2, 'b4-am.mbx'], [3, 'b4-am.mbx']]);
  });
});
