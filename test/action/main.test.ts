/**
 * The GitHub Action's entry point as the workflow runs it: `node dist/action/main.js` with the
 * environment GitHub Actions sets (event name, event file, API URL, the workflow token) against
 * the GitHub stand-in laid out as github.com. The events are real deliveries (payloads.ts)
 * without `installation`, as a workflow's event file has none.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGitHubStandIn, type StandIn } from '../helpers/github-stand-in.js';
import { issueCommentPayload, pullRequestPayload } from '../helpers/payloads.js';
import { repoRoot } from '../helpers/root.js';
import { seedFile, SEED_TITLE } from '../helpers/seed-pull.js';

const HEAD = 'f'.repeat(40);
const BASE = '0'.repeat(40);
let github: StandIn;
let dir: string;

beforeAll(async () => {
  const f = await seedFile();
  dir = mkdtempSync(join(tmpdir(), 'widen-action-'));
  github = await startGitHubStandIn({
    prefix: '',
    botLogin: 'github-actions[bot]',
    repos: [{ owner: 'kernel-dev', name: 'linux', installationId: 1, pulls: [{ number: 9, title: SEED_TITLE, head: { sha: HEAD, ref: 'fix' }, base: { sha: BASE, ref: 'main' }, files: [{ filename: f.path, status: 'modified', sha: f.headSha, patch: f.patch }] }], blobs: { [f.headSha]: f.head }, permissions: { maintainer: 'maintain' } }],
  });
});

afterAll(async () => {
  await github?.close();
  rmSync(dir, { recursive: true, force: true });
});

function runAction(eventName: string, payload: Record<string, unknown> | null, extra: Record<string, string> = {}): Promise<{ code: number | null; out: string }> {
  const eventPath = join(dir, `${eventName}.json`);
  if (payload) {
    delete payload['installation'];
    writeFileSync(eventPath, JSON.stringify(payload));
  }
  const child = spawn(process.execPath, [join(repoRoot(), 'dist/action/main.js')], {
    env: { PATH: process.env['PATH'] ?? '', GITHUB_EVENT_NAME: eventName, GITHUB_EVENT_PATH: eventPath, GITHUB_API_URL: github.url, GITHUB_RUN_ID: '4242', GITHUB_TOKEN: 'ghs_workflowtoken', LOG_LEVEL: 'warn', ...extra },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, out })));
}

test('pull_request: the seed pull request gets the App\'s review and check run, with the workflow token', async () => {
  const payload = pullRequestPayload('opened', { owner: 'kernel-dev', repo: 'linux', number: 9, headSha: HEAD, baseSha: BASE, changedFiles: 1, installationId: 1, title: SEED_TITLE });
  const { code, out } = await runAction('pull_request', payload);
  expect(out).toBe('');
  expect(code).toBe(0);
  expect(github.reviews).toHaveLength(1);
  expect(github.reviews[0]!.comments.map((c) => [c.path, c.line])).toEqual([['mm/memory.c', 31], ['mm/memory.c', 31]]);
  expect(github.reviews[0]!.comments[0]!.body).toContain('Widened context from `free_pgtables()` in `mm/memory.c`');
  expect(github.checkRuns.map((r) => [r.name, r.head_sha, r.conclusion, r.annotations.length])).toEqual([['widen', HEAD, 'failure', 2]]);
  // Every request carried the workflow token; none asked for an App token.
  expect(github.requests.every((r) => r.headers['authorization'] === 'token ghs_workflowtoken')).toBe(true);
  expect(github.invalid).toEqual([]);
  expect(github.unexpected).toEqual([]);
}, 60_000);

test('issue_comment /widen from a maintainer: eyes, then a review that repeats nothing', async () => {
  const payload = issueCommentPayload({ owner: 'kernel-dev', repo: 'linux', number: 9, body: '/widen', login: 'maintainer', commentId: 77, installationId: 1 });
  const { code, out } = await runAction('issue_comment', payload);
  expect(out).toBe('');
  expect(code).toBe(0);
  expect(github.reactions.map((r) => [r.comment_id, r.content])).toEqual([[77, 'eyes']]);
  expect(github.reviews).toHaveLength(2);
  expect(github.reviews[1]!.comments).toEqual([]);
  expect(github.reviews[1]!.body).toContain('2 from earlier reviews still stand');
  expect(github.checkRuns).toHaveLength(1);
}, 60_000);

test('the SARIF step\'s command (action.yml) writes the pull request\'s findings as SARIF', async () => {
  const child = spawn(process.execPath, [join(repoRoot(), 'dist/cli/main.js'), 'review', '--pr', 'kernel-dev/linux#9', '--api-url', github.url, '--format', 'sarif', '--fail-on', 'none'], {
    env: { PATH: process.env['PATH'] ?? '', GITHUB_TOKEN: 'ghs_workflowtoken' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  expect(err).toBe('');
  expect(code).toBe(0);
  const sarif = JSON.parse(out) as { version: string; runs: Array<{ results: Array<{ ruleId: string; locations: Array<{ physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }> }> }> };
  expect(sarif.version).toBe('2.1.0');
  expect(sarif.runs[0]!.results.map((r) => [r.ruleId, r.locations[0]!.physicalLocation.artifactLocation.uri, r.locations[0]!.physicalLocation.region.startLine])).toEqual([
    ['tlb-vma-bracket-vma-reassigned', 'mm/memory.c', 31],
    ['tlb-vma-bracket-misuse', 'mm/memory.c', 31],
  ]);
}, 60_000);

test('an event the action does not review is a clear error, exit 2', async () => {
  const { code, out } = await runAction('push', { ref: 'refs/heads/main' });
  expect(code).toBe(2);
  expect(out).toBe("widen: the widen action reviews pull requests: run it on pull_request, pull_request_target or issue_comment events, not on 'push'.\n");
});

test('an unreadable event file is a clear error, exit 2', async () => {
  const { code, out } = await runAction('pull_request', null, { GITHUB_EVENT_PATH: join(dir, 'missing.json') });
  expect(code).toBe(2);
  expect(out).toMatch(/^widen: cannot read the event payload GITHUB_EVENT_PATH names \(.*missing\.json\): ENOENT/);
});

test('a failing review fails the step: exit 1', async () => {
  github.fail('GET', '/repos/kernel-dev/linux/pulls/9/files', [{ status: 404 }]);
  const payload = pullRequestPayload('synchronize', { owner: 'kernel-dev', repo: 'linux', number: 9, headSha: HEAD, baseSha: BASE, changedFiles: 1, installationId: 1, title: SEED_TITLE });
  const { code, out } = await runAction('pull_request', payload, { LOG_LEVEL: 'error' });
  expect(code).toBe(1);
  expect(out).toContain('review failed');
}, 60_000);
