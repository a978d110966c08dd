/**
 * The App's share of `npm run bench`: the seed pull request reviewed end to end by `npm start`
 * against the GitHub stand-in with 50 ms of latency on every request, as GitHub has some.
 * Reports the API requests made, the longest chain of requests that had to wait for one
 * another from the webhook to the review, how fast the webhook was answered, and the analysis
 * time. Then a pull request of 10 commits, reviewed commit by commit: the requests it costs per
 * commit, and how many of them fetch a blob. Prints JSON on stdout; scripts/bench.mjs turns it
 * into rows of its table.
 */
import { startApp } from '../../test/helpers/app-process.js';
import { generatePrivateKey, sendWebhook, startGitHubStandIn, type RecordedRequest } from '../../test/helpers/github-stand-in.js';
import { pullRequestPayload } from '../../test/helpers/payloads.js';
import { seedFile, SEED_TITLE } from '../../test/helpers/seed-pull.js';
import { MemorySource } from '../../src/pipeline/source.js';
import { review } from '../../src/pipeline/review.js';
import { readPatches } from '../../src/patch/index.js';
import { RULES } from '../../src/rules/index.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../test/helpers/root.js';
import { ScratchRepo } from '../../test/helpers/git.js';
import { blobSha, hunksOf } from '../../test/helpers/seed-pull.js';
import type { StandInCommit, StandInPull } from '../../test/helpers/github-stand-in.js';
import { applyFilePatch } from '../../src/patch/index.js';

const LATENCY_MS = 50;
const SECRET = 'bench-secret';
const root = repoRoot();

/**
 * The longest chain of requests each of which started only after the previous one had ended,
 * ending with `last`. With latency on every answer, requests sent in parallel overlap and do
 * not chain, so this is the number of round trips the review had to wait for in a row.
 */
function longestChain(requests: readonly RecordedRequest[], last: RecordedRequest): RecordedRequest[] {
  const sorted = requests.filter((r) => r.end <= last.end).sort((a, b) => a.start - b.start);
  const best = new Map<RecordedRequest, RecordedRequest[]>();
  for (const r of sorted) {
    let chain: RecordedRequest[] = [];
    for (const p of sorted) if (p.end <= r.start && (best.get(p)?.length ?? 0) > chain.length) chain = best.get(p)!;
    best.set(r, [...chain, r]);
  }
  return best.get(last) ?? [last];
}

async function analysisMs(): Promise<number> {
  const patches = await readPatches(readFileSync(join(root, 'examples/seed/seed.patch')), 'seed.patch');
  const tree = new MemorySource({ 'mm/memory.c': readFileSync(join(root, 'examples/seed/tree/mm/memory.c'), 'utf8') });
  await review({ patches, tree, rules: RULES });
  const times: number[] = [];
  for (let i = 0; i < 9; i++) {
    const t0 = performance.now();
    await review({ patches, tree, rules: RULES });
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[4]!;
}

const SERIES_COMMITS = 10;

/**
 * A pull request of {@link SERIES_COMMITS} commits to mm/memory.c, committed with real git: each
 * adds a small helper, and commit 5 is the seed patch, so the review has something to post.
 */
async function tenCommitPull(): Promise<{ pull: StandInPull; blobs: Record<string, string> }> {
  const base = readFileSync(join(root, 'examples/seed/tree/mm/memory.c'), 'utf8');
  const [seed] = await readPatches(readFileSync(join(root, 'examples/seed/seed.patch')), 'seed.patch');
  const repo = new ScratchRepo();
  try {
    repo.commit({ 'mm/memory.c': base }, 'mm: base');
    const baseSha = repo.git('rev-parse', 'HEAD').trim();
    let text = base;
    const commits: StandInCommit[] = [];
    const blobs: Record<string, string> = {};
    for (let k = 1; k <= SERIES_COMMITS; k++) {
      text = k === 5 ? applyFilePatch(text, seed!.files[0]!, seed!).text : `${text}\nint series_step_${k}(void)\n{\n\treturn ${k};\n}\n`;
      const message = k === 5 ? `${seed!.subject}\n` : `mm: add series_step_${k}()\n`;
      repo.commit({ 'mm/memory.c': text }, message);
      const sha = repo.git('rev-parse', 'HEAD').trim();
      blobs[blobSha(text)] = text;
      commits.push({ sha, message, files: [{ filename: 'mm/memory.c', status: 'modified', sha: blobSha(text), patch: hunksOf(repo.git('show', '--format=', sha)) }] });
    }
    const head = commits[commits.length - 1]!.sha;
    const files = [{ filename: 'mm/memory.c', status: 'modified' as const, sha: blobSha(text), patch: hunksOf(repo.git('diff', baseSha, head)) }];
    return { pull: { number: 2, title: 'mm: ten steps', head: { sha: head, ref: 'steps' }, base: { sha: baseSha, ref: 'main' }, files, commits }, blobs };
  } finally {
    repo.remove();
  }
}

async function main(): Promise<void> {
  const f = await seedFile();
  const ten = await tenCommitPull();
  const head = 'a1'.repeat(20);
  const github = await startGitHubStandIn({
    latencyMs: LATENCY_MS,
    repos: [{ owner: 'kernel', name: 'linux', installationId: 1, pulls: [{ number: 1, title: SEED_TITLE, head: { sha: head, ref: 'seed' }, base: { sha: 'b2'.repeat(20), ref: 'main' }, files: [{ filename: f.path, status: 'modified', sha: f.headSha, patch: f.patch }] }, ten.pull], blobs: { [f.headSha]: f.head, ...ten.blobs } }],
  });
  const app = await startApp({ APP_ID: String(github.appId), PRIVATE_KEY: generatePrivateKey(), WEBHOOK_SECRET: SECRET, GHE_HOST: github.host, GHE_PROTOCOL: 'http', LOG_LEVEL: 'warn', NODE_ENV: 'production' });
  try {
    const payload = pullRequestPayload('opened', { owner: 'kernel', repo: 'linux', number: 1, headSha: head, baseSha: 'b2'.repeat(20), changedFiles: 1, installationId: 1, title: SEED_TITLE });
    const sent = performance.now();
    const answer = await sendWebhook({ url: app.webhookUrl, secret: SECRET, name: 'pull_request', payload });
    await github.waitFor((s) => s.reviews.length === 1 && s.checkRuns.some((r) => r.status === 'completed'), 30_000);
    const requests = github.requests.filter((r) => r.start >= sent);
    const post = requests.find((r) => r.method === 'POST' && /\/pulls\/\d+\/reviews$/.test(r.path))!;
    const chain = longestChain(requests, post);
    const done = Math.max(...requests.map((r) => r.end));
    const seriesSent = performance.now();
    const seriesPayload = pullRequestPayload('opened', { owner: 'kernel', repo: 'linux', number: 2, headSha: ten.pull.head.sha, baseSha: ten.pull.base.sha, changedFiles: 1, installationId: 1, title: ten.pull.title ?? '', commits: SERIES_COMMITS });
    await sendWebhook({ url: app.webhookUrl, secret: SECRET, name: 'pull_request', payload: seriesPayload, id: 'bench-series' });
    await github.waitFor((s) => s.reviews.some((r) => r.pull_number === 2) && s.checkRuns.filter((r) => r.status === 'completed').length === 2, 60_000);
    const seriesRequests = github.requests.filter((r) => r.start >= seriesSent);
    process.stdout.write(`${JSON.stringify({
      latencyMs: LATENCY_MS,
      requests: requests.length,
      requestList: requests.map((r) => `${r.method} ${r.path}`),
      chain: chain.length,
      chainList: chain.map((r) => `${r.method} ${r.path.replace(/[0-9a-f]{40}/g, '<sha>')}`),
      webhookAnsweredMs: answer.ms,
      webhookStatus: answer.status,
      webhookToReviewMs: post.end - sent,
      webhookToCheckRunMs: done - sent,
      analysisMs: await analysisMs(),
      series: {
        commits: SERIES_COMMITS,
        requests: seriesRequests.length,
        perCommit: seriesRequests.length / SERIES_COMMITS,
        commitRequests: seriesRequests.filter((r) => /\/commits\/[0-9a-f]{40}$/.test(r.path) || /\/pulls\/\d+\/commits$/.test(r.path)).length,
        blobRequests: seriesRequests.filter((r) => r.path.includes('/git/blobs/')).length,
        msToReview: Math.max(...seriesRequests.map((r) => r.end)) - seriesSent,
      },
    })}\n`);
  } finally {
    await app.stop();
    await github.close();
  }
}

await main();
