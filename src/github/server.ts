#!/usr/bin/env node
/**
 * `npm start`: runs the App with Probot's server, which reads APP_ID, PRIVATE_KEY (or
 * PRIVATE_KEY_PATH), WEBHOOK_SECRET, PORT, HOST, LOG_LEVEL, GHE_HOST and GHE_PROTOCOL from the
 * environment, serves webhooks at /api/github/webhooks and answers GET /ping. Without APP_ID it
 * starts Probot's setup page, which registers the App from app.yml.
 */
import { run } from 'probot';
import { createWidenApp } from './app.js';
import { WidenOctokit } from './octokit.js';

/** How long a stopping App waits for reviews in flight before it exits anyway. */
const DRAIN_TIMEOUT_MS = 60_000;

const app = createWidenApp();
const server = await run(app.appFn, { Octokit: WidenOctokit });

process.once('SIGTERM', () => {
  console.info('SIGTERM: no new deliveries; finishing the reviews in flight');
  const timer = setTimeout(() => {
    console.warn(`reviews still running after ${DRAIN_TIMEOUT_MS / 1000} s; exiting`);
    process.exit(1);
  }, DRAIN_TIMEOUT_MS);
  void server
    .stop()
    .then(() => app.idle())
    .then(() => {
      clearTimeout(timer);
      process.exit(0);
    });
});
