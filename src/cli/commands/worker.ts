/**
 * `widen worker`: takes reviews from the Redis queue that `npm start` fills when REDIS_URL is
 * set, and runs them as the App would (same environment: APP_ID, PRIVATE_KEY or
 * PRIVATE_KEY_PATH or PRIVATE_KEY_FILE, REDIS_URL, GHE_HOST, GHE_PROTOCOL, LOG_LEVEL). Runs
 * until SIGTERM or SIGINT, then takes no new job and finishes the reviews in flight, for at most
 * {@link DRAIN_TIMEOUT_MS}; a review still running then is retried by another worker.
 */
import { InputError } from '../../errors.js';
import { appEnvProblems, hasPrivateKey, loadSecretFiles } from '../../github/env.js';
import { usageError } from '../messages/index.js';
import type { CommandResult } from './types.js';

export const WORKER_USAGE = `Usage: widen worker [--concurrency N] [--redis-wait S]

Runs the reviews the widen App queues in Redis when it runs with REDIS_URL. Start as many as
you like, on any machines, with the App's environment: REDIS_URL, APP_ID, PRIVATE_KEY (or
PRIVATE_KEY_PATH or PRIVATE_KEY_FILE), and GHE_HOST for GitHub Enterprise Server.
  --concurrency N  reviews this worker runs at once (default 2)
  --redis-wait S   seconds to wait for Redis at start before giving up (default 30)
On SIGTERM it takes no new review and finishes those in flight (at most 60 s).`;

/** How long the worker waits for Redis at start before it gives up with an error (`--redis-wait`). */
export const REDIS_WAIT_MS = 30_000;

/** How long a stopping worker waits for its reviews before it exits and leaves them to others. */
export const DRAIN_TIMEOUT_MS = 60_000;

function parse(args: string[]): { concurrency: number | undefined; redisWaitMs: number } {
  let concurrency: number | undefined;
  let redisWaitMs = REDIS_WAIT_MS;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const m = /^(--concurrency|--redis-wait)(?:=(.*))?$/.exec(a);
    if (!m) throw usageError(`unknown argument '${a}'.`, WORKER_USAGE);
    const v = m[2] ?? args[++i];
    const got = v === undefined ? 'nothing' : `'${v}'`;
    if (m[1] === '--concurrency') {
      if (v === undefined || !/^[1-9]\d{0,2}$/.test(v)) throw usageError(`--concurrency takes a whole number from 1 to 999 (got ${got}).`, WORKER_USAGE);
      concurrency = Number(v);
    } else {
      if (v === undefined || !/^\d{1,5}$/.test(v)) throw usageError(`--redis-wait takes a number of seconds from 0 to 99999 (got ${got}).`, WORKER_USAGE);
      redisWaitMs = Number(v) * 1000;
    }
  }
  return { concurrency, redisWaitMs };
}

export async function workerCommand(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<CommandResult> {
  if (args.includes('--help') || args.includes('-h')) return { stdout: `${WORKER_USAGE}\n`, exitCode: 0 };
  const { concurrency, redisWaitMs } = parse(args);
  const url = env['REDIS_URL'];
  if (!url) throw new InputError('no-redis', "widen worker runs the reviews the App queues in Redis, so it needs REDIS_URL (for example redis://redis:6379), the same as the App's. Without REDIS_URL the App reviews in its own process and needs no worker.");
  loadSecretFiles(env);
  if (!env['APP_ID']) throw new InputError('no-app-id', 'widen worker acts as the GitHub App, so it needs APP_ID (the App\'s numeric id), the same as the App\'s.');
  const [problem] = appEnvProblems(env, ['WEBHOOK_SECRET', 'PORT']);
  if (problem) throw new InputError('bad-env', problem);
  if (!hasPrivateKey(env)) throw new InputError('no-private-key', 'widen worker acts as the GitHub App, so it needs its private key: PRIVATE_KEY (the PEM text), PRIVATE_KEY_PATH or PRIVATE_KEY_FILE (a file holding it).');

  const [{ createProbot }, { startReviewWorker, waitForRedis, redisAddress, queuePrefix }, { WidenOctokit }] = await Promise.all([import('probot'), import('../../github/redis-queue.js'), import('../../github/octokit.js')]);
  // An InputError (one line, exit 2) for a bad WIDEN_QUEUE_PREFIX, before anything connects.
  queuePrefix(env);
  // Before anything connects: one message, not a log per retry.
  await waitForRedis(url, redisWaitMs, (why) => process.stderr.write(`widen worker: waiting for Redis at ${redisAddress(url)} (${why})\n`));
  // As `npm start` logs: info by default, JSON in production.
  const logFormat = env['LOG_FORMAT'] || (env['NODE_ENV'] === 'production' ? 'json' : 'pretty');
  // REDIS_URL is the queue's alone: Probot's rate limiter in Redis breaks for good on Redis 7 once
  // its keys are lost (src/github/server.ts says why); each process spaces its own writes.
  const { REDIS_URL: _queue, ...probotEnv } = env;
  const probot = createProbot({ env: { LOG_LEVEL: 'info', ...probotEnv, LOG_FORMAT: logFormat }, overrides: { Octokit: WidenOctokit } });
  // The App's credentials, once, before any job: a wrong key or APP_ID failed every review
  // (each retried, each logged 'Not Found' or 401) while the worker said it was ready.
  await checkAppCredentials(probot, env);
  const worker = await startReviewWorker({ url, probot, ...(concurrency ? { concurrency } : {}) });
  // Not the URL: it may carry the Redis password.
  probot.log.info({ concurrency: concurrency ?? 2 }, 'widen worker: waiting for reviews');
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  probot.log.info(`${signal}: no new reviews; finishing the reviews in flight`);
  const timer = setTimeout(() => {
    probot.log.warn(`reviews still running after ${DRAIN_TIMEOUT_MS / 1000} s; exiting, another worker retries them`);
    process.exit(1);
  }, DRAIN_TIMEOUT_MS);
  await worker.close();
  clearTimeout(timer);
  probot.log.info('widen worker stopped');
  // Every review is finished here; whatever else holds the event loop (a client's reconnection
  // timer) must not keep the process alive.
  process.exit(0);
}

/**
 * Asks GitHub who the App is (`GET /app`, with the App's own JWT). A refusal (401: the private
 * key does not match; 404: no such App) is an {@link InputError}; any other failure (GitHub
 * unreachable right now) is only a warning, since the reviews themselves retry.
 */
async function checkAppCredentials(probot: { auth(): Promise<unknown>; log: { warn(obj: object, msg: string): void } }, env: NodeJS.ProcessEnv): Promise<void> {
  try {
    const app = (await probot.auth()) as { rest: { apps: { getAuthenticated(): Promise<unknown> } } };
    await app.rest.apps.getAuthenticated();
  } catch (e) {
    const status = (e as { status?: number }).status;
    if (status === 401 || status === 404) {
      throw new InputError('github-credentials', `GitHub refused the App's credentials (${status} for GET /app): check that APP_ID (${env['APP_ID']}) is the App's id and that the private key is the App's${env['GHE_HOST'] ? `, on ${env['GHE_HOST']}` : ''}.`);
    }
    probot.log.warn({ err: (e as Error).message }, 'could not ask GitHub who the App is; starting anyway, reviews retry');
  }
}
