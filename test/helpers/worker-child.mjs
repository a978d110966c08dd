#!/usr/bin/env node
/**
 * A queue worker process for the tests and the benchmark: the built `startReviewWorker()` (the
 * same code `widen worker` runs) with a Probot whose Octokit does not space writes a second
 * apart, as Probot's throttling does for GitHub, nor retry: with it, 200 reviews would take ten
 * minutes of waiting and measure nothing of widen's. Prints `ready` once it takes jobs.
 * Environment: REDIS_URL, APP_ID, PRIVATE_KEY, GHE_HOST, GHE_PROTOCOL, LOG_LEVEL, and
 * LOCK_MS (the job and pull request lock), BUSY_RETRY_MS, CONCURRENCY.
 */
import { Probot } from 'probot';
import { WidenOctokit } from '../../dist/github/octokit.js';
import { startReviewWorker } from '../../dist/github/redis-queue.js';

const env = process.env;
const Octokit = WidenOctokit.defaults((o) => ({ ...o, retry: { enabled: false }, throttle: { ...o.throttle, enabled: false } }));
const probot = new Probot({
  appId: Number(env.APP_ID),
  privateKey: env.PRIVATE_KEY,
  baseUrl: `${env.GHE_PROTOCOL ?? 'https'}://${env.GHE_HOST}/api/v3`,
  logLevel: env.LOG_LEVEL ?? 'info',
  logFormat: 'json',
  Octokit,
});
const number = (name) => (env[name] ? Number(env[name]) : undefined);
const worker = await startReviewWorker({ url: env.REDIS_URL, probot, lockMs: number('LOCK_MS'), busyRetryMs: number('BUSY_RETRY_MS'), concurrency: number('CONCURRENCY') });
process.stdout.write('ready\n');
process.once('SIGTERM', () => {
  void worker.close().then(() => process.exit(0));
});
