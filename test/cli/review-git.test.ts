/**
 * `widen review --git BASE..HEAD` as users run it (the built CLI in a child process, in a
 * scratch repository committed with real git): each commit reviewed as a patch of a series, the
 * finding of commit 2 reported against it with commit 3 named as its fix, nothing written to
 * the working tree or the index, and a clear message for every range widen cannot take.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../helpers/root.js';
import { seedSeries, SERIES_SUBJECTS, type SeedSeries } from '../helpers/seed-series.js';

const bin = join(repoRoot(), 'dist', 'cli', 'main.js');

function widen(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [bin, 'review', ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

let series: SeedSeries;
beforeAll(async () => {
  series = await seedSeries();
});
afterAll(() => series?.repo.remove());

test('the finding of commit 2 is reported against it, with commit 3 named as the later fix', () => {
  const { stdout, status } = widen(series.repo.dir, '--git', `${series.base.sha}..HEAD`, '--format', 'json');
  expect(status).toBe(1);
  const out = JSON.parse(stdout) as { findings: Array<Record<string, unknown>> };
  const [c1, c2, c3] = series.commits;
  expect(out.findings.map((f) => [f['rule'], f['line'], f['patch'], f['fixedBy'] ?? null])).toEqual([
    ['tlb-vma-bracket-vma-reassigned', 31, { index: 2, subject: SERIES_SUBJECTS[1], commit: c2!.sha }, { index: 3, subject: SERIES_SUBJECTS[2], commit: c3!.sha }],
    ['tlb-vma-bracket-misuse', 31, { index: 2, subject: SERIES_SUBJECTS[1], commit: c2!.sha }, { index: 3, subject: SERIES_SUBJECTS[2], commit: c3!.sha }],
    ['tlb-vma-bracket-misuse', 32, { index: 3, subject: SERIES_SUBJECTS[2], commit: c3!.sha }, null],
  ]);
  // Commit 1 only rewords a comment: nothing is reported against it.
  expect(JSON.stringify(out)).not.toContain(c1!.sha);

  const text = widen(series.repo.dir, '--git', `${series.base.sha}..HEAD`, '--rules', 'tlb-vma-bracket-vma-reassigned');
  expect(text.stdout.split('\n').slice(0, 4)).toEqual([
    'mm/memory.c:31:3: error: `vma` changes between `tlb_start_vma()` and `tlb_end_vma()` [tlb-vma-bracket-vma-reassigned]',
    `  introduced by patch 2 (commit ${c2!.sha.slice(0, 12)}): ${SERIES_SUBJECTS[1]}`,
    `  fixed by patch 3 (commit ${c3!.sha.slice(0, 12)}): ${SERIES_SUBJECTS[2]} (the series does not bisect cleanly in between)`,
    // Patch 3 changes the file: the excerpt's lines are patch 2's (sweep AK).
    `  lines as patch 2 (commit ${c2!.sha.slice(0, 12)}) left the file; a later patch changes it`,
  ]);
});

test('--series squashed reviews the range as one change: the fixed bug is not seen at all', () => {
  const { stdout, status } = widen(series.repo.dir, '--git', `${series.base.sha}..HEAD`, '--series', 'squashed', '--format', 'json');
  expect(status).toBe(0);
  const out = JSON.parse(stdout) as { findings: Array<Record<string, unknown>> };
  expect(out.findings.map((f) => [f['rule'], f['line'], (f['patch'] as { subject: string }).subject])).toEqual([
    ['tlb-vma-bracket-misuse', 32, `${series.base.sha}..HEAD (3 commits, squashed)`],
  ]);
});

test('nothing is written: the working tree, the index and HEAD are as they were, uncommitted changes included', () => {
  const dir = series.repo.dir;
  series.repo.write({ 'mm/memory.c': `${series.commits[2]!.text}/* an uncommitted edit */\n` });
  const indexPath = join(dir, '.git', 'index');
  // The test's own `git status` must not write the index either: without --no-optional-locks it
  // refreshes racily clean entries, and the index's mtime moved in about one run in three.
  const hash = (p: string): string => createHash('sha1').update(readFileSync(p)).digest('hex');
  const before = { status: series.repo.git('--no-optional-locks', 'status', '--porcelain=v1', '-uall'), index: hash(indexPath), mtime: statSync(indexPath).mtimeMs, file: hash(join(dir, 'mm/memory.c')), head: series.repo.git('rev-parse', 'HEAD') };
  expect(widen(dir, '--git', `${series.base.sha}..HEAD~1`).status).toBe(1);
  const after = { status: series.repo.git('--no-optional-locks', 'status', '--porcelain=v1', '-uall'), index: hash(indexPath), mtime: statSync(indexPath).mtimeMs, file: hash(join(dir, 'mm/memory.c')), head: series.repo.git('rev-parse', 'HEAD') };
  expect(after).toEqual(before);
  expect(before.status).toBe(' M mm/memory.c\n');
  series.repo.git('checkout', '--', 'mm/memory.c');
});

test('a range widen cannot take gets one clear line and exit 2', () => {
  const outside = mkdtempSync(join(tmpdir(), 'widen-nogit-'));
  try {
    const cases: Array<[string, string[], RegExp]> = [
      [outside, ['--git', 'HEAD~1..HEAD'], /^widen: --git reads commits from git, but .* is not in a git checkout/],
      [series.repo.dir, ['--git', 'HEAD'], /^widen: --git HEAD is not a range of commits\. Give BASE\.\.HEAD/],
      [series.repo.dir, ['--git', 'HEAD~1...HEAD'], /^widen: --git HEAD~1\.\.\.HEAD is not a range of commits/],
      [series.repo.dir, ['--git', 'no-such-branch..HEAD'], /^widen: --git no-such-branch\.\.HEAD: 'no-such-branch' is not a commit of the repository/],
      [series.repo.dir, ['--git', 'HEAD..HEAD~2'], /^widen: --git HEAD\.\.HEAD~2 holds no commits: every commit of HEAD~2 is already in HEAD\. Give the older commit first/],
      [series.repo.dir, ['--git', 'HEAD~1..HEAD', 'x.patch'], /^widen: --git reviews commits of the repository you are in/],
      [series.repo.dir, ['--git', 'HEAD~1..HEAD', '--series', 'one-by-one'], /^widen: --series must be per-commit or squashed, not 'one-by-one'\./],
      [series.repo.dir, ['--series', 'squashed', 'x.patch'], /^widen: --series says how to review the commits of --pr or --git/],
    ];
    for (const [cwd, args, message] of cases) {
      const r = widen(cwd, ...args);
      expect([r.status, r.stdout, r.stderr]).toEqual([2, '', expect.stringMatching(message)]);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  } finally {
    rmSync(outside, { recursive: true, force: true });
  }
});

test('a merge commit in the range is left out with a note; the commits around it are reviewed', () => {
  const repo = series.repo;
  const top = repo.git('rev-parse', 'HEAD').trim();
  const branch = repo.git('branch', '--show-current').trim();
  try {
    repo.git('checkout', '-q', '-b', 'side', series.base.sha);
    repo.commit({ 'mm/other.c': 'int other;\n' }, 'mm: a file of its own');
    repo.git('checkout', '-q', branch);
    repo.git('merge', '-q', '--no-edit', 'side');
    const merge = repo.git('rev-parse', 'HEAD').trim();
    const { stdout, status } = widen(repo.dir, '--git', `${series.base.sha}..HEAD`, '--format', 'json');
    expect(status).toBe(1);
    const out = JSON.parse(stdout) as { findings: Array<{ rule: string; patch: { index: number; subject: string } }>; notes: Array<Record<string, unknown>> };
    expect(out.notes).toEqual([{ kind: 'skipped-commit', path: `commit ${merge.slice(0, 12)}`, line: 0, endLine: 0, function: null, message: `commit ${merge.slice(0, 12)} is a merge; widen reviews the range's own commits as patches and left it out, so changes made in the merge itself were not checked.` }]);
    // The side branch's commit is reviewed too, as patch 4: its bare message draws the hygiene notes.
    expect(out.findings.map((f) => [f.rule, f.patch.index])).toEqual([
      ['patch-mm-empty-body', 4],
      ['patch-signoff-author', 4],
      ['tlb-vma-bracket-vma-reassigned', 2],
      ['tlb-vma-bracket-misuse', 2],
      ['tlb-vma-bracket-misuse', 3],
    ]);
  } finally {
    repo.git('reset', '-q', '--hard', top);
  }
});
