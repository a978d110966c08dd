/**
 * Notes on a commit message in every output, read as a user reads them: the seed patch with its
 * sign-off replaced by a short `Fixes:` tag, reviewed against the seed tree, gives the seed's
 * code findings and two notes on the commit message. Each output must place the notes on the
 * patch (never on a line of code), and the App must put them in the review body, never inline.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import type * as Sarif from 'sarif';
import { ruleDescriptors } from '../../../src/cli/commands/rule-descriptors.js';
import { DEFAULT_CONFIG } from '../../../src/github/config.js';
import { WidenOctokit } from '../../../src/github/octokit.js';
import { publish } from '../../../src/github/publish.js';
import { readPatches, type Patch } from '../../../src/patch/index.js';
import type { Report } from '../../../src/pipeline/analyze.js';
import { review } from '../../../src/pipeline/review.js';
import { DirectorySource } from '../../../src/pipeline/source.js';
import { renderCheckRun } from '../../../src/render/check-run.js';
import { renderEmail } from '../../../src/render/email.js';
import { renderJson } from '../../../src/render/json.js';
import { renderMarkdown } from '../../../src/render/markdown.js';
import { renderSarif } from '../../../src/render/sarif.js';
import { renderText } from '../../../src/render/text.js';
import { CATALOG, RULES } from '../../../src/rules/index.js';
import { validateGitHubRequest } from '../../helpers/openapi.js';
import { repoRoot } from '../../helpers/root.js';

const root = repoRoot();
const SUBJECT = 'mm: use correct VMA flags when freeing page-tables';
const FIXES = 'Fixes: 1a2b3c4 ("mm: free page tables in one pass")';

let patches: Patch[];
let report: Report;
beforeAll(async () => {
  const seed = readFileSync(join(root, 'examples', 'seed', 'seed.patch'), 'utf8');
  const text = seed.replace('Signed-off-by: Example Contributor <contributor@example.org>', FIXES);
  expect(text).not.toBe(seed);
  patches = await readPatches(text, 'seed-unsigned.patch');
  const full = await review({ patches, tree: new DirectorySource(join(root, 'examples', 'seed', 'tree')), rules: CATALOG });
  report = { ...full, stats: { ...full.stats, ms: 0 } };
});

test('the review: the two notes on the commit message first, then the code findings', () => {
  expect(report.findings.map((f) => `${f.rule} ${f.messageId} ${f.path}:${f.line}`)).toEqual([
    'patch-fixes-tag-format idShort seed-unsigned.patch:1',
    'patch-signoff-author missing seed-unsigned.patch:1',
    'tlb-vma-bracket-vma-reassigned reassigned mm/memory.c:31',
    'tlb-vma-bracket-misuse tablesOnly mm/memory.c:31',
  ]);
});

test('text: a compiler-style line naming the patch file alone, then the commit it is about', () => {
  const lines = renderText(report).split('\n');
  expect(lines.slice(0, 4)).toEqual([
    'seed-unsigned.patch: note: a `Fixes:` tag whose commit id is shorter than twelve digits: `Fixes: 1a2b3c4 ("mm: free page …` [patch-fixes-tag-format]',
    `  in the commit message of "${SUBJECT}"`,
    `  = note: The line \`${FIXES}\` names the commit by 7 hex digits. An id shorter than 12 digits becomes ambiguous as the repository grows (submitting-patches.rst asks for at least 12); the form is \`Fixes: <12+ hex digits> ("<subject>")\`.`,
    "  = help: Name the commit the way git does: `git log -1 --abbrev=12 --format='Fixes: %h (\"%s\")' <id>` prints the line.",
  ]);
  expect(lines).toContain('seed-unsigned.patch: note: the patch has no `Signed-off-by:` trailer [patch-signoff-author]');
  expect(lines).toContain('  = help: If you can certify the DCO, add `Signed-off-by: Example Contributor <contributor@example.org>` as the last trailer (`git commit --amend -s`).');
});

test("json: the contract's fields, with scope, the patch's first line and the patch", () => {
  const json = JSON.parse(renderJson(report)) as { findings: Array<Record<string, unknown>> };
  expect(json.findings[1]).toEqual({
    rule: 'patch-signoff-author',
    severity: 'note',
    confidence: 'high',
    message: 'the patch has no `Signed-off-by:` trailer',
    explanation: expect.stringMatching(/^Every kernel patch carries its author's `Signed-off-by:`/) as unknown,
    fix: 'If you can certify the DCO, add `Signed-off-by: Example Contributor <contributor@example.org>` as the last trailer (`git commit --amend -s`).',
    messageId: 'missing',
    scope: 'commit-message',
    quote: FIXES,
    path: 'seed-unsigned.patch',
    line: 1,
    column: 1,
    endLine: 1,
    function: null,
    patch: { index: 1, subject: SUBJECT },
    related: [],
    fingerprint: expect.stringMatching(/^[0-9a-f]{32}$/) as unknown,
    docsUrl: 'https://github.com/widen-review/widen/blob/main/docs/rules/patch-signoff-author.md',
    placement: 'outside-diff',
  });
  expect(json.findings[2]!['scope']).toBeUndefined();
});

test('markdown: a heading that names the commit message, no path:line', () => {
  const md = renderMarkdown(report);
  expect(md).toContain(`### Commit message of "${SUBJECT}"\n\nℹ️ **note** · [\`patch-signoff-author\`](https://github.com/widen-review/widen/blob/main/docs/rules/patch-signoff-author.md) · on the commit message\n\n**the patch has no \`Signed-off-by:\` trailer**\n\nEvery kernel patch`);
  // The heading names the commit message: not said a second time under it (sweep AK).
  expect(md).not.toContain('<sub>Commit message of');
  expect(md).not.toContain('seed-unsigned.patch:0');
});

test('email: the notes answer the message under the line they are about, above the quoted diff', () => {
  const { text } = renderEmail(report, patches);
  const body = text.split('\n');
  const attribution = body.indexOf('On Wed, 25 Nov 2026 17:48:11 +0000, Example Contributor wrote:');
  // The tag is the message's last line: the note on it, and the one on the sign-off missing after it.
  expect(body.slice(attribution, attribution + 6)).toEqual([
    'On Wed, 25 Nov 2026 17:48:11 +0000, Example Contributor wrote:',
    '',
    '[...]',
    `> ${FIXES}`,
    '',
    'note: a `Fixes:` tag whose commit id is shorter than twelve digits:',
  ]);
  const note = body.indexOf('note: the patch has no `Signed-off-by:` trailer [patch-signoff-author]');
  const diff = body.indexOf('> diff --git a/mm/memory.c b/mm/memory.c');
  expect([note > attribution + 6, diff > note]).toEqual([true, true]);
  expect(body.filter((l) => l.startsWith('> Fixes:'))).toHaveLength(1);
  expect(body[diff - 1]).toBe('[...]');
  expect(body).toContain('https://github.com/widen-review/widen/blob/main/docs/rules/patch-fixes-tag-format.md');
});

test('JSON: a note on a line of the message quotes it; one on the missing sign-off, the line it should follow', () => {
  expect(report.findings.filter((f) => f.scope === 'commit-message').map((f) => [f.rule, f.messageId, f.quote])).toEqual([
    ['patch-fixes-tag-format', 'idShort', FIXES],
    ['patch-signoff-author', 'missing', FIXES],
  ]);
  const json = JSON.parse(renderJson(report)) as { findings: Array<{ rule: string; quote?: string }> };
  expect(json.findings.map((f) => [f.rule, f.quote ?? null])).toEqual([
    ['patch-fixes-tag-format', FIXES],
    ['patch-signoff-author', FIXES],
    ['tlb-vma-bracket-vma-reassigned', null],
    ['tlb-vma-bracket-misuse', null],
  ]);
});

test('check run: listed in the summary by patch, never an annotation', () => {
  const out = renderCheckRun(report, 'warning');
  expect(out.annotations.map((a) => a.title)).toEqual(['tlb-vma-bracket-vma-reassigned', 'tlb-vma-bracket-misuse']);
  expect(out.summary).toContain(`- **note** commit message of "${SUBJECT}" [\`patch-signoff-author\`](https://github.com/widen-review/widen/blob/main/docs/rules/patch-signoff-author.md): the patch has no \`Signed-off-by:\` trailer`);
});

describe('sarif', () => {
  const sarif = (): Sarif.Log => JSON.parse(renderSarif(report, { rules: ruleDescriptors(CATALOG), toolVersion: '0.0.0', srcRoot: '/src/linux', executionSuccessful: true })) as Sarif.Log;

  test('a result at the line where the patch begins, named as the commit message of the patch', () => {
    const log = sarif();
    const result = log.runs[0]!.results![1]!;
    expect([result.ruleId, result.level]).toEqual(['patch-signoff-author', 'note']);
    expect(result.locations).toEqual([
      {
        physicalLocation: { artifactLocation: { uri: 'seed-unsigned.patch', uriBaseId: '%SRCROOT%' }, region: { startLine: 1, startColumn: 1 } },
        logicalLocations: [{ name: `commit message of "${SUBJECT}"`, kind: 'resource' }],
      },
    ]);
    expect(result.properties).toMatchObject({ scope: 'commit-message', patch: { index: 1, subject: SUBJECT } });
    const descriptor = log.runs[0]!.tool.driver.rules!.find((r) => r.id === 'patch-signoff-author')!;
    expect(descriptor.properties!.tags).toEqual(['correctness', 'linux-kernel', 'mm', 'patch-hygiene']);
  });

  test("Microsoft's SARIF Multitool finds no error in it", () => {
    const require = createRequire(import.meta.url);
    const bin = join(require.resolve('@microsoft/sarif-multitool/package.json'), '..', 'bin.js');
    const dir = mkdtempSync(join(tmpdir(), 'widen-sarif-patch-'));
    try {
      const file = join(dir, 'notes.sarif');
      writeFileSync(file, JSON.stringify(sarif()));
      const r = spawnSync(process.execPath, [bin, 'validate', file], { encoding: 'utf8', timeout: 60_000 });
      expect(r.stdout).toMatch(/Analysis completed successfully/);
      expect(r.stdout.split('\n').filter((l) => /: error /.test(l))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

test('switched off: without the patch rules, the same review has only the code findings', async () => {
  const off = await review({ patches, tree: new DirectorySource(join(root, 'examples', 'seed', 'tree')), rules: RULES });
  expect(off.findings.map((f) => f.rule)).toEqual(['tlb-vma-bracket-vma-reassigned', 'tlb-vma-bracket-misuse']);
  const one = await review({ patches, tree: null, rules: CATALOG.filter((r) => r.id === 'patch-signoff-author') });
  expect(one.findings.map((f) => f.rule)).toEqual(['patch-signoff-author']);
});

describe('the App', () => {
  const API = 'https://api.github.com';
  const REPO = '/repos/mm/linux';
  afterEach(() => nock.cleanAll());

  test('puts the notes in the review body under their own heading, never as inline comments', async () => {
    const reviews: Array<{ body: string; comments?: Array<{ path: string }> }> = [];
    const checks: Array<{ output?: { annotations?: unknown[] } }> = [];
    const valid = (method: string, path: string) => (b: object): boolean => validateGitHubRequest(method, path, b).length === 0;
    nock(API)
      .post(`${REPO}/pulls/3/reviews`, (b: { body: string }) => valid('POST', `${REPO}/pulls/3/reviews`)(b) && reviews.push(b) > 0)
      .reply(200, { id: 41 })
      .patch(`${REPO}/check-runs/8`, (b: object) => valid('PATCH', `${REPO}/check-runs/8`)(b) && checks.push(b) > 0)
      .reply(200, { id: 8 });
    const octokit = new WidenOctokit({ auth: 'ghs_test', retry: { enabled: false }, throttle: { enabled: false } });
    const pull = { number: 3, title: SUBJECT, draft: false, state: 'open', headSha: 'a'.repeat(40), baseSha: 'b'.repeat(40), changedFiles: 1, commits: 1, htmlUrl: 'https://github.com/mm/linux/pull/3' };
    const summary = await publish({
      octokit,
      ref: { owner: 'mm', repo: 'linux', number: 3 },
      pull,
      result: { report, files: new Map(patches[0]!.files.map((fp) => [fp.newPath!, fp])), excluded: 0, remarks: [] },
      config: DEFAULT_CONFIG,
      earlier: { posted: new Set(), open: [] },
      checkRun: { id: 8, annotated: false },
      force: false,
      log: { info: () => undefined, warn: () => undefined },
    });
    expect(nock.isDone()).toBe(true);
    expect(summary).toMatchObject({ reviewId: 41, inline: 2, inBody: 2 });
    const [posted] = reviews;
    expect(posted!.comments!.map((c) => c.path)).toEqual(['mm/memory.c', 'mm/memory.c']);
    expect(posted!.body).toContain('### On the commit messages (2)\n\nThese notes are about how the patches are written (author, subject, trailers), not about a line of code.');
    expect(posted!.body).toContain(`#### Commit message of "${SUBJECT}"`);
    expect(checks[0]!.output!.annotations).toHaveLength(2);
  });
});
