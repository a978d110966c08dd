/**
 * End to end: `npm start` with APP_ID, PRIVATE_KEY, WEBHOOK_SECRET, GHE_HOST=127.0.0.1:<port>,
 * GHE_PROTOCOL=http and PORT, against the GitHub stand-in; a signed `pull_request.opened` for
 * the seed example must end in a review with the widened free_pgtables() excerpt.
 */
import { startApp, type AppProcess } from '../helpers/app-process.js';
import { generatePrivateKey, sendWebhook, startGitHubStandIn, type StandIn } from '../helpers/github-stand-in.js';
import { issueCommentPayload, pullRequestPayload } from '../helpers/payloads.js';
import { seedFile, SEED_TITLE } from '../helpers/seed-pull.js';

const SECRET = 'e2e-webhook-secret';
const HEAD = 'c'.repeat(40);
const BASE = 'd'.repeat(40);
const INSTALLATION = 31;

let github: StandIn;
let app: AppProcess;

beforeAll(async () => {
  const f = await seedFile();
  github = await startGitHubStandIn({
    repos: [
      {
        owner: 'kernel-dev',
        name: 'linux',
        installationId: INSTALLATION,
        pulls: [{ number: 3, title: SEED_TITLE, head: { sha: HEAD, ref: 'tlb-fix' }, base: { sha: BASE, ref: 'main' }, files: [{ filename: f.path, status: 'modified', sha: f.headSha, patch: f.patch }] }],
        blobs: { [f.headSha]: f.head },
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
    LOG_LEVEL: 'warn',
  });
}, 60_000);

afterAll(async () => {
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
  // Still one check run for the head commit.
  expect(github.checkRuns).toHaveLength(1);
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
