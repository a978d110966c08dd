/**
 * `widen review --pr`: the App's GitHub code from a terminal, against the GitHub stand-in, run
 * as users run it (the built CLI in a child process, token from GITHUB_TOKEN).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REFUSED_PORT } from '../helpers/app-process.js';
import { startGitHubStandIn, type StandIn } from '../helpers/github-stand-in.js';
import { seedFile, SEED_TITLE } from '../helpers/seed-pull.js';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'dist', 'cli', 'main.js');

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs widen without blocking this process, which serves the stand-in. */
function widen(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: root, env: { PATH: process.env['PATH'] ?? '', NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

let github: StandIn;

beforeAll(async () => {
  const f = await seedFile();
  github = await startGitHubStandIn({
    repos: [{ owner: 'mm', name: 'linux', installationId: 9, pulls: [{ number: 8, title: SEED_TITLE, head: { sha: 'e'.repeat(40), ref: 'x' }, base: { sha: 'f'.repeat(40), ref: 'main' }, files: [{ filename: f.path, status: 'modified', sha: f.headSha, patch: f.patch }] }], blobs: { [f.headSha]: f.head } }],
  });
});
afterAll(async () => github.close());

test('OWNER/REPO#N with --api-url prints the seed finding with its excerpt, exits 1, and posts nothing', async () => {
  const before = github.requests.length;
  const r = await widen(['review', '--pr', 'mm/linux#8', '--api-url', github.url], { GITHUB_TOKEN: 'ghp_test' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(1);
  expect(r.stdout).toMatch(/^mm\/memory\.c:31:3: error: `vma` changes between .* \[tlb-vma-bracket-vma-reassigned\]$/m);
  expect(r.stdout).toContain('In free_pgtables():');
  const made = github.requests.slice(before);
  expect(made.every((q) => q.method === 'GET')).toBe(true);
  expect(made.map((q) => q.path)).toEqual(expect.arrayContaining(['/repos/mm/linux/pulls/8', '/repos/mm/linux/pulls/8/files', expect.stringMatching(/^\/repos\/mm\/linux\/git\/blobs\//)]));
  expect(github.reviews).toEqual([]);
});

test('a pull request URL on an Enterprise Server host derives the API root; --format json carries placement', async () => {
  const url = `http://${github.host}/mm/linux/pull/8/files`;
  const r = await widen(['review', '--pr', url, '--format', 'json'], { GITHUB_TOKEN: 'ghp_test' });
  expect(r.status).toBe(1);
  const out = JSON.parse(r.stdout) as { findings: Array<{ rule: string; line: number; placement: string }> };
  expect(out.findings.map((f) => [f.rule, f.line, f.placement])).toEqual([
    ['tlb-vma-bracket-vma-reassigned', 31, 'added-line'],
    ['tlb-vma-bracket-misuse', 31, 'added-line'],
  ]);
});

test('errors are one paragraph that says what to do: no such pull request, no token, not a pull request, no answer', async () => {
  const missing = await widen(['review', '--pr', 'mm/linux#99', '--api-url', github.url], { GITHUB_TOKEN: 'ghp_test' });
  expect(missing.status).toBe(2);
  expect(missing.stderr).toBe(`widen: GitHub (${github.url}) has no pull request mm/linux#99, or the token in GITHUB_TOKEN cannot see it.\n`);

  const anonymous = await widen(['review', '--pr', 'mm/linux#8', '--api-url', github.url]);
  expect(anonymous.status).toBe(2);
  expect(anonymous.stderr).toBe(`widen: GitHub (${github.url}) wants a token (401). Set GITHUB_TOKEN to a token with read access to mm/linux.\n`);

  const bad = await widen(['review', '--pr', 'linux']);
  expect(bad.status).toBe(2);
  expect(bad.stderr).toMatch(/^widen: --pr linux is not a pull request\. Give OWNER\/REPO#NUMBER/);

  const closed = `http://127.0.0.1:${REFUSED_PORT}/api/v3`;
  const unreachable = await widen(['review', '--pr', 'mm/linux#8', '--api-url', closed], { GITHUB_TOKEN: 'ghp_test' });
  expect(unreachable.status).toBe(2);
  expect(unreachable.stderr).toContain(`widen: could not reach GitHub at ${closed} (`);
  expect(unreachable.stderr).not.toMatch(/\n\s+at /);
});
