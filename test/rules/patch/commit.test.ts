/**
 * What patch rules read, and when they have nothing to read: the commit message of a mail (the
 * in-body From: honoured), of a `git log -p` commit, never of a plain diff or a cover letter;
 * trailer blocks as `git interpret-trailers` finds them; identities as mails write them.
 */
import { readPatches } from '../../../src/patch/index.js';
import { commitOf, parseIdentity, splitTrailers } from '../../../src/rules/patch/commit.js';
import { runPatchRules } from '../../../src/rules/patch/define-patch-rule.js';
import { PATCH_RULES } from '../../../src/rules/patch/index.js';

const DIFF = `diff --git a/mm/mmap.c b/mm/mmap.c
--- a/mm/mmap.c
+++ b/mm/mmap.c
@@ -1,2 +1,3 @@
 int a;
+int b;
 int c;
`;

/** A mail with `headers`, then `body`, then the diff. */
function mail(headers: string, body: string): string {
  return `${headers}\n\n${body}\n---\n${DIFF}`;
}

test('a plain diff carries no commit message: no patch rule judges it, however bare', async () => {
  const [patch] = await readPatches(DIFF, 'plain.diff');
  expect(commitOf(patch!)).toBeNull();
  expect(runPatchRules(patch!, PATCH_RULES)).toEqual([]);
});

test('a mail: the author, the subject after the bracket, the body and the trailers', async () => {
  const [patch] = await readPatches(
    mail('From: Jane Doe <jane@example.org>\nSubject: [PATCH v2 3/7] mm/mmap: check the gap', 'The gap can be short.\n\nFixes: 1a2b3c4d5e6f ("mm: x")\nSigned-off-by: Jane Doe <jane@example.org>'),
    'one.patch',
  );
  const commit = commitOf(patch!)!;
  expect(commit.author).toEqual({ name: 'Jane Doe', email: 'jane@example.org', text: 'Jane Doe <jane@example.org>' });
  expect(commit.subject).toBe('mm/mmap: check the gap');
  expect(commit.body).toBe('The gap can be short.');
  expect(commit.trailers.map((t) => [t.key, t.value])).toEqual([
    ['Fixes', '1a2b3c4d5e6f ("mm: x")'],
    ['Signed-off-by', 'Jane Doe <jane@example.org>'],
  ]);
  expect(commit.paths).toEqual(['mm/mmap.c']);
  expect(runPatchRules(patch!, PATCH_RULES)).toEqual([]);
});

test("an in-body From: is the author, as git am takes it: the sender's own sign-off does not count for the author", async () => {
  const [patch] = await readPatches(
    mail('From: John Roe <john@example.org>\nSubject: [PATCH] mm/mmap: check the gap', 'From: Jane Doe <jane@example.org>\n\nThe gap can be short.\n\nSigned-off-by: John Roe <john@example.org>'),
    'sent.patch',
  );
  expect(commitOf(patch!)!.author.text).toBe('Jane Doe <jane@example.org>');
  const findings = runPatchRules(patch!, PATCH_RULES);
  expect(findings.map((f) => [f.rule, f.messageId, f.message])).toEqual([
    ['patch-signoff-author', 'notByAuthor', 'no `Signed-off-by:` from the author `Jane Doe <jane@example.org>`'],
  ]);
  expect(findings[0]!.explanation).toBe(
    'The patch is signed off by `John Roe <john@example.org>`, but not by its author `Jane Doe <jane@example.org>` (the From: that `git am` records). The first sign-off certifies the author\'s own work; others only certify passing it on.',
  );
});

test('a series with a cover letter: the cover letter gets no notes, each patch its own, named by index', async () => {
  // Even one that carries a diff (a range-diff pasted whole): 0/n is never a patch of the series.
  const cover = `From 0 Mon Sep 17 00:00:00 2001\n${mail('From: Jane Doe <jane@example.org>\nSubject: [PATCH 0/2] Gaps', 'No sign-off, no prefix: a cover letter needs neither.')}`;
  const one = `From 1 Mon Sep 17 00:00:00 2001\n${mail('From: Jane Doe <jane@example.org>\nSubject: [PATCH 1/2] mm/mmap: check the gap', 'Body.\n\nSigned-off-by: Jane Doe <jane@example.org>')}`;
  const two = `From 2 Mon Sep 17 00:00:00 2001\n${mail('From: Jane Doe <jane@example.org>\nSubject: [PATCH 2/2] Check the gap again', 'Body.\n\nSigned-off-by: Jane Doe <jane@example.org>')}`;
  const patches = await readPatches(`${cover}\n${one}\n${two}`, 'series.mbox');
  const findings = patches.flatMap((p) => runPatchRules(p, PATCH_RULES));
  // The note's line is the second patch's `From ` line in the mbox.
  const fromLine = `${cover}\n${one}\n${two}`.split('\n').indexOf('From 2 Mon Sep 17 00:00:00 2001') + 1;
  expect(fromLine).toBe(31);
  expect(findings.map((f) => [f.patch, f.rule, f.path, f.line, f.endLine, f.scope])).toEqual([
    [{ index: 2, subject: 'Check the gap again', total: 2 }, 'patch-subject-prefix', 'series.mbox', fromLine, fromLine, 'commit-message'],
  ]);
});

test('git log -p commits carry the Author: line and their message: the rules apply', async () => {
  const log = [
    'commit 1a2b3c4d5e6f7a8b9c0d1a2b3c4d5e6f7a8b9c0d',
    'Author: Jane Doe <jane@example.org>',
    'Date:   Wed Nov 25 17:48:11 2026 +0000',
    '',
    '    mm/mmap: check the gap',
    '',
    '    Signed-off-by: Jane Doe <jane@example.org>',
    '',
    DIFF,
  ].join('\n');
  const [patch] = await readPatches(log, 'log.txt');
  expect(runPatchRules(patch!, PATCH_RULES).map((f) => `${f.rule} ${f.messageId} ${f.message}`)).toEqual([
    'patch-mm-empty-body empty a patch to mm code (`mm/mmap.c`) has no commit message body',
  ]);
});

test('a note on a commit of git log output points at its commit line', async () => {
  const commit = (sha: string, date: string, subject: string): string[] => [`commit ${sha.repeat(40)}`, 'Author: Jane Doe <jane@example.org>', `Date:   ${date}`, '', `    ${subject}`, '', '    Body.', '', '    Signed-off-by: Jane Doe <jane@example.org>', '', DIFF];
  const text = [...commit('b', 'Thu Nov 26 09:00:00 2026 +0000', 'no prefix here'), ...commit('a', 'Wed Nov 25 17:48:11 2026 +0000', 'mm/mmap: check the gap')].join('\n');
  const patches = await readPatches(text, 'log.txt');
  const notes = patches.flatMap((p) => runPatchRules(p, PATCH_RULES));
  const line = text.split('\n').indexOf(`commit ${'b'.repeat(40)}`) + 1;
  expect(line).toBe(1);
  expect(notes.map((f) => [f.rule, f.patch?.index, f.line])).toEqual([['patch-subject-prefix', 2, line]]);
  expect(patches[0]!.startLine).toBe(text.split('\n').indexOf(`commit ${'a'.repeat(40)}`) + 1);
});

test('fingerprints: stable for the same patch, different for another subject or another bad line', async () => {
  const read = async (subject: string, fixes: string) =>
    runPatchRules((await readPatches(mail(`From: Jane Doe <jane@example.org>\nSubject: [PATCH] ${subject}`, `Body.\n\nFixes: ${fixes}\nSigned-off-by: Jane Doe <jane@example.org>`), 'x.patch'))[0]!, PATCH_RULES)[0]!.fingerprint;
  const a = await read('mm: one', '1a2b3c4 ("mm: x")');
  expect(await read('mm: one', '1a2b3c4 ("mm: x")')).toBe(a);
  expect(await read('mm: two', '1a2b3c4 ("mm: x")')).not.toBe(a);
  expect(await read('mm: one', '1a2b3c5 ("mm: x")')).not.toBe(a);
});

describe('splitTrailers', () => {
  test('the last paragraph of trailers; a continuation line joins the trailer above', () => {
    expect(splitTrailers(['Body one.', '', 'Link: https://lore.kernel.org/r/1', '  continued', 'Signed-off-by: A <a@b>'])).toEqual({
      body: 'Body one.',
      trailers: [
        { key: 'Link', value: 'https://lore.kernel.org/r/1 continued', line: 'Link: https://lore.kernel.org/r/1' },
        { key: 'Signed-off-by', value: 'A <a@b>', line: 'Signed-off-by: A <a@b>' },
      ],
    });
  });

  test("a maintainer's [note] is neither trailer nor body; a sentence inside the block is body", () => {
    expect(splitTrailers(['Signed-off-by: A <a@b>', '[akpm@linux-foundation.org: fix typo]', 'Signed-off-by: B <c@d>']).body).toBe('');
    expect(splitTrailers(['It breaks.', 'Signed-off-by: A <a@b>']).body).toBe('It breaks.');
  });

  test('a last paragraph of prose with one colon is no trailer block', () => {
    expect(splitTrailers(['Intro.', '', 'Note: this is prose,', 'and so is this line', 'and this one', 'and this one too.'])).toEqual({
      body: 'Intro.\n\nNote: this is prose,\nand so is this line\nand this one\nand this one too.',
      trailers: [],
    });
  });
});

test('parseIdentity reads the forms mails use', () => {
  expect(parseIdentity('"Doe, Jane" <jane@example.org>')).toEqual({ name: 'Doe, Jane', email: 'jane@example.org', text: '"Doe, Jane" <jane@example.org>' });
  expect(parseIdentity('jane@example.org (Jane Doe)')).toEqual({ name: 'Jane Doe', email: 'jane@example.org', text: 'jane@example.org (Jane Doe)' });
  expect(parseIdentity('jane@example.org')).toEqual({ name: null, email: 'jane@example.org', text: 'jane@example.org' });
  expect(parseIdentity('Jane Doe')).toEqual({ name: 'Jane Doe', email: null, text: 'Jane Doe' });
});

test('parseIdentity takes text longer than a mail line as a name, at once', () => {
  // Each of these backtracked quadratically through the patterns (100,000 characters: 11-13 s);
  // the test's timeout is what catches a return of that.
  expect(parseIdentity('A' + ' '.repeat(250_000) + 'B <a@b.c>')).toEqual({ name: 'A B <a@b.c>', email: null, text: 'A' + ' '.repeat(250_000) + 'B <a@b.c>' });
  for (const text of ['@'.repeat(250_000), '<'.repeat(250_000)]) expect(parseIdentity(text)).toEqual({ name: text, email: null, text });
  // At the limit the forms still parse.
  const long = `${'N'.repeat(980)} <n@example.org>`;
  expect(parseIdentity(long).email).toBe('n@example.org');
});
