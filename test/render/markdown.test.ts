/**
 * The Markdown users read on GitHub: goldens of the seed review and of a scan, the README's
 * example comment kept equal to what the App posts, and GitHub's size limits on review bodies
 * and check-run summaries (overflow summarised, never dropped silently).
 */
import { join } from 'node:path';
import type { Finding } from '../../src/findings/finding.js';
import { fingerprintMarker } from '../../src/github/marker.js';
import { commentBody } from '../../src/github/publish.js';
import { ANNOTATIONS_PER_REQUEST, MAX_ANNOTATION_MESSAGE, MAX_ANNOTATIONS, MAX_CHECK_SUMMARY, renderCheckRun } from '../../src/render/check-run.js';
import { CUT_NOTE, MAX_COMMENT_BODY, codeSpan, cutText, escapeText, pathFlowchart, renderExcerptBlock, renderFindingComment, renderMarkdown, renderReviewBody } from '../../src/render/markdown.js';
import { expectGolden, expectGoldenSection } from '../helpers/golden.js';
import { scanFixturesReport, seedReviewReport as seedReport } from '../helpers/reports.js';
import { repoRoot } from '../helpers/root.js';
import { scan } from '../../src/pipeline/scan.js';
import { pathSteps } from '../../src/render/path.js';
import { RULES } from '../../src/rules/index.js';

const root = repoRoot();
const goldenDir = join(root, 'test', 'fixtures', 'render');

test('the seed review as --format markdown', async () => {
  expectGolden(join(goldenDir, 'seed-review.md'), renderMarkdown(await seedReport()));
});

test('a scan with a finding of each rule as --format markdown', async () => {
  expectGolden(join(goldenDir, 'scan-fixtures.md'), renderMarkdown(await scanFixturesReport()));
});

test("the README shows exactly the comment the App posts for the seed example", async () => {
  const [finding] = (await seedReport()).findings;
  expectGoldenSection(join(root, 'README.md'), 'seed-comment', `${renderFindingComment(finding!)}\n${fingerprintMarker(finding!.fingerprint)}\n`);
});

describe('escapeText', () => {
  test('escapes HTML in text but leaves code spans as typed: GitHub would show `&lt;` literally there', () => {
    expect(escapeText('Signed-off-by: `Nadav <namit@x>` & <b>')).toBe('Signed-off-by: `Nadav <namit@x>` &amp; &lt;b&gt;');
    expect(escapeText('`a->b` then a->b')).toBe('`a->b` then a-&gt;b');
    expect(escapeText('``x ` <y>`` <z>')).toBe('``x ` <y>`` &lt;z&gt;');
  });

  test('a backtick run never closed is literal, and later runs may still open spans', () => {
    expect(escapeText('`` <a> `<b>`')).toBe('`` &lt;a&gt; `<b>`');
    expect(escapeText('<a> ` <b>')).toBe('&lt;a&gt; ` &lt;b&gt;');
  });

  test("an author's text cannot mention, cross-reference or link outside code spans", () => {
    // A commit subject as sweep D posted it: every reference was live under the App's name.
    const subject = 'mm: tidy @torvalds @linux-mm/reviewers #1 [see docs](https://evil.example/phish) ![x](https://evil.example/p.png)';
    expect(escapeText(subject)).toBe('mm: tidy @\u200btorvalds @\u200blinux-mm/reviewers #\u200b1 \\[see docs\\](https://evil.example/phish) !\\[x\\](https://evil.example/p.png)');
    // Inside a code span nothing is a reference, and the text stays as typed.
    expect(escapeText('`@torvalds #1 [x](y)`')).toBe('`@torvalds #1 [x](y)`');
    // `#` before a word is no reference (`#ifdef`), and is left alone.
    expect(escapeText('#ifdef CONFIG_MMU')).toBe('#ifdef CONFIG_MMU');
  });
});

describe('Mermaid paths', () => {
  test('labels are escaped: quotes, angle brackets and backticks cannot end a label or open HTML', async () => {
    const [seed] = (await seedReport()).findings;
    const f: Finding = { ...seed!, related: [{ path: seed!.path, line: 42, message: 'p->x "<b>" `y`' }] };
    const flow = pathFlowchart(f)!.join('\n');
    expect(flow).toContain('s1["42: vma = next;<br/>p-#gt;x #quot;#lt;b#gt;#quot; \'y\'"]');
    expect(flow).not.toMatch(/<b>/);
  });

  test("C's `&` and `#` reach the label as written (sweep AK: `&params` drawn as `¶ms`, `#1;` as a control character)", async () => {
    const [seed] = (await seedReport()).findings;
    const f: Finding = { ...seed!, related: [{ path: seed!.path, line: 42, message: 'copy_from_user(&params, u) #1; &amp;' }] };
    const flow = pathFlowchart(f)!.join('\n');
    expect(flow).toContain('<br/>copy_from_user(#amp;params, u) #35;1; #amp;amp;"]');
  });

  test('steps run in path order: related lines in the rule\'s order, the finding\'s line among them by source order', async () => {
    const [seed] = (await seedReport()).findings;
    const at = (line: number, message: string) => ({ path: seed!.path, line, message });
    // A flush reported at line 231, after the clear (195) and the unlock (229) it depends on.
    const f: Finding = { ...seed!, line: 231, endLine: 231, related: [at(195, 'PTEs cleared under the lock here'), at(229, 'the lock is dropped here, before the flush')], excerpt: undefined };
    expect(pathFlowchart(f)).toEqual([
      '```mermaid',
      'flowchart TD',
      '  s0["line 195<br/>PTEs cleared under the lock here"]',
      '  s1["line 229<br/>the lock is dropped here, before the flush"]',
      '  s2["line 231"]',
      '  s0 --> s1',
      '  s1 --> s2',
      '  style s2 stroke-width:3px',
      '```',
    ]);
    // A leak reported at the acquisition (10), its exit at the end (30), a branch (20) between.
    const leak: Finding = { ...seed!, line: 10, endLine: 30, related: [at(20, 'this branch leaves')], excerpt: undefined };
    expect(pathFlowchart(leak)!.filter((l) => l.includes('["'))).toEqual(['  s0["line 10"]', '  s1["line 20<br/>this branch leaves"]', '  s2["line 30"]']);
    // Another lock whose path leaks too (line 12) is named in the excerpt, not drawn as a step after the exit (sweep AH).
    const also = { ...leak, related: [...leak.related, { ...at(12, 'this takes it for reading instead'), order: 'aside' as const }] };
    expect(pathFlowchart(also)!.filter((l) => l.includes('["'))).toEqual(['  s0["line 10"]', '  s1["line 20<br/>this branch leaves"]', '  s2["line 30"]']);
  });

  test('a loop that brings the path back: the loop head after the finding, then an edge round to it', async () => {
    const [seed] = (await seedReport()).findings;
    // A finish at 164 that runs again when the loop at 161 (above it) comes round.
    const f: Finding = { ...seed!, line: 164, endLine: 164, related: [{ path: seed!.path, line: 161, message: 'the loop comes back here', order: 'back' }], excerpt: undefined };
    expect(pathFlowchart(f)).toEqual([
      '```mermaid',
      'flowchart TD',
      '  s0["line 164"]',
      '  s1["line 161<br/>the loop comes back here"]',
      '  s0 --> s1',
      '  s1 -->|again| s0',
      '  style s0 stroke-width:3px',
      '```',
    ]);
    // Without `order`, the line above would come first and the path would not close.
    expect(pathFlowchart({ ...f, related: [{ ...f.related[0]!, order: undefined }] })).not.toContain('  s1 -->|again| s0');
  });

  test('a long note is cut at a word, not inside an identifier', async () => {
    const [seed] = (await seedReport()).findings;
    const note = `${'word '.repeat(18)}mmap_write_unlock_and_more_words`;
    const f: Finding = { ...seed!, line: 1, endLine: 1, related: [{ path: seed!.path, line: 2, message: note }], excerpt: undefined };
    expect(pathFlowchart(f)!.join('\n')).toContain(`<br/>${'word '.repeat(18).trimEnd()}…"]`);
  });

  test("lines on another path are not drawn as steps, and a line reached by jumping back comes after the jump (sweep AJ)", async () => {
    const fixtures = ['mmap-lock-balance/polarity.c', 'vma-read-lock-balance/lookups.c', 'vma-read-lock-balance/helpers.c', 'find-vma-missing-start-check/helpers.c'];
    const rules = RULES.filter((r) => ['mmap-lock-balance', 'vma-read-lock-balance', 'find-vma-missing-start-check'].includes(r.id));
    const report = await scan({ paths: fixtures.map((f) => join(root, 'test', 'fixtures', 'rules', f)), rules, jobs: 1 });
    const of = (messageId: string): Finding[] => report.findings.filter((f) => f.messageId === messageId);
    // The wrong-way test: the path that leaves with the lock held; the unlock on the other path is no step.
    for (const f of of('invertedTest')) {
      const unlock = f.related.find((r) => r.message.startsWith('the path without the lock'))!;
      expect(pathSteps(f)!.map((s) => s.line)).not.toContain(unlock.line);
    }
    expect(of('invertedTest').length).toBeGreaterThan(0);
    // The overwrite, reached after the `goto` back, is the last step whatever its line.
    const overwritten = of('overwritten');
    expect(overwritten.length).toBeGreaterThan(0);
    for (const f of overwritten) {
      const over = f.related.find((r) => r.message.includes('is overwritten here'))!;
      const drawn = pathSteps(f)!;
      // Back at the lookup's own line: the path's last edge goes round to it.
      if (over.line === f.line) expect(drawn.at(-1)).toMatchObject({ line: f.line, again: true });
      else expect(drawn.filter((s) => !s.again).at(-1)!.line).toBe(over.line);
    }
    // A helper's read comes after the call that hands it the VMA.
    const reads = of('helperReads');
    expect(reads.length).toBeGreaterThan(0);
    for (const f of reads) {
      const read = f.related.find((r) => r.message.includes('of the VMA it is handed'))!;
      const drawn = pathSteps(f)!.map((s) => s.line);
      expect(drawn.indexOf(read.line)).toBeGreaterThan(drawn.indexOf(f.line));
    }
  });

  test('a finding about one line has no path', async () => {
    const [seed] = (await seedReport()).findings;
    expect(pathFlowchart({ ...seed!, related: [], endLine: seed!.line })).toBeNull();
  });
});

describe("GitHub's limits", () => {
  async function many(n: number): Promise<Finding[]> {
    const [seed] = (await seedReport()).findings;
    return Array.from({ length: n }, (_, i) => ({ ...seed!, line: i + 1, fingerprint: i.toString(16).padStart(32, '0') }));
  }

  test('a review body with 400 findings stays under 65,536 characters and counts what it could not show', async () => {
    const findings = await many(400);
    const body = renderReviewBody({ inline: [], outside: findings, overflow: [], standing: 0, resolved: 0, notes: [], maxComments: 25, mark: (f) => fingerprintMarker(f.fingerprint) });
    expect(body.length).toBeLessThanOrEqual(MAX_COMMENT_BODY);
    const whole = (body.match(/^#### /gm) ?? []).length;
    const brief = (body.match(/^- `mm\/memory\.c:\d+` /gm) ?? []).length;
    const omitted = Number(/…and (\d+) more findings that do not fit in one review/.exec(body)?.[1] ?? 0);
    expect(whole).toBeGreaterThan(0);
    expect(whole + brief + omitted).toBe(400);
  });

  test('whole findings leave room for the ones after them: 95 over the inline cap are all listed, each with its marker (sweep AK)', async () => {
    const findings = await many(95);
    const body = renderReviewBody({ inline: [], outside: [], overflow: findings, standing: 0, resolved: 0, notes: [], maxComments: 25, mark: (f) => fingerprintMarker(f.fingerprint) });
    expect(body.length).toBeLessThanOrEqual(MAX_COMMENT_BODY);
    const whole = (body.match(/^#### /gm) ?? []).length;
    const brief = (body.match(/^- `mm\/memory\.c:\d+` /gm) ?? []).length;
    expect(whole).toBeGreaterThan(0);
    expect(whole + brief).toBe(95);
    expect(body).not.toMatch(/more findings? that do not fit/);
    for (const f of findings) expect(body).toContain(fingerprintMarker(f.fingerprint));
  });

  test('an inline comment about a 70,000-character identifier is cut to fit, and says so; an ordinary one is whole', async () => {
    const [seed] = (await seedReport()).findings;
    const marker = `\n${fingerprintMarker(seed!.fingerprint, seed!.path)}`;
    expect(commentBody(seed!)).toBe(renderFindingComment(seed!) + marker);
    // Sweep AA: the comment went out at 140,000 characters, GitHub refused the whole review (422),
    // and the retry kept only the finding's headline.
    const name = `g${'x'.repeat(70_000)}`;
    const huge: Finding = { ...seed!, message: `\`${name}\` is gathered but not finished on every path`, function: name, explanation: `\`${name}\` is started here and never finished.`, fix: `Call \`tlb_finish_mmu(&${name})\`.` };
    const body = commentBody(huge);
    expect(body.length).toBeLessThanOrEqual(MAX_COMMENT_BODY);
    expect(body).toContain(`[\`${seed!.rule}\`]`);
    expect(body).toMatch(/\*\*Fix:\*\* Call `tlb_finish_mmu\(&gx+…`\n/);
    expect(body).toContain(CUT_NOTE);
    expect(body.endsWith(marker)).toBe(true);
    expect(body).not.toContain('Widened context');
    // Its annotation's message stays within GitHub's 64 KB too.
    const run = renderCheckRun({ findings: [huge], notes: [], stats: { files: 1, functions: 1, ms: 0 } }, 'warning');
    expect(run.annotations[0]!.message.length).toBe(MAX_ANNOTATION_MESSAGE);
    expect(run.annotations[0]!.message.endsWith('…')).toBe(true);
    expect(cutText('a\u{1F600}b', 2)).toBe('a…');
  });

  test('a check run with 2,000 findings: summary under 65,535 characters, at most 1,000 annotations, the rest counted', async () => {
    const findings = await many(2000);
    const out = renderCheckRun({ findings, notes: [], stats: { files: 1, functions: 1, ms: 0 } }, 'warning');
    expect(out.summary.length).toBeLessThanOrEqual(MAX_CHECK_SUMMARY);
    expect(out.summary).toMatch(/- …and \d+ more, cut to fit GitHub's limit of 65535 characters/);
    expect(out.annotations).toHaveLength(MAX_ANNOTATIONS);
    expect(ANNOTATIONS_PER_REQUEST).toBe(50);
    expect(out.conclusion).toBe('failure');
  });
});

test('a file name or function with backticks stays one code span (CommonMark fences)', async () => {
  expect(codeSpan('mm/memory.c:31')).toBe('`mm/memory.c:31`');
  expect(codeSpan('mm/`tick`*star*.c:4')).toBe('``mm/`tick`*star*.c:4``');
  expect(codeSpan('``x`')).toBe('``` ``x` ```');
  const seed = await seedReport();
  const seedFinding = seed.findings[0]!;
  const f = { ...seedFinding, path: 'mm/`tick`*star*.c', excerpt: { ...seedFinding.excerpt!, path: 'mm/`tick`*star*.c' } };
  const md = renderMarkdown({ ...seed, findings: [f] });
  expect(md).toContain('### ``mm/`tick`*star*.c:31``');
  expect(md).toContain('in ``mm/`tick`*star*.c``');
  expect(renderCheckRun({ ...seed, findings: [f] }, 'warning').summary).toContain('``mm/`tick`*star*.c:31``');
});

test("lines of another function in the excerpt are named above them, and in the block's introduction", () => {
  const block = renderExcerptBlock({
    path: 'mm/mincore.c',
    function: 'do_mincore',
    lines: [
      { line: 162, text: '\tif (!vma->vm_file)', added: false, role: 'related', note: 'reads `vm_file`', function: 'can_do_mincore' },
      null,
      { line: 196, text: '\tif (!can_do_mincore(vma)) {', added: false, role: 'primary', note: null, function: 'do_mincore' },
    ],
  });
  expect(block[0]).toBe('Widened context from `do_mincore()` and `can_do_mincore()` in `mm/mincore.c` (`>` the finding, `*` a line the argument depends on):');
  expect(block.slice(3, 8)).toEqual(['In can_do_mincore():', '* 162 |         if (!vma->vm_file)  <- reads `vm_file`', '      |  ...', 'In do_mincore():', '> 196 |         if (!can_do_mincore(vma)) {']);
});

test('a commit is named the same way in a note on its message and in its code findings; a lone commit is not named on every comment (sweep AK)', async () => {
  const seed = await seedReport();
  const code = seed.findings[0]!;
  const commit = '6d7417251f3e0123456789abcdef0123456789ab';
  const onMessage: Finding = { ...code, rule: 'patch-signoff-author', scope: 'commit-message', path: 'commit 6d7417251f3e', line: 1, endLine: 1, related: [], excerpt: undefined, function: null, patch: { index: 1, total: 3, subject: 'mm: x', commit } };
  const md = renderMarkdown({ ...seed, findings: [onMessage, { ...code, patch: { index: 1, total: 3, subject: 'mm: x', commit } }] });
  expect(md).toContain('### Commit message of commit `6d7417251f3e` (1/3): mm: x\n');
  expect(md).toContain('<sub>Introduced by commit `6d7417251f3e` (1/3): mm: x</sub>');
  expect(renderFindingComment({ ...code, patch: { index: 1, total: 1, subject: 'mm: x', commit } })).not.toContain('Introduced by');
});
