/**
 * A pull request as a patch series, the App in-process against the GitHub stand-in (which
 * serves the commits and each commit's files as GitHub does, and rejects any comment GitHub
 * would): commit 1 harmless, commit 2 the seed bug, commit 3 the bracket moved into the loop.
 * The bug stays reported against commit 2, with commit 3 named as its fix; each file's content
 * is fetched once; a pull request of 60 commits is reviewed squashed, and says so.
 */
import { Probot } from 'probot';
import { createWidenApp } from '../../src/github/app.js';
import { WidenOctokit } from '../../src/github/octokit.js';
import { generatePrivateKey, startGitHubStandIn, type StandIn, type StandInCommit, type StandInPull } from '../helpers/github-stand-in.js';
import { pullRequestPayload } from '../helpers/payloads.js';
import { REVERT_SUBJECT, seedSeries, SERIES_SUBJECTS, type SeedSeries } from '../helpers/seed-series.js';

const privateKey = generatePrivateKey();
const INSTALLATION = 8;

let github: StandIn;
let series: SeedSeries;
beforeAll(async () => {
  series = await seedSeries();
});
afterAll(() => series?.repo.remove());
afterEach(async () => github?.close());

/** The series' author, whose sign-off its commits carry. */
const AUTHOR = { name: 'Test Author', email: 'author@example.org' };

function seriesPull(commits: StandInCommit[] = series.commits.map((c) => ({ sha: c.sha, message: c.message, author: AUTHOR, files: [{ filename: series.path, status: 'modified', sha: c.blob, patch: c.patch }] })), s: SeedSeries = series): StandInPull {
  return {
    number: 21,
    title: 'mm: free_pgtables() and the mmu_gather bracket',
    head: { sha: commits[commits.length - 1]!.sha, ref: 'series' },
    base: { sha: s.base.sha, ref: 'main' },
    files: [{ filename: s.path, status: 'modified', sha: s.commits[2]!.blob, patch: s.finalPatch }],
    commits,
  };
}

async function deliver(pull: StandInPull, config?: string, s: SeedSeries = series): Promise<void> {
  const blobs = Object.fromEntries(s.commits.map((c) => [c.blob, c.text]));
  github = await startGitHubStandIn({ repos: [{ owner: 'mm', name: 'linux', installationId: INSTALLATION, pulls: [pull], blobs, ...(config ? { config } : {}) }] });
  const widen = createWidenApp();
  const Octokit = WidenOctokit.defaults((o: Record<string, unknown>) => ({ ...o, retry: { enabled: false }, throttle: { ...(o['throttle'] as object), enabled: false } }));
  const probot = new Probot({ appId: github.appId, privateKey, logLevel: 'fatal', Octokit, baseUrl: github.url });
  await probot.load(widen.appFn);
  const payload = pullRequestPayload('opened', { owner: 'mm', repo: 'linux', number: pull.number, headSha: pull.head.sha, baseSha: pull.base.sha, changedFiles: pull.files.length, installationId: INSTALLATION, commits: pull.commits?.length ?? 1 });
  await probot.receive({ id: 'series-1', name: 'pull_request', payload } as never);
  await widen.idle();
}

const count = (re: RegExp): number => github.requests.filter((r) => r.method === 'GET' && re.test(r.path)).length;

test('the bug of commit 2 is reported against commit 2 with the note that commit 3 fixes it; commit 3\'s own note sits inline', async () => {
  await deliver(seriesPull());
  expect(github.invalid).toEqual([]);
  expect(github.unexpected).toEqual([]);
  const [, c2, c3] = series.commits;
  const short = (sha: string): string => sha.slice(0, 12);

  expect(github.reviews).toHaveLength(1);
  const review = github.reviews[0]!;
  expect(review.commit_id).toBe(c3!.sha);
  // Commit 3 removed both ends of commit 2's bracket; the comments of commit 2's findings sit on
  // the line of their argument that the final diff still shows (`vma = next;`, the page-table
  // free), and say which commit fixed them.
  const head = c3!.text.split('\n');
  expect(review.comments.map((c) => [c.path, c.line, head[(c.line ?? 0) - 1]!.trim(), c.body.split('\n')[0]])).toEqual([
    ['mm/memory.c', 45, 'vma = next;', '🛑 **error** · [`tlb-vma-bracket-vma-reassigned`](https://github.com/widen-review/widen/blob/main/docs/rules/tlb-vma-bracket-vma-reassigned.md) · in `free_pgtables()`'],
    ['mm/memory.c', 33, 'hugetlb_free_pgd_range(tlb, addr, vma->vm_end,', 'ℹ️ **note** · [`tlb-vma-bracket-misuse`](https://github.com/widen-review/widen/blob/main/docs/rules/tlb-vma-bracket-misuse.md) · in `free_pgtables()`'],
    ['mm/memory.c', 32, 'tlb_start_vma(tlb, vma);', 'ℹ️ **note** · [`tlb-vma-bracket-misuse`](https://github.com/widen-review/widen/blob/main/docs/rules/tlb-vma-bracket-misuse.md) · in `free_pgtables()`'],
  ]);
  const [error, misuse2, misuse3] = review.comments.map((c) => c.body);
  for (const body of [error, misuse2]) {
    expect(body).toContain(`<sub>Introduced by commit \`${short(c2!.sha)}\` (2/3): ${SERIES_SUBJECTS[1]}</sub>`);
    expect(body).toContain(`<sub>A later commit fixes it: commit \`${short(c3!.sha)}\` (3/3): ${SERIES_SUBJECTS[2]}. It stays reported here because the series does not bisect cleanly in between.</sub>`);
  }
  expect(misuse3).toContain(`<sub>Introduced by commit \`${short(c3!.sha)}\` (3/3): ${SERIES_SUBJECTS[2]}</sub>`);
  expect(misuse3).not.toContain('A later commit fixes it');
  // Commit 3 changes the file commit 2's findings quote: their excerpts say whose lines they show
  // (sweep AK: an inline comment quoted commit 1's line 14 beside the pull request's line 14).
  expect(error).toContain(`Widened context from \`free_pgtables()\` in \`mm/memory.c\` as commit \`${short(c2!.sha)}\` (2/3) left it: a later commit changes the file, so its lines may differ now (`);
  expect(error).toContain(`<details><summary>The path through the function (lines as commit \`${short(c2!.sha)}\` (2/3) left the file)</summary>`);
  expect(misuse3).toContain('Widened context from `free_pgtables()` in `mm/memory.c` (');
  expect(review.body).not.toContain('### Outside the diff');

  // The error still fails the check run: commit 2 does not bisect. Its findings' own lines are
  // gone from the head commit, so only commit 3's finding is annotated there (on its head lines).
  expect(github.checkRuns.map((r) => r.conclusion)).toEqual(['failure']);
  const run = github.checkRuns[0]!;
  expect(run.annotations.map((a) => [a.path, a.start_line, a.end_line, a.title])).toEqual([['mm/memory.c', 32, 35, 'tlb-vma-bracket-misuse']]);
  expect(run.output.summary).toContain('2 findings are on lines that later commits of the pull request removed: listed below, without an annotation on the head commit.');
  expect(run.output.summary).toContain(`- **error** \`mm/memory.c:31\` in commit \`${short(c2!.sha)}\` [\`tlb-vma-bracket-vma-reassigned\`]`);
  // One commit list, one request per commit for its files, and the file's content once.
  expect([count(/\/pulls\/21\/commits$/), count(/\/commits\/[0-9a-f]{40}$/), count(/\/git\/blobs\//)]).toEqual([1, 3, 1]);
});

test('series: squashed reviews the whole diff: only what the pull request ends with', async () => {
  await deliver(seriesPull(), 'series: squashed\n');
  expect(github.invalid).toEqual([]);
  expect(github.unexpected).toEqual([]);
  expect(github.reviews[0]!.comments.map((c) => c.line)).toEqual([32]);
  expect(github.reviews[0]!.body).not.toContain('Introduced by');
  // The commit list is asked for early, before the settings arrive; no commit is fetched.
  expect([count(/\/pulls\/21\/commits$/), count(/\/commits\/[0-9a-f]{40}$/)]).toEqual([1, 0]);
});

test('a pull request with 60 commits is reviewed squashed, and the review and the check run say why', async () => {
  const [c1, c2, c3] = series.commits;
  // 57 commits that change no C file, then the series.
  const filler: StandInCommit[] = Array.from({ length: 57 }, (_, k) => ({ sha: (k + 1).toString(16).padStart(40, 'f'), message: `Documentation: step ${k + 1}`, files: [{ filename: `Documentation/step-${k + 1}.rst`, status: 'added', sha: 'e'.repeat(40), patch: '@@ -0,0 +1 @@\n+step' }] }));
  const commits = [...filler, ...[c1!, c2!, c3!].map((c) => ({ sha: c.sha, message: c.message, author: AUTHOR, files: [{ filename: series.path, status: 'modified' as const, sha: c.blob, patch: c.patch }] }))];
  await deliver(seriesPull(commits));
  expect(github.invalid).toEqual([]);
  expect(github.unexpected).toEqual([]);
  const remark = 'This pull request has 60 commits and widen reviews at most 50 one by one, so widen reviewed the pull request\'s whole diff instead of commit by commit (`series: per-commit`).';
  expect(github.reviews[0]!.body).toContain(remark);
  expect(github.reviews[0]!.comments.map((c) => c.line)).toEqual([32]);
  expect(github.checkRuns[0]!.output.summary).toContain(remark);
  // The payload said 60: no commit was listed or fetched.
  expect([count(/\/pulls\/21\/commits$/), count(/\/commits\/[0-9a-f]{40}$/)]).toEqual([0, 0]);
});

test('commit 3 reverts commit 2: the final diff shows none of its lines, so its findings go in the review body, each saying the revert fixes it', async () => {
  const reverted = await seedSeries('revert');
  try {
    const commits = reverted.commits.map((c) => ({ sha: c.sha, message: c.message, author: AUTHOR, files: [{ filename: reverted.path, status: 'modified' as const, sha: c.blob, patch: c.patch }] }));
    await deliver(seriesPull(commits, reverted), undefined, reverted);
    expect(github.invalid).toEqual([]);
    expect(github.unexpected).toEqual([]);
    const review = github.reviews[0]!;
    expect(review.comments).toEqual([]);
    expect(review.body).toContain('### Outside the diff (2)');
    const [, c2, c3] = reverted.commits;
    for (const rule of ['tlb-vma-bracket-vma-reassigned', 'tlb-vma-bracket-misuse']) {
      const section = review.body.slice(review.body.indexOf(`[\`${rule}\`]`));
      expect(section).toContain(`<sub>Introduced by commit \`${c2!.sha.slice(0, 12)}\` (2/3): ${SERIES_SUBJECTS[1]}</sub>`);
      expect(section).toContain(`<sub>A later commit fixes it: commit \`${c3!.sha.slice(0, 12)}\` (3/3): ${REVERT_SUBJECT}. It stays reported here because the series does not bisect cleanly in between.</sub>`);
    }
    expect(github.checkRuns.map((r) => r.conclusion)).toEqual(['failure']);
  } finally {
    reverted.repo.remove();
  }
});
