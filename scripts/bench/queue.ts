/**
 * The queue's share of `npm run bench` (`--only queue`): deliveries per second through the
 * Redis queue with 1 and with 2 worker processes. `npm start` with REDIS_URL answers and
 * enqueues; workers (test/helpers/worker-child.mjs: the worker code of `widen worker`, without
 * GitHub's one-write-a-second spacing, which would measure only the spacing) review the seed
 * pull request, one pull request per delivery, against the GitHub stand-in with 50 ms on every
 * answer. Timed from the first delivery sent to the last check run completed. Prints JSON.
 */
import { startApp } from '../../test/helpers/app-process.js';
import { generatePrivateKey, sendWebhook, startGitHubStandIn, type StandInRepo } from '../../test/helpers/github-stand-in.js';
import { pullRequestPayload } from '../../test/helpers/payloads.js';
import { startRedis } from '../../test/helpers/redis.js';
import { seedFile, SEED_TITLE } from '../../test/helpers/seed-pull.js';
import { startWorker } from '../../test/helpers/worker-process.js';

const DELIVERIES = 100;
const LATENCY_MS = 50;
const SECRET = 'bench-secret';
const BASE = 'b'.repeat(40);
const WORKER_COUNTS = [1, 2];
const headOf = (n: number): string => n.toString(16).padStart(40, 'a');

async function main(): Promise<void> {
  const f = await seedFile();
  const repos: StandInRepo[] = WORKER_COUNTS.map((w, i) => ({
    owner: 'kernel',
    name: `linux-${w}`,
    installationId: i + 1,
    pulls: Array.from({ length: DELIVERIES }, (_, n) => ({ number: n + 1, title: SEED_TITLE, head: { sha: headOf(n + 1), ref: `t${n}` }, base: { sha: BASE, ref: 'main' }, files: [{ filename: f.path, status: 'modified' as const, sha: f.headSha, patch: f.patch }] })),
    blobs: { [f.headSha]: f.head },
  }));
  const redis = await startRedis();
  const github = await startGitHubStandIn({ repos, latencyMs: LATENCY_MS });
  const key = generatePrivateKey();
  const env = { APP_ID: String(github.appId), PRIVATE_KEY: key, GHE_HOST: github.host, GHE_PROTOCOL: 'http', REDIS_URL: redis.url, LOG_LEVEL: 'warn' };
  const app = await startApp({ ...env, WEBHOOK_SECRET: SECRET, NODE_ENV: 'production' });
  const runs: Array<{ workers: number; deliveries: number; seconds: number; perSecond: number; answerMsMax: number }> = [];
  try {
    for (const [i, count] of WORKER_COUNTS.entries()) {
      const repo = repos[i]!;
      const workers = await Promise.all(Array.from({ length: count }, () => startWorker(env)));
      const t0 = performance.now();
      let answerMsMax = 0;
      for (let n = 0; n < DELIVERIES; n += 10) {
        await Promise.all(
          Array.from({ length: Math.min(10, DELIVERIES - n) }, async (_, k) => {
            const payload = pullRequestPayload('opened', { owner: repo.owner, repo: repo.name, number: n + k + 1, headSha: headOf(n + k + 1), baseSha: BASE, changedFiles: 1, installationId: repo.installationId, title: SEED_TITLE });
            const answer = await sendWebhook({ url: app.webhookUrl, secret: SECRET, name: 'pull_request', payload });
            if (answer.status !== 200) throw new Error(`the App answered ${answer.status}`);
            answerMsMax = Math.max(answerMsMax, answer.ms);
          }),
        );
      }
      const done = (): number => github.checkRuns.filter((r) => r.repo === `${repo.owner}/${repo.name}` && r.status === 'completed').length;
      await github.waitFor(() => done() === DELIVERIES, 600_000);
      const seconds = (performance.now() - t0) / 1000;
      runs.push({ workers: count, deliveries: DELIVERIES, seconds, perSecond: DELIVERIES / seconds, answerMsMax });
      await Promise.all(workers.map((w) => w.stop('SIGTERM')));
    }
  } finally {
    await app.stop();
    await github.close();
    await redis.stop();
  }
  process.stdout.write(`${JSON.stringify({ latencyMs: LATENCY_MS, runs })}\n`);
}

await main();
