/**
 * The App in-process against the GitHub stand-in, which rejects a review as GitHub does (422 for
 * a comment on a line the diff does not show, a bad start line, a wrong commit): the
 * 422-prone placements, a renamed file, the inline cap, a pull request with 3,000 files, and
 * two pushes in quick succession.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Probot } from 'probot';
import { createWidenApp } from '../../src/github/app.js';
import { WidenOctokit } from '../../src/github/octokit.js';
import { generatePrivateKey, startGitHubStandIn, type StandIn, type StandInPull, type StandInRepo } from '../helpers/github-stand-in.js';
import { pullRequestPayload } from '../helpers/payloads.js';
import { blobSha, pullFile, seedFile } from '../helpers/seed-pull.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'github', 'zap');
const zapBase = readFileSync(join(fixtures, 'zap.c'), 'utf8');
const zapDiff = readFileSync(join(fixtures, 'zap.diff'), 'utf8');
const privateKey = generatePrivateKey();
const INSTALLATION = 5;

let github: StandIn;
afterEach(async () => github?.close());

async function standIn(pulls: StandInPull[], blobs: Record<string, string>, extra: Partial<StandInRepo> = {}, latencyMs = 0): Promise<StandInRepo> {
  const repo: StandInRepo = { owner: 'mm', name: 'linux', installationId: INSTALLATION, pulls, blobs, ...extra };
  github = await startGitHubStandIn({ repos: [repo], latencyMs });
  return repo;
}

async function app() {
  const widen = createWidenApp();
  const Octokit = WidenOctokit.defaults((o: Record<string, unknown>) => ({ ...o, retry: { enabled: false }, throttle: { ...(o['throttle'] as object), enabled: false } }));
  const probot = new Probot({ appId: github.appId, privateKey, logLevel: 'fatal', Octokit, baseUrl: github.url });
  await probot.load(widen.appFn);
  return { probot, widen };
}

function opened(pull: StandInPull, action: 'opened' | 'synchronize' = 'opened') {
  return pullRequestPayload(action, { owner: 'mm', repo: 'linux', number: pull.number, headSha: pull.head.sha, baseSha: pull.base.sha, changedFiles: pull.files.length, installationId: INSTALLATION });
}

async function zapPull(path = 'mm/zap.c', previous?: string): Promise<{ pull: StandInPull; blobs: Record<string, string> }> {
  const f = await pullFile('mm/zap.c', zapBase, zapDiff);
  const file = previous
    ? { filename: path, previous_filename: previous, status: 'renamed' as const, sha: f.headSha, patch: f.patch }
    : { filename: path, status: 'modified' as const, sha: f.headSha, patch: f.patch };
  return { pull: { number: 12, head: { sha: '1'.repeat(40), ref: 'zap' }, base: { sha: '2'.repeat(40), ref: 'main' }, files: [file] }, blobs: { [f.headSha]: f.head } };
}

test('each finding lands where GitHub accepts it: on the added return, on a context line, and the one outside the diff in the body', async () => {
  const { pull, blobs } = await zapPull();
  await standIn([pull], blobs);
  const { probot, widen } = await app();
  await probot.receive({ id: 'd1', name: 'pull_request', payload: opened(pull) } as never);
  await widen.idle();

  expect(github.invalid).toEqual([]);
  expect(github.unexpected).toEqual([]);
  expect(github.reviews).toHaveLength(1);
  const review = github.reviews[0]!;
  expect(review.comments.map((c) => [c.path, c.line, c.side])).toEqual([
    ['mm/zap.c', 35, 'RIGHT'],
    ['mm/zap.c', 44, 'RIGHT'],
  ]);
  expect(review.comments[0]!.body).toContain('`tlb-vma-bracket-balance`');
  expect(review.body).toContain('### Outside the diff (1)');
  expect(review.body).toContain('#### `mm/zap.c:18`');
  expect(review.body).toContain('Widened context from `zap_range()` in `mm/zap.c`');
  expect(review.body).toMatch(/<!-- widen:fingerprint=[0-9a-f]{32}:[0-9a-f]{8} -->/);
  expect(github.checkRuns.map((r) => [r.conclusion, r.annotations.map((a) => a.start_line)])).toEqual([['failure', [18, 29, 44]]]);
});

test('in a renamed file the comments name the new path', async () => {
  const { pull, blobs } = await zapPull('mm/unmap.c', 'mm/zap.c');
  await standIn([pull], blobs);
  const { probot, widen } = await app();
  await probot.receive({ id: 'd2', name: 'pull_request', payload: opened(pull) } as never);
  await widen.idle();

  expect(github.invalid).toEqual([]);
  expect(github.reviews[0]!.comments.map((c) => [c.path, c.line])).toEqual([
    ['mm/unmap.c', 35],
    ['mm/unmap.c', 44],
  ]);
});

test('max-comments caps the inline comments; the rest go to the body, none lost', async () => {
  const { pull, blobs } = await zapPull();
  await standIn([pull], blobs, { config: 'max-comments: 1\n' });
  const { probot, widen } = await app();
  await probot.receive({ id: 'd3', name: 'pull_request', payload: opened(pull) } as never);
  await widen.idle();

  const review = github.reviews[0]!;
  expect(review.comments.map((c) => c.line)).toEqual([35]);
  expect(review.body).toContain('### Outside the diff (1)');
  expect(review.body).toContain('### More findings (1)');
  expect(review.body).toContain('Only 1 inline comments are posted per review');
  expect(review.body).toContain('#### `mm/zap.c:44`');
});

test('a pull request with 3,000 listed files: every page fetched at once, the C file reviewed, the unlisted rest noted', async () => {
  const seed = await seedFile();
  const files = [
    { filename: seed.path, status: 'modified' as const, sha: seed.headSha, patch: seed.patch },
    ...Array.from({ length: 3004 }, (_, i) => ({ filename: `Documentation/gen/file-${i}.rst`, status: 'added' as const, sha: blobSha(`doc ${i}\n`), patch: `@@ -0,0 +1 @@\n+doc ${i}` })),
  ];
  const pull: StandInPull = { number: 40, head: { sha: '3'.repeat(40), ref: 'big' }, base: { sha: '4'.repeat(40), ref: 'main' }, files };
  await standIn([pull], { [seed.headSha]: seed.head }, {}, 20);
  const { probot, widen } = await app();
  await probot.receive({ id: 'd4', name: 'pull_request', payload: opened(pull) } as never);
  await widen.idle();

  const pages = github.requests.filter((r) => r.path === '/repos/mm/linux/pulls/40/files');
  expect(pages.map((r) => r.query['page']).sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 30 }, (_, i) => String(i + 1)));
  // Fetched in parallel: some page was requested before another had been answered.
  expect(pages.some((a) => pages.some((b) => a !== b && a.start < b.end && b.start < a.end))).toBe(true);
  expect(github.requests.filter((r) => r.path.includes('/git/blobs/'))).toHaveLength(1);
  expect(github.reviews[0]!.comments.map((c) => [c.path, c.line])).toEqual([['mm/memory.c', 31], ['mm/memory.c', 31]]);
  const run = github.checkRuns[0]!;
  expect(run.conclusion).toBe('failure');
  expect(run.output.summary).toContain('GitHub lists at most 3000 files of a pull request; the other 5 changed files were not checked.');
}, 30_000);

test('a C file GitHub gives no diff for (patch missing or null) is named, not silently skipped', async () => {
  const seed = await seedFile();
  const files = [
    { filename: 'mm/huge.c', status: 'modified' as const, sha: blobSha('huge\n') },
    { filename: 'mm/null.c', status: 'modified' as const, sha: blobSha('null\n'), patch: null as unknown as string },
    { filename: seed.path, status: 'modified' as const, sha: seed.headSha, patch: seed.patch },
  ];
  const pull: StandInPull = { number: 41, head: { sha: '5'.repeat(40), ref: 'nodiff' }, base: { sha: '6'.repeat(40), ref: 'main' }, files };
  await standIn([pull], { [seed.headSha]: seed.head });
  const { probot, widen } = await app();
  await probot.receive({ id: 'd5', name: 'pull_request', payload: opened(pull) } as never);
  await widen.idle();
  const summary = github.checkRuns[0]!.output.summary;
  expect(summary).toContain('GitHub sent no diff for mm/huge.c (a binary file or a diff too large to show), so widen could not check it.');
  expect(summary).toContain('GitHub sent no diff for mm/null.c (a binary file or a diff too large to show), so widen could not check it.');
  expect(github.reviews[0]!.comments.map((c) => [c.path, c.line])).toEqual([['mm/memory.c', 31], ['mm/memory.c', 31]]);
});

test('files named with a tab or a newline are noted and left out; the rest of the pull request is still reviewed', async () => {
  // Sweep D, defect 4: a tab failed the whole review (neutral, no comments on any file); a
  // newline passed for "excluded by the path filters", and alone gave a green check.
  const seed = await seedFile();
  const files = [
    { filename: 'mm/tab\there.c', status: 'modified' as const, sha: seed.headSha, patch: seed.patch },
    { filename: 'mm/new\nline.c', status: 'modified' as const, sha: seed.headSha, patch: seed.patch },
    { filename: seed.path, status: 'modified' as const, sha: seed.headSha, patch: seed.patch },
  ];
  const pull: StandInPull = { number: 42, head: { sha: '7'.repeat(40), ref: 'names' }, base: { sha: '8'.repeat(40), ref: 'main' }, files };
  await standIn([pull], { [seed.headSha]: seed.head });
  const { probot, widen } = await app();
  await probot.receive({ id: 'd6', name: 'pull_request', payload: opened(pull) } as never);
  await widen.idle();
  const run = github.checkRuns[0]!;
  expect(run.conclusion).toBe('failure');
  expect(run.output.summary).toContain('The file name "mm/tab\\there.c" has control characters (a tab, a newline), so widen did not check the file.');
  expect(run.output.summary).toContain('The file name "mm/new\\nline.c" has control characters (a tab, a newline), so widen did not check the file.');
  expect(github.reviews[0]!.comments.map((c) => [c.path, c.line])).toEqual([['mm/memory.c', 31], ['mm/memory.c', 31]]);
});

test('two pushes in quick succession: only the newer head is reviewed and published', async () => {
  const seed = await seedFile();
  const fixed = await seedFile('clean');
  const pull: StandInPull = { number: 50, head: { sha: '5'.repeat(40), ref: 'tlb' }, base: { sha: '6'.repeat(40), ref: 'main' }, files: [{ filename: seed.path, status: 'modified', sha: seed.headSha, patch: seed.patch }] };
  // The first head stays a commit of the repository (GitHub takes check runs for any of its commits).
  const earlierPush: StandInPull = { ...pull, number: 49, head: { ...pull.head } };
  await standIn([pull, earlierPush], { [seed.headSha]: seed.head, [fixed.headSha]: fixed.head }, {}, 30);
  const { probot, widen } = await app();
  const first = opened(pull, 'synchronize');
  await probot.receive({ id: 'p1', name: 'pull_request', payload: first } as never);
  // The second push lands while the first review is under way.
  pull.head = { sha: '7'.repeat(40), ref: 'tlb' };
  pull.files = [{ filename: fixed.path, status: 'modified', sha: fixed.headSha, patch: fixed.patch }];
  await probot.receive({ id: 'p2', name: 'pull_request', payload: opened(pull, 'synchronize') } as never);
  await widen.idle();

  expect(github.invalid).toEqual([]);
  expect(github.reviews).toEqual([]);
  const runs = Object.fromEntries(github.checkRuns.map((r) => [r.head_sha.slice(0, 1), [r.conclusion, r.output.title]]));
  expect(runs).toEqual({ '5': ['neutral', 'Superseded by a newer commit'], '7': ['success', 'No findings'] });
});

test('a pull request that only deletes a C file names it in the check run (sweep AK: "No C files to check", the file unnamed)', async () => {
  const pull: StandInPull = {
    number: 14,
    head: { sha: '3'.repeat(40), ref: 'drop' },
    base: { sha: '2'.repeat(40), ref: 'main' },
    files: [{ filename: 'mm/zap.c', status: 'removed', sha: blobSha(zapBase), patch: `@@ -1,${zapBase.split('\n').length - 1} +0,0 @@\n${zapBase.split('\n').slice(0, -1).map((l) => `-${l}`).join('\n')}` }],
  };
  await standIn([pull], { [blobSha(zapBase)]: zapBase });
  const { probot, widen } = await app();
  await probot.receive({ id: 'd14', name: 'pull_request', payload: opened(pull) } as never);
  await widen.idle();

  expect(github.invalid).toEqual([]);
  expect(github.reviews).toHaveLength(0);
  const run = github.checkRuns[0]!;
  expect([run.conclusion, run.output.title]).toEqual(['success', 'No C files to check: the changed ones are deleted']);
  expect(run.output.summary).toContain('This pull request deletes `mm/zap.c`: nothing is left in it to check.');
});
