/**
 * End to end: `npm start` with APP_ID, PRIVATE_KEY, WEBHOOK_SECRET, GHE_HOST=127.0.0.1:<port>,
 * GHE_PROTOCOL=http and PORT, against the GitHub stand-in; a signed `pull_request.opened` for
 * the seed example must end in a review with the widened free_pgtables() excerpt.
 */
import { startApp, type AppProcess } from '../helpers/app-process.js';
import { generatePrivateKey, sendWebhook, startGitHubStandIn, type StandIn } from '../helpers/github-stand-in.js';
import { issueCommentPayload, pullRequestPayload } from '../helpers/payloads.js';
import { seedFile, SEED_TITLE } from '../helpers/seed-pull.js';
import { seedSeries, type SeedSeries } from '../helpers/seed-series.js';

const SECRET = 'e2e-webhook-secret';
const HEAD = 'c'.repeat(40);
const BASE = 'd'.repeat(40);
const INSTALLATION = 31;

let github: StandIn;
let app: AppProcess;

let series: SeedSeries;

beforeAll(async () => {
  const f = await seedFile();
  series = await seedSeries();
  const commits = series.commits.map((c) => ({ sha: c.sha, message: c.message, author: { name: 'Test Author', email: 'author@example.org' }, files: [{ filename: series.path, status: 'modified' as const, sha: c.blob, patch: c.patch }] }));
  const seriesPull = { number: 4, title: 'mm: free_pgtables() series', head: { sha: series.commits[2]!.sha, ref: 'series' }, base: { sha: series.base.sha, ref: 'main' }, files: [{ filename: series.path, status: 'modified' as const, sha: series.commits[2]!.blob, patch: series.finalPatch }], commits };
  github = await startGitHubStandIn({
    repos: [
      {
        owner: 'kernel-dev',
        name: 'linux',
        installationId: INSTALLATION,
        pulls: [{ number: 3, title: SEED_TITLE, head: { sha: HEAD, ref: 'tlb-fix' }, base: { sha: BASE, ref: 'main' }, files: [{ filename: f.path, status: 'modified', sha: f.headSha, patch: f.patch }] }, seriesPull],
        blobs: { [f.headSha]: f.head, ...Object.fromEntries(series.commits.map((c) => [c.blob, c.text])) },
        permissions: { maintainer: 'maintain' },
      },
    ],
  });
  app = await startApp({
    APP_ID: String(github.appId),
    PRIVATE_KEY: generatePrivateKey(),
    WEBHOOK_SECRET: SECRET,
    GHE_HOST: github.host,
    GHE_PROTOCOL: 'http',
    LOG_LEVEL: 'info',
  });
}, 60_000);

afterAll(async () => {
  series?.repo.remove();
  await app?.stop();
  await github?.close();
});

const describeFailure = (): string => `App output:\n${app.output()}\nRequests:\n${github.requests.map((r) => `${r.method} ${r.path} ${r.status}`).join('\n')}`;

test('a signed pull_request.opened for the seed example gets the review with the widened free_pgtables() excerpt', async () => {
  const payload = pullRequestPayload('opened', { owner: 'kernel-dev', repo: 'linux', number: 3, headSha: HEAD, baseSha: BASE, changedFiles: 1, installationId: INSTALLATION, title: SEED_TITLE });
  const answer = await sendWebhook({ url: app.webhookUrl, secret: SECRET, name: 'pull_request', payload });
  expect(answer.status).toBe(200);

  await github.waitFor((s) => s.reviews.length === 1 && s.checkRuns.some((r) => r.status === 'completed'), 30_000).catch((e: Error) => {
    throw new Error(`${e.message}\n${describeFailure()}`);
  });
  const [review] = github.reviews;
  expect(review!.commit_id).toBe(HEAD);
  expect(review!.comments.map((c) => [c.path, c.line])).toEqual([['mm/memory.c', 31], ['mm/memory.c', 31]]);
  const body = review!.comments[0]!.body;
  expect(body).toContain('Widened context from `free_pgtables()` in `mm/memory.c`');
  expect(body).toMatch(/^\* {2}42 \|\s+vma = next;\s+<- `vma` reassigned here$/m);
  expect(github.checkRuns.map((r) => [r.name, r.conclusion, r.annotations.length])).toEqual([['widen', 'failure', 2]]);
  expect(github.invalid).toEqual([]);
  expect(github.unexpected).toEqual([]);
}, 60_000);

test('/widen from a maintainer on the same pull request: eyes, then a fresh review that repeats nothing', async () => {
  const payload = issueCommentPayload({ owner: 'kernel-dev', repo: 'linux', number: 3, body: '/widen', login: 'maintainer', commentId: 900, installationId: INSTALLATION });
  const answer = await sendWebhook({ url: app.webhookUrl, secret: SECRET, name: 'issue_comment', payload });
  expect(answer.status).toBe(200);
  await github.waitFor((s) => s.reviews.length === 2, 30_000).catch((e: Error) => {
    throw new Error(`${e.message}\n${describeFailure()}`);
  });
  expect(github.reactions.map((r) => r.content)).toEqual(['eyes']);
  expect(github.reviews[1]!.comments).toEqual([]);
  expect(github.reviews[1]!.body).toContain('2 from earlier reviews still stand');
  // Still one check run for the head commit, with its annotations once (GitHub appends them).
  expect(github.checkRuns).toHaveLength(1);
  expect(github.checkRuns[0]!.annotations).toHaveLength(2);
  expect(github.unexpected).toEqual([]);
}, 60_000);

test('a three-commit pull request: the bug of commit 2 is reported against it, with commit 3 named as its fix', async () => {
  const [, c2, c3] = series.commits;
  const payload = pullRequestPayload('opened', { owner: 'kernel-dev', repo: 'linux', number: 4, headSha: c3!.sha, baseSha: series.base.sha, changedFiles: 1, installationId: INSTALLATION, title: 'mm: free_pgtables() series', commits: 3 });
  const answer = await sendWebhook({ url: app.webhookUrl, secret: SECRET, name: 'pull_request', payload, id: 'e2e-series' });
  expect(answer.status).toBe(200);
  await github.waitFor((s) => s.reviews.some((r) => r.pull_number === 4), 30_000).catch((e: Error) => {
    throw new Error(`${e.message}\n${describeFailure()}`);
  });
  const review = github.reviews.find((r) => r.pull_number === 4)!;
  expect(review.commit_id).toBe(c3!.sha);
  expect(review.comments.map((c) => c.line)).toEqual([45, 33, 32]);
  expect(review.comments[0]!.body).toContain(`<sub>Introduced by commit \`${c2!.sha.slice(0, 12)}\` (2/3): ${SEED_TITLE}</sub>`);
  expect(review.comments[0]!.body).toContain(`<sub>A later commit fixes it: commit \`${c3!.sha.slice(0, 12)}\` (3/3)`);
  expect(github.invalid).toEqual([]);
  expect(github.unexpected).toEqual([]);
}, 60_000);

test('a webhook with a wrong signature is refused and costs no API request', async () => {
  const before = github.requests.length;
  const payload = pullRequestPayload('synchronize', { owner: 'kernel-dev', repo: 'linux', number: 3, headSha: HEAD, baseSha: BASE, changedFiles: 1, installationId: INSTALLATION });
  const answer = await sendWebhook({ url: app.webhookUrl, secret: 'not-the-secret', name: 'pull_request', payload });
  expect(answer.status).toBeGreaterThanOrEqual(400);
  await new Promise((r) => setTimeout(r, 300));
  expect(github.requests.length).toBe(before);
});

test('SIGTERM stops the App after the reviews in flight', async () => {
  await app.stop();
  expect(app.output()).toContain('SIGTERM: no new deliveries; finishing the reviews in flight');
  expect(app.output()).not.toMatch(/still running after/);
});
