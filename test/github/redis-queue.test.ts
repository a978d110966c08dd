/**
 * The shared queue with a real redis-server: `npm start` with REDIS_URL only answers and
 * enqueues, worker processes review, against the GitHub stand-in. Each pull request of the seed
 * example must get exactly one review and one check run, whatever the workers go through.
 */
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REFUSED_PORT, startApp, type AppProcess } from '../helpers/app-process.js';
import { generatePrivateKey, sendWebhook, startGitHubStandIn, type StandIn, type StandInRepo } from '../helpers/github-stand-in.js';
import { pullRequestPayload } from '../helpers/payloads.js';
import { startRedis, type RedisProcess } from '../helpers/redis.js';
import { repoRoot } from '../helpers/root.js';
import { seedFile, SEED_TITLE, type PullFixtureFile } from '../helpers/seed-pull.js';
import { startWorker, type WorkerProcess } from '../helpers/worker-process.js';

const SECRET = 'queue-webhook-secret';
const BASE = 'd'.repeat(40);
const KEY = generatePrivateKey();

let redis: RedisProcess;
let github: StandIn;
let app: AppProcess;
let queue: Queue;
let seed: PullFixtureFile;
/** Served live by the stand-in: a test pushes by changing a pull's head. */
let repos: StandInRepo[];
const workers: WorkerProcess[] = [];

/** A distinct head commit per pull request (and per push `n`). */
const headOf = (number: number, n = 0): string => `${n.toString(16)}${number.toString(16).padStart(8, '0')}`.padStart(40, 'e');

function repo(name: string, installationId: number, pulls: number): StandInRepo {
  return {
    owner: 'kernel-dev',
    name,
    installationId,
    pulls: Array.from({ length: pulls }, (_, i) => ({ number: i + 1, title: SEED_TITLE, head: { sha: headOf(i + 1), ref: `topic-${i + 1}` }, base: { sha: BASE, ref: 'main' }, files: [{ filename: seed.path, status: 'modified' as const, sha: seed.headSha, patch: seed.patch }] })),
    blobs: { [seed.headSha]: seed.head },
  };
}

const REPOS = { many: 41, kill: 42, redeliver: 43, push: 44, cli: 45, serial: 46, outage: 47, drain: 48, refail: 49, flush: 50, order: 51, garbled: 52 } as const;
const SIZES: Record<keyof typeof REPOS, number> = { many: 200, kill: 24, redeliver: 1, push: 1, cli: 1, serial: 1, outage: 1, drain: 1, refail: 1, flush: 2, order: 1, garbled: 1 };

beforeAll(async () => {
  seed = await seedFile();
  redis = await startRedis();
  repos = Object.entries(REPOS).map(([name, id]) => repo(name, id, SIZES[name as keyof typeof REPOS]));
  github = await startGitHubStandIn({ repos, appKey: KEY });
  app = await startApp({ APP_ID: String(github.appId), PRIVATE_KEY: KEY, WEBHOOK_SECRET: SECRET, GHE_HOST: github.host, GHE_PROTOCOL: 'http', LOG_LEVEL: 'info', LOG_FORMAT: 'json', REDIS_URL: redis.url });
  queue = new Queue('reviews', { connection: { url: redis.url }, prefix: 'widen' });
}, 60_000);

afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop('SIGKILL')));
  github.latencyMs = 0;
});

afterAll(async () => {
  await queue?.close();
  await app?.stop();
  await github?.close();
  await redis?.stop();
});

const workerEnv = (extra: Record<string, string> = {}): Record<string, string> => ({ REDIS_URL: redis.url, APP_ID: String(github.appId), PRIVATE_KEY: KEY, GHE_HOST: github.host, GHE_PROTOCOL: 'http', LOG_LEVEL: 'info', ...extra });

async function addWorkers(n: number, extra: Record<string, string> = {}): Promise<WorkerProcess[]> {
  const started = await Promise.all(Array.from({ length: n }, () => startWorker(workerEnv(extra))));
  workers.push(...started);
  return started;
}

async function deliver(name: keyof typeof REPOS, number: number, opts: { id?: string; headSha?: string; action?: 'opened' | 'synchronize'; to?: AppProcess } = {}): Promise<void> {
  const payload = pullRequestPayload(opts.action ?? 'opened', { owner: 'kernel-dev', repo: name, number, headSha: opts.headSha ?? headOf(number), baseSha: BASE, changedFiles: 1, installationId: REPOS[name], title: SEED_TITLE });
  const answer = await sendWebhook({ url: (opts.to ?? app).webhookUrl, secret: SECRET, name: 'pull_request', payload, ...(opts.id ? { id: opts.id } : {}) });
  if (answer.status !== 200) throw new Error(`the App answered ${answer.status}: ${answer.body}\n${app.output()}`);
}

const reviewsOf = (name: string) => github.reviews.filter((r) => r.repo === `kernel-dev/${name}`);
const checkRunsOf = (name: string) => github.checkRuns.filter((r) => r.repo === `kernel-dev/${name}`);

/** How many times each pull request of `name` got a review, as `number -> count`. */
function reviewCounts(name: string): Map<number, number> {
  const counts = new Map<number, number>();
  for (const r of reviewsOf(name)) counts.set(r.pull_number, (counts.get(r.pull_number) ?? 0) + 1);
  return counts;
}

/** The queue's jobs for a repository: state and return value by job id. */
async function jobsOf(name: string): Promise<Array<{ id: string; state: string; returnvalue: unknown; failedReason: string | undefined; finishedOn: number | undefined }>> {
  const jobs = await queue.getJobs(['completed', 'failed', 'active', 'waiting', 'delayed', 'prioritized']);
  const mine = jobs.filter((j) => j && (j.data as { ref: { repo: string } }).ref.repo === name);
  return Promise.all(mine.map(async (j) => ({ id: j.id!, state: await j.getState(), returnvalue: j.returnvalue, failedReason: j.failedReason, finishedOn: j.finishedOn })));
}

/** Polls `done` until it holds or `timeoutMs` passes (the assertions after it say what went wrong). */
async function until(done: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  for (const end = Date.now() + timeoutMs; Date.now() < end && !(await done()); ) await new Promise((r) => setTimeout(r, 100));
}

/**
 * Asserts that a process logged a line matching `pattern`. Its log reaches the test through a
 * pipe, which on a loaded machine lags behind the HTTP answer or the Redis state the test saw
 * (CI failed once on exactly that), so the line gets a few seconds to arrive.
 */
async function expectLogged(proc: { output(): string }, pattern: RegExp | string, timeoutMs = 10_000): Promise<void> {
  const seen = () => (typeof pattern === 'string' ? proc.output().includes(pattern) : pattern.test(proc.output()));
  await until(async () => seen(), timeoutMs);
  if (typeof pattern === 'string') expect(proc.output()).toContain(pattern);
  else expect(proc.output()).toMatch(pattern);
}

async function settle(name: string, pulls: number, timeoutMs: number): Promise<void> {
  await github.waitFor((s) => s.checkRuns.filter((r) => r.repo === `kernel-dev/${name}` && r.status === 'completed').length >= pulls && reviewsOf(name).length >= pulls, timeoutMs).catch((e: Error) => {
    throw new Error(`${e.message}\nApp:\n${app.output().slice(-3000)}\nWorkers:\n${workers.map((w) => w.output().slice(-3000)).join('\n---\n')}`);
  });
  // Anything a duplicate would post comes within moments of the rest.
  await new Promise((r) => setTimeout(r, 500));
}

test('200 deliveries through 2 workers: every pull request is reviewed exactly once', async () => {
  const [a, b] = await addWorkers(2);
  const numbers = Array.from({ length: SIZES.many }, (_, i) => i + 1);
  for (let i = 0; i < numbers.length; i += 20) await Promise.all(numbers.slice(i, i + 20).map((n) => deliver('many', n)));
  await settle('many', SIZES.many, 120_000);

  expect([...reviewCounts('many').entries()].filter(([, c]) => c !== 1)).toEqual([]);
  expect(reviewCounts('many').size).toBe(SIZES.many);
  expect(checkRunsOf('many')).toHaveLength(SIZES.many);
  expect(checkRunsOf('many').every((r) => r.conclusion === 'failure' && r.annotations.length === 2)).toBe(true);
  expect(reviewsOf('many').every((r) => r.comments.length === 2)).toBe(true);
  const jobs = await jobsOf('many');
  expect(jobs.filter((j) => j.state !== 'completed' || j.returnvalue !== 'reviewed')).toEqual([]);
  expect(jobs).toHaveLength(SIZES.many);
  // Both workers took a share.
  expect(a!.done().length).toBeGreaterThan(0);
  expect(b!.done().length).toBeGreaterThan(0);
  expect(a!.done().length + b!.done().length).toBe(SIZES.many);
  expect(github.invalid).toEqual([]);
  expect(github.unexpected).toEqual([]);
}, 180_000);

test('a worker killed in the middle of reviews loses nothing and posts nothing twice', async () => {
  // Slow answers, so that the first worker is in the middle of reviews when it dies.
  github.latencyMs = 150;
  const [doomed] = await addWorkers(1, { LOCK_MS: '2000', BUSY_RETRY_MS: '200' });
  await Promise.all(Array.from({ length: SIZES.kill }, (_, i) => deliver('kill', i + 1)));
  const inFlight = (): string[] => doomed!.started().filter((id) => !doomed!.done().includes(id));
  await github.waitFor(() => doomed!.done().length >= 1, 30_000);
  // Once a review has finished, the next one's files request is left unanswered: that review is
  // surely unfinished when the worker dies (killing at a moment the log showed one in flight
  // failed CI once: the review finished, its line still in the pipe, before the kill landed).
  const files = github.hold('GET', /^\/repos\/kernel-dev\/kill\/pulls\/\d+\/files$/);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([files.held, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no review asked for its files after the first finished:\n${doomed!.output().slice(-3000)}`)), 30_000)))]).finally(() => clearTimeout(timer));
  await until(async () => inFlight().length >= 1, 10_000);
  await doomed!.stop('SIGKILL');
  files.release();
  // Taken once the process is gone, and before the second worker starts: a job finished at or
  // before it was finished by the first worker (one can finish between the kill being sent and
  // the process dying), one finished after it by the second.
  const deadAt = Date.now();
  const interrupted = doomed!.started().filter((id) => !doomed!.done().includes(id));
  expect(interrupted.length).toBeGreaterThan(0);

  const [rescuer] = await addWorkers(1, { LOCK_MS: '2000', BUSY_RETRY_MS: '200' });
  await settle('kill', SIZES.kill, 90_000);
  expect([...reviewCounts('kill').entries()].filter(([, c]) => c !== 1)).toEqual([]);
  expect(reviewCounts('kill').size).toBe(SIZES.kill);
  expect(checkRunsOf('kill')).toHaveLength(SIZES.kill);
  expect(checkRunsOf('kill').every((r) => r.status === 'completed' && r.conclusion === 'failure')).toBe(true);
  // The interrupted jobs were taken over by the second worker (stalled-job recovery), but for
  // one the first worker finished just before it died, with its 'review done' line still in the
  // pipe when the test read the log: BullMQ records it finished before the process was gone.
  const jobs = await jobsOf('kill');
  const finishedBeforeKill = new Set(jobs.filter((j) => j.finishedOn !== undefined && j.finishedOn <= deadAt).map((j) => j.id));
  // BullMQ records a job completed after the worker wrote its 'review done' line, but the test
  // reads that line through a pipe, which on a loaded machine can lag behind Redis.
  const rescued = interrupted.filter((id) => !finishedBeforeKill.has(id));
  await github.waitFor(() => rescued.every((id) => rescuer!.done().includes(id)), 10_000).catch(() => undefined);
  for (const id of rescued) expect(rescuer!.done()).toContain(id);
  expect(interrupted.filter((id) => rescuer!.done().includes(id)).length).toBeGreaterThan(0);
  expect(jobs.filter((j) => j.state !== 'completed')).toEqual([]);
  expect(github.invalid).toEqual([]);
}, 150_000);

test('a redelivered webhook is a no-op: one job, one review', async () => {
  await addWorkers(1);
  await deliver('redeliver', 1, { id: 'delivery-redeliver-1' });
  await settle('redeliver', 1, 30_000);
  const before = github.requests.length;
  await deliver('redeliver', 1, { id: 'delivery-redeliver-1' });
  await new Promise((r) => setTimeout(r, 1500));
  expect(github.requests.length).toBe(before);
  expect(reviewsOf('redeliver')).toHaveLength(1);
  expect((await jobsOf('redeliver')).map((j) => [j.id, j.state])).toEqual([['delivery-redeliver-1', 'completed']]);
  await expectLogged(app, /"jobId":"delivery-redeliver-1".*delivery already queued or reviewed; nothing to do/);
}, 60_000);

test("a redelivered webhook whose review failed for good is tried again, and reviewed", async () => {
  // The job fails at once (a worker with a wrong key, an outage longer than the retries): here a
  // processor of the test's own fails it.
  await deliver('refail', 1, { id: 'delivery-refail-1' });
  const failing = new Worker('reviews', async () => {
    throw new UnrecoverableError('GitHub refused the JWT (401)');
  }, { connection: { url: redis.url }, prefix: 'widen' });
  await until(async () => (await queue.getJob('delivery-refail-1'))?.failedReason !== undefined, 15_000);
  await failing.close();
  expect((await jobsOf('refail')).map((j) => [j.id, j.state])).toEqual([['delivery-refail-1', 'failed']]);

  // The operator fixes the cause and redelivers the delivery from the App's Advanced tab.
  await deliver('refail', 1, { id: 'delivery-refail-1' });
  await expectLogged(app, /"jobId":"delivery-refail-1".*delivery redelivered after its review failed; trying it again/);
  await addWorkers(1);
  await settle('refail', 1, 30_000);
  expect(reviewsOf('refail')).toHaveLength(1);
  expect((await jobsOf('refail')).map((j) => [j.id, j.state])).toEqual([['delivery-refail-1', 'completed']]);
}, 60_000);

test('Redis flushed after an installation was reviewed: its next review still goes through', async () => {
  // Probot's rate limiter kept its keys in REDIS_URL, and on Redis 7 it never recreated them once
  // they were lost: every later review of the installation failed (sweep E). The real command,
  // which builds its Probot from the environment as the image does.
  const worker = await startWorker(workerEnv(), { cli: true });
  workers.push(worker);
  await deliver('flush', 1);
  await settle('flush', 1, 30_000);
  const flushed = spawnSync('redis-cli', ['-u', redis.url, 'FLUSHALL'], { encoding: 'utf8' });
  expect(flushed.stdout.trim()).toBe('OK');
  await deliver('flush', 2);
  await settle('flush', 2, 30_000);
  expect([...reviewCounts('flush').entries()].sort()).toEqual([[1, 1], [2, 1]]);
  expect(worker.output()).not.toContain('SETTINGS_KEY_NOT_FOUND');
}, 60_000);

test('a job that is not a widen review fails once, with what is wrong, and no stack of ours', async () => {
  const [worker] = await addWorkers(1);
  await queue.add('review', { ref: { owner: 'kernel-dev', repo: 'refail' } }, { jobId: 'poison-1', attempts: 6 });
  await until(async () => (await queue.getJob('poison-1'))?.failedReason !== undefined, 15_000);
  const job = (await queue.getJob('poison-1'))!;
  expect(await job.getState()).toBe('failed');
  expect(job.attemptsMade).toBe(1);
  expect(job.failedReason).toBe('the job is not a widen review: no pull request (`ref` with owner, repo and number)');
  await expectLogged(worker!, /"jobId":"poison-1".*review failed; the job stays in the failed set with its error/);
  expect(worker!.output()).not.toContain('queue worker error');
  await job.remove();
}, 30_000);

test('a job whose data or options are not JSON fails once, at once, saying so; the next job is reviewed', async () => {
  // BullMQ parses a job before widen's processor sees it; such a job used to stay active,
  // stall and be taken again for ever, a stack trace each time (sweep E).
  await queue.add('review', { ref: { owner: 'kernel-dev', repo: 'garbled', number: 9 } } as never, { jobId: 'garbled-data', attempts: 6 });
  await queue.add('review', { ref: { owner: 'kernel-dev', repo: 'garbled', number: 9 } } as never, { jobId: 'garbled-opts', attempts: 6 });
  const raw = spawnSync('redis-cli', ['-u', redis.url, 'HSET', 'widen:reviews:garbled-data', 'data', '{not json, from a script'], { encoding: 'utf8' });
  expect(raw.stdout.trim()).toBe('0');
  spawnSync('redis-cli', ['-u', redis.url, 'HSET', 'widen:reviews:garbled-opts', 'opts', '{"attempts":'], { encoding: 'utf8' });
  const [taker] = await addWorkers(1, { CONCURRENCY: '1' });
  // BullMQ's own getJob() throws on such a job too, until it is mended.
  const failed = async (id: string): Promise<boolean> => (await queue.getJob(id).catch(() => undefined))?.failedReason !== undefined;
  await until(async () => (await failed('garbled-data')) && (await failed('garbled-opts')), 15_000);
  const data = (await queue.getJob('garbled-data'))!;
  expect(await data.getState()).toBe('failed');
  expect(data.failedReason).toBe('the job is not a widen review: its data is not JSON ("{not json, from a script")');
  const opts = (await queue.getJob('garbled-opts'))!;
  expect(await opts.getState()).toBe('failed');
  expect(opts.failedReason).toBe('the job is not a widen review: its opts is not JSON');
  await expectLogged(taker!, /"jobId":"garbled-data".*review failed; the job stays in the failed set with its error: its data is not JSON/);
  await expectLogged(taker!, /"jobId":"garbled-opts".*review failed; the job stays in the failed set with its error: its opts is not JSON/);
  expect(taker!.output().match(/"jobId":"garbled-data"/g)).toHaveLength(1);
  expect(taker!.output()).not.toContain('queue worker error');
  await data.remove();
  await opts.remove();
  await deliver('garbled', 1);
  await settle('garbled', 1, 30_000);
  expect(reviewsOf('garbled')).toHaveLength(1);
}, 30_000);

test('a newer head commit supersedes an older job still waiting: only the newer head is reviewed', async () => {
  // Two pushes in quick succession while no worker runs; then a worker.
  await deliver('push', 1, { id: 'push-old', headSha: headOf(1) });
  repos.find((r) => r.name === 'push')!.pulls[0]!.head.sha = headOf(1, 1);
  await deliver('push', 1, { id: 'push-new', headSha: headOf(1, 1), action: 'synchronize' });
  await addWorkers(1);
  await github.waitFor((s) => s.checkRuns.some((r) => r.repo === 'kernel-dev/push' && r.status === 'completed'), 30_000);
  await new Promise((r) => setTimeout(r, 500));
  expect(checkRunsOf('push').map((r) => r.head_sha)).toEqual([headOf(1, 1)]);
  expect(reviewsOf('push').map((r) => r.commit_id)).toEqual([headOf(1, 1)]);
  const jobs = Object.fromEntries((await jobsOf('push')).map((j) => [j.id, [j.state, j.returnvalue]]));
  expect(jobs).toEqual({ 'push-old': ['completed', 'superseded'], 'push-new': ['completed', 'reviewed'] });
}, 60_000);

test("deliveries out of order: the head GitHub has is reviewed, not the push whose delivery came last", async () => {
  // Push A, then push B (the head on GitHub); B's delivery arrives first, then A's.
  repos.find((r) => r.name === 'order')!.pulls[0]!.head.sha = headOf(1, 2);
  await deliver('order', 1, { id: 'order-B', headSha: headOf(1, 2), action: 'synchronize' });
  await deliver('order', 1, { id: 'order-A', headSha: headOf(1, 1), action: 'synchronize' });
  await addWorkers(1);
  await github.waitFor((s) => s.checkRuns.some((r) => r.repo === 'kernel-dev/order' && r.status === 'completed'), 30_000);
  await until(async () => (await jobsOf('order')).every((j) => j.state === 'completed'), 10_000);
  expect(checkRunsOf('order').map((r) => r.head_sha)).toEqual([headOf(1, 2)]);
  expect(reviewsOf('order').map((r) => r.commit_id)).toEqual([headOf(1, 2)]);
  expect((await jobsOf('order')).map((j) => [j.id, j.returnvalue]).sort()).toEqual([['order-A', 'superseded'], ['order-B', 'reviewed']]);
}, 60_000);

test('two deliveries for the same head of one pull request, two workers: the reviews run one after the other', async () => {
  github.latencyMs = 30;
  await addWorkers(2);
  await Promise.all([deliver('serial', 1, { id: 'serial-a' }), deliver('serial', 1, { id: 'serial-b', action: 'synchronize' })]);
  await github.waitFor((s) => s.checkRuns.some((r) => r.repo === 'kernel-dev/serial' && r.status === 'completed' && r.requests >= 4), 30_000);
  await new Promise((r) => setTimeout(r, 500));
  // Each review reads the earlier comments first and completes the check run last: the second
  // review's first read comes after the first review's last write, so it sees what was posted.
  const mine = github.requests.filter((r) => r.path.startsWith('/repos/kernel-dev/serial/'));
  const reads = mine.filter((r) => r.method === 'GET' && r.path.endsWith('/pulls/1/comments'));
  const completions = mine.filter((r) => r.method === 'PATCH' && (r.body as { status?: string }).status === 'completed');
  expect(reads).toHaveLength(2);
  expect(completions).toHaveLength(2);
  expect(reads[1]!.start).toBeGreaterThanOrEqual(completions[0]!.end);
  // The first posted the findings; the second found them standing and posted nothing new.
  expect(reviewsOf('serial')).toHaveLength(1);
  expect(checkRunsOf('serial')).toHaveLength(1);
}, 60_000);

test('with Redis unreachable, a delivery fails at once (500, redeliverable) instead of hanging past GitHub\'s 10 s', async () => {
  const dead = `redis://127.0.0.1:${REFUSED_PORT}`;
  const lonely = await startApp({ APP_ID: String(github.appId), PRIVATE_KEY: KEY, WEBHOOK_SECRET: SECRET, GHE_HOST: github.host, GHE_PROTOCOL: 'http', LOG_LEVEL: 'warn', LOG_FORMAT: 'json', REDIS_URL: dead });
  try {
    const before = github.requests.length;
    const payload = pullRequestPayload('opened', { owner: 'kernel-dev', repo: 'redeliver', number: 1, headSha: headOf(1), baseSha: BASE, changedFiles: 1, installationId: REPOS.redeliver, title: SEED_TITLE });
    const answer = await sendWebhook({ url: lonely.webhookUrl, secret: SECRET, name: 'pull_request', payload });
    expect(answer.status).toBe(500);
    expect(answer.ms).toBeLessThan(2000);
    expect(github.requests.length).toBe(before);
    // One JSON line for the outage, in the App's own log; the refused delivery without a stack.
    await expectLogged(lonely, /^\{.*"reason":"connect ECONNREFUSED 127\.0\.0\.1:\d+".*"msg":"cannot reach Redis; deliveries fail until it is back"\}$/m);
    await expectLogged(lonely, /"msg":"Redis is unreachable \(connection \w+: connect ECONNREFUSED [^)]*\); the review of kernel-dev\/redeliver#1 was not queued"/);
    expect(lonely.output()).not.toMatch(/^\s+at /m);
    // The process runs (/ping), but it cannot take deliveries (/health, the image's HEALTHCHECK).
    const base = new URL(lonely.webhookUrl).origin;
    expect((await fetch(`${base}/ping`)).status).toBe(200);
    const health = await fetch(`${base}/health`);
    expect(health.status).toBe(503);
    expect(await health.text()).toMatch(/^cannot reach Redis \(connection \w+: connect ECONNREFUSED 127\.0\.0\.1:\d+\); deliveries are answered 500 until it is back\n$/);
    const ok = await fetch(`${new URL(app.webhookUrl).origin}/health`);
    expect([ok.status, await ok.text()]).toEqual([200, 'OK\n']);
  } finally {
    await lonely.stop();
  }
}, 60_000);

test('`widen worker` with Redis unreachable at start: waits, then one clear error and exit 2, no stack', async () => {
  const port = REFUSED_PORT;
  const worker = spawnSync(process.execPath, [join(repoRoot(), 'dist/cli/main.js'), 'worker', '--redis-wait', '1'], {
    env: { PATH: process.env['PATH'] ?? '', ...workerEnv({ REDIS_URL: `redis://user:hunter2@127.0.0.1:${port}` }) },
    encoding: 'utf8',
    timeout: 20_000,
  });
  expect(worker.status).toBe(2);
  expect(worker.stderr).toContain(`widen worker: waiting for Redis at 127.0.0.1:${port} (connect ECONNREFUSED 127.0.0.1:${port})`);
  expect(worker.stderr).toContain(`widen: cannot reach Redis at 127.0.0.1:${port} (connect ECONNREFUSED 127.0.0.1:${port}); waited 1 s. Start Redis`);
  expect(worker.stderr).not.toMatch(/\n\s+at /);
  expect(worker.stderr + worker.stdout).not.toContain('hunter2');
}, 30_000);

test('`widen worker` whose REDIS_URL has a wrong password: says so at once, exit 2, without the password', async () => {
  const port = new URL(redis.url).port;
  const worker = spawnSync(process.execPath, [join(repoRoot(), 'dist/cli/main.js'), 'worker', '--redis-wait', '20'], {
    env: { PATH: process.env['PATH'] ?? '', ...workerEnv({ REDIS_URL: `redis://nobody:hunter2@127.0.0.1:${port}` }) },
    encoding: 'utf8',
    timeout: 15_000,
  });
  expect(worker.status).toBe(2);
  expect(worker.stderr).toContain(`widen: Redis at 127.0.0.1:${port} refused the credentials in REDIS_URL (WRONGPASS invalid username-password pair or user is disabled.). Give the user name and password Redis expects`);
  expect(worker.stderr).not.toContain('waiting for Redis');
  expect(worker.stderr).not.toMatch(/\n\s+at /);
  expect(worker.stderr + worker.stdout).not.toContain('hunter2');
}, 30_000);

test("`widen worker` with a private key that is not the App's: one clear error and exit 2 before any job", async () => {
  // Not spawnSync: the stand-in answering GET /app runs in this process.
  const err = await startWorker(workerEnv({ PRIVATE_KEY: generatePrivateKey() }), { cli: true }).then(
    () => null,
    (e: Error) => e.message,
  );
  expect(err).toContain(`widen: GitHub refused the App's credentials (401 for GET /app): check that APP_ID (${github.appId}) is the App's id and that the private key is the App's, on ${github.host}.`);
  expect(err).not.toMatch(/\n\s+at /);
}, 40_000);

test('`widen worker` through a Redis outage: one line when it goes, one when it is back, and it reviews again', async () => {
  const own = await startRedis();
  const port = Number(new URL(own.url).port);
  let restarted: RedisProcess | undefined;
  let ownApp: AppProcess | undefined;
  const worker = await startWorker(workerEnv({ REDIS_URL: own.url }), { cli: true });
  workers.push(worker);
  try {
    await own.stop();
    // ioredis and BullMQ retry every second or two: several retries, one line.
    await new Promise((r) => setTimeout(r, 5_000));
    const during = worker.output();
    expect(during.match(/cannot reach Redis; reviews wait until it is back/g)).toHaveLength(1);
    expect((during.match(/cannot reach Redis for the rate limiter/g) ?? []).length).toBeLessThanOrEqual(1);
    expect(during).not.toContain('Unhandled error event');
    expect(during).not.toContain('queue worker error');
    expect(during).not.toMatch(/"stack"/);
    restarted = await startRedis(port);
    ownApp = await startApp({ APP_ID: String(github.appId), PRIVATE_KEY: KEY, WEBHOOK_SECRET: SECRET, GHE_HOST: github.host, GHE_PROTOCOL: 'http', LOG_LEVEL: 'info', LOG_FORMAT: 'json', REDIS_URL: restarted.url });
    // The App answers 500 until its own Redis connection is up (as it should); GitHub would
    // redeliver, and so does the test.
    for (let attempt = 1; ; attempt++) {
      try {
        await deliver('outage', 1, { to: ownApp, id: 'delivery-outage-1' });
        break;
      } catch (e) {
        if (attempt >= 20) throw e;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    await settle('outage', 1, 30_000);
    await expectLogged(worker, 'Redis is reachable again');
    expect(await worker.stop('SIGTERM')).toBe(0);
  } finally {
    await ownApp?.stop();
    await restarted?.stop();
  }
}, 90_000);

test('`widen worker` itself: reviews a queued delivery, and SIGTERM stops it cleanly', async () => {
  const worker = await startWorker(workerEnv(), { cli: true });
  workers.push(worker);
  await deliver('cli', 1, { id: 'delivery-cli-1' });
  // The real worker spaces GitHub writes a second apart, as Probot's throttling does.
  await settle('cli', 1, 30_000);
  expect(reviewsOf('cli')[0]!.comments).toHaveLength(2);
  expect(await worker.stop('SIGTERM')).toBe(0);
  expect(worker.output()).toContain('SIGTERM: no new reviews; finishing the reviews in flight');
  expect(worker.output()).toContain('widen worker stopped');
  expect(worker.output()).not.toContain(KEY.split('\n')[1]!);
}, 60_000);

test('`widen worker` stopped during a review: the review finishes and is recorded, then it exits 0', async () => {
  const worker = await startWorker(workerEnv(), { cli: true });
  workers.push(worker);
  // Every request to the stand-in takes a while, so the review is still running at SIGTERM.
  github.latencyMs = 150;
  await deliver('drain', 1, { id: 'delivery-drain-1' });
  const deadline = Date.now() + 20_000;
  while (worker.started().length === 0) {
    if (Date.now() > deadline) throw new Error(`the review did not start:\n${worker.output()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  expect(reviewsOf('drain')).toHaveLength(0);
  expect(await worker.stop('SIGTERM')).toBe(0);
  expect(reviewsOf('drain')).toHaveLength(1);
  expect(worker.done()).toEqual(worker.started());
  // BullMQ recorded the outcome before the worker closed its connections: nothing to redo.
  expect((await jobsOf('drain')).map((j) => [j.state, j.returnvalue])).toEqual([['completed', 'reviewed']]);
}, 60_000);

test('`widen worker` stopped while Redis is down: exits 0 at once instead of hanging in BullMQ\'s close', async () => {
  const own = await startRedis();
  const worker = await startWorker(workerEnv({ REDIS_URL: own.url }), { cli: true });
  workers.push(worker);
  await own.stop();
  // Long enough for the clients to be between reconnection attempts, where BullMQ's own
  // close() waited for an event that never came, until the 60 s drain limit.
  await new Promise((r) => setTimeout(r, 2_000));
  const started = Date.now();
  expect(await worker.stop('SIGTERM')).toBe(0);
  expect(Date.now() - started).toBeLessThan(10_000);
  expect(worker.output()).toContain('widen worker stopped');
  expect(worker.output()).not.toContain('reviews still running');
}, 60_000);
