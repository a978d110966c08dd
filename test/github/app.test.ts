/**
 * The App against nock: for each trigger, the exact REST routes it calls and the bodies it
 * sends, each body validated against GitHub's OpenAPI description. Retry and throttling are off
 * here except in the fault tests, which turn them on with short waits.
 */
import nock from 'nock';
import { Probot } from 'probot';
import { createWidenApp, parseSlashCommand, permits, runReview, type WidenApp } from '../../src/github/app.js';
import { pullInfo } from '../../src/github/pull.js';
import { findingKey, fingerprintMarker, markedFingerprints } from '../../src/github/marker.js';
import { WidenOctokit } from '../../src/github/octokit.js';
import { HELP_TEXT, QUOTED_COMMAND_CHARS } from '../../src/github/messages.js';
import { generatePrivateKey } from '../helpers/github-stand-in.js';
import { validateGitHubRequest, validateGraphQL } from '../helpers/openapi.js';
import { checkRunRerequestedPayload, issueCommentPayload, pullRequestPayload } from '../helpers/payloads.js';
import { seedFile, SEED_TITLE, type PullFixtureFile } from '../helpers/seed-pull.js';
import { seedSeries } from '../helpers/seed-series.js';

const API = 'https://api.github.com';
const OWNER = 'kernel-dev';
const REPO = 'linux';
const REPO_PATH = `/repos/${OWNER}/${REPO}`;
const INSTALLATION = 4242;
const HEAD = 'a'.repeat(40);
const BASE = 'b'.repeat(40);
const CHECK_RUN = 777;
const privateKey = generatePrivateKey();

/** Every request body the App sent that GitHub's OpenAPI description rejects. */
let invalidBodies: string[] = [];

function valid(method: string, path: string) {
  return (body: unknown): boolean => {
    const errors = path === '/graphql' ? validateGraphQL(body) : validateGitHubRequest(method, path, body);
    if (errors.length) invalidBodies.push(`${method} ${path}: ${errors.join('; ')}`);
    return true;
  };
}

interface Harness {
  probot: Probot;
  widen: WidenApp;
}

async function harness(opts: { faults?: boolean } = {}): Promise<Harness> {
  const widen = createWidenApp();
  // Function defaults: Probot passes its own `throttle` object to the constructor, which would
  // replace an object default wholesale.
  const Octokit = WidenOctokit.defaults((o: Record<string, unknown>) =>
    opts.faults
      ? { ...o, retry: { retryAfterBaseValue: 1 }, throttle: { ...(o['throttle'] as object), retryAfterBaseValue: 1 } }
      : { ...o, retry: { enabled: false }, throttle: { ...(o['throttle'] as object), enabled: false } },
  );
  const probot = new Probot({ appId: 123, privateKey, logLevel: 'fatal', Octokit });
  await probot.load(widen.appFn);
  return { probot, widen };
}

async function deliver(h: Harness, name: string, payload: Record<string, unknown>, id = 'delivery-1'): Promise<void> {
  await h.probot.receive({ id, name, payload } as never);
  await h.widen.idle();
}

const seedPayload = (action: 'opened' | 'synchronize' = 'opened', extra: { draft?: boolean; fork?: boolean } = {}) =>
  pullRequestPayload(action, { owner: OWNER, repo: REPO, number: 7, headSha: HEAD, baseSha: BASE, changedFiles: 1, installationId: INSTALLATION, title: SEED_TITLE, ...extra });

function listedFile(f: PullFixtureFile) {
  return { sha: f.headSha, filename: f.path, status: 'modified', additions: 4, deletions: 0, changes: 4, patch: f.patch, blob_url: '', raw_url: '', contents_url: '' };
}

function pullObject(draft = false) {
  return {
    number: 7,
    title: SEED_TITLE,
    state: 'open',
    draft,
    html_url: `https://github.com/${OWNER}/${REPO}/pull/7`,
    head: { sha: HEAD, ref: 'fix' },
    base: { sha: BASE, ref: 'main' },
    changed_files: 1,
  };
}

interface Earlier {
  comments?: unknown[];
  reviews?: unknown[];
}

/**
 * The requests of one review of the seed pull request, each expected exactly once: token,
 * config (repo, then the owner's .github repo), files, earlier comments and reviews, the check
 * run, the blob; the review and the check run's completion are added by each test.
 */
interface ReadOptions {
  earlier?: Earlier;
  /** The text of .github/widen.yml; none by default. */
  config?: string | null;
  /** The blob's answer; null when the review must not ask for it. */
  blobStatus?: number | null;
  /** False when an earlier request of the same delivery already got the installation token. */
  token?: boolean;
  /** False when the test mocks finding an existing check run itself. */
  checkRun?: boolean;
  /** The pull request's commits, as listed; default the one head commit. */
  commitList?: unknown[];
}

function mockReviewReads(scope: nock.Scope, f: PullFixtureFile, o: ReadOptions = {}): nock.Scope {
  const { earlier = {}, config = null, blobStatus = 200, token = true, checkRun = true } = o;
  if (token) scope.post(`/app/installations/${INSTALLATION}/access_tokens`).reply(201, { token: 'ghs_test', expires_at: '2099-01-01T00:00:00Z', permissions: {} });
  // The App's own login, asked once per process when a review first lists earlier comments.
  scope.get('/app').optionally().reply(200, { id: 123, slug: 'widen', name: 'widen' });
  if (config === null) {
    scope.get(/\/repos\/kernel-dev\/linux\/contents\/\.github(%2F|\/)widen\.yml/).reply(404, { message: 'Not Found' });
    scope.get(/\/repos\/kernel-dev\/\.github\/contents\/\.github(%2F|\/)widen\.yml/).reply(404, { message: 'Not Found' });
  } else {
    scope.get(/\/repos\/kernel-dev\/linux\/contents\/\.github(%2F|\/)widen\.yml/).reply(200, config, { 'content-type': 'application/vnd.github.raw; charset=utf-8' });
  }
  scope.get(`${REPO_PATH}/pulls/7/files`).query({ per_page: '100', page: '1' }).reply(200, [listedFile(f)]);
  // Listed at once for `series: per-commit` (the default); one commit needs no more than that.
  if (!/series:\s*squashed/.test(config ?? '')) {
    scope.get(`${REPO_PATH}/pulls/7/commits`).query({ per_page: '100', page: '1' }).reply(200, o.commitList ?? [commitObject(HEAD, SEED_MESSAGE, [BASE])]);
  }
  scope.get(`${REPO_PATH}/pulls/7/comments`).query({ per_page: '100' }).reply(200, earlier.comments ?? []);
  scope.get(`${REPO_PATH}/pulls/7/reviews`).query({ per_page: '100' }).reply(200, earlier.reviews ?? []);
  if (checkRun) {
    scope.get(`${REPO_PATH}/commits/${HEAD}/check-runs`).query({ check_name: 'widen', filter: 'latest', per_page: '1' }).reply(200, { total_count: 0, check_runs: [] });
    scope.post(`${REPO_PATH}/check-runs`, valid('POST', `${REPO_PATH}/check-runs`)).reply(201, { id: CHECK_RUN });
  }
  if (blobStatus === null) return scope;
  if (blobStatus === 200) {
    scope.get(`${REPO_PATH}/git/blobs/${f.headSha}`).reply(200, { sha: f.headSha, size: f.head.length, encoding: 'base64', content: Buffer.from(f.head).toString('base64') });
  } else {
    scope.get(`${REPO_PATH}/git/blobs/${f.headSha}`).reply(blobStatus, { message: 'Not Found' });
  }
  return scope;
}

/** The seed commit's message as its author would write it: a body, and the author's sign-off. */
const SEED_MESSAGE = `${SEED_TITLE}\n\nBracket each VMA with tlb_start_vma()/tlb_end_vma() in free_pgtables().\n\nSigned-off-by: Example Contributor <contributor@example.org>\n`;

/** A commit as `GET …/pulls/{n}/commits` lists it, by Example Contributor. */
function commitObject(sha: string, message: string, parents: string[]) {
  const author = { name: 'Example Contributor', email: 'contributor@example.org', date: '2026-11-25T17:48:12Z' };
  return {
    sha,
    node_id: `C_${sha.slice(0, 8)}`,
    url: `${API}${REPO_PATH}/commits/${sha}`,
    html_url: `https://github.com/${OWNER}/${REPO}/commit/${sha}`,
    comments_url: `${API}${REPO_PATH}/commits/${sha}/comments`,
    commit: { url: `${API}${REPO_PATH}/git/commits/${sha}`, author, committer: author, message, tree: { sha: 'e'.repeat(40), url: '' }, comment_count: 0 },
    author: null,
    committer: null,
    parents: parents.map((p) => ({ sha: p, url: `${API}${REPO_PATH}/commits/${p}` })),
  };
}

/** Captures the body of the check run's completion. */
function expectCheckCompletion(scope: nock.Scope, sink: Array<Record<string, unknown>>): void {
  scope.patch(`${REPO_PATH}/check-runs/${CHECK_RUN}`, (b: Record<string, unknown>) => valid('PATCH', `${REPO_PATH}/check-runs/${CHECK_RUN}`)(b) && sink.push(b) > 0).reply(200, { id: CHECK_RUN });
}

function expectReview(scope: nock.Scope, sink: Array<Record<string, unknown>>): void {
  scope.post(`${REPO_PATH}/pulls/7/reviews`, (b: Record<string, unknown>) => valid('POST', `${REPO_PATH}/pulls/7/reviews`)(b) && sink.push(b) > 0).reply(200, { id: 99 });
}

/** A whole review of `f`: the reads, the review and the check run's completion, with their bodies captured. */
function mockWholeReview(scope: nock.Scope, f: PullFixtureFile, o: ReadOptions = {}): { reviews: Array<Record<string, unknown>>; checks: Array<Record<string, unknown>> } {
  const reviews: Array<Record<string, unknown>> = [];
  const checks: Array<Record<string, unknown>> = [];
  mockReviewReads(scope, f, o);
  expectReview(scope, reviews);
  expectCheckCompletion(scope, checks);
  return { reviews, checks };
}

/** Requests nock had no interceptor for: the App asked for something the test did not expect. */
let unmatched: string[] = [];
const recordUnmatched = (req: { method?: string; path?: string }): void => {
  unmatched.push(`${req.method} ${req.path}`);
};

beforeAll(() => {
  nock.disableNetConnect();
  nock.emitter.on('no match', recordUnmatched);
});
afterAll(() => {
  nock.emitter.removeListener('no match', recordUnmatched);
});
afterAll(() => nock.enableNetConnect());
beforeEach(() => {
  invalidBodies = [];
  unmatched = [];
});
afterEach(() => {
  nock.cleanAll();
  expect(unmatched).toEqual([]);
});

describe('pull_request.opened on the seed pull request', () => {
  test('one review pinned to the head, the seed finding inline on line 31 with the widened free_pgtables() excerpt; the check run fails', async () => {
    const f = await seedFile();
    const scope = nock(API);
    const { reviews, checks } = mockWholeReview(scope, f);

    await deliver(await harness(), 'pull_request', seedPayload());

    expect(scope.pendingMocks()).toEqual([]);
    expect(invalidBodies).toEqual([]);
    expect(reviews).toHaveLength(1);
    const review = reviews[0]! as { commit_id: string; event: string; body: string; comments: Array<{ path: string; line: number; side: string; body: string }> };
    expect(review.commit_id).toBe(HEAD);
    expect(review.event).toBe('COMMENT');
    // The error, then the advisory note (Hugh's second point), both on the added tlb_start_vma().
    expect(review.comments.map((c) => [c.path, c.line, c.side])).toEqual([
      ['mm/memory.c', 31, 'RIGHT'],
      ['mm/memory.c', 31, 'RIGHT'],
    ]);
    expect(review.comments[1]!.body).toContain('[`tlb-vma-bracket-misuse`]');
    const body = review.comments[0]!.body;
    expect(body).toContain('[`tlb-vma-bracket-vma-reassigned`](https://github.com/widen-review/widen/blob/main/docs/rules/tlb-vma-bracket-vma-reassigned.md)');
    expect(body).toContain('```c\n');
    expect(body).toMatch(/^> {2}31 \|\+\s+tlb_start_vma\(tlb, vma\);$/m);
    expect(body).toMatch(/^\* {2}42 \|\s+vma = next;\s+<- `vma` reassigned here$/m);
    expect(body).toMatch(/^> {2}51 \|\+\s+tlb_end_vma\(tlb, vma\);$/m);
    expect(body).toMatch(/^ {3}17 \| void free_pgtables\(struct mmu_gather \*tlb/m);
    expect(body).toContain('<details><summary>The path through the function</summary>');
    expect(body).toContain('```mermaid\nflowchart TD\n  s0["31: tlb_start_vma(tlb, vma);"]');
    expect(markedFingerprints(body)).toHaveLength(1);
    expect(review.body).toContain('found 2 new issues');

    expect(checks).toHaveLength(1);
    const check = checks[0]! as { status: string; conclusion: string; output: { title: string; annotations: Array<Record<string, unknown>> } };
    expect(check.status).toBe('completed');
    expect(check.conclusion).toBe('failure');
    expect(check.output.annotations).toEqual([
      { path: 'mm/memory.c', start_line: 31, end_line: 51, annotation_level: 'failure', message: expect.stringMatching(/^`vma` changes between/), title: 'tlb-vma-bracket-vma-reassigned' },
      { path: 'mm/memory.c', start_line: 31, end_line: 51, annotation_level: 'notice', message: expect.stringMatching(/encloses only page-table freeing$/), title: 'tlb-vma-bracket-misuse' },
    ]);
  });

  test('the corrected patch gets a green check run and no review', async () => {
    const f = await seedFile('clean');
    const scope = mockReviewReads(nock(API), f);
    const checks: Array<Record<string, unknown>> = [];
    expectCheckCompletion(scope, checks);

    await deliver(await harness(), 'pull_request', seedPayload());

    expect(scope.pendingMocks()).toEqual([]);
    expect(invalidBodies).toEqual([]);
    expect(checks.map((c) => [c['conclusion'], (c['output'] as { title: string }).title])).toEqual([['success', 'No findings']]);
  });

  test('a draft is skipped without a request beyond the configuration', async () => {
    const scope = nock(API);
    scope.post(`/app/installations/${INSTALLATION}/access_tokens`).reply(201, { token: 'ghs_test', expires_at: '2099-01-01T00:00:00Z' });
    scope.get(/\/repos\/kernel-dev\/linux\/contents\/\.github(%2F|\/)widen\.yml/).reply(404, { message: 'Not Found' });
    scope.get(/\/repos\/kernel-dev\/\.github\/contents\/\.github(%2F|\/)widen\.yml/).reply(404, { message: 'Not Found' });

    await deliver(await harness(), 'pull_request', seedPayload('opened', { draft: true }));

    expect(scope.pendingMocks()).toEqual([]);
  });

  type ConfigCheck = { conclusion: string; output: { title: string; summary: string } };

  /** The check runs of a review of the seed pull request when the repository holds `config`: every read made, every body valid. */
  async function checkRunsWith(config: string): Promise<ConfigCheck[]> {
    const f = await seedFile();
    const scope = mockReviewReads(nock(API), f, { config, blobStatus: null });
    const checks: Array<Record<string, unknown>> = [];
    expectCheckCompletion(scope, checks);

    await deliver(await harness(), 'pull_request', seedPayload());

    expect(scope.pendingMocks()).toEqual([]);
    expect(invalidBodies).toEqual([]);
    return checks as ConfigCheck[];
  }

  test('an invalid .github/widen.yml gets a neutral check run that names each problem, and no review', async () => {
    const checks = await checkRunsWith('rules:\n  no-such-rule: off\nfail-on: sometimes\nmax-comments: 500\n');
    expect(checks).toHaveLength(1);
    const check = checks[0]!;
    expect(check.conclusion).toBe('neutral');
    expect(check.output.title).toBe('.github/widen.yml is invalid; nothing was checked');
    expect(check.output.summary).toContain('`rules` names an unknown rule `no-such-rule`');
    expect(check.output.summary).toContain('`fail-on` must be one of `error`, `warning`, `note`, `none`');
    expect(check.output.summary).toContain('`max-comments` must be <= 30');
  });

  test('a .github/widen.yml built to explode (billion laughs) is refused as YAML, at once, with a neutral check run', async () => {
    const laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`), 'paths:', '  include: *i', ''].join('\n');
    const checks = await checkRunsWith(laughs);
    const check = checks[0]!;
    expect([checks.length, check.conclusion, check.output.title]).toEqual([1, 'neutral', '.github/widen.yml is invalid; nothing was checked']);
    expect(check.output.summary).toContain('it could not be read as YAML (Excessive alias count indicates a resource exhaustion attack)');
  });

  test('a .github/widen.yml that is not YAML gets the parser\'s reason and place, not only the URL', async () => {
    const checks = await checkRunsWith('rules:\n  x: on\n   y: off\n');
    expect(checks[0]!.output.summary).toContain('it could not be read as YAML (Nested mappings are not allowed in compact mappings at line 2, column 6)');
  });
});

describe('a pull request as a patch series (series: per-commit, the default)', () => {
  test('commit 1 harmless, commit 2 the seed bug, commit 3 the fix: the bug is reported against commit 2 with the note that commit 3 fixes it', async () => {
    const series = await seedSeries();
    try {
      const [c1, c2, c3] = series.commits;
      const scope = nock(API);
      const headSha = c3!.sha;
      const final = { path: series.path, base: series.base.text, head: c3!.text, patch: series.finalPatch, headSha: c3!.blob };
      // The reads of any review, with the head commit's blob (already fetched early) answered by commit 1's below.
      const commitList = [c1!, c2!, c3!].map((c, k) => commitObject(c.sha, c.message, [k === 0 ? series.base.sha : series.commits[k - 1]!.sha]));
      mockReviewReads(scope, final, { blobStatus: null, checkRun: false, commitList });
      scope.get(`${REPO_PATH}/commits/${headSha}/check-runs`).query({ check_name: 'widen', filter: 'latest', per_page: '1' }).reply(200, { total_count: 0, check_runs: [] });
      scope.post(`${REPO_PATH}/check-runs`, valid('POST', `${REPO_PATH}/check-runs`)).reply(201, { id: CHECK_RUN });
      scope.get(`${REPO_PATH}/git/blobs/${c3!.blob}`).reply(200, { sha: c3!.blob, size: c3!.text.length, encoding: 'base64', content: Buffer.from(c3!.text).toString('base64') });
      for (const c of [c1!, c2!, c3!]) {
        scope.get(`${REPO_PATH}/commits/${c.sha}`).query({ per_page: '100', page: '1' }).reply(200, { ...commitObject(c.sha, c.message, []), files: [{ ...listedFile({ path: series.path, base: '', head: c.text, patch: c.patch, headSha: c.blob }) }] });
      }
      // Commit 1 is the first to change the file: its blob, with its hunks undone, is the base.
      scope.get(`${REPO_PATH}/git/blobs/${c1!.blob}`).reply(200, { sha: c1!.blob, size: c1!.text.length, encoding: 'base64', content: Buffer.from(c1!.text).toString('base64') });
      const reviews: Array<Record<string, unknown>> = [];
      const checks: Array<Record<string, unknown>> = [];
      scope.post(`${REPO_PATH}/pulls/7/reviews`, (b: Record<string, unknown>) => valid('POST', `${REPO_PATH}/pulls/7/reviews`)(b) && reviews.push(b) > 0).reply(200, { id: 99 });
      expectCheckCompletion(scope, checks);

      await deliver(await harness(), 'pull_request', pullRequestPayload('opened', { owner: OWNER, repo: REPO, number: 7, headSha, baseSha: series.base.sha, changedFiles: 1, installationId: INSTALLATION, title: 'mm: free_pgtables() series', commits: 3 }));

      expect(scope.pendingMocks()).toEqual([]);
      expect(invalidBodies).toEqual([]);
      const review = reviews[0]! as { commit_id: string; comments: Array<{ line: number; body: string }> };
      expect(review.commit_id).toBe(headSha);
      expect(review.comments.map((c) => c.line)).toEqual([45, 33, 32]);
      expect(review.comments[0]!.body).toContain(`<sub>Introduced by commit \`${c2!.sha.slice(0, 12)}\` (2/3): ${SEED_TITLE}</sub>`);
      expect(review.comments[0]!.body).toContain(`<sub>A later commit fixes it: commit \`${c3!.sha.slice(0, 12)}\` (3/3): mm: bracket each VMA when freeing page-tables. It stays reported here because the series does not bisect cleanly in between.</sub>`);
      expect((checks[0] as { conclusion: string }).conclusion).toBe('failure');
    } finally {
      series.repo.remove();
    }
  });
});

describe('what GitHub would reject, and what there is nothing to check in', () => {
  test('a review GitHub still refuses with 422 is posted again with every finding in the body, so the run ends with its answer', async () => {
    const f = await seedFile();
    const scope = mockReviewReads(nock(API), f);
    const attempts: Array<{ body: string; comments?: unknown[] }> = [];
    scope
      .post(`${REPO_PATH}/pulls/7/reviews`, (b: { body: string; comments?: unknown[] }) => attempts.push(b) > 0)
      .reply(422, { message: 'Unprocessable Entity', errors: ['Pull request review thread line must be part of the diff'] });
    scope.post(`${REPO_PATH}/pulls/7/reviews`, (b: { body: string; comments?: unknown[] }) => valid('POST', `${REPO_PATH}/pulls/7/reviews`)(b) && attempts.push(b) > 0).reply(200, { id: 100 });
    const checks: Array<Record<string, unknown>> = [];
    expectCheckCompletion(scope, checks);

    await deliver(await harness(), 'pull_request', seedPayload());

    expect(scope.pendingMocks()).toEqual([]);
    expect(invalidBodies).toEqual([]);
    expect(attempts.map((a) => a.comments?.length ?? 0)).toEqual([2, 0]);
    // Under a heading that says what happened to them, not "Outside the diff" (sweep AA).
    expect(attempts[1]!.body).toMatch(/^\*\*widen\*\* found 2 new issues in this pull request\.\n\n### Not accepted as inline comments \(2\)\n\nGitHub refused this review/);
    expect(attempts[1]!.body).not.toContain('Outside the diff');
    expect(attempts[1]!.body).toContain('#### `mm/memory.c:31`');
    expect(attempts[1]!.body).toContain('Widened context from `free_pgtables()`');
  });

  test('a review GitHub refuses with 403 leaves the completed check run failing: never turned neutral, which merges', async () => {
    const f = await seedFile();
    const scope = mockReviewReads(nock(API), f);
    scope.post(`${REPO_PATH}/pulls/7/reviews`).reply(403, { message: 'Resource not accessible by integration' });
    // Every update of the check run is captured, a second one too.
    const checks: Array<Record<string, unknown>> = [];
    scope.patch(`${REPO_PATH}/check-runs/${CHECK_RUN}`, (b: Record<string, unknown>) => checks.push(b) > 0).reply(200, { id: CHECK_RUN }).persist();
    const errors: unknown[] = [];
    const widen = createWidenApp({ onError: (e) => errors.push(e) });
    const Octokit = WidenOctokit.defaults((o: Record<string, unknown>) => ({ ...o, retry: { enabled: false }, throttle: { ...(o['throttle'] as object), enabled: false } }));
    const probot = new Probot({ appId: 123, privateKey, logLevel: 'fatal', Octokit });
    await probot.load(widen.appFn);

    await deliver({ probot, widen }, 'pull_request', seedPayload());

    expect(scope.pendingMocks()).toEqual([]);
    // One update of the check run: the completion with the findings; no second, neutral one.
    expect(checks.map((c) => c['conclusion'])).toEqual(['failure']);
    expect(errors).toHaveLength(1);
    expect(String((errors[0] as Error).message)).toMatch(/^the check run was completed, but the review could not be posted: Resource not accessible by integration/);
  });

  test('a check run GitHub failed to create (502) is tried again before the review is published', async () => {
    const f = await seedFile();
    const scope = mockReviewReads(nock(API), f, { checkRun: false });
    scope.get(`${REPO_PATH}/commits/${HEAD}/check-runs`).query(true).times(2).reply(200, { total_count: 0, check_runs: [] });
    scope.post(`${REPO_PATH}/check-runs`).reply(502, { message: 'Server Error' });
    scope.post(`${REPO_PATH}/check-runs`).reply(201, { id: CHECK_RUN });
    const reviews: Array<Record<string, unknown>> = [];
    const checks: Array<Record<string, unknown>> = [];
    expectReview(scope, reviews);
    expectCheckCompletion(scope, checks);

    await deliver(await harness(), 'pull_request', seedPayload());

    expect(scope.pendingMocks()).toEqual([]);
    expect(reviews).toHaveLength(1);
    expect(checks.map((c) => c['conclusion'])).toEqual(['failure']);
  });

  test('a check run GitHub refuses (no checks permission) does not cost the pull request its review', async () => {
    const f = await seedFile();
    const scope = mockReviewReads(nock(API), f, { checkRun: false });
    scope.get(`${REPO_PATH}/commits/${HEAD}/check-runs`).query(true).reply(403, { message: 'Resource not accessible by integration' });
    const reviews: Array<Record<string, unknown>> = [];
    expectReview(scope, reviews);

    await deliver(await harness(), 'pull_request', seedPayload());

    expect(scope.pendingMocks()).toEqual([]);
    expect((reviews[0] as { comments: unknown[] }).comments).toHaveLength(2);
  });

  test('a pull request that changes no C file: a green check run that says so, no blob fetched, no review', async () => {
    const scope = nock(API);
    scope.post(`/app/installations/${INSTALLATION}/access_tokens`).reply(201, { token: 'ghs_test', expires_at: '2099-01-01T00:00:00Z' });
    scope.get(/\/repos\/kernel-dev\/linux\/contents\/\.github(%2F|\/)widen\.yml/).reply(404, { message: 'Not Found' });
    scope.get(/\/repos\/kernel-dev\/\.github\/contents\/\.github(%2F|\/)widen\.yml/).reply(404, { message: 'Not Found' });
    scope.get(`${REPO_PATH}/pulls/7/files`).query(true).reply(200, [{ sha: 'd'.repeat(40), filename: 'Documentation/mm/index.rst', status: 'modified', additions: 1, deletions: 0, changes: 1, patch: '@@ -1 +1,2 @@\n Memory\n+Management', blob_url: '', raw_url: '', contents_url: '' }]);
    // Listed early for `series: per-commit`, before it is known that no C file changed.
    scope.get(`${REPO_PATH}/pulls/7/commits`).query(true).reply(200, [commitObject(HEAD, 'Documentation/mm: name the subsystem', [BASE])]);
    scope.get(`${REPO_PATH}/pulls/7/comments`).query(true).reply(200, []);
    scope.get(`${REPO_PATH}/pulls/7/reviews`).query(true).reply(200, []);
    scope.get('/app').reply(200, { id: 123, slug: 'widen', name: 'widen' });
    scope.get(`${REPO_PATH}/commits/${HEAD}/check-runs`).query(true).reply(200, { total_count: 0, check_runs: [] });
    scope.post(`${REPO_PATH}/check-runs`).reply(201, { id: CHECK_RUN });
    const checks: Array<Record<string, unknown>> = [];
    expectCheckCompletion(scope, checks);

    await deliver(await harness(), 'pull_request', seedPayload());

    expect(scope.pendingMocks()).toEqual([]);
    expect(checks.map((c) => [c['conclusion'], (c['output'] as { title: string }).title])).toEqual([['success', 'No C files to check']]);
  });
});

describe('re-runs: no duplicates, stale comments resolved', () => {
  test('a redelivered webhook posts nothing new when the finding is already on the pull request', async () => {
    const f = await seedFile();
    // First run: capture what was posted.
    const first = nock(API);
    const { reviews, checks } = mockWholeReview(first, f);
    await deliver(await harness(), 'pull_request', seedPayload());
    const posted = (reviews[0] as { comments: Array<{ body: string; line: number }> }).comments;

    // The redelivery sees those comments on the pull request.
    const earlier = { comments: posted.map((c, i) => ({ id: i + 1, node_id: `PRRC_${i + 1}`, body: c.body, path: 'mm/memory.c', line: c.line, user: { login: 'widen[bot]', type: 'Bot' } })) };
    const second = nock(API);
    // The check run of this head commit exists now: it is taken up again, not duplicated.
    const firstAnnotations = ((checks[0] as { output: { annotations: unknown[] } }).output.annotations).length;
    second.get(`${REPO_PATH}/commits/${HEAD}/check-runs`).query(true).reply(200, { total_count: 1, check_runs: [{ id: CHECK_RUN, name: 'widen', output: { annotations_count: firstAnnotations } }] });
    second.patch(`${REPO_PATH}/check-runs/${CHECK_RUN}`, { status: 'in_progress' }).reply(200, { id: CHECK_RUN });
    mockReviewReads(second, f, { earlier, checkRun: false });
    expectCheckCompletion(second, checks);
    await deliver(await harness(), 'pull_request', seedPayload(), 'delivery-1');

    expect(second.pendingMocks()).toEqual([]);
    expect(reviews).toHaveLength(1);
    expect(checks.map((c) => c['conclusion'])).toEqual(['failure', 'failure']);
    // GitHub appends annotations: the run keeps its first ones, and gets none twice.
    expect(firstAnnotations).toBe(2);
    expect(((checks[1] as { output: { annotations: unknown[] } }).output.annotations)).toEqual([]);
    expect(invalidBodies).toEqual([]);
  });

  test("another bot's comment carrying widen's marker is not widen's: the finding is posted, the comment left alone", async () => {
    const f = await seedFile();
    const first = nock(API);
    const { reviews: firstReviews } = mockWholeReview(first, f);
    await deliver(await harness(), 'pull_request', seedPayload());
    const markers = (firstReviews[0] as { comments: Array<{ body: string }> }).comments.map((c) => c.body.split('\n').pop()!);

    // A workflow echoes those markers as github-actions[bot] (sweep D, defect 5).
    const earlier = { comments: markers.map((m, i) => ({ id: i + 1, node_id: `PRRC_${i + 1}`, body: `Coverage report\n${m}`, path: 'mm/memory.c', line: 31, user: { login: 'github-actions[bot]', type: 'Bot' } })) };
    const second = mockReviewReads(nock(API), f, { earlier });
    const reviews: Array<Record<string, unknown>> = [];
    const checks: Array<Record<string, unknown>> = [];
    expectReview(second, reviews);
    expectCheckCompletion(second, checks);
    await deliver(await harness(), 'pull_request', seedPayload(), 'delivery-2');

    // Posted again in full, and no PATCH of the other bot's comment (nock would refuse it).
    expect(second.pendingMocks()).toEqual([]);
    expect((reviews[0] as { comments: unknown[] }).comments).toHaveLength(2);
  });

  test('the same finding in a second file is posted there, though its fingerprint is already on the pull request', async () => {
    const f = await seedFile();
    const first = nock(API);
    const { reviews: firstReviews } = mockWholeReview(first, f);
    await deliver(await harness(), 'pull_request', seedPayload());
    const posted = (firstReviews[0] as { comments: Array<{ body: string; line: number }> }).comments;
    // The comments are on another file (arch code repeats mm code): their markers name that file.
    const other = posted.map((c) => c.body.replace(/(widen:fingerprint=[0-9a-f]+):[0-9a-f]{8}/, `$1:${findingKey('0'.repeat(32), 'arch/x86/mm/memory.c').split(':')[1]}`));
    expect(other[0]).not.toBe(posted[0]!.body);
    const earlier = { comments: other.map((body, i) => ({ id: i + 1, node_id: `PRRC_${i + 1}`, body, path: 'arch/x86/mm/memory.c', line: 31, user: { login: 'widen[bot]', type: 'Bot' } })) };
    const second = mockReviewReads(nock(API), f, { earlier });
    const reviews: Array<Record<string, unknown>> = [];
    expectReview(second, reviews);
    expectCheckCompletion(second, []);
    await deliver(await harness(), 'pull_request', seedPayload(), 'delivery-2');

    expect(second.pendingMocks()).toEqual([]);
    expect((reviews[0] as { comments: unknown[] }).comments).toHaveLength(2);
  });

  test("an earlier comment whose finding is gone is marked resolved and minimised; one with a reply is left alone", async () => {
    const f = await seedFile('clean');
    const stale = fingerprintMarker('0123456789abcdef0123456789abcdef');
    const answered = fingerprintMarker('fedcba9876543210fedcba9876543210');
    const earlier = {
      comments: [
        { id: 11, node_id: 'PRRC_11', path: 'mm/memory.c', body: `old finding\n${stale}`, user: { login: 'widen[bot]', type: 'Bot' } },
        { id: 12, node_id: 'PRRC_12', path: 'mm/memory.c', body: `other finding\n${answered}`, user: { login: 'widen[bot]', type: 'Bot' } },
        { id: 13, node_id: 'PRRC_13', path: 'mm/memory.c', body: 'This is deliberate, see the cover letter.', in_reply_to_id: 12, user: { login: 'maintainer', type: 'User' } },
      ],
    };
    const scope = mockReviewReads(nock(API), f, { earlier });
    const checks: Array<Record<string, unknown>> = [];
    expectCheckCompletion(scope, checks);
    const edits: Array<{ body: string }> = [];
    scope.patch(`${REPO_PATH}/pulls/comments/11`, (b: { body: string }) => valid('PATCH', `${REPO_PATH}/pulls/comments/11`)(b) && edits.push(b) > 0).reply(200, {});
    const minimised: unknown[] = [];
    scope.post('/graphql', (b: { variables: unknown }) => valid('POST', '/graphql')(b) && minimised.push(b.variables) > 0).reply(200, { data: { minimizeComment: { minimizedComment: { isMinimized: true } } } });

    await deliver(await harness(), 'pull_request', seedPayload('synchronize'));

    expect(scope.pendingMocks()).toEqual([]);
    expect(invalidBodies).toEqual([]);
    expect(edits).toHaveLength(1);
    expect(edits[0]!.body).toMatch(/^\*\*Resolved\*\*: widen no longer finds this as of aaaaaaaaaaaa\./);
    expect(edits[0]!.body).toContain('<!-- widen:resolved -->');
    expect(minimised).toEqual([{ id: 'PRRC_11' }]);
  });
  test('a file that could not be fetched this time keeps its earlier comments: a missing finding there proves nothing', async () => {
    const f = await seedFile();
    const earlier = { comments: [{ id: 21, node_id: 'PRRC_21', path: 'mm/memory.c', body: `finding\n${fingerprintMarker('00112233445566778899aabbccddeeff')}`, user: { login: 'widen[bot]', type: 'Bot' } }] };
    const scope = mockReviewReads(nock(API), f, { earlier, blobStatus: 404 });
    const checks: Array<Record<string, unknown>> = [];
    expectCheckCompletion(scope, checks);

    await deliver(await harness(), 'pull_request', seedPayload('synchronize'));

    expect(unmatched).toEqual([]);
    expect(scope.pendingMocks()).toEqual([]);
    expect(checks.map((c) => c['conclusion'])).toEqual(['neutral']);
  });
});

describe('the /widen slash command', () => {
  const comment = (body: string, login = 'maintainer') =>
    issueCommentPayload({ owner: OWNER, repo: REPO, number: 7, body, login, commentId: 555, installationId: INSTALLATION });

  function mockCommandReads(scope: nock.Scope, role: string): void {
    scope.post(`/app/installations/${INSTALLATION}/access_tokens`).reply(201, { token: 'ghs_test', expires_at: '2099-01-01T00:00:00Z' });
    scope.get(/\/repos\/kernel-dev\/linux\/contents\/\.github(%2F|\/)widen\.yml/).reply(404, { message: 'Not Found' });
    scope.get(/\/repos\/kernel-dev\/\.github\/contents\/\.github(%2F|\/)widen\.yml/).reply(404, { message: 'Not Found' });
    scope.get(`${REPO_PATH}/collaborators/maintainer/permission`).reply(200, { permission: role === 'maintain' ? 'write' : role, role_name: role, user: { login: 'maintainer' } });
  }

  test('from a maintainer: an eyes reaction at once, then a fresh review even when nothing is new', async () => {
    const f = await seedFile('clean');
    const scope = nock(API);
    mockCommandReads(scope, 'maintain');
    const reactions: unknown[] = [];
    scope.post(`${REPO_PATH}/issues/comments/555/reactions`, (b: unknown) => valid('POST', `${REPO_PATH}/issues/comments/555/reactions`)(b) && reactions.push(b) > 0).reply(201, {});
    scope.get(`${REPO_PATH}/pulls/7`).reply(200, pullObject());
    const { reviews, checks } = mockWholeReview(scope, f, { token: false });

    await deliver(await harness(), 'issue_comment', comment('/widen\nplease look again'));

    expect(scope.pendingMocks()).toEqual([]);
    expect(invalidBodies).toEqual([]);
    expect(reactions).toEqual([{ content: 'eyes' }]);
    expect(reviews).toHaveLength(1);
    expect((reviews[0] as { body: string; comments: unknown[] }).body).toContain('found nothing new');
    expect((reviews[0] as { comments: unknown[] }).comments).toEqual([]);
    expect(checks.map((c) => c['conclusion'])).toEqual(['success']);
  });

  test('from someone with read access: one polite line, no reaction, no review', async () => {
    const scope = nock(API);
    mockCommandReads(scope, 'read');
    const replies: Array<{ body: string }> = [];
    scope.post(`${REPO_PATH}/issues/7/comments`, (b: { body: string }) => valid('POST', `${REPO_PATH}/issues/7/comments`)(b) && replies.push(b) > 0).reply(201, {});

    const h = await harness();
    await deliver(h, 'issue_comment', comment('/widen review'));

    expect(scope.pendingMocks()).toEqual([]);
    expect(replies).toEqual([{ body: '@maintainer only people with write access to this repository can run `/widen`; a maintainer can run it for you.' }]);

    // The same person again, and again: answered once (each answer notifies them, and waits in
    // the write throttle with every installation's reviews).
    const again = nock(API);
    again.get(/\/repos\/kernel-dev\/linux\/contents\/\.github(%2F|\/)widen\.yml/).times(2).reply(404, { message: 'Not Found' });
    again.get(/\/repos\/kernel-dev\/\.github\/contents\/\.github(%2F|\/)widen\.yml/).times(2).reply(404, { message: 'Not Found' });
    again.get(`${REPO_PATH}/collaborators/maintainer/permission`).times(2).reply(200, { permission: 'read', role_name: 'read', user: { login: 'maintainer' } });
    await deliver(h, 'issue_comment', comment('/widen'), 'delivery-2');
    await deliver(h, 'issue_comment', comment('/widen review'), 'delivery-3');
    expect(again.pendingMocks()).toEqual([]);
    expect(replies).toHaveLength(1);
  });

  test('/widen help answers with the commands', async () => {
    const scope = nock(API);
    mockCommandReads(scope, 'write');
    scope.post(`${REPO_PATH}/issues/comments/555/reactions`).reply(201, {});
    const replies: Array<{ body: string }> = [];
    scope.post(`${REPO_PATH}/issues/7/comments`, (b: { body: string }) => replies.push(b) > 0).reply(201, {});

    await deliver(await harness(), 'issue_comment', comment('/widen help'));

    expect(scope.pendingMocks()).toEqual([]);
    expect(replies[0]!.body).toContain('| `/widen` or `/widen review` |');
  });

  test('an unknown command is quoted in one code span, so backticks in it cannot free a mention', async () => {
    const scope = nock(API);
    mockCommandReads(scope, 'write');
    scope.post(`${REPO_PATH}/issues/comments/555/reactions`).reply(201, {});
    const replies: Array<{ body: string }> = [];
    scope.post(`${REPO_PATH}/issues/7/comments`, (b: { body: string }) => replies.push(b) > 0).reply(201, {});

    await deliver(await harness(), 'issue_comment', comment('/widen x`@torvalds`'));

    expect(scope.pendingMocks()).toEqual([]);
    expect(replies[0]!.body.split('\n')[0]).toBe('`` /widen x`@torvalds` `` is not a widen command.');
  });

  test('a command of several words, or of one as long as a comment allows, is answered with the help in a reply GitHub takes', async () => {
    const scope = nock(API);
    mockCommandReads(scope, 'write');
    mockCommandReads(scope, 'write');
    scope.post(`${REPO_PATH}/issues/comments/555/reactions`).times(2).reply(201, {});
    const replies: Array<{ body: string }> = [];
    scope.post(`${REPO_PATH}/issues/7/comments`, (b: { body: string }) => replies.push(b) > 0).times(2).reply(201, {});

    await deliver(await harness(), 'issue_comment', comment('/widen review please'));
    // Sweep AA: a 65,000-character word quoted whole made a reply GitHub refused (422), and the
    // maintainer got no answer at all.
    await deliver(await harness(), 'issue_comment', comment(`/widen ${'x'.repeat(65_000)}`));

    expect(scope.pendingMocks()).toEqual([]);
    expect(replies[0]!.body.split('\n')[0]).toBe('`/widen review please` is not a widen command.');
    expect(replies[1]!.body.split('\n')[0]).toBe(`\`/widen ${'x'.repeat(QUOTED_COMMAND_CHARS)}…\` is not a widen command.`);
    expect(replies[1]!.body.length).toBeLessThan(HELP_TEXT.length + 200);
    expect(parseSlashCommand('/widen  review \t please')).toEqual({ unknown: 'review please' });
    expect(parseSlashCommand('/widen\u00a0review')).toEqual({ command: 'review' });
    expect(parseSlashCommand('/widen:')).toBeNull();
  });

  test('a delivery without its pull request, or a comment without its user, is answered without a request', async () => {
    const h = await harness();
    const bare = { ...seedPayload() } as Record<string, unknown>;
    delete bare['pull_request'];
    await deliver(h, 'pull_request', bare);
    const c = comment('/widen') as { comment: { user: unknown } };
    c.comment.user = null;
    await deliver(h, 'issue_comment', c as never);
    expect(nock.pendingMocks()).toEqual([]);
  });

  test('comments that are not commands cost no request', async () => {
    await deliver(await harness(), 'issue_comment', comment('I think /widen would catch this'));
    expect(parseSlashCommand('/widening the scope')).toBeNull();
    expect(parseSlashCommand('/widen frobnicate')).toEqual({ unknown: 'frobnicate' });
    expect(parseSlashCommand(' /widen \nmore')).toEqual({ command: 'review' });
    expect(permits({ role_name: 'maintain', permission: 'write' }, 'write')).toBe(true);
    expect(permits({ role_name: 'triage', permission: 'read' }, 'write')).toBe(false);
    // A custom repository role is none of the five: the base permission it extends decides.
    expect(permits({ role_name: 'kernel-maintainer', permission: 'write' }, 'write')).toBe(true);
    expect(permits({ role_name: 'kernel-reader', permission: 'read' }, 'write')).toBe(false);
    expect(permits({ permission: 'admin' }, 'maintain')).toBe(true);
  });
});

describe('check_run.rerequested', () => {
  test('for a fork pull request (empty pull_requests) the pull request is found from the head SHA', async () => {
    const f = await seedFile();
    const scope = nock(API);
    scope.get(`${REPO_PATH}/commits/${HEAD}/pulls`).reply(200, [{ number: 7, state: 'open', head: { sha: HEAD } }]);
    scope.get(`${REPO_PATH}/pulls/7`).reply(200, pullObject());
    const { reviews, checks } = mockWholeReview(scope, f);

    await deliver(await harness(), 'check_run', checkRunRerequestedPayload({ owner: OWNER, repo: REPO, headSha: HEAD, installationId: INSTALLATION, pullNumbers: [], appId: 123 }));

    expect(scope.pendingMocks()).toEqual([]);
    expect(invalidBodies).toEqual([]);
    expect(reviews).toHaveLength(1);
    expect(checks.map((c) => c['conclusion'])).toEqual(['failure']);
  });

  test("an entry of pull_requests for another repository or another head is not reviewed", async () => {
    const scope = nock(API);
    scope.post(`/app/installations/${INSTALLATION}/access_tokens`).reply(201, { token: 'ghs_test', expires_at: '2099-01-01T00:00:00Z', permissions: {} });
    // No entry of the payload fits: the commit is looked up, and the pull request it heads has moved on.
    scope.get(`${REPO_PATH}/commits/${HEAD}/pulls`).reply(200, [{ number: 7, state: 'open', head: { sha: HEAD } }]);
    scope.get(`${REPO_PATH}/pulls/7`).reply(200, { ...pullObject(), head: { sha: 'c'.repeat(40), ref: 'fix' } });
    const payload = checkRunRerequestedPayload({ owner: OWNER, repo: REPO, headSha: HEAD, installationId: INSTALLATION, pullNumbers: [6], appId: 123 }) as { check_run: { pull_requests: Array<{ base: { repo: { id: number } }; head: { sha: string } }> } };
    payload.check_run.pull_requests[0]!.base.repo.id = 999;

    await deliver(await harness(), 'check_run', payload as never);

    expect(scope.pendingMocks()).toEqual([]);
  });
});

describe('faults', () => {
  test('a 404 on a file\'s blob skips that file with a note; the check run is neutral, never green', async () => {
    const f = await seedFile();
    const scope = mockReviewReads(nock(API), f, { blobStatus: 404 });
    const checks: Array<Record<string, unknown>> = [];
    expectCheckCompletion(scope, checks);

    await deliver(await harness(), 'pull_request', seedPayload());

    const check = checks[0]! as { conclusion: string; output: { title: string; summary: string } };
    expect(check.conclusion).toBe('neutral');
    expect(check.output.title).toBe('No findings, but 1 thing not checked');
    expect(check.output.summary).toContain('mm/memory.c could not be read (GitHub answered 404 Not Found for its blob)');
    // And what to do about it (sweep AA: the note left the user guessing).
    expect(check.output.summary).toContain('The branch may have moved while widen read it: run `/widen` to review the pull request again.');
  });

  test('a 500 on the file list is retried and the review still arrives', async () => {
    const f = await seedFile();
    const scope = nock(API);
    scope.get(`${REPO_PATH}/pulls/7/files`).query(true).reply(500, { message: 'Server Error' });
    const { reviews, checks } = mockWholeReview(scope, f);

    await deliver(await harness({ faults: true }), 'pull_request', seedPayload());

    expect(scope.pendingMocks()).toEqual([]);
    expect(reviews).toHaveLength(1);
    expect(checks.map((c) => c['conclusion'])).toEqual(['failure']);
  });

  test('a primary rate limit that lifts in an hour is not waited out: the file is noted, the check run neutral, at once', async () => {
    const f = await seedFile();
    const scope = mockReviewReads(nock(API), f, { blobStatus: null });
    const reset = String(Math.floor(Date.now() / 1000) + 3600);
    scope.get(`${REPO_PATH}/git/blobs/${f.headSha}`).reply(403, { message: 'API rate limit exceeded for installation ID 4242.' }, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset });
    const checks: Array<Record<string, unknown>> = [];
    expectCheckCompletion(scope, checks);

    // Waiting out the hour (the throttle's own answer) would run past the test's timeout.
    await deliver(await harness({ faults: true }), 'pull_request', seedPayload());

    expect(scope.pendingMocks()).toEqual([]);
    const check = checks[0]! as { conclusion: string; output: { summary: string } };
    expect(check.conclusion).toBe('neutral');
    expect(check.output.summary).toContain('mm/memory.c could not be read');
  });

  test('a review past its deadline is given up with a neutral check run that says why, and frees its slot', async () => {
    const f = await seedFile();
    const scope = nock(API);
    scope.get(/\/repos\/kernel-dev\/linux\/contents\/\.github(%2F|\/)widen\.yml/).reply(404, { message: 'Not Found' });
    scope.get(/\/repos\/kernel-dev\/\.github\/contents\/\.github(%2F|\/)widen\.yml/).reply(404, { message: 'Not Found' });
    // The file list answers after the deadline: a server that holds the connection.
    scope.get(`${REPO_PATH}/pulls/7/files`).query(true).delay(3000).reply(200, [listedFile(f)]);
    scope.get(`${REPO_PATH}/pulls/7/commits`).query(true).reply(200, [commitObject(HEAD, SEED_MESSAGE, [BASE])]);
    scope.get(`${REPO_PATH}/pulls/7/comments`).query(true).reply(200, []);
    scope.get(`${REPO_PATH}/pulls/7/reviews`).query(true).reply(200, []);
    scope.get(`${REPO_PATH}/commits/${HEAD}/check-runs`).query(true).reply(200, { total_count: 0, check_runs: [] });
    scope.post(`${REPO_PATH}/check-runs`).reply(201, { id: CHECK_RUN });
    const checks: Array<Record<string, unknown>> = [];
    expectCheckCompletion(scope, checks);
    const octokit = new WidenOctokit({ auth: 'ghs_test', retry: { enabled: false }, throttle: { enabled: false } });
    const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
    const ref = { owner: OWNER, repo: REPO, number: 7 };
    const pull = pullInfo(pullObject());

    const started = Date.now();
    await expect(runReview({ octokit, readConfig: async () => null, log, ref, pull, force: false }, () => true, 300)).rejects.toThrow(/^the review did not finish within/);

    expect(Date.now() - started).toBeLessThan(2500);
    const check = checks[0]! as { conclusion: string; output: { title: string; summary: string } };
    expect(check.conclusion).toBe('neutral');
    expect(check.output.title).toBe('widen could not finish this review');
    expect(check.output.summary).toMatch(/the review did not finish within 0.3 s \(GitHub answered too slowly, or rate limits held it\)/);
    nock.abortPendingRequests();
  });

  test('a review past its deadline stops its own work: no blob is requested after it, and nothing is posted', async () => {
    const f = await seedFile();
    const scope = nock(API);
    scope.get(/\/repos\/kernel-dev\/linux\/contents\/\.github(%2F|\/)widen\.yml/).reply(404, { message: 'Not Found' });
    scope.get(/\/repos\/kernel-dev\/\.github\/contents\/\.github(%2F|\/)widen\.yml/).reply(404, { message: 'Not Found' });
    // Twenty files, each blob answering slowly: eight are requested at once (MAX_PARALLEL_REQUESTS).
    const listed = Array.from({ length: 20 }, (_, k) => ({ ...listedFile(f), filename: `mm/file${k}.c`, sha: `${k}`.padStart(40, 'b') }));
    scope.get(`${REPO_PATH}/pulls/7/files`).query(true).reply(200, listed);
    scope.get(`${REPO_PATH}/pulls/7/commits`).query(true).reply(200, [commitObject(HEAD, SEED_MESSAGE, [BASE])]);
    scope.get(`${REPO_PATH}/pulls/7/comments`).query(true).reply(200, []);
    scope.get(`${REPO_PATH}/pulls/7/reviews`).query(true).reply(200, []);
    scope.get(`${REPO_PATH}/commits/${HEAD}/check-runs`).query(true).reply(200, { total_count: 0, check_runs: [] });
    scope.post(`${REPO_PATH}/check-runs`).reply(201, { id: CHECK_RUN });
    let blobs = 0;
    scope.get(/\/git\/blobs\//).times(20).delay(400).reply(() => {
      blobs++;
      return [200, { content: Buffer.from(f.head).toString('base64'), encoding: 'base64', size: f.head.length }];
    });
    const posted: unknown[] = [];
    scope.post(`${REPO_PATH}/pulls/7/reviews`).optionally().reply(200, (_, body) => (posted.push(body), { id: 99 }));
    const checks: Array<Record<string, unknown>> = [];
    expectCheckCompletion(scope, checks);
    const octokit = new WidenOctokit({ auth: 'ghs_test', retry: { enabled: false }, throttle: { enabled: false } });
    const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
    const pull = { ...pullInfo(pullObject()), changedFiles: 20 };

    await expect(runReview({ octokit, readConfig: async () => null, log, ref: { owner: OWNER, repo: REPO, number: 7 }, pull, force: false }, () => true, 200)).rejects.toThrow(/^the review did not finish within/);
    // Without the deadline's signal the other twelve blobs would be fetched and the files
    // analysed behind the neutral check run; wait long enough for that to show.
    await new Promise((r) => setTimeout(r, 1000));

    expect(blobs).toBeLessThanOrEqual(8);
    expect(posted).toEqual([]);
    expect((checks[0] as { conclusion: string }).conclusion).toBe('neutral');
    nock.cleanAll();
  });

  test('a 403 secondary rate limit with retry-after on the review is waited out and retried', async () => {
    const f = await seedFile();
    const scope = mockReviewReads(nock(API), f);
    scope.post(`${REPO_PATH}/pulls/7/reviews`).reply(403, { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.' }, { 'retry-after': '1' });
    const reviews: Array<Record<string, unknown>> = [];
    const checks: Array<Record<string, unknown>> = [];
    expectReview(scope, reviews);
    expectCheckCompletion(scope, checks);

    await deliver(await harness({ faults: true }), 'pull_request', seedPayload());

    expect(scope.pendingMocks()).toEqual([]);
    expect(reviews).toHaveLength(1);
    expect(checks).toHaveLength(1);
  });
});
