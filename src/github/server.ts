#!/usr/bin/env node
/**
 * `npm start`: runs the App with Probot's server, which reads APP_ID, PRIVATE_KEY (or
 * PRIVATE_KEY_PATH), WEBHOOK_SECRET, PORT, HOST, LOG_LEVEL, GHE_HOST and GHE_PROTOCOL from the
 * environment, serves webhooks at /api/github/webhooks and answers GET /ping (the process runs)
 * and GET /health (it can take deliveries: see healthHandler in app.ts). Without APP_ID it
 * starts Probot's setup page, which registers the App from app.yml.
 *
 * Without REDIS_URL the reviews run in this process (queue.ts). With it, this process only
 * verifies, answers and enqueues, and `widen worker` processes run the reviews (redis-queue.ts);
 * Probot then also keeps its rate limiting in the same Redis, shared by every process.
 */
import { run, type Logger } from 'probot';
import { InputError } from '../errors.js';
import { createWidenApp } from './app.js';
import { appEnvProblems, loadSecretFiles } from './env.js';
import { WidenOctokit } from './octokit.js';
import { queuePrefixProblem, RedisReviewSink, redisUrlProblem } from './redis-queue.js';

/** How long a stopping App waits for reviews in flight before it exits anyway. */
const DRAIN_TIMEOUT_MS = 60_000;

try {
  loadSecretFiles();
} catch (e) {
  if (!(e instanceof InputError)) throw e;
  console.error(`widen: ${e.message}`);
  process.exit(2);
}
const problems = appEnvProblems();
if (problems.length > 0) {
  for (const problem of problems) console.error(`widen: ${problem}`);
  console.error('widen: the App did not start; docs/github-app.md lists its environment.');
  process.exit(2);
}
const redisUrl = process.env['REDIS_URL'];
// The queue's alone. Given REDIS_URL, Probot also keeps its rate limiter (Bottleneck) in Redis,
// and with Redis 7 Bottleneck never recreates its keys once they are lost (a flush, a restart
// without persistence, their 120 s expiry): every review of an installation already seen then
// failed with ERR SETTINGS_KEY_NOT_FOUND (SGrondin/bottleneck#219). Each process spaces its own
// writes instead.
delete process.env['REDIS_URL'];
if (redisUrl) {
  const problem = redisUrlProblem(redisUrl) ?? queuePrefixProblem();
  if (problem) {
    console.error(`widen: ${problem}`);
    process.exit(2);
  }
}
/** Until Probot has made its log (and in its setup mode, where it loads no App): one line each. */
const line =
  (write: (text: string) => void) =>
  (obj: object | string, msg?: string): void =>
    write(typeof obj === 'string' ? `widen: ${obj}` : `widen: ${msg ?? ''} ${JSON.stringify(obj)}`);
const early = { info: line(console.info), warn: line(console.warn), error: line(console.error) };
const app = createWidenApp(redisUrl ? { sink: new RedisReviewSink(redisUrl, early) } : {});
// Probot's log (JSON with LOG_FORMAT=json) once Probot has made it, for this file's lines too.
let log: Pick<Logger, 'info' | 'warn'> = early;
const server = await run(
  (probot, options) => {
    log = probot.log;
    options.addHandler(app.health);
    app.appFn(probot);
  },
  { Octokit: WidenOctokit },
);
if (redisUrl) log.info('reviews go to the Redis queue; run `widen worker` to review them');

process.once('SIGTERM', () => {
  log.info('SIGTERM: no new deliveries; finishing the reviews in flight');
  const timer = setTimeout(() => {
    log.warn(`reviews still running after ${DRAIN_TIMEOUT_MS / 1000} s; exiting`);
    process.exit(1);
  }, DRAIN_TIMEOUT_MS);
  void server
    .stop()
    .then(() => app.idle())
    .then(() => app.close())
    .then(() => {
      clearTimeout(timer);
      process.exit(0);
    });
});
