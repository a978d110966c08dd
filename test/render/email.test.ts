/**
 * `--format email`: goldens of the seed review's reply and of the scan findings (no patch to
 * answer), then what a mailing list needs: threading headers from the patch mail, reply-to-all
 * recipients, a series answered patch by patch in one mbox, prose wrapped at 72 columns, long
 * hunks cut to what matters, and a plain diff answered with a body that says what it lacks.
 */
import { decodeWords } from 'postal-mime';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ExcerptLine, Finding } from '../../src/findings/finding.js';
import { readPatches, type Patch } from '../../src/patch/index.js';
import type { Report } from '../../src/pipeline/analyze.js';
import { review } from '../../src/pipeline/review.js';
import { DirectorySource } from '../../src/pipeline/source.js';
import { mailDate, renderEmail, wrap, WRAP } from '../../src/render/email.js';
import { addressOf, displayName, encodeMailbox, encodeWords, headerField, splitAddresses } from '../../src/render/mail-headers.js';
import { RULES } from '../../src/rules/index.js';
import { ScratchRepo } from '../helpers/git.js';
import { expectGolden, expectGoldenSection } from '../helpers/golden.js';
import { scanFixturesReport, seedPatches, seedReviewReport } from '../helpers/reports.js';
import { repoRoot } from '../helpers/root.js';

const root = repoRoot();
const goldenDir = join(root, 'test', 'fixtures', 'render');
const seedDir = join(root, 'examples', 'seed');

let seed: Report;
let patches: Patch[];
beforeAll(async () => {
  seed = await seedReviewReport();
  patches = await seedPatches();
});

/** The mails of an mbox: header block and body, split at the `From ` lines widen writes. */
function mails(mbox: string): Array<{ headers: string; body: string }> {
  return mbox
    .split(/^From widen Mon Sep 17 00:00:00 2001\n/m)
    .slice(1)
    .map((m) => {
      const cut = m.indexOf('\n\n');
      return { headers: m.slice(0, cut), body: m.slice(cut + 2) };
    });
}

/** Lines of prose: not quoted, not the widened excerpt (indented code), not a bare link. */
function proseLines(body: string): string[] {
  return body.split('\n').filter((l) => !l.startsWith('>') && !l.startsWith('  ') && !/^https:\/\/\S+$/.test(l));
}

/**
 * The lines of a reply past {@link WRAP} columns that are not quoted patch lines, code lines of an
 * excerpt (number, mark, code, and nothing after it) or a link alone on its line.
 */
function overlong(text: string): string[] {
  return text.split('\n').filter((l) => l.length > WRAP && !l.startsWith('> ') && !/^ {2} *\d+ [ +|] (?!.*<- )/.test(l) && !/^https:\/\/\S+$/.test(l));
}

test('the seed review as --format email', () => {
  const out = renderEmail(seed, patches);
  expect([out.replies, out.missing]).toEqual([1, []]);
  expectGolden(join(goldenDir, 'seed-review.mbox'), out.text);
});

test('the scan findings as --format email: no patch to answer, so a body with each finding', async () => {
  const out = renderEmail(await scanFixturesReport(), []);
  expect(out.replies).toBe(1);
  expect(out.missing).toEqual(["a patch widen could not identify came without mail headers, so its reply has no Subject, In-Reply-To, References, To or Cc: paste it into your mail client's reply to the patch."]);
  expectGolden(join(goldenDir, 'scan-fixtures.eml'), out.text);
});

test('docs/cli.md shows exactly the reply widen writes to the seed patch (its error only)', () => {
  const { text } = renderEmail({ ...seed, findings: seed.findings.filter((f) => f.rule === 'tlb-vma-bracket-vma-reassigned') }, patches);
  expectGoldenSection(join(root, 'docs', 'cli.md'), 'email-example', `\n\`\`\`\n${text}\`\`\`\n\n`);
});

describe('the reply to the seed patch', () => {
  let headers: string;
  let body: string;
  beforeAll(() => {
    [{ headers, body }] = mails(renderEmail(seed, patches).text) as [{ headers: string; body: string }];
  });

  test('threads under the patch mail and answers its sender; no From: of its own', () => {
    const id = '<08df153d25b77b2d62121e1ee5fbb79b5f070854.1795628891.git.contributor@example.org>';
    expect(headers.split('\n')).toEqual([
      'Subject: Re: [PATCH] mm: use correct VMA flags when freeing page-tables',
      `In-Reply-To: ${id}`,
      `References: ${id}`,
      'To: Example Contributor <contributor@example.org>',
    ]);
  });

  test('attribution, the commit message cut, the diff quoted with each finding under its line', () => {
    const lines = body.split('\n');
    expect(lines.slice(0, 7)).toEqual([
      'On Wed, 25 Nov 2026 17:48:11 +0000, Example Contributor wrote:',
      '[...]',
      '> diff --git a/mm/memory.c b/mm/memory.c',
      '> --- a/mm/memory.c',
      '> +++ b/mm/memory.c',
      '> @@ -28,6 +28,8 @@ void free_pgtables(struct mmu_gather *tlb, struct vm_area_struct *vma,',
      '>  \t\tunlink_anon_vmas(vma);',
    ]);
    const start = lines.indexOf('> +\t\ttlb_start_vma(tlb, vma);');
    expect(lines.slice(start + 1, start + 4)).toEqual(['', 'error: `vma` changes between `tlb_start_vma()` and `tlb_end_vma()`', '[tlb-vma-bracket-vma-reassigned]']);
    // Both findings start at line 31; the second hunk (the end of the bracket) is quoted after them.
    expect(lines.indexOf('note: this `tlb_start_vma()` bracket encloses only page-table freeing')).toBeGreaterThan(start);
    expect(lines.indexOf('> +\t\ttlb_end_vma(tlb, vma);')).toBeGreaterThan(lines.indexOf('See https://github.com/widen-review/widen/blob/main/docs/rules/tlb-vma-bracket-misuse.md'));
    expect(lines[lines.length - 2]).toBe('>  }');
  });

  test('the lines the diff does not carry are marked as read from the tree', () => {
    expect(body).toContain('free_pgtables() in mm/memory.c after this patch, with the lines the diff\ndoes not show ("|") read from the tree:');
    expect(body).toContain(`\n  42 |${' '.repeat(33)}vma = next;\n${' '.repeat(39)}^ \`vma\` reassigned here\n`);
    expect(body).toMatch(/^ {2}31 \+ {17}tlb_start_vma\(tlb, vma\);$/m);
    expect(body).toMatch(/^ {2}34 {3}\s+hugetlb_free_pgd_range/m);
  });

  test('prose is wrapped at 72 columns, and there is no Markdown', () => {
    const prose = proseLines(body);
    expect(prose.filter((l) => l.length > WRAP)).toEqual([]);
    expect(overlong(body)).toEqual([]);
    expect(prose.join('\n')).toContain('Fix: Bracket each VMA separately (end the bracket before `vma` moves\non), or keep `vma` fixed between the two calls.');
    expect(body).not.toMatch(/\*\*|```|^#/m);
  });
});

describe('a series from git format-patch --cover-letter --thread', () => {
  let repo: ScratchRepo;
  let mbox: string;
  let series: Patch[];
  let report: Report;
  beforeAll(async () => {
    repo = new ScratchRepo();
    repo.commit({ 'mm/memory.c': readFileSync(join(seedDir, 'tree', 'mm', 'memory.c'), 'utf8') }, 'base');
    repo.commit({ 'mm/util.c': 'int util_one(int a)\n{\n\treturn a + 1;\n}\n' }, 'mm: add util_one()');
    repo.git('apply', join(seedDir, 'seed.patch'));
    repo.git('commit', '-qam', 'mm: use correct VMA flags when freeing page-tables');
    repo.commit({ 'mm/util.c': 'int util_one(int a)\n{\n\treturn a + 2;\n}\n' }, 'mm: util_one() adds two');
    mbox = repo.git('format-patch', '--cover-letter', '--thread', '-3', '--stdout', '--to=linux-mm@kvack.org', '--cc=Reviewer <reviewer@example.org>', '--cc="Doe, Jane" <jane@example.org>');
    series = await readPatches(mbox, 'series.mbox');
    report = await review({ patches: series, tree: new DirectorySource(repo.snapshot(3)), rules: RULES });
  });
  afterAll(() => repo.remove());

  test('only the patch with findings is answered, threaded under it and the cover letter', () => {
    expect(new Set(report.findings.map((f) => f.patch!.index))).toEqual(new Set([2]));
    const out = renderEmail(report, series);
    expect(out.replies).toBe(1);
    const [reply] = mails(out.text);
    const ids = [...mbox.matchAll(/^Message-ID: (<[^>]+>)$/gim)].map((m) => m[1]!);
    expect(ids).toHaveLength(4);
    const [cover, , second] = ids;
    const header = (name: string): string | undefined => new RegExp(`^${name}: (.*(?:\\n .*)*)`, 'm').exec(reply!.headers)?.[1]?.replace(/\n /g, ' ');
    expect(header('Subject')).toBe('Re: [PATCH 2/3] mm: use correct VMA flags when freeing page-tables');
    expect(header('In-Reply-To')).toBe(second);
    expect(header('References')).toBe(`${cover} ${second}`);
    expect(header('To')).toBe('Test Author <author@example.org>');
    expect(header('Cc')).toBe('linux-mm@kvack.org, Reviewer <reviewer@example.org>, "Doe, Jane" <jane@example.org>');
    expect(reply!.body).toMatch(/^On .*, Test Author wrote:\n/);
    expect(reply!.body).not.toContain('util.c');
  });

  test('findings in two patches: two replies in one mbox, in series order', () => {
    const moved = report.findings.map((f, i) => (i === 0 ? { ...f, patch: { ...f.patch!, index: 3 } } : f));
    const out = renderEmail({ ...report, findings: moved }, series);
    const replies = mails(out.text);
    expect(replies.map((r) => /^Subject: (.*)$/m.exec(r.headers)![1])).toEqual(['Re: [PATCH 2/3] mm: use correct VMA flags when freeing page-tables', 'Re: [PATCH 3/3] mm: util_one() adds two']);
    expect(out.text.match(/^From widen /gm)).toHaveLength(2);
  });

  test('no findings: no reply at all', () => {
    expect(renderEmail({ ...report, findings: [] }, series)).toEqual({ text: '', replies: 0, missing: [] });
  });
});

test('a plain diff: the reply body alone, and a word on what it lacks', async () => {
  const diff = readFileSync(join(seedDir, 'seed.patch'), 'utf8').replace(/^[\s\S]*?(?=^diff --git)/m, '');
  const plain = await readPatches(diff, 'fix.diff');
  const report = await review({ patches: plain, tree: new DirectorySource(join(seedDir, 'tree')), rules: RULES });
  const out = renderEmail(report, plain);
  expect(out.missing).toEqual(["the patch in fix.diff came without mail headers, so its reply has no Subject, In-Reply-To, References, To or Cc: paste it into your mail client's reply to the patch."]);
  expect(out.text.split('\n').slice(0, 2)).toEqual(['> diff --git a/mm/memory.c b/mm/memory.c', '> --- a/mm/memory.c']);
  expect(out.text).not.toMatch(/^(From |Subject:|In-Reply-To:)/m);
});

test('a diff -u patch is quoted as written: its own ---/+++ lines, no diff --git line it does not have (sweep R)', async () => {
  const git = readFileSync(join(seedDir, 'seed.patch'), 'utf8').replace(/^[\s\S]*?(?=^diff --git)/m, '');
  const diff = git.replace(/^diff --git .*\n(?:index .*\n)?/m, '').replace('--- a/mm/memory.c', '--- linux.orig/mm/memory.c\t2024-03-05 10:00:00').replace('+++ b/mm/memory.c', '+++ linux/mm/memory.c\t2024-03-05 10:01:00');
  const plain = await readPatches(diff, 'fix.diff');
  const report = await review({ patches: plain, tree: new DirectorySource(join(seedDir, 'tree')), rules: RULES });
  const out = renderEmail(report, plain);
  expect(out.text.split('\n').slice(0, 2)).toEqual(['> --- linux.orig/mm/memory.c\t2024-03-05 10:00:00', '> +++ linux/mm/memory.c\t2024-03-05 10:01:00']);
});

describe('a mail without a Message-ID: the reply says what is missing instead of inventing it', () => {
  const noMessageId =
    'The mail of patch 1 ("mm: use correct VMA flags when freeing page-tables") has no Message-ID, so its reply has no ' +
    'In-Reply-To or References and will not thread under it: give widen the patch as the list delivered it (saved ' +
    'from your mail client, or fetched with `b4 am <message-id>`), or set both headers to the Message-ID it was ' +
    'posted with before sending.';

  test('git format-patch without --thread writes none', async () => {
    const repo = new ScratchRepo();
    let tree: string | null = null;
    try {
      repo.commit({ 'mm/memory.c': readFileSync(join(seedDir, 'tree', 'mm', 'memory.c'), 'utf8') }, 'base');
      repo.git('apply', join(seedDir, 'seed.patch'));
      repo.git('commit', '-qam', 'mm: use correct VMA flags when freeing page-tables');
      const mail = await readPatches(repo.git('format-patch', '-1', '--stdout'), '0001.patch');
      expect(mail[0]!.messageId).toBeNull();
      tree = repo.snapshot(1);
      const report = await review({ patches: mail, tree: new DirectorySource(tree), rules: RULES });
      const out = renderEmail(report, mail);
      expect(out.missing).toEqual([noMessageId]);
      expect(out.text).not.toMatch(/^(In-Reply-To|References):/m);
    } finally {
      repo.remove();
      if (tree) rmSync(tree, { recursive: true, force: true });
    }
  });

  test('with no Subject either, both are named', () => {
    const bare: Patch = { ...patches[0]!, messageId: null, rawSubject: null, headers: { ...patches[0]!.headers } };
    delete bare.headers['message-id'];
    const out = renderEmail(seed, [bare]);
    expect(out.missing).toEqual([`${noMessageId} It has no Subject either; fill it in too.`]);
    expect(out.text).not.toMatch(/^(In-Reply-To|References|Subject):/m);
  });
});

test('References: the parent\'s References, or its one In-Reply-To, then its Message-ID', () => {
  const references = (headers: Record<string, string>): string => {
    const patch: Patch = { ...patches[0]!, messageId: '<p@x>', headers: { ...headers, from: 'A <a@x>', 'message-id': '<p@x>' } };
    return /^References: (.*)$/m.exec(renderEmail(seed, [patch]).text)![1]!;
  };
  expect(references({ references: '<a@x> <b@x>', 'in-reply-to': '<b@x>' })).toBe('<a@x> <b@x> <p@x>');
  expect(references({ 'in-reply-to': '<b@x>' })).toBe('<b@x> <p@x>');
  expect(references({ 'in-reply-to': '<b@x> <c@x>' })).toBe('<p@x>');
  expect(references({})).toBe('<p@x>');
});

test('a commit (--git): a Subject and To made from it, and the rest said', () => {
  const commit = { sha: 'a'.repeat(40), author: { name: 'Test Author', email: 'author@example.org' }, date: '2026-12-01T10:00:00Z', subject: 'mm: use correct VMA flags when freeing page-tables', body: '', trailers: [] };
  const patch: Patch = { ...patches[0]!, index: 2, total: 3, messageId: null, rawSubject: null, from: 'Test Author <author@example.org>', headers: {}, commit };
  const out = renderEmail(seed, [{ ...patch, index: 1 }]);
  const [head] = out.text.split('\n\n');
  expect(head!.split('\n')).toEqual(['From widen Mon Sep 17 00:00:00 2001', 'Subject: Re: [PATCH 1/3] mm: use correct VMA flags when freeing page-tables', 'To: Test Author <author@example.org>']);
  expect(out.missing).toEqual([
    'patch 1 ("mm: use correct VMA flags when freeing page-tables") is commit aaaaaaaaaaaa, not a mail: its reply has a Subject and To made from the commit, but no In-Reply-To, References or Cc. ' +
      'To answer the patch on its list, review the mail it was posted as (`b4 am <message-id>`), or reply from your mail client.',
  ]);
});

describe('what several replies lack for one reason is said once (sweep R: nine paragraphs for --git)', () => {
  const onPatches = (indexes: number[]): typeof seed => ({
    ...seed,
    findings: indexes.flatMap((index) => seed.findings.map((f) => ({ ...f, patch: { ...f.patch!, index, total: 3 } }))),
  });

  test('every commit of a series: one sentence for the whole series', () => {
    const commit = { sha: 'b'.repeat(40), author: { name: 'Test Author', email: 'author@example.org' }, date: '2026-12-01T10:00:00Z', subject: 'mm: one', body: '', trailers: [] };
    const series: Patch[] = [1, 2, 3].map((index) => ({ ...patches[0]!, index, total: 3, messageId: null, rawSubject: null, from: 'Test Author <author@example.org>', headers: {}, commit }));
    const out = renderEmail(onPatches([1, 2, 3]), series);
    expect([out.replies, out.missing]).toEqual([
      3,
      [
        'The 3 patches are commits, not mails: their replies have a Subject and To made from each commit, but no In-Reply-To, References or Cc. ' +
          'To answer the series on its list, review the mails it was posted as (`b4 am <message-id>`), or reply from your mail client.',
      ],
    ]);
  });

  test('plain diffs of a series: that they came without headers said once (sweep AH)', () => {
    const diffs: Patch[] = [1, 2].map((index) => ({ ...patches[0]!, index, total: 2, messageId: null, rawSubject: null, from: null, headers: {} }));
    const out = renderEmail(onPatches([1, 2]), diffs);
    expect([out.replies, out.missing]).toEqual([
      2,
      ["The 2 patches came without mail headers, so their replies have no Subject, In-Reply-To, References, To or Cc: paste each into your mail client's reply to its patch."],
    ]);
  });

  test('mails without a Message-ID: the ones lacking it named together, a reply that lacks more said on its own', () => {
    const mail = (index: number, extra: Partial<Patch> = {}): Patch => ({ ...patches[0]!, index, total: 3, messageId: null, ...extra });
    const out = renderEmail(onPatches([1, 2, 3]), [mail(1), mail(2, { messageId: '<two@x>' }), mail(3)]);
    expect(out.missing).toEqual([
      'The mails of patches 1 and 3 have no Message-ID, so their replies have no In-Reply-To or References and will not thread under them: ' +
        'give widen the patches as the list delivered them (saved from your mail client, or fetched with `b4 am <message-id>`), ' +
        'or set both headers of each reply to the Message-ID its patch was posted with before sending.',
    ]);
    const lone = renderEmail(onPatches([1, 3]), [mail(1), mail(2), mail(3, { rawSubject: null })]);
    expect(lone.missing).toHaveLength(2);
    expect(lone.missing[1]).toMatch(/^The mail of patch 3 .* has no Message-ID, .* It has no Subject either; fill it in too\.$/);
  });
});

test('a commit\'s ISO date is written as a mail writes its Date, in the author\'s zone (sweep J)', () => {
  const patch: Patch = { ...patches[0]!, date: '2026-12-06T09:18:28+01:00' };
  expect(renderEmail(seed, [patch]).text).toContain(`On Sun, 6 Dec 2026 09:18:28 +0100, ${'Example Contributor'} wrote:`);
  expect(mailDate('2026-02-28T23:59:59Z')).toBe('Sat, 28 Feb 2026 23:59:59 +0000');
  expect(mailDate('2026-07-01T00:00:00.123-04:30')).toBe('Wed, 1 Jul 2026 00:00:00 -0430');
  // A mail's own header, or anything else, is left as it was.
  expect(mailDate('Wed, 25 Nov 2026 17:48:11 +0000')).toBe('Wed, 25 Nov 2026 17:48:11 +0000');
  expect(mailDate('2026-13-01T00:00:00Z')).toBe('2026-13-01T00:00:00Z');
});

test('every header line fits in 998 characters: a word too long for one is encoded, or left out and said', () => {
  const longId = `<${'x'.repeat(2000)}@example.org>`;
  const longAddress = `${'y'.repeat(1200)}@example.org`;
  const patch: Patch = {
    ...patches[0]!,
    messageId: longId,
    rawSubject: `[PATCH] mm: ${'z'.repeat(1500)}`,
    headers: { from: 'A <a@x>', to: `B <b@x>, ${longAddress}`, 'message-id': longId },
  };
  const out = renderEmail(seed, [patch]);
  expect(out.text.split('\n').filter((l) => l.length > 998)).toEqual([]);
  expect(out.text).not.toMatch(/^(In-Reply-To|References):/m);
  expect(/^Cc: (.*)$/m.exec(out.text)?.[1]).toBe('B <b@x>');
  // The subject's long word comes back whole from its encoded pieces.
  const subject = /^Subject: (.*(?:\n .*)*)/m.exec(out.text)![1]!;
  expect(decodeWords(subject.replace(/\n /g, ' '))).toBe(`Re: [PATCH] mm: ${'z'.repeat(1500)}`);
  expect(out.missing).toEqual([
    'The Message-ID of patch 1 ("mm: use correct VMA flags when freeing page-tables") is 2014 characters long, more than a mail header line may hold, so its reply has no In-Reply-To or References and will not thread under it: set both headers by hand if your mail client can send them. ' +
      'One recipient of patch 1 ("mm: use correct VMA flags when freeing page-tables") has an address longer than a mail header line may hold, and is left out of the reply\'s To and Cc.',
  ]);
});

test('a finding on a line outside the hunks goes after the quoted patch, saying where, not under the last quoted line', async () => {
  // The patch makes grab_large_folio() drop the lock; the caller's call at line 49, far below the
  // hunk, is where mmap-lock-balance reports it.
  const dir = join(root, 'test', 'fixtures', 'mail', 'outside-hunk');
  const plain = await readPatches(readFileSync(join(dir, 'fix.diff')), 'fix.diff');
  // The callee contract's finding in the hunk (line 12), and the lock balance's at the call
  // (49), which no hunk shows. With both rules, widen shows the defect at 49 once, as the
  // contract's (its evidence is the helper's added unlock), so each rule is run on its own here.
  const reviewWith = (id: string) => review({ patches: plain, tree: new DirectorySource(join(dir, 'tree')), rules: RULES.filter((r) => r.id === id) });
  const contract = await reviewWith('mmap-lock-callee-contract');
  const balance = await reviewWith('mmap-lock-balance');
  const report = { ...contract, findings: [...contract.findings.filter((f) => f.line === 12), ...balance.findings] };
  expect(report.findings.map((f) => `${f.rule}:${f.line}:${f.placement?.kind}`)).toEqual(['mmap-lock-callee-contract:12:added-line', 'mmap-lock-balance:49:outside-diff']);
  const { text } = renderEmail(report, plain);
  const lines = text.split('\n');
  const last = lines.indexOf('>  \t\t*foliop = NULL;');
  expect(lines.slice(last + 1).filter((l) => l.startsWith('>'))).toEqual([]);
  expect(lines.slice(last, last + 6)).toEqual([
    '>  \t\t*foliop = NULL;',
    '',
    'Outside the diff, at mm/collapse.c:49 in collapse_range():',
    '',
    "error: `grab_large_folio()` can run when `mm`'s mmap lock is not held",
    '[mmap-lock-balance]',
  ]);
  // The finding's own line is labelled too (a reply has no '>' column for it): the labels no
  // longer fit beside the code, so all of them go below their lines.
  expect(text).toContain(['  47 |         mmap_read_unlock(mm);', '               ^ the lock is released here', '  48 |', '  49 |         ret = grab_large_folio(&folio, mm, node);', '               ^ reported here', ''].join('\n'));
});

test('a patch that only deletes a line: the reply quotes the deletion, with the finding it causes under it (sweep AJ)', async () => {
  const filler = Array.from({ length: 12 }, (_, i) => `\tzap_step(tlb, vma, ${i});`);
  const base = ['static void zap_range(struct mmu_gather *tlb, struct vm_area_struct *vma)', '{', '\ttlb_start_vma(tlb, vma);', ...filler, '\ttlb_end_vma(tlb, vma);', '}', ''].join('\n');
  const repo = new ScratchRepo();
  try {
    repo.commit({ 'mm/zap.c': base }, 'mm: base');
    repo.commit({ 'mm/zap.c': base.replace('\ttlb_start_vma(tlb, vma);\n', '') }, 'mm: zap without the bracket start');
    const patches = await readPatches(repo.formatPatch(1), 'zap.patch');
    const report = await review({ patches, tree: new DirectorySource(repo.snapshot(1)), rules: RULES.filter((r) => r.id === 'tlb-vma-bracket-balance') });
    // The end, 12 lines below the deletion, is where the rule reports; no hunk line shows it.
    expect(report.findings.map((f) => [f.messageId, f.line, f.placement?.kind])).toEqual([['endWithoutStart', 15, 'outside-diff']]);
    expect(report.findings[0]!.explanation).toContain('This patch deletes `tlb_start_vma(tlb, vma);` from `zap_range()`.');
    const lines = renderEmail(report, patches).text.split('\n');
    const deleted = lines.indexOf('> -\ttlb_start_vma(tlb, vma);');
    expect(deleted).toBeGreaterThan(0);
    expect(lines.slice(deleted, deleted + 4)).toEqual(['> -\ttlb_start_vma(tlb, vma);', '>  \tzap_step(tlb, vma, 0);', '', 'error: `tlb_end_vma()` can run on `tlb` without a `tlb_start_vma()`']);
    expect(lines.some((l) => l.startsWith('Outside the diff'))).toBe(false);
  } finally {
    repo.remove();
  }
});

describe('cutting long hunks', () => {
  test('a 120-line hunk is quoted around the finding only, with [...] where lines were cut', () => {
    const body = Array.from({ length: 120 }, (_, i) => `\tline_${i + 1}();`);
    body[59] = '\ttlb_start_vma(tlb, vma);';
    const patch: Patch = {
      ...patches[0]!,
      files: [{ oldPath: 'mm/long.c', newPath: 'mm/long.c', status: 'modified', binary: false, hunks: [{ index: 1, oldStart: 1, oldLines: 119, newStart: 1, newLines: 120, section: 'void long_fn(void)', lines: body.map((text, i) => ({ kind: i === 59 ? '+' : ' ', text })) }] }],
    };
    const finding: Finding = { ...seed.findings[0]!, path: 'mm/long.c', line: 60, endLine: 60, related: [], excerpt: undefined, placement: { kind: 'added-line', line: 60 } };
    const [reply] = mails(renderEmail({ ...seed, findings: [finding] }, [patch]).text);
    const quoted = reply!.body.split('\n').filter((l) => l.startsWith('>') || l === '[...]');
    expect(quoted.slice(4)).toEqual(['> @@ -1,119 +1,120 @@ void long_fn(void)', '[...]', '>  \tline_57();', '>  \tline_58();', '>  \tline_59();', '> +\ttlb_start_vma(tlb, vma);', '>  \tline_61();', '>  \tline_62();', '>  \tline_63();', '[...]']);
  });
});

describe('mail headers', () => {
  test('address lists split at the commas between addresses only', () => {
    expect(splitAddresses('"Doe, Jane" <jane@example.org>, bob@example.org (Bob, Jr.), <x@y.z>')).toEqual(['"Doe, Jane" <jane@example.org>', 'bob@example.org (Bob, Jr.)', '<x@y.z>']);
  });

  test('a comma the patch reader decoded out of an RFC 2047 name does not split the mailbox', () => {
    expect(splitAddresses('Müller, Hans <h@example.org>, Doe, John <j@example.org>, a@example.org')).toEqual(['Müller, Hans <h@example.org>', 'Doe, John <j@example.org>', 'a@example.org']);
    expect(encodeMailbox('Doe, John <j@example.org>')).toBe('"Doe, John" <j@example.org>');
    expect(encodeMailbox('"Doe, \\"JJ\\" John" <j@example.org>')).toBe('"Doe, \\"JJ\\" John" <j@example.org>');
    expect(encodeMailbox('J. Doe <j@example.org>')).toBe('"J. Doe" <j@example.org>');
  });

  test('non-ASCII names and subjects become RFC 2047 encoded-words; addresses stay as they are', () => {
    expect(encodeMailbox('Jörg Rödel <joro@example.org>')).toBe('=?UTF-8?B?SsO2cmcgUsO2ZGVs?= <joro@example.org>');
    expect(encodeMailbox('Plain Name <p@example.org>')).toBe('Plain Name <p@example.org>');
    expect(Buffer.from(encodeWords('Re: [PATCH] mm: fix ü'.repeat(4)).split(' ').map((w) => w.slice(10, -2)).join(''), 'base64').toString('utf8')).toBe('Re: [PATCH] mm: fix ü'.repeat(4));
    for (const word of encodeWords('ü'.repeat(100)).split(' ')) expect(word.length).toBeLessThanOrEqual(75);
  });

  test('a mailbox too long for a mail line is left as it is; the address is found in linear time', () => {
    const runaway = '<'.repeat(250_000);
    expect(encodeMailbox(runaway)).toBe(runaway);
    expect(addressOf(runaway)).toBe(runaway);
    // addressOf reads what /<([^>]*)>/ would: the first `<` to the next `>`.
    for (const m of ['Jane <JANE@example.org>', 'a <b <c> d>', 'no angle', '<open', 'x > y <z>']) {
      const angle = /<([^>]*)>/.exec(m);
      expect(addressOf(m)).toBe((angle ? angle[1]! : m).trim().toLowerCase());
    }
  });

  test('long fields fold before a space, within 78 columns', () => {
    const ids = Array.from({ length: 4 }, (_, i) => `<${'x'.repeat(20)}.${i}@example.org>`).join(' ');
    const folded = headerField('References', ids);
    expect(folded.split('\n').every((l) => l.length <= 78)).toBe(true);
    expect(folded.replace(/\n /g, ' ')).toBe(`References: ${ids}`);
  });

  test('a long Subject is folded before a space, within 78 columns, and reads back whole', () => {
    const subject = '[PATCH v3 12/17] mm/mempolicy: take the VMA write lock before vma_modify_policy() hands the VMA back';
    const [reply] = mails(renderEmail(seed, [{ ...patches[0]!, rawSubject: subject }]).text);
    const field = /^Subject: .*(?:\n .*)*/m.exec(reply!.headers)![0];
    expect(field.split('\n')).toEqual(['Subject: Re: [PATCH v3 12/17] mm/mempolicy: take the VMA write lock before', ' vma_modify_policy() hands the VMA back']);
  });

  test('a body line starting with "From " is escaped so the mbox does not split there', () => {
    const f: Finding = { ...seed.findings[0]!, explanation: 'From here on the VMA differs.' };
    const text = renderEmail({ ...seed, findings: [f] }, patches).text;
    expect(text).toContain('\n>From here on the VMA differs.\n');
    expect(text.match(/^From /gm)).toHaveLength(1);
  });
});

describe('labels on the widened context', () => {
  const excerptLine = (line: number, text: string, note: string | null = null): ExcerptLine => ({ line, text, added: false, role: note ? 'related' : null, note });
  const withExcerpt = (lines: ExcerptLine[]): string => {
    const finding: Finding = { ...seed.findings[0]!, path: 'mm/mempolicy.c', line: 98, endLine: 98, related: [], placement: { kind: 'outside-diff', line: 98 }, excerpt: { path: 'mm/mempolicy.c', function: 'mbind_range', lines } };
    return renderEmail({ ...seed, findings: [finding] }, []).text;
  };

  test('a label that would run past 72 columns goes below its line, wrapped, under the code it labels', () => {
    const text = withExcerpt([
      excerptLine(97, '\tprev = vma_prev(vmi);'),
      excerptLine(98, '\tvma = vma_modify_policy(vmi, prev, vma, vmstart, vmend, new_pol);', '`vma_modify_policy()` hands back the VMA it was given, still unlocked, when it needs neither a split nor a merge'),
      excerptLine(99, '\tif (IS_ERR(vma))', 'checks for an error only'),
    ]);
    expect(text).toContain(
      [
        '  97           prev = vma_prev(vmi);',
        '  98           vma = vma_modify_policy(vmi, prev, vma, vmstart, vmend, new_pol);',
        '               ^ `vma_modify_policy()` hands back the VMA it was given,',
        '                 still unlocked, when it needs neither a split nor a',
        '                 merge',
        '  99           if (IS_ERR(vma))',
        '               ^ checks for an error only',
        '',
      ].join('\n'),
    );
    expect(overlong(text)).toEqual([]);
  });

  test('labels that fit stay beside their lines, in one column', () => {
    const text = withExcerpt([excerptLine(97, '\tprev = vma_prev(vmi);', 'the neighbour'), excerptLine(98, '\tvma = next;', 'reassigned')]);
    expect(text).toContain(['  97           prev = vma_prev(vmi);  <- the neighbour', '  98           vma = next;            <- reassigned', ''].join('\n'));
  });

  test('code indented too deep for the label moves the label left, to the start of the code', () => {
    const text = withExcerpt([excerptLine(98, `${'\t'.repeat(6)}vma = next;`, 'the loop moves `vma` on to the VMA after it, so the bracket ends on another VMA')]);
    expect(text).toContain(
      [
        `  98   ${' '.repeat(48)}vma = next;`,
        '       ^ the loop moves `vma` on to the VMA after it, so the bracket',
        '         ends on another VMA',
        '',
      ].join('\n'),
    );
  });

  test('a run of another function\'s lines is named above it (sweep AJ: a callee quoted under the caller\'s name)', () => {
    const text = withExcerpt([
      { ...excerptLine(12, '\tif (!vma->vm_file)', 'reads `vm_file`'), function: 'can_scan' },
      { ...excerptLine(97, '\tprev = vma_prev(vmi);'), function: 'mbind_range' },
    ]);
    expect(text).toContain(['  In can_scan():', '  12           if (!vma->vm_file)  <- reads `vm_file`', '  In mbind_range():', '  97           prev = vma_prev(vmi);', ''].join('\n'));
  });

  test('the rule\'s link, too long for a line, stands on a line of its own', () => {
    const text = withExcerpt([excerptLine(98, '\tvma = next;')]);
    expect(text).toContain(`\nSee the rule's documentation:\nhttps://github.com/widen-review/widen/blob/main/docs/rules/${seed.findings[0]!.rule}.md\n`);
  });

  test('the scan findings reply has no line past 72 columns but code and links', async () => {
    expect(overlong(renderEmail(await scanFixturesReport(), []).text)).toEqual([]);
  });
});

test('the attribution names the sender without the address that would take it past 72 columns', async () => {
  const [reply] = mails(renderEmail(seed, [{ ...patches[0]!, from: '"Doe, Jane" <jane.doe.with.a.long.address@subsystem.example.org>' }]).text);
  expect(reply!.body.split('\n')[0]).toBe('On Wed, 25 Nov 2026 17:48:11 +0000, Doe, Jane wrote:');
  expect(displayName('jane@example.org (Jane Doe)')).toBe('Jane Doe');
  expect(displayName('<jane@example.org>')).toBe('jane@example.org');
  // A backslash quotes only inside quotes: an escaped control character keeps its backslash.
  expect(displayName('"Doe\\\\x1b" <j@x>')).toBe('Doe\\x1b');
  expect(displayName('Doe \\x1b[31m <j@x>')).toBe('Doe \\x1b[31m');
});

test('wrap(): at 72 columns, a long word left whole, continuation indents', () => {
  // 14 words fill 69 columns; a 15th would make 74.
  expect(wrap(`${'word '.repeat(20)}end`)).toEqual([`${'word '.repeat(13)}word`, `${'word '.repeat(6)}end`]);
  expect(wrap(`see https://example.org/${'x'.repeat(80)} now`)).toEqual(['see', `https://example.org/${'x'.repeat(80)}`, 'now']);
  expect(wrap('a: b c', '  ', '    ')).toEqual(['  a: b c']);
});

test('wrap(): a code span that fits on a line is never broken, a longer one is (sweep M: a command cut in two)', () => {
  const command = "`git log -1 --abbrev=12 --format='Fixes: %h (\"%s\")' <commit>`";
  const lines = wrap(`Fix: name the commit the way git prints it, with ${command}, and paste the line.`);
  expect(lines).toEqual(['Fix: name the commit the way git prints it, with', `${command}, and paste`, 'the line.']);
  expect(lines.every((l) => l.length <= 72)).toBe(true);
  // Longer than a line: broken at its spaces like prose. A lone backtick is a character.
  const long = `\`${'ab '.repeat(30)}end\``;
  expect(wrap(long).length).toBeGreaterThan(1);
  expect(wrap('a lone ` backtick and `a b` here')).toEqual(['a lone ` backtick and `a b` here']);
});
