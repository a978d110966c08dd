/**
 * The built image, run as a user runs it (scripts/image-check.sh builds it first). Through the
 * machine's `run-image.sh` (a chroot of a created container: the image's CMD, ENV, USER and
 * WORKDIR, host network, SIGTERM forwarded):
 *   1. the App (the image's CMD) with its key and webhook secret as Docker secrets under
 *      /run/secrets, against the GitHub stand-in: /ping answers, the HEALTHCHECK command (/health)
 *      passes, a signed pull_request.opened for the seed example gets its review, SIGTERM ends
 *      it with status 0, and nothing secret reached the log;
 *   2. the same with REDIS_URL (a redis-server on the host): the App only enqueues, and
 *      `widen worker` from the same image reviews; SIGTERM ends both with status 0;
 *   3. the CLI in the image (`widen` on PATH) reviews the seed patch against the seed tree.
 * Usage: node check.js IMAGE RUN-IMAGE-SCRIPT. Prints what it checked; exits 1 on a failure.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../test/helpers/app-process.js';
import { generatePrivateKey, sendWebhook, startGitHubStandIn } from '../../test/helpers/github-stand-in.js';
import { pullRequestPayload } from '../../test/helpers/payloads.js';
import { startRedis, type RedisProcess } from '../../test/helpers/redis.js';
import { repoRoot } from '../../test/helpers/root.js';
import { seedFile, SEED_TITLE } from '../../test/helpers/seed-pull.js';

const [image, runImage] = process.argv.slice(2);
if (!image || !runImage) {
  process.stderr.write('usage: node check.js IMAGE RUN-IMAGE-SCRIPT\n');
  process.exit(2);
}
const root = repoRoot();
const SECRET = 'image-check-webhook-secret';
const HEAD = '1c'.repeat(20);

/** A failed check; thrown so that the processes and servers started are stopped on the way out. */
class CheckFailed extends Error {}

function check(ok: boolean, what: string, detail = ''): void {
  process.stdout.write(`  ${ok ? 'ok  ' : 'FAIL'} ${what}\n`);
  if (!ok) {
    if (detail) process.stdout.write(`${detail}\n`);
    throw new CheckFailed(what);
  }
}

/** Runs `command` (or the image's CMD) through run-image.sh, collecting its output. */
function runInImage(args: string[]): { output(): string; stop(): Promise<number | null>; exited(): boolean } {
  const child = spawn(runImage!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return {
    output: () => out,
    exited: () => child.exitCode !== null || child.signalCode !== null,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

async function appInImage(redis: RedisProcess | null): Promise<void> {
  const f = await seedFile();
  const github = await startGitHubStandIn({
    repos: [{ owner: 'kernel-dev', name: 'linux', installationId: 7, pulls: [{ number: 5, title: SEED_TITLE, head: { sha: HEAD, ref: 'fix' }, base: { sha: 'ba'.repeat(20), ref: 'main' }, files: [{ filename: f.path, status: 'modified', sha: f.headSha, patch: f.patch }] }], blobs: { [f.headSha]: f.head } }],
  });
  const key = generatePrivateKey();
  // Docker secrets: files under /run/secrets, readable by the image's user (uid 1000).
  const secrets = mkdtempSync(join(tmpdir(), 'widen-secrets-'));
  writeFileSync(join(secrets, 'widen_private_key'), key);
  writeFileSync(join(secrets, 'widen_webhook_secret'), `${SECRET}\n`);
  for (const name of ['', 'widen_private_key', 'widen_webhook_secret']) chmodSync(join(secrets, name), name ? 0o444 : 0o755);
  const port = await freePort();
  const env = [`APP_ID=${github.appId}`, 'PRIVATE_KEY_PATH=/run/secrets/widen_private_key', 'WEBHOOK_SECRET_FILE=/run/secrets/widen_webhook_secret', `PORT=${port}`, `GHE_HOST=${github.host}`, 'GHE_PROTOCOL=http'];
  if (redis) env.push(`REDIS_URL=${redis.url}`);
  const mounts = ['-v', `${secrets}:/run/secrets`];
  const app = runInImage([...env.flatMap((e) => ['-e', e]), ...mounts, image!]);
  const worker = redis ? runInImage([...env.flatMap((e) => ['-e', e]), ...mounts, image!, 'widen', 'worker']) : null;
  const output = (): string => app.output() + (worker ? `\n--- widen worker:\n${worker.output()}` : '');
  try {
    const base = `http://127.0.0.1:${port}`;
    const t0 = Date.now();
    let pong = '';
    while (Date.now() - t0 < 60_000 && !app.exited()) {
      pong = await fetch(`${base}/ping`).then((r) => r.text(), () => '');
      if (pong) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    check(pong === 'PONG', `GET /ping answers PONG (${Date.now() - t0} ms after start)`, output());
    if (worker) {
      while (Date.now() - t0 < 60_000 && !worker.exited() && !worker.output().includes('widen worker: waiting for reviews')) await new Promise((r) => setTimeout(r, 200));
      check(worker.output().includes('widen worker: waiting for reviews'), '`widen worker` from the same image waits for reviews', output());
    }
    // The HEALTHCHECK's command, run inside the image while the App runs.
    const health = spawnSync(runImage!, ['-e', `PORT=${port}`, image!, 'node', '-e', "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"], { encoding: 'utf8' });
    check(health.status === 0, 'the HEALTHCHECK command (node fetch of /health) passes', health.stdout + health.stderr);
    const payload = pullRequestPayload('opened', { owner: 'kernel-dev', repo: 'linux', number: 5, headSha: HEAD, baseSha: 'ba'.repeat(20), changedFiles: 1, installationId: 7, title: SEED_TITLE });
    const answer = await sendWebhook({ url: `${base}/api/github/webhooks`, secret: SECRET, name: 'pull_request', payload });
    check(answer.status === 200, `a signed pull_request.opened is answered 200 in ${Math.round(answer.ms)} ms`, output());
    const bad = await sendWebhook({ url: `${base}/api/github/webhooks`, secret: 'wrong', name: 'pull_request', payload });
    check(bad.status >= 400, `a wrongly signed one is refused (${bad.status})`);
    await github.waitFor((s) => s.reviews.length === 1 && s.checkRuns.some((r) => r.status === 'completed'), 60_000).catch((e: Error) => check(false, 'the review is posted', `${e.message}\n${output()}`));
    const review = github.reviews[0]!;
    check(review.commit_id === HEAD && review.comments.map((c) => c.line).join(',') === '31,31', 'the review has the two inline comments on mm/memory.c:31');
    check(review.comments[0]!.body.includes('Widened context from `free_pgtables()` in `mm/memory.c`'), 'with the widened free_pgtables() excerpt');
    check(github.checkRuns.map((r) => `${r.name}:${r.conclusion}:${r.annotations.length}`).join() === 'widen:failure:2', 'and the widen check run failed with 2 annotations');
    check(github.invalid.length === 0 && github.unexpected.length === 0, 'every request was one GitHub accepts', JSON.stringify([github.invalid, github.unexpected]));
    if (worker) {
      check(/review queued/.test(app.output()) && !/review published/.test(app.output()), 'the App only queued the review');
      // The log line may trail the review's last request by a moment.
      for (let i = 0; i < 50 && !/review published/.test(worker.output()); i++) await new Promise((r) => setTimeout(r, 200));
      check(/review published/.test(worker.output()), 'and the worker published it', worker.output());
      const t2 = Date.now();
      const code = await worker.stop();
      check(code === 0 && worker.output().includes('widen worker stopped'), `SIGTERM ends the worker with status 0 in ${Date.now() - t2} ms`, worker.output());
    }
    const t1 = Date.now();
    const code = await app.stop();
    check(code === 0, `SIGTERM ends the App with status 0 in ${Date.now() - t1} ms`, output());
    check(app.output().includes('SIGTERM: no new deliveries'), 'after saying it stops taking deliveries');
    check(!output().includes(key.split('\n')[1]!) && !output().includes(SECRET), 'the logs hold neither the private key nor the webhook secret');
  } finally {
    await Promise.all([app.stop(), worker?.stop()]);
    await github.close();
    rmSync(secrets, { recursive: true, force: true });
  }
}

function cliInImage(): void {
  const r = spawnSync(runImage!, ['-v', `${join(root, 'examples')}:/src`, image!, 'widen', 'review', '/src/seed/seed.patch', '--tree', '/src/seed/tree'], { encoding: 'utf8' });
  check(r.status === 1, `widen review of the seed patch in the image exits 1 (findings)`, r.stdout + r.stderr);
  check(/mm\/memory\.c:31/.test(r.stdout) && /tlb-vma-bracket/.test(r.stdout), 'and reports the seed finding at mm/memory.c:31', r.stdout);
  // The review sets a V8 flag (src/analysis/v8-tiers.ts); a Node whose V8 lacked it would say so here.
  check(!/unrecognized flag|Error/.test(r.stderr), 'and V8 takes its flags without complaint', r.stderr);
  // The Dockerfile's NODE_OPTIONS (Node 20's young generation: docs/self-hosting.md): Node starts with it.
  const semi = spawnSync(runImage!, [image!, 'node', '-p', 'process.env.NODE_OPTIONS'], { encoding: 'utf8' });
  check(semi.status === 0 && semi.stdout.trim() === '--max-semi-space-size=16', 'and Node runs with NODE_OPTIONS=--max-semi-space-size=16', semi.stdout + semi.stderr);
}

try {
  process.stdout.write('The App in the image, against the GitHub stand-in:\n');
  await appInImage(null);
  process.stdout.write('The App and `widen worker` in the image, with REDIS_URL (redis-server on the host):\n');
  const redis = await startRedis();
  try {
    await appInImage(redis);
  } finally {
    await redis.stop();
  }
  process.stdout.write('The CLI in the image:\n');
  cliInImage();
} catch (e) {
  if (!(e instanceof CheckFailed)) throw e;
  process.exitCode = 1;
}
