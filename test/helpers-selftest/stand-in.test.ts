/**
 * Tests of the test helpers themselves: if the stand-in accepted what GitHub refuses, or the
 * validator passed what GitHub's schema rejects, every App test built on them would be worthless.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { verify } from '@octokit/webhooks-methods';
import { Probot } from 'probot';
import { generatePrivateKey, sendWebhook, startGitHubStandIn, type StandIn, type StandInRepo } from '../helpers/github-stand-in.js';
import { resolveGitHubOperation, validateGitHubRequest, validateGraphQL } from '../helpers/openapi.js';
import { checkRunRerequestedPayload, issueCommentPayload, pullRequestPayload } from '../helpers/payloads.js';

const HEAD = 'a'.repeat(40);
const BASE = 'b'.repeat(40);

// Hunk 1 (new 10..16): a, b, +new1 (12), +new2 (13), x, y, z; old 10..15 with -old (12).
// Hunk 2 (new 41..44): p, +q (42), r, s.
const PATCH = [
  '@@ -10,6 +10,7 @@ static int foo(void)',
  '\tint a;',
  '\tint b;',
  '-\told();',
  '+\tnew1();',
  '+\tnew2();',
  '\tx();',
  ' \ty();',
  ' \tz();',
  '@@ -40,3 +41,4 @@ static void bar(void)',
  ' \tp();',
  '+\tq();',
  ' \tr();',
  ' \ts();',
].map((l, i) => (i > 0 && !/^[-+@ ]/.test(l) ? ' ' + l : l)).join('\n');

function repoFixture(): StandInRepo {
  const many = Array.from({ length: 250 }, (_, i) => ({
    filename: `drivers/f${String(i).padStart(3, '0')}.c`,
    status: 'modified' as const,
    sha: i.toString(16).padStart(40, '0'),
    patch: '@@ -1,1 +1,1 @@\n-a\n+b',
  }));
  return {
    owner: 'torvalds',
    name: 'linux',
    installationId: 42,
    config: 'rules:\n  mmap_lock: error\n',
    blobs: { ['c'.repeat(40)]: 'int main(void) { return 0; }\n' },
    permissions: { maintainer: 'maintain', triager: 'triage' },
    pulls: [
      { number: 1, title: 'mm: fix', head: { sha: HEAD, ref: 'fix' }, base: { sha: BASE, ref: 'master' }, files: [{ filename: 'mm/mmap.c', status: 'modified', sha: 'c'.repeat(40), patch: PATCH }] },
      { number: 2, head: { sha: 'd'.repeat(40), ref: 'big' }, base: { sha: BASE, ref: 'master' }, files: many },
    ],
  };
}

describe('validateGitHubRequest', () => {
  const path = '/repos/o/r/pulls/1/reviews';

  it('accepts a well-formed review and rejects what GitHub rejects', () => {
    expect(
      validateGitHubRequest('POST', path, {
        commit_id: HEAD,
        event: 'COMMENT',
        body: 'ok',
        comments: [{ path: 'mm/mmap.c', line: 12, side: 'RIGHT', body: 'x' }],
      }),
    ).toEqual([]);
    const errors = validateGitHubRequest('POST', `/api/v3${path}?x=1`, {
      event: 'COMMENTED',
      comments: [{ path: 'mm/mmap.c', line: '12', body: 'x' }],
    });
    expect(errors).toEqual(
      expect.arrayContaining([expect.stringMatching(/^body\/event .*allowed values/), 'body/comments/0/line must be integer']),
    );
    expect(validateGitHubRequest('POST', '/repos/o/r/check-runs', { name: 'widen' })).toEqual([
      "body must have required property 'head_sha'",
    ]);
  });

  it('handles OpenAPI nullable and $ref, and operations without a body', () => {
    // `milestone` is `nullable` with oneOf and no `type`: Ajv alone would throw on it.
    expect(validateGitHubRequest('PATCH', '/repos/o/r/issues/3', { milestone: null })).toEqual([]);
    expect(validateGitHubRequest('GET', '/repos/o/r/pulls/1/files?per_page=100', undefined)).toEqual([]);
    expect(validateGitHubRequest('PATCH', '/repos/o/r/check-runs/5', undefined)).toEqual(['body is required']);
  });

  it('throws on a route GitHub does not have', () => {
    expect(() => validateGitHubRequest('POST', '/repos/o/r/pull/1/reviews', {})).toThrow(/no operation POST/);
    expect(() => validateGitHubRequest('DELETE', '/repos/o/r/pulls/1/reviews', {})).toThrow(/no operation/);
    expect(resolveGitHubOperation('GET', '/repos/o/r/contents/.github%2Fwiden.yml')).toMatchObject({
      operationId: 'repos/get-content',
      params: { path: '.github/widen.yml' },
    });
  });

  it('checks the GraphQL envelope', () => {
    expect(validateGraphQL({ query: '{ viewer { login } }', variables: {} })).toEqual([]);
    expect(validateGraphQL({ query: 3 })).toHaveLength(1);
    expect(validateGraphQL({ query: 'q', variables: [] })).toEqual(['body/variables must be an object']);
  });
});

describe('GitHub stand-in', () => {
  let gh: StandIn;
  const auth = { authorization: 'token ghs_test', 'content-type': 'application/json' };
  const get = (path: string, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(gh.url + path, { headers: { ...auth, ...headers } });
  const post = (path: string, body: unknown, method = 'POST'): Promise<Response> =>
    fetch(gh.url + path, { method, headers: auth, body: JSON.stringify(body) });

  beforeAll(async () => {
    gh = await startGitHubStandIn({ repos: [repoFixture()] });
  });
  afterAll(async () => {
    await gh.close();
  });

  it('paginates 250 files like GitHub', async () => {
    const first = await get('/repos/torvalds/linux/pulls/2/files?per_page=100');
    expect(first.status).toBe(200);
    expect((await first.json()) as unknown[]).toHaveLength(100);
    const link = first.headers.get('link') ?? '';
    expect(link).toContain(`<${gh.url}/repos/torvalds/linux/pulls/2/files?per_page=100&page=2>; rel="next"`);
    expect(link).toContain('page=3>; rel="last"');
    const last = await get('/repos/torvalds/linux/pulls/2/files?per_page=100&page=3');
    const files = (await last.json()) as Array<{ filename: string }>;
    expect(files).toHaveLength(50);
    expect(files[49]?.filename).toBe('drivers/f249.c');
    expect(last.headers.get('link')).not.toContain('rel="next"');
    expect(last.headers.get('link')).toContain('rel="first"');
    const byDefault = await get('/repos/torvalds/linux/pulls/2/files');
    expect((await byDefault.json()) as unknown[]).toHaveLength(30);
    expect(byDefault.headers.get('link')).toContain('page=9>; rel="last"');
    const capped = await get('/repos/torvalds/linux/pulls/2/files?per_page=500');
    expect((await capped.json()) as unknown[]).toHaveLength(100);
  });

  it('a pull request without commits of its own has one, the head, whose files are the pull request\'s', async () => {
    const res = await get('/repos/torvalds/linux/pulls/1/commits');
    const commits = (await res.json()) as Array<{ sha: string; parents: Array<{ sha: string }>; commit: { message: string; author: { name: string } } }>;
    expect(commits.map((c) => [c.sha, c.parents.map((p) => p.sha), c.commit.message])).toEqual([[HEAD, [BASE], 'mm: fix\n\nThe change of pull request #1.\n\nSigned-off-by: Example Contributor <contributor@example.org>\n']]);
    const one = await get(`/repos/torvalds/linux/commits/${HEAD}`);
    const body = (await one.json()) as { sha: string; files: Array<{ filename: string; sha: string; patch: string }>; stats: { additions: number; deletions: number } };
    expect([body.sha, body.files.map((f) => [f.filename, f.sha]), body.stats.additions, body.stats.deletions]).toEqual([HEAD, [['mm/mmap.c', 'c'.repeat(40)]], 3, 1]);
    expect((await get(`/repos/torvalds/linux/commits/${'9'.repeat(40)}`)).status).toBe(422);
  });

  it('pages a commit\'s files like GitHub: per_page, link headers, the commit repeated on every page', async () => {
    const first = await get(`/repos/torvalds/linux/commits/${'d'.repeat(40)}?per_page=100`);
    const page1 = (await first.json()) as { sha: string; files: unknown[] };
    expect([page1.sha, page1.files.length]).toEqual(['d'.repeat(40), 100]);
    expect(first.headers.get('link')).toContain('page=3>; rel="last"');
    const last = (await (await get(`/repos/torvalds/linux/commits/${'d'.repeat(40)}?per_page=100&page=3`)).json()) as { sha: string; files: Array<{ filename: string }> };
    expect([last.sha, last.files.length, last.files[49]?.filename]).toEqual(['d'.repeat(40), 50, 'drivers/f249.c']);
  });

  it('rejects a whole review when one comment is off the diff, and stores nothing', async () => {
    const res = await post('/repos/torvalds/linux/pulls/1/reviews', {
      commit_id: HEAD,
      event: 'COMMENT',
      body: 'review',
      comments: [
        { path: 'mm/mmap.c', line: 12, body: 'fine' },
        { path: 'mm/mmap.c', line: 30, body: 'not in any hunk' },
      ],
    });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { errors: string[] }).errors).toEqual(['Pull request review thread line must be part of the diff']);
    const cases: Array<[unknown, string]> = [
      [{ commit_id: BASE, event: 'COMMENT', body: 'x' }, 'Commit could not be resolved'],
      [{ commit_id: HEAD, body: 'x' }, 'PENDING'],
      [{ commit_id: HEAD, event: 'COMMENT', comments: [{ path: 'mm/other.c', line: 12, body: 'x' }] }, 'path is invalid'],
      [{ commit_id: HEAD, event: 'COMMENT', comments: [{ path: 'mm/mmap.c', line: 13, side: 'LEFT', body: 'x' }] }, ''],
      [{ commit_id: HEAD, event: 'COMMENT', comments: [{ path: 'mm/mmap.c', line: 16, side: 'LEFT', body: 'x' }] }, 'part of the diff'],
      [{ commit_id: HEAD, event: 'COMMENT', comments: [{ path: 'mm/mmap.c', start_line: 12, line: 42, body: 'x' }] }, 'same hunk'],
      [{ commit_id: HEAD, event: 'COMMENT', comments: [{ path: 'mm/mmap.c', start_line: 13, line: 12, body: 'x' }] }, 'precede'],
      [{ commit_id: HEAD, event: 'COMMENT', body: 'x'.repeat(65537) }, 'Body is too long'],
      [{ commit_id: HEAD, event: 'COMMENT', comments: [{ path: 'mm/mmap.c', line: 12, side: 'right', body: 'x' }] }, 'side'],
    ];
    for (const [body, message] of cases) {
      if (message === '') continue; // LEFT 13 is a context line: valid, checked below with the stored review
      const r = await post('/repos/torvalds/linux/pulls/1/reviews', body);
      expect([r.status, JSON.stringify(await r.json())]).toEqual([422, expect.stringContaining(message)]);
    }
    expect(gh.reviews).toEqual([]);
    expect(gh.reviewComments).toEqual([]);
    expect(gh.invalid.length).toBeGreaterThanOrEqual(cases.length);
  });

  it('stores a valid review and serves its comments back', async () => {
    const res = await post('/repos/torvalds/linux/pulls/1/reviews', {
      commit_id: HEAD,
      event: 'COMMENT',
      body: 'widen found 3 issues',
      comments: [
        { path: 'mm/mmap.c', line: 12, side: 'RIGHT', body: 'added line' },
        { path: 'mm/mmap.c', start_line: 10, line: 13, body: 'range' },
        { path: 'mm/mmap.c', line: 12, side: 'LEFT', body: 'deleted line' },
        { path: 'mm/mmap.c', line: 13, side: 'LEFT', body: 'context, old numbering' },
        { path: 'mm/mmap.c', position: 11, body: 'legacy position: q()' },
      ],
    });
    expect(res.status).toBe(200);
    const review = (await res.json()) as { id: number; state: string; commit_id: string; node_id: string; html_url: string };
    expect(review).toMatchObject({ state: 'COMMENTED', commit_id: HEAD });
    expect(review.node_id).toEqual(expect.any(String));
    expect(gh.reviews).toHaveLength(1);
    expect(gh.reviews[0]?.comments).toHaveLength(5);

    const list = await get('/repos/torvalds/linux/pulls/1/comments?per_page=100');
    const comments = (await list.json()) as Array<Record<string, unknown>>;
    expect(comments.map((c) => [c['line'], c['side'], c['start_line']])).toEqual([
      [12, 'RIGHT', null],
      [13, 'RIGHT', 10],
      [12, 'LEFT', null],
      [13, 'LEFT', null],
      [42, 'RIGHT', null],
    ]);
    expect(comments[0]).toMatchObject({
      pull_request_review_id: review.id,
      commit_id: HEAD,
      path: 'mm/mmap.c',
      body: 'added line',
      user: { login: 'widen[bot]', type: 'Bot' },
      diff_hunk: expect.stringMatching(/^@@ -10,6 \+10,7 @@[\s\S]*\+\tnew1\(\);$/),
    });
    expect(typeof comments[0]?.['id']).toBe('number');
    expect(gh.unexpected).toEqual([]);
  });

  it('rejects 51 annotations and appends annotations across updates', async () => {
    const annotation = { path: 'mm/mmap.c', start_line: 12, end_line: 12, annotation_level: 'warning', message: 'm' };
    const tooMany = await post('/repos/torvalds/linux/check-runs', {
      name: 'widen',
      head_sha: HEAD,
      status: 'in_progress',
      output: { title: 't', summary: 's', annotations: Array(51).fill(annotation) },
    });
    expect(tooMany.status).toBe(422);
    expect(gh.checkRuns).toEqual([]);

    const created = await post('/repos/torvalds/linux/check-runs', {
      name: 'widen',
      head_sha: HEAD,
      status: 'in_progress',
      output: { title: 't', summary: 's', annotations: Array(50).fill(annotation) },
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: number };
    const done = await post(
      `/repos/torvalds/linux/check-runs/${id}`,
      { conclusion: 'neutral', output: { title: 'done', summary: 'sum', annotations: [annotation] } },
      'PATCH',
    );
    expect(done.status).toBe(200);
    expect(gh.checkRuns[0]).toMatchObject({ status: 'completed', conclusion: 'neutral', output: { title: 'done', summary: 'sum' } });
    expect(gh.checkRuns[0]?.annotations).toHaveLength(51);
    const longSummary = await post(`/repos/torvalds/linux/check-runs/${id}`, { output: { title: 't', summary: 'x'.repeat(65536) } }, 'PATCH');
    expect(longSummary.status).toBe(422);
    const unknownSha = await post('/repos/torvalds/linux/check-runs', { name: 'widen', head_sha: 'e'.repeat(40) });
    expect(unknownSha.status).toBe(422);
  });

  it('serves the diff, blobs, config and permissions in GitHub media types', async () => {
    const diff = await get('/repos/torvalds/linux/pulls/1', { accept: 'application/vnd.github.v3.diff' });
    expect(diff.headers.get('content-type')).toMatch(/^application\/vnd\.github\.diff/);
    expect(await diff.text()).toMatch(/^diff --git a\/mm\/mmap\.c b\/mm\/mmap\.c\nindex \w{7}\.\.c{7} 100644\n--- a\/mm\/mmap\.c\n\+\+\+ b\/mm\/mmap\.c\n@@ -10,6/);
    const json = (await (await get('/repos/torvalds/linux/pulls/1')).json()) as Record<string, unknown>;
    expect(json).toMatchObject({ number: 1, state: 'open', changed_files: 1, additions: 3, deletions: 1, head: { sha: HEAD, repo: { full_name: 'torvalds/linux', fork: false } } });
    const blob = (await (await get(`/repos/torvalds/linux/git/blobs/${'c'.repeat(40)}`)).json()) as { content: string; encoding: string };
    expect(Buffer.from(blob.content, 'base64').toString()).toBe('int main(void) { return 0; }\n');
    expect((await get(`/repos/torvalds/linux/git/blobs/${'f'.repeat(40)}`)).status).toBe(404);
    const raw = await get('/repos/torvalds/linux/contents/.github%2Fwiden.yml?ref=master', { accept: 'application/vnd.github.v3.raw' });
    expect([raw.status, await raw.text()]).toEqual([200, 'rules:\n  mmap_lock: error\n']);
    expect((await get('/repos/torvalds/.github/contents/.github%2Fwiden.yml')).status).toBe(404);
    const perm = (await (await get('/repos/torvalds/linux/collaborators/maintainer/permission')).json()) as Record<string, unknown>;
    expect(perm).toMatchObject({ permission: 'write', role_name: 'maintain' });
    const stranger = (await (await get('/repos/torvalds/linux/collaborators/someone/permission')).json()) as Record<string, unknown>;
    expect(stranger).toMatchObject({ permission: 'read', role_name: 'read' });
    expect(gh.unexpected).toEqual([]);
  });

  it('records unexpected routes and answers 404', async () => {
    const res = await get('/repos/torvalds/linux/pulls/1/requested_reviewers');
    expect(res.status).toBe(404);
    expect(gh.unexpected).toEqual([expect.objectContaining({ method: 'GET', path: '/repos/torvalds/linux/pulls/1/requested_reviewers' })]);
    gh.unexpected.length = 0;
  });

  it('applies latency to every response', async () => {
    gh.latencyMs = 150;
    const t0 = performance.now();
    await get('/repos/torvalds/linux/pulls/1');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(145);
    const last = gh.requests[gh.requests.length - 1];
    expect((last?.end ?? 0) - (last?.start ?? 0)).toBeGreaterThanOrEqual(145);
    gh.latencyMs = 0;
  });

  it('injects a fault once, then serves normally', async () => {
    gh.fail('GET', /^\/repos\/torvalds\/linux\/pulls\/1$/, [{ status: 500 }]);
    expect((await get('/repos/torvalds/linux/pulls/1')).status).toBe(500);
    expect((await get('/repos/torvalds/linux/pulls/1')).status).toBe(200);
    gh.fail('POST', '/repos/torvalds/linux/issues/1/comments', [{ status: 403, headers: { 'retry-after': '1' }, body: { message: 'You have exceeded a secondary rate limit.' } }]);
    const limited = await post('/repos/torvalds/linux/issues/1/comments', { body: 'hi' });
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([403, '1']);
    expect((await post('/repos/torvalds/linux/issues/1/comments', { body: 'hi' })).status).toBe(201);
    await gh.waitFor((s) => s.issueComments.length === 1, 1000);
    await expect(gh.waitFor((s) => s.issueComments.length === 5, 50)).rejects.toThrow(/requests seen:\n.*GET \/repos\/torvalds\/linux\/pulls\/2\/files/);
  });

  it('answers GraphQL mutations at /graphql and /api/graphql', async () => {
    const res = await fetch(gh.graphqlUrl, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({
        query: 'mutation($id: ID!) { m0: minimizeComment(input: {subjectId: $id, classifier: OUTDATED}) { minimizedComment { isMinimized } } }',
        variables: { id: 'PRRC_1' },
      }),
    });
    expect(await res.json()).toEqual({ data: { m0: { minimizedComment: { isMinimized: true, minimizedReason: 'outdated', subjectId: 'PRRC_1' } } } });
    const other = await fetch(`http://${gh.host}/graphql`, { method: 'POST', headers: auth, body: JSON.stringify({ query: '{ viewer { login } }' }) });
    expect(await other.json()).toEqual({ data: {} });
    expect(gh.graphql).toHaveLength(2);
  });

  it('works with the Octokit Probot gives the App (JWT, token, pagination, raw media types)', async () => {
    const probot = new Probot({ appId: 1, privateKey: generatePrivateKey(), baseUrl: gh.url, logLevel: 'fatal' });
    const octokit = await probot.auth(42);
    const files = await octokit.paginate(octokit.rest.pulls.listFiles, { owner: 'torvalds', repo: 'linux', pull_number: 2, per_page: 100 });
    expect(files).toHaveLength(250);
    const config = await octokit.config.get({ owner: 'torvalds', repo: 'linux', path: '.github/widen.yml' });
    expect(config.config).toEqual({ rules: { mmap_lock: 'error' } });
    const diff = await octokit.rest.pulls.get({ owner: 'torvalds', repo: 'linux', pull_number: 1, mediaType: { format: 'diff' } });
    expect(String(diff.data)).toMatch(/^diff --git/);
    expect(gh.requests.filter((r) => r.path === '/app/installations/42/access_tokens')).toHaveLength(1);
    expect(gh.unexpected).toEqual([]);
  });
});

describe('GitHub stand-in, github.com layout', () => {
  const files = (n: number): StandInRepo['pulls'][number]['files'] =>
    Array.from({ length: n }, (_, i) => ({ filename: `f${i}.c`, status: 'added' as const, sha: 'c'.repeat(40), patch: '@@ -0,0 +1 @@\n+x' }));
  let gh: StandIn;
  beforeAll(async () => {
    gh = await startGitHubStandIn({
      prefix: '',
      repos: [
        { owner: 'o', name: 'huge', installationId: 1, blobs: {}, pulls: [{ number: 1, head: { sha: HEAD, ref: 'h' }, base: { sha: BASE, ref: 'main' }, files: files(3001) }] },
        { owner: 'p', name: 'other', installationId: 2, blobs: {}, pulls: [] },
      ],
    });
  });
  afterAll(async () => {
    await gh.close();
  });

  it('caps list-files at 3000, refuses the diff over 300 files, and keeps installations apart', async () => {
    const token = (await (await fetch(`${gh.url}/app/installations/1/access_tokens`, { method: 'POST', headers: { authorization: 'Bearer a.b.c' } })).json()) as { token: string };
    expect(token.token).toMatch(/^ghs_/);
    const headers = { authorization: `token ${token.token}` };
    const last = await fetch(`${gh.url}/repos/o/huge/pulls/1/files?per_page=100&page=30`, { headers });
    expect((await last.json()) as unknown[]).toHaveLength(100);
    expect(last.headers.get('link')).not.toContain('rel="next"');
    expect((await (await fetch(`${gh.url}/repos/o/huge/pulls/1/files?per_page=100&page=31`, { headers })).json()) as unknown[]).toEqual([]);
    const diff = await fetch(`${gh.url}/repos/o/huge/pulls/1`, { headers: { ...headers, accept: 'application/vnd.github.diff' } });
    expect(diff.status).toBe(406);
    expect(await diff.json()).toMatchObject({ errors: [{ code: 'too_large' }] });
    expect(gh.unexpected).toEqual([]);

    expect((await fetch(`${gh.url}/repos/p/other/pulls`, { headers })).status).toBe(404);
    expect((await fetch(`${gh.url}/repos/o/huge/pulls/1`)).status).toBe(401);
    expect((await fetch(`${gh.url}/api/v3/repos/o/huge/pulls/1`, { headers })).status).toBe(404);
    expect(gh.unexpected.map((u) => u.reason)).toEqual([
      expect.stringContaining('token of installation 1 used on p/other'),
      expect.stringContaining('no route'),
    ]);
  });
});

describe('sendWebhook and payloads', () => {
  it('signs the exact body like GitHub', async () => {
    let seen: { headers: IncomingHttpHeaders; body: string } | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        res.writeHead(202).end('accepted');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const payload = pullRequestPayload('opened', { owner: 'o', repo: 'r', number: 7, headSha: HEAD, baseSha: BASE, changedFiles: 1, installationId: 42 });
      const result = await sendWebhook({ url: `http://127.0.0.1:${port}/api/github/webhooks`, secret: 's3cret', name: 'pull_request', payload, id: 'd-1' });
      expect(result).toMatchObject({ status: 202, body: 'accepted' });
      expect(seen?.headers).toMatchObject({ 'x-github-event': 'pull_request', 'x-github-delivery': 'd-1', 'content-type': 'application/json' });
      const signature = String(seen?.headers['x-hub-signature-256']);
      expect(await verify('s3cret', seen?.body ?? '', signature)).toBe(true);
      expect(await verify('wrong', seen?.body ?? '', signature)).toBe(false);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(generatePrivateKey()).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/);
  });

  it('builds pull_request payloads from real examples, re-homed', () => {
    const p = pullRequestPayload('synchronize', { owner: 'torvalds', repo: 'linux', number: 9, headSha: HEAD, baseSha: BASE, changedFiles: 3, installationId: 42, draft: true, title: 'mm: x' });
    expect(p).toMatchObject({
      action: 'synchronize',
      number: 9,
      after: HEAD,
      installation: { id: 42 },
      repository: { full_name: 'torvalds/linux', name: 'linux', owner: { login: 'torvalds' } },
      pull_request: { number: 9, draft: true, title: 'mm: x', changed_files: 3, head: { sha: HEAD, repo: { full_name: 'torvalds/linux', fork: false } }, base: { sha: BASE } },
    });
    const text = JSON.stringify(p);
    expect(text).not.toMatch(/Codertocat|Hello-World|ec26c3e5/);
    expect(text).toContain('https://api.github.com/repos/torvalds/linux/pulls/9');
    const fork = pullRequestPayload('opened', { owner: 'torvalds', repo: 'linux', number: 9, headSha: HEAD, baseSha: BASE, changedFiles: 3, installationId: 42, fork: true, user: 'alice' });
    expect(fork).toMatchObject({
      sender: { login: 'alice' },
      pull_request: { user: { login: 'alice' }, head: { label: 'alice:topic', repo: { full_name: 'alice/linux', fork: true, owner: { login: 'alice' } } }, base: { repo: { full_name: 'torvalds/linux' } } },
    });
  });

  it('builds issue_comment and check_run payloads', () => {
    const onPull = issueCommentPayload({ owner: 'o', repo: 'r', number: 3, body: '@widen recheck', login: 'alice', commentId: 77, installationId: 42 });
    expect(onPull).toMatchObject({
      action: 'created',
      issue: { number: 3, pull_request: { url: 'https://api.github.com/repos/o/r/pulls/3' } },
      comment: { id: 77, body: '@widen recheck', user: { login: 'alice', type: 'User' } },
      sender: { login: 'alice' },
      installation: { id: 42 },
    });
    const onIssue = issueCommentPayload({ owner: 'o', repo: 'r', number: 3, body: 'x', login: 'widen[bot]', commentId: 78, installationId: 42, onPullRequest: false });
    expect((onIssue['issue'] as Record<string, unknown>)['pull_request']).toBeUndefined();
    expect(onIssue).toMatchObject({ comment: { user: { type: 'Bot' } } });
    const rerun = checkRunRerequestedPayload({ owner: 'o', repo: 'r', headSha: HEAD, installationId: 42, pullNumbers: [3], appId: 5 });
    expect(rerun).toMatchObject({
      action: 'rerequested',
      check_run: { head_sha: HEAD, app: { id: 5 }, pull_requests: [{ number: 3, head: { sha: HEAD } }], check_suite: { head_sha: HEAD } },
      repository: { full_name: 'o/r' },
      installation: { id: 42 },
    });
    expect(JSON.stringify(rerun)).not.toMatch(/hello-world|d6fde929/);
    const forkRerun = checkRunRerequestedPayload({ owner: 'o', repo: 'r', headSha: HEAD, installationId: 42, pullNumbers: [], appId: 5 });
    expect(forkRerun).toMatchObject({ check_run: { pull_requests: [] } });
  });
});
